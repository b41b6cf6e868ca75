"""The sandbox's state between lines: who you are and where, the buttons and menu
options numbers and letters press, what was shown already, and the pools and clocks the
bot runs on in the sandbox."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from rich.console import Console
from rich.markup import escape as rich_escape

from bot.config import AppConfig
from bot.sandbox.driver import Reply
from bot.sandbox.emulator import SlackEmulator
from handlers.i18n import N_, Translator

OUTSIDER = "U0VISITOR01"
# How long a pressed button may take to answer before the sandbox says so.
ANSWER_SECONDS = 10.0


@dataclass
class Person:
    user_id: str
    label: str


@dataclass(frozen=True)
class Pressable:
    """A numbered button, or a lettered option of a ``⋯`` menu (``selected_option``),
    and the message it is on (a press tells Slack both)."""

    message: Reply
    button: dict[str, Any]
    # Who saw it, when only one person did (an answer "only you can see"): after :as,
    # the next person cannot press what never reached them.
    seen_by: str | None = None


@dataclass
class ChatState:
    user: Person
    channel: str
    buttons: list[Pressable] = field(default_factory=list)
    # The options of the last messages' ⋯ menus, lettered a, b, … apart from the buttons.
    choices: list[Pressable] = field(default_factory=list)
    # Each message of the emulator's channels as last shown, by (channel, ts): a message
    # that differs from it is new or edited.
    seen: dict[tuple[str, str], str] = field(default_factory=dict)
    # How many chat.postEphemeral calls were looked at (they are in no channel's history).
    ephemeral_seen: int = 0
    # The bot answered the line just typed: the messages shown after it number their
    # buttons on from the answer's instead of taking their numbers.
    answered: bool = False
    # That answer had no buttons of its own, and left an older message's pressable: a
    # message shown after it with buttons numbers them from 1 (numbered on from the
    # older one's, "1" pressed a digest's Acknowledge under a new approval card).
    held_over: bool = False


_T = TypeVar("_T")


class TrackedExecutor(ThreadPoolExecutor):
    """The bot's background pool in the sandbox, which knows when its work is done: a
    submitted form's follow-up (a filing's confirmation) and a pressed button's work run
    there after Slack's answer, and the sandbox shows them before the next prompt instead
    of after a later line."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="creditbot-work")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def settle(self, timeout: float) -> None:
        with self._lock:
            pending = list(self._pending)
        wait(pending, timeout=timeout)


class NoWaiting:
    """The outbox sender's clock in the sandbox: real time, except that its waits (one
    message a second per channel, a retry's backoff) pass at once. Real time, not the
    sandbox's: the outbox dates its rows by the machine's clock."""

    def __init__(self) -> None:
        self.skipped = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.skipped

    def sleep(self, seconds: float) -> None:
        self.skipped += timedelta(seconds=seconds)


def people_of(config: AppConfig) -> list[Person]:
    found: dict[str, list[str]] = {}
    for role, users in config.roles.items():
        for user in users:
            found.setdefault(user, []).append(role)
    for key, department in config.departments.items():
        for user in department.members:
            found.setdefault(user, []).append(key)
    people = [Person(u, f"{u} ({', '.join(dict.fromkeys(labels))})") for u, labels in found.items()]
    return [*people, Person(OUTSIDER, f"{OUTSIDER} ({OUTSIDER_NOTE})")]


# Marked here, translated where a label is shown (Sandbox._label).
OUTSIDER_NOTE = N_("not in app.yaml: sees no credit data")


def keep_controls(controls: list[dict[str, Any]], message: Reply, buttons: list[Pressable],
          choices: list[Pressable], seen_by: str | None = None) -> None:
    """Splits a message's controls, as render_message returns them, into the numbered
    buttons and the lettered menu options they add; ``seen_by`` the one person who saw
    an ephemeral message."""
    for control in controls:
        (choices if "selected_option" in control else buttons).append(
            Pressable(message, control, seen_by if message.ephemeral else None))


class SandboxBase:
    """What the sandbox's parts share: its people and channels, the person's language,
    where the next line comes from, and the emulator's record."""

    config: AppConfig
    console: Console
    tr: Translator
    emulator: SlackEmulator | None
    channels: dict[str, str]
    people: list[Person]
    background: TrackedExecutor
    _feed: Iterator[str] | None
    _ask: Callable[[str], str]

    def _next_line(self, prompt: str) -> str | None:
        """The next line typed (a script's, echoed after the prompt, skipping blank lines
        and comments); None at the end of the script or on Ctrl-C / Ctrl-D."""
        if self._feed is None:
            try:
                return self._ask(prompt).strip()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return None
        for line in self._feed:
            line = line.strip()
            if line and not line.startswith("#"):
                self.console.print(f"[bold green]{rich_escape(prompt)}[/]{rich_escape(line)}")
                return line
        return None

    def _people(self) -> dict[str, str]:
        """Who a person field may name: user id → the name Slack knows them by."""
        users = self.emulator.users if self.emulator else {}
        return {p.user_id: users[p.user_id].name if p.user_id in users else p.user_id.lower()
                for p in self.people}

    def _file_content(self, file_id: str) -> bytes | None:
        shared = self.emulator.files.get(file_id) if self.emulator else None
        return shared.content if shared else None

    def _name(self, slack_id: str) -> str:
        if slack_id in self.channels:
            return self.channels[slack_id]
        return slack_id
