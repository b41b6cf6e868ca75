"""The collector's day world of tests/unit/test_collections_work.py (three customers
collected by Mei, a lead, a lawyer, legal and sales channels) as plain functions, for
test modules that declare their own fixtures from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.collections.day import WorkPolicy
from domain.collections.model import Assignment, AssignmentStatus
from domain.collections.work import CollectorsDay
from tests.fakes import FakeUnitOfWork
from tests.unit.test_collections_work import LEAD, MEI, NOW, Notices, customer, invoice


def make_uow() -> FakeUnitOfWork:
    customers = [customer(c) for c in ("C1", "C2", "C3")]
    invoices = [invoice("I1", "C1", 10, 1000), invoice("I2", "C1", 100, 500),
                invoice("I3", "C2", 60, 20_000), invoice("I4", "C3", 5, 100)]
    work = FakeUnitOfWork(customers, invoices)
    for cid in ("C1", "C2", "C3"):
        work.collections.add_assignment(Assignment(cid, MEI.user_id, AssignmentStatus.OPEN,
                                                   "rules", NOW - timedelta(days=1)))
    work.commit()
    return work


def make_day(uow: FakeUnitOfWork, clock: list[datetime]) -> CollectorsDay:
    return CollectorsDay(uow, CreditDataAccess(), WorkPolicy(lead=LEAD.user_id, grace_days=2,
                                                             stale_after_days=14),
                         AgingBuckets(), "USD", lambda: clock[0], UTC, Notices(),
                         {"legal": "C0LEGAL001", "sales": "C0SALES001"},
                         legal_owner="U0LAWYER01",
                         people=lambda user: Member(user, departments=frozenset(
                             {"sales"} if user == "U0SALES001" else ()),
                             roles=frozenset({"collector"} if user == MEI.user_id else ())))

