"""The scheduler in one process: recorded runs, failures, coalesced missed runs, and a
leader that loses its lease stopping at once. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, update

from bot.scheduler import LEASE, Candidate, Scheduled
from handlers.registry import Job
from storage.host_processes import this_host
from storage.jobs import job_store, next_run_times, runs
from storage.leases import holder_of
from storage.models import LeaseRow
from tests.storage.test_write_gate import TURN_NOT_HAD, turn_not_had

SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_SECOND = "*/1 * * * * *"


def counting(name: str) -> Job:
    calls = iter(range(1, 10_000))
    return Job(name, "counts its calls", EVERY_SECOND, lambda _context: {"calls": next(calls)})


def failing(_context: Mapping[str, Any]) -> dict[str, int]:
    raise RuntimeError("the ERP export is not there yet")


def candidate(engine: Engine, *scheduled: Scheduled, holder: str = "test:1",
              lease: float = 3) -> Candidate:
    return Candidate(engine, scheduled, SHANGHAI, lease, lambda: {}, holder=holder)


@contextmanager
def running(subject: Candidate) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=subject.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
        assert not thread.is_alive()


def wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_job_that_raises_is_recorded_as_failed_and_the_runs_go_on(engine):
    boom = Job("boom", "always fails", EVERY_SECOND, failing)
    subject = candidate(engine, Scheduled(boom, EVERY_SECOND),
                        Scheduled(counting("tick"), EVERY_SECOND))
    with running(subject):
        wait_for(lambda: len(runs(engine, "boom")) >= 3 and len(runs(engine, "tick")) >= 3)
    failed = [r for r in runs(engine, "boom") if r.finished_at is not None]
    assert {(r.outcome, r.error, r.host) for r in failed} == {
        ("failed", "RuntimeError: the ERP export is not there yet", "test:1")}
    ticks = [r.counts for r in runs(engine, "tick") if r.outcome == "ok"]
    assert ticks[:3] == [{"calls": 1}, {"calls": 2}, {"calls": 3}]
    # Stopping released the lease: a standby elsewhere leads at its next check.
    assert holder_of(engine, LEASE) is None


def test_runs_missed_while_no_scheduler_ran_happen_once(engine):
    hourly = Scheduled(counting("tick"), "0 * * * *")
    led_once(candidate(engine, hourly))  # stores the job, next run at the top of the hour
    # The deployment was down for five hours: five slots went by.
    store = job_store(engine)
    store.start(BackgroundScheduler(timezone=SHANGHAI), "default")
    stored = store.lookup_job("tick")
    stored.next_run_time = datetime.now(UTC) - timedelta(hours=5, minutes=1)
    store.update_job(stored)
    with running(candidate(engine, hourly, holder="test:2")):
        wait_for(lambda: len(runs(engine, "tick")) >= 1)
        time.sleep(2)  # time for any further catch-up runs to show
    assert [(r.outcome, r.counts, r.host) for r in runs(engine, "tick")] == [
        ("ok", {"calls": 1}, "test:2")]
    upcoming = next_run_times(engine)["tick"]
    assert datetime.now(UTC) < upcoming <= datetime.now(UTC) + timedelta(hours=1)
    assert upcoming.astimezone(SHANGHAI).minute == 0


def test_a_leader_that_loses_its_lease_stops_at_once(engine):
    subject = candidate(engine, Scheduled(counting("tick"), EVERY_SECOND))
    subject.step()
    assert subject.leading and holder_of(engine, LEASE).holder == "test:1"
    wait_for(lambda: len(runs(engine, "tick")) >= 1)
    # Say its process stalled past the lease and another took over.
    with engine.begin() as conn:
        conn.execute(update(LeaseRow.__table__).values(
            holder="other:2", expires_at=datetime.now(UTC) + timedelta(minutes=1)))
    subject.step()  # the renewal finds the lease gone
    assert not subject.leading
    before = len(runs(engine, "tick"))
    time.sleep(2.2)
    assert len(runs(engine, "tick")) == before
    assert holder_of(engine, LEASE).holder == "other:2"


def test_only_one_of_two_candidates_leads_and_a_standby_takes_over_on_release(engine):
    first, second = (candidate(engine, Scheduled(counting("tick"), "0 3 * * *"), holder=h)
                     for h in ("a:1", "b:2"))
    first.step()
    second.step()
    assert (first.leading, second.leading) == (True, False)
    first.step()  # renews
    second.step()
    assert (first.leading, second.leading) == (True, False)
    with running(first):
        pass  # stops: releases the lease
    second.step()
    assert second.leading
    with running(second):
        pass


def led_once(subject: Candidate) -> None:
    """Leads (storing its jobs), then stops and releases the lease."""
    subject.step()
    assert subject.leading
    with running(subject):
        pass


def test_a_changed_schedule_counts_from_now_and_undeclared_jobs_are_dropped(engine):
    led_once(candidate(engine, Scheduled(counting("tick"), "0 3 * * *"),
                       Scheduled(counting("retired"), "0 4 * * *")))
    before = next_run_times(engine)
    assert set(before) == {"tick", "retired"}
    assert before["tick"].astimezone(SHANGHAI).hour == 3
    led_once(candidate(engine, Scheduled(counting("tick"), "30 5 * * *"), holder="test:2"))
    after = next_run_times(engine)
    assert set(after) == {"tick"}
    assert (after["tick"].astimezone(SHANGHAI).hour,
            after["tick"].astimezone(SHANGHAI).minute) == (5, 30)


def test_a_run_record_the_database_refuses_for_a_moment_is_written_when_it_answers(
        engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot import scheduler
    from storage import jobs as job_records

    monkeypatch.setattr(scheduler, "RECORD_PAUSES", (0.01, 0.01, 0.01))
    refusals = {"start": 2, "finish": 3}
    real = {"start": job_records.start_run, "finish": job_records.finish_run}

    def flaky(which):  # type: ignore[no-untyped-def]
        def write(*args, **kwargs):  # type: ignore[no-untyped-def]
            if refusals[which]:
                refusals[which] -= 1
                raise OperationalError("INSERT", {}, Exception("database is locked"))
            return real[which](*args, **kwargs)
        return write

    monkeypatch.setattr(job_records, "start_run", flaky("start"))
    monkeypatch.setattr(job_records, "finish_run", flaky("finish"))
    job = Job("tick", "", "0 3 * * *", lambda _context: {"ticks": 1})
    result = scheduler.run_job(engine, job, {}, "host:1")
    assert (result.outcome, result.counts, refusals) == ("ok", {"ticks": 1},
                                                         {"start": 0, "finish": 0})
    [run] = job_records.last_runs(engine).values()
    assert (run.outcome, run.counts) == ("ok", {"ticks": 1})


def test_a_run_is_logged_in_words_as_jobs_run_says_it(engine, caplog):
    # It logged the counts as a Python dict: {'reminders': 0, 'occurrences': 0}.
    import logging

    from bot import scheduler

    caplog.set_level(logging.INFO, logger=scheduler.log.name)
    scheduler.run_job(engine, Job("tick", "", "0 3 * * *",
                                  lambda _context: {"ticks": 2, "tocks": 0}), {}, "host:1")
    scheduler.run_job(engine, Job("idle", "", "0 3 * * *", lambda _context: {}), {}, "host:1")
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("job ")] == [
        "job tick: ok — ticks 2, tocks 0", "job idle: ok — nothing counted"]


def test_a_job_whose_start_cannot_be_recorded_does_not_run(engine, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from bot import scheduler
    from storage import jobs as job_records

    monkeypatch.setattr(scheduler, "RECORD_PAUSES", (0.01,))

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    ran: list[int] = []
    monkeypatch.setattr(job_records, "start_run", refused)
    job = Job("tick", "", "0 3 * * *", lambda _context: ran.append(1) or {})
    result = scheduler.run_job(engine, job, {}, "host:1")
    assert (result.outcome, ran) == ("failed", [])
    # The driver's words (not SQLAlchemy's wrapping of them), and what they mean.
    assert result.error == (
        "the database did not answer, so tick did not run: database is locked: another "
        "process was writing to the SQLite file (an import, a job, another creditbot) for "
        "longer than creditbot waits; try again once it is done")


def test_a_database_gone_mid_job_is_said_in_lines_not_tracebacks(engine, monkeypatch,
                                                                  caplog):
    """The database stopped during `jobs run alerts`: 475 lines of tracebacks of the
    driver's internals buried the reason, and the run showed "running" for a day."""
    from sqlalchemy.exc import OperationalError

    from bot import scheduler
    from domain.errors import RecordsUnavailable
    from storage import jobs as job_records

    monkeypatch.setattr(scheduler, "RECORD_PAUSES", (0.01,))
    gone = OperationalError("SELECT", {}, Exception(
        "connection failed: connection to server at \"127.0.0.1\", port 5432 failed:\n"
        "Connection refused"))

    def scan(_context: Mapping[str, Any]) -> dict[str, int]:
        raise RecordsUnavailable() from gone

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise gone

    monkeypatch.setattr(job_records, "finish_run", refused)
    host = scheduler.holder_name()
    result = scheduler.run_job(engine, Job("alerts", "", "0 3 * * *", scan), {}, host)
    reason = ('connection failed: connection to server at "127.0.0.1", port 5432 failed: '
              'Connection refused')
    assert (result.outcome, result.error) == (
        "failed", f"the database did not answer: {reason}")
    assert [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "creditbot.scheduler" and r.levelname != "WARNING"] == [
        ("ERROR", f"job alerts failed: the database did not answer: {reason}"),
        ("ERROR", "job alerts ended failed, but its record could not be written (the "
                  f"database did not answer: {reason}); it is written at this process's "
                  "next run")]
    assert not any(r.exc_info for r in caplog.records)
    [stuck] = job_records.runs(engine, "alerts")
    assert stuck.outcome == "running"
    monkeypatch.undo()
    # The next run on this host: the end kept is written (the process lives on: it stayed
    # "running" for a day); a run of a process that is gone is abandoned, another
    # host's is left alone.
    dead, here = _dead_pid(), this_host()
    # A process started after the run was only given the dead one's id (a restarted
    # container's scheduler): the run is abandoned all the same.
    started = datetime.now(UTC) - timedelta(minutes=5)
    reused = subprocess.Popen(["sleep", "30"])
    hosts = {"dead": f"{here}:{dead}", "elsewhere": f"elsewhere-{here}:{dead}",
             "reused": f"{here}:{reused.pid}", "odd": f"{here}:²",
             "huge": f"{here}:99999999999999999999", "parent": f"{here}:{os.getppid()}",
             "ahead": f"{here}:{dead}"}
    ahead = datetime.now(UTC) + timedelta(days=3)
    try:
        for name, on in hosts.items():
            # The parent (pytest's) started before now: its run is its own.
            job_records.start_run(engine, name, on, ahead if name == "ahead" else
                                  datetime.now(UTC) if name == "parent" else started)
        scheduler.run_job(engine, counting("tick"), {}, host)
    finally:
        reused.kill()
        reused.wait()
    gone = "no end was recorded: its process ({}) is gone"
    runs = {r.name: r for r in job_records.runs(engine)}
    # Dated ahead (a clock set wrong): it does not end before it began.
    assert runs["ahead"].finished_at == runs["ahead"].started_at
    assert sorted((r.name, r.host, r.outcome, r.error) for r in job_records.runs(engine)) == [
        ("ahead", hosts["ahead"], "abandoned", gone.format(hosts["ahead"])),
        ("alerts", host, "failed", f"the database did not answer: {reason}"),
        ("dead", hosts["dead"], "abandoned", gone.format(hosts["dead"])),
        ("elsewhere", hosts["elsewhere"], "running", None),
        # Written by hand: left as it is, and no job is stopped by it.
        ("huge", hosts["huge"], "running", None),
        ("odd", hosts["odd"], "running", None),
        # A process that started before the run and still runs: alive.
        ("parent", hosts["parent"], "running", None),
        ("reused", hosts["reused"], "abandoned", gone.format(hosts["reused"])),
        ("tick", host, "ok", None)]


