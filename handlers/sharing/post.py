"""Posting a shared card into a channel: one try, and a timeout told apart from a refusal."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.posting import DeliveryUncertain
from handlers.i18n import N_, Translator
from handlers.replies import rate_limit_retry

POST_TIMEOUT_SECONDS = 5
# Slack's answers when the bot may not post in a channel: inviting it fixes these.
NOT_THERE = frozenset({"not_in_channel", "channel_not_found"})


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
        except SlackApiError as refused:
            # A server error may hide a post that went through, as a timeout may: the
            # share is recorded as unconfirmed and the person told to look.
            if getattr(refused.response, "status_code", 200) >= 500:
                raise DeliveryUncertain from refused
            raise

    return post


SLOWED = N_("Slack asked creditbot to slow down and did not take the card: nothing was "
            "posted in {channel}. Share it again in a minute.")
# Nobody can post in an archived channel, nor invite the bot into it.
ARCHIVED = N_("{channel} is archived, so nobody can post in it: nothing was posted. Share "
              "the card in another channel.")


def refusal_text(refused: SlackApiError, tr: Translator, where: str) -> str | None:
    """What to tell the person who shared, when Slack refused the post for a reason
    they can act on (wait, or pick another channel): a general apology ("could not show
    my answer") said nothing of the card."""
    status = getattr(refused.response, "status_code", 200)
    if status == 429 or refused.response.get("error") == "ratelimited":
        return tr._(SLOWED, channel=where)
    if refused.response.get("error") == "is_archived":
        return tr._(ARCHIVED, channel=where)
    return None
