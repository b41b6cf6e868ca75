"""A delegate decides from Slack (in-memory unit of work, real ApprovalNotices): while
a delegation runs, the level's card goes to the delegate as well as to the delegator,
the delegate's card is edited with the others when the level is decided, and reminders
reach the delegate too. Not once the delegation ended, nor to the requester."""

from __future__ import annotations

from datetime import date, timedelta

from domain.approvals.model import Level, Outcome
from domain.approvals.ports import Happened, RequestChange
from handlers.approvals.notices import card_key
from tests.unit.test_approval_notices import (
    CFO,
    CM,
    CM2,
    FD,
    NOW,
    REP,
    ROSTER,
    file,
    sent,
    texts,
    world,
)

DELEGATE = CM2  # holds credit_manager; stands in for the finance director
LEVELS = (Level("credit_manager", 24), Level("finance_director", 48))


def test_the_delegate_gets_the_card_and_its_edits_and_reminders():
    requests, uow, clock = world(LEVELS)
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 31))
    request_id = file(requests)
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    level_two = [m for m in sent(uow) if m.dedup_key and ":2:" in m.dedup_key]
    assert [(m.channel, m.dedup_key) for m in level_two] == [
        (FD, card_key(request_id, 2, FD)), (DELEGATE, card_key(request_id, 2, DELEGATE))]
    # The delegate decides from their card: both copies show the decision.
    clock.now = NOW + timedelta(hours=1)
    before = len(sent(uow))
    requests.decide(ROSTER.member(DELEGATE), request_id, 2, Outcome.APPROVED)
    edits = [m for m in sent(uow)[before:] if m.update_of is not None]
    posted = {uow.outbox.id_of(card_key(request_id, 2, who)): who for who in (FD, DELEGATE)}
    assert sorted(posted[m.update_of] for m in edits if m.update_of in posted) == [
        DELEGATE, FD]


def test_reminders_reach_the_delegate_and_the_requester_gets_no_card():
    requests, uow, _ = world(LEVELS)
    requests.delegate(ROSTER.member(CM), REP, date(2026, 12, 31))  # CM away; REP files
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 31))
    request_id = file(requests)
    assert [m.channel for m in sent(uow)] == [CM, CM2]
    record = requests.get(ROSTER.member(CM), request_id)
    notices = requests.notices
    with uow:
        notices.queue(uow.outbox, RequestChange(
            Happened.REMINDED, record.request, record.decisions,
            stand_ins=requests._stand_ins(uow, record.request)))
        uow.commit()
    assert [m.channel for m in sent(uow)[2:]] == [CM, CM2]
    requests.end_delegation(ROSTER.member(FD))
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    assert [m.channel for m in sent(uow) if m.dedup_key == card_key(request_id, 2, m.channel)
            ] == [FD]


def test_nobody_with_a_part_in_the_request_nor_their_stand_in_gets_a_later_card():
    # The credit manager hands over to the finance director, who hands over to the CFO.
    # The finance director decides level 1 for the credit manager: level 2 (finance
    # director, escalating to the CFO) is then neither theirs nor their stand-in's to
    # decide, so neither gets its card or its reminder; the CFO gets it once it
    # escalates, as the holder of the escalation role.
    levels = (Level("credit_manager", 24), Level("finance_director", 48, escalate_to="cfo"))
    requests, uow, clock = world(levels)
    requests.delegate(ROSTER.member(CM), FD, date(2026, 12, 31))
    requests.delegate(ROSTER.member(FD), CFO, date(2026, 12, 31))
    request_id = file(requests)
    assert [m.channel for m in sent(uow)] == [CM, CM2, FD]
    clock.now = NOW + timedelta(hours=1)
    requests.decide(ROSTER.member(FD), request_id, 1, Outcome.APPROVED)
    cards = {uow.outbox.id_of(card_key(request_id, 1, who)): who for who in (CM, CM2, FD)}
    assert sorted(cards[m.update_of] for m in sent(uow) if m.update_of in cards) == sorted(
        [CM, CM2, FD])
    assert [m for m in sent(uow) if m.dedup_key and f":{request_id}:2:" in m.dedup_key] == []
    record = requests.get(ROSTER.member(CM), request_id)
    before = len(sent(uow))
    for happened in (Happened.REMINDED, Happened.ESCALATED):
        with uow:
            requests.notices.queue(uow.outbox, RequestChange(
                happened, record.request, record.decisions,
                stand_ins=requests._stand_ins(uow, record.request)))
            uow.commit()
    later = sent(uow)[before:]
    assert [(m.channel, m.dedup_key) for m in later if m.channel != REP] == [
        (CFO, card_key(request_id, 2, CFO))]
    assert "escalated to you" in " ".join(texts(later[0]))