def _dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_lease_of_this_hosts_leader_that_no_longer_runs_is_taken_at_once(engine, caplog):
    """serve's scheduler child, killed and started again, stood by for the rest of its
    predecessor's lease, about 40 s with no job running."""
    from storage.leases import try_acquire

    dead = f"{this_host()}:{_dead_pid()}"
    held = try_acquire(engine, LEASE, dead, timedelta(seconds=60))
    assert held is not None
    restarted = candidate(engine, holder=f"{this_host()}:{os.getpid()}", lease=60)
    caplog.set_level("INFO", logger="creditbot.scheduler")
    restarted.step()
    try:
        assert restarted.leading
        assert [r.getMessage() for r in caplog.records if r.name == "creditbot.scheduler"] == [
            f"took over the scheduler lease of {dead}, which no longer runs",
            f"{this_host()}:{os.getpid()} leads the scheduler"]
    finally:
        restarted.run(_stopped())
    # One that still runs (pytest's parent) keeps it.
    alive = try_acquire(engine, LEASE, f"{this_host()}:{os.getppid()}", timedelta(seconds=60))
    assert alive is not None
    standby = candidate(engine, holder=f"{this_host()}:{os.getpid()}", lease=60)
    standby.step()
    assert not standby.leading
    alive.release()


YEARLY = "0 9 1 1 *"


