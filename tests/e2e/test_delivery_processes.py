"""The outbox delivered by the processes that run it: a real `creditbot scheduler`, leader
or standby, posts what is queued in the database to the Slack emulator, and says so
plainly when it has no token to do it with. SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.sandbox.emulator import SlackEmulator
from bot.scheduler import LEASE
from domain.messages import OutgoingMessage
from storage.leases import holder_of, try_acquire
from storage.outbox import OutboxStore
from storage.outbox_progress import progress_since
from tests.e2e.conftest import TOKEN
from tests.scheduler.test_leadership import scheduler_config, wait_for

ALERTS = "C0ALERTS01"
AMY = "U01SALESAMY"


def scheduler(database_url: str, config: Path, log: Path,
              **env: str) -> subprocess.Popen[bytes]:
    """`creditbot scheduler` as an operator starts it, with ``env`` (SLACK_*) on top."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environment.update(DATABASE_URL=database_url, CREDITBOT_CONFIG=str(config), **env)
    with log.open("wb") as sink:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "scheduler"],
                                env=environment, stdout=sink, stderr=subprocess.STDOUT)


def stopped(process: subprocess.Popen[bytes], log: Path) -> str:
    """SIGTERM, as serve or a process manager stops it; its log."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert code == 0, text
    assert "Traceback" not in text, text
    return text


def queue(engine: Engine, text: str, channel: str = ALERTS) -> int:
    return OutboxStore(engine).queue(OutgoingMessage(channel=channel, kind="alerts.digest",
                                                     text=text))


def sent_texts(emulator: SlackEmulator) -> list[str]:
    return [c.text for c in emulator.calls_to("chat.postMessage") if c.status == 200]


def test_the_scheduler_delivers_what_is_queued_and_stops_on_sigterm(engine, database_url,
                                                                    tmp_path):
    with SlackEmulator(token=TOKEN) as emulator:
        before = queue(engine, "queued while no bot ran")
        log = tmp_path / "scheduler.log"
        process = scheduler(database_url, scheduler_config(tmp_path), log,
                            SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=emulator.api_url)
        try:
            emulator.wait_for("chat.postMessage", 1, timeout=30)
            queue(engine, "queued while it runs")
            direct = queue(engine, "a reminder", channel=AMY)
            emulator.wait_for("chat.postMessage", 3, timeout=30)
            wait_for(lambda: progress_since(engine, before - 1).sent == 3)
        finally:
            output = stopped(process, log)
    assert sorted(sent_texts(emulator)) == sorted(
        ["queued while no bot ran", "queued while it runs", "a reminder"])
    assert OutboxStore(engine).posted(direct).sent_channel == "D01SALESAMY"  # type: ignore[union-attr]
    assert "outbox sender" in output and "delivery is off" not in output
    assert holder_of(engine, LEASE) is None  # the candidate stopped with it, as before


def test_a_standby_delivers_too(engine, database_url, tmp_path):
    # Another host leads (its lease outlasts the test): this candidate stands by.
    try_acquire(engine, LEASE, "elsewhere:1", timedelta(minutes=5))
    with SlackEmulator(token=TOKEN) as emulator:
        log = tmp_path / "standby.log"
        process = scheduler(database_url, scheduler_config(tmp_path), log,
                            SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=emulator.api_url)
        try:
            queue(engine, "during a change of leader")
            emulator.wait_for("chat.postMessage", 1, timeout=30)
            assert holder_of(engine, LEASE).holder == "elsewhere:1"  # type: ignore[union-attr]
        finally:
            stopped(process, log)
    assert sent_texts(emulator) == ["during a change of leader"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_token_the_scheduler_says_delivery_is_off(engine, database_url, tmp_path):
    message = queue(engine, "waits for a token")
    log = tmp_path / "scheduler.log"
    process = scheduler(database_url, scheduler_config(tmp_path), log)
    try:
        wait_for(lambda: "leads the scheduler" in log.read_text())
    finally:
        output = stopped(process, log)
    assert ("outbox delivery is off: SLACK_BOT_TOKEN is not set, so this process delivers "
            "no message; queued messages wait in the outbox for a process that has it "
            "(creditbot serve or creditbot scheduler)") in output
    assert progress_since(engine, message - 1).pending == 1


def test_sigterm_mid_batch_stops_at_once_and_hands_the_rest_back(engine, database_url,
                                                                 tmp_path):
    # Twenty messages to one channel take twenty seconds at Slack's pace.
    first = queue(engine, "digest 0")
    for number in range(1, 20):
        queue(engine, f"digest {number}")
    with SlackEmulator(token=TOKEN) as emulator:
        log = tmp_path / "scheduler.log"
        process = scheduler(database_url, scheduler_config(tmp_path), log,
                            SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=emulator.api_url)
        try:
            emulator.wait_for("chat.postMessage", 2, timeout=30)
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=5)  # not after the whole batch
        finally:
            stopped(process, log)
    progress = progress_since(engine, first - 1)
    assert progress.sent == len(sent_texts(emulator)) < 20
    # Handed back, not left claimed until the claims run out: due again at once.
    store = OutboxStore(engine)
    rest = store.claim("next", 20, progress.next_due + timedelta(seconds=1),  # type: ignore[operator]
                       timedelta(seconds=60))
    assert len(rest) == progress.pending == 20 - progress.sent
