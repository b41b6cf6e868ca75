"""What an invitation says, in one reader's language: the meeting (title, kind, time as a
Slack date token with a fallback in the organisation's zone, duration, organiser,
departments, customers by name and id), the tally of answers, and the Accept / Decline /
Propose another time / Record minutes buttons (Record minutes alone once the meeting has
started: the minutes use case refuses it before); once cancelled, the same card says so
instead of the buttons.

The agenda is its own message beside the card (``invitation_agenda``): the card is
edited in place with every answer, and the agenda stays as it was built when the
invitation went out (each reminder brings a refreshed one). Titles, names and notes
people typed or the ERP sent are neutralised (``person_text``/``erp_text``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from babel.dates import format_date

from domain.meetings.model import (
    Answer,
    Meeting,
    MeetingKind,
    MeetingState,
    Recurrence,
    Response,
)
from domain.meetings.schedule import Conflict
from domain.refs import CustomerRef
from domain.text import N_
from handlers.i18n import Translator
from handlers.meetings.followup_blocks import record_minutes_button
from handlers.meetings.rsvp_payloads import (
    ACCEPT,
    DECLINE,
    PROPOSE,
    MeetingValue,
    shown_start,
)
from handlers.render import (
    FIELD_TEXT,
    Block,
    Message,
    actions,
    blockquote,
    button,
    erp_text,
    fields,
    header,
    mention,
    message,
    person_text,
    section,
)

TITLE = 150
NOTE = 500
NAME = 200
ID = 64
# Mentions listed per answer on the card; the rest are counted.
NAMED = 15

KINDS: dict[MeetingKind, str] = {
    MeetingKind.CREDIT_COMMITTEE: N_("Credit committee"),
    MeetingKind.COLLECTION_REVIEW: N_("Collection review"),
    MeetingKind.CUSTOMER_REVIEW: N_("Customer review"),
    MeetingKind.OTHER: N_("Meeting"),
}
RECURRENCES: dict[Recurrence, str] = {
    Recurrence.NONE: N_("once"),
    Recurrence.WEEKLY: N_("every week"),
    Recurrence.BIWEEKLY: N_("every two weeks"),
    Recurrence.MONTHLY: N_("every month"),
}


def title(meeting: Meeting) -> str:
    return person_text(meeting.title, TITLE)


def kind_name(tr: Translator, kind: MeetingKind) -> str:
    return tr._(KINDS[kind])


def duration(tr: Translator, minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return tr._("{hours} h {minutes} min", hours=hours, minutes=rest)
    if hours:
        return tr.ngettext("{n} hour", "{n} hours", hours)
    return tr.ngettext("{n} minute", "{n} minutes", minutes)


def when(tr: Translator, meeting: Meeting, zone: tzinfo) -> str:
    return tr.moment(meeting.starts_at, zone)


def subject(tr: Translator, meeting: Meeting, zone: tzinfo) -> str:
    """``Credit committee “Weekly credit” on <date>``: which meeting a note is about."""
    return tr._("{kind} “{title}” on {when}", kind=kind_name(tr, meeting.kind),
                title=title(meeting), when=when(tr, meeting, zone))


def customers_text(tr: Translator, meeting: Meeting, names: Mapping[str, CustomerRef]
                   ) -> str:
    """Each customer by the name its reader knows it by (the local-script one for a
    Chinese reader), and its id; ``/credit check <id>`` opens its card."""
    if not meeting.customers:
        return "-"
    # Each name cut to its share of the field (less its label's), so that the field's
    # own cut never takes the last customers' ids (ten names of 200 characters lost the
    # last id).
    share = (FIELD_TEXT - 100) // len(meeting.customers)
    def line(customer_id: str) -> str:
        cid = erp_text(customer_id, ID)
        found = names.get(customer_id)
        if found is None:  # the ERP no longer has it
            return f"`{cid}`"
        name = tr.name_of(found.name, found.name_local)
        return tr._("{name} ({id})", name=erp_text(name, min(NAME, share - len(cid) - 6)),
                    id=f"`{cid}`")

    return "\n".join(line(c) for c in meeting.customers)


def tally(tr: Translator, people: Sequence[str], responses: Sequence[Response],
          organiser: str) -> str:
    """Counts per answer, then who gave each (the organiser counts as coming unless
    they answered otherwise)."""
    latest = {r.user_id: r for r in responses if r.user_id in people}
    groups: dict[Answer | None, list[str]] = {a: [] for a in Answer}
    groups[None] = []
    for person in people:
        response = latest.get(person)
        if response is None and person == organiser:
            groups[Answer.ACCEPTED].append(person)
        else:
            groups[response.answer if response else None].append(person)
    head = tr._("Accepted {accepted} · Declined {declined} · Proposed another time "
                "{proposed} · No answer yet {waiting}",
                accepted=len(groups[Answer.ACCEPTED]), declined=len(groups[Answer.DECLINED]),
                proposed=len(groups[Answer.PROPOSED]), waiting=len(groups[None]))
    lines = [head]
    for answer, label in ((Answer.ACCEPTED, N_("Accepted")), (Answer.DECLINED, N_("Declined")),
                          (Answer.PROPOSED, N_("Proposed another time")),
                          (None, N_("No answer yet"))):
        who = groups[answer]
        if not who:
            continue
        named = tr.listing(mention(u) for u in who[:NAMED])
        if len(who) > NAMED:
            named += " " + tr._("and {n} more", n=len(who) - NAMED)
        lines.append(tr._("{answer}: {people}", answer=tr._(label), people=named))
    return "\n".join(lines)


def answer_buttons(tr: Translator, meeting: Meeting) -> list[Block]:
    """Accept, Decline and Propose another time, for the time shown beside them: a
    button pressed after the meeting moved answered for a time its presser never saw
    (``Responses`` refuses it)."""
    value = MeetingValue(meeting=meeting.id, starts=shown_start(meeting)).encode()
    accept = button(tr._("Accept"), ACCEPT, value)
    accept["style"] = "primary"
    decline = button(tr._("Decline"), DECLINE, value)
    decline["style"] = "danger"
    return [accept, decline, button(tr._("Propose another time"), PROPOSE, value)]


def card(tr: Translator, meeting: Meeting, people: Sequence[str],
         responses: Sequence[Response], zone: tzinfo, departments: Mapping[str, str],
         customers: Mapping[str, CustomerRef], now: datetime, *, series_ended: bool = False
         ) -> Message:
    """The invitation card: the meeting, the tally and the buttons while it takes
    answers; "Cancelled" in their place once it is cancelled. ``series_ended``: it was
    cancelled with the rest of its series, whose rule ends (the meeting no longer
    says how it repeated)."""
    cancelled = meeting.state is MeetingState.CANCELLED
    # A header is plain text: the title as typed (Slack does not parse it).
    heading = (tr._("Cancelled: {title}", title=meeting.title) if cancelled
               else meeting.title)
    department_names = tr.listing(erp_text(departments.get(d, d), NAME)
                                 for d in meeting.departments) or "-"
    blocks: list[Block] = [
        header(heading),
        section(tr._("*{kind}* organised by {organiser}", kind=kind_name(tr, meeting.kind),
                     organiser=mention(meeting.organiser))),
        fields((tr._("When"), ("~" + when(tr, meeting, zone) + "~") if cancelled
                else when(tr, meeting, zone)),
               (tr._("Duration"), duration(tr, meeting.minutes)),
               (tr._("Repeats"), tr._("no longer: the series is cancelled")
                if cancelled and series_ended else tr._(RECURRENCES[meeting.recurrence])),
               (tr._("Departments"), department_names),
               (tr._("Customers"), customers_text(tr, meeting, customers))),
    ]
    if cancelled:
        by = meeting.cancelled_by or meeting.organiser
        at = meeting.cancelled_at or now
        blocks.append(section(":x: " + tr._("Cancelled by {who} on {when}.",
                                            who=mention(by), when=tr.moment(at, zone))))
    else:
        blocks.append(section(tally(tr, people, responses, meeting.organiser)))
        # Record minutes rides on every card: the card is not redrawn at the start, and
        # the minutes use case refuses it until then ("has not started yet").
        minutes = record_minutes_button(tr, meeting.id)
        if meeting.starts_at > now:
            blocks.append(actions(f"rsvp_{meeting.id}", *answer_buttons(tr, meeting),
                                  minutes))
        else:
            blocks.append(actions(f"rsvp_{meeting.id}", minutes))
    fallback = (tr._("Cancelled: {subject}", subject=subject(tr, meeting, zone)) if cancelled
                else tr._("Invitation: {subject}", subject=subject(tr, meeting, zone)))
    return message(fallback, blocks)


def organiser_note(tr: Translator, meeting: Meeting, response: Response,
                   zone: tzinfo) -> str:
    """What the organiser hears of a decline or a proposal."""
    about = subject(tr, meeting, zone)
    if response.answer is Answer.DECLINED:
        text = ":x: " + tr._("{who} declined {subject}.", who=mention(response.user_id),
                             subject=about)
    else:
        text = ":calendar: " + tr._("{who} proposes another time for {subject}: {proposed}.",
                                    who=mention(response.user_id), subject=about,
                                    proposed=tr.moment(response.proposed_at or
                                                       meeting.starts_at, zone))
    if response.note:
        text += "\n" + blockquote(response.note, NOTE)
    return text


def occurrence_note(tr: Translator, meeting: Meeting, zone: tzinfo, day_off: bool,
                    clashes: Sequence[Conflict], holiday: bool = False) -> str:
    """What the organiser hears of a series' next occurrence nobody chose the time of:
    it falls on a day off, or clashes with other meetings."""
    about = subject(tr, meeting, zone)
    parts = []
    if day_off and holiday:
        parts.append(tr._("The series' next meeting, {subject}, falls on a holiday.",
                          subject=about))
    elif day_off:
        weekday = format_date(meeting.starts_at.astimezone(zone), "EEEE", locale=tr.locale)
        parts.append(tr._("The series' next meeting, {subject}, falls on a {weekday}, not a "
                          "working day.", subject=about, weekday=weekday))
    if clashes:
        first = clashes[0]
        text = tr._("The series' next meeting, {subject}, clashes with “{other}” ({start}) "
                    "for {people}.", subject=about, other=title(first.meeting),
                    start=when(tr, first.meeting, zone),
                    people=tr.listing(mention(p) for p in first.people))
        if day_off:
            text = tr._("It also clashes with “{other}” ({start}) for {people}.",
                        other=title(first.meeting), start=when(tr, first.meeting, zone),
                        people=tr.listing(mention(p) for p in first.people))
        parts.append(text)
    parts.append(tr._("It stays as the series has it: move or cancel it with {command} if "
                      "it should not be held then.", command="`/credit meetings`"))
    return ":warning: " + tr.sentences(*parts)


def rescheduled_note(tr: Translator, meeting: Meeting, previous: Meeting | None,
                     zone: tzinfo, actor: str, proposed: bool = False) -> str:
    """``actor``: who moved it (a credit manager may move another's meeting: the note
    named the organiser, who was told they had moved it themselves). ``proposed``: to
    someone who had proposed the time it moved to, and so has accepted it (asked to
    answer again, they were told their answer was cleared)."""
    if previous is not None and previous.starts_at == meeting.starts_at:
        return ":calendar: " + tr._(
            "{who} changed {subject}: it now lasts {duration} (it was {before}). Answers "
            "stand.", who=mention(actor), subject=subject(tr, meeting, zone),
            duration=duration(tr, meeting.minutes), before=duration(tr, previous.minutes))
    moved = {"who": mention(actor), "kind": kind_name(tr, meeting.kind),
             "title": title(meeting), "after": when(tr, meeting, zone),
             "before": tr.moment(previous.starts_at, zone) if previous else "-",
             "duration": duration(tr, meeting.minutes)}
    if proposed:
        return ":calendar: " + tr._(
            "{who} moved {kind} “{title}” from {before} to {after} ({duration}), the time "
            "you proposed: you are down as coming.", **moved)
    return ":calendar: " + tr._(
        "{who} moved {kind} “{title}” from {before} to {after} ({duration}). Answers to "
        "the old time are cleared: please answer the invitation again.", **moved)


def cancelled_note(tr: Translator, meeting: Meeting, actor: str, zone: tzinfo,
                   series: bool = False) -> str:
    if series:
        return ":x: " + tr._("{who} cancelled {subject} and every later occurrence.",
                             who=mention(actor), subject=subject(tr, meeting, zone))
    return ":x: " + tr._("{who} cancelled {subject}.", who=mention(actor),
                         subject=subject(tr, meeting, zone))


def time_left(meeting: Meeting, now: datetime) -> int:
    """Minutes from ``now`` to the start: to the nearest minute within the hour (at least
    1), to the nearest five beyond it. A reminder sent late says the time actually left,
    not its configured lead; but a run a minute after the lead said "starts in 23 h 59
    min" where "24 hours" was meant."""
    minutes = (meeting.starts_at - now).total_seconds() / 60
    return max(1, round(minutes) if minutes < 60 else 5 * round(minutes / 5))