def test_a_run_whose_process_died_is_run_again_once_by_the_next_leader(engine, caplog):
    """A leader killed mid-job: APScheduler had counted the run, so Friday's alerts waited
    for Monday and a week's report was never posted."""
    from storage import jobs as job_records

    killed_at = datetime.now(UTC) - timedelta(minutes=1)
    job_records.start_run(engine, "report", f"{this_host()}:{_dead_pid()}", killed_at)
    # Not scheduled here: marked, not run.
    job_records.start_run(engine, "retired", f"{this_host()}:{_dead_pid()}", killed_at)
    # Marked by another process before this one leads (`creditbot jobs run` on the same
    # host marks what it finds dead): run again all the same.
    alerts = job_records.start_run(engine, "alerts", "elsewhere:1", killed_at)
    job_records.abandon_run(engine, alerts, killed_at, "no end was recorded")
    caplog.set_level("INFO", logger="creditbot.scheduler")
    subject = candidate(engine, Scheduled(counting("report"), YEARLY),
                        Scheduled(counting("alerts"), YEARLY))
    with running(subject):
        wait_for(lambda: [r.outcome for r in runs(engine, "report")] == ["abandoned", "ok"]
                 and [r.outcome for r in runs(engine, "alerts")] == ["abandoned", "ok"])
        # The job itself was made due now, not a second job beside it (which could run
        # at once with its own next slot): its next run is its schedule's again.
        assert subject._scheduler is not None
        assert sorted(job.id for job in subject._scheduler.get_jobs()) == ["alerts", "report"]
        assert {job.next_run_time.month for job in subject._scheduler.get_jobs()} == {1}
    assert [r.outcome for r in runs(engine, "retired")] == ["abandoned"]
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [w for w in warned if w.startswith("job report")] == [
        f"job report's run started {killed_at.isoformat(timespec='seconds')} ended with its "
        f"process ({runs(engine, 'report')[0].host}): running it again now"]
    # Killed once more: run again only once, not at every takeover.
    job_records.start_run(engine, "report", f"{this_host()}:{_dead_pid()}", killed_at)
    job_records.start_run(engine, "report", f"{this_host()}:{_dead_pid()}", killed_at)
    caplog.clear()
    with running(candidate(engine, Scheduled(counting("report"), YEARLY))):
        wait_for(lambda: runs(engine, "report")[-1].outcome == "abandoned")
        time.sleep(1.5)
    assert [r.outcome for r in runs(engine, "report")] == ["abandoned", "ok", "abandoned",
                                                           "abandoned"]
    [said] = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert said == (f"job report's last two runs ended with no end recorded (the latest "
                    f"started {killed_at.isoformat(timespec='seconds')}): not run again until "
                    "its next time; look at what stops it")


