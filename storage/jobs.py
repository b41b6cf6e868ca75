"""Scheduled jobs in the database: the record of their runs (``job_runs``), the job store
the scheduler keeps its next run times in, and what housekeeping prunes.

Each run is written in transactions of its own, apart from whatever the job itself
does, so a job that fails or rolls back still leaves its run on record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import TimeoutError as SqlTimeout

from domain.errors import RecordsUnavailable
from storage.db import make_engine
from storage.models import JobRunRow
from storage.requests import prune_processed_requests
from storage.write_gate import gate_for

_RUNS: Table = JobRunRow.__table__  # type: ignore[assignment]
# APScheduler's own table, created by its job store the first time a scheduler leads.
JOB_STORE_TABLE = "apscheduler_jobs"
# The column is String(500); an exception's text can be any length.
ERROR_LENGTH = 500
# How long a run's record waits for SQLite's writers' turn (behind an import's merge)
# before the scheduler's tries again (bot.scheduler): in SQLite's busy handler it gave
# up after 1 s, and the log warned at the start of every job during an import.
RECORD_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class JobRun:
    id: int
    name: str
    host: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    counts: dict[str, int]
    error: str | None


@contextmanager
def _recording(engine: Engine) -> Iterator[Connection]:
    """A transaction in the writers' turn; a turn not had is a timeout to the caller."""
    try:
        with gate_for(engine, RECORD_WAIT_SECONDS), engine.begin() as conn:
            yield conn
    except RecordsUnavailable as busy:
        raise SqlTimeout(str(busy.__cause__ or busy)) from busy


def start_run(engine: Engine, name: str, host: str, started_at: datetime) -> int:
    """Records that ``name`` started on ``host``; returns the run's id."""
    with _recording(engine) as conn:
        return int(conn.execute(insert(_RUNS).values(
            name=name, host=host, started_at=started_at, outcome="running", counts={},
        ).returning(_RUNS.c.id)).scalar_one())


def finish_run(engine: Engine, run_id: int, outcome: str, finished_at: datetime,
               counts: dict[str, int] | None = None, error: str | None = None) -> None:
    with _recording(engine) as conn:
        conn.execute(update(_RUNS).where(_RUNS.c.id == run_id).values(
            outcome=outcome, finished_at=finished_at, counts=counts or {},
            error=None if error is None else error[:ERROR_LENGTH]))


def _run(row: Any) -> JobRun:
    return JobRun(row.id, row.name, row.host, row.started_at, row.finished_at, row.outcome,
                  dict(row.counts or {}), row.error)


def runs(engine: Engine, name: str | None = None) -> list[JobRun]:
    """Every recorded run (of ``name``), oldest first."""
    query = select(_RUNS).order_by(_RUNS.c.id)
    if name is not None:
        query = query.where(_RUNS.c.name == name)
    with engine.connect() as conn:
        return [_run(row) for row in conn.execute(query)]


def last_runs(engine: Engine) -> dict[str, JobRun]:
    """The latest run of each job that ever ran, by job name."""
    latest = select(func.max(_RUNS.c.id)).group_by(_RUNS.c.name).scalar_subquery()
    with engine.connect() as conn:
        return {row.name: _run(row)
                for row in conn.execute(select(_RUNS).where(_RUNS.c.id.in_(latest)))}


def abandon_runs(engine: Engine, started_before: datetime, at: datetime) -> int:
    """Marks ``abandoned`` the runs still ``running`` that started before
    ``started_before``: their process died (kill -9, a crashed host) before recording an
    end, and would otherwise show as running for ever. Returns how many."""
    with engine.begin() as conn:
        return conn.execute(update(_RUNS).where(
            _RUNS.c.outcome == "running", _RUNS.c.started_at < started_before,
        ).values(outcome="abandoned", finished_at=at,
                 error="no end was recorded: the process running it stopped")).rowcount


