"""The invitation's calendar file (RFC 5545), built with ``icalendar`` so escaping,
line folding, the VTIMEZONE and the RRULE are the library's, not ours.

One UID per meeting (``meeting-<id>@creditbot``) and SEQUENCE = the meeting's version:
a calendar that imported the first file replaces the event when a reschedule's file
(a higher SEQUENCE) or a cancellation's (METHOD:CANCEL, STATUS:CANCELLED) comes.

People: Slack knows no e-mail address for them here, and a made-up ``mailto:`` would
send calendar replies nowhere (or to a stranger). ORGANIZER and ATTENDEE carry the
person's name as CN and a ``urn:slack:<team>:<user id>``-style value (``urn:slack:U…``)
with RSVP=FALSE: the answers are given with the buttons in Slack, not by the calendar.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress

from domain.meetings.model import Meeting, MeetingState, Recurrence
from domain.messages import Attachment

PRODID = "-//creditbot//meetings//EN"
RRULES: dict[Recurrence, dict[str, object]] = {
    Recurrence.WEEKLY: {"FREQ": "WEEKLY"},
    Recurrence.BIWEEKLY: {"FREQ": "WEEKLY", "INTERVAL": 2},
    Recurrence.MONTHLY: {"FREQ": "MONTHLY"},
}


def uid(meeting: Meeting) -> str:
    """The same for every file of one meeting; a recurring series shares its first
    occurrence's (its RRULE describes the rest)."""
    return f"meeting-{meeting.series}@creditbot"


def _address(user_id: str, name: str, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"urn:slack:{user_id}")
    address.params["CN"] = name
    if role:
        address.params["ROLE"] = role
    address.params["RSVP"] = "FALSE"
    return address


def calendar(meeting: Meeting, people: Sequence[str], description: str, now: datetime,
             name_of: Callable[[str], str] = lambda user: user) -> bytes:
    """The .ics bytes for ``meeting``: REQUEST while it stands, CANCEL once cancelled."""
    cancelled = meeting.state is MeetingState.CANCELLED
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "CANCEL" if cancelled else "REQUEST")
    zone = ZoneInfo(meeting.zone)
    start = meeting.starts_at.astimezone(zone)
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", meeting.version)
    event.add("dtstamp", now.astimezone(ZoneInfo("UTC")))
    event.add("dtstart", start)
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(meeting.organiser, name_of(meeting.organiser)))
    for person in people:
        if person != meeting.organiser:
            event.add("attendee", _address(person, name_of(person), "REQ-PARTICIPANT"))
    rule = RRULES.get(meeting.recurrence)
    if rule is not None:
        event.add("rrule", rule)
    cal.add_component(Timezone.from_tzinfo(zone, first_date=start.date() - timedelta(days=1),
                                           last_date=start.date() + timedelta(days=1100)))
    cal.add_component(event)
    return bytes(cal.to_ical())


def filename(meeting: Meeting) -> str:
    """Unique per meeting and version: the sender recognises a share it already made by
    its file names."""
    suffix = "-cancelled" if meeting.state is MeetingState.CANCELLED else ""
    return f"meeting-{meeting.id}-v{meeting.version}{suffix}.ics"


def attachment(meeting: Meeting, people: Sequence[str], description: str, now: datetime,
               title: str, name_of: Callable[[str], str] = lambda user: user) -> Attachment:
    return Attachment(filename=filename(meeting), title=title,
                      content=calendar(meeting, people, description, now, name_of))
