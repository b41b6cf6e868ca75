"""Two ``creditbot db upgrade`` at once on an empty database (start-up scripts on two
hosts): one migrates, the other waits for it and finds nothing left to do, where it
failed half-way on the first one's new tables (PostgreSQL) or on a locked file (SQLite)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import code_revision
from tests.conftest import POSTGRES_URL, ROOT, _with_database, admin_sql


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'creditbot.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDITBOT_TEST_POSTGRES_URL to run these on it too")
    name = f"creditbot_race_{uuid.uuid4().hex[:10]}"
    admin_sql(f"CREATE DATABASE {name}")
    yield _with_database(name)
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_two_upgrades_at_once_run_one_after_the_other(empty_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_url, "COLUMNS": "400"}
    upgrades = [subprocess.Popen([sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for _ in range(2)]
    said = [process.communicate(timeout=240) for process in upgrades]
    assert [process.returncode for process in upgrades] == [0, 0], said
    assert [err for _, err in said] == ["", ""]
    head = code_revision()
    # "<database> upgraded from empty to 0019", "<database> is up to date (revision 0019)"
    assert sorted(out.strip().split(" ", 1)[1] for out, _ in said) == [
        f"is up to date (revision {head})", f"upgraded from empty to {head}"]


def test_a_second_upgrade_waits_for_the_first_before_it_reads_the_schema(
        tmp_path: Path) -> None:
    # Under load the first upgrade held a lock a reader waits for (its migration, the
    # WAL checkpoint as its connections closed) longer than SQLite's one second: the
    # second upgrade's checks, made before it took the upgrade lock, failed with
    # "database is locked" (a fresh-machine test run, two workers busy).
    import sqlite3

    from storage.db import make_engine, one_upgrade_at_a_time, upgrade

    path = tmp_path / "creditbot.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url, create=True)
    try:
        upgrade(engine)
        engine.dispose()
        with one_upgrade_at_a_time(engine):  # the first upgrade, as it migrates
            first = sqlite3.connect(path, isolation_level=None)
            first.execute("PRAGMA locking_mode=EXCLUSIVE")  # no reader gets in
            first.execute("BEGIN IMMEDIATE")
            first.execute("DELETE FROM alembic_version")
            second = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT,
                env={**os.environ, "DATABASE_URL": url, "COLUMNS": "400"},
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            with contextlib.suppress(subprocess.TimeoutExpired):
                second.wait(timeout=3)  # longer than SQLite's busy timeout
            first.execute(f"INSERT INTO alembic_version VALUES ('{code_revision()}')")
            first.execute("COMMIT")
            first.close()
        out, err = second.communicate(timeout=120)
    finally:
        engine.dispose()
    assert (second.returncode, err) == (0, ""), out
    assert out.strip().endswith(f"is up to date (revision {code_revision()})")
