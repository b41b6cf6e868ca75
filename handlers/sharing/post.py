"""Posting a shared card into a channel: one try, and a timeout told apart from a refusal."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext
from slack_sdk import WebClient

from domain.posting import DeliveryUncertain
from handlers.replies import rate_limit_retry

POST_TIMEOUT_SECONDS = 5
# Slack's answers when the bot may not post in a channel: people can fix these.
NOT_THERE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


def poster(context: BoltContext) -> Callable[[str, str, list[dict[str, Any]] | None], None]:
    """``post(channel, text, blocks)`` with the bot's token. One try, no retries: a post
    whose answer timed out may be in the channel already, and trying again would post it
    twice (DeliveryUncertain); 429 is safe to wait out, Slack refused it."""
    client = WebClient(token=context.client.token, base_url=context.client.base_url,
                       timeout=POST_TIMEOUT_SECONDS, retry_handlers=[rate_limit_retry()])

    def post(channel: str, text: str, blocks: list[dict[str, Any]] | None) -> None:
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except (TimeoutError, http.client.RemoteDisconnected, ConnectionResetError) as lost:
            raise DeliveryUncertain from lost
        except URLError as lost:
            if isinstance(lost.reason, TimeoutError | ConnectionResetError):
                raise DeliveryUncertain from lost
            raise

    return post
