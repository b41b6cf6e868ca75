"""The scheduling form (``/credit meeting``) and the reschedule form: their blocks, and
what a submission says, read into the domain's ``Draft`` and ``Move``. The date and the
time are on the organiser's wall clock; the form's hint names the zone used."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from typing import Any

from domain.meetings.model import Meeting, MeetingKind, Recurrence
from domain.meetings.schedule import SHORTEST_MINUTES, SchedulingPolicy
from domain.meetings.use_cases import MAX_TITLE, Draft, Move
from handlers.i18n import Translator
from handlers.meetings.invitation import KINDS, RECURRENCES, duration
from handlers.meetings.scheduling_payloads import (
    ATTENDEES,
    CUSTOMERS,
    DATE,
    DEPARTMENTS,
    DESPITE,
    DESPITE_YES,
    DURATION,
    KIND,
    RECURRENCE,
    RESCHEDULE_VIEW,
    SCHEDULE_VIEW,
    TIME,
    TITLE,
    FormValue,
    ListedMeeting,
)
from handlers.modals import (
    OPTION_TEXT,
    VALUE,
    date_input,
    modal,
    option,
    select,
    submitted,
    text_input,
    time_input,
)
from handlers.render import Block, plain, section

DURATIONS = (15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480, 600, 720, 1440)
# Slack's limit of options in one select.
OPTIONS = 100


def _text(text: str, limit: int = OPTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit), "emoji": True}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = False,
           hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _text(label, 2000),
                    "optional": optional, "element": {**element, "action_id": VALUE}}
    if hint:
        block["hint"] = _text(hint, 2000)
    return block


def durations(tr: Translator, policy: SchedulingPolicy) -> list[dict[str, Any]]:
    choices = sorted({m for m in DURATIONS if SHORTEST_MINUTES <= m <= policy.longest_minutes}
                     | {policy.default_minutes, policy.longest_minutes})
    return [option(str(m), duration(tr, m)) for m in choices]


def _when_blocks(tr: Translator, policy: SchedulingPolicy, zone: str,
                 initial_day: date | None = None, initial_time: time | None = None,
                 initial_minutes: int | None = None) -> list[Block]:
    day = date_input(DATE, tr._("Date"))
    if initial_day is not None:
        day["element"]["initial_date"] = initial_day.isoformat()
    hours = policy.hours
    return [
        day,
        time_input(TIME, tr._("Time"), initial=initial_time.strftime("%H:%M")
                   if initial_time is not None else None, hint=tr._(
            "In your time zone, {zone}. Meetings are held between {start} and {end}.",
            zone=zone, start=hours.start.strftime("%H:%M"), end=hours.end.strftime("%H:%M"))),
        select(DURATION, tr._("Duration"), durations(tr, policy),
               initial=str(initial_minutes or policy.default_minutes)),
        _input(DESPITE, tr._("Conflicts"), {"type": "checkboxes", "options": [
            option(DESPITE_YES, tr._("Schedule even if it conflicts"))]}, optional=True,
            hint=tr._("Otherwise a clash with another meeting of the same people is shown "
                      "here first.")),
    ]


def schedule_view(tr: Translator, policy: SchedulingPolicy, zone: str,
                  departments: Mapping[str, str], channel: str | None, title: str = ""
                  ) -> dict[str, Any]:
    """The form, empty but for ``title`` (the words typed after ``/credit meeting``):
    ``departments`` key -> name (app.yaml's)."""
    kinds = [option(k.value, tr._(KINDS[k])) for k in MeetingKind]
    repeats = [option(r.value, tr._(RECURRENCES[r])) for r in Recurrence]
    blocks: list[Block] = [
        select(KIND, tr._("Type"), kinds, initial=MeetingKind.CREDIT_COMMITTEE.value),
        text_input(TITLE, tr._("Title"), max_length=MAX_TITLE, initial=title.strip(),
                   placeholder=tr._("e.g. Credit committee, December")),
    ]
    if departments:
        blocks.append(_input(DEPARTMENTS, tr._("Departments"), {
            "type": "multi_static_select",
            "options": [option(k, name) for k, name in list(departments.items())[:OPTIONS]]},
            optional=True, hint=tr._("Their members are invited and the invitation is "
                                     "posted in their channels.")))
    blocks += [
        _input(ATTENDEES, tr._("Other attendees"), {"type": "multi_users_select"},
               optional=True),
        text_input(CUSTOMERS, tr._("Customers to discuss"), optional=True, max_length=500,
                   hint=tr._("Ids or names separated by commas, e.g. C1042, Acme. A "
                             "customer review needs exactly one.")),
        *_when_blocks(tr, policy, zone),
        select(RECURRENCE, tr._("Repeats"), repeats, initial=Recurrence.NONE.value),
    ]
    return modal(SCHEDULE_VIEW, FormValue(channel=channel, zone=zone),
                 title=tr._("Schedule a meeting"), submit=tr._("Schedule"),
                 close=tr._("Cancel"), blocks=blocks)


def reschedule_view(tr: Translator, policy: SchedulingPolicy, zone: str, meeting: Meeting,
                    local_day: date, local_time: time, heading: str) -> dict[str, Any]:
    return modal(RESCHEDULE_VIEW, ListedMeeting(meeting=meeting.id, zone=zone,
                                                version=meeting.version),
                 title=tr._("Reschedule"), submit=tr._("Reschedule"), close=tr._("Cancel"),
                 blocks=[section(heading),
                         *_when_blocks(tr, policy, zone, local_day, local_time,
                                       meeting.minutes)])


def _state(view: Mapping[str, Any], block_id: str) -> Mapping[str, Any]:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(block_id) or {}).get(VALUE) if isinstance(values, dict) else None
    return element if isinstance(element, dict) else {}


