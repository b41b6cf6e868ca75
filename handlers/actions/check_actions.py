"""Buttons on the check card: pick a candidate, share the card in the channel."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk.errors import SlackApiError

from domain.positions import customer_position
from handlers.blocks.check_card import PICK, SHARE, check_card
from handlers.blocks.common import mention
from handlers.check import position_message
from handlers.deps import Deps
from handlers.errors import ack_only, guarded

_NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}


def _value(body: dict[str, Any]) -> str:
    return str(body["actions"][0].get("value", ""))


def on_pick(body: dict[str, Any], context: BoltContext) -> None:
    context["reply"](*position_message(context, _value(body)), replace_original=True)


def on_share(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    deps.access.require(context["member"])
    with deps.unit_of_work() as uow:  # fresh figures: the card may be minutes old
        customer, position = customer_position(uow, _value(body), deps.today(), deps.policy)
    user, channel = context.user_id or "", context.channel_id
    if channel is None:  # a card shown outside any conversation has nowhere to go
        context["reply"]("There is no channel here to share this card in.")
        return
    text, blocks = check_card(customer, position, timezone=deps.timezone, shareable=False,
                              note=f"Shared by {mention(user)}")
    try:
        context.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
    except SlackApiError as refused:
        if refused.response.get("error") in _NOT_THERE:
            context["reply"]("I can't post in this channel yet: add me with "
                             "`/invite @creditbot`, then press *Share in channel* again.")
            return
        raise
    mine_text, mine = check_card(customer, position, timezone=deps.timezone, shareable=False,
                                 note=f"You shared this in <#{channel}>.")
    context["reply"](mine_text, mine, replace_original=True)


def register(app: App) -> None:
    # Acknowledged at once; the work runs after the response (Bolt's lazy listeners).
    app.action(re.compile(f"^{PICK}:\\d+$"))(ack=ack_only, lazy=[guarded(on_pick)])
    app.action(SHARE)(ack=ack_only, lazy=[guarded(on_share)])
