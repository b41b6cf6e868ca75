"""What a shared card looks like in the channel it was shared into: the card as its own
capability draws it (fresh figures, no buttons), then who shared it and their note."""

from __future__ import annotations

from datetime import tzinfo

from domain.alerts.model import TYPE_TITLES
from domain.approvals.model import RequestState
from domain.check import CustomerCheck, GroupCheck
from domain.sharing import NOTE_LIMIT, SharedAlert, SharedRequest
from domain.text import N_
from handlers.alerts.blocks import SEVERITY_EMOJI, answers, open_alert
from handlers.approvals.cards import (
    QUOTES,
    closed_text,
    kind_title,
    outcome_text,
    position_blocks,
    role_name,
    subject,
)
from handlers.check.blocks import card as check_card
from handlers.i18n import Translator, known_as
from handlers.render import (
    Block,
    Message,
    context,
    erp_text,
    fields,
    fits,
    header,
    mention,
    message,
    person_text,
    section,
)

NAME = 200
ID = 64

STATE_TITLES = {RequestState.APPROVED: N_("approved"), RequestState.REJECTED: N_("rejected"),
                RequestState.CANCELLED: N_("cancelled"), RequestState.EXPIRED: N_("expired")}


def shared_line(tr: Translator, sharer: str, note: str | None) -> str:
    """``Shared by @x: note``; the note neutralised (no ping, link or formatting)."""
    text = person_text(note or "", NOTE_LIMIT)
    if not text:
        return tr._("Shared by {who}", who=mention(sharer))
    return tr._("Shared by {who}: {note}", who=mention(sharer), note=text)


def shared_post(found: object, tr: Translator, *, sharer: str, note: str | None,
                timezone: str, zone: tzinfo) -> Message:
    line = shared_line(tr, sharer, note)
    if isinstance(found, SharedAlert):
        return _alert(found, tr, line, timezone, zone)
    if isinstance(found, SharedRequest):
        return _request(found, tr, line, zone)
    if isinstance(found, CustomerCheck | GroupCheck):
        return check_card(found, tr, timezone=timezone, shareable=False, note=line)
    raise TypeError(f"no shared post for {type(found).__name__}")


def _alert(found: SharedAlert, tr: Translator, line: str, timezone: str,
           zone: tzinfo) -> Message:
    state = found.state
    title = tr._("Credit alert: {type}", type=tr._(TYPE_TITLES[state.type]))
    what = open_alert(tr, state.last) if state.last is not None else (
        f"{SEVERITY_EMOJI[state.severity]} *{tr._(TYPE_TITLES[state.type])}* — "
        f"{erp_text(state.customer_id, ID)}")
    parts = [what]
    if state.resolved_at is not None:
        parts.append(":white_check_mark: " + tr._(
            "Resolved: not found by the scan of {when}.",
            when=tr.moment(state.resolved_at, zone)))
    answered = answers(tr, state, zone)
    if answered:
        parts.append(answered)
    _text, card_blocks = check_card(found.customer, tr, timezone=timezone, shareable=False,
                                    note=line)
    blocks: list[Block] = [header(title), section("\n".join(parts)), *(card_blocks or [])]
    fallback = tr._("{title} · {customer}", title=title,
                    customer=erp_text(state.customer_id, ID))
    return message(fallback, blocks)


def _state(tr: Translator, found: SharedRequest) -> str:
    request = found.record.request
    if request.state is RequestState.OPEN:
        return tr._("waiting for level {level} of {levels}: {role}", level=request.level,
                    levels=len(request.route), role=role_name(request.current.role))
    return tr._(STATE_TITLES[request.state])


def _request(found: SharedRequest, tr: Translator, line: str, zone: tzinfo) -> Message:
    request, decisions = found.record.request, found.record.decisions
    title = tr._("Credit request #{request}: {kind}", request=request.id,
                 kind=kind_title(tr, request))
    blocks: list[Block] = [
        header(title),
        section(f"*{erp_text(known_as(tr, request), NAME)}* · "
                f"{erp_text(request.customer_id, ID)}"),
        fields((tr._("State"), _state(tr, found)),
               (tr._("Requested by"), mention(request.requested_by))),
        *position_blocks(tr, request, found.standing, zone),
    ]
    # The levels decided so far, in order, their comments shorter in turn until they fit
    # one section (three of 2,000 characters were cut with the last level's outcome).
    ordered = sorted(decisions, key=lambda d: d.level)
    for _, comment in QUOTES:
        decided = [section("\n".join(
            tr._("Level {level} of {levels}", level=d.level, levels=len(request.route))
            + ": " + outcome_text(tr, d, zone, comment) for d in ordered))] if ordered else []
        if fits([*blocks, *decided]):
            break
    blocks += decided
    # A closed request says why nothing is left.
    if request.state in (RequestState.CANCELLED, RequestState.EXPIRED):
        blocks.append(section(closed_text(tr, request, zone)))
    blocks.append(context(line))
    fallback = tr._("Credit request {subject}", subject=subject(tr, request))
    return message(fallback, blocks)
