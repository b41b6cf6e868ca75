"""Accept, Decline, Propose another time on an invitation: parse, call ``respond``,
answer the clicker alone (ephemerally). Accept and Decline answer at once; Propose
another time opens a form (date and time on the clicker's own wall clock, a note),
checked like the scheduling form (a time that does not exist or has passed is refused
beside its field). The card's tally moves through the outbox (``notices``)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext

from domain.errors import DomainError
from domain.meetings.model import Answer, Meeting
from domain.meetings.responses import MAX_NOTE, AnswerRefused, ProposalInvalid
from domain.meetings.schedule import FieldProblem, MeetingRefused, local_start
from handlers.after_form import tell
from handlers.errors import field_error, refused
from handlers.i18n import Translator
from handlers.meetings import invitation
from handlers.meetings.rsvp_payloads import (
    ACCEPT,
    DATE_BLOCK,
    DECLINE,
    NOTE_BLOCK,
    PROPOSE,
    PROPOSE_VIEW,
    TIME_BLOCK,
    MeetingValue,
    start_shown,
)
from handlers.meetings.zones import drawn_zone, zone_of
from handlers.modals import date_input, modal, open_modal, submitted, text_input, time_input
from handlers.registry import Action, Submitted, View
from handlers.render import mention, person_text, section

FIELDS = {"date": DATE_BLOCK, "time": TIME_BLOCK, "note": NOTE_BLOCK}


def refusal(error: DomainError, tr: Translator) -> str:
    """A refusal in the reader's words; the organiser stays a mention (``explain``
    escapes every value it fills in)."""
    if isinstance(error, AnswerRefused) and "organiser" in error.params:
        params = {**error.params, "organiser": mention(str(error.params["organiser"])),
                  "title": person_text(str(error.params.get("title", "")),
                                                  invitation.TITLE)}
        return ":no_entry: " + tr._(error.template, **params)
    return refused(error, tr)


def _answer(context: BoltContext, answer: Answer) -> None:
    pressed: MeetingValue = context["payload"]
    tr: Translator = context["tr"]
    try:
        answered = context["deps"].meeting_answers.respond(
            context["member"], pressed.meeting, answer, shown=start_shown(pressed))
    except DomainError as refused:
        context["reply"](refusal(refused, tr))
        return
    if answer is Answer.ACCEPTED:
        context["reply"](":white_check_mark: " + tr._("You accepted. The organiser sees it on "
                                                      "the invitation."))
    else:
        context["reply"](":x: " + (tr._("You declined; the organiser is told.")
                                   if answered.told else
                                   tr._("You had declined already; the organiser knows.")))


def on_accept(body: dict[str, Any], context: BoltContext) -> None:
    _answer(context, Answer.ACCEPTED)


def on_decline(body: dict[str, Any], context: BoltContext) -> None:
    _answer(context, Answer.DECLINED)


def _propose_view(tr: Translator, meeting: Meeting, zone: str, starts: int | None
                  ) -> dict[str, Any]:
    return modal(PROPOSE_VIEW, MeetingValue(meeting=meeting.id, zone=zone, starts=starts),
                 title=tr._("Propose a time"), submit=tr._("Propose"),
                 close=tr._("Cancel"), blocks=[
                     section(tr._("*{title}*\nScheduled for: {when}",
                                  title=invitation.title(meeting),
                                  when=tr.moment(meeting.starts_at, ZoneInfo(zone)))),
                     date_input(DATE_BLOCK, tr._("Date")),
                     time_input(TIME_BLOCK, tr._("Time"),
                                hint=tr._("In your time zone, {zone}.", zone=zone)),
                     text_input(NOTE_BLOCK, tr._("Note to the organiser"), multiline=True,
                                optional=True, max_length=MAX_NOTE)])


def on_propose(body: dict[str, Any], context: BoltContext) -> None:
    pressed: MeetingValue = context["payload"]
    tr: Translator = context["tr"]
    member = context["member"]
    try:
        meeting = context["deps"].meeting_answers.check(member, pressed.meeting,
                                                        start_shown(pressed))
    except DomainError as refused:
        context["reply"](refusal(refused, tr))
        return
    open_modal(context, str(body.get("trigger_id", "")),
               _propose_view(tr, meeting, zone_of(context, member.user_id), pressed.starts))


def parse_time(text: str | None) -> time | None:
    """``14:30``, ``9:05``, ``14.30``, ``1430`` (full-width digits too); None if not."""
    if not text:
        return None
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(".", ":")
    if ":" not in cleaned and len(cleaned) in (3, 4) and cleaned.isdigit():
        cleaned = cleaned[:-2] + ":" + cleaned[-2:]
    hours, _, minutes = cleaned.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        return None
    h, m = int(hours), int(minutes)
    return time(h, m) if 0 <= h < 24 and 0 <= m < 60 else None


def on_propose_submit(view: dict[str, Any], context: BoltContext) -> Submitted:
    chosen: MeetingValue = context["metadata"]
    tr: Translator = context["tr"]
    member = context["member"]
    values = submitted(view)
    errors: dict[str, str] = {}
    day: date | None = None
    try:
        day = date.fromisoformat(values.get(DATE_BLOCK) or "")
    except ValueError:
        errors[DATE_BLOCK] = tr._("Choose a date.")
    at = parse_time(values.get(TIME_BLOCK))
    if at is None and not values.get(TIME_BLOCK):
        errors[TIME_BLOCK] = tr._("Write a time, as HH:MM, e.g. 14:30.")
    elif at is None:
        errors[TIME_BLOCK] = tr._("“{text}” is not a time: write it as HH:MM, e.g. 14:30.",
                                  text=person_text(values.get(TIME_BLOCK) or "", 20))
    if errors or day is None or at is None:
        return errors
    zone = drawn_zone(context, chosen.zone)
    try:
        proposed: datetime = local_start(day, at, zone)
        answered = context["deps"].meeting_answers.respond(
            member, chosen.meeting, Answer.PROPOSED, proposed, values.get(NOTE_BLOCK) or "",
            zone=zone, shown=start_shown(chosen))
    except MeetingRefused as refused:
        return {FIELDS.get(where, TIME_BLOCK): field_error(problem, tr)
                for where, problem in refused.by_field().items()}
    except FieldProblem as wrong:
        return {FIELDS.get(wrong.where, TIME_BLOCK): field_error(wrong, tr)}
    except ProposalInvalid as wrong:
        return {FIELDS.get(wrong.field, TIME_BLOCK): field_error(wrong, tr)}
    except AnswerRefused as refused:
        raise DomainError(refusal(refused, tr)) from refused
    when = tr.moment(proposed, ZoneInfo(zone))
    text = ":calendar: " + (tr._("You proposed {when}; the organiser is told.", when=when)
                            if answered.told else
                            tr._("You had proposed {when} already; the organiser knows.",
                                 when=when))

    return lambda: tell(context, text)  # the form is closed: by direct message


ACTIONS: tuple[Action, ...] = (
    Action(ACCEPT, on_accept, MeetingValue),
    Action(DECLINE, on_decline, MeetingValue),
    Action(PROPOSE, on_propose, MeetingValue),
)
VIEWS: tuple[View, ...] = (View(PROPOSE_VIEW, MeetingValue, on_propose_submit),)
