"""`creditbot serve` as an operator runs it: gunicorn workers, real sockets."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from sqlalchemy import select, text
from time_machine import escape_hatch

from bot import serve
from bot.local_server import LocalServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator
from bot.slack_app import SlackIdentity
from bot.web import create_wsgi_app
from storage.db import code_revision, make_engine
from storage.models import AuditRow
from tests.conftest import ROOT
from tests.e2e.conftest import SALES, SALES_CHANNEL, SECRET, TOKEN
from tests.storage.test_engines import silent_port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return {**env, "CREDITBOT_CONFIG": str(ROOT / "app.yaml"), **extra}


def configs_recorded(url: str) -> list[tuple[str, str]]:
    """The app.yaml entries of the audit log: who started, under which file."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [(details["started"], details["path"]) for details in conn.scalars(
                select(AuditRow.details).where(AuditRow.action == "config.in_force")
                .order_by(AuditRow.id))]
    finally:
        engine.dispose()


@pytest.fixture
def migrated(tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of a migrated SQLite file, as `creditbot db upgrade` leaves it: a copy of the
    migrated template (running the upgrade in a process of its own doubled the time of
    each test here, which run one after another)."""
    path = tmp_path / "x.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def test_serve_without_credentials_stops_with_one_line(migrated):
    env = base_env(DATABASE_URL=migrated)
    result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET not set: creditbot serve needs the "
        "Slack app's credentials in the environment (see README, Install in your workspace)"]


def test_serve_on_a_port_already_taken_stops_with_one_line(migrated):
    """Gunicorn said it in eleven lines over five seconds."""
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL="http://127.0.0.1:9/api/")
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--no-scheduler", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} is taken (Address already in use): another creditbot serve, or "
        "another program, listens there; stop it, or give another port with --port or PORT"]


@pytest.mark.parametrize(("host", "said"), [
    ("192.0.2.1", "error: --host 192.0.2.1 is no address of this machine: give one of its "
                  "addresses, 0.0.0.0 for all or 127.0.0.1 for itself"),
    ("no-such-host.invalid", "error: --host no-such-host.invalid is no address of this "
                             "machine ("),
])
def test_serve_on_an_address_the_host_lacks_stops_with_one_line(migrated, host, said):
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL="http://127.0.0.1:9/api/")
    result = run_cli("serve", "--host", host, "--no-scheduler", env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(said) and line.endswith(
        "give one of its addresses, 0.0.0.0 for all or 127.0.0.1 for itself")


def test_an_ipv6_address_is_taken_in_brackets_and_a_scoped_one_it_lacks_is_refused():
    from bot.serve import CannotListen, require_free_port

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    if socket.has_ipv6:
        require_free_port(port, "[::1]")  # as URLs write it
    with pytest.raises(CannotListen) as refused:
        require_free_port(port, "fe80::1%lo")  # EINVAL, which was "port … is taken"
    assert str(refused.value).startswith("--host fe80::1%lo is no address of this machine")


@pytest.mark.parametrize("port", ["70000", "0", "-1"])
def test_a_port_out_of_range_is_one_line(tmp_path, port):
    """--port 70000 printed a 29-line traceback; --port 0 was quietly $PORT or 3000."""
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", PORT="4871")
    result = run_cli("serve", "--port", port, "--no-scheduler", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: Invalid value for '--port': {port} is not in the range 1<=x<=65535.")


@pytest.mark.parametrize("blank", ["", "  "], ids=["empty", "spaces"])
def test_a_blank_token_is_not_set_rather_than_refused_by_slack(migrated, blank):
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=blank,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: SLACK_BOT_TOKEN not set: creditbot serve needs the Slack app's credentials "
        "in the environment (see README, Install in your workspace)"]


@pytest.mark.parametrize("url", ["not a url", "ftp://slack.com/api/", "https://"])
def test_a_slack_api_url_that_is_not_http_stops_serve_with_one_line(migrated, url):
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env={**env, "SLACK_API_URL": url})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: environment variable SLACK_API_URL: must be an http or https URL such as "
        f'https://slack.com/api/, got "{url}"']


@pytest.mark.parametrize("password", ["Pr0xyPass", "pa/ss", "pa#ss", "pa?ss"])
def test_a_slack_api_url_with_credentials_stops_serve_and_never_shows_them(migrated,
                                                                           password):
    # Taken for a host, "user:password@host" never resolved, and the URL, password and
    # all, was logged at every start and delivery; a / # or ? in the password slipped
    # past the first check (the URL's host part ended there).
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env={
        **env, "SLACK_API_URL": f"http://cbproxy:{password}@127.0.0.1:54390/api/"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: environment variable SLACK_API_URL: must not hold a user name or password "
        "(user:password@): Slack's Web API is authorised by the bot token, and a proxy "
        'with its credentials goes in HTTPS_PROXY, got "http://***@127.0.0.1:54390/api/"']
    assert password not in result.stdout + result.stderr


def test_socket_mode_needs_the_app_token(migrated):
    env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN)
    result = run_cli("serve", "--socket-mode", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: SLACK_APP_TOKEN not set")


@pytest.mark.parametrize(("app_token", "said"), [
    ("xapp-revoked", "error: SLACK_APP_TOKEN was refused by Slack (invalid_auth): check it is "
                     "the app's app-level token (xapp-…) with the connections:write scope"),
    (TOKEN, "error: SLACK_APP_TOKEN must be an app-level token (xapp-…): create one with the "
            "connections:write scope under Basic Information → App-Level Tokens; the bot "
            "token (xoxb-…) is SLACK_BOT_TOKEN"),
])
def test_socket_mode_with_a_token_slack_refuses_stops_with_one_line(migrated, app_token, said):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=migrated, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_APP_TOKEN=app_token, SLACK_API_URL=emulator.api_url)
        result = run_cli("serve", "--socket-mode", "--no-scheduler", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == said
    assert "Traceback" not in result.stderr


def test_socket_mode_waits_for_slack_out_of_reach_rather_than_dying():
    from urllib.error import URLError

    from bot.serve import _connect

    class Handler:
        tries = 0

        def connect(self) -> None:
            self.tries += 1
            if self.tries <= 3:
                raise URLError("Name or service not known")

    paused: list[float] = []
    handler = Handler()
    _connect(handler, paused.append)
    assert (handler.tries, paused) == (4, [2.0, 5.0, 10.0])


def test_serve_refuses_an_unmigrated_database(tmp_path):
    (tmp_path / "x.db").touch()  # an empty file is an empty SQLite database
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: The database sqlite:///{tmp_path / 'x.db'} is empty: run `creditbot db "
        "upgrade` first."]


def test_serve_does_not_create_a_missing_sqlite_file(tmp_path):
    path = tmp_path / "moved.db"
    env = base_env(DATABASE_URL=f"sqlite:///{path}", SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env=env)
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        f"error: cannot use the database sqlite:///{path}: the database file {path} does "
        "not exist: create it with `creditbot db upgrade` (or `creditbot demo`), or correct "
        "DATABASE_URL if it was moved (with its -wal file, which holds its latest writes)"])
    assert not path.exists()


def test_serve_with_no_database_server_stops_with_one_line():
    port = free_port()  # nothing listens there
    env = base_env(DATABASE_URL=f"postgresql://creditbot@127.0.0.1:{port}/creditbot",
                   SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env=env)
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        f"error: cannot use the database postgresql+psycopg://creditbot@127.0.0.1:{port}/"
        f"creditbot: connection failed: connection to server at \"127.0.0.1\", port {port} "
        "failed: Connection refused. Is the server running on that host and accepting "
        "TCP/IP connections?"])


def test_serve_with_a_database_server_that_hangs_stops_with_one_line_in_seconds():
    with silent_port() as port:
        env = base_env(DATABASE_URL=f"postgresql://creditbot@127.0.0.1:{port}/creditbot",
                       SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET)
        started = time.monotonic()
        result = run_cli("serve", env=env)
        took = time.monotonic() - started
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        f"error: cannot use the database postgresql+psycopg://creditbot@127.0.0.1:{port}/"
        "creditbot: connection timeout expired"])
    assert took < 15  # 3 s to connect, plus starting Python twice over


@pytest.mark.parametrize("refusal", ["invalid_auth", "account_inactive",
                                     "not_allowed_token_type"])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_with_a_token_slack_refuses_stops_with_one_line(demo_url, refusal):
    with SlackEmulator(token=TOKEN) as emulator:
        emulator.fail("auth.test", "error", error=refusal)
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       PORT=str(free_port()))
        result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: SLACK_BOT_TOKEN was refused by Slack ({refusal}): copy the Bot User OAuth "
        "Token again"]
    assert TOKEN not in result.stdout + result.stderr
    assert configs_recorded(demo_url) == []  # it ran nothing under app.yaml


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_slack_api_url_without_its_api_path_stops_serve_with_one_line(demo_url):
    # Served anyway, as if Slack were down, and retried every post with "unknown_method"
    # until someone restarted it with the right URL.
    with SlackEmulator(token=TOKEN) as emulator:
        emulator.fail("auth.test", "error", error="unknown_method")
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       PORT=str(free_port()))
        result = run_cli("serve", env=env)
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        f"error: SLACK_API_URL {emulator.api_url} answered auth.test with unknown_method: "
        "it is not the base of Slack's Web API, which ends in /api/ "
        "(https://slack.com/api/)"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_scheduler_with_a_token_slack_refuses_stops_with_one_line(demo_url):
    # It led and ran the jobs, logging three lines a minute per queued message.
    with SlackEmulator(token=TOKEN) as emulator:
        emulator.fail("auth.test", "error", error="token_revoked")
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_API_URL=emulator.api_url)
        result = run_cli("scheduler", env=env)
    assert (result.returncode, result.stderr.splitlines()) == (1, [
        "error: SLACK_BOT_TOKEN was refused by Slack (token_revoked): copy the Bot User "
        "OAuth Token again"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gunicorn_workers_answer_slack_and_the_load_balancer(demo_url):
    port = free_port()
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       PORT=str(port))
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--workers", "2"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                        assert answer.status == 200
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    # As Serving waits: a worker still booting answers nothing yet.
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.2)
            # the server runs outside this test's time travel: sign with the real clock
            slack = SlackDriver(url, SECRET, emulator, clock=escape_hatch.time.time)
            card = slack.slash(SALES, SALES_CHANNEL, "/credit check C0001", timeout=10)
            assert card.blocks[0]["text"]["text"] == "Acme Industrial Supply"
            assert slack.post(b"command=%2Fcredit", signature="v0=bad").status == 401
            assert healthz(url) == (200, {
                "status": "ok", "database": "ok",
                "slack": "token verified at start-up (bot user U0CREDITBOT)"})
            # the master checked the token once; the two workers never call auth.test
            assert [c.method for c in emulator.calls if c.method == "auth.test"] == \
                ["auth.test"]
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output
    assert TOKEN not in output and SECRET not in output  # secrets never reach the logs
    # Once, by the server: its scheduler child found the same text on the record.
    assert configs_recorded(demo_url) == [("serve", str(ROOT / "app.yaml"))]


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_wsgi_app(bolt=None, engine=make_engine("postgresql://x@127.0.0.1:1/none"))  # type: ignore[arg-type]
    environ: dict = {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body) == {
        "status": "unavailable",
        "database": "the database does not answer: connection failed: connection to server "
                    "at \"127.0.0.1\", port 1 failed: Connection refused. Is the server "
                    "running on that host and accepting TCP/IP connections?",
        "slack": "not checked"}
    # Alive all the same: a liveness probe on /healthz restarted every server in an
    # outage of the database.
    for method in ("GET", "HEAD"):
        live: dict = {"PATH_INFO": "/livez", "REQUEST_METHOD": method, "wsgi.input": BytesIO()}
        setup_testing_defaults(live)
        statuses.clear()
        body = b"".join(app(live, lambda status, headers: statuses.append(status)))
        assert statuses == ["200 OK"]
        assert body == (b'{"status": "alive"}' if method == "GET" else b"")


# -- /healthz ----------------------------------------------------------------------------

def healthz(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def timed_healthz(url: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    status, body = healthz(url)
    return status, body, time.monotonic() - started


def test_healthz_answers_503_fast_when_the_database_server_hangs():
    with silent_port() as port:
        engine = make_engine(f"postgresql://creditbot@127.0.0.1:{port}/creditbot")
        app = create_wsgi_app(bolt=None, engine=engine)  # type: ignore[arg-type]
        # two load balancers asking at once share one question to the database
        with LocalServer(app) as server, ThreadPoolExecutor(2) as asking:
            answers = list(asking.map(timed_healthz, [server.url] * 2))
    for status, body, took in answers:
        assert (status, body) == (503, {"status": "unavailable",
                                        "database": "the database did not answer within 1.5 s",
                                        "slack": "not checked"})
        assert took < 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stuck_health_probe_does_not_fail_every_later_check(demo_url, monkeypatch):
    """After a failover the first probe sits on a connection to the old server until TCP
    gives up, while a new one would answer: later checks must not wait on it."""

    import bot.web

    stuck, calls = threading.Event(), []
    real = bot.web.database_problem

    def after_a_failover(engine):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            stuck.wait(30)  # the old server's connection: nothing comes back
        return real(engine)

    monkeypatch.setattr(bot.web, "database_problem", after_a_failover)
    engine = make_engine(demo_url)
    app = create_wsgi_app(bolt=None, engine=engine)  # type: ignore[arg-type]
    try:
        with LocalServer(app) as server:
            status, body, took = timed_healthz(server.url)
            assert (status, body["database"]) == (503, "the database did not answer within "
                                                       "1.5 s")
            status, body, took = timed_healthz(server.url)  # a new probe, answered
            assert (status, body["database"]) == (200, "ok") and took < 1
            assert len(calls) == 2
    finally:
        stuck.set()
        engine.dispose()


def test_probes_that_all_hang_are_bounded():
    """A database that hangs every question holds a few threads, not one per check."""

    from bot.web import MAX_HEALTH_PROBES, DatabaseHealth

    with silent_port() as port:
        engine = make_engine(f"postgresql://creditbot@127.0.0.1:{port}/creditbot")
        health = DatabaseHealth(engine, deadline=0.2)
        before = set(threading.enumerate())
        answers = [health.problem() for _ in range(8)]
        assert answers == ["the database did not answer within 0.2 s"] * 8
        probes = [t for t in set(threading.enumerate()) - before
                  if t.name == "creditbot-health"]
        assert len(probes) == MAX_HEALTH_PROBES
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_healthz_answers_503_fast_while_a_lock_holds_the_database(world):
    assert healthz(world.url)[0] == 200
    locker = world.services.engine.connect()
    locker.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
    try:
        status, body, took = timed_healthz(world.url)
        assert (status, body["database"]) == (503, "the database did not answer within 1.5 s")
        assert took < 2
    finally:
        locker.rollback()
        locker.close()
    deadline = time.monotonic() + 5
    while healthz(world.url)[0] != 200:  # healthy again once the lock is gone
        assert time.monotonic() < deadline
        time.sleep(0.1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_healthz_notices_the_sqlite_file_moved_away_and_nothing_recreates_it(world):
    path = Path(world.services.engine.url.database or "")
    assert healthz(world.url)[0] == 200
    shutil.move(path, path.with_name("moved.db"))
    for suffix in ("-wal", "-shm"):
        if path.with_name(path.name + suffix).exists():
            shutil.move(path.with_name(path.name + suffix),
                        path.with_name("moved.db" + suffix))
    assert healthz(world.url) == (503, {
        "status": "unavailable",
        "database": f"the database file {path} does not exist (moved or deleted?): put it "
                    "back with its -wal file, which holds its latest writes",
        "slack": "not checked"})
    world.services.engine.dispose()  # new connections from here on
    world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001", wait=False)
    assert not path.exists()


def test_healthz_says_when_the_schema_is_not_the_codes(world):
    with world.services.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert healthz(world.url) == (503, {
        "status": "unavailable",
        "database": f"the database is at revision 0001, not {code_revision()}: run "
                    "`creditbot db upgrade` first",
        "slack": "not checked"})
    # Migrated by a newer creditbot (or this code rolled back): upgrading cannot help.
    with world.services.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    assert healthz(world.url)[1]["database"] == (
        f"the database is at revision 0099_future, which this creditbot does not know (it "
        f"knows up to {code_revision()}): a newer creditbot migrated it; run that version, "
        "or restore the backup taken before the upgrade")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_check_on_a_locked_table_is_answered_within_the_statement_timeout(
        demo_url, monkeypatch):
    monkeypatch.setattr(serve, "SERVE_STATEMENT_TIMEOUT_SECONDS", 1.0)
    with SlackEmulator(token=TOKEN) as emulator:
        for name, value in {"DATABASE_URL": demo_url, "SLACK_BOT_TOKEN": TOKEN,
                            "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": emulator.api_url,
                            "CREDITBOT_CONFIG": str(ROOT / "app.yaml")}.items():
            monkeypatch.setenv(name, value)
        app = serve.build_wsgi_app(SlackIdentity(problem="not asked in this test"))
        locker = make_engine(demo_url).connect()
        locker.execute(text("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE"))
        try:
            with LocalServer(app) as server:
                slack = SlackDriver(server.url, SECRET, emulator)
                started = time.monotonic()
                answer = slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
                took = time.monotonic() - started
        finally:
            locker.rollback()
            locker.close()
    # the database's state, not a bug: said plainly (a check changes nothing, so the
    # answer does not say that nothing was changed)
    assert answer.text == ("The credit records are not answering just now. Please try again "
                           "in a minute.")
    assert took < 2.5  # inside the HTTP answer, instead of waiting on the lock for ever


# -- Slack trouble at start-up -------------------------------------------------------------

class Serving:
    """`creditbot serve` in a subprocess, up once /healthz answers."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--workers", str(workers)],
            env={**env, "PORT": str(self.port)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.output = ""

    def __enter__(self) -> Serving:
        deadline = time.monotonic() + 30
        while True:
            try:
                healthz(self.url)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                # TimeoutError: the master listens before its worker has booted, and a
                # worker booting on a loaded machine (CI's other tests) took over the
                # probe's 10 s; the server is up once it answers, within the deadline.
                assert self.process.poll() is None, self.process.communicate()[0]
                if time.monotonic() >= deadline:
                    # Not left running into the tests after it, its workers with it (they
                    # were, stuck), and what it said is shown.
                    os.killpg(self.process.pid, signal.SIGKILL)
                    said = self.process.communicate(timeout=30)[0]
                    raise AssertionError(f"serve did not come up:\n{said}") from None
                time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.output, _ = self.process.communicate(timeout=30)

    def kill_a_worker(self) -> int:
        """SIGKILLs the first of two workers (out of memory, say) and waits for gunicorn's
        new one; the master must still run a second later (a worker that fails to boot
        stops it). The other worker's pid."""
        first, second = self.workers()
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 20
        while first in self.workers() or len(self.workers()) < 2:
            assert self.process.poll() is None, "the master gave up"
            assert time.monotonic() < deadline, "no new worker"
            time.sleep(0.2)
        time.sleep(1)
        assert self.process.poll() is None
        return second

    def scheduler_children(self) -> list[int]:
        """serve's `creditbot scheduler` child, running (one, or none between two): a
        child of the supervisor's thread, so of any of the master's threads."""
        tasks = Path(f"/proc/{self.process.pid}/task")
        found = []
        pids = [pid for task in tasks.iterdir()
                for pid in (task / "children").read_text().split()]
        for pid in pids:
            try:
                if b"scheduler" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0"):
                    found.append(int(pid))
            except FileNotFoundError:
                pass
        return found

    def workers(self) -> list[int]:
        """gunicorn's workers: the master's forks (other children run other commands)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        master = Path(f"/proc/{self.process.pid}/cmdline").read_bytes()
        found = []
        for pid in children.read_text().split():
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == master:
                    found.append(int(pid))
            except FileNotFoundError:  # gone between the two reads
                pass
        return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_runs_when_slack_is_unreachable_and_says_so(demo_url):
    nowhere = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens: Slack is down
    env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
                   SLACK_API_URL=nowhere)
    problem = f"Slack did not answer at {nowhere} ([Errno 111] Connection refused)"
    with SlackEmulator(token=TOKEN) as emulator, Serving(env) as server:
        assert healthz(server.url) == (200, {
            "status": "ok", "database": "ok",
            "slack": f"token not verified: {problem} when the server started; commands are "
                     "answered, replies through Slack fail until it answers"})
        slack = SlackDriver(server.url, SECRET, emulator, clock=escape_hatch.time.time)
        assert "/credit check" in slack.slash(SALES, SALES_CHANNEL, "/credit help").all_text()
    assert server.process.returncode == 0, server.output
    warnings = [line for line in server.output.splitlines() if " WARNING " in line]
    assert [w.split(" creditbot.serve: ")[1] for w in warnings] == [
        f"{problem}; serving anyway: commands are answered, replies through Slack will fail "
        "until it answers (see /healthz)",
        # Serving listens on every address (the default): said once, at start.
        "listening on 0.0.0.0, beyond this host: put a buffering reverse proxy in front "
        "(nginx; README, Running) and listen on 127.0.0.1 behind it; slow clients reaching "
        "gunicorn directly can hold every request thread"]
    assert "Traceback" not in server.output, server.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_scheduler_on_its_own_says_it_runs_the_jobs_when_slack_is_unreachable(demo_url):
    # It said "serving anyway: commands are answered", under creditbot.serve: a scheduler
    # answers no command, and an operator grepping its log for "scheduler" missed it.
    nowhere = f"http://127.0.0.1:{free_port()}/api/"
    env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=nowhere)
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"], env=env,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        assert process.stderr is not None
        warning = next(line for line in process.stderr if " WARNING " in line)
    finally:
        process.terminate()
        process.communicate(timeout=30)
    assert warning.split(" WARNING ", 1)[1].split("] ", 1)[-1].strip() == (
        f"creditbot.scheduler: Slack did not answer at {nowhere} ([Errno 111] Connection "
        "refused); running the jobs anyway: what they queue is delivered once it answers")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_worker_restarting_while_slack_is_down_does_not_take_the_server_down(demo_url):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url)
        with Serving(env) as server:
            emulator.fail("auth.test", "close", times=1000)  # Slack goes away
            second = server.kill_a_worker()
            assert second in server.workers()
            for _ in range(4):  # whichever worker answers
                assert healthz(server.url)[0] == 200
        assert [c.method for c in emulator.calls] == ["auth.test"]  # the master's, once
    assert server.process.returncode == 0, server.output
    # Gunicorn's own line in creditbot's format, greppable as every other line: it was
    # "[2026-12-05 20:00:09 +0000] [30216] [ERROR] Worker (pid:…) was sent SIGKILL! …".
    [killed] = [line for line in server.output.splitlines() if "was sent SIGKILL" in line]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d ERROR "
                        r"\[\d+\] gunicorn\.error: Worker \(pid:\d+\) was sent SIGKILL! "
                        r"Perhaps out of memory\?", killed), killed


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_worker_restarting_after_app_yaml_was_broken_runs_what_the_server_read(
        demo_url, tmp_path):
    # An edit made before a planned restart (a time zone misspelt), then a worker killed
    # for its memory: the new worker read app.yaml again, failed to boot, and gunicorn
    # stopped the whole server, its healthy workers and scheduler with it.
    config = tmp_path / "app.yaml"
    config.write_text((ROOT / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       CREDITBOT_CONFIG=str(config))
        with Serving(env) as server:
            text = config.read_text(encoding="utf-8")
            config.write_text(text.replace("timezone: Asia/Shanghai",
                                           "timezone: Asia/Shangai"), encoding="utf-8")
            server.kill_a_worker()
            slack = SlackDriver(server.url, SECRET, emulator, clock=escape_hatch.time.time)
            for _ in range(4):  # whichever worker answers: the time zone read at start
                assert healthz(server.url)[0] == 200
                card = slack.slash(SALES, SALES_CHANNEL, "/credit check C0001").all_text()
                assert "(Asia/Shanghai)" in card, card
            # The scheduler child, killed, starts again on what the server read: it could
            # not start at all, and every job and all delivery stopped with it.
            [child] = server.scheduler_children()
            os.kill(child, signal.SIGKILL)
            deadline = time.monotonic() + 20
            while not [c for c in server.scheduler_children() if c != child]:
                assert time.monotonic() < deadline, "no new scheduler child"
                time.sleep(0.2)
            [restarted] = server.scheduler_children()
            time.sleep(6)  # a child that cannot read its configuration exits within 4 s
            assert server.scheduler_children() == [restarted]
    assert server.process.returncode == 0, server.output
    assert "Asia/Shangai" not in server.output, server.output


class SlowSender:
    """A client that sends its headers at once, then its body a byte a second."""

    def __init__(self, port: int, length: int = 600) -> None:
        self.conn = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/x-www-form-urlencoded\r\n"
                          b"Content-Length: %d\r\n\r\n" % length)
        self.answer = b""
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()

    def _trickle(self) -> None:
        try:
            for _ in range(60):
                self.conn.sendall(b"x")
                self.conn.setblocking(False)
                try:
                    chunk = self.conn.recv(4096)
                    if chunk:
                        self.answer += chunk
                        self._rest()
                        return
                except BlockingIOError:
                    pass
                finally:
                    self.conn.setblocking(True)
                time.sleep(1)
        except OSError:
            return

    def _rest(self) -> None:
        """The answer may come in more than one segment (its headers, then its body)
        on a busy machine: read until it is whole or the server closes."""
        self.conn.setblocking(True)
        self.conn.settimeout(5)
        while b"\r\n\r\n" not in self.answer or len(self._body()) < self._length():
            chunk = self.conn.recv(4096)
            if not chunk:
                return
            self.answer += chunk

    def _body(self) -> bytes:
        return self.answer.partition(b"\r\n\r\n")[2]

    def _length(self) -> int:
        head = self.answer.partition(b"\r\n\r\n")[0].decode(errors="replace").lower()
        for line in head.split("\r\n"):
            if line.startswith("content-length:"):
                return int(line.split(":", 1)[1])
        return 0

    def close(self) -> None:
        self.conn.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_bodies_trickled_a_byte_a_second_do_not_stall_the_server(demo_url):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=demo_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url)
        with Serving(env, workers=1) as server:  # 8 request threads
            senders = [SlowSender(server.port) for _ in range(10)]
            try:
                time.sleep(1)  # every thread now holds a slow body
                started = time.monotonic()
                status, body = healthz(server.url)
                took = time.monotonic() - started
                assert (status, body["database"]) == (200, "ok")
                assert took < 8, took  # the 5 s body deadline freed the threads
                for sender in senders:
                    sender.thread.join(10)
                answers = [s.answer.decode(errors="replace") for s in senders]
            finally:
                for sender in senders:
                    sender.close()
    assert all(a.startswith("HTTP/1.1 408 ") and a.endswith('{"error": "body too slow"}')
               for a in answers), answers
    assert "refused a request from 127.0.0.1: body not received within 5 s (" in \
        server.output
