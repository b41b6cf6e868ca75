"""The ``creditbot`` command line: the ``main`` group; each command group has its module."""

from __future__ import annotations

import contextlib
import os
import sys

import click

from bot.cli.audit import audit
from bot.cli.config import config
from bot.cli.db import db
from bot.cli.demo import demo
from bot.cli.imports import import_file
from bot.cli.jobs import jobs
from bot.cli.manifest import manifest
from bot.cli.positions import portfolio, position
from bot.cli.sandbox import sandbox
from bot.cli.scheduler import scheduler
from bot.cli.serve import serve

# Words people try for a command creditbot names otherwise (Django's, Alembic's).
_MEANT = {"migrate": "db upgrade", "upgrade": "db upgrade", "makemigrations": "db revision",
          "run": "serve", "start": "serve", "worker": "scheduler", "check": "config check",
          "export": "audit export"}


class _Commands(click.Group):
    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name in _MEANT and self.get_command(ctx, name) is None:
            ctx.fail(f"No such command '{name}'. Did you mean 'creditbot {_MEANT[name]}'?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader stopped early (`creditbot audit export | head`): stop quietly
            # with a failing status, as Unix tools do (a script with pipefail sees the
            # output was cut), and keep Python from complaining again when it flushes
            # standard output at exit.
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
# The installed distribution's version (importlib.metadata), the one pip and bug reports see.
@click.version_option(package_name="creditbot", prog_name="creditbot",
                      message="%(prog)s %(version)s", help="Print creditbot's version and exit.")
@click.pass_context
def main(context: click.Context) -> None:
    """creditbot: trade-credit workflow for Slack teams."""
    from storage import db

    # Named on each of its PostgreSQL connections, for a DBA's pg_stat_activity and
    # for `db upgrade` to see every creditbot running, not only a scheduler.
    db.process_name = f"creditbot {context.invoked_subcommand or ''}".strip()


for _command in (config, db, import_file, position, portfolio, serve, manifest, sandbox, demo,
                 scheduler, jobs, audit):
    main.add_command(_command)

__all__ = ["main"]
