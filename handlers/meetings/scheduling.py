"""``/credit meeting`` (the scheduling form), ``/credit meetings`` (the list, with
Reschedule and Cancel): parse, call one ``Meetings`` use case, render. A form's wrong
fields are all shown beside themselves in one round; a refusal of a button is shown to
the clicker alone. Everyone invited is told through the notices (the outbox)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk.errors import SlackApiError

from domain.errors import DomainError
from domain.meetings.listing import my_meetings
from domain.meetings.model import Meeting
from domain.meetings.schedule import CUSTOMERS, FieldProblem, MeetingRefused, within_hours
from domain.meetings.use_cases import AlreadySubmitted, NotYours, Scope
from domain.text import N_, map_texts
from handlers.after_form import tell
from handlers.deps import Deps
from handlers.errors import field_error, refused
from handlers.i18n import Translator
from handlers.meetings.invitation import RECURRENCES, title
from handlers.meetings.scheduling_form import (
    read_draft,
    read_move,
    reschedule_view,
    schedule_view,
)
from handlers.meetings.scheduling_list import meeting_lines, upcoming
from handlers.meetings.scheduling_payloads import (
    CANCEL,
    CANCEL_SERIES,
    RESCHEDULE,
    RESCHEDULE_VIEW,
    SCHEDULE_VIEW,
    TIME,
    FormValue,
    ListedMeeting,
)
from handlers.meetings.zones import drawn_zone, zone_of
from handlers.modals import open_modal
from handlers.registry import Action, Subcommand, Submitted, View
from handlers.render import Message, escape, mention, section

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def _names(context: BoltContext, text: str) -> str:
    """Mentions as ``@name``: a modal's field error is plain text, where a mention
    would show as its raw id."""
    def name(found: re.Match[str]) -> str:
        try:
            user = context.client.users_info(user=found[1]).get("user") or {}
        except (SlackApiError, OSError):
            return "@" + found[1]
        profile = user.get("profile") or {}
        # Not ``name``: the legacy handle, lower-cased by Slack.
        named = str(user.get("real_name") or profile.get("display_name")
                    or profile.get("real_name") or found[1])
        # A "name" that is only the id (a workspace's stub user) keeps the id's case.
        return "@" + (found[1] if named.lower() == found[1].lower() else named)
    return _MENTION.sub(name, text)


CUSTOMER_HINT = N_("Write each customer as its id (e.g. C0002) or part of its name, "
                   "separated by commas.")


def field_errors(refused: MeetingRefused, tr: Translator, context: BoltContext
                 ) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in refused.problems:
        where = problem.where
        # Words the translator names itself (a weekday) stay as they are.
        params = map_texts(problem.params, lambda _, text: _names(context, text))
        said = field_error(FieldProblem(where, problem.template, **params), tr)
        # Every problem of a field beside it (two customers not found: both).
        errors[where] = tr.sentences(errors[where], said) if where in errors else said
    if any(p.where == CUSTOMERS and "query" in p.params for p in refused.problems):
        # The lookup's own words say what was not found; the form's say how to write it.
        errors[CUSTOMERS] = tr.sentences(errors[CUSTOMERS], tr._(CUSTOMER_HINT))
    return errors


def refusal(error: DomainError, tr: Translator) -> str:
    """A refusal in the reader's words, the organiser as a mention."""
    if isinstance(error, NotYours):
        return ":no_entry: " + tr._(error.template, organiser=str(error.params["organiser"]))
    return refused(error, tr)


def _wall(meeting: Meeting, zone: str) -> tuple[datetime, datetime]:
    local = ZoneInfo(zone)
    return meeting.starts_at.astimezone(local), meeting.ends_at.astimezone(local)


def _at(tr: Translator, meeting: Meeting, zone: str) -> dict[str, Any]:
    start, end = _wall(meeting, zone)
    return {"day": start.date(), "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"), "zone": zone}


# -- /credit meeting -------------------------------------------------------------------

