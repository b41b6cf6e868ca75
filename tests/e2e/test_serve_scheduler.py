"""`creditbot serve` runs one scheduler candidate per host, as its own child process,
never one per gunicorn worker; it stops the candidate when it stops."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import LEASE
from storage.jobs import runs
from storage.leases import holder_of
from tests.e2e.conftest import SECRET, TOKEN
from tests.e2e.test_serve import base_env, free_port, healthz
from tests.scheduler.test_leadership import scheduler_config, wait_for


def children(pid: int) -> dict[int, bytes]:
    """The processes ``pid`` started, with their command lines."""
    found = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # gone between the two reads
            found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes()
    return found


def serve(env: dict[str, str], *options: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--workers", "2", *options],
        env={**env, "PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert server.poll() is None
        try:
            return healthz(url)[0] == 200
        except OSError:
            return False

    wait_for(up)
    return server, url


def stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    return output


def test_serve_runs_one_scheduler_child_and_stops_it(engine, database_url, tmp_path):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=database_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       CREDITBOT_CONFIG=str(scheduler_config(tmp_path)))
        server, _url = serve(env)
        try:
            wait_for(lambda: len(runs(engine, "housekeeping")) >= 3)
            started = children(server.pid)
            master = Path(f"/proc/{server.pid}/cmdline").read_bytes()
            [scheduler_pid] = [pid for pid, line in started.items() if line != master]
            assert started[scheduler_pid].split(b"\0")[-2:] == [b"scheduler", b""]
            assert len(started) == 3  # two workers and the scheduler
            assert {run.host for run in runs(engine, "housekeeping")} == {
                f"{socket.gethostname()}:{scheduler_pid}"}
        finally:
            output = stop(server) if server.poll() is None else server.communicate()[0]
    assert not Path(f"/proc/{scheduler_pid}").exists()
    assert holder_of(engine, LEASE) is None  # released on the way out
    assert "Traceback" not in output, output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_no_scheduler_starts_none(engine, database_url, tmp_path):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=database_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       CREDITBOT_CONFIG=str(scheduler_config(tmp_path)))
        server, _url = serve(env, "--no-scheduler")
        try:
            time.sleep(3)  # a candidate would have led and run the every-second job
            master = Path(f"/proc/{server.pid}/cmdline").read_bytes()
            assert list(children(server.pid).values()) == [master, master]
        finally:
            stop(server)
    assert runs(engine) == []
    assert holder_of(engine, LEASE) is None


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_serve_killed_outright_takes_its_scheduler_with_it(engine, database_url, tmp_path):
    with SlackEmulator(token=TOKEN) as emulator:
        env = base_env(DATABASE_URL=database_url, SLACK_BOT_TOKEN=TOKEN,
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                       CREDITBOT_CONFIG=str(scheduler_config(tmp_path)))
        server, _url = serve(env)
        scheduler_pid = 0
        try:
            wait_for(lambda: len(runs(engine, "housekeeping")) >= 1)
            master = Path(f"/proc/{server.pid}/cmdline").read_bytes()
            [scheduler_pid] = [pid for pid, line in children(server.pid).items()
                               if line != master]
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            # Told by the kernel, it stops as on SIGTERM: the lease goes at once.
            wait_for(lambda: holder_of(engine, LEASE) is None, seconds=10)
            wait_for(lambda: not running(scheduler_pid), seconds=10)
        finally:
            if server.poll() is None:
                server.kill()
            if scheduler_pid and running(scheduler_pid):
                os.kill(scheduler_pid, signal.SIGKILL)  # it holds serve's output open
            server.communicate(timeout=30)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; whoever adopted it has yet to reap it
