"""``/credit collect [page]``: the collector's worklist, and its *More* button."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from handlers.collections.blocks import PageValue, worklist
from handlers.deps import Deps
from handlers.i18n import Translator
from handlers.render import Message, message, section, user_text


def collect(context: BoltContext, rest: str) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    words = rest.split()
    if words and not (len(words) == 1 and words[0].isdigit() and 0 < int(words[0]) < 10_000):
        text = tr._("`/credit collect` takes a page number or nothing, e.g. "
                    "`/credit collect 2`; “{typed}” is not one.",
                    typed=user_text(rest.strip(), 100))
        return message(text, [section(text)])
    page = int(words[0]) if words else 1
    listed = deps.collecting.worklist(context["member"], page)
    return worklist(listed, context["tr"],
                    may_assign=deps.assignments.may_assign(context["member"]))


def on_more(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    value: PageValue = context["payload"]
    listed = deps.collecting.worklist(context["member"], value.page)
    context["reply"](*worklist(listed, context["tr"],
                               may_assign=deps.assignments.may_assign(context["member"])),
                     replace_original=True)
