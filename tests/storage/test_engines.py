"""Engines: every wait on the database is bounded, and a missing SQLite file is never
created behind the operator's back."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.db import (
    DatabaseUnavailable,
    code_revision,
    database_problem,
    make_engine,
    require_current_schema,
    upgrade,
)


@contextmanager
def silent_port() -> Iterator[int]:
    """A TCP port whose kernel completes the handshake and then nothing ever answers:
    a database server that hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def finishes_within(seconds: float, work):  # type: ignore[no-untyped-def]
    """Runs ``work`` on a thread; fails instead of hanging the test run."""
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["value"] = work()
        except Exception as error:
            outcome["error"] = error
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return outcome


def missing_file_message(path) -> str:  # type: ignore[no-untyped-def]
    return (f"the database file {path} does not exist: create it with `creditbot db "
            "upgrade` (or `creditbot demo`), or correct DATABASE_URL if it was moved")


def test_a_missing_sqlite_file_is_refused_not_created(tmp_path):
    path = tmp_path / "creditbot.db"
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(OperationalError) as refused:
        engine.connect()
    assert str(refused.value.orig) == missing_file_message(path)
    with pytest.raises(DatabaseUnavailable) as unavailable:
        require_current_schema(engine)
    assert str(unavailable.value) == (f"cannot use the database sqlite:///{path}: "
                                      f"{missing_file_message(path)}")
    assert not path.exists()


def test_creating_is_asked_for_explicitly(tmp_path):
    path = tmp_path / "new.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine.dispose()
    assert path.exists()
    with make_engine(f"sqlite:///{path}").connect() as conn:  # now it opens without create
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
            code_revision()


def test_a_sqlite_file_moved_away_is_noticed_and_not_recreated(tmp_path):
    path = tmp_path / "creditbot.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:  # a pooled connection keeps the moved file open
        conn.execute(text("SELECT 1"))
    assert database_problem(engine) is None
    shutil.move(path, tmp_path / "elsewhere.db")
    assert database_problem(engine) == (f"the database file {path} does not exist "
                                        "(moved or deleted?)")
    engine.dispose()
    with pytest.raises(OperationalError):
        engine.connect()
    assert not path.exists()


def test_sqlite_waits_about_a_second_for_a_lock_not_ten(tmp_path):
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import holding the write lock
    try:
        def write() -> None:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM processed_requests"))

        outcome = finishes_within(5, write)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    assert "database is locked" in str(outcome["error"])
    assert 0.8 <= outcome["elapsed"] <= 3.0  # type: ignore[operator]


def test_a_full_pool_is_waited_for_a_few_seconds(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}", create=True, pool_size=1,
                         max_overflow=0)
    with engine.connect():
        outcome = finishes_within(8, engine.connect)
    assert isinstance(outcome["error"], PoolTimeout)
    assert 2.5 <= outcome["elapsed"] <= 4.0  # type: ignore[operator]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgresql_cancels_statements_past_the_timeout(database_url):
    engine = make_engine(database_url, statement_timeout=0.5)

    def sleep() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(5)"))

    outcome = finishes_within(4, sleep)
    engine.dispose()
    assert "canceling statement due to statement timeout" in str(outcome["error"])
    assert outcome["elapsed"] < 2  # type: ignore[operator]


def test_a_postgresql_server_that_never_answers_times_out_connecting():
    with silent_port() as port:
        engine = make_engine(f"postgresql://creditbot@127.0.0.1:{port}/creditbot")
        outcome = finishes_within(8, engine.connect)
    assert isinstance(outcome["error"], OperationalError)
    assert "timeout expired" in str(outcome["error"])
    assert outcome["elapsed"] < 4.5  # type: ignore[operator]
