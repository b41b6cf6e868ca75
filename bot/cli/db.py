"""``creditbot db``: database schema management."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.common import _fail, _services, friendly_errors, out
from storage import db as storage_db
from storage.db import make_engine, one_upgrade_at_a_time, schema_revisions, upgrade, url_shown
from storage.leases import SCHEDULER_LEASE, LeaseState, holder_of

# Migration files are numbered: 0001_initial.py, 0002_workflow_state.py, ...
_NUMBERED = re.compile(r"(\d{4})_\w*\.py")


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--force", is_flag=True,
              help="Upgrade even though a creditbot scheduler holds its lease on this "
                   "database (it keeps its old code and goes on writing).")
@friendly_errors
def db_upgrade(force: bool) -> None:
    """Create or migrate the database schema to this version of creditbot.

    Stop every creditbot serve and scheduler first: one found running (its scheduler's
    lease held) stops an upgrade with something to migrate unless given --force. A
    database already up to date is said so whatever runs (a start-up script on a host
    that restarts beside running ones)."""
    # The one command (with demo) that may start a new SQLite file.
    engine = make_engine(_services(schema=False).settings.database_url, create=True)
    try:
        # Another upgrade at once (a start-up script on two hosts) waits here, not in the
        # checks: on SQLite even a read waits for the first's migration, and for the WAL
        # checkpoint as its connections close, longer than a busy wait lasts.
        with one_upgrade_at_a_time(engine):
            before, after = _checked_upgrade(engine, force)
            engine.dispose()
    finally:
        engine.dispose()
    where = url_shown(engine.url)
    if before == after:
        out.print(f"{where} is up to date (revision {after})", markup=False, soft_wrap=True)
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to {after}", markup=False,
                  soft_wrap=True)


def _checked_upgrade(engine: Engine, force: bool) -> tuple[str | None, str]:
    """``upgrade``, unless a creditbot runs on the database and there is something to
    migrate (``--force`` upgrades anyway)."""
    current, expected = schema_revisions(engine)
    running = None if force or current == expected else _running_scheduler(engine)
    others = [] if force or current == expected else _other_creditbots(engine)
    if running is not None or others:
        # Both when both are known: naming the lease's holder alone, the operator stopped
        # it, ran this again, and only then heard of the web hosts still connected.
        seen = [f"its scheduler lease is held by {running.holder} until "
                f"{running.expires_at:%Y-%m-%d %H:%M:%S} UTC"] if running is not None else []
        if others:
            seen.append(f"connected: {', '.join(others[:5])}"
                        + (f" and {len(others) - 5} more" if len(others) > 5 else ""))
        which = "; ".join(seen)
        _fail(f"not upgraded: a creditbot is running on this database ({which}). Stop "
              "every creditbot serve and scheduler first: a running one keeps its old "
              "code and goes on writing to the new schema. Then run this again "
              "(--force upgrades anyway).")
    return upgrade(engine)


def _other_creditbots(engine: Engine) -> list[str]:
    """Other creditbot processes connected to this PostgreSQL database, by the
    application_name each gives its connections (``creditbot serve 4242``): a web host
    run with --no-scheduler holds no lease. Not this process's, nor another upgrade's
    (two take turns). Nothing to see on SQLite."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as conn:
        # This process's own names end in its pid; so may another container's pid 1,
        # which connects from elsewhere (or as a user whose address is hidden from us).
        names = conn.execute(text(
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = "
            "current_database() AND application_name LIKE 'creditbot %' AND "
            "application_name NOT LIKE 'creditbot db %' AND NOT (application_name LIKE :mine "
            "AND client_addr IS NOT DISTINCT FROM (SELECT client_addr FROM pg_stat_activity "
            "WHERE pid = pg_backend_pid())) ORDER BY application_name"),
            {"mine": f"% {os.getpid()}"}).scalars().all()
        # A creditbot older than the naming gives its connections no name: its web host
        # went on writing through the upgrade in the old shape. Counted by where from.
        # Another database user's sessions show no type or address unless ours may read
        # every statistic: counted all the same (a background process has no user).
        unnamed = conn.execute(text(
            "SELECT coalesce(host(client_addr), CASE WHEN backend_type IS NULL THEN 'an "
            "address hidden from this database user (a session of ' || usename || ')' ELSE "
            "'a local socket' END), count(*) FROM pg_stat_activity WHERE datname = "
            "current_database() AND application_name = '' AND usename IS NOT NULL AND "
            "(backend_type = 'client backend' OR backend_type IS NULL) AND pid <> "
            "pg_backend_pid() GROUP BY 1 ORDER BY 1")).all()
    return [*names, *(
        f"{count} connection{'s' if count > 1 else ''} giving no name from {where} (an "
        "older creditbot, which named none, or another program: --force if it is no "
        "creditbot)" for where, count in unnamed)]


