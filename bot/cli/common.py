"""What every command shares: the consoles, one-line failures, building the services."""

from __future__ import annotations

import calendar
import contextlib
import os
import re
import shlex
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote

import click
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, ProgrammingError

from bot.config import ConfigError
from bot.config.fields import shown
from bot.wiring import Services, build_services
from domain.errors import DomainError
from domain.text import shown_controls
from storage.db import normalise_url, secret_parameter, unavailable_reason, url_shown

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Inside it, a kill (a cron's timeout, a container stopped) ends the command as Ctrl-C
    does: the work's ``finally`` blocks run (a transaction rolled back, a claim given
    back) and the command says what it left, where it exited without a word."""
    if threading.current_thread() is not threading.main_thread():
        # Signals reach the main thread only (a command run from another, as tests do).
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _fail(message: str) -> NoReturn:
    # Text, not markup: messages quote files and user input, which may hold "[...]";
    # and no control character from them reaches the terminal as such.
    err.print(Text.assemble(("error:", "red"), " ", shown_controls(message)), soft_wrap=True)
    sys.exit(1)


def config_refused(problem: ConfigError) -> str:
    """One line for a configuration a command cannot start with: its problem, or how
    many there are, the first, and the command that lists them all (eight of them
    joined on one line made a line of two thousand characters)."""
    if len(problem.problems) == 1:
        return str(problem)
    return (f"{problem.path}: {len(problem.problems)} problems, the first: "
            f"{problem.problems[0]}; creditbot config check {shlex.quote(str(problem.path))} "
            "lists them all")


def database_problem(problem: DatabaseError) -> str:
    """Why the database refused, in one line, with the fix for the refusals a first
    deployment meets."""
    # Drivers write their reasons over several lines; one line is what we promise.
    # ProgrammingError: a connection option libpq does not know (`?ssl=true`).
    said = unavailable_reason(problem)
    if "readonly database" in said:
        said += (": creditbot must write the database file and, beside it, its -wal "
                 "and -shm files; give the user it runs as write access to them and "
                 "their folder")
    if "permission denied for schema" in said:
        # PostgreSQL 15 lets only the database's owner create tables in public.
        said = said.split(". LINE ")[0] + (
            ": the database user may not create creditbot's tables there; make it "
            "the database's owner (createdb --owner USER, or ALTER DATABASE … OWNER "
            "TO USER) or GRANT CREATE ON SCHEMA public TO USER")
    elif "permission denied for" in said:
        # Tables another user created (db upgrade run as postgres): it named neither.
        said = said.split(". LINE ")[0] + (
            ": creditbot's tables belong to another database user (was `creditbot db "
            "upgrade` run as another one?); run it as the user DATABASE_URL names, or "
            "GRANT ALL ON ALL TABLES IN SCHEMA public TO USER and the same ON ALL "
            "SEQUENCES")
    if "file is not a database" in said:
        said += (": the database URL names a file that is not an SQLite database; "
                 "point DATABASE_URL (or --database) at creditbot's database "
                 "(`creditbot db upgrade` creates one)")
    return said


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Known failures end with one line that says what to do, never a traceback."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as problem:
            _fail(config_refused(problem))
        except DomainError as problem:
            _fail(str(problem))
        except (OperationalError, ProgrammingError, DatabaseError) as problem:
            _fail(f"cannot use the database: {database_problem(problem)}")
        except ArgumentError:
            # SQLAlchemy's own words quote the whole URL, query and all: never shown.
            _fail(f"DATABASE_URL is not a database URL creditbot can use: {_URL_FORMS}")
        except ValidationError as problem:
            _fail(_setting_problem(problem.errors()[0]))
        except BrokenPipeError:
            raise  # the reader stopped early: main's group stops quietly
        except OSError as problem:
            # A path the system refuses (a name too long, a folder not allowed).
            where = f": {problem.filename}" if problem.filename else ""
            _fail(f"{problem.strerror or problem}{where}")

    return wrapper


def _setting_problem(error: Any) -> str:
    """A bad environment variable in words (pydantic-settings names it in ``loc``)."""
    name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
    if error["type"] == "secret":
        return f"environment variable {name}: {error['msg']}"  # never the secret itself
    given = error.get("input")
    if name == "SLACK_API_URL" and isinstance(given, str) and "@" in given:
        given = _hide_password(given)  # a proxy's password, never shown
    got, limits = shown(given), error.get("ctx") or {}
    if error["type"] in ("int_parsing", "int_type", "int_from_float"):
        return f"environment variable {name}: must be a whole number, got {got}"
    if "ge" in limits:
        return f"environment variable {name}: must be at least {limits['ge']}, got {got}"
    if "le" in limits:
        return f"environment variable {name}: must be at most {limits['le']}, got {got}"
    if error["type"] == "literal_error":
        allowed = str(limits.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"environment variable {name}: must be one of {allowed}, got {got}"
    return f"environment variable {name}: {error['msg']}, got {got}"


_URL_FORMS = ("creditbot works with PostgreSQL through psycopg 3 "
              "(postgresql://user:password@host:5432/database) and SQLite "
              "(sqlite:///creditbot.db)")


# An SQLite file's URL without its slashes: sqlite:x.db, sqlite:/x.db, file:x.db.
_SHORT_FILE_URL = re.compile(r"(?:sqlite|file):(?P<path>/?[^/@?#:][^@?#:]*)", re.IGNORECASE)


def _hide_password(raw: str) -> str:
    """A URL that did not parse as it may be shown: a password in it may hold any
    character (an @, a / or a ? included), so everything between the scheme and its last
    @ is hidden, user name too; with no @, everything after a colon there is (a
    ``user:password`` whose @ was forgotten); and every query parameter whose name says
    password. Without even a ``scheme://``, all of it."""
    text = raw.strip()
    scheme, separator, rest = text.partition("://")
    if not separator:  # libpq's `host=… password=…`, or a password pasted by mistake
        return "***" if text else ""
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    elif ":" in rest.partition("/")[0]:
        return f"{scheme}://***"
    place, question, query = rest.partition("?")
    if question:
        query = "&".join(_hide_secret(pair) for pair in query.split("&"))
    return f"{scheme}://{place}{question}{query}"


