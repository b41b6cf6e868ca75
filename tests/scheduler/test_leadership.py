"""Two real `creditbot scheduler` processes on one database: one leads; killed with
SIGKILL, the other takes over within the lease plus one check. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine

from bot.scheduler import LEASE
from storage.host_processes import this_host
from storage.jobs import runs
from storage.leases import holder_of
from tests.conftest import ROOT

LEASE_SECONDS = 3
# A standby checks every third of the lease (capped at 5 s).
CHECK_SECONDS = LEASE_SECONDS / 3


def scheduler_config(tmp_path: Path) -> Path:
    text = ((ROOT / "app.yaml").read_text(encoding="utf-8")
            .replace('housekeeping: "15 3 * * *"', 'housekeeping: "*/1 * * * * *"')
            .replace("lease_seconds: 45", f"lease_seconds: {LEASE_SECONDS}"))
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def start(database_url: str, config: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(DATABASE_URL=database_url, CREDITBOT_CONFIG=str(config))
    with log.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], env=env,
                                stdout=sink, stderr=subprocess.STDOUT)


def wait_for(condition, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def hosts(engine: Engine) -> list[str]:
    return [run.host for run in runs(engine, "housekeeping")]


def test_one_leads_and_a_standby_takes_over_when_it_is_killed(engine, database_url, tmp_path):
    config = scheduler_config(tmp_path)
    first = start(database_url, config, tmp_path / "first.log")
    second = start(database_url, config, tmp_path / "second.log")
    processes = {f"{this_host()}:{p.pid}": p for p in (first, second)}
    try:
        wait_for(lambda: len(hosts(engine)) >= 4)
        time.sleep(2 * CHECK_SECONDS)  # both have checked the lease more than once
        assert len(set(hosts(engine))) == 1
        [leader_name] = set(hosts(engine))
        assert holder_of(engine, LEASE).holder == leader_name
        leader = processes.pop(leader_name)
        [(standby_name, standby)] = processes.items()

        leader.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        leader.wait(timeout=10)
        wait_for(lambda: standby_name in hosts(engine))
        took = time.monotonic() - killed_at
        # The lease runs out, the standby's next check takes it, the next second's run
        # fires; starting APScheduler and the run itself take a little more.
        assert took <= LEASE_SECONDS + CHECK_SECONDS + 1.5, took
        assert holder_of(engine, LEASE).holder == standby_name
        taken_over = hosts(engine).index(standby_name)
        wait_for(lambda: len(hosts(engine)) >= taken_over + 3)
        assert set(hosts(engine)[taken_over:]) == {standby_name}

        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=15) == 0
        # It let go of the lease on the way out instead of leaving it to expire.
        assert holder_of(engine, LEASE) is None
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
                process.wait()
    log = (tmp_path / "second.log").read_text() + (tmp_path / "first.log").read_text()
    assert "Traceback" not in log, log
