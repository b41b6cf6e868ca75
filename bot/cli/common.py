"""What every command shares: the consoles, one-line failures, building the services."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from bot.config import ConfigError
from bot.config.fields import shown
from bot.wiring import Services, build_services
from domain.errors import DomainError
from storage.db import normalise_url, url_shown

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
            # Drivers write their reasons over several lines; one line is what we promise.
            _fail(f"cannot use the database: {' '.join(str(problem.orig).split())}")
        except ArgumentError as problem:
            _fail(f"DATABASE_URL is not a database URL creditbot can use ({problem}); "
                  "e.g. sqlite:///creditbot.db or postgresql://user@host/db")
        except ValidationError as problem:
            _fail(_setting_problem(problem.errors()[0]))

    return wrapper


def _setting_problem(error: Any) -> str:
    """A bad environment variable in words (pydantic-settings names it in ``loc``)."""
    name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
    got, limits = shown(error.get("input")), error.get("ctx") or {}
    if error["type"] in ("int_parsing", "int_type", "int_from_float"):
        return f"environment variable {name}: must be a whole number, got {got}"
    if "ge" in limits:
        return f"environment variable {name}: must be at least {limits['ge']}, got {got}"
    if "le" in limits:
        return f"environment variable {name}: must be at most {limits['le']}, got {got}"
    return f"environment variable {name}: {error['msg']}, got {got}"


_URL_FORMS = ("creditbot works with PostgreSQL through psycopg 3 "
              "(postgresql://user:password@host:5432/database) and SQLite "
              "(sqlite:///creditbot.db)")


def _hide_password(raw: str) -> str:
    """A URL that did not parse as it may be shown: a password in it may hold any
    character (an @, a / or a ? included), so everything between the scheme and its last
    @ is hidden, user name too; with no @, everything after a colon there is (a
    ``user:password`` whose @ was forgotten); and libpq's ``password=`` parameters."""
    scheme, slashes, rest = re.match(r"^([A-Za-z][A-Za-z0-9+.\-]*:)?(/*)(.*)$", raw,
                                     re.DOTALL).groups()  # type: ignore[union-attr]
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    elif ":" in rest.partition("/")[0] and scheme:
        rest = "***"
    return re.sub(r"([?&][a-z]*password=)[^&]*", r"\1***", f"{scheme or ''}{slashes}{rest}")


def database_url_problem(raw: str, name: str = "DATABASE_URL") -> str | None:
    """Why creditbot cannot use the database URL ``raw`` (given as ``name``), before any
    driver is imported."""
    try:
        url = make_url(normalise_url(raw))
        written = url_shown(url)
    except (ArgumentError, ValueError):
        return f"{name} {shown(_hide_password(raw))} is not a database URL: {_URL_FORMS}"
    if raw.count("@") > (url.username is not None):
        # The URL parser ends the user information at the first @, or at a / or ? before
        # it: the rest of a password would show as the host, the database or the query,
        # in this message and in every connection error after it (and go to DNS as a host
        # name). An @ that is not the one before the host is never taken as written.
        return (f"{name} {shown(_hide_password(raw))} has an @ or a / in its user name or "
                "password: write an @ there as %40, a / as %2F and a : as %3A")
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgresql", "sqlite") and driver not in ("", "psycopg", "pysqlite"):
        plain = url_shown(url.set(drivername=backend))
        engine = "psycopg 3" if backend == "postgresql" else "Python's sqlite3"
        return (f"{name} {shown(written)} asks for the {driver} driver, which creditbot "
                f"does not ship: write {shown(plain)} (creditbot uses {engine})")
    if backend not in ("postgresql", "sqlite"):
        return f"{name} {shown(written)} is a {backend} URL: {_URL_FORMS}"
    return None


def _services(config: Path | None = None, *, schema: bool = True) -> Services:
    services = build_services(config_path=config)
    problem = database_url_problem(services.settings.database_url)
    if problem:
        _fail(problem)
    if schema:
        services.require_schema()
    return services


def _as_of_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None,
                        metavar="YYYY-MM-DD",
                        help="The day to compute for: aging, and the latest exchange rates on "
                             "or before it (default: today in the organisation's time zone).")(
        command)
