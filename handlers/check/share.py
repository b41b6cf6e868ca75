"""*Share in channel*: fresh figures posted for everyone in the conversation."""

from __future__ import annotations

import http.client
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.check import Checked, DeliveryUncertain
from handlers.check.blocks import card
from handlers.check.payloads import SubjectValue
from handlers.deps import Deps
from handlers.i18n import Translator
from handlers.render import mention
from handlers.replies import rate_limit_retry

POST_TIMEOUT_SECONDS = 5
# Slack's answers when the bot may not post in a channel: the person can fix these.
_NOT_THERE = {"not_in_channel", "channel_not_found", "is_archived"}


def on_share(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    chosen: SubjectValue = context["payload"]
    channel = context.channel_id
    tr: Translator = context["tr"]
    if channel is None:  # a card shown outside any conversation has nowhere to go
        context["reply"](tr._("There is no channel here to share this card in."))
        return
    # Everyone in the channel reads the post: it speaks the channel's language.
    theirs = deps.languages.for_channel(channel)

    # One try, no retries: a post whose answer timed out may be in the channel already,
    # and trying again would post it twice (429 is safe to wait out: Slack refused it).
    client = WebClient(token=context.client.token, base_url=context.client.base_url,
                       timeout=POST_TIMEOUT_SECONDS, retry_handlers=[rate_limit_retry()])

    def post(found: Checked) -> None:
        # A moment, not a date: each reader sees it in their own time zone.
        when = theirs.moment(deps.checks.clock(), deps.checks.zone)
        text, blocks = card(found, theirs, timezone=deps.timezone, shareable=False,
                            note=theirs._("Shared by {who} · {when}",
                                          who=mention(context.user_id or ""), when=when))
        try:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except (TimeoutError, http.client.RemoteDisconnected, ConnectionResetError) as lost:
            raise DeliveryUncertain from lost
        except URLError as lost:
            if isinstance(lost.reason, TimeoutError | ConnectionResetError):
                raise DeliveryUncertain from lost
            raise

    try:
        found = deps.checks.share(context["member"], chosen.ref(), channel, post)
    except SlackApiError as refused:
        if refused.response.get("error") in _NOT_THERE:
            context["reply"](tr._("I can't post in this channel yet: add me with "
                                  "`/invite @creditbot`, then press *Share in channel* "
                                  "again."))
            return
        raise
    mine = card(found, tr, timezone=deps.timezone, shareable=False,
                note=tr._("You shared this in {channel}.", channel=f"<#{channel}>"))
    context["reply"](*mine, replace_original=True)
