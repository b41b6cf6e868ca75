"""Alerts when things go wrong: Slack failing every way during a long digest, the
scheduler process killed mid-delivery and restarted, the database away during a scan,
two schedulers started at once. Each ends the same way: no alert lost, none
duplicated, and the job's record (job_runs, what ``creditbot jobs list`` shows) says
what happened. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.engine import make_url

import domain.retry
from bot.config import load_config
from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import LEASE, Candidate, RunResult, Scheduled, job_context, run_job
from domain.access import Member
from domain.alerts import use_cases as alert_use_cases
from domain.alerts.dedup import decide
from domain.alerts.detect import detect
from handlers.alerts.blocks import DETAILED, LINES_PER_PAGE, number_pages
from storage.db import SQLITE_BEGIN, make_engine
from storage.leases import holder_of, try_acquire
from storage.models import OutboxRow
from tests.e2e.alerts_world import (
    ADMINS,
    AMY,
    TOKEN,
    AlertsWorld,
    FlakyEmulator,
    Gate,
    alert_runs,
    alerts_job,
    check_consistent,
    digests,
    drain,
    make_sender,
    many_overdue,
    outbox,
    posted_outbox_ids,
    seed,
    states,
    write_config,
)

# What the first run finds in the world of alerts_world, in job_runs' words.
FIRST_RUN = {"customers": 5, "conditions": 7, "announced": 7, "resolved": 0, "unrouted": 0,
             "digests": 6, "messages": 6, "missing_rate": 0, "assigned": 0}

# A backlog: enough more overdue sales customers that #sales (2 lines of its own) and
# #finance (4) each need three pages, the first and two in its thread; #export,
# #credit, #legal and the credit manager's DM one page each.
MANY = DETAILED + LINES_PER_PAGE + 1 - 2
BACKLOG_PAGES = number_pages(MANY + 2) + number_pages(MANY + 4) + 4
assert BACKLOG_PAGES == 10


@pytest.fixture
def alerts(engine: Engine, tmp_path: Path) -> Iterator[AlertsWorld]:
    seed(engine)
    path = write_config(tmp_path)
    with FlakyEmulator(token=TOKEN) as emulator:
        yield AlertsWorld(engine, load_config(path), path, emulator)
        assert emulator.invalid == [], emulator.invalid


def pages_in_threads(alerts: AlertsWorld) -> None:
    """Every page after a digest's first went into the thread of the first."""
    rows = {row.id: row for row in outbox(alerts.engine)}
    for digest in digests(alerts.engine):
        first = rows[digest.pages[0]]
        assert first.ts is not None
        for page in digest.pages[1:]:
            assert rows[page].payload["thread_of"] == first.id
    threaded = [c for c in alerts.posts() if c.args.get("thread_ts")]
    firsts = {row.ts for row in rows.values() if row.payload.get("thread_of") is None}
    assert threaded and all(c.args["thread_ts"] in firsts for c in threaded)


# -- Slack failing during a digest ------------------------------------------------------

def test_slack_failing_every_way_during_a_long_digest_posts_each_page_once(alerts):
    many_overdue(alerts.engine, MANY)
    pages = BACKLOG_PAGES
    result = alerts.run()
    assert result.outcome == "ok"
    assert result.counts == {"customers": MANY + 5, "conditions": MANY + 7,
                             "announced": MANY + 7,
                             "resolved": 0, "unrouted": 0, "digests": 6, "messages": pages,
                             "missing_rate": 0, "assigned": 0, "attempts": 1}
    emulator = alerts.emulator
    faults = [("ratelimited", {"retry_after": 30}), ("http500", {}),
              ("slow", {"delay": 1.2}),  # the client gives up after 1 s; Slack posts it
              ("close", {})]
    for kind, options in faults:
        emulator.fail("chat.postMessage", kind, 1, **options)
    again: list[bool] = []

    def between() -> None:
        # A post answered too late is in the channel before the sender looks for it.
        emulator.wait_idle()
        # Once the first pages are out, the same again, for the pages of the threads.
        if not again and any(c.args.get("thread_ts") for c in alerts.posts()):
            again.append(True)
            for kind, options in faults:
                emulator.fail("chat.postMessage", kind, 1, **options)

    # One row a pass, so that the second round meets the pages of the threads; the
    # backoff's jitter seeded, so that the order of the retries is always the same.
    sender = make_sender(alerts.engine, emulator, alerts.sender_clock, timeout=1,
                         batch_size=1, rng=random.Random(8))
    drain(sender, alerts.sender_clock, between=between)

    statuses = [c.status for c in emulator.calls_to("chat.postMessage")]
    assert (statuses.count(429), statuses.count(500), statuses.count(0)) == (2, 2, 2)
    rows = outbox(alerts.engine)
    assert len(rows) == pages
    # Each page reached its channel exactly once: the two posts that timed out were
    # found in the channel's history (or thread) and recorded, not posted again.
    assert posted_outbox_ids(emulator) == {row.id: 1 for row in rows}
    assert emulator.calls_to("conversations.history") or \
        emulator.calls_to("conversations.replies")
    assert all(row.ts is not None and row.failed_at is None for row in rows)
    # Every try is on record: each page's last, and the eight that failed.
    assert sum(row.attempts for row in rows) == pages + 8
    assert any(row.attempts > 1 for row in rows if row.payload.get("thread_of"))
    assert any(row.attempts > 1 for row in rows if not row.payload.get("thread_of"))
    pages_in_threads(alerts)
    assert ADMINS not in emulator.channels  # nothing given up, nothing to report
    check_consistent(alerts.engine, scans=1)
    assert all(state.last_announced_at == alerts.clock.at
               for state in states(alerts.engine).values())


