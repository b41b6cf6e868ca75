"""The deadlines job on SQLite and PostgreSQL: several schedulers running it at the same
moment (a handover, a run started by hand) remind, escalate and announce a temporary
limit's end once between them: one mark, one audit entry, one message each."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select

from domain.access import CreditDataAccess
from domain.approvals.context import Roster
from domain.approvals.deadlines import Deadlines, Overdue, Reverted
from domain.approvals.filing import Filing
from domain.approvals.model import Level, Outcome, RequestKind
from domain.approvals.policy import DEFAULT_POLICIES, ApprovalPolicy, Band, KindPolicy
from domain.approvals.ports import RequestChange
from domain.approvals.use_cases import CreditRequests
from domain.lookup import normalize_name
from domain.messages import OutgoingMessage
from domain.ports import Outbox
from storage.models import AuditRow, CustomerRow, DeadlineMarkRow, OutboxRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
REP, OWNER, CM, FD = "U0REP00001", "U0OWNER001", "U0CM000001", "U0FD000001"
ROSTER = Roster({"sales": [REP], "credit_manager": [CM], "finance_director": [FD]})
ESCALATING = KindPolicy((Band(None, (Level("credit_manager", 24,
                                           escalate_to="finance_director"),)),))
POLICY = ApprovalPolicy("USD", {**DEFAULT_POLICIES, RequestKind.LIMIT_INCREASE: ESCALATING,
                                RequestKind.TEMPORARY_LIMIT: ESCALATING})
RUNS = 6


class Messages:
    """Notices that queue one plain message per change, so the outbox counts them."""

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        outbox.add(OutgoingMessage(channel=CM, kind="test.notice",
                                   text=f"{change.happened} {change.request.id}"))

    def overdue(self, outbox: Outbox, overdue: Overdue) -> None:
        outbox.add(OutgoingMessage(channel=CM, kind="test.overdue",
                                   text=f"overdue {overdue.request.id}"))

    def reverted(self, outbox: Outbox, reverted: Reverted) -> str | None:
        outbox.add(OutgoingMessage(channel=OWNER, kind="test.reverted",
                                   text=f"ended {reverted.change.id}"))
        return OWNER


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), [
            {"customer_id": cid, "name": cid, "name_key": normalize_name(cid),
             "currency": "USD", "credit_limit": Decimal(20_000), "payment_terms_days": 30,
             "owner_slack_id": OWNER} for cid in ("C1", "C2")])


def count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)  # type: ignore[arg-type]
                                .where(*where)).scalar_one())


def all_at_once(engine: Engine, at: datetime) -> list[dict[str, int]]:
    sessions = unit_of_work_factory(engine)
    start = threading.Barrier(RUNS)
    results: list[object] = []

    def run() -> None:
        deadlines = Deadlines(lambda: SqlUnitOfWork(sessions), POLICY, ROSTER, lambda: at,
                              ZONE, Messages(), Messages())
        start.wait()
        try:
            results.append(deadlines.run())
        except BaseException as problem:  # asserted below
            results.append(problem)

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(r, dict) for r in results), results
    return results  # type: ignore[return-value]


def total(results: list[dict[str, int]], key: str) -> int:
    return sum(r[key] for r in results)


def test_schedulers_running_at_once_act_once(engine):
    seed(engine)
    sessions = unit_of_work_factory(engine)
    requests = CreditRequests(lambda: SqlUnitOfWork(sessions), CreditDataAccess(), POLICY,
                              ROSTER, lambda: NOW, ZONE)
    rep = ROSTER.member(REP)
    waiting = requests.file(rep, Filing("C1", RequestKind.LIMIT_INCREASE, "x", "30000"))
    temporary = requests.file(rep, Filing("C2", RequestKind.TEMPORARY_LIMIT, "x", "30000",
                                          expires_on=date(2026, 12, 15)))
    requests.decide(ROSTER.member(CM), temporary.id, 1, Outcome.APPROVED)

    reminded = all_at_once(engine, NOW + timedelta(hours=21))
    assert total(reminded, "reminded") == 1
    escalated = all_at_once(engine, NOW + timedelta(hours=25))
    assert (total(escalated, "escalated"), total(escalated, "reminded")) == (1, 0)
    # Still undecided a fortnight on: the escalated level's overdue reminder of the day
    # too, once whatever the number of schedulers.
    reverted = all_at_once(engine, datetime(2026, 12, 16, 2, tzinfo=UTC))
    assert (total(reverted, "reverted"), total(reverted, "reminded")) == (1, 1)
    for action, times in (("requests.reminded", 2), ("requests.escalated", 1),
                          ("limits.reverted", 1)):
        assert count(engine, AuditRow.__table__, AuditRow.action == action) == times, action
    assert count(engine, DeadlineMarkRow.__table__) == 4
    # Reminded, escalated and overdue (whose notice deals cards to deciders who have
    # none): each once.
    with engine.connect() as conn:
        noticed = sorted(conn.execute(select(OutboxRow.__table__.c.payload).where(
            OutboxRow.kind == "test.notice")).scalars(), key=str)
    assert [n["text"] for n in noticed] == [
        f"escalated {waiting.id}", f"overdue {waiting.id}", f"reminded {waiting.id}"]
    assert count(engine, OutboxRow.__table__, OutboxRow.kind == "test.reverted") == 1
    with engine.connect() as conn:
        keys = sorted(conn.execute(select(DeadlineMarkRow.__table__.c.key)).scalars())
    assert keys == [f"escalate:{waiting.id}:1", f"overdue:{waiting.id}:1:15",
                    f"remind:{waiting.id}:1", "revert:1"]
