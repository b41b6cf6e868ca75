"""The App Home tab: what creditbot does, and whether this person may see credit data."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain.access import AccessDenied
from handlers.deps import Deps
from handlers.errors import access_refusal
from handlers.i18n import Translator
from handlers.registry import COMMAND, Catalogue, Event, Feature
from handlers.render import context, header, section


def home_view(deps: Deps, catalogue: Catalogue, user_id: str, tr: Translator
              ) -> dict[str, Any]:
    member = deps.member(user_id)
    if deps.access.allows(member):
        status = ":white_check_mark: " + tr._("You may see customers' credit positions.")
    else:
        status = access_refusal(AccessDenied(deps.access.contacts), tr)
    commands = "\n".join(f"• `{COMMAND} {s.name}` — {tr._(s.summary)}"
                         for s in catalogue.subcommands)
    return {"type": "home", "blocks": [
        header("creditbot"),
        section(tr._("Trade credit where your team works: check a customer before you quote "
                     "or promise delivery.")),
        section(status),
        section("*" + tr._("Commands") + f"*\n{commands}"),
        context(tr._("Figures as of today in {zone}.", zone=deps.timezone)),
    ]}


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    user = event.get("user")
    if event.get("tab") not in (None, "home") or not isinstance(user, str):
        return
    tr = context["deps"].languages.for_person(user, client)
    client.views_publish(user_id=user,
                         view=home_view(context["deps"], context["catalogue"], user, tr))


def on_user_change(event: dict[str, Any], context: BoltContext) -> None:
    """A person changed their Slack settings (perhaps their language): ask again."""
    user = event.get("user") or {}
    if isinstance(user, dict) and user.get("id"):
        context["deps"].languages.forget(user["id"])


FEATURE = Feature(
    name="home",
    events=(Event("app_home_opened", on_home_opened), Event("user_change", on_user_change)),
    # users:read: each person's language and time zone (users.info, user_change).
    scopes=("users:read",),
)
