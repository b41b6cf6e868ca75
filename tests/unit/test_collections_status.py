"""An account's status follows from what is open on it (legal > disputed > promised >
open); an account with legal takes no promise, dispute, second escalation or new
collector until legal records its outcome; one account changing during the collections
job does not stop the job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.access import Member
from domain.collections.model import AssignmentStatus, CollectionChanged, PromiseState
from domain.collections.reminders import CollectionsJob
from domain.collections.status import WithLegal
from domain.collections.work import CollectorsDay
from tests.fakes import FakeUnitOfWork
from tests.unit.collections_day_world import make_day, make_uow
from tests.unit.test_collections_assign import ANNA, MANAGER
from tests.unit.test_collections_assign import service as assignments_of
from tests.unit.test_collections_work import MEI, NOW, TODAY, usd

LAWYER = Member("U0LAWYER01", roles=frozenset({"legal"}))
WITH_LEGAL = "C2 is with legal (case #1 since 2026-11-30): legal records its outcome first."


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return make_uow()


@pytest.fixture
def day(uow: FakeUnitOfWork, clock: list[datetime]) -> CollectorsDay:
    return make_day(uow, clock)


def status(uow: FakeUnitOfWork, customer_id: str) -> AssignmentStatus:
    assignment = uow.collections.open_assignment(customer_id)
    assert assignment is not None
    return assignment.status


def test_a_promise_checked_during_a_dispute_leaves_the_account_disputed(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime]) -> None:
    day.promise(MEI, "C1", usd(1000), TODAY, ["I1"])
    assert status(uow, "C1") is AssignmentStatus.PROMISED
    opened = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    assert status(uow, "C1") is AssignmentStatus.DISPUTED
    # A promise made while the dispute is open does not hide it either (it replaces the
    # first, which named the same invoice).
    day.promise(MEI, "C1", usd(100), TODAY + timedelta(days=1), ["I1"])
    assert status(uow, "C1") is AssignmentStatus.DISPUTED
    clock[0] = NOW + timedelta(days=10)  # the promise broken: I1 is still open
    assert CollectionsJob(day).run().broken == 1
    assert status(uow, "C1") is AssignmentStatus.DISPUTED
    day.resolve_dispute(MEI, opened.id, "C1", "credit note issued")
    assert status(uow, "C1") is AssignmentStatus.OPEN


def test_resolving_the_dispute_returns_to_the_open_promise(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    opened = day.dispute(MEI, "C1", ["I2"], "wrong price", "sales", "U0SALES001")
    day.promise(MEI, "C1", usd(1000), TODAY + timedelta(days=5), ["I1"])
    day.resolve_dispute(MEI, opened.id, "C1", "price corrected")
    assert status(uow, "C1") is AssignmentStatus.PROMISED


def test_an_account_with_legal_takes_no_promise_dispute_escalation_or_collector(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    day.escalate_to_legal(MEI, "C2", "ignores us")
    assert status(uow, "C2") is AssignmentStatus.ESCALATED
    written = (len(uow.collections.promises("C2")), len(uow.collections.disputes("C2")),
               len(uow.collections.legal_cases("C2")), len(uow.audit.entries))
    for attempt in (
            lambda: day.promise(LAWYER, "C2", usd(1000), TODAY + timedelta(days=5), ["I3"]),
            # The form's own check too (a form with a wrong date): legal first, not the
            # invoices and amount to be put right for nothing.
            lambda: day.promise_problems(LAWYER, "C2", usd(1000), ["NOPE"]),
            lambda: day.dispute(LAWYER, "C2", ["I3"], "quality", "sales", None),
            lambda: day.escalate_to_legal(LAWYER, "C2", "again"),
            lambda: assignments_of(uow).assign(MANAGER, "C2", ANNA)):
        with pytest.raises(WithLegal) as refused:
            attempt()
        assert str(refused.value) == WITH_LEGAL
    assert (len(uow.collections.promises("C2")), len(uow.collections.disputes("C2")),
            len(uow.collections.legal_cases("C2")), len(uow.audit.entries)) == written
    moved = uow.collections.open_assignment("C2")
    assert moved is not None and (moved.status, moved.collector) == (
        AssignmentStatus.ESCALATED, LAWYER.user_id)
    # Legal's outcome ends it; the account can be assigned again.
    day.record_legal_outcome(LAWYER, "C2", "settled")
    assert assignments_of(uow).assign(MANAGER, "C2", ANNA).assignment.collector == ANNA


def test_an_account_changing_during_the_job_is_retried_then_skipped_and_the_job_goes_on(
        day: CollectorsDay, uow: FakeUnitOfWork, clock: list[datetime],
        monkeypatch: pytest.MonkeyPatch) -> None:
    day.promise(MEI, "C1", usd(1000), TODAY, ["I1"])
    day.promise(MEI, "C2", usd(1000), TODAY, ["I3"])
    day.promise(MEI, "C3", usd(100), TODAY, ["I4"])
    save = uow.collections.save_assignment
    conflicts = {"C1": 1, "C2": 99}  # C1: once (a collector acting); C2: every time

    def busy(assignment):  # type: ignore[no-untyped-def]
        if conflicts.get(assignment.customer_id, 0) > 0:
            conflicts[assignment.customer_id] -= 1
            uow.rollback()
            raise CollectionChanged("assignment")
        return save(assignment)

    monkeypatch.setattr(uow.collections, "save_assignment", busy)
    clock[0] = NOW + timedelta(days=10)
    counts = CollectionsJob(day).run()
    assert (counts.broken, counts.skipped) == (2, 1)
    assert counts.as_dict()["promises_skipped"] == 1
    states = {cid: uow.collections.promises(cid)[0].state for cid in ("C1", "C2", "C3")}
    assert states == {"C1": PromiseState.BROKEN, "C2": PromiseState.OPEN,
                      "C3": PromiseState.BROKEN}
    monkeypatch.setattr(uow.collections, "save_assignment", save)
    assert CollectionsJob(day).run().broken == 1  # C2, on the next run
