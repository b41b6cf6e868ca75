"""The messages minutes and tasks cause, queued in the use case's transaction.

Minutes (``Happened.MINUTES``) go under the meeting's invitation card in each invited
department's channel (``notices.card_key``: the card's thread); a meeting without a
channel sends them to everyone it invited instead. Each task's owner is told by direct
message. Everything carries a dedup key (minutes id, task id, destination), so a
retried use case posts once. ``MeetingNotices`` (the invitations) leaves MINUTES to
this module; ``FollowUpNotices.queue`` hands every other change to it, so the wiring
can give the minutes use case either."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, tzinfo

from domain.meetings.ports import Happened, MeetingChange, MeetingNotices
from domain.meetings.tasks import TaskLine
from domain.messages import OutgoingMessage
from domain.ports import Outbox
from handlers.i18n import Translator, translator
from handlers.meetings import followup_blocks as blocks
from handlers.meetings.notices import card_key
from handlers.render import clip, section

MINUTES = "meetings.minutes"
TASK = "meetings.task"


class FollowUpNotices:
    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo,
                 others: MeetingNotices | None = None) -> None:
        self.locale_of = locale_of
        self.zone = zone
        self.others = others

    def tr(self, destination: str) -> Translator:
        return translator(self.locale_of(destination))

    # MeetingNotices
    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        if change.happened is not Happened.MINUTES:
            if self.others is not None:
                self.others.queue(outbox, change)
            return
        minutes = change.minutes
        if minutes is None:
            return
        meeting = change.meeting
        # Minutes name customers and their credit data: without a channel open to it,
        # only the invited people cleared for credit data get them by direct message.
        for destination in change.channels or [p for p in change.people
                                               if p in change.readers]:
            text, rendered = blocks.minutes_post(self.tr(destination), meeting, minutes,
                                                 change.tasks, self.zone,
                                                 change.customer_names,
                                                 further=bool(change.earlier_minutes))
            outbox.add(OutgoingMessage(
                channel=destination, kind=MINUTES, text=clip(text, 3000), blocks=rendered or [],
                thread_of=outbox.id_of(card_key(meeting.id, destination)),
                dedup_key=f"{MINUTES}:{minutes.id}:{destination}"))
        for task in change.tasks:
            text = blocks.task_assigned(self.tr(task.owner), meeting, task, change.actor,
                                        self.zone, change.customer_names.get(
                                            task.customer_id or ""))
            self._dm(outbox, task.owner, text, f"{TASK}.assigned:{task.id}")

    # TaskNotices
    def due(self, outbox: Outbox, line: TaskLine, today: date, dedup_key: str) -> None:
        owner = line.task.owner
        self._dm(outbox, owner, blocks.due_reminder(self.tr(owner), line, today, self.zone),
                 dedup_key)

    def overdue(self, outbox: Outbox, organiser: str, lines: Sequence[TaskLine],
                today: date, dedup_key: str) -> None:
        self._dm(outbox, organiser,
                 blocks.overdue_digest(self.tr(organiser), lines, self.zone), dedup_key)

    def done(self, outbox: Outbox, line: TaskLine, actor: str, to: str) -> None:
        self._dm(outbox, to, blocks.done_by_other(self.tr(to), line, actor, self.zone),
                 f"{TASK}.done:{line.task.id}")

    def _dm(self, outbox: Outbox, to: str, text: str, key: str) -> None:
        outbox.add(OutgoingMessage(channel=to, kind=TASK, text=clip(text, 3000),
                                   blocks=[section(text)], dedup_key=key))
