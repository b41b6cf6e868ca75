"""``creditbot db``: database schema management."""

from __future__ import annotations

import click

from bot.cli.common import _services, friendly_errors, out
from storage.db import upgrade


@click.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Create or migrate the database schema to this version of creditbot."""
    engine = _services(schema=False).engine
    before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        out.print(f"{where} is up to date (revision {after})", markup=False)
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to {after}", markup=False)