# -- the scheduler process killed mid-delivery --------------------------------------------

def start_scheduler(database_url: str, config: Path, emulator: SlackEmulator,
                    log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=database_url, CREDITBOT_CONFIG=str(config),
               SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=emulator.api_url)
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], env=env,
                                stdout=sink, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def unsent(engine: Engine) -> list[OutboxRow]:
    return [row for row in outbox(engine) if row.sent_at is None]


def test_a_scheduler_killed_while_it_delivers_a_backlog_loses_none_and_repeats_at_most_one(
        engine, database_url, tmp_path):
    seed(engine)
    many_overdue(engine, MANY)
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    # A shared emulator cannot be read back (a workspace without the *:history scopes):
    # the sender cannot see whether its post in flight at the kill landed.
    with SlackEmulator(token=TOKEN) as emulator:
        world = AlertsWorld(engine, config, config_path, emulator)
        assert world.run().counts["messages"] == BACKLOG_PAGES
        world.clock.advance(days=6)  # Acme into 90+: #sales, #finance, #legal once more
        assert world.run().counts["messages"] == 3
        rows = outbox(engine)
        # Every post takes 0.2 s, so that the kill lands while one is in flight.
        emulator.fail("chat.postMessage", "slow", 10_000, delay=0.2)
        log = tmp_path / "scheduler.log"
        first = start_scheduler(database_url, config_path, emulator, log)
        try:
            emulator.wait_for("chat.postMessage", 4, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            assert unsent(engine), "killed after everything was sent: nothing tested"
            # The killed sender's claims run out after its lease (60 s); the test moves
            # them to now instead of waiting.
            with engine.begin() as conn:
                conn.execute(update(OutboxRow).where(OutboxRow.claimed_by.is_not(None))
                             .values(claimed_until=datetime.now(UTC) - timedelta(seconds=1)))
            second = start_scheduler(database_url, config_path, emulator, log)
            try:
                wait_for(lambda: not unsent(engine), seconds=60)
            finally:
                second.send_signal(signal.SIGTERM)
                assert second.wait(timeout=20) == 0
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        time.sleep(0.3)  # the killed process's last post lands in the emulator
        posted = posted_outbox_ids(emulator)
    # Every page delivered; none given up.
    assert set(posted) == {row.id for row in rows}
    assert all(row.failed_at is None and row.ts is not None for row in outbox(engine))
    # At most one page twice: the one whose post was in flight when the process died.
    # Slack took it, but the process never heard so; its claim ran out and the new
    # process, unable to read the channel back, posted it again (at least once beats
    # lost). Every other page was either recorded as sent before the kill or never
    # posted by the killed process.
    repeated = {row_id: n for row_id, n in posted.items() if n > 1}
    assert len(repeated) <= 1 and all(n == 2 for n in repeated.values()), repeated
    # The job's record: two runs, both ok, the second announcing only Acme's move.
    first_run, second_run = alert_runs(engine)
    assert first_run.outcome == second_run.outcome == "ok"
    assert (first_run.counts["announced"], second_run.counts["announced"]) == (MANY + 7, 1)
    check_consistent(engine, scans=2)
    text_log = log.read_text(errors="replace")
    assert "Traceback" not in text_log, text_log


# -- the database away during a scan --------------------------------------------------------

@pytest.fixture
def short_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The job waits 2 s and 5 s before trying again; the tests cannot."""
    monkeypatch.setattr(domain.retry, "OUTAGE_PAUSES", (0.1, 0.1))


class WriteLock:
    """Another connection holding a write lock until released (SQLite: the database's
    one write lock, as an import holds it; PostgreSQL: an exclusive lock on ``table``)."""

    def __init__(self, engine: Engine, table: str = "outbox") -> None:
        self.engine, self.table = engine, table
        self.held, self.released = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def take(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        assert self.held.wait(10)

    def _hold(self) -> None:
        with self.engine.connect() as conn:
            if self.engine.dialect.name == "sqlite":
                conn = conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
                statement = "UPDATE customers SET name = name WHERE customer_id = 'C-DELTA'"
            else:
                statement = f"LOCK TABLE {self.table} IN EXCLUSIVE MODE"
            with conn.begin():
                conn.execute(text(statement))
                self.held.set()
                self.released.wait(30)
                conn.rollback()

    def release(self) -> None:
        self.released.set()
        if self._thread is not None:
            self._thread.join(10)


class OnLog(logging.Handler):
    """Calls ``then`` once, when a record of ``logger`` says ``words``."""

    def __init__(self, words: str, then: Callable[[], None]) -> None:
        super().__init__()
        self.words, self.then = words, then

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.then()


@contextmanager
def on_log(logger: str, words: str, then: Callable[[], None]) -> Iterator[None]:
    handler = OnLog(words, then)
    logging.getLogger(logger).addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger(logger).removeHandler(handler)


def run_scanning_on(alerts: AlertsWorld, scanning: Engine,
                    as_it_starts: Callable[[], None] = lambda: None) -> RunResult:
    """The job, recorded in the database, its scan on ``scanning``; ``as_it_starts`` is
    called as each scan starts (after the run is on record)."""
    context = job_context(scanning, alerts.config, clock=alerts.clock)
    looks: list[bool] = []

    def clock() -> datetime:
        # The job's first look at the clock asks whether today is a holiday; the scan's
        # looks come after it.
        if looks:
            as_it_starts()
        looks.append(True)
        return alerts.clock()

    context["alerts"] = dataclasses.replace(context["alerts"], clock=clock)
    try:
        return run_job(alerts.engine, alerts_job(), context, alerts.host)
    finally:
        scanning.dispose()


def scan_engine(database_url: str) -> Engine:
    """The scan's engine as `creditbot serve` makes it: on PostgreSQL with its 5 s
    statement timeout, here 1 s (SQLite waits its busy timeout, 1 s, for the lock)."""
    if database_url.startswith("sqlite"):
        return make_engine(database_url)
    return make_engine(database_url, statement_timeout=1.0)


def test_a_database_locked_for_a_moment_during_a_scan_is_tried_again(
        alerts, database_url, short_retries):
    # The lock is taken as the scan starts: it reads, writes its states and digests in
    # its transaction, and waits in vain on the lock to queue the pages. Released once
    # the first try has failed.
    lock = WriteLock(alerts.engine)
    try:
        with on_log("creditbot.alerts", "did not answer (try 1)", lock.release):
            result = run_scanning_on(alerts, scan_engine(database_url), lock.take)
    finally:
        lock.release()
    assert result.outcome == "ok"
    assert result.counts == {**FIRST_RUN, "attempts": 2}
    [run] = alert_runs(alerts.engine)
    assert (run.outcome, run.counts, run.error) == ("ok", result.counts, None)
    # The failed try left nothing behind: each state once, with its digest and pages.
    check_consistent(alerts.engine, scans=1)
    assert len(digests(alerts.engine)) == 6 and len(outbox(alerts.engine)) == 6
    alerts.deliver()
    assert sorted(posted_outbox_ids(alerts.emulator).values()) == [1] * 6


def closed_port_url(database_url: str) -> str:
    """The database's URL with a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return make_url(database_url).set(host="127.0.0.1", port=port).render_as_string(
        hide_password=False)


