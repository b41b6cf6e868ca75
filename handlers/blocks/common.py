"""Small rendering helpers shared by the cards."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block


def escape(text: str) -> str:
    """Slack mrkdwn control characters; user and ERP text never pings or links anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    """Serialises and validates (length limits, required fields) every block."""
    return [block.to_dict() for block in blocks]
