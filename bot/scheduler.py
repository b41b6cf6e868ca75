"""Exactly one scheduler per deployment: the jobs the features declare, run on their
schedules by whichever process holds the lease ``scheduler``.

Every candidate (``creditbot scheduler``, or the one ``creditbot serve`` starts per host)
loops: a standby tries to take the lease every few seconds; the leader renews it at a
third of its life and runs APScheduler while it holds it. If a renewal fails, the
scheduler stops at once, before the lease can run out and a standby take over, so two
schedulers never run together. A leader that dies simply stops renewing: a standby takes
over within the lease plus one check.

APScheduler keeps each job's next run time in its SQLAlchemy job store, in creditbot's
database, so a new leader or a restart continues from where the last one stopped: a run
missed while no scheduler ran happens once (``coalesce``), not once per missed slot.
Every run is recorded in ``job_runs`` in transactions of its own; a job that raises is
recorded as failed and the scheduler goes on.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as SqlTimeout

from bot.config.schema import AppConfig, cron_trigger
from bot.log_lines import counts_text
from domain.errors import RecordsUnavailable, behind
from handlers.registry import Job, JobCannotRun
from storage import jobs as job_records
from storage.db import sqlite_path, unavailable_reason
from storage.host_processes import ended_here, this_host
from storage.leases import (
    SCHEDULER_LEASE,
    Lease,
    LeaseState,
    holder_of,
    take_from,
    try_acquire,
)
from storage.unit_of_work import is_unavailable

log = logging.getLogger("creditbot.scheduler")

LEASE = SCHEDULER_LEASE
# A standby asks for the lease this often at most: takeover within lease + one check.
STANDBY_CHECK_SECONDS = 5.0
# While the database is away every check fails alike: the first failure is logged with
# its traceback, the later ones in one line this often (an outage of an hour logged 200k
# lines at a check every few seconds), and the first check that works again once.
FAILURE_REPEAT_SECONDS = 60.0
# A lease running out this much further ahead than its length is a clock out of step.
CLOCK_SKEW_SECONDS = 5.0
# A run missed while no scheduler ran still happens, once, if it is at most this late;
# a deployment down for longer than a week has bigger worries than housekeeping.
MISFIRE_GRACE_SECONDS = 7 * 24 * 3600

ContextFactory = Callable[[], Mapping[str, Any]]


def holder_name() -> str:
    """Who a run or a lease belongs to, as operators see it in job_runs."""
    return f"{this_host()}:{os.getpid()}"


@dataclass(frozen=True)
class Scheduled:
    """A job and the cron expression it runs on here."""

    job: Job
    schedule: str


def scheduled_jobs(jobs: Sequence[Job], config: AppConfig) -> list[Scheduled]:
    """Each declared job with its schedule: app.yaml's, else the job's own."""
    names = [job.name for job in jobs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"job {', '.join(twice)} is declared twice")
    return [Scheduled(job, config.schedules.of(job.name) or job.schedule) for job in jobs]


@dataclass(frozen=True)
class RunResult:
    name: str
    outcome: str
    counts: dict[str, int]
    error: str | None


INTERRUPTED = "interrupted (Ctrl-C or SIGTERM) before it finished"

# Pauses between tries of writing a run's record while the database does not answer
# (SQLite locked by an import, PostgreSQL restarting): about half a minute in all, and
# on SQLite each try waits up to 5 s for the writers' turn (storage.jobs): about a
# minute then.
RECORD_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)

T = TypeVar("T")


def _recorded(what: str, write: Callable[[], T]) -> T:
    for pause in (*RECORD_PAUSES, None):
        try:
            return write()
        except (DBAPIError, SqlTimeout) as problem:
            if pause is None:
                raise
            log.warning("could not write %s (%s); trying again in %.1f s", what,
                        str(problem).splitlines()[0][:200], pause)
            time.sleep(pause)
    raise AssertionError("unreachable")  # the last try returns or raises


def run_job(engine: Engine, job: Job, context: Mapping[str, Any], host: str) -> RunResult:
    """Runs ``job`` once and records it. A job that raises is recorded as failed with its
    exception; nothing propagates, so one bad job cannot stop a scheduler. The record is
    written again and again for about half a minute to a minute while the database does
    not answer;
    a job whose start cannot be recorded does not run (it fails, said in the log), and a
    run whose end cannot be recorded is kept and written at the process's next run. The
    run is dated by the context's clock, the one its job reads (the sandbox moves it):
    housekeeping
    counted its own run abandoned, started "two days ago", after ``:clock +2d``."""
    clock: Callable[[], datetime] = context.get("clock") or (lambda: datetime.now(UTC))
    _write_unwritten()
    _abandon_dead_runs(engine, clock)
    try:
        run_id = _recorded(f"the start of {job.name}", lambda: job_records.start_run(
            engine, job.name, host, clock()))
    except (DBAPIError, SqlTimeout) as problem:
        error = (f"the database did not answer, so {job.name} did not run: "
                 f"{unavailable_reason(problem)}")
        log.error("%s", error)
        return RunResult(job.name, "failed", {}, error)
    try:
        counts = {str(key): int(value) for key, value in job.run(context).items()}
    except Exception as problem:
        reason = outage(problem)
        if isinstance(problem, JobCannotRun):
            error = str(problem)
            log.error("job %s failed: %s", job.name, error)
        elif reason is None:
            error = "".join(traceback.format_exception_only(problem)).strip()
            log.exception("job %s failed", job.name)
        else:
            # The database's state, not a bug: a line, not a traceback of its internals.
            error = f"the database did not answer: {reason}"
            log.error("job %s failed: %s", job.name, error)
        _finish(engine, job.name, run_id, "failed", {}, error, clock)
        return RunResult(job.name, "failed", {}, error)
    except KeyboardInterrupt:
        # Ctrl-C or a kill of `creditbot jobs run`: the run ends on record, not
        # "running" for ever; what the job committed before it stays committed.
        _finish(engine, job.name, run_id, "failed", {}, INTERRUPTED, clock)
        raise
    _finish(engine, job.name, run_id, "ok", counts, None, clock)
    log.info("job %s: ok — %s", job.name, counts_text(counts))
    return RunResult(job.name, "ok", counts, None)


# The ends of runs the database would not record, kept in the process and written at
# its next run (the process lives on, so no later run would find the run abandoned).
_unwritten: list[Callable[[], None]] = []
_unwritten_lock = threading.Lock()


def _finish(engine: Engine, name: str, run_id: int, outcome: str, counts: dict[str, int],
            error: str | None, clock: Callable[[], datetime]) -> None:
    ended = clock()

    def write() -> None:
        job_records.finish_run(engine, run_id, outcome, ended, counts, error=error)

    try:
        _recorded(f"the end of {name}", write)
    except (DBAPIError, SqlTimeout) as problem:
        log.error("job %s ended %s, but its record could not be written (the database did "
                  "not answer: %s); it is written at this process's next run", name,
                  outcome, outage(problem))
        with _unwritten_lock:
            _unwritten.append(write)


def _write_unwritten() -> None:
    """The run ends kept while the database was away, written now it may answer."""
    with _unwritten_lock:
        pending = list(_unwritten)
        _unwritten.clear()
    for number, write in enumerate(pending):
        try:
            write()
        except (DBAPIError, SqlTimeout):
            with _unwritten_lock:
                _unwritten.extend(pending[number:])
            return


def outage(problem: BaseException) -> str | None:
    """The database not answering behind ``problem`` (or what caused it), on one line;
    ``None`` when ``problem`` is something else."""
    seen: BaseException | None = problem
    while seen is not None:
        if isinstance(seen, SQLAlchemyError) and is_unavailable(seen):
            return unavailable_reason(seen)
        if isinstance(seen, RecordsUnavailable):
            # Raised "from None" where the driver's words would say no more.
            cause = seen.__cause__
            return (unavailable_reason(cause) if isinstance(cause, SQLAlchemyError)
                    else "the credit records are not answering")
        seen = seen.__cause__ or seen.__context__
    return None


def _abandon_dead_runs(engine: Engine, clock: Callable[[], datetime]
                       ) -> list[job_records.JobRun]:
    """Marks ``abandoned`` the runs this host's processes left ``running`` and that no
    process of theirs runs any more (a kill -9, a run whose end could not be written while
    the database was away): "still running" for a day, until housekeeping, misleads.
    Returns the runs it marked."""
    marked = []
    try:
        for run in job_records.running_on(engine, this_host()):
            # Never ending before it began (a run dated ahead, by a clock set wrong).
            if ended_here(run.host, run.started_at) and job_records.abandon_run(
                    engine, run.id, max(clock(), run.started_at),
                    f"no end was recorded: its process ({run.host}) is gone"):
                marked.append(run)
    except (DBAPIError, SqlTimeout):
        pass  # the start's own record says what the database does
    return marked


def job_context(engine: Engine, config: AppConfig,
                clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                slack: Any = None, on_holiday: bool = False) -> dict[str, Any]:
    """What a job's ``run(context)`` gets: the time and the ports and use cases jobs
    declare. ``clock`` is the time the use cases see (the sandbox moves it); ``slack``
    a Web API client for the jobs that ask Slack (``None``: no token); ``on_holiday``:
    the jobs that keep the organisation's holidays run all the same (an operator's
    ``jobs run --on-holiday``)."""
    from bot.wiring import (
        build_alerts,
        build_assignments,
        build_collecting,
        build_orders,
        build_requests,
        credit_data_access,
    )
    from domain.collections.reminders import CollectionsJob
    from storage.slack_locales import RememberedLocales, SlackLocales
    from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

    sessions = unit_of_work_factory(engine)
    access = credit_data_access(config)
    # The DMs a job queues read in each person's Slack language as the bot learnt it.
    remembered = RememberedLocales(SlackLocales(sessions)).get
    alerts = build_alerts(lambda: SqlUnitOfWork(sessions), config, access, clock,
                          remembered=remembered)
    requests = build_requests(lambda: SqlUnitOfWork(sessions), config, access, clock,
                              remembered=remembered)
    orders = build_orders(lambda: SqlUnitOfWork(sessions), config, access, clock,
                          remembered=remembered)
    assignments = build_assignments(lambda: SqlUnitOfWork(sessions), config, access, clock,
                                    remembered=remembered)
    collecting = build_collecting(lambda: SqlUnitOfWork(sessions), config, access, clock,
                                  remembered=remembered)
    from bot.wiring import build_weekly_report

    weekly_report = build_weekly_report(lambda: SqlUnitOfWork(sessions), config, access,
                                        clock)
    from bot.wiring import build_meetings, build_tasks
    from domain.meetings.reminders import MeetingsJob

    # The meetings job's task reminders and overdue digests (domain.meetings.tasks).
    meeting_tasks = build_tasks(lambda: SqlUnitOfWork(sessions), config, clock,
                                remembered=remembered)
    from bot.wiring import destination_locales

    return {"now": clock(), "clock": clock, "config": config, "on_holiday": on_holiday,
            "records": job_records.SqlRecords(engine),
            # For a job's own notes: the language its cards use for each destination.
            "locale_of": destination_locales(config, remembered),
            "slack": slack, "slack_locales": SlackLocales(sessions),
            "alerts": alerts, "requests": requests, "orders": orders,
            "assignments": assignments,
            "collections_job": CollectionsJob(collecting),
            "weekly_report": weekly_report, "meeting_tasks": meeting_tasks,
            "meetings_job": MeetingsJob(
                build_meetings(lambda: SqlUnitOfWork(sessions), config, access, clock,
                               remembered=remembered), meeting_tasks)}


# APScheduler's job store keeps a textual reference to the function it calls, so that
# function is module-level and finds its candidate here, by the holder name the job
# carries as its argument.
_leaders: dict[str, Candidate] = {}
_leaders_lock = threading.Lock()


def fire(holder: str, name: str) -> None:
    with _leaders_lock:
        candidate = _leaders.get(holder)
    if candidate is None:
        log.warning("job %s fired for %s, which no longer leads here; skipped", name, holder)
        return
    candidate.fire(name)


_FIRE = f"{__name__}:fire"


# After a pass of the scheduler's loop failed (its job store's database away), the next
# is tried this soon.
PASS_RETRY_SECONDS = 5.0


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    _failed_since: float | None = None
    _said_at = 0.0

    def _process_jobs(self) -> float | None:
        # APScheduler 3's loop makes one more pass when shutdown wakes it; with the
        # executors gone that pass logs errors and moves stored next run times on, on
        # behalf of a scheduler that no longer leads.
        if self.state == STATE_STOPPED:
            return None
        try:
            wait: float | None = super()._process_jobs()
        except Exception as problem:
            # Uncaught, it ended the loop's thread: the process went on renewing its
            # lease and running nothing, and no standby could take over. A job whose next
            # run time could not be stored runs again at the next pass (jobs are written
            # so that a run repeated changes and sends nothing twice).
            now = time.monotonic()
            if self._failed_since is None or now - self._said_at >= FAILURE_REPEAT_SECONDS:
                log.error("the scheduler's pass over its jobs failed (%s); trying again "
                          "every %.0f s", _first_line(problem), PASS_RETRY_SECONDS)
                self._said_at = now
            if self._failed_since is None:
                self._failed_since = now
            return PASS_RETRY_SECONDS
        if self._failed_since is not None:
            log.info("the scheduler's passes over its jobs work again")
            self._failed_since = None
        return wait


class DatabaseFileGone(RuntimeError):
    """The SQLite file the URL names is not there, or not the one this process opened
    (said in a line, no traceback)."""


def _first_line(problem: BaseException) -> str:
    problem = behind(problem)
    text = " ".join(str(problem).split("\n", 1)[0].split())
    return f"{type(problem).__name__}: {text[:300]}"


class _Failures:
    """A streak of failed checks, logged as FAILURE_REPEAT_SECONDS says."""

    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.count = 0
        self.since = datetime.now(UTC)
        self.said_at = 0.0

    def failed(self, problem: Exception) -> None:
        self.count += 1
        now = time.monotonic()
        if self.count == 1:
            self.since, self.said_at = datetime.now(UTC), now
            if isinstance(problem, DatabaseFileGone):
                log.error("scheduler candidate %s: check failed: %s", self.holder, problem)
            elif isinstance(problem, SQLAlchemyError) and is_unavailable(problem):
                # The database down or unreachable: its reason in a line, as the rest of
                # an outage is logged (a traceback says nothing more about it).
                # "Not answering" was said of a full disk too.
                log.error("scheduler candidate %s: check failed: the database cannot be "
                          "used: %s", self.holder, unavailable_reason(problem))
            else:
                log.exception("scheduler candidate %s: check failed", self.holder)
        elif now - self.said_at >= FAILURE_REPEAT_SECONDS:
            self.said_at = now
            log.error("scheduler candidate %s: checks still failing (%d since %s): %s",
                      self.holder, self.count, self.since.isoformat(timespec="seconds"),
                      _first_line(problem))

    def worked(self) -> None:
        if self.count:
            log.info("scheduler candidate %s: checks work again after %d failed since %s",
                     self.holder, self.count, self.since.isoformat(timespec="seconds"))
            self.count = 0


class Candidate:
    """One process's bid to run the scheduler; ``run(stop)`` until ``stop`` is set."""

    def __init__(self, engine: Engine, scheduled: Sequence[Scheduled], zone: tzinfo,
                 lease_seconds: float, context: ContextFactory,
                 holder: str | None = None) -> None:
        self.engine = engine
        self.scheduled = {s.job.name: s for s in scheduled}
        self.zone = zone
        self.ttl = timedelta(seconds=lease_seconds)
        self.context = context
        self.holder = holder or holder_name()
        self._lease: Lease | None = None
        self._scheduler: BackgroundScheduler | None = None
        # The other holder last logged, so that a standby says so once, not every check.
        self._standing_by_for: str | None = None
        # The SQLite file's (device, inode) as first found: a copy put in its place differs.
        self._file_id: tuple[int, int] | None = None
        # The lease let go of after a failed check, released once the database answers
        # (else this process would stand by for its own lease until it ran out).
        self._forgotten: Lease | None = None

    @property
    def leading(self) -> bool:
        return self._scheduler is not None

    def run(self, stop: threading.Event) -> None:
        """Stands by or leads until ``stop`` is set; then stops the scheduler and releases
        the lease, so a standby elsewhere takes over at its next check."""
        renew_every = self.ttl.total_seconds() / 3
        standby_every = min(STANDBY_CHECK_SECONDS, renew_every)
        log.info("scheduler candidate %s: lease %ss", self.holder, self.ttl.total_seconds())
        failures = _Failures(self.holder)
        try:
            while not stop.is_set():
                try:
                    self.step()
                except Exception as problem:
                    # The database may be away for a moment; never lead on a guess. The
                    # lease is forgotten with the scheduler (renewing it without one
                    # would keep everyone from leading); it runs out, then is taken anew.
                    failures.failed(problem)
                    self._step_down()
                    self._forgotten, self._lease = self._lease or self._forgotten, None
                else:
                    failures.worked()
                stop.wait(renew_every if self.leading else standby_every)
        finally:
            self._step_down()
            if self._lease is not None:
                lease, self._lease = self._lease, None
                try:
                    lease.release()
                except Exception as problem:
                    # The database away as the process stops: a line, not a traceback.
                    log.error("could not release the scheduler lease (%s); it runs out at "
                              "%s", _first_line(problem),
                              lease.expires_at.isoformat(timespec="seconds"))
                else:
                    # Said, so that an operator stopping it knows a standby leads next.
                    log.info("%s released the scheduler lease: a standby leads at its next "
                             "check", self.holder)
            else:
                # A standby stopping said nothing: its operator could not tell it stopped.
                log.info("scheduler candidate %s stopped (it did not lead)", self.holder)

    def step(self) -> None:
        """One check: take the lease if free, renew it if ours, stop at once if lost."""
        self._require_file()
        if self._forgotten is not None:
            self._forgotten.release()  # only if still ours: (name, holder, acquired_at)
            self._forgotten = None
        if self._lease is None:
            self._lease = try_acquire(self.engine, LEASE, self.holder, self.ttl) \
                or self._take_from_the_dead()
            if self._lease is None:
                self._say_who_leads()
            else:
                self._standing_by_for = None
                log.info("%s leads the scheduler", self.holder)
                try:
                    self._lead()
                except Exception:
                    # Holding the lease without a running scheduler would only keep a
                    # healthy standby from leading.
                    lease, self._lease = self._lease, None
                    lease.release()
                    raise
            return
        thread = getattr(self._scheduler, "_thread", None)
        if thread is not None and not thread.is_alive():
            # Whatever ended it, a leader that runs nothing must let another lead.
            log.error("%s: the scheduler's thread ended; stepping down", self.holder)
            self._step_down()
            self._forgotten, self._lease = self._lease, None
            return
        try:
            renewed = self._lease.renew()
        except Exception as problem:
            # Not known to be lost: stop running jobs on a guess, but remember the lease,
            # released at the next check that reaches the database (else this process,
            # and every standby, would wait it out with nobody leading).
            log.warning("could not renew the scheduler lease (%s); stopping the scheduler "
                        "until the database answers", _first_line(problem))
            self._step_down()
            self._forgotten, self._lease = self._lease, None
            return
        if not renewed:
            log.warning("%s lost the scheduler lease; stopping the scheduler", self.holder)
            self._lease = None
            self._step_down()
            self._check_clocks(holder_of(self.engine, LEASE))

    def _require_file(self) -> None:
        """An SQLite file moved away or replaced by a copy while this process runs: its
        pooled connections keep the old file open and would go on running the jobs
        there, unseen. Stop leading and drop them; the next check opens the file anew."""
        path = sqlite_path(self.engine)
        if path is None:
            return
        try:
            found = path.stat()
        except FileNotFoundError:
            self.engine.dispose()
            raise DatabaseFileGone(f"the database file {path} does not exist (moved or "
                                   "deleted?): no job runs until it is back, with its -wal "
                                   "file") from None
        file_id = (found.st_dev, found.st_ino)
        if self._file_id is not None and file_id != self._file_id:
            self._file_id = file_id
            self.engine.dispose()
            raise DatabaseFileGone(
                f"the database file {path} was replaced while creditbot ran (a copy "
                "restored?): it is opened anew. Stop every creditbot process before "
                "restoring a copy, and restore or delete its -wal and -shm files with it")
        self._file_id = file_id

    def _say_who_leads(self) -> None:
        """Once per other holder: a process restarted after a kill -9 would otherwise
        wait for its predecessor's lease to run out (up to a lease's length) in silence."""
        held = holder_of(self.engine, LEASE)
        if held is None or held.holder == self._standing_by_for:
            return
        self._standing_by_for = held.holder
        self._check_clocks(held)
        log.info("%s stands by: %s holds the scheduler lease until %s; this process takes "
                 "over if it is not renewed by then", self.holder, held.holder,
                 held.expires_at.isoformat(timespec="seconds"))

    def _check_clocks(self, held: LeaseState | None) -> None:
        """A lease that runs out further ahead than a lease's length by this host's clock
        was written by a host whose clock runs ahead (or this one's is behind): that host
        takes the lease over from a healthy leader before it runs out, and two schedulers
        run together for a while. Said, since nothing else shows it."""
        if held is None or held.holder == self.holder:
            return
        ahead = (held.expires_at - datetime.now(UTC) - self.ttl).total_seconds()
        if ahead > CLOCK_SKEW_SECONDS:
            log.warning("%s holds the scheduler lease until %s, %.0f s further ahead than a "
                        "lease of %.0f s by this host's clock: the two hosts' clocks differ "
                        "(or their lease_seconds). A host whose clock runs ahead takes the "
                        "lease over early, and two schedulers run together; keep the hosts' "
                        "clocks in step (NTP)", held.holder,
                        held.expires_at.isoformat(timespec="seconds"), ahead,
                        self.ttl.total_seconds())

    def _take_from_the_dead(self) -> Lease | None:
        """The lease, from a leader of this host that no longer runs: serve's scheduler
        child killed and started again stood by for the rest of its predecessor's lease
        (about 40 s with nobody leading)."""
        current = holder_of(self.engine, LEASE)
        if current is None or not ended_here(current.holder, current.acquired_at):
            return None
        taken = take_from(self.engine, current, self.holder, self.ttl)
        if taken is not None:
            log.warning("took over the scheduler lease of %s, which no longer runs",
                        current.holder)
        return taken

    def _lead(self) -> None:
        # The job store disposes of its engine when the scheduler shuts down: its own.
        store_engine = job_records.job_store_engine(
            self.engine.url.render_as_string(hide_password=False))
        scheduler = _Scheduler(
            jobstores={"default": job_records.job_store(store_engine)},
            executors={"default": {"type": "threadpool", "max_workers": 4}},
            job_defaults={"coalesce": True, "max_instances": 1,
                          "misfire_grace_time": MISFIRE_GRACE_SECONDS},
            timezone=self.zone)
        # Paused while the stored jobs are brought in line with the declared ones; on
        # resume, runs missed since the last leader stopped are due, once each.
        scheduler.start(paused=True)
        try:
            self._reconcile(scheduler)
        except Exception:
            scheduler.shutdown(wait=False)
            raise
        with _leaders_lock:
            _leaders[self.holder] = self
        self._scheduler = scheduler
        self._run_again(scheduler)
        scheduler.resume()

    def _run_again(self, scheduler: BackgroundScheduler) -> None:
        """A scheduled job whose latest run ended with its process (a kill -9 of the
        leader mid-job), made due now, once: APScheduler had counted the run as made, so
        a Friday's alerts waited for Monday, and a week's report was never posted. Its
        stored next run moves to now (one job, so it never runs beside its own next
        slot; a leader dying first leaves it due to the next). The jobs are written so
        that a run repeated sends nothing twice."""
        _abandon_dead_runs(self.engine, lambda: datetime.now(UTC))
        now = datetime.now(self.zone)
        for name, (run, verdict) in job_records.abandoned_last(self.engine).items():
            stored = scheduler.get_job(name)
            if stored is None or (stored.next_run_time is not None
                                  and stored.next_run_time <= now):
                continue  # not scheduled here, or due anyway (missed while none led)
            # A run abandoned before a later slot of its job came (the job switched off
            # and on again, months later): its work is that slot's, not to be redone.
            later = stored.trigger.get_next_fire_time(None, run.started_at + timedelta(seconds=1))
            if later is not None and later <= now:
                log.info("job %s's run started %s ended with its process; its next time (%s) "
                         "has come since: not run again", name,
                         run.started_at.isoformat(timespec="seconds"),
                         later.isoformat(timespec="minutes"))
                continue
            if verdict == "twice":
                log.error("job %s's last two runs ended with no end recorded (the latest "
                          "started %s): not run again until its next time; look at what "
                          "stops it", name, run.started_at.isoformat(timespec="seconds"))
                continue
            log.warning("job %s's run started %s ended with its process (%s): running it "
                        "again now", name, run.started_at.isoformat(timespec="seconds"),
                        run.host)
            scheduler.modify_job(name, next_run_time=now)

    def _reconcile(self, scheduler: BackgroundScheduler) -> None:
        for stored in scheduler.get_jobs():
            if stored.id not in self.scheduled:
                scheduler.remove_job(stored.id)
        for name, entry in self.scheduled.items():
            trigger = cron_trigger(entry.schedule, self.zone)
            stored = scheduler.get_job(name)
            if stored is None or stored.func_ref != _FIRE:
                scheduler.add_job(_FIRE, trigger, args=(self.holder, name), id=name,
                                  name=name, replace_existing=True)
            elif str(stored.trigger) != str(trigger) or \
                    str(stored.trigger.timezone) != str(trigger.timezone):
                # A new schedule counts from now; the stored next run was the old one's.
                scheduler.reschedule_job(name, trigger=trigger)
                scheduler.modify_job(name, args=(self.holder, name))
            else:
                # Same schedule: keep its next run time, even one in the past.
                scheduler.modify_job(name, args=(self.holder, name))

    def _step_down(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        with _leaders_lock:
            if _leaders.get(self.holder) is self:
                del _leaders[self.holder]
        if scheduler is not None:
            # A run already going finishes in its thread; nothing new starts.
            scheduler.shutdown(wait=False)

    def fire(self, name: str) -> None:
        entry = self.scheduled.get(name)
        if entry is None or not self.leading:
            return
        run_job(self.engine, entry.job, self.context(), self.holder)
