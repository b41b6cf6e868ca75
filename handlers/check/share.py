"""*Share in channel*: fresh figures posted for everyone in the conversation."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from domain.check import Checked
from handlers.check.blocks import card
from handlers.check.payloads import SubjectValue
from handlers.deps import Deps
from handlers.i18n import Translator
from handlers.render import mention
from handlers.sharing.post import NOT_THERE, poster


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

    post_once = poster(context)

    def post(found: Checked) -> None:
        # A moment, not a date: each reader sees it in their own time zone.
        when = theirs.moment(deps.checks.clock(), deps.checks.zone)
        text, blocks = card(found, theirs, timezone=deps.timezone, shareable=False,
                            note=theirs._("Shared by {who} · {when}",
                                          who=mention(context.user_id or ""), when=when))
        post_once(channel, text, blocks)

    try:
        found = deps.checks.share(context["member"], chosen.ref(), channel, post)
    except SlackApiError as refused:
        if refused.response.get("error") in NOT_THERE:
            context["reply"](tr._("I can't post in this channel yet: add me with "
                                  "`/invite @creditbot`, then press *Share in channel* "
                                  "again."))
            return
        raise
    mine = card(found, tr, timezone=deps.timezone, shareable=False,
                note=tr._("You shared this in {channel}.", channel=f"<#{channel}>"))
    context["reply"](*mine, replace_original=True)
