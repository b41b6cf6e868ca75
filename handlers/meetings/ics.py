"""The invitation's calendar file (RFC 5545), built with ``icalendar`` so escaping,
line folding, the VTIMEZONE and the RRULE are the library's, not ours.

**One event per series.** A one-off meeting is one event, UID ``meeting-<id>@creditbot``.
A recurring series is one event too, under its first occurrence's UID: the first
invitation carries the RRULE (the *master*). Every later file about **one** occurrence —
the job's invitation of the next one, a reschedule, a cancel of this occurrence only —
carries the series' UID with ``RECURRENCE-ID`` (the occurrence's original start in the
series) and no RRULE, so a calendar changes that occurrence and leaves the series alone.
A cancel of the series from a later occurrence on is the series' event again with its
rule ending (UNTIL) before that occurrence, and its occurrences cancelled or moved before
(EXDATEs, overrides): the meetings already held stay in calendars.
From its first occurrence, it is ``METHOD:CANCEL`` for the series' UID with no
RECURRENCE-ID: every occurrence goes.

**SEQUENCE** is the minute the file was made (since 2026-01-01 UTC) followed by two
digits of the meeting's version: it rises across all the files of a series, whichever
occurrence they are about, so a calendar never ignores a newer file as older than one it
has. (Two different occurrences of one series changed within the same minute are the
one case where the later file may not be taken.)

**Time zones.** DTSTART is on the organiser's wall clock (TZID = the meeting's zone). A
series has no end (its RRULE no UNTIL: it runs until cancelled), so the VTIMEZONE
covers ``COVERED`` — thirty years from the file's first date, longer than any committee
runs — rather than a few years after which a calendar would have to guess the offsets;
clients that know the TZID use their own rules anyway.

People: Slack knows no e-mail address for them here, and a made-up ``mailto:`` would
send calendar replies nowhere (or to a stranger). ORGANIZER and ATTENDEE carry a
``urn:slack:<user id>`` value with RSVP=FALSE (the answers are given with the buttons
in Slack) and, when the caller knows the person's name, CN; a Slack id is never shown
as a name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress

from domain.meetings.model import Meeting, MeetingState, Recurrence
from domain.meetings.recurrence import occurrence
from domain.messages import Attachment

PRODID = "-//creditbot//meetings//EN"
RRULES: dict[Recurrence, dict[str, object]] = {
    Recurrence.WEEKLY: {"FREQ": "WEEKLY"},
    Recurrence.BIWEEKLY: {"FREQ": "WEEKLY", "INTERVAL": 2},
    Recurrence.MONTHLY: {"FREQ": "MONTHLY"},
}
# How far ahead a file's VTIMEZONE reaches (its transitions are a line of RDATEs).
COVERED = timedelta(days=10958)
_SEQUENCE_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
# The most a file that ends a series may hold (it goes to every person and channel
# invited, each a copy in the outbox; Slack takes files far larger).
ENDING_BYTES = 256_000


def _month_end(rule: dict[str, object], day: int) -> dict[str, object]:
    """A monthly series from the 29th, 30th or 31st meets on the last day of shorter
    months (domain.meetings.recurrence); a bare monthly RRULE skips those months
    (RFC 5545), so calendars would miss Feb 28 and orphan its later files. Said as
    "the last of the 28th…day that the month has"; the 31st as the month's last day."""
    if rule.get("FREQ") != "MONTHLY" or day < 29:
        return rule
    if day == 31:
        return {**rule, "BYMONTHDAY": -1}
    return {**rule, "BYMONTHDAY": list(range(28, day + 1)), "BYSETPOS": -1}


def uid(meeting: Meeting) -> str:
    """The same for every file of one meeting; a recurring series shares its first
    occurrence's (its RRULE describes the rest)."""
    return f"meeting-{meeting.series}@creditbot"


