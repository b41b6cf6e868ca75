"""``/credit meetings`` as one person reads it: their meetings not yet over (one in
progress included: it is where they are now), each with their own answer."""

from __future__ import annotations

from dataclasses import dataclass

from domain.access import Member
from domain.meetings.model import Meeting, Response
from domain.meetings.use_cases import Meetings


@dataclass(frozen=True)
class Listed:
    """One line of the list: ``answer`` is the reader's latest (None: not answered),
    ``asked`` whether they are asked to answer (invited and not the organiser; a credit
    manager sees every meeting), ``started`` whether it is in progress when read."""

    meeting: Meeting
    answer: Response | None
    asked: bool
    started: bool


def my_meetings(meetings: Meetings, actor: Member) -> list[Listed]:
    """The reader's upcoming and in-progress meetings, soonest first."""
    found = meetings.upcoming(actor)
    now = meetings.clock()
    with meetings.unit_of_work() as uow:
        answers = {m.id: next((r for r in uow.meetings.responses(m.id)
                               if r.user_id == actor.user_id), None) for m in found}
    return [Listed(m, answers[m.id], actor.user_id != m.organiser
                        and actor.user_id in meetings.invitees.people(m),
                        m.starts_at <= now) for m in found]
