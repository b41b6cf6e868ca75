"""What a form says once it has closed (a request filed, an action logged, a meeting
scheduled): beside where it was opened, as a message only the person sees, else by
direct message.

The form is gone by then, and with it every way back to the person but Slack's Web API.
A direct message Slack refuses for a passing reason (a 5xx, a 429, a connection
refused or closed, its own ``internal_error``) is tried again in the background for a
few minutes, since the record it confirms exists and the person would otherwise never
hear of it; one whose call timed out may have arrived and is not sent again. What never
got through is logged with the person, at ERROR (not the words: they name customers).
"""

from __future__ import annotations

import http.client
import logging
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.replies import later, passes

log = logging.getLogger("creditbot.after_form")

# Pauses before each try again of a direct message Slack refused for a passing reason:
# four more tries over about four and a half minutes.
PAUSES_SECONDS = (5.0, 20.0, 60.0, 180.0)


def tell(context: BoltContext, text: str, blocks: list[dict[str, Any]] | None = None, *,
         beside: str | None = None) -> None:
    """Shows ``text`` to the person who submitted the form: beside ``beside`` (the
    channel the form was opened from) when given and Slack takes it there, else by
    direct message, as for a form opened in a direct message: there the answer is a
    message the person keeps rather than one gone when Slack reloads."""
    user = context.user_id or ""
    client: WebClient = context.client
    if beside and not beside.startswith("D"):
        try:
            extra: dict[str, Any] = {"blocks": blocks} if blocks is not None else {}
            client.chat_postEphemeral(channel=beside, user=user, text=text, **extra)
            return
        except SlackApiError as refused:  # e.g. a channel the bot is not in
            log.info("a form's answer not shown in %s (%s): sent by DM", beside,
                     refused.response.get("error"))
        except (OSError, http.client.HTTPException, URLError) as problem:
            if isinstance(problem, TimeoutError):
                log.warning("a form's answer to %s in %s timed out; it may have arrived, "
                            "so it is not sent again", user, beside)
                return
            log.info("a form's answer not shown in %s (%r): sent by DM", beside, problem)
    _DirectMessage(client, user, text, blocks).attempt()


class _DirectMessage:
    def __init__(self, client: WebClient, user: str, text: str,
                 blocks: list[dict[str, Any]] | None) -> None:
        self.client, self.user, self.text, self.blocks = client, user, text, blocks
        self.tries = 0

    def attempt(self) -> None:
        self.tries += 1
        posting = False
        try:
            opened = self.client.conversations_open(users=self.user)
            posting = True
            extra: dict[str, Any] = {"blocks": self.blocks} if self.blocks is not None \
                else {}
            self.client.chat_postMessage(channel=opened["channel"]["id"], text=self.text,
                                         **extra)
        except TimeoutError as slow:
            if not posting:  # opening the conversation posts nothing: try again
                self._failed(repr(slow), passing=True)
                return
            log.warning("a form's answer to %s timed out; it may have arrived, so it is "
                        "not sent again", self.user)
        except SlackApiError as refused:
            self._failed(str(refused.response.get("error")), passing=passes(refused))
        except (OSError, http.client.HTTPException, URLError) as problem:
            self._failed(repr(problem), passing=True)
        else:
            if self.tries > 1:
                log.info("a form's answer reached %s at try %d", self.user, self.tries)

    def _failed(self, why: str, passing: bool) -> None:
        if passing and self.tries <= len(PAUSES_SECONDS):
            pause = PAUSES_SECONDS[self.tries - 1]
            log.warning("Slack refused a form's answer to %s (%s); trying again in %.0f s",
                        self.user, why, pause)
            later(pause, self._again)
            return
        log.error("a form's answer never reached %s (%s, %d tries)", self.user, why,
                  self.tries)

    def _again(self) -> None:
        try:
            self.attempt()
        except Exception:  # a try again must never kill the timer's thread
            log.exception("trying a form's answer to %s again failed", self.user)


