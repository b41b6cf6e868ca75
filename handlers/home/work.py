"""The Home tab's "your work": what waits for this person's decision, the held orders
they placed and the requests they filed that are still open, a few lines each, the
commands with the rest (a rep looked for these there first)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from domain.access import Member
from handlers.approvals.requests_list import request_line
from handlers.deps import Deps
from handlers.i18n import Translator
from handlers.orders.listing import order_line
from handlers.render import SECTION_TEXT, Block, clip, section

log = logging.getLogger("creditbot.home")

# Lines of each list on the Home tab; the commands show them all.
SHOWN = 5
# Read to find the open ones among the latest.
LOOKED_AT = 50


def your_work(deps: Deps, member: Member, tr: Translator,
              named: Callable[[str], str]) -> list[Block]:
    """The sections of this person's work; a failure here costs this part only.
    ``named``: a subcommand as the reader would write it (`/credit requests`)."""
    try:
        return _sections(deps, member, tr, named)
    except Exception:
        log.exception("the work of %s could not be read for the Home tab", member.user_id)
        return [section("*" + tr._("Your work") + "*\n" +
                        tr._("Your requests and orders cannot be shown just now."))]


def _sections(deps: Deps, member: Member, tr: Translator, named: Callable[[str], str]
              ) -> list[Block]:
    requests, now = deps.requests, deps.requests.clock()
    waiting = requests.waiting_for(member)
    held = [o for o in deps.orders.mine(member, limit=LOOKED_AT) if o.check.is_held]
    open_ = [r for r in requests.mine(member, limit=LOOKED_AT) if r.request.is_open]
    lists = (
        (tr._("Waiting for your decision"), [request_line(w.record, requests, tr, now, w.right)
                                             for w in waiting[:SHOWN]], len(waiting),
         "requests"),
        (tr._("Your held orders"), [order_line(o, tr) for o in held[:SHOWN]], len(held),
         "orders"),
        (tr._("Your open requests"), [request_line(r, requests, tr, now)
                                      for r in open_[:SHOWN]], len(open_), "requests"),
    )
    blocks = []
    for title, lines, total, command in lists:
        if not lines:
            continue
        more = tr._("{command} shows them all, with their buttons.",
                    command=named(command)) if total > len(lines) else tr._(
            "{command} has their buttons.", command=named(command))
        # Within a section's 3,000 characters, the pointer to the rest kept whole.
        listed = clip("\n".join([f"*{title}*", *(f"• {line}" for line in lines)]),
                      SECTION_TEXT - len(more) - 1)
        blocks.append(section(f"{listed}\n{more}"))
    return blocks