def test_a_database_away_for_every_try_records_a_failed_run_and_loses_nothing(
        alerts, database_url, short_retries, caplog):
    lock = WriteLock(alerts.engine)
    closed_port_url_used: list[str] = []
    try:
        # SQLite: locked from the first scan until the run has failed (then the failure
        # is recorded). PostgreSQL: the scan's engine points at a closed port.
        with on_log("creditbot.scheduler", "job alerts failed", lock.release):
            if database_url.startswith("sqlite"):
                result = run_scanning_on(alerts, scan_engine(database_url), lock.take)
            else:
                closed_port_url_used.append(closed_port_url(database_url))
                result = run_scanning_on(alerts, make_engine(closed_port_url_used[0]))
    finally:
        lock.release()
    assert result.outcome == "failed"
    [run] = alert_runs(alerts.engine)
    assert run.outcome == "failed" and run.counts == {} and run.finished_at is not None
    # SQLite's scan read, then waited for the write lock; PostgreSQL's could not even
    # read. Said in the driver's words, on one line: the database's state, not a bug.
    assert run.error == "the database did not answer: " + (
        "database is locked: another process was writing to the SQLite file (an import, a "
        "job, another creditbot) for longer than creditbot waits; try again once it is done"
        if database_url.startswith("sqlite") else
        f"connection failed: connection to server at \"127.0.0.1\", port "
        f"{make_url(closed_port_url_used[0]).port} failed: Connection refused. Is the "
        "server running on that host and accepting TCP/IP connections?")
    assert not [r.getMessage() for r in caplog.records if r.exc_info]
    # Nothing written: no state, no digest, nothing queued.
    assert states(alerts.engine) == {} and digests(alerts.engine) == []
    assert outbox(alerts.engine) == []
    check_consistent(alerts.engine, scans=0)

    # The next run finds the database back and announces everything: nothing lost.
    again = alerts.run()
    assert again.outcome == "ok" and again.counts == {**FIRST_RUN, "attempts": 1}
    alerts.deliver()
    assert sorted(posted_outbox_ids(alerts.emulator).values()) == [1] * 6
    check_consistent(alerts.engine, scans=1)


