"""Shared fixtures: a fresh, migrated database per test on SQLite and, when a server is
given, on PostgreSQL; the demo config; CSV writers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CREDITBOT_REQUIRE_POSTGRES") == "1"
# One template per pytest run: runs in parallel (developers, CI) must not drop each
# other's template while it is being cloned.
_TEMPLATE = f"creditbot_test_template_{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError(
            "CREDITBOT_REQUIRE_POSTGRES=1 but CREDITBOT_TEST_POSTGRES_URL is not set")


def _admin_engine() -> Engine:
    return make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test clones it, which takes milliseconds."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set CREDITBOT_TEST_POSTGRES_URL to run these on it too")
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {_TEMPLATE}"))
    template = make_engine(_with_database(_TEMPLATE))
    upgrade(template)
    template.dispose()
    yield _TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
    admin.dispose()


def _with_database(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'creditbot.db'}"
        engine = make_engine(url, create=True)
        upgrade(engine)
        engine.dispose()
        yield url
        return
    template = request.getfixturevalue("postgres_template")
    name = f"creditbot_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield _with_database(name)
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


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
