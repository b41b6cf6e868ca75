"""The Slack messages a change to a meeting causes, queued in the outbox inside the use
case's transaction (``domain.meetings.ports.MeetingNotices``).

An invitation goes to each invited department's channel and, by direct message, to
each invited person (the organiser once): the card (the meeting, the tally, the
buttons), the agenda as built then, and the ``.ics`` file in the card's thread. The
agenda is credit data: a person not cleared for it (``MeetingChange.readers``) gets the
card, a line saying the agenda is in the departments' channels, and a calendar file
without it; the same holds for reminders. Each
has a dedup key per meeting and destination, so a retried use case never posts twice,
and every later change edits those same cards in place (``update_of``): the tally after
an answer, the new time after a reschedule, "Cancelled". The organiser is told of a
decline or a proposal by direct message; a reschedule or a cancellation is told to
everyone invited, with a new ``.ics`` file (a higher SEQUENCE, or METHOD:CANCEL); a
series cancelled is one note per destination, while every occurrence's cards are edited
and its calendar entry withdrawn. A reminder goes under each channel's card and to each
person, with the agenda rebuilt, saying the time actually left when it is queued (a
job that ran late does not claim the configured lead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta, tzinfo

from domain.meetings.agenda import Agenda
from domain.meetings.model import Answer
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.reminders import reminder_key
from domain.messages import MessageId, OutgoingMessage
from domain.people import is_channel_id
from domain.ports import Outbox
from handlers.i18n import Translator, translator
from handlers.meetings import ics, invitation, invitation_agenda
from handlers.render import Block, clip, section

CARD = "meetings.card"
AGENDA = "meetings.agenda"
FILE = "meetings.ics"
NOTE = "meetings.note"
REMINDER = "meetings.reminder"


def card_key(meeting_id: int, destination: str) -> str:
    return f"{CARD}:{meeting_id}:{destination}"


class MeetingNotices:
    """``locale_of``: each destination's language; ``zone``: the organisation's (the
    fallback of every time shown); ``departments``: department key → name."""

    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo,
                 departments: Mapping[str, str] | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.locale_of = locale_of
        self.zone = zone
        self.departments = dict(departments or {})
        self.clock = clock

    def tr(self, destination: str) -> Translator:
        return translator(self.locale_of(destination))

    def queue(self, outbox: Outbox, change: MeetingChange) -> None:
        happened = change.happened
        if happened is Happened.INVITED:
            self._invite(outbox, change)
            if change.day_off or change.clashes:
                meeting = change.meeting
                self._note(outbox, meeting.organiser, lambda tr: invitation.occurrence_note(
                    tr, meeting, self.zone, change.day_off, change.clashes,
                    change.holiday),
                    key=f"meetings.occurrence_check:{meeting.id}")
        elif happened is Happened.ANSWERED:
            self._edit_cards(outbox, change)
            response = change.response
            meeting = change.meeting
            if response is not None and response.answer is not Answer.ACCEPTED \
                    and response.user_id != meeting.organiser:
                self._note(outbox, meeting.organiser, lambda tr: invitation.organiser_note(
                    tr, meeting, response, self.zone))
        elif happened is Happened.RESCHEDULED:
            # Who proposed the time it moved to is down as coming: not asked again.
            took = {r.user_id for r in change.responses if r.answer is Answer.ACCEPTED
                    and r.proposed_at == change.meeting.starts_at}
            self._changed(outbox, change, lambda tr, to: invitation.rescheduled_note(
                tr, change.meeting, change.previous, self.zone, change.actor,
                proposed=to in took))
        elif happened is Happened.CANCELLED:
            series = change.series_ended or bool(change.later)
            self._changed(outbox, change, lambda tr, _to: invitation.cancelled_note(
                tr, change.meeting, change.actor, self.zone, series=series))
            for later in change.later:
                self._cancelled_quietly(outbox, dataclasses.replace(
                    change, meeting=later, later=(), responses=()))
        elif happened is Happened.REMINDER:
            self._remind(outbox, change)
        # MINUTES: posted by the minutes work (handlers.meetings.followup*), which owns
        # how minutes and tasks read.

    # -- destinations ---------------------------------------------------------------

    @staticmethod
    def destinations(change: MeetingChange) -> list[str]:
        """The departments' channels, then each invited person once."""
        return list(dict.fromkeys([*change.channels, *change.people]))

    def _now(self, change: MeetingChange) -> datetime:
        return self.clock()

    @staticmethod
    def _reads_agenda(change: MeetingChange, destination: str) -> bool:
        """A department's channel is open to credit data (checked when scheduling); a
        person gets the agenda only if cleared for it."""
        return is_channel_id(destination) or destination in change.readers

    # -- the invitation ---------------------------------------------------------------

    def _card(self, tr: Translator, change: MeetingChange) -> tuple[str, list[Block]]:
        text, blocks = invitation.card(tr, change.meeting, change.people, change.responses,
                                       self.zone, self.departments, change.customer_names,
                                       self._now(change), series_ended=change.series_ended)
        return text, blocks or []

    def _invite(self, outbox: Outbox, change: MeetingChange) -> None:
        for destination in self.destinations(change):
            self._post_invitation(outbox, change, destination)

    def _post_invitation(self, outbox: Outbox, change: MeetingChange,
                         destination: str) -> MessageId:
        meeting = change.meeting
        tr = self.tr(destination)
        text, blocks = self._card(tr, change)
        card = outbox.add(OutgoingMessage(channel=destination, kind=CARD, text=text,
                                          blocks=blocks,
                                          dedup_key=card_key(meeting.id, destination)))
        agenda = change.agenda
        if agenda is None:  # nothing was built for this change: no empty agenda either
            self._file(outbox, change, destination, card, None)
            return card
        if not self._reads_agenda(change, destination):
            self._note(outbox, destination, lambda tr: invitation.agenda_elsewhere(
                tr, meeting, change.channels), key=f"{AGENDA}:{meeting.id}:{destination}")
            self._file(outbox, change, destination, card, None)
            return card
        outbox.add(OutgoingMessage(
            channel=destination, kind=AGENDA,
            text=clip(invitation.agenda_heading(tr, meeting), 3000),
            blocks=invitation_agenda.blocks(tr, agenda, meeting, invitation.agenda_heading(
                tr, meeting, escaped=False), self.zone),
            dedup_key=f"{AGENDA}:{meeting.id}:{destination}"))
        self._file(outbox, change, destination, card, agenda)
        return card

    def _file(self, outbox: Outbox, change: MeetingChange, destination: str,
              card: MessageId, agenda: Agenda | None) -> None:
        meeting = change.meeting
        tr = self.tr(destination)
        description = invitation_agenda.plain_text(tr, agenda, meeting) \
            if agenda and self._reads_agenda(change, destination) else ""
        # A series cancelled: its file ends the rule the meeting had before.
        ended = change.previous.recurrence if change.series_ended and change.previous \
            else None
        file = ics.attachment(meeting, change.people, description, self._now(change),
                              invitation.ics_title(tr, meeting, escaped=False),
                              rule_ended=ended, series=change.series)
        outbox.add(OutgoingMessage(
            channel=destination, kind=FILE, text=clip(invitation.ics_title(tr, meeting), 3000),
            files=(file,), thread_of=card,
            dedup_key=f"{FILE}:{meeting.id}:{meeting.version}:{meeting.state.value}:"
                      f"{destination}"))

    # -- edits and notes ----------------------------------------------------------------

    def _posted(self, outbox: Outbox, change: MeetingChange) -> Iterator[tuple[str, MessageId]]:
        for destination in self.destinations(change):
            posted = outbox.id_of(card_key(change.meeting.id, destination))
            if posted is not None:
                yield destination, posted

    def _edit_cards(self, outbox: Outbox, change: MeetingChange) -> None:
        for destination, posted in self._posted(outbox, change):
            text, blocks = self._card(self.tr(destination), change)
            outbox.add(OutgoingMessage(channel=destination, kind=CARD, text=text,
                                       blocks=blocks, update_of=posted))

    def _changed(self, outbox: Outbox, change: MeetingChange,
                 write: Callable[[Translator, str], str]) -> None:
        """A reschedule or a cancellation: every card edited, everyone told (``write``:
        the note in a language, to a destination), a new calendar file; someone invited
        since gets the whole invitation."""
        posted = dict(self._posted(outbox, change))
        self._edit_cards(outbox, change)
        for destination in self.destinations(change):
            card = posted.get(destination)
            if card is None:
                self._post_invitation(outbox, change, destination)
                continue
            # Whoever moved or cancelled it was answered as they did (and would be asked
            # to answer their own change again).
            if destination != change.actor:
                self._tell(outbox, destination, write)
            self._file(outbox, change, destination, card, change.agenda)

    def _cancelled_quietly(self, outbox: Outbox, change: MeetingChange) -> None:
        """A later occurrence cancelled with its series: its cards say so, while the
        series' one note tells the people and its one calendar file (the rule ended)
        withdraws it: a file per occurrence was one more each to open."""
        self._edit_cards(outbox, change)

    def _tell(self, outbox: Outbox, destination: str,
              write: Callable[[Translator, str], str]) -> None:
        self._note(outbox, destination, lambda tr: write(tr, destination))

    def _note(self, outbox: Outbox, destination: str, write: Callable[[Translator], str],
              key: str | None = None, thread_of: MessageId | None = None) -> None:
        text = write(self.tr(destination))
        outbox.add(OutgoingMessage(channel=destination, kind=NOTE, text=clip(text, 3000),
                                   blocks=[section(text)], dedup_key=key,
                                   thread_of=thread_of))

    # -- reminders ------------------------------------------------------------------------

    def _remind(self, outbox: Outbox, change: MeetingChange) -> None:
        meeting = change.meeting
        agenda = change.agenda or Agenda(built_at=self._now(change))
        now = self._now(change)
        for destination in self.destinations(change):
            tr = self.tr(destination)
            # In a channel under the card (one thread per meeting); a person gets it as a
            # direct message of its own, which notifies.
            card = outbox.id_of(card_key(meeting.id, destination)) \
                if is_channel_id(destination) else None
            if self._reads_agenda(change, destination):
                text = invitation.reminder_text(tr, meeting, now, self.zone)
                heading = invitation.agenda_heading(tr, meeting, escaped=False)
                blocks = [section(text), *invitation_agenda.blocks(tr, agenda, meeting,
                                                                   heading, self.zone)]
            else:
                text = invitation.reminder_text(tr, meeting, now, self.zone,
                                                with_agenda=False)
                blocks = [section(text), section(invitation.agenda_elsewhere(
                    tr, meeting, change.channels))]
            outbox.add(OutgoingMessage(
                channel=destination, kind=REMINDER, text=clip(text, 3000),
                blocks=blocks[:50],
                thread_of=card,
                dedup_key=reminder_key(meeting, change.lead or timedelta(0), destination)))
