"""The collection metrics and the provision matrix over the whole portfolio (issue:
Collections, Performance).

    python -m tests.bench.bench_reports [--only sqlite|postgresql] [--repeat N]

20,000 customers and 1,000,000 invoices (datagen's data set, as bench_serve loads it),
plus a payment for every paid invoice (about 297,000, dated 0-60 days after the
invoice's issue, never after the data's date) so that AR at past month ends is rebuilt
from real rows, and 5,000 customers assigned to 10 collectors. Databases of this
benchmark's own: /tmp/bench_reports/reports.db and the PostgreSQL database
``bench_reports`` when CREDITBOT_TEST_POSTGRES_URL is set; loaded on first use.

Each repetition, in one process and back to back:
  * baseline: the bare SQL aggregate of the portfolio, ``SELECT customer_id, currency,
    sum(open_amount) … GROUP BY customer_id, currency`` over the open invoices, text
    SQL, every row fetched, in the server's settings;
  * report: ``Reports.portfolio(as_of)`` as ``bot.wiring.build_reports`` builds it from
    the repository's app.yaml (months 3, so 12 months of sales and 4 month ends of AR):
    the metrics of the portfolio and of every collector, the DSO trend, the provision
    matrix and every customer's allowance, converted to the base currency;
  * the baseline again with the work_mem the report gives its series' groupings
    (storage.reports.GROUPING_WORK_MEM), shown beside: on PostgreSQL it is slower so
    (hashed in memory rather than sorted in parallel), so the ratio is against the
    faster, the server's own.
Times are wall-clock (perf_counter) and this process's CPU (process_time: on SQLite all
of the work, on PostgreSQL the client's only); the medians of the repetitions; the ratio
is report / baseline, both from the same run. Memory: peak RSS growth during each step
(VmHWM reset through /proc/self/clear_refs, minus VmRSS before; the largest over the
repetitions) and, in one more untimed repetition, the Python heap's peak (tracemalloc).
The report's customers with an allowance must be exactly the baseline's customers (every
rate in app.yaml is above 0), or the benchmark stops. The time of each of the report's
statements follows.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.wiring import build_reports
from domain.reports.use_cases import PortfolioReport, Reports
from storage import reports as report_storage
from storage.db import make_engine
from storage.reports import GROUPING_WORK_MEM
from tests.bench.bench_alerts import (
    drop_postgres_database,
    heap_peak,
    measured,
    postgres_database,
    services_for,
)
from tests.bench.bench_serve import cli, load
from tests.bench.datagen import AS_OF, DATA, ROOT, _invoices

WORK = Path("/tmp/bench_reports")
DATABASE = "bench_reports"
GOAL_RATIO = 2.0
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
COLLECTORS = 10
ASSIGNED = 5_000

BARE = text("""
    SELECT customer_id, currency, sum(open_amount) AS open_amount
    FROM invoices
    WHERE status IN ('open', 'disputed') AND open_amount > 0
    GROUP BY customer_id, currency
""")


def payments_file() -> Path:
    """A payment for every paid invoice of datagen's million (same seed, same rows)."""
    path = DATA / "payments-1000000.csv"
    if path.exists():
        return path
    rng = random.Random(3)
    DATA.mkdir(exist_ok=True)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["payment_id", "customer_id", "date", "amount", "currency",
                      "invoice_id"])
        for invoice_id, customer, issue, _due, amount, currency, _open, _o, status \
                in _invoices(1_000_000, 20_000):
            if status != "paid":
                continue
            day = min(AS_OF, datetime.fromisoformat(str(issue)).date()
                      + timedelta(days=rng.randint(0, 60)))
            out.writerow([f"P{invoice_id}", customer, day.isoformat(), amount, currency,
                          invoice_id])
    return path


def _add_collections(url: str) -> None:
    """Payments imported; ``ASSIGNED`` customers assigned to ``COLLECTORS`` collectors."""
    cli(url, "import", "payments", str(payments_file()))
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM collection_assignments"))
        conn.execute(text(
            "INSERT INTO collection_assignments (customer_id, collector, status, "
            "assigned_by, assigned_at, version) VALUES (:c, :who, 'open', 'U0BENCH0001', "
            ":at, 0)"), [
            {"c": f"C{n:05d}", "who": f"U0COLLECT{n % COLLECTORS:02d}", "at": NOW}
            for n in range(1, ASSIGNED + 1)])
    engine.dispose()