def _running_scheduler(engine: Engine) -> LeaseState | None:
    """The live scheduler lease, if one is held (None too before leases exist)."""
    try:
        return holder_of(engine, SCHEDULER_LEASE)
    except SQLAlchemyError:
        return None  # an empty database, or one from before the leases table


@db.command("revision")
@click.option("-m", "--message", required=True,
              help='What the migration does, e.g. "add credit requests"; also names the file.')
def db_revision(message: str) -> None:
    """For developers: write the next migration, autogenerated from storage/models.py.

    Compares the models with a scratch SQLite database migrated to the latest revision,
    and writes the difference to storage/migrations/versions/NNNN_message.py. Review it,
    then run `creditbot db upgrade` and the tests (on PostgreSQL too).
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if not re.search(r"\w", message):
        _fail('give -m a few words saying what the migration does, e.g. -m "add credit requests"')
    versions = storage_db.MIGRATIONS / "versions"
    heads = ScriptDirectory(str(storage_db.MIGRATIONS)).get_heads()
    if len(heads) > 1:
        _fail(f"no migration written: the migrations branch (heads {', '.join(sorted(heads))} "
              "revise the same migration); set one's down_revision to the other, then run "
              "this again")
    numbers = [int(m.group(1)) for p in versions.glob("*.py") if (m := _NUMBERED.fullmatch(p.name))]
    rev_id = f"{max(numbers, default=0) + 1:04d}"
    found_changes: list[bool] = []

    def note_changes(_context: Any, _revision: Any, directives: list[Any]) -> None:
        found_changes.append(not directives[0].upgrade_ops.is_empty())

    with tempfile.TemporaryDirectory(prefix="creditbot-revision-") as scratch:
        # A plain engine: the scratch file is new, and none of creditbot's connection
        # settings matter for comparing schemas.
        engine = create_engine(f"sqlite:///{Path(scratch) / 'head.db'}")
        try:
            upgrade(engine)
            config = storage_db.alembic_config(engine)
            config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            # Alembic reports progress on stdout; the one line below says it better.
            with contextlib.redirect_stdout(io.StringIO()):
                script = command.revision(config, message, autogenerate=True, rev_id=rev_id,
                                          process_revision_directives=note_changes)
        except CommandError as problem:
            # e.g. two migrations claiming the same parent: alembic says which.
            _fail(f"no migration written: {' '.join(str(problem).split())}")
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    _tidy(path)
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    if found_changes and found_changes[0]:
        out.print(f"wrote {shown}: autogenerated from the models; review it, then run "
                  "`creditbot db upgrade`", markup=False, soft_wrap=True)
    else:
        out.print(f"wrote {shown}: the models match the migrations, so upgrade() and "
                  "downgrade() are empty; write them by hand", markup=False, soft_wrap=True)


def _tidy(path: Path) -> None:
    """Sort the generated file's imports and drop unused ones, so `ruff check .` stays clean."""
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff:
        subprocess.run([ruff, "check", "--fix", "--quiet", "--select", "I,F401", str(path)],
                       check=False, capture_output=True)