def test_a_run_abandoned_before_its_jobs_later_slot_is_not_run_again(engine, caplog):
    """A job killed mid-run, then switched off and on again long after: its old run was
    made again at the next takeover, beside the slot that had long replaced it."""
    from storage import jobs as job_records

    long_ago = datetime.now(UTC) - timedelta(days=800)
    job_records.start_run(engine, "report", f"{this_host()}:{_dead_pid()}", long_ago)
    caplog.set_level("INFO", logger="creditbot.scheduler")
    with running(candidate(engine, Scheduled(counting("report"), YEARLY))):
        wait_for(lambda: runs(engine, "report")[-1].outcome == "abandoned")
        time.sleep(1.5)
    assert [r.outcome for r in runs(engine, "report")] == ["abandoned"]
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("job report")]
    slot = datetime(long_ago.year + 1, 1, 1, 9, tzinfo=SHANGHAI)
    assert said == [f"job report's run started {long_ago.isoformat(timespec='seconds')} ended "
                    f"with its process; its next time ({slot.isoformat(timespec='minutes')}) "
                    "has come since: not run again"]


def test_a_standby_says_once_who_holds_the_lease_and_until_when(engine, caplog):
    # A scheduler restarted after its predecessor was killed waited for that lease to
    # run out, up to a lease's length, without a word.
    from storage.leases import try_acquire

    held = try_acquire(engine, LEASE, "killed-host:41", timedelta(seconds=60))
    assert held is not None
    standby = candidate(engine, holder="restarted-host:42", lease=60)
    caplog.set_level("INFO", logger="creditbot.scheduler")
    standby.step()
    standby.step()
    assert not standby.leading
    said = [r.getMessage() for r in caplog.records if r.name == "creditbot.scheduler"]
    assert said == [
        "restarted-host:42 stands by: killed-host:41 holds the scheduler lease until "
        f"{held.expires_at.isoformat(timespec='seconds')}; this process takes over if it "
        "is not renewed by then"]
    held.release()
    standby.step()
    try:
        assert standby.leading
        assert [r.getMessage() for r in caplog.records
                if r.name == "creditbot.scheduler"][1:] == ["restarted-host:42 leads the scheduler"]
    finally:
        standby.run(_stopped())


