"""What the delivery tests share: a clock the test moves, and what the emulator was
asked to post."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.emulator import SlackEmulator

# How far ahead of the machine a FakeClock starts. Rows are dated by the machine's clock
# when queued, so they must be due on the fake one even after the test machine stalls
# between the clock's making and the sender's pass: 1 s was too little on a loaded CI
# machine (a row queued 1.2 s later was not yet due and went unsent).
AHEAD_OF_MACHINE = timedelta(seconds=30)


def ahead_of_machine() -> datetime:
    return datetime.now(UTC) + AHEAD_OF_MACHINE


class FakeClock:
    """Time that passes only when the sender sleeps or the test says so."""

    def __init__(self) -> None:
        self.at = ahead_of_machine()
        self.slept = 0.0

    def now(self) -> datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.at += timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def posts(emulator: SlackEmulator, method: str = "chat.postMessage") -> list[Any]:
    """The calls of ``method`` Slack took (answered 200 with ok), in order."""
    return [c for c in emulator.calls_to(method) if c.status == 200]


def outbox_ids(emulator: SlackEmulator) -> Counter[int]:
    """How many times each outbox row was posted, read from the posts' metadata (only
    for tests that inject no ``error`` fault, which the emulator answers with HTTP 200)."""
    found: Counter[int] = Counter()
    for call in posts(emulator):
        metadata = call.args.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        if call.args.get("channel") not in emulator.closed_channels:
            found[metadata["event_payload"]["outbox_id"]] += 1
    return found