def meeting_command(context: BoltContext, rest: str) -> Message:
    deps: Deps = context["deps"]
    member = context["member"]
    deps.meetings.access.require(member)
    departments = {k: d.name for k, d in deps.meetings.invitees.departments.items()}
    # Words after the subcommand become the title, in the form where they can be
    # corrected: dropped, they looked taken ("下周三下午三点 催收复盘" left no trace).
    open_modal(context, str(context.get("trigger_id") or ""), schedule_view(
        context["tr"], deps.meetings.policy, zone_of(context, member.user_id), departments,
        context.channel_id, title=rest))
    return "", None


def _submission(view: dict[str, Any]) -> str | None:
    """The form's key: Slack keeps a view's id across its submissions."""
    view_id = view.get("id")
    return f"meetings.form:{view_id}" if isinstance(view_id, str) and view_id else None


def submit_schedule(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    form: FormValue = context["metadata"]
    member = context["member"]
    zone = drawn_zone(context, form.zone)
    try:
        meeting = deps.meetings.schedule(member, read_draft(view, zone), _submission(view))
    except AlreadySubmitted:
        return None  # the first submission answered; this one just closes the form
    except MeetingRefused as refused:
        return field_errors(refused, tr, context)
    text = scheduled_text(tr, meeting, zone, deps)
    # After the form closed: each invitee's zone is a users.info call (cached).
    return lambda: _confirm(context, form.channel, "\n".join(
        part for part in (text, _outside_their_hours(context, meeting, deps)) if part))


def scheduled_text(tr: Translator, meeting: Meeting, zone: str, deps: Deps) -> str:
    names = {k: d.name for k, d in deps.meetings.invitees.departments.items()}
    invited = [escape(names.get(d, d)) for d in meeting.departments]
    invited += [mention(a) for a in meeting.attendees]
    return ":white_check_mark: " + tr._(
        "*{title}* is scheduled for {day}, {start}–{end} ({zone} time), {repeats}. "
        "Invitations are on their way to {invited}.", title=title(meeting),
        repeats=tr._(RECURRENCES[meeting.recurrence]),
        invited=tr.listing(invited) or tr._("you"), **_at(tr, meeting, zone))


def _outside_their_hours(context: BoltContext, meeting: Meeting, deps: Deps) -> str:
    """The people invited (the departments' members too: each gets the invitation by
    DM) for whom the meeting falls outside working hours on their own clock: a London
    organiser's 08:30 is 03:30 in New York, and the hours were checked on the clock of
    whoever set the time alone (the organiser, or a credit manager moving it)."""
    tr: Translator = context["tr"]
    hours = deps.meetings.policy.hours
    late = []
    for person in deps.meetings.invitees.people(meeting):
        if person == context["member"].user_id:
            continue
        zone = zone_of(context, person)
        if not within_hours(meeting.starts_at, meeting.minutes, ZoneInfo(zone), hours):
            local = meeting.starts_at.astimezone(ZoneInfo(zone))
            late.append(tr._("{who} ({day}, {time}, {zone})", who=mention(person),
                             day=local.date(), time=local.strftime("%H:%M"), zone=zone))
    if not late:
        return ""
    return ":warning: " + tr._(
        "For {people}, that is outside working hours ({start}–{end} on their own clock).",
        people=tr.listing(late), start=hours.start.strftime("%H:%M"),
        end=hours.end.strftime("%H:%M"))


def _confirm(context: BoltContext, channel: str | None, text: str) -> None:
    """Beside where the form was opened, else (or when the bot is not there) by DM."""
    tell(context, text, [section(text)], beside=channel)


# -- /credit meetings ------------------------------------------------------------------

def meetings_command(context: BoltContext, _rest: str) -> Message:
    deps: Deps = context["deps"]
    member = context["member"]
    found = my_meetings(deps.meetings, member)
    departments = {k: d.name for k, d in deps.meetings.invitees.departments.items()}
    # Someone barred from credit data is listed their invitations, but cannot schedule.
    schedule = context["catalogue"].as_typed(context, "meeting") \
        if deps.meetings.access.allows(member) else None
    return upcoming(context["tr"], found, ZoneInfo(deps.timezone), departments,
                    lambda m: deps.meetings.may_change(member, m), schedule)


def _changeable(context: BoltContext) -> Meeting | None:
    """The clicked meeting if the clicker may change it; else they are told why."""
    deps: Deps = context["deps"]
    member = context["member"]
    pressed: ListedMeeting = context["payload"]
    try:
        meeting = deps.meetings.get(member, pressed.meeting)
        if not deps.meetings.may_change(member, meeting):
            raise NotYours(meeting.organiser)
    except DomainError as refused:
        context["reply"](refusal(refused, context["tr"]))
        return None
    return meeting


def on_reschedule(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    meeting = _changeable(context)
    if meeting is None:
        return
    try:
        deps.meetings.require_ahead(meeting)
    except DomainError as refused:
        context["reply"](refusal(refused, tr))
        return
    zone = zone_of(context, context["member"].user_id)
    start, _ = _wall(meeting, zone)
    heading = meeting_lines(tr, meeting, ZoneInfo(zone), {
        k: d.name for k, d in deps.meetings.invitees.departments.items()})
    open_modal(context, str(body.get("trigger_id", "")), reschedule_view(
        tr, deps.meetings.policy, zone, meeting, start.date(), start.time(), heading))


def submit_reschedule(view: dict[str, Any], context: BoltContext) -> Submitted:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    chosen: ListedMeeting = context["metadata"]
    member = context["member"]
    zone = drawn_zone(context, chosen.zone)
    try:
        moved = deps.meetings.reschedule(member, chosen.meeting,
                                         read_move(view, zone, chosen.version),
                                         _submission(view))
    except AlreadySubmitted:
        return None
    except MeetingRefused as refused:
        return field_errors(refused, tr, context)
    except NotYours as refused:
        return {TIME: _names(context, tr._(refused.template,
                                           organiser=str(refused.params["organiser"])))}
    text = ":calendar: " + tr._("*{title}* is moved to {day}, {start}–{end} ({zone} time). "
                                "Everyone invited is told.", title=title(moved),
                                **_at(tr, moved, zone))
    # Checked as a new meeting is: the new time on each invitee's own clock.
    return lambda: _confirm(context, None, "\n".join(
        part for part in (text, _outside_their_hours(context, moved, deps)) if part))


def _cancel(context: BoltContext, scope: Scope) -> None:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    member = context["member"]
    pressed: ListedMeeting = context["payload"]
    try:
        done = deps.meetings.cancel(member, pressed.meeting, scope)
    except DomainError as refused:
        context["reply"](refusal(refused, tr))
        return
    zone = zone_of(context, member.user_id)
    first = done[0]
    if scope is Scope.SERIES:
        text = tr.ngettext(
            "*{title}* is cancelled from {day} on ({n} meeting), and no more are "
            "scheduled. Everyone invited is told.",
            "*{title}* is cancelled from {day} on ({n} meetings), and no more are "
            "scheduled. Everyone invited is told.", len(done), title=title(first),
            **_at(tr, first, zone))
    else:
        text = tr._("*{title}* on {day}, {start} ({zone} time) is cancelled. Everyone "
                    "invited is told.", title=title(first), **_at(tr, first, zone))
    context["reply"](":wastebasket: " + text)


def on_cancel(body: dict[str, Any], context: BoltContext) -> None:
    _cancel(context, Scope.THIS)


def on_cancel_series(body: dict[str, Any], context: BoltContext) -> None:
    _cancel(context, Scope.SERIES)


SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("meeting", N_("schedule a meeting across departments (credit committee, "
                             "collection or customer review): a form with the people, "
                             "customers, time and repeats"), "", meeting_command,
               aliases=("会议", "安排会议")),
    Subcommand("meetings", N_("your upcoming meetings, at your own time; the organiser can "
                              "reschedule or cancel them"), "", meetings_command,
               aliases=("会议列表",), shows=True, takes_nothing=True),
)
ACTIONS: tuple[Action, ...] = (
    Action(RESCHEDULE, on_reschedule, ListedMeeting),
    Action(CANCEL, on_cancel, ListedMeeting),
    Action(CANCEL_SERIES, on_cancel_series, ListedMeeting),
)
VIEWS: tuple[View, ...] = (
    View(SCHEDULE_VIEW, FormValue, submit_schedule),
    View(RESCHEDULE_VIEW, ListedMeeting, submit_reschedule),
)
