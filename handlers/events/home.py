"""The App Home tab: what creditbot does, and whether this person may see credit data."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from handlers.blocks.common import mention
from handlers.commands.credit import COMMAND, entries
from handlers.deps import Deps
from handlers.errors import ack_only, guarded


def home_view(deps: Deps, user_id: str) -> dict[str, Any]:
    member = deps.member(user_id)
    if deps.access.allows(member):
        status = ":white_check_mark: You may see customers' credit positions."
    else:
        who = " or ".join(mention(u) for u in deps.access.contacts) or "your credit manager"
        status = f":lock: You cannot see credit data yet. Ask {who} for access."
    commands = "\n".join(f"• `{COMMAND} {name}` — {summary}" for name, summary, _ in entries())
    view = View(type="home", blocks=[
        HeaderBlock(text="creditbot"),
        SectionBlock(text=MarkdownTextObject(
            text="Trade credit where your team works: check a customer before you quote or "
                 "promise delivery.")),
        SectionBlock(text=MarkdownTextObject(text=status)),
        SectionBlock(text=MarkdownTextObject(text=f"*Commands*\n{commands}")),
        ContextBlock(elements=[MarkdownTextObject(
            text=f"Figures as of today in {deps.timezone}.")]),
    ])
    return view.to_dict()


def on_home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    client.views_publish(user_id=event["user"], view=home_view(context["deps"], event["user"]))


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_only, lazy=[guarded(on_home_opened)])
