"""Answers over time: who declined gets no reminder; an acceptance carries to a
series' next occurrence, a decline or a proposal (about one date) does not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.meetings.model import Answer, Meeting, MeetingKind, MeetingState, Recurrence, Response
from domain.meetings.responses import carry_accepted, reminded
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
ORGANISER, AMY, BEN, CHO = "U0ORGANISE1", "U01SALESAMY", "U01SALESBEN", "U01SALESCHO"


def answer(user: str, given: Answer) -> Response:
    return Response(meeting_id=1, user_id=user, answer=given, at=NOW)


def test_who_declined_is_not_reminded_but_the_organiser_always_is() -> None:
    people = (ORGANISER, AMY, BEN, CHO)
    responses = [answer(ORGANISER, Answer.DECLINED), answer(AMY, Answer.ACCEPTED),
                 answer(BEN, Answer.DECLINED), answer(CHO, Answer.PROPOSED)]
    assert reminded(people, responses, ORGANISER) == (ORGANISER, AMY, CHO)
    assert reminded(people, [], ORGANISER) == people


def test_an_acceptance_carries_to_the_next_occurrence_a_decline_or_proposal_does_not(
        ) -> None:
    uow = FakeUnitOfWork([])
    with uow:
        store = uow.meetings
        week = timedelta(days=7)
        first = store.add_meeting(Meeting(MeetingKind.CREDIT_COMMITTEE, "Weekly", ORGANISER,
                                          NOW, 60, "UTC", attendees=(AMY, BEN, CHO),
                                          recurrence=Recurrence.WEEKLY))
        second = store.add_meeting(Meeting(MeetingKind.CREDIT_COMMITTEE, "Weekly", ORGANISER,
                                           NOW + week, 60, "UTC", attendees=(AMY, BEN, CHO),
                                           recurrence=Recurrence.WEEKLY, series_id=first.id))
        # An occurrence cancelled on its own had no meeting: the one before it counts.
        skipped = store.add_meeting(Meeting(
            MeetingKind.CREDIT_COMMITTEE, "Weekly", ORGANISER, NOW + 2 * week, 60, "UTC",
            attendees=(AMY, BEN, CHO), recurrence=Recurrence.WEEKLY, series_id=first.id,
            state=MeetingState.CANCELLED))
        for user, given in ((ORGANISER, Answer.ACCEPTED), (AMY, Answer.ACCEPTED),
                            (BEN, Answer.DECLINED), (CHO, Answer.PROPOSED)):
            store.set_response(Response(second.id, user, given, NOW,
                                        proposed_at=NOW + week if user == CHO else None,
                                        note="after lunch" if user == AMY else ""))
        store.set_response(Response(skipped.id, CHO, Answer.ACCEPTED, NOW))
        new = store.add_meeting(Meeting(MeetingKind.CREDIT_COMMITTEE, "Weekly", ORGANISER,
                                        NOW + 3 * week, 60, "UTC", attendees=(BEN, CHO),
                                        recurrence=Recurrence.WEEKLY, series_id=first.id))
        # Amy is no longer invited (the attendees changed): nothing of hers is carried.
        carried = carry_accepted(store, [first, second, skipped, new], new,
                                 (ORGANISER, BEN, CHO))
        assert [(r.meeting_id, r.user_id, r.answer, r.note) for r in carried] == [
            (new.id, ORGANISER, Answer.ACCEPTED, "")]
        assert store.responses(new.id) == list(carried)
        assert carry_accepted(store, [first], first, (ORGANISER,)) == ()
