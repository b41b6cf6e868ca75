"""The ``creditbot`` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import ArgumentError, OperationalError

from bot.config import ConfigError, load_config
from bot.settings import Settings
from bot.wiring import Services, build_services
from domain.errors import DomainError
from domain.imports import KINDS
from domain.positions import customer_position, portfolio_positions
from storage.csv_source import CsvFile
from storage.db import upgrade
from storage.importer import CsvImporter, ImportReport

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(message: str) -> None:
    # Text, not markup: messages quote files and user input, which may hold "[...]".
    err.print(Text.assemble(("error:", "red"), " ", message), soft_wrap=True)
    sys.exit(1)


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Known failures end with one line that says what to do, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, DomainError) as problem:
            _fail(str(problem))
        except OperationalError as problem:
            _fail(f"cannot use the database: {problem.orig}")
        except ArgumentError as problem:
            _fail(f"DATABASE_URL is not a database URL creditbot can use ({problem}); "
                  "e.g. sqlite:///creditbot.db or postgresql://user@host/db")
        except ValidationError as problem:
            first = problem.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "a setting"
            _fail(f"environment variable {name.upper()}: {first['msg']}")

    return wrapper


def _services(config: Path | None = None, *, schema: bool = True) -> Services:
    services = build_services(config_path=config)
    if schema:
        services.require_schema()
    return services


def _as_of_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        help="Date to compute aging for (default: today in the org's time zone).")(
        command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """creditbot: trade-credit workflow for Slack teams."""


@main.group()
def config() -> None:
    """Check the organisation configuration (app.yaml)."""


@config.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def config_check(path: Path | None) -> None:
    """Validate PATH (default: $CREDITBOT_CONFIG or app.yaml); list every problem."""
    path = path or Path(Settings().config_path)
    try:
        loaded = load_config(path)
    except ConfigError as problem:
        for line in problem.problems:
            err.print(f"{path}: {line}", soft_wrap=True, markup=False)
        err.print(f"{len(problem.problems)} problem(s) in {path}", markup=False)
        sys.exit(1)
    out.print(f"{path}: OK — {loaded.organisation.name}, {len(loaded.departments)} departments, "
              f"{len(loaded.known_users())} people, base currency "
              f"{loaded.organisation.base_currency}", markup=False)


@main.group()
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


@main.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows, report the bad ones.")
@click.option("--dry-run", is_flag=True, help="Check and count, then change nothing.")
@click.option("--show-errors", default=50, show_default=True, help="How many bad rows to list.")
@friendly_errors
def import_file(kind: str, file: Path, skip_invalid: bool, dry_run: bool,
                show_errors: int) -> None:
    """Upsert an ERP CSV export of KIND from FILE (all or nothing unless --skip-invalid)."""
    services = _services()
    report = run_import(services, kind, file, skip_invalid=skip_invalid, dry_run=dry_run)
    for problem in report.errors[:show_errors]:
        err.print(f"{file}: {problem}", soft_wrap=True, markup=False)
    hidden = report.error_count - min(len(report.errors), show_errors)
    if hidden > 0:
        err.print(f"… and {hidden} more problem(s)", markup=False)
    out.print(summary_line(report), markup=False, soft_wrap=True)
    if report.rejected and not skip_invalid:
        _fail(f"nothing was imported: {report.rejected} row(s) have problems. Fix them, or "
              "re-run with --skip-invalid to import the good rows.")


def run_import(services: Services, kind: str, file: Path, *, skip_invalid: bool = False,
               dry_run: bool = False) -> ImportReport:
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    with CsvFile(file) as source, Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(f"{kind} ← {file.name}", total=source.size)
        return CsvImporter(services.engine).run(
            KINDS[kind], source, skip_invalid=skip_invalid, dry_run=dry_run,
            progress=lambda _rows, done: bar.update(task, completed=done))


def summary_line(report: ImportReport) -> str:
    outcome = ("dry run, nothing changed" if report.dry_run and report.committed is False
               and not report.rejected else
               "committed" if report.committed else "nothing changed")
    return (f"{report.kind}: {report.rows_read:,} rows read — {report.inserted:,} inserted, "
            f"{report.updated:,} updated, {report.unchanged:,} unchanged, "
            f"{report.rejected:,} rejected ({outcome})")


@main.command()
@click.argument("customer")
@_as_of_option
@friendly_errors
def position(customer: str, as_of: Any) -> None:
    """Show one customer's credit position (by id, name, prefix or close match)."""
    from bot.terminal import render_position

    services = _services()
    day = as_of.date() if as_of else services.today()
    with services.uow() as uow:
        found, pos = customer_position(uow, customer, day, services.policy)
    render_position(out, found, pos)


