"""``/credit meetings``: the upcoming meetings (one in progress reads "now, until …"),
each at its time in the reader's own zone (Slack's date token, the organisation's zone as
the fallback); an invitee's own answer and the invitation's answer buttons; Reschedule
and Cancel (each cancel confirmed first) for whoever may change it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import tzinfo

from domain.meetings.listing import Listed
from domain.meetings.model import Answer, Meeting, Response
from handlers.i18n import Translator
from handlers.meetings.invitation import (
    RECURRENCES,
    answer_buttons,
    duration,
    kind_name,
    title,
    when,
)
from handlers.meetings.scheduling_payloads import (
    CANCEL,
    CANCEL_SERIES,
    RESCHEDULE,
    ListedMeeting,
)
from handlers.render import (
    Block,
    Message,
    actions,
    button,
    confirmed,
    mention,
    message,
    section,
)

# Two blocks a meeting within Slack's 50 per message, with room for the heading.
SHOWN = 20


def _confirmed(block: Block, tr: Translator, heading: str, question: str,
               yes: str) -> Block:
    return confirmed(block, heading, question, yes, tr._("Keep it"))


def _when(tr: Translator, meeting: Meeting, zone: tzinfo, started: bool) -> str:
    if not started:
        return when(tr, meeting, zone)
    end = meeting.ends_at
    # "now, until 17:00" stood beside "Dec 3, 2026, 4:00 PM" in the same list.
    return tr._("now, until {end}", end=tr.clock(end, zone))


def meeting_lines(tr: Translator, meeting: Meeting, zone: tzinfo,
                  departments: Mapping[str, str], started: bool = False) -> str:
    repeats = tr._(RECURRENCES[meeting.recurrence])
    invited = tr.listing(departments.get(d, d) for d in meeting.departments)
    people = tr.listing(mention(a) for a in meeting.attendees)
    return tr._("*{title}* · {kind}\n{when} · {duration} · {repeats}\nOrganiser: "
                "{organiser} · Invited: {invited}",
                title=title(meeting), kind=kind_name(tr, meeting.kind),
                when=_when(tr, meeting, zone, started), duration=duration(tr, meeting.minutes),
                repeats=repeats, organiser=mention(meeting.organiser),
                invited=tr.listing(p for p in (invited, people) if p) or "-")


def _answer_line(tr: Translator, answer: Response | None, zone: tzinfo) -> str:
    if answer is None:
        said = tr._("Not answered")
    elif answer.answer is Answer.ACCEPTED:
        said = tr._("Accepted")
    elif answer.answer is Answer.DECLINED:
        said = tr._("Declined")
    elif answer.proposed_at is not None:
        said = tr._("Proposed {when}", when=tr.moment(answer.proposed_at, zone))
    else:
        said = tr._("Proposed another time")
    return tr._("Your answer: {answer}", answer=said)


def _organiser_buttons(tr: Translator, meeting: Meeting) -> list[Block]:
    value = ListedMeeting(meeting=meeting.id).encode()
    buttons = [button(tr._("Reschedule"), RESCHEDULE, value),
               _confirmed(button(tr._("Cancel"), CANCEL, value), tr,
                          tr._("Cancel the meeting?"),
                          tr._("Everyone invited is told that “{title}” on this day "
                               "is cancelled.", title=title(meeting)),
                          tr._("Cancel it"))]
    if meeting.repeats:
        buttons.append(_confirmed(
            button(tr._("Cancel the series"), CANCEL_SERIES, value), tr,
            tr._("Cancel the series?"),
            tr._("This and every later meeting of “{title}” is cancelled, and no more "
                 "are scheduled. Everyone invited is told.", title=title(meeting)),
            tr._("Cancel the series")))
    return buttons


def upcoming(tr: Translator, found: Sequence[Listed], zone: tzinfo,
             departments: Mapping[str, str], may_change: Callable[[Meeting], bool],
             schedule: str | None = "/credit meeting") -> Message:
    """``schedule``: `/credit meeting` as the person would write it (`/credit 会议`);
    None for someone who may not schedule one."""
    if not found:
        text = tr._("No upcoming meetings of yours.") if schedule is None else tr._(
            "No upcoming meetings of yours. `{command}` schedules one.", command=schedule)
        return text, [section(text)]
    heading = tr.ngettext("{n} upcoming meeting", "{n} upcoming meetings", len(found))
    blocks: list[Block] = [section(f"*{heading}*")]
    for line in found[:SHOWN]:
        meeting = line.meeting
        text = meeting_lines(tr, meeting, zone, departments, line.started)
        if line.asked:
            text += "\n" + _answer_line(tr, line.answer, zone)
        blocks.append(section(text))
        buttons = answer_buttons(tr, meeting) if line.asked and not line.started else []
        # Not one being held: moved or cancelled, it lost the minutes of the meeting held
        # (Meetings.require_ahead refuses a press of an older list's button).
        if may_change(meeting) and not line.started:
            buttons += _organiser_buttons(tr, meeting)
        if buttons:
            blocks.append(actions(f"meeting_{meeting.id}", *buttons))
    if len(found) > SHOWN:
        blocks.append(section(tr._("…and {n} more.", n=len(found) - SHOWN)))
    return message(heading, blocks)
