"""Engines, connection settings and the schema-version guard."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from domain.errors import DomainError
from storage.stall_guard import guard_stalls

MIGRATIONS = Path(__file__).parent / "migrations"

# Every wait on the database is bounded, so that a database that stops answering turns
# into a clear error within seconds instead of a request (or /healthz) that hangs.
# Opening a connection: libpq's default is to wait forever on a host that drops packets
# (its minimum is 2 s).
CONNECT_TIMEOUT_SECONDS = 3
# Waiting for a free pooled connection when all are busy.
POOL_TIMEOUT_SECONDS = 3
# SQLite allows one writer at a time. Writers on the serving path (the de-duplication
# insert, the audit log) hold the lock for well under a millisecond; only imports and
# migrations hold it for seconds. A request waits for it at most this long, so that a
# person still gets an answer within Slack's 3 s while an import runs.
SQLITE_BUSY_TIMEOUT_MS = 1000
# What the server's connections allow a statement (PostgreSQL's statement_timeout):
# a check runs a handful of indexed queries in milliseconds; one that waits on a lock
# or a stuck server for seconds is cancelled and the person is told, instead of waiting.
# The CLI (imports of a million rows, migrations) runs without it.
SERVE_STATEMENT_TIMEOUT_SECONDS = 5.0
# statement_timeout is enforced by the server (and, with a margin, by the client:
# storage.stall_guard, for a server that stopped on a host that still answers for it):
# on a network that stops passing packets
# (a failover, a dropped NAT entry) the client would wait for an answer without limit.
# TCP keepalives ask the peer's kernel after KEEPALIVE_IDLE_SECONDS of silence, which a
# live server answers even in the middle of an hour-long import; TCP_USER_TIMEOUT drops
# a connection whose sent data goes unacknowledged. Together: a dead peer is noticed in
# about idle + interval * count = 6 s.
KEEPALIVE_IDLE_SECONDS = 3
KEEPALIVE_INTERVAL_SECONDS = 1
KEEPALIVE_COUNT = 3
TCP_USER_TIMEOUT_MS = 6000


class SchemaNotReady(DomainError):
    pass


class DatabaseUnavailable(DomainError):
    pass


# Execution option naming how a SQLite transaction begins: "" (deferred) or "IMMEDIATE".
SQLITE_BEGIN = "creditbot_sqlite_begin"


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# What this process is (``creditbot serve``, set by the CLI): with its pid, the
# application_name of its PostgreSQL connections.
process_name = "creditbot"


def application_name() -> str:
    return f"{process_name} {os.getpid()}"[:63]  # PostgreSQL keeps 63 bytes


def make_engine(url: str, *, create: bool = False, statement_timeout: float | None = None,
                read_only: bool = False, sqlite_busy_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                **kwargs: Any) -> Engine:
    """An engine for ``url``.

    ``create``: open an SQLite file that does not exist yet, creating it. Only
    ``creditbot db upgrade`` and ``creditbot demo`` (and the sandbox) ask for this;
    everything else fails on a missing file rather than starting an empty database in
    its place. ``statement_timeout`` (seconds): PostgreSQL cancels longer statements.
    ``read_only``: the database refuses every write, and nothing about it is changed on
    opening (an SQLite file keeps its journal mode): for reading someone else's data.
    ``sqlite_busy_ms``: how long SQLite's busy handler waits for its write lock.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if "poolclass" not in kwargs and not _is_sqlite_memory(parsed):
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, must_exist=read_only or (
            not create and not _is_sqlite_memory(parsed)), read_only=read_only,
            busy_ms=sqlite_busy_ms)
        if not read_only:
            _drop_read_only_connections(engine)
        return engine
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
    # libpq connection parameters, passed through by psycopg.
    connect_args.setdefault("keepalives", 1)
    connect_args.setdefault("keepalives_idle", KEEPALIVE_IDLE_SECONDS)
    connect_args.setdefault("keepalives_interval", KEEPALIVE_INTERVAL_SECONDS)
    connect_args.setdefault("keepalives_count", KEEPALIVE_COUNT)
    connect_args.setdefault("tcp_user_timeout", TCP_USER_TIMEOUT_MS)
    connect_args.setdefault("application_name", application_name())
    options = [f"-c statement_timeout={round(statement_timeout * 1000)}"
               ] if statement_timeout is not None else []
    if read_only:
        options.append("-c default_transaction_read_only=on")
    if options:
        connect_args["options"] = " ".join([connect_args.get("options", ""), *options]).strip()
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_pre_ping", True)
        # A gunicorn worker runs up to 8 request threads plus 8 background threads; a
        # pool smaller than that makes requests queue for a connection (p99 spikes).
        kwargs.setdefault("pool_size", 16)
        kwargs.setdefault("max_overflow", 8)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    if statement_timeout is not None:
        guard_stalls(engine, statement_timeout)
    if not read_only:
        _drop_read_only_connections(engine)
    return engine


