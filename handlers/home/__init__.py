"""The App Home tab: what creditbot does, whether this person may see credit data, and
the open alerts that reach them."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain.access import AccessDenied, Member
from domain.people import is_user_id
from handlers.alerts.blocks import open_alert
from handlers.deps import Deps
from handlers.errors import access_refusal
from handlers.home.languages_job import run_people
from handlers.home.work import your_work
from handlers.i18n import N_, Translator
from handlers.registry import COMMAND, Catalogue, Event, Feature, Job, Subcommand
from handlers.render import Block, context, header, section

log = logging.getLogger("creditbot.home")

OPEN_ALERTS_SHOWN = 10


def home_view(deps: Deps, catalogue: Catalogue, user_id: str, tr: Translator
              ) -> dict[str, Any]:
    member = deps.member(user_id)
    alerts: list[Block] = []
    if deps.access.allows(member):
        status = ":white_check_mark: " + tr._("You may see customers' credit positions.")
        alerts = [*your_work(deps, member, tr, lambda name: _named_of(catalogue, name, tr)),
                  *_open_alerts(deps, member, tr)]
    else:
        status = access_refusal(AccessDenied(deps.access.contacts), tr)
    commands = "\n".join(_command_line(s, tr) for s in catalogue.subcommands)
    return {"type": "home", "blocks": [
        header("creditbot"),
        section(tr._("Trade credit where your team works: check a customer before you quote "
                     "or promise delivery.")),
        section(status),
        *alerts,
        section("*" + tr._("Commands") + f"*\n{commands}"),
        context(tr._("Figures as of today in {zone}.", zone=deps.timezone)),
    ]}


def _command_line(sub: Subcommand, tr: Translator) -> str:
    """A subcommand and what it does; to a Chinese reader with its Chinese word too, as
    `/credit 帮助` lists it (`/credit check` / `/credit 查询`)."""
    return f"• {named(sub, tr)} — {tr._(sub.summary)}"


def named(sub: Subcommand, tr: Translator) -> str:
    """`/credit check`, and to a Chinese reader `/credit check` / `/credit 查询`."""
    local = next((a for a in sub.aliases if not a.isascii()), None) \
        if tr.locale.language == "zh" else None
    return f"`{COMMAND} {sub.name}`" + (f" / `{COMMAND} {local}`" if local else "")


def _named_of(catalogue: Catalogue, name: str, tr: Translator) -> str:
    sub = catalogue.subcommand(name)
    return named(sub, tr) if sub is not None else f"`{COMMAND} {name}`"


def _open_alerts(deps: Deps, member: Member, tr: Translator) -> list[Block]:
    """The alerts that reach this person; a failure here costs this part only."""
    title = "*" + tr._("Open alerts") + "*"
    try:
        shown, total = deps.alerts.open_for(member, limit=OPEN_ALERTS_SHOWN)
    except Exception:
        log.exception("the open alerts of %s could not be read for the Home tab",
                      member.user_id)
        return [section(title + "\n" + tr._("Your open alerts cannot be shown just now."))]
    if not total:
        return [section(title + "\n" + tr._("None: nothing needs your attention."))]
    lines = ["• " + open_alert(tr, state.last) for state in shown if state.last is not None]
    if total > len(shown):
        left = total - len(shown)
        lines.append(tr.ngettext("… and {n} more alert, in the digests of your channels",
                                 "… and {n} more alerts, in the digests of your channels",
                                 left))
    return [section(title + "\n" + "\n".join(lines))]


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    user = event.get("user")
    if event.get("tab") not in (None, "home") or not isinstance(user, str):
        return
    tr = context["deps"].languages.for_person(user, client)
    client.views_publish(user_id=user,
                         view=home_view(context["deps"], context["catalogue"], user, tr))


def on_user_change(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A person changed their Slack settings (perhaps their language): forget what was
    known. Someone app.yaml lists is asked again now, so that what creditbot queues for
    them next reads in it even if they type nothing; anyone else (Slack sends this for
    every member of the workspace) at their next command or the daily ``people`` job."""
    user = event.get("user") or {}
    user_id = user.get("id") if isinstance(user, dict) else None
    if not isinstance(user_id, str) or not is_user_id(user_id):
        return
    deps = context["deps"]
    deps.languages.forget(user_id)
    if deps.member(user_id).is_listed:
        deps.languages.tag_of(user_id, client)


FEATURE = Feature(
    name="home",
    events=(Event("app_home_opened", on_home_opened), Event("user_change", on_user_change)),
    jobs=(Job("people", N_("asks Slack the language of the people creditbot writes to on its "
              "own (app.yaml's people, the customers' owners), so that their messages read "
              "in it"), "30 6 * * *", run_people),),
    # users:read: each person's language and time zone (users.info, user_change).
    scopes=("users:read",),
)
