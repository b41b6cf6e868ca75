"""Two schedulers running the collections job at the same moment (threads, one database,
SQLite and PostgreSQL): each nudge, flag and promise verdict is written once. The two
runs are made to meet right after each looked for a nudge's message, so both saw none
and both go on to mark the accounts reminded: one of them finds them changed (on
PostgreSQL; SQLite's write lock lets one run in at a time)."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, insert, select

from domain.collections.day import WorkPolicy
from domain.collections.reminders import CollectionsJob
from storage.models import AuditRow, OutboxRow, PromiseRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.storage.test_collect_worklist import NOW, TODAY, day_of, seed

LEAD = "U0LEAD00001"


@pytest.mark.xdist_group("timing")
def test_two_runs_at_once_write_each_message_once(engine: Engine) -> None:
    seed(engine, 20)  # accounts 0 and 10 have today as their next-action date
    with engine.begin() as conn:
        conn.execute(insert(PromiseRow), [
            {"customer_id": f"C{n:05}", "amount": Decimal(100), "currency": "USD",
             "due_on": TODAY - timedelta(days=10), "invoice_ids": [], "state": "open",
             "made_by": "U04COLLECT1", "made_at": NOW - timedelta(days=20), "version": 1}
            for n in (1, 2)])
    meeting = threading.Barrier(2, timeout=5)
    # SQLite: one writer at a time; a run held at the meeting with the write lock would
    # keep the other from ever getting there.
    racing = engine.dialect.name == "postgresql"
    sessions = unit_of_work_factory(engine)

    class Racing(SqlUnitOfWork):
        def __enter__(self) -> Racing:
            super().__enter__()
            looked_up = self.outbox.id_of

            def id_of(key: str) -> int | None:
                found = looked_up(key)
                if key.startswith("collections.nudge") and racing:
                    with contextlib.suppress(threading.BrokenBarrierError):
                        meeting.wait()
                return found

            self.outbox.id_of = id_of  # type: ignore[method-assign]
            return self

    day = dataclasses.replace(day_of(engine), unit_of_work=lambda: Racing(sessions),
                              policy=WorkPolicy(lead=LEAD, stale_after_days=2))
    start = threading.Barrier(2)
    counts = []

    def run() -> None:
        start.wait()
        counts.append(CollectionsJob(day).run())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(counts) == 2  # neither run failed
    assert sum(c.nudged for c in counts) == 2
    assert sum(c.flagged for c in counts) == 20
    assert sum(c.broken for c in counts) == 2
    with engine.connect() as conn:
        audited = dict(conn.execute(select(AuditRow.action, func.count()).group_by(
            AuditRow.action)).all())
        queued = conn.execute(select(func.count()).select_from(OutboxRow)).scalar()
    assert audited == {"collections.nudged": 2, "collections.flagged_stale": 20,
                       "collections.promise_broken": 2}
    # One reminder for the collector's two accounts due today, one message to the lead
    # for the 20 stale accounts, and the broken promises told to the collector (no owner
    # on record).
    assert queued == 1 + 1 + 2
    with engine.connect() as conn:
        [reminder] = conn.execute(select(OutboxRow.payload).where(
            OutboxRow.kind == "collections.nudge")).scalars().all()
    assert reminder["text"] == (
        ":alarm_clock: Next steps are due on 2 of your accounts:\n"
        "• *Customer 0* (C00000): due Nov 30, 2026\n"
        "• *Customer 10* (C00010): due Nov 30, 2026\n"
        "`/credit collect` lists them first.")
