"""Import and exposure benchmarks (issue: data foundation).

    python -m tests.bench.bench_import [--rows N]

Runs on SQLite, and on PostgreSQL too when CREDITBOT_TEST_POSTGRES_URL is set. For each:
  * baseline: the same invoice rows written by the driver's own bulk path into the
    same table (executemany for SQLite, COPY ... FROM STDIN for PostgreSQL);
  * the importer in this process, like the baseline: first load, then re-import;
  * `creditbot import invoices` as a separate process: wall time and peak memory;
  * exposure and aging for one customer with 10,000 open invoices, and for the whole
    portfolio (20,000 customers / all invoices).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import re
import statistics
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from bot.config import load_config
from domain.imports import KINDS
from domain.positions import CreditPolicyContext, customer_position, portfolio_positions
from storage.csv_source import CsvFile
from storage.db import make_engine, upgrade
from storage.importer import CsvImporter
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.bench.datagen import AS_OF, BIG_CUSTOMER, ROOT, customers_file, invoices_file, rates_file

COLUMNS = ("invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency",
           "open_amount", "order_id", "status")


def creditbot(url: str, *args: str) -> tuple[float, float]:
    """Runs the real CLI; returns (seconds, peak RSS of that one process in MB)."""
    env = {**os.environ, "DATABASE_URL": url, "CREDITBOT_CONFIG": str(ROOT / "app.yaml")}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # VmHWM is the peak of the process's own address space since exec; ru_maxrss would
    # also count the parent's pages the child shared between fork and exec.
    peak_kb = 0
    while child.poll() is None:
        with contextlib.suppress(OSError, AttributeError):
            status = Path(f"/proc/{child.pid}/status").read_text()
            peak_kb = max(peak_kb, int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"creditbot {' '.join(args)} failed:\n{child.stderr.read().decode()}")
    child.stderr.close()
    return seconds, peak_kb / 1024


def baseline_sqlite(engine, path: Path) -> float:
    """csv.reader -> executemany, amounts scaled to the column's integer storage form."""
    start = time.perf_counter()
    with engine.begin() as conn, path.open(newline="") as handle:
        raw = conn.connection.driver_connection
        rows = csv.reader(handle)
        next(rows)
        sql = f"INSERT INTO invoices ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * 9)})"
        scale = Decimal(10_000)
        raw.executemany(sql, ((r[0], r[1], r[2], r[3], int(Decimal(r[4]) * scale), r[5],
                               int(Decimal(r[6]) * scale), r[7], r[8]) for r in rows))
    return time.perf_counter() - start


def baseline_postgres(engine, path: Path) -> float:
    """COPY straight from the file: the server parses the CSV, nothing is checked."""
    start = time.perf_counter()
    with engine.begin() as conn, path.open("rb") as handle:
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY invoices ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    return time.perf_counter() - start


def import_in_process(engine, path: Path) -> float:
    """The importer alone, like the baseline: no interpreter or library start-up."""
    start = time.perf_counter()
    with CsvFile(path) as source:
        report = CsvImporter(engine).run(KINDS["invoices"], source)
    assert report.committed and report.rejected == 0
    return time.perf_counter() - start


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench(name: str, url: str, rows: int) -> None:
    invoices = invoices_file(rows)
    engine = make_engine(url, create=True)  # a new SQLite file
    upgrade(engine)
    creditbot(url, "import", "customers", str(customers_file()))
    creditbot(url, "import", "rates", str(rates_file()))
    baseline = (baseline_sqlite if name == "sqlite" else baseline_postgres)(engine, invoices)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM invoices"))
    if name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE invoices"))
    first = import_in_process(engine, invoices)
    again = import_in_process(engine, invoices)
    cli_seconds, cli_mb = creditbot(url, "import", "invoices", str(invoices))

    config = load_config(ROOT / "app.yaml")
    ctx = CreditPolicyContext(config.organisation.base_currency, config.aging.buckets)
    work = SqlUnitOfWork(unit_of_work_factory(engine))

    def one() -> None:
        with work:
            _, position = customer_position(work, BIG_CUSTOMER, AS_OF, ctx)
            assert position.invoice_count == 10_000

    def everyone() -> None:
        with work:
            assert len(portfolio_positions(work, AS_OF, ctx)) == 20_000

    one_s, all_s = timed(one, 9), timed(everyone, 3)
    print(f"\n[{name}] {rows:,} invoice rows ({invoices.stat().st_size / 1e6:.0f} MB CSV)")
    print(f"  baseline driver bulk path : {baseline:7.2f} s  {rows / baseline:10,.0f} rows/s")
    print(f"  importer, new rows        : {first:7.2f} s  {rows / first:10,.0f} rows/s  "
          f"= {first / baseline:.2f}x baseline")
    print(f"  importer, re-import       : {again:7.2f} s  {rows / again:10,.0f} rows/s  "
          f"= {again / baseline:.2f}x baseline")
    print(f"  `creditbot import` process: {cli_seconds:7.2f} s wall (re-import, start-up "
          f"included), peak RSS {cli_mb:.0f} MB")
    print(f"  exposure+aging, 1 customer with 10,000 open invoices: {one_s * 1000:7.1f} ms "
          "(median of 9)")
    print(f"  exposure+aging, portfolio of 20,000 customers      : {all_s * 1000:7.1f} ms "
          "(median of 3)")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scratch = ROOT / "bench-data"
    db = scratch / f"bench-{uuid.uuid4().hex[:8]}.db"
    try:
        bench("sqlite", f"sqlite:///{db}", args.rows)
    finally:
        # With the lock files creditbot keeps beside an SQLite database.
        for suffix in ("", "-wal", "-shm", ".upgrading", ".writers"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    pg = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
    if pg:
        from sqlalchemy.engine import make_url

        name = f"creditbot_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            bench("postgresql", make_url(pg).set(database=name).render_as_string(False),
                  args.rows)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


if __name__ == "__main__":
    main()
