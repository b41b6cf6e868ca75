"""`creditbot serve` runs one scheduler candidate per host, as its own child process,
never one per gunicorn worker; it restarts the candidate if it dies, and stops it when it
stops. The child delivers the outbox."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import LEASE
from bot.serve import SchedulerSupervisor
from domain.messages import OutgoingMessage
from storage.host_processes import this_host
from storage.jobs import runs
from storage.leases import holder_of
from storage.outbox import OutboxStore
from tests.e2e.conftest import SECRET, TOKEN
from tests.e2e.test_serve import base_env, free_port, healthz
from tests.scheduler.test_leadership import scheduler_config, wait_for


def children(pid: int) -> dict[int, bytes]:
    """The processes ``pid`` started, with their command lines (from any of its threads:
    the scheduler child is started by serve's supervisor thread)."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread gone meanwhile
            for child in (task / "children").read_text().split():
                with contextlib.suppress(FileNotFoundError):  # gone between the two reads
                    found[int(child)] = Path(f"/proc/{child}/cmdline").read_bytes()
    return found


def serve_env(database_url: str, emulator: SlackEmulator, tmp_path: Path) -> dict[str, str]:
    """The environment of a `creditbot serve` on ``database_url``, talking to
    ``emulator``, with the scheduler's test configuration."""
    return base_env(DATABASE_URL=database_url, SLACK_BOT_TOKEN=TOKEN,
                    SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=emulator.api_url,
                    CREDITBOT_CONFIG=str(scheduler_config(tmp_path)))


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
        env = serve_env(database_url, emulator, tmp_path)
        server, _url = serve(env)
        try:
            wait_for(lambda: len(runs(engine, "housekeeping")) >= 3)
            started = children(server.pid)
            master = Path(f"/proc/{server.pid}/cmdline").read_bytes()
            [scheduler_pid] = [pid for pid, line in started.items() if line != master]
            assert started[scheduler_pid].split(b"\0")[-2:] == [b"scheduler", b""]
            assert len(started) == 3  # two workers and the scheduler
            assert {run.host for run in runs(engine, "housekeeping")} == {
                f"{this_host()}:{scheduler_pid}"}
        finally:
            output = stop(server) if server.poll() is None else server.communicate()[0]
    assert not Path(f"/proc/{scheduler_pid}").exists()
    assert holder_of(engine, LEASE) is None  # released on the way out
    assert "Traceback" not in output, output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_no_scheduler_starts_none(engine, database_url, tmp_path):
    with SlackEmulator(token=TOKEN) as emulator:
        env = serve_env(database_url, emulator, tmp_path)
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
        env = serve_env(database_url, emulator, tmp_path)
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


def scheduler_children(server: subprocess.Popen[str]) -> list[int]:
    master = Path(f"/proc/{server.pid}/cmdline").read_bytes()
    return [pid for pid, line in children(server.pid).items()
            if line != master and line.split(b"\0")[-2:] == [b"scheduler", b""]
            and running(pid)]


def test_serve_restarts_a_scheduler_child_that_dies_and_each_child_delivers(
        engine, database_url, tmp_path):
    outbox = OutboxStore(engine)
    with SlackEmulator(token=TOKEN) as emulator:
        env = serve_env(database_url, emulator, tmp_path)
        first = outbox.queue(OutgoingMessage(channel="C0ALERTS01", kind="alerts.digest",
                                             text="queued before serve started"))
        server, _url = serve(env)
        new = 0
        try:
            # Recorded as sent: a child killed between the post and the record would leave
            # the one message that may repeat (README, Delivery), not what this tests.
            wait_for(lambda: outbox.posted(first).sent)  # type: ignore[union-attr]
            wait_for(lambda: len(scheduler_children(server)) == 1)
            [old] = scheduler_children(server)
            os.kill(old, signal.SIGKILL)
            killed_at = time.monotonic()
            wait_for(lambda: [p for p in scheduler_children(server) if p != old], seconds=15)
            assert time.monotonic() - killed_at < 5  # the first restart waits 1 s
            [new] = scheduler_children(server)
            outbox.queue(OutgoingMessage(channel="C0ALERTS01", kind="alerts.digest",
                                         text="queued after the restart"))
            emulator.wait_for("chat.postMessage", 2, timeout=30)
            # Once the killed child's lease has run out, the new one leads.
            wait_for(lambda: f"{this_host()}:{new}" in
                     {run.host for run in runs(engine, "housekeeping")})
        finally:
            output = stop(server) if server.poll() is None else server.communicate()[0]
    assert [c.text for c in emulator.calls_to("chat.postMessage") if c.status == 200] == [
        "queued before serve started", "queued after the restart"]
    assert f"the scheduler child (pid {old}) ended after" in output, output
    assert output.count("without serve stopping it") == 1, output  # not again on the way out
    assert new and not running(new)
    assert holder_of(engine, LEASE) is None
    assert "Traceback" not in output, output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ctrl_c_stops_serve_and_its_scheduler_without_a_restart(engine, database_url,
                                                                tmp_path):
    # Ctrl-C in a terminal signals the whole foreground group; the child is in a group of
    # its own, so only serve hears it, and serve stops the child: no death to restart.
    with SlackEmulator(token=TOKEN) as emulator:
        env = serve_env(database_url, emulator, tmp_path)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--workers", "1"],
            env={**env, "PORT": str(port)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True)
        child = 0
        try:
            wait_for(lambda: len(runs(engine, "housekeeping")) >= 1)
            [child] = scheduler_children(server)
            os.killpg(server.pid, signal.SIGINT)
            output, _ = server.communicate(timeout=30)
        finally:
            if server.poll() is None:
                server.kill()
                server.communicate(timeout=30)
    assert "without serve stopping it" not in output, output
    assert child and not running(child)
    assert holder_of(engine, LEASE) is None


def test_the_supervisor_backs_off_doubling_and_not_after_stop(caplog):
    starts: list[float] = []
    caplog.set_level("WARNING", logger="creditbot.serve")

    def dies_at_once() -> subprocess.Popen[bytes]:
        starts.append(time.monotonic())
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])

    supervisor = SchedulerSupervisor(dies_at_once, first=0.2, cap=0.8, healthy=60).start()
    try:
        wait_for(lambda: len(starts) >= 5, seconds=20)
    finally:
        supervisor.stop()
    waits = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # 0.2, 0.4, 0.8, 0.8 after each death (plus the child's own start-up, about 50 ms).
    for wait, least in zip(waits, [0.2, 0.4, 0.8, 0.8], strict=False):
        assert least <= wait < least + 1.0, waits
    count = len(starts)
    time.sleep(1.0)
    assert len(starts) == count  # stopped: no restart
    # From the third quick death in a row, an ERROR an operator's alerting sees.
    levels = [r.levelname for r in caplog.records
              if "without serve stopping it" in r.getMessage()]
    assert levels[:2] == ["WARNING", "WARNING"] and set(levels[2:]) == {"ERROR"}, levels
    third = next(r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    assert third.endswith(" (3 times in a row: no job runs and nothing is delivered from "
                          "this host until one starts; its own error is above)"), third


def test_a_child_that_lived_a_while_is_restarted_after_the_first_wait_again():
    starts: list[float] = []
    lives = iter([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0])

    def child() -> subprocess.Popen[bytes]:
        # sleep(1), not a Python: an interpreter's start, a few tenths of a second on a
        # loaded machine, would blur the waits measured.
        starts.append(time.monotonic())
        return subprocess.Popen(["sleep", str(next(lives, 0.0))])

    supervisor = SchedulerSupervisor(child, first=0.1, cap=0.4, healthy=0.8).start()
    try:
        wait_for(lambda: len(starts) >= 6, seconds=20)
    finally:
        supervisor.stop()
    waits = [later - earlier for earlier, later in itertools.pairwise(starts)]
    # 0.1, 0.2 after quick deaths; the fourth child lived 1 s (> healthy): 0.1 again.
    assert waits[3] - 1.0 < 0.2 + 0.15, waits


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_worker_leaving_leaves_the_scheduler_child_its_config(engine, database_url,
                                                                  tmp_path):
    # A worker leaving (SIGHUP, a worker restarted) unwound the master's stack after its
    # fork and removed the child's copy of app.yaml: every restart of the child then
    # failed ("no such file"), and no job ran and nothing was delivered on the host.
    with SlackEmulator(token=TOKEN) as emulator:
        env = serve_env(database_url, emulator, tmp_path)
        server, _url = serve(env)
        try:
            master = Path(f"/proc/{server.pid}/cmdline").read_bytes()

            def workers() -> set[int]:
                return {pid for pid, line in children(server.pid).items()
                        if line == master and running(pid)}

            wait_for(lambda: len(workers()) == 2 and len(scheduler_children(server)) == 1)
            [old] = scheduler_children(server)
            first = workers()
            os.kill(min(first), signal.SIGTERM)
            wait_for(lambda: len(workers()) == 2 and workers() != first, seconds=30)
            # And a host's tmpfiles cleaning, which ages /tmp, took the child's copy away
            # weeks after it started: the next child gets a copy of its own.
            copy = config_of(old)
            assert copy.exists()
            copy.unlink()
            os.kill(old, signal.SIGKILL)
            wait_for(lambda: [p for p in scheduler_children(server) if p != old], seconds=15)
            [new] = scheduler_children(server)
            fresh = config_of(new)
            assert fresh != copy and fresh.exists()
            wait_for(lambda: f"{this_host()}:{new}" in
                     {run.host for run in runs(engine, "housekeeping")})
        finally:
            output = stop(server) if server.poll() is None else server.communicate()[0]
    assert "no such file" not in output, output
    assert output.count("without serve stopping it") == 1, output
    assert not fresh.exists()  # serve removes its copies as it stops


def config_of(pid: int) -> Path:
    """The app.yaml a scheduler child reads (its CREDITBOT_CONFIG)."""
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    [path] = [v.split(b"=", 1)[1].decode() for v in environ
              if v.startswith(b"CREDITBOT_CONFIG=")]
    return Path(path)


def test_the_config_copy_of_a_server_killed_outright_is_removed_by_the_next(tmp_path):
    """A kill -9 of serve left its private copy of app.yaml in /tmp, one per kill."""
    import subprocess as processes

    from bot.serve import _remove_orphaned_snapshots

    ended = processes.Popen(["true"])
    ended.wait()
    dead = tmp_path / f"creditbot-app-{ended.pid}-a1b2.yaml"
    alive = tmp_path / f"creditbot-app-{os.getpid()}-c3d4.yaml"
    unknown = tmp_path / "creditbot-app-e5f6.yaml"  # by an older version: whose, unsaid
    for copy in (dead, alive, unknown):
        copy.write_text("organisation: {}\n", encoding="utf-8")
    _remove_orphaned_snapshots(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, unknown.name])
