"""The collections store on SQLite and PostgreSQL: every record comes back exactly
(hostile text included), one open assignment per customer whoever writes it, a stale
version is refused and writes nothing, and the lists a collector's day reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    CollectionChanged,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.money import Money
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
HOSTILE = "<!channel> *x* 逾期 \u202e'; DROP TABLE collection_assignments; --"


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def assignment(customer: str = "C1", collector: str = "U0COLLECT1") -> Assignment:
    return Assignment(customer, collector, AssignmentStatus.OPEN, "U0MANAGER1", NOW,
                      next_action_on=TODAY + timedelta(days=2))


def test_an_assignment_comes_back_exactly_and_is_found_by_customer_and_collector(engine):
    with uow(engine) as work:
        first = work.collections.add_assignment(assignment("C1"))
        second = work.collections.add_assignment(assignment("C2", "U0COLLECT2"))
        work.commit()
    assert (first.version, second.version) == (1, 1)
    assert first.id != second.id
    with uow(engine) as work:
        assert work.collections.open_assignment("C1") == first
        assert work.collections.open_assignment("C3") is None
        assert work.collections.open_assignments() == [first, second]
        assert work.collections.open_assignments("U0COLLECT2") == [second]
        assert work.collections.open_assignments(customer_ids=["C2", "C9"]) == [second]
        assert work.collections.open_assignments(customer_ids=[]) == []


def test_one_open_assignment_per_customer_but_a_closed_one_does_not_count(engine):
    with uow(engine) as work:
        first = work.collections.add_assignment(assignment("C1"))
        work.commit()
    with uow(engine) as work, pytest.raises(CollectionChanged):
        work.collections.add_assignment(assignment("C1", "U0COLLECT2"))
    with uow(engine) as work:
        closed = work.collections.save_assignment(dataclasses.replace(
            first, status=AssignmentStatus.CLOSED, closed_at=NOW, closed_by="U0MANAGER1"))
        again = work.collections.add_assignment(assignment("C1", "U0COLLECT2"))
        work.commit()
    assert closed.version == 2
    with uow(engine) as work:
        assert work.collections.open_assignment("C1") == again
        assert work.collections.open_assignments() == [again]


def test_a_stale_version_is_refused_and_writes_nothing(engine):
    with uow(engine) as work:
        stored = work.collections.add_assignment(assignment())
        work.commit()
    with uow(engine) as work:
        moved = work.collections.save_assignment(
            dataclasses.replace(stored, collector="U0COLLECT2"))
        work.commit()
    assert moved.version == 2
    with uow(engine) as work, pytest.raises(CollectionChanged):
        work.collections.save_assignment(dataclasses.replace(
            stored, collector="U0COLLECT3", status=AssignmentStatus.PROMISED))
    with uow(engine) as work:
        assert work.collections.open_assignment("C1") == moved


def test_actions_come_back_newest_first_with_hostile_text(engine):
    with uow(engine) as work:
        older = work.collections.add_action(CollectionAction(
            "C1", ActionKind.CALL, HOSTILE, "U0COLLECT1", NOW - timedelta(hours=3),
            TODAY + timedelta(days=1)))
        newer = work.collections.add_action(CollectionAction(
            "C1", ActionKind.NOTE, "left a voicemail", "U0COLLECT1", NOW))
        work.collections.add_action(CollectionAction(
            "C2", ActionKind.EMAIL, "sent statement", "U0COLLECT2", NOW))
        work.commit()
    with uow(engine) as work:
        assert work.collections.actions("C1") == [newer, older]
        assert work.collections.actions("C1", limit=1) == [newer]
        assert older.outcome == HOSTILE
        # All told, beyond any limit (the history counts those it did not read).
        assert (work.collections.action_count("C1"), work.collections.action_count("C2"),
                work.collections.action_count("C9")) == (2, 1, 0)


def test_promises_due_are_the_open_ones_on_or_before_the_day(engine):
    def promise(due: date, state: PromiseState = PromiseState.OPEN) -> Promise:
        return Promise("C1", Money(Decimal("12345.6789"), "CNY"), due, ("INV-1", HOSTILE),
                       state, "U0COLLECT1", NOW)
    with uow(engine) as work:
        late = work.collections.add_promise(promise(TODAY - timedelta(days=1)))
        today = work.collections.add_promise(promise(TODAY))
        work.collections.add_promise(promise(TODAY + timedelta(days=1)))
        kept = work.collections.add_promise(promise(TODAY - timedelta(days=5),
                                                    PromiseState.KEPT))
        work.commit()
    with uow(engine) as work:
        assert work.collections.promises_due(TODAY) == [late, today]
        assert len(work.collections.promises("C1")) == 4
        assert kept in work.collections.promises("C1")
        checked = work.collections.save_promise(dataclasses.replace(
            late, state=PromiseState.BROKEN, checked_at=NOW))
        work.commit()
    with uow(engine) as work:
        assert work.collections.promises_due(TODAY) == [today]
        assert checked in work.collections.promises("C1")
        with pytest.raises(CollectionChanged):
            work.collections.save_promise(dataclasses.replace(late, state=PromiseState.KEPT))


def test_what_was_paid_before_a_promise_comes_back_in_each_currency_as_paid(engine):
    from alembic import command
    from sqlalchemy import update

    from storage.db import alembic_config, upgrade
    from storage.models import PromiseRow

    paid = (Money(Decimal("100000.0000"), "EUR"), Money(Decimal("12.3400"), "USD"))
    promise = Promise("C1", Money(Decimal(500), "USD"), TODAY, (), PromiseState.OPEN,
                      "U0COLLECT1", NOW, paid_before=paid)
    with uow(engine) as work:
        made = work.collections.add_promise(promise)
        work.commit()
    with uow(engine) as work:
        assert work.collections.promises("C1") == [made]
        assert made.paid_before == paid
    # One made before the currencies were kept: its figure, converted then, stands.
    command.downgrade(alembic_config(engine), "0036")
    with engine.begin() as conn:
        conn.execute(update(PromiseRow.__table__).values(paid_before=Decimal(75)))
    upgrade(engine)
    with uow(engine) as work:
        [old] = work.collections.promises("C1")
        assert (old.paid_before, old.paid_before_converted) == ((), Decimal(75))
        # Saved again (checked), it stays as it was made.
        work.collections.save_promise(dataclasses.replace(old, state=PromiseState.KEPT))
        work.commit()
    with uow(engine) as work:
        [again] = work.collections.promises("C1")
        assert (again.paid_before, again.paid_before_converted) == ((), Decimal(75))


def test_disputes_and_legal_cases_round_trip_and_resolve(engine):
    with uow(engine) as work:
        dispute = work.collections.add_dispute(Dispute(
            "C1", ("INV-7",), HOSTILE, "logistics", "U0LOGIST01", "U0COLLECT1", NOW))
        case = work.collections.add_legal_case(LegalCase("C2", "U0COLLECT1", NOW, HOSTILE))
        work.commit()
    with uow(engine) as work:
        assert work.collections.open_disputes() == [dispute]
        assert work.collections.open_disputes(["C2"]) == []
        assert work.collections.disputes("C1") == [dispute]
        assert work.collections.legal_cases("C2") == [case]
        resolved = work.collections.save_dispute(dataclasses.replace(
            dispute, resolved_at=NOW + timedelta(days=3), resolved_by="U0LOGIST01",
            outcome="credit note issued"))
        ended = work.collections.save_legal_case(dataclasses.replace(
            case, outcome="settled", closed_at=NOW + timedelta(days=9)))
        work.commit()
    with uow(engine) as work:
        assert work.collections.open_disputes() == []
        assert work.collections.disputes("C1") == [resolved]
        assert work.collections.legal_cases("C2") == [ended]
        assert not ended.is_open and not resolved.is_open


def test_what_the_alerts_job_leaves_alone_the_last_closing_and_legal_cases(engine):
    def closed(a: Assignment, at: datetime) -> Assignment:
        return dataclasses.replace(a, status=AssignmentStatus.CLOSED, closed_at=at,
                                   closed_by="U0MANAGER1")

    with uow(engine) as work:
        for cid in ("C1", "C2"):
            work.collections.save_assignment(closed(
                work.collections.add_assignment(assignment(cid)), NOW - timedelta(days=5)))
        work.collections.save_assignment(closed(
            work.collections.add_assignment(assignment("C1")), NOW))
        work.collections.add_assignment(assignment("C2"))  # assigned again: not left alone
        work.collections.add_assignment(assignment("C3"))
        work.collections.add_legal_case(LegalCase("C4", "U0COLLECT1", NOW))
        work.collections.add_legal_case(LegalCase("C4", "U0COLLECT1", NOW, outcome="paid",
                                                  closed_at=NOW))
        work.collections.add_legal_case(LegalCase("C5", "U0COLLECT1", NOW))
        work.commit()
    with uow(engine) as work:
        assert work.collections.last_closed() == {"C1": NOW}
        assert work.collections.with_legal_case() == {"C4", "C5"}