def refused_as_read_only(error: BaseException | None) -> bool:
    """A write the connection refused because it was opened read-only: an SQLite file
    not writable when it was opened (SQLite then opens it read-only, and the connection
    stays so), a PostgreSQL session started on a standby or with
    default_transaction_read_only (SQLSTATE 25006)."""
    if getattr(error, "sqlstate", None) == "25006":
        return True
    return isinstance(error, sqlite3.OperationalError) and \
        "readonly database" in str(error)


def let_go_if_read_only(engine: Engine, error: BaseException) -> None:
    """For a write on the driver's own cursor (a COPY, a claim), which the engine's
    error handling does not see: a refusal as read-only lets the pool go, as
    ``_drop_read_only_connections`` does for the others."""
    if refused_as_read_only(error):
        engine.dispose()


def _drop_read_only_connections(engine: Engine) -> None:
    """A connection that refused a write as read-only is dropped with the whole pool, as
    a lost one is: kept, it refused every write it was given long after the file or the
    server was writable again, and only a restart cured it."""
    @event.listens_for(engine, "handle_error")
    def _read_only(context: Any) -> None:
        if refused_as_read_only(context.original_exception):
            context.is_disconnect = True


# The scheduler's connections have no statement_timeout (a job's scan may rightly run for
# minutes) but are still cut by the stall guard past this: a stopped server held the
# scheduler silent for as long as it was stopped.
JOB_STALL_SECONDS = 300.0


def guard_jobs(engine: Engine) -> None:
    """The scheduler process's bound on a stuck PostgreSQL server (storage.stall_guard);
    SQLite's file is local."""
    if engine.dialect.name == "postgresql":
        guard_stalls(engine, JOB_STALL_SECONDS)


# A health probe's statements are one catalogue read; more than this is a stuck server.
PROBE_STATEMENT_TIMEOUT_SECONDS = 3.0


def probe_engine(engine: Engine) -> Engine:
    """The engine health checks ask through: for PostgreSQL, a new connection each time
    with its own timeouts, since after a failover the pooled connections may be to a
    server that no longer answers while a new one would; SQLite's file is local, so its
    own engine."""
    if engine.dialect.name != "postgresql":
        return engine
    return make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool,
                       statement_timeout=PROBE_STATEMENT_TIMEOUT_SECONDS)