def _hide_secret(pair: str) -> str:
    key, equals, _ = pair.partition("=")
    return f"{key}=***" if equals and secret_parameter(unquote(key)) else pair


_RAW_AT = ("{name} {url} has an @ or a / in its user name or password: write an @ there as "
           "%40, a / as %2F and a : in the user name as %3A")


def database_url_problem(raw: str, name: str = "DATABASE_URL",
                         must_exist: str | None = None) -> str | None:
    """Why creditbot cannot use the database URL ``raw`` (given as ``name``), before any
    driver is imported. ``must_exist``: what to say of an SQLite file that is not there
    (the sandbox opens databases of one's own only), ``None`` to leave it to the engine."""
    try:
        url = make_url(normalise_url(raw))
        written = url_shown(url)
    except (ArgumentError, ValueError):
        if raw.strip()[:1] in "\"'" and raw.strip():
            # Docker's --env-file and systemd's Environment= keep quotes in the value.
            return (f"{name} {shown(_hide_password(raw.strip()))} begins with a quote, "
                    "which is part of the value where it was set (Docker's --env-file "
                    "keeps quotes): write it without quotes")
        if _a_path(raw.strip()):
            # A file's path (nothing in it to hide): the URL that names it.
            path = os.path.abspath(raw.strip())
            return (f"{name} {shown(raw.strip())} is a file's path, not a database URL: "
                    f"write sqlite:///{path} for that SQLite file")
        if raw.partition("://")[2].count("@") > 1:
            # "user:p@ss:w@host": the parser took "ss:w" for a port, and said only that
            # this was no URL.
            return _RAW_AT.format(name=name, url=shown(_hide_password(raw)))
        if (short := _SHORT_FILE_URL.fullmatch(raw.strip())) is not None:
            # "sqlite:/x.db", "file:x.db": a path with nothing to hide, shown as "***".
            path = os.path.abspath(short["path"])
            return (f"{name} {shown(raw.strip())} is not a database URL: an SQLite file is "
                    f"written with three slashes, sqlite:///{path}")
        if "," in raw.partition("://")[2].rpartition("@")[2].partition("/")[0]:
            # libpq's "host1:5432,host2:5432" does not parse here; its query form does.
            return (f"{name} {shown(_hide_password(raw))} lists several hosts with their "
                    "ports, which this URL form cannot hold: give each as a host parameter, "
                    "e.g. postgresql://user:password@/creditbot?host=db1:5432&host=db2:5432"
                    "&target_session_attrs=read-write")
        return f"{name} {shown(_hide_password(raw))} is not a database URL: {_URL_FORMS}"
    if not _plain_text(raw, url):
        return (f"{name} {shown(_hide_password(raw))} holds a control character "
                "(a NUL or %00, say) or bytes that are not UTF-8: write it again in plain "
                "text, with %-escapes only for @ / : ? # and %")
    if url.get_backend_name() == "sqlite" and (url.host or url.username or url.password
                                        or any(map(secret_parameter, url.query))):
        return (f"{name} {shown(_hide_password(raw))} is not an SQLite URL creditbot can use: "
                "SQLite's URL names a file and nothing else: sqlite:///relative/path.db or "
                "sqlite:////absolute/path.db")
    if raw.count("@") > (url.username is not None):
        # The URL parser ends the user information at the first @, or at a / or ? before
        # it: the rest of a password would show as the host, the database or the query,
        # in this message and in every connection error after it (and go to DNS as a host
        # name). An @ that is not the one before the host is never taken as written.
        return _RAW_AT.format(name=name, url=shown(_hide_password(raw)))
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # SQLite's in-memory database: everything written would be gone when the command
        # ends, and the next one would find no schema and send the admin round in a loop.
        return (f"{name} {shown(written)} names no database file: write "
                "sqlite:///relative/path.db or sqlite:////absolute/path.db")
    if url.get_backend_name() == "sqlite" and not url.query.get("uri"):
        file = Path(os.path.abspath(str(url.database)))
        folder = file.parent
        if file.is_dir():
            return (f"{name} {shown(written)} names a folder, not a database file: write "
                    "the file's path, e.g. sqlite:///data/creditbot.db")
        if not folder.is_dir():
            return (f"{name} {shown(written)}: the folder {shown(str(folder))} does not exist; "
                    "create it, or correct the path")
        if must_exist is not None and not file.exists():
            return f"{name} {shown(written)}: there is no file {shown(str(file))}; {must_exist}"
    backend, _, driver = url.drivername.partition("+")
    if backend in ("postgresql", "sqlite") and driver not in ("", "psycopg", "pysqlite"):
        plain = url_shown(url.set(drivername=backend))
        engine = "psycopg 3" if backend == "postgresql" else "Python's sqlite3"
        return (f"{name} {shown(written)} asks for the {driver} driver, which creditbot "
                f"does not ship: write {shown(plain)} (creditbot uses {engine})")
    if backend not in ("postgresql", "sqlite"):
        return f"{name} {shown(written)} is a {backend} URL: {_URL_FORMS}"
    return None


