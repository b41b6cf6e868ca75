"""Engines: every wait on the database is bounded, and a missing SQLite file is never
created behind the operator's back."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
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
            "upgrade` (or `creditbot demo`), or correct DATABASE_URL if it was moved (with "
            "its -wal file, which holds its latest writes)")


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
                                        "(moved or deleted?): put it back with its -wal "
                                        "file, which holds its latest writes")
    engine.dispose()
    with pytest.raises(OperationalError):
        engine.connect()
    assert not path.exists()


def test_a_pooled_connection_to_a_moved_or_replaced_file_is_not_used_again(tmp_path):
    """The server's checks went on answering from a moved file (and its writes went
    there) while /healthz said 503."""
    path = tmp_path / "creditbot.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine.dispose()
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE marks (name TEXT)"))
        conn.execute(text("INSERT INTO marks VALUES ('first')"))
    with engine.connect() as conn:  # into the file itself: a copy of it has the row
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    shutil.move(path, tmp_path / "elsewhere.db")
    with pytest.raises(OperationalError) as refused:
        engine.connect()
    assert str(refused.value.orig) == missing_file_message(path)
    # A copy with a row more put in its place: that is what the next connection reads.
    shutil.copyfile(tmp_path / "elsewhere.db", tmp_path / "copy.db")
    other = sqlite3.connect(tmp_path / "copy.db")
    other.execute("INSERT INTO marks VALUES ('in the copy')")
    other.commit()
    other.close()  # the last connection: its WAL goes into the file
    for leftover in (tmp_path / "creditbot.db-wal", tmp_path / "creditbot.db-shm"):
        leftover.unlink(missing_ok=True)  # the moved file's: restored with the copy
    shutil.move(tmp_path / "copy.db", path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM marks ORDER BY name")).scalars().all() == [
            "first", "in the copy"]


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


def test_a_read_only_engine_reads_and_refuses_every_write(engine, database_url):
    """What the sandbox opens a database of yours with, to copy it."""
    from sqlalchemy.exc import DBAPIError

    reader = make_engine(database_url, read_only=True, statement_timeout=5)
    with reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar_one() == 0
        with pytest.raises(DBAPIError, match=r"read-only|readonly"):
            conn.execute(text("INSERT INTO check_marks (id, changes) VALUES (2, 0)"))
    reader.dispose()


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


# A network that stops passing packets, made real: the engine talks to PostgreSQL through
# a proxy inside a private network namespace (unshare), whose loopback is then taken
# down. The kernel, not the proxy, stops answering, as on a frozen network; nothing
# outside the namespace is touched.
FROZEN_NETWORK = r"""
import ctypes, socket, subprocess, sys, threading, time
from sqlalchemy import text
from storage.db import make_engine
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
upstream = socket.create_connection((url.host, url.port or 5432))  # before unsharing
if ctypes.CDLL(None, use_errno=True).unshare(0x40000000) != 0:  # CLONE_NEWNET
    print("cannot unshare"); sys.exit(3)
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
listener = socket.create_server(("127.0.0.1", 0))

def pump(source, sink):
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass

def proxy():
    client, _ = listener.accept()
    threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
    pump(upstream, client)

threading.Thread(target=proxy, daemon=True).start()
proxied = url.set(host="127.0.0.1", port=listener.getsockname()[1])
engine = make_engine(proxied.render_as_string(hide_password=False),
                     statement_timeout=5, pool_size=1, max_overflow=0,
                     pool_pre_ping=False)
with engine.connect() as conn:
    assert conn.execute(text("SELECT 1")).scalar_one() == 1
    subprocess.run(["ip", "link", "set", "lo", "down"], check=True)
    started = time.monotonic()
    try:
        conn.execute(text("SELECT 2"))
        print("answered")
    except Exception as error:
        print(f"{type(error).__name__} after {time.monotonic() - started:.1f} s")
"""


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_network_that_stops_passing_packets_ends_a_query_within_seconds(database_url,
                                                                          tmp_path):
    if shutil.which("ip") is None or shutil.which("unshare") is None:
        pytest.skip("needs iproute2 and permission to make a network namespace")
    import subprocess
    import sys

    from tests.conftest import ROOT

    script = tmp_path / "frozen.py"
    script.write_text(FROZEN_NETWORK)
    try:
        result = subprocess.run([sys.executable, str(script), database_url], cwd=ROOT,
                                capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the query still waited after 30 s on a frozen network")
    if result.stdout.strip() == "cannot unshare":
        pytest.skip("no permission to make a network namespace")
    outcome = result.stdout.strip()
    assert outcome.startswith("OperationalError after "), (outcome, result.stderr[-2000:])
    assert float(outcome.split()[2]) < 10


def test_a_connection_that_refused_a_write_as_read_only_is_not_used_again(engine):
    # An SQLite file not writable when a connection opened it (SQLite then opens it
    # read-only) or a PostgreSQL session begun read-only kept refusing every write it
    # was given after the file or server was writable again: only a restart cured it.
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA query_only = ON" if engine.dialect.name == "sqlite"
                             else "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        conn.commit()
    write = text("INSERT INTO processed_requests (key, seen_at) "
                 "VALUES (:key, CURRENT_TIMESTAMP)")
    with pytest.raises(DBAPIError) as refused, engine.begin() as conn:
        conn.execute(write, {"key": "first"})
    assert refused.value.connection_invalidated
    with engine.begin() as conn:  # a new connection, writable
        conn.execute(write, {"key": "second"})
    with engine.connect() as conn:
        assert conn.execute(text("SELECT key FROM processed_requests")).scalars().all() == [
            "second"]


def test_health_says_when_the_database_cannot_be_written(database_url, monkeypatch):
    if database_url.startswith("sqlite"):
        engine = make_engine(database_url)
        path = database_url.removeprefix("sqlite:///")

        opened: list[str] = []
        real_open = os.open

        def watched(file, flags, *args):  # type: ignore[no-untyped-def]
            opened.append(str(file))
            return real_open(file, flags, *args)

        # Asked, never opened: closing a descriptor of the file drops every POSIX lock
        # the process's SQLite connections hold on it.
        monkeypatch.setattr("storage.db.os.open", watched)
        monkeypatch.setattr("storage.db.os.access", lambda file, mode: False)
        assert database_problem(engine) == (
            f"the database file {path} cannot be written (no write permission, an immutable "
            "file or a read-only file system): creditbot writes to it; give the user it runs "
            "as write access to it and to its folder")
        assert not [f for f in opened if f.startswith(path)]
        folder = os.path.dirname(path)
        monkeypatch.setattr("storage.db.os.access", lambda file, mode: str(file) != folder)
        assert database_problem(engine) == (
            f"the folder {folder} of the database file cannot be written: SQLite keeps its "
            "-wal and -shm files beside the database; give the user creditbot runs as write "
            "access to the folder")
    else:  # a standby, or default_transaction_read_only
        engine = make_engine(database_url, read_only=True)
        assert database_problem(engine) == (
            "the database is read-only (a standby server, or default_transaction_read_only "
            "is on): creditbot writes to it; point DATABASE_URL at the primary, or turn the "
            "setting off")
    engine.dispose()
    writable = make_engine(database_url)
    monkeypatch.undo()
    assert database_problem(writable) is None
    writable.dispose()