def databases(only: str | None) -> list[tuple[str, str]]:
    found = []
    if only != "postgresql":
        WORK.mkdir(exist_ok=True)
        path = WORK / "reports.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            print(f"loading the portfolio, its payments and assignments into {path} ...",
                  flush=True)
            try:
                cached = DATA / "serve-bench.db"  # bench_serve's: the same three imports
                if cached.exists():
                    shutil.copyfile(cached, path)
                    services_for(url, ROOT / "app.yaml").engine.dispose()  # migrated
                else:
                    load(url)
                _add_collections(url)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        found.append(("sqlite", url))
    if os.environ.get("CREDITBOT_TEST_POSTGRES_URL") and only != "sqlite":
        url, existed = postgres_database(DATABASE, fresh=False)
        if not existed:
            print(f"loading the portfolio, its payments and assignments into {DATABASE} ...",
                  flush=True)
            try:
                load(url)
                _add_collections(url)
                engine = make_engine(url, isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.execute(text("VACUUM ANALYZE"))
                engine.dispose()
            except BaseException:
                drop_postgres_database(DATABASE)
                raise
        found.append(("postgresql", url))
    return found


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _statement_times(reports: Reports) -> dict[str, float]:
    """Each statement of the report alone (wall-clock seconds)."""
    from domain.reports.metrics import periods

    spans = periods(AS_OF, 12)
    buckets = reports.buckets
    rates = [int(reports.settings.provision_rates[b] * 100) for b in buckets.labels]
    times: dict[str, float] = {}
    with reports.unit_of_work() as uow:
        queries = report_storage.report_queries(uow)
        start = time.perf_counter()
        series = queries.series(spans, 4, buckets)
        times["series (sales, AR rebuilt, aging)"] = time.perf_counter() - start
        start = time.perf_counter()
        # As the report asks: the issue dates looked at only if the series saw an
        # invoice posted ahead.
        queries.allowances(AS_OF, buckets, rates, series.posted_ahead, series.paid_ahead)
        times["allowances per customer"] = time.perf_counter() - start
    return times


def run(name: str, url: str, repeat: int) -> bool:
    services = services_for(url, ROOT / "app.yaml")
    reports = build_reports(services.uow, services.config, services.access, lambda: NOW)
    engine = services.engine

    def bare(work_mem: str | None = None) -> list[Any]:
        with engine.begin() as conn:
            if work_mem is not None and conn.dialect.name == "postgresql":
                conn.execute(text(f"SET LOCAL work_mem = '{work_mem}'"))
            return list(conn.execute(BARE))

    def report() -> PortfolioReport:
        return reports.portfolio(AS_OF)

    bare()
    report()  # warm: the first pass reads the file into the OS cache
    rows: dict[str, list[Any]] = {"bare": [], "report": [], "more memory": []}
    for _ in range(repeat):
        rows["bare"].append(measured(bare))
        rows["report"].append(measured(report))
        rows["more memory"].append(measured(lambda: bare(GROUPING_WORK_MEM)))
    baseline_customers = {r[0] for r in rows["bare"][-1].result}
    result: PortfolioReport = rows["report"][-1].result
    with_allowance = {a.customer_id for a in result.allowances}
    if with_allowance != baseline_customers:
        raise SystemExit(f"{name}: the report's customers with an allowance "
                         f"({len(with_allowance)}) are not the baseline's "
                         f"({len(baseline_customers)})")
    heaps = {"bare": heap_peak(bare), "report": heap_peak(report),
             "more memory": heap_peak(lambda: bare(GROUPING_WORK_MEM))}
    wall = {k: _median([t.seconds for t in v]) for k, v in rows.items()}
    cpu = {k: _median([t.cpu for t in v]) for k, v in rows.items()}
    rss = {k: max(t.rss for t in v) for k, v in rows.items()}
    ratio = wall["report"] / wall["bare"]
    print(f"\n== {name}: 20,000 customers, 1,000,000 invoices, "
          f"{len(result.collectors) - 1} collectors + unassigned; {repeat} repetitions")
    print(f"{'':28}{'wall s':>9}{'CPU s':>9}{'RSS +MB':>10}{'heap MB':>10}")
    for key, label in (("bare", "bare SQL aggregate"), ("report", "Reports.portfolio"),
                       ("more memory", f"bare, work_mem {GROUPING_WORK_MEM}")):
        print(f"{label:28}{wall[key]:9.2f}{cpu[key]:9.2f}{rss[key]:10.1f}{heaps[key]:10.1f}")
    print(f"ratio report / bare (wall): {ratio:.2f} (goal ≤ {GOAL_RATIO}); CPU ratio "
          f"{cpu['report'] / cpu['bare']:.2f}")
    print(f"rows: bare {len(rows['bare'][-1].result):,} customer×currency; report "
          f"{len(result.allowances):,} customers with an allowance, total "
          f"{result.allowance_total:,.2f} {result.currency}; DSO (count-back) "
          f"{result.portfolio.metrics.dso_count_back.days:.1f} days, CEI "
          f"{result.portfolio.metrics.cei or 0:.1f} %")
    for statement, seconds in _statement_times(reports).items():
        print(f"  {statement:34}{seconds:8.2f} s")
    engine.dispose()
    return ratio <= GOAL_RATIO


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = [run(name, url, args.repeat) for name, url in databases(args.only)]
    print("\nwithin the goal" if all(results) else "\nabove the goal on at least one")


if __name__ == "__main__":
    main()