def reminder_text(tr: Translator, meeting: Meeting, now: datetime, zone: tzinfo,
                  with_agenda: bool = True) -> str:
    left = duration(tr, time_left(meeting, now))
    if with_agenda:
        return ":alarm_clock: " + tr._("Reminder: {subject} starts in {lead}. The agenda "
                                       "as it stands now:", subject=subject(tr, meeting, zone),
                                       lead=left)
    return ":alarm_clock: " + tr._("Reminder: {subject} starts in {lead}.",
                                   subject=subject(tr, meeting, zone), lead=left)


def agenda_elsewhere(tr: Translator, meeting: Meeting, channels: Sequence[str]) -> str:
    """What someone not cleared for credit data reads where the agenda would be."""
    if channels:
        return ":lock: " + tr._("The agenda is in {channels}: it holds credit data, which "
                                "only people cleared for it get by direct message.",
                                channels=tr.listing(f"<#{c}>" for c in channels))
    return ":lock: " + tr._("The agenda holds credit data, which only people cleared for "
                            "it get; ask the organiser, {organiser}, what will be "
                            "discussed.", organiser=mention(meeting.organiser))


def ics_title(tr: Translator, meeting: Meeting, escaped: bool = True) -> str:
    """The file share's comment (mrkdwn: escaped) or the file's own title (plain). A
    cancellation's file takes the event out of the calendar."""
    shown = title(meeting) if escaped else meeting.title
    if meeting.state is MeetingState.CANCELLED:
        return tr._("Remove from your calendar: {title}", title=shown)
    return tr._("Add to your calendar: {title}", title=shown)


def agenda_heading(tr: Translator, meeting: Meeting, escaped: bool = True) -> str:
    """The agenda message's text (mrkdwn: escaped) or its header (plain)."""
    return tr._("Agenda: {title}", title=title(meeting) if escaped else meeting.title)
