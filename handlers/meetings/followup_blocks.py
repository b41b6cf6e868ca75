"""How minutes and tasks read, in one reader's language: the Record minutes button and
form, the minutes posted in the meeting's thread, the owner's note of a new task, the
``/credit tasks`` list with its Done buttons, the due-day reminder, the organiser's
overdue digest, and the tasks under an account on the collector's worklist.

Dates are Slack date tokens (each reader sees their own calendar) with a fallback in
the organisation's zone. What people typed is neutralised (``person_text``), what the
ERP sent too (``erp_text``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, tzinfo
from typing import Any

from domain.meetings.minutes import MAX_DECISIONS, SoFar
from domain.meetings.model import Meeting, Minutes, Task
from domain.meetings.tasks import SHOWN, TaskLine
from domain.refs import CustomerRef
from handlers.i18n import Translator
from handlers.meetings.followup_payloads import (
    DONE,
    ITEM_ROWS,
    MINUTES_VIEW,
    RECORD_MINUTES,
    MinutesValue,
    TaskValue,
)
from handlers.modals import date_input, modal, text_input, user_input
from handlers.render import (
    BLOCKS_PER_MESSAGE,
    Block,
    Message,
    blockquote,
    button,
    clip,
    context,
    erp_text,
    header,
    mention,
    message,
    person_text,
    section,
    sections,
)

TITLE = 150
WHAT = 300
DECISIONS = MAX_DECISIONS
NAME = 200
ID = 64
# Tasks shown under one account on the worklist; the rest are counted.
UNDER_ACCOUNT = 3


def record_minutes_button(tr: Translator, meeting_id: int) -> Block:
    """The button element; the invitation card and the meetings list place it."""
    return button(tr._("Record minutes"), RECORD_MINUTES,
                  MinutesValue(meeting=meeting_id).encode())


def day_text(tr: Translator, day: date) -> str:
    """A due day, written out: a calendar day, the same for every reader. (Slack's date
    token shows an instant in the reader's zone: the organisation's noon on the 13th is
    already the 14th in Tokyo, and noon UTC is the 14th in Auckland.)"""
    return tr.date(day)


def title(meeting: Meeting) -> str:
    return person_text(meeting.title, TITLE)


def subject(tr: Translator, meeting: Meeting, zone: tzinfo) -> str:
    return tr._("“{title}” on {when}", title=title(meeting),
                when=tr.moment(meeting.starts_at, zone))


def customer_text(tr: Translator, customer_id: str, customer: CustomerRef | None) -> str:
    """The customer by the name its reader knows it by, and its id; by id alone when the
    ERP no longer has it."""
    cid = erp_text(customer_id, ID)
    if customer is None:
        return f"`{cid}`"
    return tr._("{name} ({id})",
                name=f"*{erp_text(tr.name_of(customer.name, customer.name_local), NAME)}*",
                id=f"`{cid}`")


def add_to_minutes_button(tr: Translator, meeting_id: int) -> Block:
    """Record minutes once a meeting has minutes: the same form, recording further
    minutes."""
    return button(tr._("Add to the minutes"), RECORD_MINUTES,
                  MinutesValue(meeting=meeting_id).encode())


def _recorded_line(tr: Translator, so_far: SoFar, zone: tzinfo) -> str:
    first = so_far.minutes[0]
    line = tr._("Minutes recorded by {who} on {when}.", who=mention(first.recorded_by),
                when=tr.moment(first.recorded_at, zone))
    if len(so_far.minutes) > 1:
        line = tr.sentences(line, tr.ngettext("{n} further record.", "{n} further records.",
                                              len(so_far.minutes) - 1))
    return line


def recent_meetings(tr: Translator, meetings: Sequence[Meeting], zone: tzinfo,
                    so_far: Mapping[int, SoFar] | None = None,
                    command: str = "/credit minutes") -> Message:
    """``/credit minutes`` alone: the meetings held lately, each with Record minutes,
    or, once it has minutes, who recorded them when and Add to the minutes. ``command``:
    as the person wrote it (`/credit 纪要`)."""
    if not meetings:
        text = tr._("No meeting you may record minutes for was held in the last two weeks. "
                    "`{command} &lt;number&gt;` records those of an older one.", command=command)
        return message(text, [section(text)])
    heading = tr._("*Meetings of the last two weeks* whose minutes you may record, the "
                   "latest first:")
    shown = meetings[:(BLOCKS_PER_MESSAGE - 2)]
    rendered: list[Block] = [section(heading)]
    for meeting in shown:
        line = tr._("#{number} {subject}", number=meeting.id,
                    subject=subject(tr, meeting, zone))
        recorded = (so_far or {}).get(meeting.id)
        if recorded is not None and recorded.minutes:
            block = section(line + "\n" + _recorded_line(tr, recorded, zone))
            block["accessory"] = add_to_minutes_button(tr, meeting.id)
        else:
            block = section(line)
            block["accessory"] = record_minutes_button(tr, meeting.id)
        rendered.append(block)
    if len(meetings) > len(shown):
        rendered.append(section(tr._("and {n} more", n=len(meetings) - len(shown))))
    return message(tr.ngettext("{n} meeting to record minutes for",
                               "{n} meetings to record minutes for", len(meetings)), rendered)


# -- the form ------------------------------------------------------------------------


def _so_far_context(tr: Translator, so_far: SoFar, zone: tzinfo) -> Block:
    """What the minutes hold already, so that nobody records it again."""
    parts = []
    for minutes in so_far.minutes:
        parts.append(tr._("Recorded by {who} on {when}:", who=mention(minutes.recorded_by),
                          when=tr.moment(minutes.recorded_at, zone))
                     + "\n" + blockquote(minutes.decisions, DECISIONS))
    if so_far.tasks:
        parts.append(tr._("Action items so far:") + "\n" + "\n".join(
            f"• {task_text(tr, t)}" for t in so_far.tasks))
    return context(clip("\n".join(parts), 3000))


def minutes_view(tr: Translator, meeting: Meeting, zone: tzinfo,
                 so_far: SoFar | None = None) -> dict[str, Any]:
    """The minutes form; once the meeting has minutes, titled Add to the minutes and
    showing what was recorded (a second record posts as further minutes)."""
    adding = so_far is not None and bool(so_far.minutes)
    intro = (tr._("Further minutes of {subject}: what the minutes below do not say yet. "
                  "Each action item becomes a task: its owner is told and reminded on "
                  "the due day. Leave the rows you do not need empty.",
                  subject=subject(tr, meeting, zone)) if adding else
             tr._("Minutes of {subject}. Each action item becomes a task: its owner "
                  "is told and reminded on the due day. Leave the rows you do not need "
                  "empty.", subject=subject(tr, meeting, zone)))
    blocks: list[Block] = [section(intro)]
    if so_far is not None and adding:
        blocks.append(_so_far_context(tr, so_far, zone))
    blocks += [
        text_input("decisions", tr._("Decisions"), multiline=True, max_length=DECISIONS,
                   placeholder=tr._("e.g. Raise Acme's limit to USD 150k from January")),
    ]
    for row in range(ITEM_ROWS):
        number = row + 1
        blocks.extend((
            header(tr._("Action item {number}", number=number)),
            text_input(f"what_{row}", tr._("What"), optional=True, max_length=WHAT,
                       placeholder=tr._("e.g. Send Acme the new terms")),
            user_input(f"owner_{row}", tr._("Owner"), optional=True),
            date_input(f"due_{row}", tr._("Due"), optional=True),
            text_input(f"customer_{row}", tr._("Customer"), optional=True, max_length=100,
                       hint=tr._("An id or a name, if the item is about a customer; it "
                                 "then shows on the account's collection worklist.")),
        ))
    return modal(MINUTES_VIEW, MinutesValue(meeting=meeting.id),
                 title=tr._("Add to the minutes") if adding else tr._("Record minutes"),
                 submit=tr._("Record"), close=tr._("Cancel"), blocks=blocks)


# -- the minutes and the owners' notes ------------------------------------------------


def task_text(tr: Translator, task: Task, named: CustomerRef | None = None,
              owner: bool = True, customer: bool = True) -> str:
    """``Send the new terms · @owner · due <date> · Acme (C0001)``."""
    parts = [person_text(task.what, WHAT)]
    if owner:
        parts.append(mention(task.owner))
    parts.append(tr._("due {day}", day=day_text(tr, task.due_on)))
    if customer and task.customer_id:
        parts.append(customer_text(tr, task.customer_id, named))
    return " · ".join(parts)


def minutes_post(tr: Translator, meeting: Meeting, minutes: Minutes,
                 tasks: Sequence[Task], zone: tzinfo,
                 names: Mapping[str, CustomerRef] | None = None, further: bool = False
                 ) -> Message:
    """``further``: minutes were recorded before these, so they say so."""
    head = ":memo: " + (tr._("Further minutes of {subject}, recorded by {who}:",
                             subject=subject(tr, meeting, zone),
                             who=mention(minutes.recorded_by)) if further else
                        tr._("Minutes of {subject}, recorded by {who}:",
                             subject=subject(tr, meeting, zone),
                             who=mention(minutes.recorded_by)))
    # Whole, in as many sections as they take: the form takes what the post shows.
    blocks: list[Block] = [section(head), *sections("*" + tr._("Decisions") + "*\n"
                                                   + blockquote(minutes.decisions, DECISIONS))]
    if tasks:
        lines = [f"• {task_text(tr, t, (names or {}).get(t.customer_id or ''))}"
                 for t in tasks]
        blocks.append(section("*" + tr._("Action items") + "*\n" + "\n".join(lines)))
    else:
        blocks.append(section(tr._("No action items.")))
    return message(head, blocks)


def task_assigned(tr: Translator, meeting: Meeting, task: Task, actor: str,
                  zone: tzinfo, customer: CustomerRef | None = None) -> str:
    return ":pushpin: " + tr._(
        "{who} gave you an action item in the minutes of {subject}: {task}. You are "
        "reminded on the due day; `/credit tasks` lists yours, with a Done button.",
        who=mention(actor), subject=subject(tr, meeting, zone),
        task=task_text(tr, task, customer, owner=False))


# -- the list --------------------------------------------------------------------------


def _line(tr: Translator, line: TaskLine, today: date, zone: tzinfo) -> str:
    task = line.task
    text = "*" + person_text(task.what, WHAT) + "*\n"
    due = day_text(tr, task.due_on)
    if line.overdue(today):
        text += ":warning: " + tr._("Overdue: was due {day}", day=due)
    else:
        text += tr._("Due {day}", day=due)
    if line.meeting is not None:
        text += " · " + tr._("from {subject}", subject=subject(tr, line.meeting, zone))
    if task.customer_id:
        text += " · " + customer_text(tr, task.customer_id, line.customer)
    return text


def tasks_list(tr: Translator, lines: Sequence[TaskLine], today: date, zone: tzinfo,
               note: str | None = None, others: Sequence[TaskLine] = ()) -> Message:
    """My open tasks, overdue first, each with Done; then ``others``, the open tasks of
    others I may close (my meetings', every meeting's for a credit manager), each naming
    its owner. A section and its button each: at most ``SHOWN`` of each, within Slack's
    50 blocks, the rest counted."""
    blocks: list[Block] = [section(note)] if note else []
    if not lines and not others:
        text = tr._("You have no open tasks. Action items recorded in a meeting's minutes "
                    "come here.")
        return message(text, [*blocks, section(text)])
    if lines:
        heading = tr.ngettext("*Your tasks*: {n} open, {overdue} overdue; the most overdue "
                              "first.", "*Your tasks*: {n} open, {overdue} overdue; the most "
                              "overdue first.", len(lines),
                              overdue=sum(1 for ln in lines if ln.overdue(today)))
        # Room kept for the others' heading, ten of them and their count.
        _listed(tr, blocks, heading, lines, today, zone, mine=True,
                keep=12 if others else 0)
    else:
        blocks.append(section(tr._("You have no open tasks of your own.")))
    if others:
        heading = tr.ngettext(
            "*From meetings you may close tasks of*: {n} open, {overdue} overdue.",
            "*From meetings you may close tasks of*: {n} open, {overdue} overdue.",
            len(others), overdue=sum(1 for ln in others if ln.overdue(today)))
        _listed(tr, blocks, heading, others, today, zone, mine=False, keep=0)
    fallback = tr.ngettext("{n} open task", "{n} open tasks", len(lines) + len(others))
    return message(fallback, blocks)


def _listed(tr: Translator, blocks: list[Block], heading: str, lines: Sequence[TaskLine],
            today: date, zone: tzinfo, mine: bool, keep: int) -> None:
    """``lines`` under ``heading``, leaving ``keep`` blocks of the 50 for what follows
    (besides this heading and its "and n more")."""
    room = min(SHOWN, BLOCKS_PER_MESSAGE - len(blocks) - 2 - keep)
    blocks.append(section(heading))
    for line in lines[:room]:
        text = _line(tr, line, today, zone)
        if not mine:
            text += "\n" + tr._("Owner: {owner}", owner=mention(line.task.owner))
        block = section(text)
        block["accessory"] = button(tr._("Done"), DONE, TaskValue(task=line.task.id).encode())
        blocks.append(block)
    if len(lines) > room:
        blocks.append(section(tr._("and {n} more", n=len(lines) - room)))


def done_note(tr: Translator, line: TaskLine, already: bool, zone: tzinfo) -> str:
    task = line.task
    if already:
        return ":information_source: " + tr._(
            "“{what}” was already done by {who} on {when}.", what=person_text(task.what, WHAT),
            who=mention(task.done_by or ""), when=tr.moment(task.done_at or task.created_at,
                                                            zone))
    return ":white_check_mark: " + tr._("Done: “{what}”.", what=person_text(task.what, WHAT))


# -- what the job and Done send --------------------------------------------------------


def due_reminder(tr: Translator, line: TaskLine, today: date, zone: tzinfo) -> str:
    """The owner's reminder on the due day, or on the first working day after it when
    it fell on a day off (the task says which day)."""
    task = task_text(tr, line.task, line.customer, owner=False)
    text = ":alarm_clock: " + (tr._("Due today: {task}.", task=task)
                               if line.task.due_on >= today else
                               tr._("Fell due on a day off: {task}.", task=task))
    if line.meeting is not None:
        text = tr.sentences(text, tr._("From the minutes of {subject}.",
                                       subject=subject(tr, line.meeting, zone)))
    return tr.sentences(text, tr._("`/credit tasks` lists yours, with a Done button."))


def overdue_digest(tr: Translator, lines: Sequence[TaskLine], zone: tzinfo) -> str:
    head = ":warning: " + tr.ngettext(
        "{n} action item from your meetings is overdue:",
        "{n} action items from your meetings are overdue:", len(lines))
    rows = [f"• {task_text(tr, ln.task, ln.customer)}"
            + (" · " + tr._("from {subject}", subject=subject(tr, ln.meeting, zone))
               if ln.meeting is not None else "")
            for ln in lines[:SHOWN // 2]]
    if len(lines) > SHOWN // 2:
        rows.append(tr._("and {n} more", n=len(lines) - SHOWN // 2))
    return "\n".join([head, *rows])


def done_by_other(tr: Translator, line: TaskLine, actor: str, zone: tzinfo) -> str:
    text = ":white_check_mark: " + tr._("{who} marked done: {task}.", who=mention(actor),
                                        task=task_text(tr, line.task, line.customer))
    if line.meeting is not None:
        text = tr.sentences(text, tr._("From the minutes of {subject}.",
                                       subject=subject(tr, line.meeting, zone)))
    return text


def worklist_tasks(tr: Translator, tasks: Sequence[Task]) -> str:
    """The open tasks about an account, under it on the collector's worklist (which
    names the customer already)."""
    rows = [":pushpin: " + tr._("Task: {task}", task=task_text(tr, t, customer=False))
            for t in tasks[:UNDER_ACCOUNT]]
    if len(tasks) > UNDER_ACCOUNT:
        rows.append(tr._("and {n} more open tasks", n=len(tasks) - UNDER_ACCOUNT))
    return "\n".join(rows)