def running_on(engine: Engine, hostname: str) -> list[JobRun]:
    """The runs still ``running`` that a process on ``hostname`` started."""
    with engine.connect() as conn:
        return [_run(row) for row in conn.execute(select(_RUNS).where(
            _RUNS.c.outcome == "running", _RUNS.c.host.startswith(f"{hostname}:",
                                                                  autoescape=True)))]


def abandon_run(engine: Engine, run_id: int, at: datetime, error: str) -> bool:
    """Marks run ``run_id`` ``abandoned`` if it is still ``running``."""
    with engine.begin() as conn:
        return bool(conn.execute(update(_RUNS).where(
            _RUNS.c.id == run_id, _RUNS.c.outcome == "running",
        ).values(outcome="abandoned", finished_at=at, error=error[:ERROR_LENGTH])).rowcount)


def abandoned_last(engine: Engine) -> dict[str, tuple[JobRun, Literal["again", "twice"]]]:
    """The jobs whose latest run was abandoned (no end recorded: its process died), by
    name, with that run and "twice" when the run before it was abandoned too (a job
    whose process dies each time, run again at every takeover, would take down every
    scheduler in turn), else "again"."""
    ranked = select(_RUNS, func.row_number().over(
        partition_by=_RUNS.c.name, order_by=_RUNS.c.id.desc()).label("rank")).subquery()
    with engine.connect() as conn:
        latest = conn.execute(select(ranked).where(ranked.c.rank <= 2)
                              .order_by(ranked.c.name, ranked.c.rank)).all()
    by_job: dict[str, list[Any]] = {}
    for row in latest:  # each job's latest run first, then the one before it
        by_job.setdefault(row.name, []).append(row)
    found: dict[str, tuple[JobRun, Literal["again", "twice"]]] = {}
    for name, rows in by_job.items():
        if rows[0].outcome == "abandoned":
            twice = len(rows) == 2 and rows[1].outcome == "abandoned"
            found[name] = (_run(rows[0]), "twice" if twice else "again")
    return found


def prune_job_runs(engine: Engine, before: datetime) -> int:
    """Forgets runs started before ``before``; returns how many."""
    with engine.begin() as conn:
        return conn.execute(delete(_RUNS).where(_RUNS.c.started_at < before)).rowcount


class SqlRecords:
    """Housekeeping's ``Records`` port on this database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def prune_processed_requests(self, before: datetime) -> int:
        return prune_processed_requests(self.engine, before)

    def prune_job_runs(self, before: datetime) -> int:
        return prune_job_runs(self.engine, before)

    def abandon_runs(self, started_before: datetime, at: datetime) -> int:
        return abandon_runs(self.engine, started_before, at)


# How long APScheduler's job store waits for SQLite's write lock (its writes are its own,
# outside the writers' gate): at 1 s, an import's merge made the scheduler's pass fail
# after starting a due job, and the next pass ran that job again for the same minute.
# Under the 15 s `creditbot serve` gives its scheduler child to stop.
STORE_BUSY_MS = 10_000


def job_store_engine(url: str) -> Engine:
    """An engine for the job store alone (the store disposes of it when the scheduler
    shuts down), waiting STORE_BUSY_MS for SQLite's write lock."""
    return make_engine(url, sqlite_busy_ms=STORE_BUSY_MS)


def job_store(engine: Engine) -> SQLAlchemyJobStore:
    """APScheduler's job store in creditbot's database: the next run time of each job
    outlives the process, so a leader that takes over (or a restart) continues from it."""
    return SQLAlchemyJobStore(engine=engine, tablename=JOB_STORE_TABLE)


def next_run_times(engine: Engine) -> dict[str, datetime]:
    """When the scheduler will next run each job it has stored (none before a scheduler
    first led). A plain read of the job store's table, without unpickling its jobs."""
    if not inspect(engine).has_table(JOB_STORE_TABLE):
        return {}
    table = job_store(engine).jobs_t
    with engine.connect() as conn:
        return {row.id: datetime.fromtimestamp(row.next_run_time, UTC)
                for row in conn.execute(select(table.c.id, table.c.next_run_time))
                if row.next_run_time is not None}
