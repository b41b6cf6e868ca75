"""*Share in channel*: fresh figures posted for everyone in the conversation."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from domain.check import Checked
from domain.posting import DeliveryUncertain
from handlers.check.blocks import card
from handlers.check.payloads import SubjectValue
from handlers.deps import Deps
from handlers.i18n import N_, Translator
from handlers.render import mention
from handlers.sharing.post import NOT_THERE, poster, refusal_text

log = logging.getLogger("creditbot.check")

# True whatever became of the first press (posted, refused, unconfirmed): a double
# click's two answers must not contradict each other.
ALREADY = N_("*Share in channel* was pressed on this card already: it is posted in "
             "{channel} at most once, however many times its button is pressed. If it does "
             "not appear there, run `/credit check` again for a fresh card to share.")


def press_key(body: dict[str, Any], channel: str, user: str) -> str | None:
    """What makes two presses of *Share in channel* one: the card they were pressed on
    (its message's ts in the channel) and who pressed. None when Slack did not say
    which message: each press is then its own."""
    stamp = (body.get("container") or {}).get("message_ts")
    if not isinstance(stamp, str) or not stamp:
        return None
    return f"share:{channel}:{stamp}:{user}"[:200]


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

    # A double click sends two presses, each with its own trigger: the card shares once.
    key = press_key(body, channel, context.user_id or "")
    if key is not None and not deps.first_time(key):
        log.info("a second press of Share in channel on one card: not posted again")
        context["reply"](tr._(ALREADY, channel=f"<#{channel}>"))
        return
    post_once = poster(context)
    posted = False

    def post(found: Checked) -> None:
        # A moment, not a date: each reader sees it in their own time zone.
        when = theirs.moment(deps.checks.clock(), deps.checks.zone)
        text, blocks = card(found, theirs, timezone=deps.timezone, shareable=False,
                            note=theirs._("Shared by {who} · {when}",
                                          who=mention(context.user_id or ""), when=when))
        nonlocal posted
        try:
            post_once(channel, text, blocks)
        except DeliveryUncertain:
            posted = True  # no answer in time: it may be in the channel
            raise
        posted = True

    try:
        found = deps.checks.share(context["member"], chosen.ref(), channel, post)
    except Exception as refused:
        if key is not None and not posted:
            deps.forget(key)  # nothing was posted: pressing again (after a fix) shares
        if not isinstance(refused, SlackApiError):
            raise
        if refused.response.get("error") in NOT_THERE:
            context["reply"](tr._("I can't post in this channel yet: add me with "
                                  "`/invite @creditbot`, then press *Share in channel* "
                                  "again."))
            return
        passing = refusal_text(refused, tr, f"<#{channel}>")
        if passing is None:
            raise
        log.warning("Share in channel: Slack refused the post (%s)",
                    refused.response.get("error") or refused.response.status_code)
        context["reply"](passing)
        return
    mine = card(found, tr, timezone=deps.timezone, shareable=False,
                note=tr._("You shared this in {channel}.", channel=f"<#{channel}>"))
    context["reply"](*mine, replace_original=True)
