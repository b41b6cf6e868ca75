"""The customers' read with the payment terms in force (``storage.repositories.
customers``: one correlated look-up of ``terms_changes`` per customer), beside the bare
read of the same rows, in one process on bench_alerts' SQLite database (20,000
customers; loaded by ``python -m tests.bench.bench_alerts`` on first use). Every scan of
the portfolio (alerts, `creditbot portfolio`) reads all customers this way once.

    python -m tests.bench.bench_customer_reads [--repeat 7] [--approved 2000]

``--approved N`` first approves terms for N customers (in a copy of the database)."""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from storage.db import make_engine, upgrade
from storage.models import CustomerRow
from storage.repositories.customers import to_customer
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

SOURCE = Path("/tmp/bench_alerts/scan.db")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--approved", type=int, default=0)
    args = parser.parse_args()
    if not SOURCE.exists():
        raise SystemExit(f"{SOURCE} is missing: run python -m tests.bench.bench_alerts first")
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "copy.db"
        shutil.copy(SOURCE, path)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        if args.approved:
            _approve(path, args.approved)
        table = CustomerRow.__table__
        bare, terms = [], []
        for _ in range(args.repeat):
            # Both through a unit of work's connection, as the scan reads them.
            with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
                connection = uow.session.connection()
                started = time.perf_counter()
                rows = [to_customer(r) for r in connection.execute(
                    select(table).order_by(table.c.customer_id))]
                bare.append(time.perf_counter() - started)
                started = time.perf_counter()
                read = uow.customers.fetch()
                terms.append(time.perf_counter() - started)
        assert len(rows) == len(read)
        changed = sum(1 for c in read if c.erp_terms_days is not None)
        low, high = statistics.median(bare), statistics.median(terms)
        print(f"customers {len(read):,}, approved terms in force {changed:,}, medians of "
              f"{args.repeat}: bare read {low * 1000:.1f} ms, with the terms in force "
              f"{high * 1000:.1f} ms ({high / low:.2f}x)")


def _approve(path: Path, count: int) -> None:
    """Terms approved for ``count`` customers, each on its ERP terms: in force. The
    requests they name are left out: written with the driver alone, foreign keys off."""
    now = datetime.now(UTC).isoformat(sep=" ")
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        terms = conn.execute("SELECT customer_id, payment_terms_days FROM customers "
                             "ORDER BY customer_id LIMIT ?", (count,)).fetchall()
        conn.executemany(
            "INSERT INTO terms_changes (customer_id, request_id, terms_days, "
            "previous_terms_days, effective_at, approved_by) VALUES (?, ?, ?, ?, ?, 'U0')",
            [(cid, i + 1, days + 30, days, now) for i, (cid, days) in enumerate(terms)])


if __name__ == "__main__":
    main()