def _stopped() -> threading.Event:
    stop = threading.Event()
    stop.set()
    return stop


def _logged_after_failing_checks(engine, caplog, monkeypatch, holder: str, failures: int,
                                 error) -> list:
    """What a candidate whose first ``failures`` checks raise ``error()`` logs until it
    leads."""
    from bot import scheduler

    monkeypatch.setattr(scheduler, "STANDBY_CHECK_SECONDS", 0.02)
    subject = candidate(engine, holder=holder)
    checks = {"n": 0}
    real_step = subject.step

    def step() -> None:
        checks["n"] += 1
        if checks["n"] <= failures:
            raise error()
        real_step()

    monkeypatch.setattr(subject, "step", step)
    caplog.set_level("INFO", logger="creditbot.scheduler")
    with running(subject):
        wait_for(lambda: subject.leading)
    return [r for r in caplog.records if r.name == "creditbot.scheduler"]


def test_a_database_away_is_logged_in_a_line_then_a_line_a_while(
        engine, caplog, monkeypatch):
    """A 15-second outage logged 825 lines, 16 tracebacks among them; then one
    traceback of 60 lines, the only one of the outage's log, which says no more than
    the driver's reason."""
    from sqlalchemy.exc import OperationalError

    from bot import scheduler

    monkeypatch.setattr(scheduler, "FAILURE_REPEAT_SECONDS", 0.25)
    # About 0.8 s away.
    said = _logged_after_failing_checks(engine, caplog, monkeypatch, "host:7", 40, (
        lambda: OperationalError("SELECT 1", {}, Exception("server closed the connection"))))
    assert said[0].getMessage() == "scheduler candidate host:7: lease 3.0s"
    assert said[1].getMessage() == ("scheduler candidate host:7: check failed: the "
                                    "database cannot be used: server closed the "
                                    "connection")
    assert said[1].exc_info is None
    repeats = [r.getMessage() for r in said[2:] if "still failing" in r.getMessage()]
    assert 1 <= len(repeats) <= 5 and all(r.exc_info is None for r in said[2:])
    assert all(re.fullmatch(
        r"scheduler candidate host:7: checks still failing \(\d+ since \S+\): "
        r"OperationalError: \(builtins.Exception\) server closed the connection", line)
        for line in repeats), repeats
    back = [r.getMessage() for r in said if "work again" in r.getMessage()]
    assert len(back) == 1 and re.fullmatch(
        r"scheduler candidate host:7: checks work again after 40 failed since \S+", back[0])
    assert "host:7 leads the scheduler" in [r.getMessage() for r in said]


