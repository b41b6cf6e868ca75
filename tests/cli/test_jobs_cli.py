"""`creditbot jobs list` and `creditbot jobs run`, as an operator sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

import handlers
from bot.cli import main
from bot.scheduler import Candidate, Scheduled
from handlers.housekeeping import FEATURE as HOUSEKEEPING
from handlers.registry import Catalogue, Feature, Job
from storage.jobs import finish_run, job_store, runs, start_run
from storage.requests import ProcessedRequests
from tests.conftest import ROOT
from tests.scheduler.test_candidate import failing, led_once

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUMMARY = ("housekeeping: forgets processed Slack deliveries older than a day and job runs "
           "older than 90 days")


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "80")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def lines(output: str) -> list[str]:
    return [line.rstrip() for line in output.splitlines()]


def test_jobs_list_before_anything_ran(cli):
    result = cli("jobs", "list")
    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                        Next run",
        "─" * 78,
        "housekeeping 15 3 * * * never                           when a scheduler leads",
        "Times in Asia/Shanghai.",
        SUMMARY,
    ]


def stored_next_run(engine, name: str, when: datetime) -> None:
    """A scheduler led once and stored the job; its next run is ``when``."""
    led_once(Candidate(engine, [Scheduled(HOUSEKEEPING.jobs[0], "15 3 * * *")], SHANGHAI, 3,
                       lambda: {}, holder="vm:1"))
    store = job_store(engine)
    store.start(BackgroundScheduler(timezone=SHANGHAI), "default")
    job = store.lookup_job(name)
    job.next_run_time = when
    store.update_job(job)


@pytest.mark.parametrize("columns", ["80", "50"])
def test_jobs_list_shows_the_last_and_next_runs_whole(cli, engine, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    started = datetime(2026, 11, 29, 19, 15, tzinfo=UTC)  # 03:15 in Shanghai
    run = start_run(engine, "housekeeping", "vm:1", started)
    finish_run(engine, run, "ok", started + timedelta(seconds=2),
               {"processed_requests": 1234, "job_runs": 0})
    stored_next_run(engine, "housekeeping", datetime(2036, 11, 30, 19, 15, tzinfo=UTC))
    result = cli("jobs", "list")
    assert result.exit_code == 0, result.output
    if columns == "80":
        assert lines(result.stdout) == [
            "Job          Schedule   Last run                             Next run",
            "─" * 80,
            "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:02      2036-12-01 03:15:00",
            "                        ok: processed_requests 1234,",
            "                        job_runs 0",
            "Times in Asia/Shanghai.",
            SUMMARY,
        ]
    else:
        # Narrower than the values: the table is printed wider and the terminal wraps it.
        assert lines(result.stdout) == [
            "Job          Schedule   Last run                        Next run",
            "─" * 75,
            "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:02 2036-12-01 03:15:00",
            "                        ok: processed_requests 1234,",
            "                        job_runs 0",
            "Times in Asia/Shanghai.",
            SUMMARY,
        ]


def test_a_failed_run_shows_its_error(cli, engine):
    started = datetime(2026, 11, 29, 19, 15, tzinfo=UTC)
    run = start_run(engine, "housekeeping", "vm:1", started)
    finish_run(engine, run, "failed", started + timedelta(seconds=1),
               error="OperationalError: database is locked")
    result = cli("jobs", "list")
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                          Next run",
        "─" * 80,
        "housekeeping 15 3 * * * 2026-11-30 03:15:00 to 03:15:01   when a scheduler leads",
        "                        failed: OperationalError:",
        "                        database is locked",
        "Times in Asia/Shanghai.",
        SUMMARY,
    ]


def test_jobs_run_housekeeping_prints_its_counts_and_records_the_run(cli, engine):
    now = datetime.now(UTC)
    requests = ProcessedRequests(engine)  # one: it prunes at most every ten minutes
    requests.claim("old", now - timedelta(days=2))
    requests.claim("new", now)
    start_run(engine, "housekeeping", "vm:1", now - timedelta(days=100))
    result = cli("jobs", "run", "housekeeping")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "housekeeping: ok — processed_requests 1, job_runs 1\n", "")
    [recorded] = runs(engine)
    assert (recorded.outcome, recorded.counts, recorded.error) == (
        "ok", {"processed_requests": 1, "job_runs": 1}, None)
    assert recorded.finished_at is not None


def test_jobs_run_an_unknown_job_is_one_line(cli, engine):
    result = cli("jobs", "run", "hosekeeping")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "error: there is no job called hosekeeping; the jobs are: housekeeping\n")
    assert runs(engine) == []


def test_jobs_run_a_failing_job_is_one_line_and_recorded(cli, engine, monkeypatch):
    boom = Feature("boom", jobs=(Job("boom", "always fails", "0 3 * * *", failing),))
    monkeypatch.setattr(handlers, "catalogue", lambda: Catalogue((boom,)))
    result = cli("jobs", "run", "boom")
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, "", "error: boom failed: RuntimeError: the ERP export is not there yet\n")
    assert [(r.name, r.outcome, r.error) for r in runs(engine)] == [
        ("boom", "failed", "RuntimeError: the ERP export is not there yet")]


def test_a_next_run_in_the_past_is_overdue(cli, engine):
    stored_next_run(engine, "housekeeping", datetime(2026, 11, 29, 19, 15, tzinfo=UTC))
    result = cli("jobs", "list")
    assert lines(result.stdout) == [
        "Job          Schedule   Last run                        Next run",
        "─" * 75,
        "housekeeping 15 3 * * * never                           2026-11-30 03:15:00",
        "                                                        overdue",
        "Times in Asia/Shanghai.",
        SUMMARY,
    ]
