"""Answering a person: through the response_url, retried on 429 and 5xx, with a
chat.postEphemeral apology as the last resort. Never raises into the worker."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

log = logging.getLogger("creditbot.replies")

APOLOGY = ("Sorry — Slack did not accept my answer just now, so I could not show it. "
           "Please try again in a minute. (reference {request_id})")


def retry_handlers() -> list[Any]:
    # Bounded: a person is waiting, so two more tries, honouring Retry-After on 429.
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2)]


class Replier:
    def __init__(self, response_url: str | None, client: WebClient, channel: str | None,
                 user: str | None, request_id: str) -> None:
        self.response_url = response_url
        self.client = client
        self.channel = channel
        self.user = user
        self.request_id = request_id

    def __deepcopy__(self, memo: dict[int, object]) -> Replier:
        # Bolt deep-copies the context for lazy listeners; the client inside is shared.
        return self

    def __call__(self, text: str, blocks: list[dict[str, Any]] | None = None, *,
                 in_channel: bool = False, replace_original: bool = False) -> bool:
        """Shows the message; True if Slack took it."""
        message: dict[str, Any] = {"text": text,
                                   "response_type": "in_channel" if in_channel else "ephemeral"}
        if blocks is not None:
            message["blocks"] = blocks
        if replace_original:
            message["replace_original"] = True
        if self.response_url:
            hook = WebhookClient(self.response_url, timeout=10, retry_handlers=retry_handlers())
            try:
                answer = hook.send_dict(message)
                if answer.status_code == 200:
                    return True
                log.warning("[%s] response_url answered HTTP %s: %s", self.request_id,
                            answer.status_code, answer.body[:200])
            except Exception as problem:  # network trouble must not kill the worker
                log.warning("[%s] response_url failed: %r", self.request_id, problem)
        self.apologise()
        return False

    def apologise(self) -> None:
        if not (self.channel and self.user):
            return
        try:
            self.client.chat_postEphemeral(channel=self.channel, user=self.user,
                                           text=APOLOGY.format(request_id=self.request_id))
        except (SlackApiError, OSError) as problem:
            log.error("[%s] could not apologise either: %r", self.request_id, problem)
