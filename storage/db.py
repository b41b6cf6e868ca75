"""Engines, connection settings and the schema-version guard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from domain.errors import DomainError

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaNotReady(DomainError):
    pass


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # A gunicorn worker runs up to 8 request threads plus 8 background threads; a pool
    # smaller than that makes requests queue for a connection (seen as p99 spikes).
    kwargs.setdefault("pool_size", 16)
    kwargs.setdefault("max_overflow", 8)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin, so DDL and
        # bulk imports are transactional too (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA cache_size=-65536")
        # Imports stage rows in the temp database, whose cache is separate and small by
        # default: a million-row stage would spill to disk page by page.
        cursor.execute("PRAGMA temp.cache_size=-131072")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the revision the database is at, the revision this code expects)."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert head is not None
    return current, head


def upgrade(engine: Engine) -> tuple[str | None, str]:
    from alembic import command

    before, _ = schema_revisions(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, schema_revisions(engine)[0] or ""


def require_current_schema(engine: Engine) -> None:
    current, head = schema_revisions(engine)
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "is empty" if current is None else f"is at revision {current}, not {head}"
        raise SchemaNotReady(
            f"The database {where} {state}: run `creditbot db upgrade` first."
        )