@pytest.mark.parametrize("moment", ["start", "end"])
def test_a_database_away_for_a_moment_as_the_run_starts_or_ends_is_waited_for(
        alerts, database_url, short_retries, moment):
    # The scheduler's whole engine (run records and scan) goes away for 1.5 s as the job
    # fires, or as it finishes: SQLite locked by an import, PostgreSQL restarting.
    gate = None
    if database_url.startswith("sqlite"):
        lock = WriteLock(alerts.engine)
        away, back = lock.take, lock.release
        engine = make_engine(database_url)
    else:
        url = make_url(database_url)
        gate = Gate(url.host or "127.0.0.1", url.port or 5432)
        gate.open.set()
        away, back = gate.shut, gate.open.set
        engine = make_engine(gate.url(database_url))
    job = real = alerts_job()

    def run_then_go_away(context: Mapping[str, Any]) -> dict[str, int]:
        counts = real.run(context)
        away()
        threading.Timer(1.5, back).start()
        return counts

    if moment == "start":
        away()
        threading.Timer(1.5, back).start()
    else:
        job = dataclasses.replace(job, run=run_then_go_away)
    try:
        result = run_job(engine, job, job_context(engine, alerts.config, clock=alerts.clock),
                         alerts.host)
    finally:
        back()
        engine.dispose()
        if gate is not None:
            gate.close()
    assert result.outcome == "ok" and result.counts["announced"] == 7
    [run] = alert_runs(alerts.engine)
    assert run.outcome == "ok" and run.counts == result.counts
    check_consistent(alerts.engine, scans=1)


# -- two schedulers at once -------------------------------------------------------------

def test_two_schedulers_started_at_once_run_each_slot_once_and_queue_digests_once(
        alerts, short_retries):
    scheduled = [Scheduled(alerts_job(), "*/1 * * * * *")]  # every second
    zone = alerts.config.organisation.zone

    def context() -> dict:
        return job_context(alerts.engine, alerts.config, clock=alerts.clock)

    candidates = [Candidate(alerts.engine, scheduled, zone, lease_seconds=3,
                            context=context, holder=f"scheduler-{n}") for n in (1, 2)]
    stop = threading.Event()
    start = threading.Barrier(2)

    def run(candidate: Candidate) -> None:
        start.wait()
        candidate.run(stop)

    threads = [threading.Thread(target=run, args=(c,)) for c in candidates]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len([r for r in alert_runs(alerts.engine)
                              if r.outcome != "running"]) >= 2, seconds=30)
        leader = holder_of(alerts.engine, LEASE).holder
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
    elapsed = time.monotonic() - began
    runs = [r for r in alert_runs(alerts.engine) if r.outcome != "running"]
    # One of the two led and ran every slot, one run at a time (a slot run twice would
    # be two runs at once, or more runs than seconds).
    assert {r.host for r in alert_runs(alerts.engine)} == {leader}
    assert len(runs) <= elapsed + 1
    for earlier, later in itertools.pairwise(runs):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
    assert all(r.outcome == "ok" for r in runs)
    # The first announced everything, the others nothing: the digests were queued once.
    # (On SQLite the standby's lease checks may cost the first scan a try.)
    assert runs[0].counts == {**FIRST_RUN, "attempts": runs[0].counts["attempts"]}
    assert all(r.counts["announced"] == 0 and r.counts["messages"] == 0 for r in runs[1:])
    assert len(digests(alerts.engine)) == 6
    rows = outbox(alerts.engine)
    assert len(rows) == 6 and len({row.dedup_key for row in rows}) == 6
    check_consistent(alerts.engine, scans=len(alert_runs(alerts.engine)))
    alerts.deliver()
    assert sorted(posted_outbox_ids(alerts.emulator).values()) == [1] * 6


