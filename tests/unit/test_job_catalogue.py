"""Jobs as the features declare them, and the schedule each runs on."""

from pathlib import Path

import pytest

from bot.config import load_config
from bot.scheduler import scheduled_jobs
from handlers.features import catalogue
from handlers.registry import Catalogue, Feature, Job
from tests.conftest import ROOT


def nothing(_context):
    return {}


def test_the_jobs_are_declared_and_scheduled_by_app_yaml(tmp_path: Path):
    jobs = catalogue().jobs
    assert [job.name for job in jobs] == ["alerts", "approvals", "orders", "people",
                                          "housekeeping", "report", "collections",
                                          "meetings"]
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    custom = tmp_path / "app.yaml"
    custom.write_text(text.replace('housekeeping: "15 3 * * *"', 'housekeeping: "0 2 * * sun"'),
                      encoding="utf-8")
    assert [(s.job.name, s.schedule) for s in scheduled_jobs(jobs, load_config(custom))] == [
        ("alerts", "0 8 * * mon-fri"), ("approvals", "*/15 * * * *"),
        ("orders", "*/15 * * * *"), ("people", "30 6 * * *"), ("housekeeping", "0 2 * * sun"),
        ("report", "0 9 * * mon"), ("collections", "0 7 * * mon-fri"),
        ("meetings", "*/5 * * * *")]
    # Without a schedules section each job runs on its own default.
    custom.write_text(text.split("\nschedules:")[0], encoding="utf-8")
    assert [(s.job.name, s.schedule) for s in scheduled_jobs(jobs, load_config(custom))] == [
        ("alerts", "0 8 * * mon-fri"), ("approvals", "*/15 * * * *"),
        ("orders", "*/15 * * * *"), ("people", "30 6 * * *"), ("housekeeping", "15 3 * * *"),
        ("report", "0 9 * * mon"), ("collections", "0 7 * * mon-fri"),
        ("meetings", "*/5 * * * *")]


def test_a_job_declared_twice_is_refused():
    twice = Catalogue((Feature("a", jobs=(Job("tick", "", "0 3 * * *", nothing),)),
                       Feature("b", jobs=(Job("tick", "", "0 4 * * *", nothing),))))
    with pytest.raises(ValueError, match=r"^job tick is declared twice$"):
        scheduled_jobs(twice.jobs, load_config(ROOT / "app.yaml"))
