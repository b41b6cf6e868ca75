"""*Share with another department*: the form (channel + note) a Share button or menu
opens on any card, and the post it makes into the chosen channel."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from domain.access import AccessDenied, ShareRefused
from domain.errors import DomainError
from domain.sharing import NOTE_LIMIT
from handlers.after_form import tell
from handlers.deps import Deps
from handlers.errors import explain
from handlers.i18n import Translator
from handlers.modals import modal, open_modal, option, select, submitted, text_input
from handlers.payloads import opened_in
from handlers.registry import Submitted
from handlers.render import section
from handlers.sharing.payloads import SHARE_VIEW, CardValue, ShareForm
from handlers.sharing.post import NOT_THERE, poster, refusal_text
from handlers.sharing.posts import shared_post

log = logging.getLogger("creditbot.sharing")

CHANNEL = "channel"
NOTE = "note"


def on_share_card(body: dict[str, Any], context: BoltContext) -> None:
    """Opens the form for the pressed card. Someone who may not see credit data is told
    so, to them only, and gets no form."""
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    member = context["member"]
    pressed: CardValue = context["payload"]
    card = pressed.card()
    targets = deps.sharing.channels(member)
    if not targets:
        deps.sharing.require(member, card)  # AccessDenied, answered by the guard
        context["reply"](tr._("No channel is open to credit data yet, so a card cannot be "
                              "shared. A credit manager can open one "
                              "(access.credit_data.share_channels in app.yaml)."))
        return
    form = ShareForm(kind=pressed.kind, id=pressed.id, origin=opened_in(body))
    view = modal(SHARE_VIEW, form, title=tr._("Share card"), submit=tr._("Share"),
                 close=tr._("Cancel"), blocks=[
                     section(tr._("The card is posted with its figures as they are when "
                                  "you share it, with your name and your note.")),
                     select(CHANNEL, tr._("Channel"),
                            [option(channel, name) for channel, name in targets.items()],
                            hint=tr._("The departments' channels open to credit data.")),
                     text_input(NOTE, tr._("Note"), multiline=True, optional=True,
                                max_length=NOTE_LIMIT,
                                placeholder=tr._("Why should they look at it?")),
                 ])
    open_modal(context, str(body.get("trigger_id") or ""), view)


def submit_share(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    form: ShareForm = context["metadata"]
    values = submitted(view)
    channel, note = values.get(CHANNEL), values.get(NOTE)
    if not channel:
        return {CHANNEL: tr._("Pick the channel to share the card in.")}
    try:
        deps.sharing.require(context["member"], form.card(), channel)
    except ShareRefused:
        # A field error is plain text: no channel mentions, so the reason in words.
        return {CHANNEL: tr._("Cards can be shared only in the channels the organisation "
                              "has opened to credit data, and this one is not among them "
                              "(any more): pick another.")}
    except AccessDenied:
        raise
    return lambda: deliver(context, form, channel, note)


def deliver(context: BoltContext, form: ShareForm, channel: str, note: str | None) -> None:
    """Posts the card in ``channel`` and tells the person how it went."""
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    sharer = context.user_id or ""
    # Everyone in the channel reads the post: it speaks the channel's language.
    theirs = deps.languages.for_channel(channel)
    post_once = poster(context)

    def publish(found: object) -> None:
        text, blocks = shared_post(found, theirs, sharer=sharer, note=note,
                                   timezone=deps.timezone, zone=deps.checks.zone)
        post_once(channel, text, blocks)

    where = "<#" + channel + ">"
    try:
        deps.sharing.share(context["member"], form.card(), channel, note, publish)
    except SlackApiError as refused:
        passing = refusal_text(refused, tr, where)
        if passing is not None:
            log.warning("share with another department: Slack refused the post (%s)",
                        refused.response.get("error") or refused.response.status_code)
            answer = passing
        elif refused.response.get("error") in NOT_THERE:
            answer = tr._("I can't post in {channel} yet: add me there with `/invite "
                          "@creditbot`, then share the card again.", channel=where)
        else:
            raise
    except DomainError as refused:
        answer = explain(refused, tr)
    else:
        answer = tr._("You shared this card in {channel}.", channel=where)
    _tell(context, form.origin, answer)


def _tell(context: BoltContext, origin: str | None, text: str) -> None:
    """Beside where the Share was pressed, else by direct message."""
    tell(context, text, beside=origin)
