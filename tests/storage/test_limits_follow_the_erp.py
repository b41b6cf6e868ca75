"""An approved limit stands on the ERP limit it replaced, on SQLite and PostgreSQL, in
the unit of work's store and in the check's own reads alike: once the ERP exports
another limit (higher or lower), the ERP's is the record again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import update

from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind
from storage.check_reads import SqlCheckReads
from storage.models import CustomerRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.storage.test_approved_limits import CM, REP, ROSTER, usd, world

TODAY = date(2026, 11, 30)


def in_force(engine) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        stored = {cid: c.limit for cid, c in
                  uow.credit_requests.effective_limits(["C1", "C2"], TODAY).items()}
        every = {cid: c.limit for cid, c in
                 uow.credit_requests.effective_limits(None, TODAY).items()}
    with SqlCheckReads(engine)() as read:
        read.version()
        reads = {cid: c.limit for cid, c in
                 read.effective_limits(["C1", "C2"], TODAY).items()}
    assert stored == every == reads
    return stored


def erp_limit(engine, amount: str, currency: str = "USD") -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as conn:
        conn.execute(update(CustomerRow.__table__).where(
            CustomerRow.__table__.c.customer_id == "C1").values(
            credit_limit=Decimal(amount), currency=currency))


def test_an_approval_stands_while_the_erp_exports_the_limit_it_replaced(engine):
    requests, _, _ = world(engine)
    filed = requests.file(ROSTER.member(REP), Filing("C1", RequestKind.LIMIT_INCREASE,
                                                     "growth", amount="48000"))
    requests.decide(ROSTER.member(CM), filed.id, 1, Outcome.APPROVED)
    assert in_force(engine) == {"C1": usd("48000")}
    erp_limit(engine, "20000")            # the same limit again: the approval stands
    assert in_force(engine) == {"C1": usd("48000")}
    erp_limit(engine, "20000", "EUR")     # another currency is another limit
    assert in_force(engine) == {}
    erp_limit(engine, "20000")            # back: the approval stands on it again
    assert in_force(engine) == {"C1": usd("48000")}
    erp_limit(engine, "10000")            # lowered in the ERP: the ERP's is the record
    assert in_force(engine) == {}
