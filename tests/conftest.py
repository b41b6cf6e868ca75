"""Shared fixtures: a fresh, migrated database per test on SQLite and, when a server is
given, on PostgreSQL; the demo config; CSV writers."""

from __future__ import annotations

import functools
import gc
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from storage.audit_writer import BatchedAuditWriter
from storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CREDITBOT_REQUIRE_POSTGRES") == "1"
# One template per pytest process (each xdist worker is one): runs and workers in parallel
# must not drop each other's template, nor clone one another is still migrating.
_TEMPLATE = f"creditbot_test_template_{os.getpid()}"

if os.environ.get("PYTEST_XDIST_WORKER"):
    # An xdist worker starts with COLUMNS=80 and LINES=24 in its environment, which a
    # serial run does not have: rich's module-level consoles (bot/cli/common.py) would fix
    # their width at 80 on import, and the tests that set COLUMNS would no longer be heard.
    for _name in ("COLUMNS", "LINES"):
        os.environ.pop(_name, None)


# Modules whose tests start real processes (serve's gunicorn workers, schedulers, senders)
# or cut network links, and assert how soon something happens. Under `pytest -n` with
# `--dist loadgroup` they all run one after another on one worker: two of them side by
# side would each get half the CPU their time limits were set for. Every other test is
# spread over the workers as it comes.
PROCESS_GROUP = "processes"
PROCESS_MODULES = frozenset({
    "tests/e2e/test_alert_reliability.py",
    "tests/e2e/test_delivery_processes.py",
    "tests/e2e/test_delivery_races.py",
    "tests/e2e/test_serve.py",
    "tests/e2e/test_serve_scheduler.py",
    "tests/scheduler/test_candidate.py",
    "tests/scheduler/test_leadership.py",
    "tests/storage/test_engines.py",
    "tests/storage/test_start_postgres.py",
    "tests/storage/test_upgrade_race.py",
})


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "CREDITBOT_REQUIRE_POSTGRES=1 but CREDITBOT_TEST_POSTGRES_URL is not set")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(ROOT) and \
                item.path.relative_to(ROOT).as_posix() in PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group(PROCESS_GROUP))


@functools.cache
def _admin_engine() -> Engine:
    # One pooled connection a process, to the server's own database, creates and drops
    # the tests' databases: a connection of their own each time was three a test.
    return make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT",  # type: ignore[arg-type]
                       pool_size=1)


def admin_sql(*statements: str) -> None:
    """Runs ``statements`` (CREATE and DROP DATABASE) on the server's own database; none,
    nothing (and no connection: there may be no server)."""
    if not statements:
        return
    with _admin_engine().connect() as conn:
        for statement in statements:
            conn.execute(text(statement))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test clones it, which takes milliseconds."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDITBOT_TEST_POSTGRES_URL to run these on it too")
    admin_sql(f"DROP DATABASE IF EXISTS {_TEMPLATE}", f"CREATE DATABASE {_TEMPLATE}")
    template = make_engine(_with_database(_TEMPLATE))
    upgrade(template)
    template.dispose()
    yield _TEMPLATE
    admin_sql(f"DROP DATABASE IF EXISTS {_TEMPLATE}")


def _create_database(name: str, *, template: str) -> str:
    """The statement that makes database ``name`` a copy of ``template``."""
    # PostgreSQL 15 copies a template block by block through the write-ahead log by
    # default; copying its files is quicker for a database this small (13 ms against
    # 18 ms in memory, and far more on a disk), and the suite makes one a test.
    return f"CREATE DATABASE {name} TEMPLATE {template}{_copy_strategy()}"


@functools.cache
def _copy_strategy() -> str:
    with _admin_engine().connect() as conn:
        version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
    return " STRATEGY FILE_COPY" if version >= 150000 else ""


