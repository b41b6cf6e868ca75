"""Segregation of duties, one rule at a time, each refusal with its whole message."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.approvals.model import (
    CreditRequest,
    Decision,
    Delegation,
    Level,
    Outcome,
    RequestKind,
    RequestState,
)
from domain.approvals.rules import (
    AlreadyDecided,
    Authority,
    CommentRequired,
    NotDecidable,
    authority,
    may_decide,
    require_comment,
)
from domain.money import Money

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
REP, CM, CM2, FD, CFO, OTHER = ("U0REP00001", "U0CM000001", "U0CM000002", "U0FD000001",
                                "U0CFO00001", "U0OTHER001")
HOLDERS = {"credit_manager": (CM, CM2), "finance_director": (FD,), "cfo": (CFO,)}
ROUTE = (Level("credit_manager", 24), Level("finance_director", 48), Level("cfo", 72))


def request(**changes: object) -> CreditRequest:
    base = CreditRequest(
        RequestKind.LIMIT_INCREASE, "C0001", "Acme", REP, NOW - timedelta(hours=1),
        "larger Q1 orders", Money(Decimal(600_000), "USD"), ROUTE,
        current_limit=Money(Decimal(500_000), "USD"),
        new_limit=Money(Decimal(600_000), "USD"), increase=Money(Decimal(100_000), "USD"),
        level_since=NOW - timedelta(hours=1), id=7, version=1)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def decided(level: int, by: str, outcome: Outcome = Outcome.APPROVED,
            on_behalf_of: str | None = None) -> Decision:
    return Decision(7, level, ROUTE[level - 1].role, outcome, by, NOW, None, on_behalf_of)


def delegation(delegator: str, delegate: str, until: date = TODAY) -> Delegation:
    return Delegation(delegator, delegate, TODAY - timedelta(days=1), until, NOW, id=1)


def refusal(req: CreditRequest, actor: str, level: int = 1,
            decisions: tuple[Decision, ...] = (),
            delegations: tuple[Delegation, ...] = (), now: datetime = NOW) -> str:
    with pytest.raises(NotDecidable) as refused:
        authority(req, decisions, actor, level, HOLDERS, delegations, now, now.date())
    return str(refused.value)


def test_holders_of_the_current_level_decide_it():
    assert authority(request(), (), CM, 1, HOLDERS, (), NOW, TODAY) == Authority()
    assert authority(request(level=2), (decided(1, CM),), FD, 2, HOLDERS, (), NOW,
                     TODAY) == Authority()


def test_nobody_decides_their_own_request():
    # Even when they hold the level's role.
    assert refusal(request(requested_by=CM), CM) == (
        "You can't decide this request: you filed it. Someone else must decide it.")


def test_nobody_decides_two_levels():
    both = {**HOLDERS, "finance_director": (FD, CM)}
    with pytest.raises(NotDecidable) as refused:
        authority(request(level=2), (decided(1, CM),), CM, 2, both, (), NOW, TODAY)
    assert str(refused.value) == (
        "You can't decide level 2: you already approved level 1 of this request, and "
        "each level needs another person.")


def test_only_holders_of_the_level_role_decide_it():
    assert refusal(request(level=2), OTHER, 2, (decided(1, CM),)) == (
        "You can't decide this: level 2 is for the finance director: <@U0FD000001>, or "
        "someone they delegated their approvals to.")
    # A holder of a later level's role is not a holder of this one.
    assert refusal(request(), CFO) == (
        "You can't decide this: level 1 is for the credit manager: <@U0CM000001>, "
        "<@U0CM000002>, or someone they delegated their approvals to.")


def test_a_decided_level_names_who_decided_it_whatever_followed():
    assert refusal(request(level=2), CM2, 1, (decided(1, CM),)) == (
        "Level 1 of request #7 was already approved by <@U0CM000001>.")
    rejected = request(state=RequestState.REJECTED, closed_by=CM, closed_at=NOW)
    assert refusal(rejected, CM2, 1, (decided(1, CM, Outcome.REJECTED),)) == (
        "Level 1 of request #7 was already rejected by <@U0CM000001>.")
    with pytest.raises(AlreadyDecided) as raised:
        authority(request(level=2), (decided(1, CM),), CM, 1, HOLDERS, (), NOW, TODAY)
    assert raised.value.decision.decided_by == CM


def test_closed_requests_and_levels_not_open_are_refused_politely():
    assert refusal(request(state=RequestState.CANCELLED, closed_by=REP), CM) == (
        "Request #7 was cancelled by <@U0REP00001>, so there is nothing left to decide.")
    approved = request(state=RequestState.APPROVED, closed_by=CFO, level=3)
    assert refusal(approved, CM, 4, (decided(1, CM), decided(2, FD), decided(3, CFO))) == (
        "Request #7 is already approved (its last level by <@U0CFO00001>), so there is "
        "nothing left to decide.")
    assert refusal(request(), FD, 2) == (
        "Level 2 of request #7 is not open yet: level 1 (credit manager) decides first.")
    # A level the route does not have (a forged press) is not "not open yet".
    assert refusal(request(), FD, 4) == (
        "Request #7 has no level 4: its levels are 1 to 3.")
    single = dataclasses.replace(request(), route=request().route[:1])
    assert refusal(single, FD, 2) == "Request #7 has no level 2: it has one level only."


def test_an_open_temporary_limit_past_its_last_day_is_expired():
    temporary = request(kind=RequestKind.TEMPORARY_LIMIT, expires_on=TODAY - timedelta(days=1))
    assert refusal(temporary, CM) == (
        "Request #7 expired: the temporary limit would have ended on 2026-11-29, so there "
        "is nothing left to decide.")
    assert may_decide(dataclasses.replace(temporary, expires_on=TODAY), (), CM, HOLDERS, (),
                      NOW, TODAY)
    # Shown to a person, the day reads as every other day does (it was 2026-11-29).
    from handlers.errors import explain
    from handlers.i18n import translator
    with pytest.raises(NotDecidable) as refused:
        authority(temporary, (), CM, 1, HOLDERS, (), NOW, TODAY)
    assert explain(refused.value, translator("en-US")) == (
        "Request #7 expired: the temporary limit would have ended on Nov 29, 2026, so "
        "there is nothing left to decide.")


def test_a_delegate_decides_for_a_holder_during_the_delegation_only():
    stand_in = delegation(FD, OTHER)
    req = request(level=2)
    assert authority(req, (decided(1, CM),), OTHER, 2, HOLDERS, (stand_in,), NOW, TODAY) == \
        Authority(on_behalf_of=FD)
    tomorrow = NOW + timedelta(days=1)
    assert refusal(req, OTHER, 2, (decided(1, CM),), (stand_in,), tomorrow) == (
        f"You can't decide this: you stood in for <@U0FD000001> through {TODAY}, and that "
        "delegation has ended. Level 2 is for the finance director: <@U0FD000001>, or "
        "someone they delegated their approvals to.")
    ended = dataclasses.replace(stand_in, ended_at=NOW)
    assert not may_decide(req, (decided(1, CM),), OTHER, HOLDERS, (ended,), NOW, TODAY)
    # Ended early by its delegator: refused as anyone is (it did not run its course).
    assert refusal(req, OTHER, 2, (decided(1, CM),), (ended,)) == (
        "You can't decide this: level 2 is for the finance director: <@U0FD000001>, or "
        "someone they delegated their approvals to.")


def test_a_delegate_may_not_decide_what_they_filed_nor_stand_in_for_the_requester():
    assert refusal(request(requested_by=OTHER), OTHER, 1, (), (delegation(CM, OTHER),)) == (
        "You can't decide this request: you filed it. Someone else must decide it.")
    assert refusal(request(requested_by=CM), OTHER, 1, (), (delegation(CM, OTHER),)) == (
        "You can't decide this request: you stand in for <@U0CM000001>, who filed it.")


def test_a_delegate_may_not_decide_a_second_level_for_the_same_person():
    both = {**HOLDERS, "finance_director": (FD, CM)}
    with pytest.raises(NotDecidable) as refused:
        authority(request(level=2), (decided(1, CM),), OTHER, 2, both,
                  (delegation(CM, OTHER),), NOW, TODAY)
    assert str(refused.value) == (
        "You can't decide this level: you stand in for <@U0CM000001>, who already decided "
        "level 1 of this request, and each level needs another person.")
    # And one who decided for someone else decided that level themselves.
    assert refusal(request(level=2), OTHER, 2, (decided(1, OTHER, on_behalf_of=CM),),
                   (delegation(FD, OTHER),)) == (
        "You can't decide level 2: you already approved level 1 of this request, and each "
        "level needs another person.")


def test_after_the_deadline_the_escalation_role_may_decide_too():
    route = (Level("credit_manager", 24, escalate_to="cfo"),)
    req = request(route=route, level_since=NOW)
    assert not may_decide(req, (), CFO, HOLDERS, (), NOW + timedelta(hours=23), TODAY)
    assert may_decide(req, (), CFO, HOLDERS, (), NOW + timedelta(hours=24), TODAY)
    assert req.deadline() == NOW + timedelta(hours=24)


def test_a_rejection_needs_a_comment_an_approval_may_have_one():
    with pytest.raises(CommentRequired) as refused:
        require_comment(Outcome.REJECTED, "   ")
    assert str(refused.value) == ("Say why you reject it: a rejection needs a comment, "
                                  "which the requester will read.")
    assert require_comment(Outcome.APPROVED, None) is None
    assert require_comment(Outcome.APPROVED, " fine ") == "fine"
    assert require_comment(Outcome.REJECTED, "too much overdue") == "too much overdue"


def test_asking_outside_a_delegations_days_says_so_as_deciding_does():
    # Approve said "you stand in … from Dec 10"; Ask for info the generic "Only those who
    # decide level 2 ask the requester for more", as if no delegation existed.
    from handlers.approvals.decide import refusal
    from handlers.i18n import translator

    later = dataclasses.replace(delegation(FD, OTHER), starts_on=TODAY + timedelta(days=3))
    with pytest.raises(NotDecidable) as refused:
        authority(request(level=2), (decided(1, CM),), OTHER, 2, HOLDERS, (later,), NOW, TODAY)
    day = translator("en-US").date(TODAY + timedelta(days=3))
    assert refusal(refused.value, translator("en-US"), asking=True) == (
        f"You can't decide this yet: you stand in for <@U0FD000001> from {day}. Level 2 is "
        "for the finance director: <@U0FD000001>, or someone they delegated their approvals "
        "to.")
    with pytest.raises(NotDecidable) as plain:
        authority(request(level=2), (decided(1, CM),), OTHER, 2, HOLDERS, (), NOW, TODAY)
    assert refusal(plain.value, translator("en-US"), asking=True) == (
        "Only those who decide level 2 ask the requester for more: the finance director: "
        "<@U0FD000001>, or someone they delegated their approvals to.")