def _is_sqlite_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an SQLite database given by path (not an in-memory or URI one)."""
    url = engine.url
    if _is_sqlite_memory(url) or url.get_backend_name() != "sqlite" or url.query.get("uri"):
        return None
    return Path(os.path.abspath(str(url.database)))


def _configure_sqlite(engine: Engine, *, must_exist: bool, read_only: bool = False,
                      busy_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    path = sqlite_path(engine)

    @event.listens_for(engine, "do_connect")
    def _open_existing(_dialect: Any, _record: Any, cargs: list[Any],
                       cparams: dict[str, Any]) -> None:
        if not must_exist or path is None:
            return
        if not path.exists():
            # sqlite3 would create an empty database here; say what happened instead.
            raise sqlite3.OperationalError(
                f"the database file {path} does not exist: create it with `creditbot db "
                "upgrade` (or `creditbot demo`), or correct DATABASE_URL if it was moved "
                "(with its -wal file, which holds its latest writes)")
        # mode=rw: even if the file disappears between the check and the open, SQLite
        # refuses rather than creating it.
        cargs[0] = f"file:{quote(str(path))}?mode={'ro' if read_only else 'rw'}"
        cparams["uri"] = True

    @event.listens_for(engine, "checkout")
    def _same_file(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # A file moved away or replaced by a copy while this process runs: its pooled
        # connections keep the old file open and would go on reading and writing there,
        # unseen. Such a connection is dropped here; its replacement opens the file the
        # URL names now (or says it does not exist).
        if path is None or "file_id" not in record.info:
            return
        try:
            found = os.stat(path)
        except FileNotFoundError:
            raise DisconnectionError(f"the database file {path} does not exist") from None
        if (found.st_dev, found.st_ino) != record.info["file_id"]:
            raise DisconnectionError(f"the database file {path} was replaced")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                found = os.stat(path)
                record.info["file_id"] = (found.st_dev, found.st_ino)
        # Let SQLAlchemy, not the driver, decide where transactions begin, so DDL and
        # bulk imports are transactional too (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First, so that the pragmas below wait no longer than any statement would.
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        if read_only:  # changing the journal mode would write the file's header
            cursor.close()
            return
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")
        # Imports stage rows in the temp database, whose cache is separate and small by
        # default: a million-row stage would spill to disk page by page.
        cursor.execute("PRAGMA temp.cache_size=-131072")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # "IMMEDIATE" takes the write lock at once, waiting busy_timeout for it; a plain
        # BEGIN that reads and later writes fails at once if another connection wrote
        # in between (WAL's snapshot rule), and the busy wait never applies.
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@cache
def code_revision() -> str:
    """The revision this code expects (the head of its migrations); read once."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def _not_context_lines(record: logging.LogRecord) -> bool:
    # Alembic says which dialect it talks to at INFO each time it opens a context, and
    # /healthz opens one at each probe: two lines a probe, for nothing an operator needs.
    return not str(record.msg).startswith(("Context impl ", "Will assume "))


