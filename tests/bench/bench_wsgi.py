"""What the HTTP request path costs around a listener, in-process (no sockets, no wrk).

    python -m tests.bench.bench_wsgi [--requests 2000] [--rounds 3]

Builds the bot's WSGI app as the tests do (Slack emulator, a migrated database) and
calls it directly with signed ``/credit help`` slash commands, each with its own
trigger_id as Slack sends them. ``/credit help`` touches no customer data, so the time
is the request path itself: signature, parsing, de-duplication, Bolt's dispatch, the
listener and the JSON answer. SQLite, and PostgreSQL when CREDITBOT_TEST_POSTGRES_URL is
set. Prints the median of ``--rounds`` rounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from wsgiref.util import setup_testing_defaults

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.config import load_config
from bot.sandbox.driver import sign
from bot.sandbox.emulator import TEAM_ID, SlackEmulator
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from storage.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench"


def environ_for(body: bytes, stamp: str) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)), "wsgi.input": BytesIO(body),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": stamp,
        "HTTP_X_SLACK_SIGNATURE": sign(SECRET, stamp, body),
    }
    setup_testing_defaults(environ)
    return environ


def requests(emulator: SlackEmulator, count: int) -> list[dict[str, Any]]:
    stamp = str(int(time.time()))
    run = uuid.uuid4().hex[:8]
    return [environ_for(urlencode({
        "team_id": TEAM_ID, "channel_id": "C01SALES000", "user_id": "U01SALESAMY",
        "user_name": "amy", "command": "/credit", "text": "help",
        "api_app_id": "A0CREDITBOT", "response_url": emulator.new_response_url(),
        "trigger_id": f"{n}.{run}.bench"}).encode(), stamp) for n in range(count)]


def one_round(app: Any, emulator: SlackEmulator, count: int) -> float:
    batch = requests(emulator, count)
    statuses: list[str] = []

    def start_response(status: str, headers: Any) -> None:
        statuses.append(status)

    started = time.perf_counter()
    answers = [b"".join(app(environ, start_response)) for environ in batch]
    elapsed = time.perf_counter() - started
    assert statuses == ["200 OK"] * count, set(statuses)
    # every request was answered with the help text, none de-duplicated away
    assert all(b"/credit check" in answer for answer in answers), answers[0]
    return elapsed


def bench(name: str, url: str, count: int, rounds: int) -> None:
    with SlackEmulator(token=TOKEN) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=url)
        services = Services(settings, load_config(ROOT / "app.yaml"))
        app = create_wsgi_app(create_bolt_app(services), services.engine)
        one_round(app, emulator, 200)  # warm caches and the connection pool
        times = [one_round(app, emulator, count) for _ in range(rounds)]
        services.close()
    total = statistics.median(times)
    print(f"{name:<11} {count} requests: {total:.2f} s, {total / count * 1000:.3f} ms a "
          f"request (rounds: {', '.join(f'{t:.2f}' for t in times)} s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        try:
            engine = make_engine(url, create=True)  # type: ignore[call-arg]
        except TypeError:  # before make_engine learnt `create`
            engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        bench("sqlite", url, args.requests, args.rounds)
    pg = os.environ.get("CREDITBOT_TEST_POSTGRES_URL")
    if pg:
        name = f"creditbot_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        url = make_url(pg).set(database=name).render_as_string(hide_password=False)
        try:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            bench("postgresql", url, args.requests, args.rounds)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()


if __name__ == "__main__":
    main()
