"""``creditbot sandbox``: try the bot offline."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import _fail, database_url_problem, friendly_errors, out
from bot.config import load_config
from bot.settings import Settings


@click.command()
@click.option("--script", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Replay these inputs instead of asking (one per line).")
@click.option("--database", "database_url", default=None, metavar="URL",
              help="Use this database (migrated, with your own data) instead of a fresh one "
                   "with the demo portfolio, e.g. sqlite:///creditbot.db.")
@friendly_errors
def sandbox(script: Path | None, database_url: str | None) -> None:
    """Try creditbot offline: the bot, a Slack emulator and a terminal chat."""
    from bot.sandbox.chat import run_sandbox

    problem = database_url and database_url_problem(
        database_url, "--database", must_exist="make one with `creditbot db upgrade` (or "
        "`creditbot demo`) and that URL in DATABASE_URL, or leave --database out for a "
        "fresh one with the demo portfolio")
    if problem:
        _fail(problem)
    path = Path(Settings().config_path)
    run_sandbox(load_config(path), out, script, database_url, path.resolve())
