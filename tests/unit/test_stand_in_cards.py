"""A delegate decides from Slack (in-memory unit of work, real ApprovalNotices): while
a delegation runs, the level's card goes to the delegate as well as to the delegator,
the delegate's card is edited with the others when the level is decided, and reminders
reach the delegate too. Not once the delegation ended, nor to the requester."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.approvals.context import Roster
from domain.approvals.deadlines import Deadlines, Overdue, Reverted
from domain.approvals.model import Level, Outcome
from domain.approvals.ports import Happened, RequestChange
from domain.ports import Outbox
from handlers.approvals.notices import CARD, card_key
from tests.unit.test_approval_notices import (
    CFO,
    CM,
    CM2,
    FD,
    NOW,
    REP,
    ROSTER,
    ZONE,
    file,
    sent,
    texts,
    world,
)


class NoLimitNotes:
    def overdue(self, outbox: Outbox, overdue: Overdue) -> None:
        return None

    def reverted(self, outbox: Outbox, reverted: Reverted) -> str | None:
        return None


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
    assert [m.channel for m in sent(uow) if m.kind == CARD] == [CM, CM2]
    before = len(sent(uow))
    record = requests.get(ROSTER.member(CM), request_id)
    notices = requests.notices
    with uow:
        notices.queue(uow.outbox, RequestChange(
            Happened.REMINDED, record.request, record.decisions,
            stand_ins=requests._stand_ins(uow, record.request)))
        uow.commit()
    assert [m.channel for m in sent(uow)[before:]] == [CM, CM2]
    requests.end_delegation(ROSTER.member(FD))
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    assert [m.channel for m in sent(uow) if m.dedup_key == card_key(request_id, 2, m.channel)
            ] == [FD]


def test_nobody_with_a_part_in_the_request_nor_their_stand_in_gets_a_later_card():
    # The credit manager hands over to the finance director, who hands over to the CFO.
    # The finance director decides level 1 for the credit manager: level 2 (finance
    # director, escalating to the CFO) is then neither theirs nor their stand-in's to
    # decide, so neither gets its card or its reminder; the CFO, as the holder of the
    # escalation role, gets it at once.
    levels = (Level("credit_manager", 24), Level("finance_director", 48, escalate_to="cfo"))
    requests, uow, clock = world(levels)
    requests.delegate(ROSTER.member(CM), FD, date(2026, 12, 31))
    requests.delegate(ROSTER.member(FD), CFO, date(2026, 12, 31))
    request_id = file(requests)
    assert [m.channel for m in sent(uow) if m.kind == CARD] == [CM, CM2, FD]
    clock.now = NOW + timedelta(hours=1)
    requests.decide(ROSTER.member(FD), request_id, 1, Outcome.APPROVED)
    cards = {uow.outbox.id_of(card_key(request_id, 1, who)): who for who in (CM, CM2, FD)}
    assert sorted(cards[m.update_of] for m in sent(uow) if m.update_of in cards) == sorted(
        [CM, CM2, FD])
    # Nobody of level 2's role is left (the finance director decided level 1): its
    # card goes to the CFO, the escalation role, at once, not after its deadline.
    level_two = [m for m in sent(uow) if m.dedup_key and f":{request_id}:2:" in m.dedup_key]
    assert [(m.channel, m.dedup_key) for m in level_two] == [
        (CFO, card_key(request_id, 2, CFO))]
    assert "yours to decide: no finance director is left to decide it" in " ".join(
        texts(level_two[0]))
    record = requests.get(ROSTER.member(CM), request_id)
    before = len(sent(uow))
    with uow:
        requests.notices.queue(uow.outbox, RequestChange(
            Happened.REMINDED, record.request, record.decisions,
            stand_ins=requests._stand_ins(uow, record.request)))
        uow.commit()
    # Its reminder goes where its card went: to the CFO alone.
    assert [(m.channel, m.dedup_key) for m in sent(uow)[before:]] == [
        (CFO, f"approvals.note:remind:{request_id}:2:{CFO}")]


def test_a_stand_in_named_while_a_level_waits_gets_its_card_at_once_and_is_told():
    requests, uow, clock = world(LEVELS)
    request_id = file(requests)
    requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
    before = len(sent(uow))
    # The finance director goes away while level 2 waits for them.
    clock.now = NOW + timedelta(hours=2)
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 20))
    [card, note] = sent(uow)[before:]
    assert (card.channel, card.dedup_key) == (DELEGATE, card_key(request_id, 2, DELEGATE))
    assert ("Level 2 of 2: finance director · decide by <!date^1796176800^{date_short_pretty} "
            "{time}|Dec 2, 2026, 10:00\u202fAM>") in texts(card)
    assert (note.channel, note.text) == (DELEGATE, (
        f":busts_in_silhouette: <@{FD}> hands you their credit approvals (finance director) "
        "from Nov 30, 2026 through Dec 20, 2026: you may decide the requests that wait for "
        "them then. 1 request waits for them now: `/credit requests` lists it with its "
        "buttons."))
    # Granted again (a new period): the card is there already, nothing more but the note.
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 21))
    assert [m.kind for m in sent(uow)[before + 2:]] == ["approvals.note"]
    assert sent(uow)[-1].text.endswith(
        "1 request waits for them now: `/credit requests` lists it with its buttons.")


def test_a_delegation_that_starts_later_deals_its_cards_on_its_first_day():
    requests, uow, clock = world(LEVELS)
    request_id = file(requests)
    requests.delegate(ROSTER.member(CM), CFO, date(2026, 12, 5), date(2026, 12, 2))
    [note] = [m for m in sent(uow) if m.channel == CFO]
    assert note.text == (
        f":busts_in_silhouette: <@{CM}> hands you their credit approvals (credit manager) "
        "from Dec 2, 2026 through Dec 5, 2026: you may decide the requests that wait for "
        "them then. From Dec 2, 2026, `/credit requests` lists those waiting for them, "
        "with their buttons.")
    deadlines = Deadlines(uow, requests.policy, ROSTER, clock, ZONE, requests.notices,
                          NoLimitNotes(), requests.standing)
    assert deadlines.deal_stand_in_cards() == 0  # not before its first day
    clock.now = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Dec 2, 00:00 in Shanghai
    assert deadlines.deal_stand_in_cards() == 1
    assert deadlines.deal_stand_in_cards() == 0
    dealt = [m for m in sent(uow) if m.dedup_key == card_key(request_id, 1, CFO)]
    assert [m.channel for m in dealt] == [CFO]
    # The stand-in decides from it; a level that moved on deals nothing more.
    requests.decide(ROSTER.member(CFO), request_id, 1, Outcome.APPROVED)
    assert deadlines.deal_stand_in_cards() == 0


def test_no_card_for_a_level_the_stand_in_cannot_decide_yet_nor_one_in_a_channel():
    # CM holds both roles and decides level 1, then hands over to the CFO. Standing in
    # for CM is refused at level 2 (CM took part), and the CFO decides it in their own
    # right only once it escalates: no card now (it would say "escalated to you").
    both = Roster({"sales": [REP], "credit_manager": [CM, CM2],
                   "finance_director": [CM, FD], "cfo": [CFO]})
    levels = (Level("credit_manager", 24), Level("finance_director", 48, escalate_to="cfo"))
    requests, uow, clock = world(levels, roster=both)
    request_id = file(requests)
    requests.decide(both.member(CM), request_id, 1, Outcome.APPROVED)
    before = len(sent(uow))
    clock.now = NOW + timedelta(hours=1)
    requests.delegate(both.member(CM), CFO, date(2026, 12, 20))
    [note] = sent(uow)[before:]
    assert (note.channel, note.text) == (CFO, (
        f":busts_in_silhouette: <@{CM}> hands you their credit approvals (credit manager, "
        "finance director) from Nov 30, 2026 through Dec 20, 2026: you may decide the "
        "requests that wait for them then. None that you may decide waits for them now."))
    # A level whose card is posted in its department's channel: the stand-in reads it
    # there (and in /credit requests), so no card of their own, but it is counted.
    requests, uow, clock = world((Level("credit_manager", 24, post_to="credit"),))
    request_id = file(requests)
    before = len(sent(uow))
    requests.delegate(ROSTER.member(CM), FD, date(2026, 12, 20))
    [note] = sent(uow)[before:]
    assert (note.channel, note.text.endswith(
        "1 request waits for them now: `/credit requests` lists it with its buttons.")) == (
        FD, True)


def test_a_stand_in_s_card_is_edited_after_the_delegation_ended():
    # The stand-in got the level's card; the delegation then ends (or runs out) before
    # the finance director decides: the stand-in's copy shows the decision too, rather
    # than keeping live buttons on a closed request.
    for ending in ("ended", "ran out"):
        requests, uow, clock = world(LEVELS)
        requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 11, 30))
        request_id = file(requests)
        requests.decide(ROSTER.member(CM), request_id, 1, Outcome.APPROVED)
        copy = uow.outbox.id_of(card_key(request_id, 2, DELEGATE))
        assert copy is not None
        if ending == "ended":
            requests.end_delegation(ROSTER.member(FD))
        clock.now = NOW + timedelta(days=1)  # the delegation's last day was the 30th
        before = len(sent(uow))
        requests.decide(ROSTER.member(FD), request_id, 2, Outcome.APPROVED)
        edited = {m.update_of for m in sent(uow)[before:] if m.update_of is not None}
        assert copy in edited, ending


def test_a_stand_in_is_told_when_the_delegation_to_them_ends():
    requests, uow, _ = world(LEVELS)
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 20))
    requests.delegate(ROSTER.member(FD), DELEGATE, date(2026, 12, 21))  # the same one
    requests.delegate(ROSTER.member(FD), CFO, date(2027, 1, 20), date(2027, 1, 10))
    requests.end_delegation(ROSTER.member(FD))  # nothing runs today: nobody to tell
    ended = f":busts_in_silhouette: <@{FD}>'s delegation to you has ended today: the " \
        "requests waiting for them no longer come to you."
    assert [(m.channel, m.text) for m in sent(uow) if "has ended" in m.text] == [
        (DELEGATE, ended)]
    requests.delegate(ROSTER.member(FD), CFO, date(2026, 12, 20))
    requests.end_delegation(ROSTER.member(FD))
    assert [(m.channel, m.text) for m in sent(uow) if "has ended" in m.text] == [
        (DELEGATE, ended), (CFO, ended)]