def on_a_file(engine: Engine, caplog: Any, monkeypatch: Any, holder: str
              ) -> tuple[Candidate, Path]:
    """A candidate on an SQLite file, checking often, its lines captured."""
    from bot import scheduler
    from storage.db import sqlite_path

    monkeypatch.setattr(scheduler, "STANDBY_CHECK_SECONDS", 0.05)
    path = sqlite_path(engine)
    assert path is not None
    caplog.set_level("INFO", logger="creditbot.scheduler")
    return candidate(engine, holder=holder), path


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_file_moved_away_stops_the_jobs_until_it_is_back(engine, caplog,
                                                                     monkeypatch):
    """The pooled connections kept the moved file open: a job ran there, unseen."""
    subject, path = on_a_file(engine, caplog, monkeypatch, "host:8")
    with running(subject):
        wait_for(lambda: subject.leading)
        away = path.with_name(path.name + ".away")
        os.rename(path, away)
        wait_for(lambda: not subject.leading)
        os.rename(away, path)
        wait_for(lambda: subject.leading)
    said = [r for r in caplog.records if r.name == "creditbot.scheduler"]
    gone = [r for r in said if "does not exist" in r.getMessage()]
    assert [r.getMessage() for r in gone] == [
        f"scheduler candidate host:8: check failed: the database file {path} does not exist "
        "(moved or deleted?): no job runs until it is back, with its -wal file"]
    assert gone[0].exc_info is None
    assert any(re.fullmatch(r"scheduler candidate host:8: checks work again after \d+ "
                            r"failed since \S+", r.getMessage()) for r in said)
    # Its own lease, let go of at the failure, is released when the file is back: it
    # leads at once rather than stand by for itself until the lease runs out.
    assert not [r for r in said if "stands by" in r.getMessage()]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_database_file_replaced_by_a_copy_is_said_and_opened_anew(engine, caplog,
                                                                     monkeypatch):
    """`cp db copy; mv copy db` went unseen: the jobs ran on in the replaced file."""
    subject, path = on_a_file(engine, caplog, monkeypatch, "host:9")
    with running(subject):
        wait_for(lambda: subject.leading)
        engine.dispose()  # a copy of a file no connection writes to just now
        copy = path.with_name("copy.db")
        shutil.copyfile(path, copy)
        os.replace(copy, path)
        # It stops, then leads again at the next check (its lease released): too quick a
        # gap to watch for, so the line that says it is waited for.
        wait_for(lambda: any("replaced" in r.getMessage() for r in caplog.records))
        wait_for(lambda: subject.leading)
    said = [r.getMessage() for r in caplog.records if r.name == "creditbot.scheduler"]
    assert [m for m in said if "replaced" in m] == [
        f"scheduler candidate host:9: check failed: the database file {path} was replaced "
        "while creditbot ran (a copy restored?): it is opened anew. Stop every creditbot "
        "process before restoring a copy, and restore or delete its -wal and -shm files "
        "with it"]