@main.command()
@_as_of_option
@click.option("--top", default=20, show_default=True, help="Rows to show (0 for all).")
@friendly_errors
def portfolio(as_of: Any, top: int) -> None:
    """The portfolio's credit position, tightest available credit first."""
    services = _services()
    print_portfolio(services, as_of.date() if as_of else services.today(), top)


def print_portfolio(services: Services, day: date, top: int) -> None:
    from bot.terminal import render_portfolio

    with services.uow() as uow:
        positions = portfolio_positions(uow, day, services.policy)
    render_portfolio(out, positions, services.config, day, top)


@main.command()
@click.option("--port", type=int, default=None, help="HTTP port (default: $PORT or 3000).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes.")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Threads per worker.")
@click.option("--socket-mode", is_flag=True,
              help="Connect out to Slack over a WebSocket instead (needs SLACK_APP_TOKEN).")
@friendly_errors
def serve(port: int | None, workers: int, threads: int, socket_mode: bool) -> None:
    """Run the bot: POST /slack/events and GET /healthz, or Socket Mode."""
    from bot.serve import configure_logging, serve_http, serve_socket_mode

    services = _services()
    settings = services.settings
    provided = {"SLACK_BOT_TOKEN": settings.slack_bot_token,
                "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
                "SLACK_APP_TOKEN": settings.slack_app_token}
    needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"]
    missing = [name for name in needed if provided[name] is None]
    if missing:
        _fail(f"{', '.join(missing)} not set: creditbot serve needs the Slack app's "
              "credentials in the environment (see README, Install in your workspace)")
    # The workers open their own connections after the fork; none may be inherited.
    services.engine.dispose()
    configure_logging()
    if socket_mode:
        serve_socket_mode()
    else:
        serve_http(port or settings.port, workers, threads)


@main.command()
@click.option("--url", "request_url", default=None, metavar="URL",
              help="Public https URL of POST /slack/events, e.g. https://credit.example.com"
                   "/slack/events.")
@click.option("--socket-mode", is_flag=True, help="For `creditbot serve --socket-mode`.")
def manifest(request_url: str | None, socket_mode: bool) -> None:
    """Print the Slack app manifest (YAML) matching this version of creditbot."""
    from bot.manifest import manifest_yaml

    if not socket_mode and not request_url:
        _fail("give --url https://YOUR-HOST/slack/events (where Slack reaches `creditbot "
              "serve`), or --socket-mode")
    if request_url and not request_url.startswith("https://"):
        _fail(f"Slack only calls https URLs; got {request_url}")
    click.echo(manifest_yaml(request_url, socket_mode=socket_mode), nl=False)


@main.command()
@click.option("--script", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Replay these inputs instead of asking (one per line).")
@friendly_errors
def sandbox(script: Path | None) -> None:
    """Try creditbot offline: the bot, a Slack emulator and a terminal chat."""
    from bot.sandbox.chat import run_sandbox

    config = load_config(Path(Settings().config_path))
    run_sandbox(config, out, script)


@main.command()
@click.option("--data-dir", type=click.Path(path_type=Path), default=None,
              help="Keep the generated demo CSV files here (default: a temporary folder).")
@friendly_errors
def demo(data_dir: Path | None) -> None:
    """Load the bundled demo portfolio into the database and print its credit position."""
    from bot.demo import load_demo_data

    services = _services(schema=False)
    upgrade(services.engine)
    load_demo_data(services.engine, services.today(), data_dir,
                   progress=lambda report: out.print(summary_line(report), markup=False,
                                                     soft_wrap=True))
    print_portfolio(services, services.today(), 15)


if __name__ == "__main__":
    main()
