"""The App Home tab: what creditbot does, and whether this person may see credit data."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain.access import AccessDenied
from handlers.deps import Deps
from handlers.errors import access_refusal
from handlers.registry import COMMAND, Catalogue, Event, Feature
from handlers.render import context, header, section


def home_view(deps: Deps, catalogue: Catalogue, user_id: str) -> dict[str, Any]:
    member = deps.member(user_id)
    if deps.access.allows(member):
        status = ":white_check_mark: You may see customers' credit positions."
    else:
        status = access_refusal(AccessDenied(deps.access.contacts))
    commands = "\n".join(f"• `{COMMAND} {s.name}` — {s.summary}"
                         for s in catalogue.subcommands)
    return {"type": "home", "blocks": [
        header("creditbot"),
        section("Trade credit where your team works: check a customer before you quote or "
                "promise delivery."),
        section(status),
        section(f"*Commands*\n{commands}"),
        context(f"Figures as of today in {deps.timezone}."),
    ]}


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    client.views_publish(user_id=event["user"],
                         view=home_view(context["deps"], context["catalogue"], event["user"]))


FEATURE = Feature(name="home", events=(Event("app_home_opened", on_home_opened),))
