"""`creditbot serve` as an operator runs it: gunicorn workers, real sockets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import BytesIO
from wsgiref.util import setup_testing_defaults

import pytest
from time_machine import escape_hatch

from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator
from bot.web import create_wsgi_app
from storage.db import make_engine
from tests.conftest import ROOT
from tests.e2e.conftest import SALES, SALES_CHANNEL, SECRET, TOKEN


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


def test_serve_without_credentials_stops_with_one_line(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert run_cli("db", "upgrade", env=env).returncode == 0
    result = run_cli("serve", env=env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET not set: creditbot serve needs the "
        "Slack app's credentials in the environment (see README, Install in your workspace)"]


def test_socket_mode_needs_the_app_token(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SLACK_BOT_TOKEN=TOKEN)
    assert run_cli("db", "upgrade", env=env).returncode == 0
    result = run_cli("serve", "--socket-mode", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: SLACK_APP_TOKEN not set")


def test_serve_refuses_an_unmigrated_database(tmp_path):
    env = base_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", SLACK_BOT_TOKEN=TOKEN,
                   SLACK_SIGNING_SECRET=SECRET)
    result = run_cli("serve", env=env)
    assert result.returncode == 1 and "run `creditbot db upgrade` first" in result.stderr


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
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "serve did not come up"
                    time.sleep(0.2)
            # the server runs outside this test's time travel: sign with the real clock
            slack = SlackDriver(url, SECRET, emulator, clock=escape_hatch.time.time)
            card = slack.slash(SALES, SALES_CHANNEL, "/credit check C0001", timeout=10)
            assert card.blocks[0]["text"]["text"] == "Acme Industrial Supply"
            assert slack.post(b"command=%2Fcredit", signature="v0=bad").status == 401
            # each of the two workers checked the token with auth.test when it booted
            assert len(emulator.wait_for("auth.test", count=2, timeout=20)) == 2
        finally:
            server.send_signal(signal.SIGTERM)
            output, _ = server.communicate(timeout=20)
    assert server.returncode == 0, output
    assert TOKEN not in output and SECRET not in output  # secrets never reach the logs


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_wsgi_app(bolt=None, engine=make_engine("postgresql://x@127.0.0.1:1/none"))  # type: ignore[arg-type]
    environ: dict = {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "wsgi.input": BytesIO()}
    setup_testing_defaults(environ)
    statuses = []
    body = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["503 Service Unavailable"] and b"database unreachable" in body
