"""job_runs and housekeeping's pruning, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from handlers.housekeeping import housekeeping
from storage.jobs import SqlRecords, finish_run, last_runs, runs, start_run
from storage.requests import ProcessedRequests

NOW = datetime(2026, 11, 30, 3, 15, tzinfo=UTC)


def test_a_run_is_recorded_from_start_to_end(engine):
    first = start_run(engine, "housekeeping", "vm:1", NOW)
    assert [(r.name, r.host, r.started_at, r.finished_at, r.outcome, r.counts) for r in
            runs(engine)] == [("housekeeping", "vm:1", NOW, None, "running", {})]
    finish_run(engine, first, "ok", NOW + timedelta(seconds=2), {"job_runs": 3})
    second = start_run(engine, "housekeeping", "vm:2", NOW + timedelta(days=1))
    finish_run(engine, second, "failed", NOW + timedelta(days=1), error="x" * 600)
    other = start_run(engine, "deliver", "vm:2", NOW)
    latest = last_runs(engine)
    assert {name: (run.id, run.outcome) for name, run in latest.items()} == {
        "housekeeping": (second, "failed"), "deliver": (other, "running")}
    assert latest["housekeeping"].error == "x" * 500  # the column's length
    assert runs(engine, "housekeeping")[0].counts == {"job_runs": 3}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_run_is_recorded_behind_an_import_that_holds_sqlite_past_its_busy_handler(engine):
    # In SQLite's handler: "could not write the start of meetings (database is locked)"
    # at every job during an import.
    from tests.storage.test_write_gate import held_by_an_import

    with held_by_an_import(engine, seconds=1.5):
        run = start_run(engine, "meetings", "vm:1", NOW)
    with held_by_an_import(engine, seconds=1.5):
        finish_run(engine, run, "ok", NOW)
    assert [(r.name, r.outcome) for r in runs(engine)] == [("meetings", "ok")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_turn_not_had_is_a_timeout_the_scheduler_tries_again_after(engine, monkeypatch):
    from sqlalchemy.exc import TimeoutError as SqlTimeout

    from storage import jobs
    from storage.write_gate import SqliteWriteGate

    monkeypatch.setattr(jobs, "RECORD_WAIT_SECONDS", 0.1)
    with SqliteWriteGate(engine.url.database), pytest.raises(SqlTimeout) as raised:
        start_run(engine, "meetings", "vm:1", NOW)
    assert str(raised.value) == (
        "waited 0.1 s for the turn to write the SQLite file, held by another writer")
    assert runs(engine) == []


def test_housekeeping_prunes_deliveries_after_a_day_and_runs_after_90_days(engine):
    requests = ProcessedRequests(engine)
    for key, age in (("old", timedelta(days=1, seconds=1)), ("recent", timedelta(hours=23))):
        assert requests.claim(key, NOW - age)
    for age in (timedelta(days=91), timedelta(days=89)):
        start_run(engine, "housekeeping", "vm:1", NOW - age)
    counts = housekeeping({"now": NOW, "records": SqlRecords(engine)})
    # The run kept never recorded an end: abandoned too.
    assert counts == {"processed_requests": 1, "job_runs": 1, "abandoned_runs": 1}
    with engine.connect() as conn:
        assert conn.execute(text('SELECT "key" FROM processed_requests')).scalars().all() == \
            ["recent"]
    assert [r.started_at for r in runs(engine)] == [NOW - timedelta(days=89)]


def test_housekeeping_marks_runs_whose_process_died_abandoned(engine):
    """A run killed with kill -9 recorded no end and showed as running for ever."""
    dead = start_run(engine, "approvals", "vm:1", NOW - timedelta(days=1, minutes=1))
    live = start_run(engine, "alerts", "vm:2", NOW - timedelta(hours=23))
    counts = housekeeping({"now": NOW, "records": SqlRecords(engine)})
    assert counts["abandoned_runs"] == 1
    found = {run.id: run for run in runs(engine)}
    assert (found[dead].outcome, found[dead].finished_at, found[dead].error) == (
        "abandoned", NOW, "no end was recorded: the process running it stopped")
    assert (found[live].outcome, found[live].finished_at) == ("running", None)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_job_store_waits_behind_an_import_past_sqlites_busy_handler(engine):
    # At 1 s, a merge made the scheduler's pass fail after starting a due job, and the
    # next pass ran it again for the same minute.
    from storage.jobs import job_store_engine
    from tests.storage.test_write_gate import held_by_an_import

    store = job_store_engine(engine.url.render_as_string(hide_password=False))
    try:
        with held_by_an_import(engine, seconds=1.5), store.begin() as conn:
            conn.execute(text("CREATE TABLE store_probe (id INTEGER)"))
    finally:
        store.dispose()
