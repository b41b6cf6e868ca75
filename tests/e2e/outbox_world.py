"""What the delivery tests share: an emulator that can read channels back, a clock the
test moves, and a sender wired to both."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.emulator import SlackEmulator


class HistoryEmulator(SlackEmulator):
    """The emulator plus what Slack does and the shared emulator does not: message
    metadata kept with a post, and conversations.history / conversations.replies."""

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method in {"conversations.history", "conversations.replies"}:
            oldest = float(args.get("oldest") or 0)
            with self._lock:
                messages = [m for m in self.channels.get(str(args.get("channel")), [])
                            if float(m["ts"]) >= oldest
                            and (method == "conversations.history" or m.get("thread_ts")
                                 == args.get("ts") or m["ts"] == args.get("ts"))]
            return {"ok": True, "messages": list(reversed(messages)), "has_more": False}
        answer = super().answer(method, args)
        if method == "chat.postMessage" and answer.get("ok"):
            metadata = args.get("metadata")
            metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
            with self._lock:
                for message in self.channels[str(args["channel"])]:
                    if message["ts"] == answer["ts"]:
                        message["metadata"] = metadata
                        if args.get("thread_ts"):
                            message["thread_ts"] = args["thread_ts"]
        return answer


class FakeClock:
    """Time that passes only when the sender sleeps or the test says so."""

    def __init__(self) -> None:
        # A little ahead of the machine, so what the test just queued is due.
        self.at = datetime.now(UTC) + timedelta(seconds=1)
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
