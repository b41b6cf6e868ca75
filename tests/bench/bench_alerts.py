"""The alerts scan and its fan-out (issue: alerts, Performance).

    python -m tests.bench.bench_alerts [--only sqlite|postgresql] [--repeat N]
        [--skip scan|fanout] [--profile]

**Scan** — 20,000 customers and 1,000,000 invoices (datagen's data set, loaded the way
bench_serve loads it, into databases of this benchmark's own: /tmp/bench_alerts/scan.db
and the PostgreSQL database ``bench_alerts`` when CREDITBOT_TEST_POSTGRES_URL is set).
Each repetition, in one process and back to back:
  * baseline: the bare SQL aggregate that finds the overdue customers — one GROUP BY
    customer over open invoices due before the scan's date, text SQL, every row fetched;
  * portfolio positions: ``domain.positions.portfolio_positions`` alone, what every scan
    starts from (for the limit-use alerts it needs every open invoice and order, not
    only the overdue ones) — for scale, not a goal;
  * first scan: ``Alerts.scan()`` (as ``bot.wiring.build_alerts`` builds it from the
    repository's app.yaml) on a fresh alert state — alert_states, alert_digests and the
    queued digests deleted first — so every condition is new: the worst case, which
    renders and queues every digest;
  * second scan: the same scan again, which finds nothing new.
Each step runs as the alerts job runs its scan, with the cyclic garbage collector paused
(``handlers.alerts.without_cyclic_gc``); the breakdown by phase below runs with it on,
to show its share.
Times are wall-clock (perf_counter) and this process's CPU time (process_time: on
SQLite all of the work, on PostgreSQL the client's only; steadier than wall-clock on a
machine others share); the figures are the medians of the repetitions, and the ratio is
scan / baseline, both from the same run. The scan's overdue customers (its
open ``overdue`` alert states) must be exactly the baseline's set, or the benchmark
stops. Memory: the process's peak RSS growth during each step (VmHWM, reset through
/proc/self/clear_refs, minus VmRSS before; the largest over the repetitions), then in one
more, untimed, repetition the Python heap's peak (tracemalloc). RSS growth is above what
the process already held, and memory freed by an earlier step (or by the other
database's runs in the same process) is reused without growing it, so it understates
every step but the first: the heap peak is the figure to compare. PostgreSQL's own
memory is the server's and is not counted. A breakdown of the first and second scans by
phase (each storage call, the domain steps and the renderer timed in place, CPU and
wall-clock, and the CPU the cyclic garbage collector took during the scan) follows;
``--profile`` also prints cProfile's top functions of each.

**Fan-out** — a fresh database (SQLite file in a temporary directory; also PostgreSQL
when set) with 2,000 customers across 5 sales departments and 10,000 open invoices that
are all past due (datagen.fanout_files says how they spread over the aging buckets and
limits), with an app.yaml naming the five department channels plus finance, legal and
credit, and no routes (the default routes apply). One scan; the digests and their pages
are counted per channel and in all. Then the real ``Sender`` (its real one-message-a-
second-per-channel pace, on the real clock) delivers them to the local Slack emulator
through ``bot.delivery.deliver_queued`` (what ``creditbot jobs run`` does): the wall-clock
time until the outbox is empty, and a check that every outbox row reached Slack exactly
once (the outbox id in each chat.postMessage's metadata) and that Slack would have
taken every message's blocks.

``--deliver-first-scan`` delivers the 20,000-customer first scan's digests the same way
(528 messages; several minutes).

After each, one Acknowledge from the finance digest (a credit manager's click, the use
case as the button calls it): its time and the message edits it queues.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import os
import pstats
import re
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Engine, bindparam, text
from sqlalchemy.engine import make_url

from bot.config import load_config
from bot.settings import Settings
from bot.wiring import Services, build_alerts
from domain.alerts.use_cases import Alerts
from handlers.alerts import without_cyclic_gc
from storage.db import make_engine, upgrade
from tests.bench.bench_serve import load
from tests.bench.datagen import AS_OF, ROOT, fanout_app_yaml, fanout_files

WORK = Path("/tmp/bench_alerts")
SCAN_DATABASE = "bench_alerts"
FANOUT_DATABASE = "bench_alerts_fanout"
# 10:00 in Shanghai (app.yaml's time zone) on the day datagen ages the invoices to.
SCAN_NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
GOAL_RATIO = 2.0
GOAL_SECONDS = 30.0
TOKEN = "xoxb-bench-alerts"

# The baseline: the overdue customers in one aggregate, nothing else.
BARE_OVERDUE = text("""
    SELECT customer_id, count(*) AS invoices, sum(open_amount) AS overdue,
           min(due_date) AS oldest_due
    FROM invoices
    WHERE status IN ('open', 'disputed') AND open_amount > 0 AND due_date < :as_of
    GROUP BY customer_id
