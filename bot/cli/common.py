"""What every command shares: the consoles, one-line failures, building the services."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.exc import ArgumentError, OperationalError

from bot.config import ConfigError
from bot.wiring import Services, build_services
from domain.errors import DomainError

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def _fail(message: str) -> NoReturn:
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