def test_a_leader_stopped_says_it_released_the_lease(engine, caplog):
    """Stopping it logged APScheduler's "shut down" alone."""
    subject = candidate(engine, holder="host:10")
    caplog.set_level("INFO", logger="creditbot.scheduler")
    with running(subject):
        wait_for(lambda: subject.leading)
    said = [r.getMessage() for r in caplog.records if r.name == "creditbot.scheduler"]
    assert said[-1] == ("host:10 released the scheduler lease: a standby leads at its next "
                        "check")
    assert holder_of(engine, LEASE) is None


def test_a_standby_stopped_says_so(engine, caplog):
    """A standby stopped with SIGTERM logged nothing, where the leader says it released
    the lease: its operator could not tell it had stopped."""
    leader, standby = candidate(engine, holder="host:11"), candidate(engine, holder="host:12")
    caplog.set_level("INFO", logger="creditbot.scheduler")
    with running(leader):
        wait_for(lambda: leader.leading)
        with running(standby):
            wait_for(lambda: any("host:12 stands by" in r.getMessage()
                                 for r in caplog.records))
        said = [r.getMessage() for r in caplog.records if r.name == "creditbot.scheduler"]
        assert said[-1] == "scheduler candidate host:12 stopped (it did not lead)"


def test_a_check_failing_for_another_reason_is_logged_with_its_traceback(
        engine, caplog, monkeypatch):
    # Not the database's state: a bug to find, so its first failure keeps the trace.
    said = _logged_after_failing_checks(engine, caplog, monkeypatch, "host:6", 2,
                                        lambda: RuntimeError("a bug"))
    assert said[1].getMessage() == "scheduler candidate host:6: check failed"
    assert said[1].exc_info is not None and said[1].exc_info[0] is RuntimeError


def test_a_pass_whose_job_store_fails_for_a_moment_does_not_end_the_scheduler(
        engine, monkeypatch, caplog):
    # The job store's write after a run failed (the database locked for 2.7 s): the
    # exception ended APScheduler's thread, the leader went on renewing its lease, and
    # no job ran again until someone restarted the process.
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from sqlalchemy.exc import OperationalError

    subject = candidate(engine, Scheduled(counting("tick"), EVERY_SECOND))
    real = SQLAlchemyJobStore.update_job
    failures = iter(range(3))

    def locked(self, job):  # type: ignore[no-untyped-def]
        if next(failures, None) is not None:
            raise OperationalError("UPDATE apscheduler_jobs", {},
                                   Exception("database is locked"))
        return real(self, job)

    caplog.set_level(logging.INFO, logger="creditbot.scheduler")
    # A second between passes, not 5: three of them took 15 s of the suite.
    monkeypatch.setattr("bot.scheduler.PASS_RETRY_SECONDS", 1.0)
    with running(subject):
        wait_for(lambda: len(runs(engine, "tick")) >= 1)
        monkeypatch.setattr(SQLAlchemyJobStore, "update_job", locked)
        before = len(runs(engine, "tick"))
        # Three failed passes (each run again a second later), then passes that work.
        wait_for(lambda: len(runs(engine, "tick")) >= before + 6, seconds=40)
        assert subject.leading
    said = [r.getMessage() for r in caplog.records if "pass over its jobs" in r.getMessage()]
    assert said[0] == (
        "the scheduler's pass over its jobs failed (OperationalError: (builtins.Exception) "
        "database is locked); trying again every 1 s")
    assert "the scheduler's passes over its jobs work again" in [
        r.getMessage() for r in caplog.records]