""").bindparams(bindparam("as_of", type_=Date))

OPEN_OVERDUE_STATES = text(
    "SELECT customer_id FROM alert_states WHERE type = 'overdue' AND resolved_at IS NULL")


# -- measuring ---------------------------------------------------------------------------

def _status(field_name: str) -> float:
    """A VmXXX line of /proc/self/status, in MB."""
    found = re.search(rf"^{field_name}:\s+(\d+) kB", Path("/proc/self/status").read_text(),
                      re.M)
    return int(found.group(1)) / 1024 if found else float("nan")


@dataclass(frozen=True)
class Took:
    seconds: float  # wall clock
    cpu: float  # this process's CPU (user + system), all threads
    rss: float  # peak RSS growth, MB
    result: Any


def measured(run: Callable[[], Any]) -> Took:
    """What ``run()`` took, and what it returned."""
    with contextlib.suppress(OSError):  # resets VmHWM to the current RSS (Linux)
        Path("/proc/self/clear_refs").write_text("5")
    before = _status("VmRSS")
    start, cpu = time.perf_counter(), time.process_time()
    result = run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return Took(seconds, cpu, max(0.0, _status("VmHWM") - before), result)


def heap_peak(run: Callable[[], Any]) -> float:
    """The Python heap's peak above where it stood, in MB (tracemalloc; slow)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run()
        return (tracemalloc.get_traced_memory()[1] - base) / 2**20
    finally:
        tracemalloc.stop()