logging.getLogger("alembic.runtime.migration").addFilter(_not_context_lines)


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the revision the database is at, the revision this code expects)."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, code_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrates the schema to the head revision; (revision before, revision after). Two
    upgrades at once (start-up scripts on two hosts) run one after the other: the second
    finds the schema migrated and changes nothing, where it failed half-way on the first's
    new tables."""
    from alembic import command

    with one_upgrade_at_a_time(engine):
        before, _ = schema_revisions(engine)
        refused = _not_upgradable(engine, before)
        if refused is not None:
            raise SchemaNotReady(f"The database {_where(engine)} {refused}.")
        command.upgrade(alembic_config(engine), "head")
        return before, schema_revisions(engine)[0] or ""


# pg_advisory_lock's key for schema upgrades (any number no other lock of ours uses).
_UPGRADE_LOCK = 0x63726264  # "crbd"


# The databases whose upgrade lock this process holds, and how many times: the CLI's
# checks before an upgrade take it, and the upgrade within them takes it again.
_UPGRADING: dict[str, int] = {}


@contextlib.contextmanager
def one_upgrade_at_a_time(engine: Engine) -> Any:
    """Held while a schema is read and upgraded, so that two upgrades at once run one
    after the other (on SQLite, even a read waits for a writer: a second upgrade's
    checks, waiting for the first's migration, gave up after the busy timeout). Held
    again inside, it is already this process's."""
    key = engine.url.render_as_string(hide_password=True)
    if _UPGRADING.get(key):
        _UPGRADING[key] += 1
        try:
            yield
        finally:
            _UPGRADING[key] -= 1
        return
    with _upgrade_lock(engine):
        _UPGRADING[key] = 1
        try:
            yield
        finally:
            del _UPGRADING[key]


@contextlib.contextmanager
def _upgrade_lock(engine: Engine) -> Any:
    if engine.dialect.name == "postgresql":
        # A session lock on a connection of its own, held while alembic works on others.
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({_UPGRADE_LOCK})")
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({_UPGRADE_LOCK})")
        return
    path = sqlite_path(engine)
    if path is None:
        yield
        return
    import fcntl

    # A file of its own beside the database, never the database file: closing any
    # descriptor of that file drops every POSIX lock SQLite holds on it in this process,
    # and another process could then reset the WAL under a live connection (a
    # "malformed" database).
    with open(str(path) + ".upgrading", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def _where(engine: Engine) -> str:
    return url_shown(engine.url)


def url_shown(url: URL) -> str:
    """``url`` as it may be shown to anyone: the password hidden, both where URLs carry
    it and where libpq also takes it (a ``password=`` parameter of the query)."""
    secret = [key for key in url.query if secret_parameter(key)]
    if not secret:
        return url.render_as_string(hide_password=True)
    # Rendering escapes the query's values (* as %2A): the mark goes in after it.
    hidden = url.update_query_dict(dict.fromkeys(secret, "creditbot-hidden"))
    return hidden.render_as_string(hide_password=True).replace("=creditbot-hidden", "=***")


def secret_parameter(key: str) -> bool:
    """Whether a URL's query parameter ``key`` carries a password (libpq's ``password``
    and ``sslpassword``, in any case)."""
    return "password" in key.lower()


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions())


# Tables only creditbot has: "customers" or "orders" could be any program's.
_OURS = frozenset({"check_marks", "credit_requests", "order_checks"})
# Tables creditbot has had since its first revision: a database at one of its revisions
# without them is another program's that happens to number its migrations alike.
_FIRST = frozenset({"audit_log", "exchange_rates", "invoices"})


def _schema_state(engine: Engine, current: str | None, *,
                  look_at_head: bool = False) -> str | None:
    """What is wrong with the schema and what to do, or None when it is this code's.
    ``look_at_head``: at the code's revision, its tables are looked at too (at start and
    upgrade, not at every health probe)."""
    head = code_revision()
    if current == head and not look_at_head:
        return None
    if current is None:
        return _unmigrated(engine)
    if current in _known_revisions() and not set(tables := _tables(engine)) >= _FIRST:
        # "0005", or "0038" itself, with a widgets table: "run db upgrade" failed on "no
        # such table", "up to date" on every command after it.
        return (f"holds another program's tables ({_listed(tables)}) at its "
                f"migrations' revision {current}: point DATABASE_URL at creditbot's "
                "database")
    if current == head:
        return None
    if current not in _known_revisions():
        tables = _tables(engine)
        if not _OURS & set(tables):
            # Another program's Alembic: "a newer creditbot migrated it, restore the
            # backup" sent an operator who mistyped the database name into a restore.
            return (f"holds another program's tables ({_listed(tables)}) at its "
                    f"migrations' revision {current}: point DATABASE_URL at creditbot's "
                    "database")
        # A host on older code after another migrated (or code rolled back): upgrading
        # from here cannot work, and saying so would send the operator the wrong way.
        return (f"is at revision {current}, which this creditbot does not know (it "
                f"knows up to {head}): a newer creditbot migrated it; run that version, "
                "or restore the backup taken before the upgrade")
    return _behind(current)


def _not_upgradable(engine: Engine, before: str | None) -> str | None:
    """Why migrating this database would go wrong, or None: another program's migrations,
    a newer creditbot's, or creditbot's tables without the record of their revision."""
    if before is None:
        return _unmigrated(engine) if _OURS & set(_tables(engine)) else None
    state = _schema_state(engine, before, look_at_head=True)
    return None if state == _behind(before) else state


def _behind(current: str) -> str:
    """A creditbot database at an earlier revision: what upgrading is for."""
    return f"is at revision {current}, not {code_revision()}: run `creditbot db upgrade` first"


def _tables(engine: Engine) -> list[str]:
    try:
        return sorted(inspect(engine).get_table_names())
    except SQLAlchemyError:
        return []


def _listed(tables: list[str]) -> str:
    return ", ".join(tables[:5]) + (f" and {len(tables) - 5} more" if len(tables) > 5 else "")


def unavailable_reason(error: SQLAlchemyError) -> str:
    """The driver's message on one line (psycopg adds hints on lines of their own)."""
    orig = error.orig if isinstance(error, DBAPIError) else None
    message = str(orig) if orig is not None else str(error)
    text = ""
    for line in (part.strip() for part in message.splitlines()):
        if line:
            # A line going on in lower case is the same sentence, wrapped: libpq's
            # "terminated abnormally\n\tbefore or while processing the request".
            text += line if not text else (
                " " if text[-1] in ".?!:;" or line[0].islower() else ". ") + line
    if text == "database is locked":
        # SQLite's words say neither who nor what to do.
        text += (": another process was writing to the SQLite file (an import, a job, "
                 "another creditbot) for longer than creditbot waits; try again once it is "
                 "done")
    return text


def require_current_schema(engine: Engine) -> None:
    try:
        current, _ = schema_revisions(engine)
    except OperationalError as problem:
        raise DatabaseUnavailable(
            f"cannot use the database {_where(engine)}: {unavailable_reason(problem)}"
        ) from None
    state = _schema_state(engine, current, look_at_head=True)
    if state is not None:
        raise SchemaNotReady(f"The database {_where(engine)} {state}.")


def _unmigrated(engine: Engine) -> str:
    """What a database without a schema revision is: empty, another program's (its
    tables named), which "empty: run db upgrade" would have sent creditbot's tables into,
    or creditbot's without the record of its revision (a partial restore), which an
    upgrade from nothing fails on ("relation customers already exists")."""
    tables = _tables(engine)
    if not tables:
        return "is empty: run `creditbot db upgrade` first"
    if _OURS & set(tables):
        return ("holds creditbot's tables but not the record of their schema revision (the "
                "alembic_version table is missing or empty, as after a partial restore): "
                "restore the whole database from its backup; `creditbot db upgrade` cannot "
                "tell which migrations these tables have had")
    return (f"has no creditbot tables but holds others ({_listed(tables)}): point "
            "DATABASE_URL at creditbot's database; if creditbot is to share this one, run "
            "`creditbot db upgrade` first")


def database_problem(engine: Engine) -> str | None:
    """Why the server cannot work with this database right now, or None if it can: the
    database answers, is at the code's schema revision, can be written (an SQLite file
    its process may write, a PostgreSQL primary whose sessions are not read-only), and
    (SQLite) its file is still where the URL says; pooled connections keep a moved file
    open and would go on answering from it."""
    path = sqlite_path(engine)
    if path is not None and not path.exists():
        return (f"the database file {path} does not exist (moved or deleted?): put it back "
                "with its -wal file, which holds its latest writes")
    if path is not None and (unwritable := _unwritable(path)):
        return unwritable
    try:
        # One connection (a new one each probe on PostgreSQL, ``probe_engine``).
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            read_only = engine.dialect.name == "postgresql" and connection.exec_driver_sql(
                "SELECT current_setting('transaction_read_only')").scalar() == "on"
    except SQLAlchemyError as problem:
        return f"the database does not answer: {unavailable_reason(problem)}"
    state = _schema_state(engine, current)
    if state is not None:
        return f"the database {state}"
    if read_only:
        return ("the database is read-only (a standby server, or "
                "default_transaction_read_only is on): creditbot writes to it; point "
                "DATABASE_URL at the primary, or turn the setting off")
    return None


def _unwritable(path: Path) -> str | None:
    """Why the SQLite file (or its -wal file) cannot be written, if it cannot: every
    write then fails while the reads still answer. Asked with access(2), never by
    opening the file: closing a descriptor of it would drop every POSIX lock this
    process's connections hold on it (SQLite's "how to corrupt", 2.2)."""
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists() and not os.access(file, os.W_OK):
            return (f"the database file {file} cannot be written (no write permission, "
                    "an immutable file or a read-only file system): creditbot writes to "
                    "it; give the user it runs as write access to it and to its folder")
    if not os.access(path.parent, os.W_OK):
        # Said "does not answer: attempt to write a readonly database" before.
        return (f"the folder {path.parent} of the database file cannot be written: SQLite "
                "keeps its -wal and -shm files beside the database; give the user creditbot "
                "runs as write access to the folder")
    return None