# -- a click during a scan --------------------------------------------------------------

def test_an_answer_given_while_the_scan_runs_neither_loses_the_digest_nor_the_answer(
        alerts, short_retries, monkeypatch):
    first = alerts.run()
    alerts.deliver()
    echo_digest = digests(alerts.engine)[0]
    assert "overdue:C-ECHO" in echo_digest.conditions
    alerts.clock.advance(days=6)  # Acme into 90+: this run has something to announce
    context = job_context(alerts.engine, alerts.config, clock=alerts.clock)
    clicks: list[threading.Thread] = []
    answered: list[str] = []

    def click() -> None:
        context["alerts"].acknowledge(Member(AMY, departments=frozenset({"sales"})),
                                      echo_digest.id, "overdue:C-ECHO")
        answered.append("done")

    def decide_while_someone_clicks(*args, **kwargs):  # type: ignore[no-untyped-def]
        # After the scan has read the states and before it writes them, Amy acknowledges
        # Echo's line of the first digest, from another thread (once); the scan goes on
        # when her click is through, or after half a second if the click waits for it.
        if not clicks:
            clicks.append(threading.Thread(target=click))
            clicks[0].start()
            clicks[0].join(0.5)
        return decide(*args, **kwargs)

    monkeypatch.setattr(alert_use_cases, "decide", decide_while_someone_clicks)
    result = run_job(alerts.engine, alerts_job(), context, alerts.host)
    clicks[0].join(10)
    assert first.outcome == "ok" and answered == ["done"]
    # The run went through, and the answer stands.
    assert result.outcome == "ok", result.error
    assert result.counts["announced"] == 1
    echo = states(alerts.engine)["overdue:C-ECHO"]
    assert echo.acknowledged_by == AMY
    assert states(alerts.engine)["overdue:C-ACME"].announced_level == 4
    check_consistent(alerts.engine, scans=2)
    alerts.deliver()
    updates = [c for c in alerts.emulator.calls_to("chat.update") if c.status == 200]
    assert updates  # the acknowledged digests were edited
    assert sorted(posted_outbox_ids(alerts.emulator).values()) == [1] * 9


def test_writes_elsewhere_during_a_scan_neither_fail_it_nor_fail(alerts, short_retries,
                                                               monkeypatch):
    writers: list[threading.Thread] = []
    done: list[str] = []

    def import_takes_its_lease(when: str) -> None:
        lease = try_acquire(alerts.engine, f"import:{when}", "someone", timedelta(seconds=5))
        assert lease is not None
        lease.release()
        done.append(when)

    def while_others_write(when: str, step: Callable[..., Any]) -> Callable[..., Any]:
        # At this step of the scan, another thread writes something unrelated (an import
        # taking and freeing its lease, as the sender or the view log would write); the
        # scan goes on once that write is through, or after half a second if it waits.
        def step_while_others_write(*args: Any, **kwargs: Any) -> Any:
            writer = threading.Thread(target=import_takes_its_lease, args=(when,))
            writers.append(writer)
            writer.start()
            writer.join(0.5)
            return step(*args, **kwargs)
        return step_while_others_write

    # After the portfolio is read, and between the states' read and their write.
    monkeypatch.setattr(alert_use_cases, "detect", while_others_write("read", detect))
    monkeypatch.setattr(alert_use_cases, "decide", while_others_write("decide", decide))
    result = alerts.run()
    for writer in writers:
        writer.join(10)
    assert result.outcome == "ok", result.error
    assert result.counts == {**FIRST_RUN, "attempts": 1}
    assert sorted(done) == ["decide", "read"]  # the other writes went through too
    check_consistent(alerts.engine, scans=1)