def sequence(meeting: Meeting, now: datetime) -> int:
    """The minute the file is made, then the meeting's version (two digits): rises
    across the series' files, and between two files of one occurrence made in the same
    minute; fits a 32-bit integer for forty years."""
    minutes = int((now - _SEQUENCE_EPOCH).total_seconds() // 60)
    return minutes * 100 + min(meeting.version, 99)


def _whole(meeting: Meeting) -> bool:
    """The file is about the whole event: a one-off meeting, a series' first
    invitation (its first occurrence, never moved), or a series cancelled as a whole
    (its rule ended)."""
    if not meeting.repeats:
        return True
    if meeting.state is MeetingState.CANCELLED:
        return meeting.recurrence is Recurrence.NONE
    return meeting.series_id is None and meeting.occurrence == 0 \
        and meeting.rescheduled_at is None


def recurrence_id(meeting: Meeting) -> datetime:
    """Where the occurrence stands in its series' rule, wherever it was moved to: its
    RECURRENCE-ID (the series' anchor and the stored occurrence number)."""
    anchor = meeting.series_start or meeting.starts_at
    if meeting.occurrence == 0 or meeting.recurrence is Recurrence.NONE:
        return anchor
    return occurrence(anchor, meeting.zone, meeting.recurrence,
                      meeting.occurrence).starts_at


def _address(user_id: str, name: str | None, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"urn:slack:{user_id}")
    if name and name != user_id:
        address.params["CN"] = name
    if role:
        address.params["ROLE"] = role
    address.params["RSVP"] = "FALSE"
    return address


def _no_name(user_id: str) -> str | None:
    return None


def calendar(meeting: Meeting, people: Sequence[str], description: str, now: datetime,
             name_of: Callable[[str], str | None] = _no_name, *,
             original_start: datetime | None = None,
             rule_ended: Recurrence | None = None,
             series: Sequence[Meeting] = ()) -> bytes:
    """The .ics bytes for ``meeting``: REQUEST while it stands, CANCEL once cancelled.
    ``original_start``: the occurrence's RECURRENCE-ID when the caller knows better
    than the meeting's stored place in its series (``recurrence_id(meeting)``).
    ``rule_ended``: the series' rule, when ``meeting`` was cancelled with every later
    occurrence, and ``series`` its occurrences then (``_ended_series``)."""
    cancelled = meeting.state is MeetingState.CANCELLED
    if cancelled and rule_ended in RRULES:
        ended = dataclasses.replace(meeting, recurrence=rule_ended)
        cut = original_start or recurrence_id(ended)
        if cut > (ended.series_start or ended.starts_at):
            return _ended_series(ended, people, description, now, name_of, cut, series)
    whole = _whole(meeting)
    zone = ZoneInfo(meeting.zone)
    start = meeting.starts_at.astimezone(zone)
    original = (original_start or recurrence_id(meeting)).astimezone(zone)
    event = _event(meeting, people, description, now, name_of)
    if not whole:
        event.add("recurrence-id", original)
    event.add("dtstart", start)
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    rule = RRULES.get(meeting.recurrence)
    if rule is not None and whole and not cancelled:
        event.add("rrule", _month_end(rule, start.day))
    return _file("CANCEL" if cancelled else "REQUEST", zone, min(start, original), event)


def _ended_series(meeting: Meeting, people: Sequence[str], description: str,
                  now: datetime, name_of: Callable[[str], str | None],
                  cut: datetime, series: Sequence[Meeting]) -> bytes:
    """A series cancelled from a later occurrence on: the series' own event again, its
    rule ending (UNTIL) before that occurrence. A CANCEL of the series' UID would take
    the meetings already held out of everyone's calendar too; the occurrences cancelled
    are past the rule's end, so they go. The whole series travels in the file (RFC
    5546's master and its overrides), since a calendar may rebuild a series whose rule
    changed and forget what earlier files said of single occurrences: those cancelled
    before are EXDATEs, those moved are overrides at their place; one moved past the
    cut is an override cancelled, so that it goes too. From its first occurrence, the
    whole event is cancelled instead (``calendar``)."""
    zone = ZoneInfo(meeting.zone)
    anchor = (meeting.series_start or meeting.starts_at).astimezone(zone)
    master = _event(meeting, people, description, now, name_of)
    master.add("dtstart", anchor)
    master.add("dtend", anchor + timedelta(minutes=meeting.series_minutes or meeting.minutes))
    master.add("status", "CONFIRMED")
    # UNTIL is in UTC when DTSTART has a TZID (RFC 5545), and includes its own instant.
    until = cut.astimezone(UTC) - timedelta(seconds=1)
    master.add("rrule", {**_month_end(RRULES[meeting.recurrence], anchor.day),
                         "UNTIL": until})
    overrides: list[tuple[datetime, Event]] = []
    gone: list[datetime] = []
    for occurrence_ in series:
        slot = recurrence_id(dataclasses.replace(occurrence_, recurrence=meeting.recurrence))
        moved = occurrence_.starts_at != slot \
            or occurrence_.minutes != (meeting.series_minutes or meeting.minutes)
        cancelled = occurrence_.state is MeetingState.CANCELLED
        if slot < cut and cancelled:
            gone.append(slot.astimezone(zone))
        elif moved and (slot < cut or occurrence_.starts_at != slot):
            # The series' attendees, not repeated: 300 people on each of 100 overrides
            # made a file over Slack's size, and the cancel failed with it.
            override = _event(occurrence_, (), "", now, name_of)
            override.add("recurrence-id", slot.astimezone(zone))
            override.add("dtstart", occurrence_.starts_at.astimezone(zone))
            override.add("dtend", occurrence_.ends_at.astimezone(zone))
            override.add("status", "CANCELLED" if slot >= cut else "CONFIRMED")
            overrides.append((slot, override))
    if gone:
        master.add("exdate", sorted(gone))
    kept = [override for _, override in sorted(overrides, key=lambda pair: pair[0])]
    content = _file("REQUEST", zone, anchor, master, *kept)
    while len(content) > ENDING_BYTES and kept:
        # Years of moved occurrences: the oldest give way (a calendar that rebuilds the
        # series shows them at their place in the rule), never the cancel itself.
        kept = kept[len(kept) // 4 + 1:]
        content = _file("REQUEST", zone, anchor, master, *kept)
    return content


def _event(meeting: Meeting, people: Sequence[str], description: str, now: datetime,
           name_of: Callable[[str], str | None]) -> Event:
    """What every file about ``meeting`` says: who, what, and its place in time."""
    event = Event()
    event.add("uid", uid(meeting))
    event.add("sequence", sequence(meeting, now))
    event.add("dtstamp", now.astimezone(UTC))
    event.add("summary", meeting.title)
    event.add("description", description)
    event.add("organizer", _address(meeting.organiser, name_of(meeting.organiser)))
    for person in people:
        if person != meeting.organiser:
            event.add("attendee", _address(person, name_of(person), "REQ-PARTICIPANT"))
    return event


def _file(method: str, zone: ZoneInfo, earliest: datetime, *events: Event) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    first = earliest.date() - timedelta(days=1)
    cal.add_component(Timezone.from_tzinfo(zone, first_date=first, last_date=first + COVERED))
    for event in events:
        cal.add_component(event)
    return bytes(cal.to_ical())


def filename(meeting: Meeting) -> str:
    """Unique per meeting and version: the sender recognises a share it already made by
    its file names."""
    suffix = "-cancelled" if meeting.state is MeetingState.CANCELLED else ""
    return f"meeting-{meeting.id}-v{meeting.version}{suffix}.ics"


def attachment(meeting: Meeting, people: Sequence[str], description: str, now: datetime,
               title: str, name_of: Callable[[str], str | None] = _no_name, *,
               original_start: datetime | None = None,
               rule_ended: Recurrence | None = None,
               series: Sequence[Meeting] = ()) -> Attachment:
    return Attachment(filename=filename(meeting), title=title,
                      content=calendar(meeting, people, description, now, name_of,
                                       original_start=original_start,
                                       rule_ended=rule_ended, series=series))