def _chosen(view: Mapping[str, Any], block_id: str) -> list[str]:
    options = _state(view, block_id).get("selected_options") or []
    return [str(o.get("value")) for o in options if isinstance(o, dict)
            and isinstance(o.get("value"), str)]


def _users(view: Mapping[str, Any], block_id: str) -> list[str]:
    users = _state(view, block_id).get("selected_users") or []
    return [u for u in users if isinstance(u, str)]


def _time(view: Mapping[str, Any]) -> time | None:
    raw = _state(view, TIME).get("selected_time")
    try:
        return time.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 5 else None
    except ValueError:
        return None


def _day(values: Mapping[str, str | None]) -> date | None:
    try:
        return date.fromisoformat(values.get(DATE) or "")
    except ValueError:
        return None


def _minutes(values: Mapping[str, str | None]) -> int | None:
    raw = values.get(DURATION) or ""
    return int(raw) if raw.isdecimal() and len(raw) <= 5 else None


def read_draft(view: Mapping[str, Any], zone: str) -> Draft:
    """The form as a draft; the use case finds what is wrong with it. A department
    or option Slack could not have sent (a forged value) reads as unknown or none."""
    values = submitted(view)
    try:
        kind = MeetingKind(values.get(KIND) or "")
    except ValueError:
        kind = MeetingKind.OTHER
    try:
        recurrence = Recurrence(values.get(RECURRENCE) or "")
    except ValueError:
        recurrence = Recurrence.NONE
    departments = tuple(d[:60] for d in _chosen(view, DEPARTMENTS))
    return Draft(kind, values.get(TITLE) or "", _day(values), _time(view), _minutes(values),
                 zone, departments, tuple(_users(view, ATTENDEES)),
                 values.get(CUSTOMERS) or "", recurrence,
                 DESPITE_YES in _chosen(view, DESPITE))


def read_move(view: Mapping[str, Any], zone: str, seen: int | None = None) -> Move:
    """``seen``: the meeting's version the form was opened on."""
    values = submitted(view)
    return Move(_day(values), _time(view), _minutes(values), zone,
                DESPITE_YES in _chosen(view, DESPITE), seen)