@dataclass
class Phases:
    """CPU and wall time spent inside named callables, patched in place for one run, and
    in the cyclic garbage collector (gc.callbacks) during it."""

    cpu: Counter[str] = field(default_factory=Counter)
    wall: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    gc_cpu: float = 0.0
    gc_runs: Counter[int] = field(default_factory=Counter)
    _gc_started: float = 0.0

    @contextlib.contextmanager
    def timing(self, targets: list[tuple[Any, str, str]]) -> Iterator[None]:
        saved = []
        for owner, attribute, name in targets:
            original = getattr(owner, attribute)
            saved.append((owner, attribute, original))
            setattr(owner, attribute, self._timed(original, name))
        gc.callbacks.append(self._gc)
        try:
            yield
        finally:
            gc.callbacks.remove(self._gc)
            for owner, attribute, original in reversed(saved):
                setattr(owner, attribute, original)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.process_time()
        else:
            self.gc_cpu += time.process_time() - self._gc_started
            self.gc_runs[info["generation"]] += 1

    def _timed(self, original: Callable[..., Any], name: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.perf_counter(), time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[name] += time.process_time() - cpu
                self.wall[name] += time.perf_counter() - start
                self.calls[name] += 1
        return timed


def scan_phases() -> list[tuple[Any, str, str]]:
    """What a scan's time is split into: (owner, attribute, label); an indented label is
    part of the one above it."""
    import domain.alerts.use_cases as use_cases
    import domain.positions as positions
    from handlers.alerts.blocks import DigestBlocks
    from storage.alerts import SqlAlertStore
    from storage.outbox import SqlOutbox
    from storage.repositories.customers import SqlCustomerRepository
    from storage.repositories.receivables import SqlReceivablesQueries
    from storage.unit_of_work import SqlUnitOfWork

    return [
        (use_cases, "portfolio_positions", "portfolio_positions"),
        (SqlReceivablesQueries, "aged_balances", "  aged_balances (SQL + rows)"),
        (SqlReceivablesQueries, "order_balances", "  order_balances (SQL + rows)"),
        (SqlCustomerRepository, "fetch", "  customers.fetch"),
        (positions, "credit_position", "  credit_position x customers"),
        (SqlAlertStore, "large_overdue_invoices", "alerts.large_overdue_invoices"),
        (SqlAlertStore, "contracts_ending", "alerts.contracts_ending"),
        (use_cases, "detect", "detect"),
        (SqlAlertStore, "open_states", "alerts.open_states"),
        (SqlAlertStore, "states", "alerts.states"),
        (use_cases, "decide", "decide"),
        (SqlAlertStore, "save", "alerts.save"),
        (use_cases, "destinations", "routing (destinations)"),
        (use_cases, "by_destination", "by_destination (group, order)"),
        (SqlAlertStore, "add_digest", "alerts.add_digest"),
        (DigestBlocks, "render", "DigestBlocks.render"),
        (SqlOutbox, "add", "outbox.add"),
        (SqlAlertStore, "set_pages", "alerts.set_pages"),
        (SqlUnitOfWork, "commit", "commit"),
    ]


def print_phases(title: str, took: Took, phases: Phases) -> None:
    print(f"    {title}: CPU {took.cpu:.2f} s, wall {took.seconds:.2f} s")
    print(f"      {'':36} {'CPU':>8} {'share':>6} {'wall':>8}")
    top_cpu = top_wall = 0.0
    for _owner, _attribute, name in scan_phases():
        cpu, wall = phases.cpu.get(name, 0.0), phases.wall.get(name, 0.0)
        if not name.startswith(" "):
            top_cpu, top_wall = top_cpu + cpu, top_wall + wall
        if wall >= 0.005:
            print(f"      {name:36} {cpu:6.2f} s {cpu / took.cpu:6.0%} {wall:6.2f} s"
                  f"  ({phases.calls[name]} calls)")
    other = took.cpu - top_cpu
    print(f"      {'other (the use case itself, audit)':36} {other:6.2f} s "
          f"{other / took.cpu:6.0%} {took.seconds - top_wall:6.2f} s")
    runs = ", ".join(f"{n} of generation {g}" for g, n in sorted(phases.gc_runs.items()))
    print(f"      of all the above, in the cyclic GC: {phases.gc_cpu:.2f} s CPU "
          f"({phases.gc_cpu / took.cpu:.0%}; {runs or 'no collection'})")


def profiled(run: Callable[[], Any], lines: int = 25) -> str:
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(lines)
    stats.sort_stats("tottime").print_stats(lines)
    return out.getvalue()


# -- the databases ---------------------------------------------------------------------

def postgres_database(name: str, fresh: bool) -> tuple[str, bool]:
    """(URL of database ``name`` on CREDITBOT_TEST_POSTGRES_URL's server, whether it
    existed). ``fresh``: dropped first if it exists."""
    server = os.environ["CREDITBOT_TEST_POSTGRES_URL"]
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if fresh:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": name}).first() is not None
        if not exists:
            conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(False), exists


def drop_postgres_database(name: str) -> None:
    admin = make_engine(os.environ["CREDITBOT_TEST_POSTGRES_URL"],
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def scan_databases(only: str | None) -> list[tuple[str, str]]:
    """(name, URL) of the 20k/1M databases, loaded on first use (a minute or two)."""
    found = []
    if only != "postgresql":
        WORK.mkdir(exist_ok=True)
        path = WORK / "scan.db"
        url = f"sqlite:///{path}"
        if not path.exists():
            print(f"loading 20,000 customers and 1,000,000 invoices into {path} ...")
            try:
                load(url)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
        found.append(("sqlite", url))
    if os.environ.get("CREDITBOT_TEST_POSTGRES_URL") and only != "sqlite":
        url, existed = postgres_database(SCAN_DATABASE, fresh=False)
        if not existed:
            print(f"loading 20,000 customers and 1,000,000 invoices into {SCAN_DATABASE} ...")
            try:
                load(url)
            except BaseException:
                drop_postgres_database(SCAN_DATABASE)
                raise
        found.append(("postgresql", url))
    return found


def services_for(url: str, config: Path) -> Services:
    services = Services(Settings(database_url=url, config_path=str(config)),
                        load_config(config))
    upgrade(services.engine)  # the tree may have gained a migration since the load
    return services


def alerts_for(services: Services, now: datetime = SCAN_NOW) -> Alerts:
    return build_alerts(services.uow, services.config, services.access, lambda: now)


def forget_alerts(engine: Engine) -> None:
    """A fresh alert state: nothing announced yet, no digest queued."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox WHERE kind = 'alerts.digest'"))
        conn.execute(text("DELETE FROM alert_digests"))
        conn.execute(text("DELETE FROM alert_states"))


def bare_overdue(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return conn.execute(BARE_OVERDUE, {"as_of": AS_OF}).fetchall()


def positions(services: Services, alerts: Alerts) -> int:
    """What every scan starts from: each customer's position (the portfolio's two
    aggregates, the customers, the positions built in Python), as the scan reads it."""
    from domain.positions import portfolio_positions

    with services.uow() as uow:
        return len(portfolio_positions(uow, alerts.today(), alerts.policy))


def overdue_alerted(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {row.customer_id for row in conn.execute(OPEN_OVERDUE_STATES)}


def one_acknowledgement(services: Services, alerts: Alerts, destination: str
                        ) -> tuple[Took, dict[str, int], int, int]:
    """A credit manager acknowledges one line (the middle one) of the latest digest to
    ``destination``, as from its button: (what the use case took, message edits it
    queued per channel, the digest's lines, the digest's messages)."""
    from bot.slack_app import people
    from domain.alerts.model import condition_of

    manager = people(services)[services.config.roles.holders("credit_manager")[0]]
    with services.engine.connect() as conn:
        digest_id, lines, pages = conn.execute(text(
            "SELECT id, lines, pages FROM alert_digests WHERE destination = :destination "
            "ORDER BY id DESC"), {"destination": destination}).first()
        before = conn.execute(text("SELECT max(id) FROM outbox")).scalar_one()
    lines = json.loads(lines) if isinstance(lines, str) else lines
    pages = json.loads(pages) if isinstance(pages, str) else pages
    alert = lines[len(lines) // 2]["alert"]
    took = measured(lambda: alerts.acknowledge(manager, digest_id,
                                               condition_of(alert["type"], alert["key"])))
    with services.engine.connect() as conn:
        queued = dict(conn.execute(text(
            "SELECT channel, count(*) FROM outbox WHERE id > :before GROUP BY channel"),
            {"before": before}).all())
    return took, queued, len(lines), len(pages)


def print_acknowledgement(services: Services, alerts: Alerts) -> None:
    finance = services.config.departments["finance"].channel
    took, queued, lines, pages = one_acknowledgement(services, alerts, finance)
    print(f"  one Acknowledge on the finance digest ({lines:,} lines, {pages} messages): "
          f"CPU {took.cpu:.2f} s, wall {took.seconds:.2f} s; it queued "
          f"{sum(queued.values())} message edits ("
          f"{', '.join(f'{c}: {n}' for c, n in sorted(queued.items()))}), each channel's "
          "taking a second apiece at Slack's pace")


# -- the scan --------------------------------------------------------------------------

def bench_scan(name: str, url: str, repeat: int, profile: bool,
               deliver_first: bool = False) -> dict[str, Any]:
    services = services_for(url, ROOT / "app.yaml")
    engine = services.engine
    alerts = alerts_for(services)
    if alerts.today() != AS_OF:
        raise SystemExit(f"the scan's date is {alerts.today()}, the data's {AS_OF}")
    rows: dict[str, list[Took]] = {"bare": [], "positions": [], "first": [], "second": []}
    print(f"\n[{name}] scan: 20,000 customers, 1,000,000 invoices, {repeat} repetitions")
    # Untimed: the database's pages into the OS cache (a cold file made the first bare
    # SQL 50 times slower than the next), the statements into their caches.
    bare_overdue(engine)
    positions(services, alerts)
    for n in range(repeat):
        forget_alerts(engine)
        # Each as the alerts job runs its scan: with the cyclic collector paused.
        rows["bare"].append(measured(lambda: without_cyclic_gc(lambda: bare_overdue(engine))))
        rows["positions"].append(measured(
            lambda: without_cyclic_gc(lambda: positions(services, alerts))))
        rows["first"].append(measured(lambda: without_cyclic_gc(alerts.scan)))
        found = overdue_alerted(engine)
        expected = {row.customer_id for row in rows["bare"][-1].result}
        if found != expected:
            raise SystemExit(
                f"[{name}] the scan's overdue customers are not the bare SQL's: "
                f"{len(found)} vs {len(expected)}; only the scan's: "
                f"{sorted(found - expected)[:10]}, only the SQL's: "
                f"{sorted(expected - found)[:10]}")
        rows["second"].append(measured(lambda: without_cyclic_gc(alerts.scan)))
        if rows["second"][-1].result["announced"]:
            raise SystemExit(f"[{name}] the second scan announced "
                             f"{rows['second'][-1].result['announced']} conditions")
        print(f"  run {n + 1}: " + "   ".join(
            f"{label} {rows[key][-1].seconds:6.2f} s (CPU {rows[key][-1].cpu:6.2f} s)"
            for key, label in (("bare", "bare"), ("positions", "positions"),
                               ("first", "first scan"),
                               ("second", "second scan"))), flush=True)

    forget_alerts(engine)
    heap = {"bare": heap_peak(lambda: bare_overdue(engine)),
            "positions": heap_peak(lambda: positions(services, alerts)),
            "first": heap_peak(alerts.scan),
            "second": heap_peak(alerts.scan)}
    median = {key: statistics.median(t.seconds for t in values)
              for key, values in rows.items()}
    cpu = {key: statistics.median(t.cpu for t in values) for key, values in rows.items()}
    peak_rss = {key: max(t.rss for t in values) for key, values in rows.items()}
    first = rows["first"][-1].result
    print(f"  overdue customers: {len(rows['bare'][-1].result):,}, the same set in the scan "
          "and the SQL")
    print(f"  first scan: {first['conditions']:,} conditions announced in "
          f"{first['digests']} digests, {first['messages']} messages "
          f"({', '.join(f'{k} {v:,}' for k, v in first.items())})")
    print(f"  {'medians':28} {'wall':>8} {'/ bare':>7} {'CPU':>8} {'/ bare':>7} "
          f"{'RSS peak +':>11} {'heap peak':>10}")
    for key, label in (("bare", "bare SQL (baseline)"),
                       ("positions", "portfolio positions only"),
                       ("first", "scan, fresh state"),
                       ("second", "scan, nothing new")):
        # On PostgreSQL the bare SQL's work is the server's: a CPU ratio means nothing.
        cpu_ratio = f"{cpu[key] / cpu['bare']:6.1f}x" if name == "sqlite" else f"{'-':>7}"
        print(f"  {label:28} {median[key]:6.2f} s {median[key] / median['bare']:6.1f}x "
              f"{cpu[key]:6.2f} s {cpu_ratio} {peak_rss[key]:8.0f} MB {heap[key]:7.0f} MB")
    print("  (CPU: this process only; on PostgreSQL the server's work is not in it)")
    print(f"  the second scan is {median['second'] / median['positions']:.1f}x the portfolio "
          f"positions alone, the first {median['first'] / median['positions']:.1f}x")
    print("  the first scan's digests:")  # those of the heap run, still stored
    print_digests(digests_by_destination(engine),
                  {d.channel: key for key, d in services.config.departments.items()})
    for key in ("first", "second"):
        ratio = median[key] / median["bare"]
        print(f"  goal, {key} scan: within {GOAL_RATIO:.0f}x of the bare SQL "
              f"{'met' if ratio <= GOAL_RATIO else 'NOT met'} ({ratio:.1f}x); under "
              f"{GOAL_SECONDS:.0f} s {'met' if median[key] < GOAL_SECONDS else 'NOT met'}")

    print("  where a scan's time goes (one more run of each, timed by phase):")
    forget_alerts(engine)
    for title in ("first scan (fresh state)", "second scan"):
        phases = Phases()
        with phases.timing(scan_phases()):
            took = measured(alerts.scan)
        print_phases(title, took, phases)
    if deliver_first:  # the digests of the phase run's first scan
        print("  delivering the first scan's digests:")
        with engine.begin() as conn:  # other messages, e.g. earlier answers' edits
            conn.execute(text("DELETE FROM outbox WHERE kind <> 'alerts.digest' "
                              "OR sent_at IS NOT NULL"))
        deliver_and_check(name, services, digests_by_destination(engine))
    print_acknowledgement(services, alerts)  # on the second phase run's state
    if profile:
        forget_alerts(engine)
        for title in ("first scan", "second scan"):
            print(f"  cProfile, {title}:")
            print("    " + profiled(alerts.scan).replace("\n", "\n    "))
    services.close()
    return {"median": median, "cpu": cpu, "rss": peak_rss, "heap": heap}


# -- the fan-out -------------------------------------------------------------------------

@dataclass
class FanOut:
    counts: dict[str, int]
    # destination -> (digests, lines, pages)
    per_destination: dict[str, tuple[int, int, int]]
    outbox: int


def load_fanout(url: str, directory: Path, customers: int, invoices: int) -> Services:
    """A fresh, migrated database at ``url`` with the fan-out portfolio, and the services
    of its app.yaml (written to ``directory`` with the CSV files)."""
    from bot.cli.imports import run_import

    config = fanout_app_yaml(directory)
    customers_csv, invoices_csv = fanout_files(directory, customers, invoices)
    engine = make_engine(url, create=True)
    upgrade(engine)
    engine.dispose()
    services = services_for(url, config)
    for kind, path in (("customers", customers_csv), ("invoices", invoices_csv)):
        report = run_import(services, kind, path)
        if report.rejected or not report.committed:
            raise SystemExit(f"{path}: {report.errors[:5]}")
    return services


def digests_by_destination(engine: Engine) -> dict[str, tuple[int, int, int]]:
    """destination -> (digests, lines, pages) of every digest stored."""
    per: dict[str, tuple[int, int, int]] = {}
    with engine.connect() as conn:
        for destination, lines, pages in conn.execute(
                text("SELECT destination, lines, pages FROM alert_digests")):
            lines = json.loads(lines) if isinstance(lines, str) else lines
            pages = json.loads(pages) if isinstance(pages, str) else pages
            digests, line_count, page_count = per.get(destination, (0, 0, 0))
            per[destination] = (digests + 1, line_count + len(lines), page_count + len(pages))
    return per


def print_digests(per: dict[str, tuple[int, int, int]], channels: dict[str, str]) -> None:
    print(f"  {'destination':28} {'digests':>7} {'lines':>7} {'messages':>8}")
    for destination, (digests, lines, pages) in sorted(per.items(),
                                                       key=lambda item: -item[1][2]):
        shown = f"#{channels[destination]}" if destination in channels else \
            f"DM {destination}"
        print(f"  {shown + ' (' + destination + ')':28} {digests:7} {lines:7,} {pages:8}")
    print(f"  {'all':28} {sum(d for d, _, _ in per.values()):7} "
          f"{sum(n for _, n, _ in per.values()):7,} {sum(p for _, _, p in per.values()):8}")


def fanout_scan(services: Services) -> FanOut:
    counts = alerts_for(services).scan()
    with services.engine.connect() as conn:
        outbox = conn.execute(text("SELECT count(*) FROM outbox")).scalar_one()
    return FanOut(counts, digests_by_destination(services.engine), outbox)


def aging_spread(services: Services) -> str:
    """Open invoices by aging bucket on the scan's date, and customers by their worst."""
    buckets = services.config.aging.buckets
    invoices: Counter[str] = Counter()
    worst: dict[str, int] = {}
    with services.engine.connect() as conn:
        for customer, due in conn.execute(text(
                "SELECT customer_id, due_date FROM invoices WHERE status = 'open'")):
            due = due if not isinstance(due, str) else datetime.fromisoformat(due).date()
            index = buckets.index_of((AS_OF - due).days)
            invoices[index] += 1
            worst[customer] = max(worst.get(customer, 0), index)
    customers = Counter(worst.values())
    labels = buckets.labels
    return (f"invoices {', '.join(f'{labels[i]}: {invoices[i]:,}' for i in sorted(invoices))}"
            f"; customers by oldest: "
            f"{', '.join(f'{labels[i]}: {customers[i]:,}' for i in sorted(customers))}")


def posted_outbox_ids(emulator: Any) -> Counter[int]:
    """How many times Slack took each outbox row (from the posts' metadata)."""
    found: Counter[int] = Counter()
    for call in emulator.calls_to("chat.postMessage"):
        if call.status != 200:
            continue
        metadata = call.args.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        found[int(metadata["event_payload"]["outbox_id"])] += 1
    return found


def deliver(services: Services, emulator: Any) -> tuple[float, Any]:
    """Delivers the whole outbox at the sender's real pace; (seconds, last progress)."""
    from bot.delivery import deliver_queued
    from handlers.delivery.sender import Sender, delivery_client
    from storage.outbox import OutboxStore

    sender = Sender(OutboxStore(services.engine), delivery_client(TOKEN, emulator.api_url))
    start = time.perf_counter()
    progress = deliver_queued(sender, services.engine, 0, timedelta(minutes=15),
                              lambda p: None)
    return time.perf_counter() - start, progress


def deliver_and_check(name: str, services: Services,
                      per_destination: dict[str, tuple[int, int, int]]) -> float:
    """Delivers the outbox to the emulator at Slack's pace, prints when each channel got
    its first and last message, and stops the benchmark unless every row arrived once
    with blocks Slack takes. Returns the wall-clock seconds."""
    from bot.sandbox.emulator import SlackEmulator

    with SlackEmulator(token=TOKEN) as emulator:
        started = time.time()
        delivery, progress = deliver(services, emulator)
        posted = posted_outbox_ids(emulator)
        invalid = list(emulator.invalid)
        spans: dict[str, list[float]] = {}
        for call in emulator.calls_to("chat.postMessage"):
            spans.setdefault(str(call.args["channel"]), []).append(call.at - started)
    with services.engine.connect() as conn:
        queued = {row.id for row in conn.execute(text("SELECT id FROM outbox"))}
    once = set(posted) == queued and set(posted.values()) == {1}
    busiest = max(p for _, _, p in per_destination.values())
    print(f"  delivery at Slack's pace (1 message/s per channel, real clock): "
          f"{delivery:.1f} s for {sum(posted.values())} posts; busiest channel "
          f"{busiest} messages; {progress.sent} sent, {progress.failed} given up, "
          f"{progress.pending} pending")
    for channel, times in sorted(spans.items(), key=lambda item: (item[1][0], item[0])):
        print(f"    {channel:14} {len(times):4} posts, the first at {times[0]:6.1f} s, "
              f"the last at {times[-1]:6.1f} s")
    print(f"  every message arrived once: {'yes' if once else 'NO'}; "
          f"blocks Slack would refuse: {len(invalid)}")
    if not once or invalid or progress.pending or progress.failed:
        raise SystemExit(f"[{name}] delivery went wrong: posted {posted}, "
                         f"queued {sorted(queued)}, invalid {invalid[:3]}")
    return delivery


def bench_fanout(name: str, url: str, directory: Path, customers: int,
                 invoices: int) -> dict[str, Any]:
    print(f"\n[{name}] fan-out: {customers:,} customers in 5 departments, {invoices:,} "
          "invoices past due, default routes")
    services = load_fanout(url, directory, customers, invoices)
    print(f"  aging on {AS_OF}: {aging_spread(services)}")
    took = measured(lambda: fanout_scan(services))
    seconds, result = took.seconds, took.result
    channels = {d.channel: key for key, d in services.config.departments.items()}
    print(f"  scan: {seconds:.2f} s; {result.counts['conditions']:,} conditions "
          f"({', '.join(f'{k} {v:,}' for k, v in result.counts.items())})")
    print_digests(result.per_destination, channels)
    delivery = deliver_and_check(name, services, result.per_destination)
    print_acknowledgement(services, alerts_for(services))
    services.close()
    return {"scan": seconds, "fanout": result, "delivery": delivery}


def fanout_databases(only: str | None, directory: Path) -> list[tuple[str, str]]:
    found = []
    if only != "postgresql":
        found.append(("sqlite", f"sqlite:///{directory / 'fanout.db'}"))
    if os.environ.get("CREDITBOT_TEST_POSTGRES_URL") and only != "sqlite":
        found.append(("postgresql", postgres_database(FANOUT_DATABASE, fresh=True)[0]))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", choices=["scan", "fanout"], default=None)
    parser.add_argument("--profile", action="store_true",
                        help="also print cProfile's top functions of each scan")
    parser.add_argument("--deliver-first-scan", action="store_true",
                        help="also deliver the 20,000-customer first scan's digests to the "
                             "emulator at Slack's pace (several minutes)")
    parser.add_argument("--customers", type=int, default=2_000, help="fan-out customers")
    parser.add_argument("--invoices", type=int, default=10_000, help="fan-out invoices")
    args = parser.parse_args()
    summary: list[str] = []
    if args.skip != "scan":
        for name, url in scan_databases(args.only):
            done = bench_scan(name, url, args.repeat, args.profile,
                              args.deliver_first_scan)
            median = done["median"]
            summary.append(
                f"[{name}] scan: bare {median['bare']:.2f} s, first {median['first']:.2f} s "
                f"({median['first'] / median['bare']:.1f}x), second {median['second']:.2f} s "
                f"({median['second'] / median['bare']:.1f}x); CPU bare "
                f"{done['cpu']['bare']:.2f} s, first {done['cpu']['first']:.2f} s, second "
                f"{done['cpu']['second']:.2f} s")
    if args.skip != "fanout":
        WORK.mkdir(exist_ok=True)
        directory = Path(tempfile.mkdtemp(prefix="fanout-", dir=WORK))
        try:
            for name, url in fanout_databases(args.only, directory):
                try:
                    done = bench_fanout(name, url, directory, args.customers, args.invoices)
                finally:
                    if name == "postgresql":
                        drop_postgres_database(FANOUT_DATABASE)
                summary.append(
                    f"[{name}] fan-out: {done['fanout'].outbox} messages in "
                    f"{len(done['fanout'].per_destination)} digests, delivered in "
                    f"{done['delivery']:.1f} s")
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    print("\n" + "\n".join(summary))


if __name__ == "__main__":
    main()