def test_a_leader_whose_scheduler_thread_ended_steps_down_and_leads_again(engine, caplog):
    subject = candidate(engine, Scheduled(counting("tick"), EVERY_SECOND))
    subject.step()
    assert subject.leading
    scheduler = subject._scheduler
    assert scheduler is not None
    # As if its thread had died (an error APScheduler's loop does not catch).
    dead = threading.Thread(target=lambda: None)
    dead.start()
    dead.join()
    real, scheduler._thread = scheduler._thread, dead
    subject.step()
    real.join(timeout=10)
    assert not real.is_alive()
    assert not subject.leading
    assert "test:1: the scheduler's thread ended; stepping down" in [
        r.getMessage() for r in caplog.records]
    subject.step()  # its own lease, let go, is taken again at once
    assert subject.leading and holder_of(engine, LEASE).holder == "test:1"
    with running(subject):
        pass


def _locked() -> Exception:
    return RuntimeError("database is locked")


@pytest.mark.parametrize(("failure", "logged"), [
    (_locked, "RuntimeError: database is locked"),
    (turn_not_had, TURN_NOT_HAD),
], ids=["locked", "turn-not-had"])
def test_a_renewal_that_fails_for_a_moment_does_not_wait_out_its_own_lease(
        engine, monkeypatch, caplog, failure, logged):
    # The database locked for a second as the leader renewed: it stood by for its own
    # lease (45 s by default), and so did every standby, with nothing running.
    from storage.leases import Lease

    subject = candidate(engine, Scheduled(counting("tick"), "0 3 * * *"), lease=60)
    subject.step()
    assert subject.leading
    real = Lease.renew

    def locked(self, connection=None):  # type: ignore[no-untyped-def]
        raise failure()

    monkeypatch.setattr(Lease, "renew", locked)
    subject.step()
    assert not subject.leading  # no job runs on a lease it cannot confirm
    monkeypatch.setattr(Lease, "renew", real)
    subject.step()  # the database answers: its own lease back at once, not in 60 s
    assert subject.leading and holder_of(engine, LEASE).holder == "test:1"
    assert (f"could not renew the scheduler lease ({logged}); "
            "stopping the scheduler until the database answers") in [
        r.getMessage() for r in caplog.records]
    with running(subject):
        pass


def test_a_lease_written_by_a_clock_ahead_is_said(engine, caplog, monkeypatch):
    # A host whose clock ran a minute ahead took the lease from a healthy leader as soon
    # as it thought the lease ran out, and two schedulers ran together: nothing said so.
    import storage.leases
    from storage.leases import try_acquire

    real = storage.leases._now
    monkeypatch.setattr(storage.leases, "_now", lambda: real() + timedelta(seconds=60))
    held = try_acquire(engine, LEASE, "fast-host:7", timedelta(seconds=45))
    assert held is not None
    monkeypatch.setattr(storage.leases, "_now", real)
    standby = candidate(engine, holder="slow-host:8", lease=45)
    standby.step()
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1
    ahead = int(warned[0].split(", ")[1].split(" s ")[0])
    assert 58 <= ahead <= 60
    assert warned[0] == (
        f"fast-host:7 holds the scheduler lease until "
        f"{held.expires_at.isoformat(timespec='seconds')}, {ahead} s further ahead than a "
        "lease of 45 s by this host's clock: the two hosts' clocks differ (or their "
        "lease_seconds). A host whose clock runs ahead takes the lease over early, and two "
        "schedulers run together; keep the hosts' clocks in step (NTP)")
