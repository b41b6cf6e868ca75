"""Limits creditbot approved count wherever a limit is read, on SQLite and PostgreSQL:
a check remembered before the approval shows the new limit at once (the data version
moves with the limit change), a temporary limit holds through its last day and the ERP's
limit is back the day after, and positions, groups and the portfolio count it too."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert

from domain.access import CreditDataAccess
from domain.aging import AgingBuckets
from domain.approvals.context import Roster
from domain.approvals.filing import Filing
from domain.approvals.model import ChangeKind, Outcome, RequestKind
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.use_cases import CreditRequests
from domain.check import CreditChecks, CustomerCheck, GroupCheck
from domain.lookup import normalize_name
from domain.money import Money
from domain.positions import (
    CreditPolicyContext,
    customer_position,
    group_position,
    portfolio_positions,
)
from domain.refs import CustomerRef
from storage.check_reads import SqlCheckReads
from storage.models import CustomerRow, InvoiceRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

ZONE = ZoneInfo("Asia/Shanghai")
REP, CM = "U0REP00001", "U0CM000001"
ROSTER = Roster({"sales": [REP], "credit_manager": [CM]})
CTX = CreditPolicyContext("USD", AgingBuckets())


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

    def __call__(self) -> datetime:
        return self.now


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), [
            {"customer_id": cid, "name": name, "name_key": normalize_name(name),
             "currency": "USD", "credit_limit": Decimal(limit), "payment_terms_days": 30,
             "group_id": "G"}
            for cid, name, limit in (("C1", "Acme", 20_000), ("C2", "Beta", 10_000))])
        conn.execute(insert(InvoiceRow.__table__), [
            {"invoice_id": "INV-1", "customer_id": "C1", "issue_date": date(2026, 11, 1),
             "due_date": date(2026, 12, 1), "amount": Decimal(15_000),
             "open_amount": Decimal(15_000), "currency": "USD", "status": "open"}])


def world(engine: Engine) -> tuple[CreditRequests, CreditChecks, Clock]:
    seed(engine)
    sessions = unit_of_work_factory(engine)
    clock = Clock()
    requests = CreditRequests(lambda: SqlUnitOfWork(sessions), CreditDataAccess(),
                              ApprovalPolicy("USD"), ROSTER, clock, ZONE)
    checks = CreditChecks(lambda: SqlUnitOfWork(sessions), CreditDataAccess(), CTX, clock,
                          ZONE, reads=SqlCheckReads(engine))
    return requests, checks, clock


def approve_temporary(requests: CreditRequests, amount: str, until: date) -> None:
    filed = requests.file(ROSTER.member(REP), Filing(
        "C1", RequestKind.TEMPORARY_LIMIT, "season", amount=amount, expires_on=until))
    requests.decide(ROSTER.member(CM), filed.id, 1, Outcome.APPROVED)


def checked(checks: CreditChecks, query: str = "acme") -> CustomerCheck:
    found = checks.check(ROSTER.member(REP), query)
    assert isinstance(found, CustomerCheck)
    return found


def test_an_approval_shows_in_the_next_check_and_ends_after_its_last_day(engine):
    requests, checks, clock = world(engine)
    before = checked(checks)
    assert (before.position.limit, before.position.available, before.approved) == (
        usd("20000"), usd("5000"), None)
    # Remembered for this data version: a second check reads no position again.
    assert checked(checks) == before
    approve_temporary(requests, "45000", date(2026, 12, 31))
    during = checked(checks)
    assert during.approved is not None
    assert (during.approved.kind, during.approved.expires_on, during.approved.limit) == (
        ChangeKind.TEMPORARY, date(2026, 12, 31), usd("45000"))
    assert (during.position.limit, during.position.available) == (usd("45000"), usd("30000"))
    # The ERP's limit stays the customer's record.
    assert during.customer.credit_limit == usd("20000")
    # By id too (a button), and a group counts its member's approved limit.
    by_ref = checks.check_ref(ROSTER.member(REP), CustomerRef("C1", "Acme"))
    assert isinstance(by_ref, CustomerCheck) and by_ref.position.limit == usd("45000")
    group = checks.check(ROSTER.member(REP), "G")
    assert isinstance(group, GroupCheck)
    assert group.position.limit == usd("55000")
    assert [m.position.limit for m in group.members] == [usd("45000"), usd("10000")]
    # Its last day, late in the evening in Shanghai: still in force.
    clock.now = datetime(2026, 12, 31, 15, 59, tzinfo=UTC)
    assert checked(checks).position.limit == usd("45000")
    # A minute later it is 1 January in Shanghai: the ERP's limit again.
    clock.now = datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    after = checked(checks)
    assert (after.position.limit, after.approved) == (usd("20000"), None)


def test_positions_groups_and_the_portfolio_count_the_approved_limit(engine):
    requests, _, clock = world(engine)
    approve_temporary(requests, "45000", date(2026, 12, 31))
    sessions = unit_of_work_factory(engine)
    today, after = date(2026, 11, 30), date(2027, 1, 1)
    with SqlUnitOfWork(sessions) as uow:
        assert customer_position(uow, "C1", today, CTX)[1].limit == usd("45000")
        assert customer_position(uow, "C1", after, CTX)[1].limit == usd("20000")
        assert group_position(uow, "G", "USD", today, CTX)[1].limit == usd("55000")
        entries = {e.customer.customer_id: e for e in portfolio_positions(uow, today, CTX)}
        later = {e.customer.customer_id: e for e in portfolio_positions(uow, after, CTX)}
    assert entries["C1"].position is not None and entries["C1"].in_base is not None
    assert (entries["C1"].position.limit, entries["C1"].in_base.limit) == (usd("45000"),
                                                                           usd("45000"))
    assert entries["C1"].approved is not None and entries["C1"].approved.request_id == 1
    assert (entries["C2"].approved, entries["C2"].in_base.limit) == (None, usd("10000"))  # type: ignore[union-attr]
    assert later["C1"].approved is None
    assert later["C1"].position.limit == usd("20000")  # type: ignore[union-attr]
    # A permanent increase approved while the temporary one runs replaces it at once.
    clock.now += timedelta(hours=1)
    filed = requests.file(ROSTER.member(REP), Filing(
        "C1", RequestKind.LIMIT_INCREASE, "growth", amount="48000"))
    requests.decide(ROSTER.member(CM), filed.id, 1, Outcome.APPROVED)
    with SqlUnitOfWork(sessions) as uow:
        assert customer_position(uow, "C1", after, CTX)[1].limit == usd("48000")


def test_the_check_reads_limits_as_the_store_does(engine):
    requests, _, _ = world(engine)
    approve_temporary(requests, "45000.12", date(2026, 12, 31))
    reads = SqlCheckReads(engine)
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow, reads() as read:
        read.version()
        for day in (date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 1)):
            assert read.effective_limits(["C1", "C2"], day) == \
                uow.credit_requests.effective_limits(["C1", "C2"], day)
        assert read.effective_limits(["C1"], date(2026, 12, 31))["C1"].limit == \
            usd("45000.12")