def _a_path(raw: str) -> bool:
    """Written as a file's path (``/data/creditbot.db``, ``./x.sqlite``), with nothing in
    it that could be a secret: a colon or an @ might be part of a password."""
    return bool(raw) and not set(raw) & {":", "@"} and (
        raw.startswith(("/", ".", "~")) or raw.endswith((".db", ".sqlite", ".sqlite3")))


def _plain_text(raw: str, url: URL) -> bool:
    """No control character and nothing that is not UTF-8, in the URL or in what its
    %-escapes stand for: libpq stops reading its settings at a NUL (the port, timeouts
    and read-only guard after it are silently lost), and psycopg cannot encode the lone
    surrogates that stand for bytes that are not UTF-8."""
    parts = [raw.strip(), url.username, url.password, url.host, url.database,
             *(str(item) for pair in url.query.items() for item in pair)]
    for part in filter(None, parts):
        # U+FFFD: what SQLAlchemy decodes a %-escape that is not UTF-8 to (%ff).
        if any(ord(c) < 32 or ord(c) == 127 or c == "\ufffd" for c in part):
            return False
        try:
            part.encode()
        except UnicodeEncodeError:
            return False
    return True


def _services(config: Path | None = None, *, schema: bool = True) -> Services:
    services = build_services(config_path=config)
    problem = database_url_problem(services.settings.database_url)
    if problem:
        _fail(problem)
    if schema:
        services.require_schema()
    return services


class BadDay(click.ClickException):
    """A date option written wrong: one line and exit status 2, as click's own usage
    errors exit, without their usage lines (the line says how to write it)."""

    exit_code = 2

    def __init__(self, option: str, problem: str) -> None:
        super().__init__(f"Invalid value for {option}: {problem}")


class Day(click.ParamType):
    """A day written YYYY-MM-DD, every command's date options alike; ``years``: the
    first and last year taken (aging reaches years before and after the day)."""

    name = "YYYY-MM-DD"

    def __init__(self, years: tuple[int, int] = (1, 9999)) -> None:
        self.years = years

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        option = f"'{param.opts[0]}'" if param is not None and param.opts else "a date"
        text = str(value)
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            raise BadDay(option, f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. "
                                 "2026-11-01")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            year, month = int(text[:4]), int(text[5:7])
            if not 1 <= month <= 12:
                why = f"{text[5:7]} is no month (01 to 12)"
            elif text[8:] == "00":
                why = "00 is no day (months start at 01)"
            elif year < 1:
                why = "the years start at 0001"
            else:
                days = calendar.monthrange(year, month)[1]
                why = f"{calendar.month_name[month]} {year} has {days} days"
            raise BadDay(option, f"{text!r} is no day of the calendar: {why}") from None
        first, last = self.years
        if not first <= day.year <= last:
            raise BadDay(option, f"{text!r} is out of reach: give a day from {first} to "
                                 f"{last}")
        return day


def _as_of_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--as-of", type=Day(years=(1900, 9000)), default=None,
                        metavar="YYYY-MM-DD",
                        help="The day to compute for: aging, and the latest exchange rates on "
                             "or before it (default: today in the organisation's time zone).")(
        command)