def _with_database(name: str) -> str:
    from sqlalchemy.engine import make_url

    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def clone_database(url: str, source: Path | str) -> None:
    """Makes the fresh database at ``url`` (from ``database_url``, not opened yet) a copy
    of ``source``: an SQLite file, or the name of a PostgreSQL template database."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    assert name, url
    if parsed.get_backend_name() == "sqlite":
        shutil.copyfile(source, name)
        return
    admin_sql(f"DROP DATABASE {name} WITH (FORCE)", _create_database(name, template=str(source)))


@pytest.fixture(scope="session")
def template_database(
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Path | str]]:
    """template_database(key, fill, database_url, request) -> an SQLite file or a PostgreSQL
    template database on ``database_url``'s backend: a migrated database that
    ``fill(engine)`` filled, made once per process and key. clone_database() copies it."""
    made: dict[tuple[str, str], Path | str] = {}

    def template(key: str, fill: Callable[[Engine], object], database_url: str,
                 request: pytest.FixtureRequest) -> Path | str:
        backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        if (key, backend) not in made:
            if backend == "sqlite":
                path = tmp_path_factory.mktemp(f"sqlite-{key}") / "creditbot.db"
                shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
                engine = make_engine(f"sqlite:///{path}")
                made[key, backend] = path
            else:
                migrated = request.getfixturevalue("postgres_template")
                name = f"{migrated}_{key}"
                admin_sql(f"DROP DATABASE IF EXISTS {name}",
                          _create_database(name, template=migrated))
                engine = make_engine(_with_database(name))
                made[key, backend] = name
            try:
                fill(engine)
            except BaseException:
                del made[key, backend]  # half-filled: the next test must not clone it
                raise
            finally:
                engine.dispose()
        return made[key, backend]

    yield template
    names = [name for (_, backend), name in made.items() if backend != "sqlite"]
    admin_sql(*(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)" for name in names))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once per process; each test gets a copy of it, which
    takes a millisecond where running the migrations takes a few hundred."""
    path = tmp_path_factory.mktemp("sqlite-template") / "creditbot.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    engine.dispose()
    # The last connection closed checkpointed the write-ahead log into the file: the file
    # alone is the whole database.
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(autouse=True)
def audit_writers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BatchedAuditWriter]]:
    """The audit writers the test made (Services.views), closed when it ends. One left
    running retries its last views on a database the teardown dropped, logging a warning
    every 0.2 s into the later tests of the same process (their caplog assertions)."""
    made: list[BatchedAuditWriter] = []
    original = BatchedAuditWriter.__init__

    def tracked(self: BatchedAuditWriter, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(BatchedAuditWriter, "__init__", tracked)
    yield made
    _close(made)


def _close(writers: list[BatchedAuditWriter]) -> None:
    while writers:
        writers.pop().close()


@pytest.fixture(autouse=True)
def engines_made(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    """The engines storage.db.make_engine made in the test: a PostgreSQL test's database
    is dropped after they let go of it (_let_go)."""
    import storage.db

    made: list[Engine] = []
    original = storage.db.create_engine

    def tracked(*args: Any, **kwargs: Any) -> Engine:
        engine = original(*args, **kwargs)
        made.append(engine)
        return engine

    monkeypatch.setattr(storage.db, "create_engine", tracked)
    return made


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path,
                 audit_writers: list[BatchedAuditWriter],
                 engines_made: list[Engine]) -> Iterator[str]:
    """The URL of a fresh, migrated database."""
    if request.param == "sqlite":
        path = tmp_path / "creditbot.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"creditbot_test_{uuid.uuid4().hex[:12]}"
    admin_sql(_create_database(name, template=template))
    yield _with_database(name)
    _close(audit_writers)  # their last views go into this database before it goes
    _let_go(name, engines_made)
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _let_go(name: str, engines: list[Engine]) -> None:
    """Closes the test's sessions on database ``name``: DROP DATABASE … WITH (FORCE) ends
    one still open, but looks again only a tenth of a second later."""
    for made in engines:
        made.dispose()
    with _admin_engine().connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                            {"name": name}).scalar_one()
    if left:
        # A connection the test's garbage still holds (a cycle through a traceback, say)
        # goes back to its disposed pool, which closes it, when the collector runs. The
        # young generations only: a full collection in a worker that has run hundreds of
        # tests took up to two seconds, and this frees about half of them.
        gc.collect(1)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def write_csv(tmp_path: Path):  # type: ignore[no-untyped-def]
    """write_csv("name.csv", "header\\nrow...") -> Path; text is written as given."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write
