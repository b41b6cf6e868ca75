"""`creditbot sandbox`: the bot, the emulator and a terminal chat in one process.

Everything goes through the real path: what you type becomes a signed HTTP request to
the bot's WSGI app, the bot answers through the emulator, and the emulator's record is
what you see.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

import handlers
from bot.config import AppConfig
from bot.delivery import jobs_client
from bot.demo import load_demo_data, review_demo_orders
from bot.local_server import LocalServer
from bot.sandbox.clock import HOW_TO_WRITE, SandboxClock, UnreadableTime
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.sandbox.forms import REQUIRED, BadAnswer, Form, fill, fillable, form_of, shown_value
from bot.sandbox.forms import Field as FormField
from bot.sandbox.held_log import HeldLog
from bot.sandbox.import_line import imported
from bot.sandbox.job_counts import count_text
from bot.sandbox.render import (
    letter,
    mrkdwn_to_rich,
    render_files,
    render_form,
    render_message,
    rows_of,
)
from bot.scheduler import job_context, run_job
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client
from handlers.i18n import N_, speaks, translator
from storage.copy import copy_rows, count_rows
from storage.db import make_engine, upgrade, url_shown
from storage.outbox import OutboxStore
from storage.outbox_progress import progress_since

_SECRET = "sandbox-signing-secret"
_TOKEN = "xoxb-sandbox"
OUTSIDER = "U0VISITOR01"

HELP = N_("""[bold]Sandbox commands[/bold]
  /credit …          type a slash command, as in Slack (try [cyan]/credit help[/cyan])
  1, 2, …            press that button of the last message with buttons
  :as WHO            be someone else: a number from :who, a user id, or a role (sales…)
  :in CHANNEL        move to a channel: a number from :channels, an id, or a department
  :lang TAG          your language in Slack, e.g. :lang zh-CN or :lang en-US
  :who  :channels    list the people and channels of app.yaml
  :home              open creditbot's App Home tab
  :help  :quit       (Ctrl-C or Ctrl-D quit too)""")
# Shown before HELP's last line (:help :quit). Apart from HELP so that HELP's
# translations stay valid while these lines wait for theirs.
HELP_TIME = N_("""  :clock [WHEN]      show or move the sandbox's time: +3d, -12h, 2026-12-24, now
  :run [JOB]         run a scheduled job now, e.g. :run alerts; :run lists them""")
# Shown after HELP_TIME, apart for the same reason.
HELP_IMPORT = N_("""  :import KIND FILE  import an ERP file as creditbot import does, e.g.
                     :import payments payments.csv (the sandbox's data only)""")
# Between two counts of ":run"'s summary line.
COUNT_LIST = N_("{first}, {second}")
# Shown after HELP_TIME, apart for the same reason.
HELP_MENUS = N_("""  a, b, …            pick that option of a ⋯ menu of the last message""")
# Shown after HELP_MENUS, apart for the same reason.
HELP_FILES = N_("""  :files [FOLDER]    save the files the bot shared (charts) in FOLDER,
                     else here: they outlive the sandbox""")
FILES_HINT = N_(":files saves them to the current folder.")
NO_FILES = N_("The bot has shared no files yet (:run report posts the weekly charts).")
# Shown after HELP_FILES, apart for the same reason.
HELP_FORMS = N_("""  in a form          answer each field (Enter keeps it, - empties it), or in a
                     script write FIELD: VALUE lines; then :submit, or :cancel""")
SCRIPT_FORM = N_("Fill it in with lines FIELD: VALUE (the field's number, the id in "
                 "brackets or its label), then :submit; :cancel closes it.")
ASK_FORM = N_("Answer each field: Enter keeps its value, - empties it, :submit sends the "
              "form as it is, :cancel closes it.")
# After "creditbot", before the first line of a message printed above: where its copies
# went (#channels, @people by direct message).
COPIES = N_("sent the same to {places}:")
COPIES_EDITED = N_("edited the same in {places}:")
_QUIT = frozenset({":quit", ":q", "exit", "quit"})
# How long a pressed button may take to answer before the sandbox says so.
_ANSWER_SECONDS = 10.0

# What Slack answers when someone types a slash command no installed app owns.
NOT_A_COMMAND = N_("“{command}” is not a valid command. In Slack, all messages that start "
                   "with the “/” character are interpreted as commands.")


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


class Sandbox:
    def __init__(self, config: AppConfig, console: Console, workdir: Path) -> None:
        self.config = config
        self.console = console
        self.workdir = workdir
        self.people = people_of(config)
        self.channels = {d.channel: key for key, d in config.departments.items()}
        self.commands = {handlers.COMMAND}
        # The sandbox speaks the language of whoever you are (:lang changes it).
        self.tr = translator(config.organisation.locale)
        self.emulator: SlackEmulator | None = None
        # The time everything the bot does here sees (:clock moves it).
        self.clock = SandboxClock(config.organisation.zone)
        self.services: Services | None = None
        self.sender: Sender | None = None
        self.sender_clock = NoWaiting()
        self.background = TrackedExecutor()
        # Where the next line comes from: a script's lines, or asking the person.
        self._feed: Iterator[str] | None = None
        self._ask: Callable[[str], str] = input
        self.log = HeldLog()

    def run(self, lines: Iterable[str] | None = None, ask: Callable[[str], str] = input,
            database_url: str | None = None) -> None:
        """``database_url``: a database of your own (migrated, with your data), copied into
        the sandbox instead of the demo portfolio. The sandbox works on the copy: what is
        done here never changes that database, its audit log, or what its Slack gets."""
        url = f"sqlite:///{self.workdir / 'sandbox.db'}"
        overrides = self.config.locale_overrides()
        users = {p.user_id: User(p.user_id, p.user_id.lower(), locale=overrides.get(
            p.user_id, self.config.organisation.locale)) for p in self.people}
        with self.log, SlackEmulator(token=_TOKEN, users=users) as emulator:
            self.emulator = emulator
            settings = Settings(slack_bot_token=SecretStr(_TOKEN),
                                slack_signing_secret=SecretStr(_SECRET),
                                slack_api_url=emulator.api_url, database_url=url)
            created = make_engine(url, create=True)  # the sandbox's own, new file
            upgrade(created)
            created.dispose()
            services = self.services = Services(settings, self.config, clock=self.clock)
            services.background = self.background
            if database_url is None:
                self.console.print("[dim]" + self.tr._("Loading the demo portfolio…") + "[/dim]")
                load_demo_data(services.engine, services.today())
                review_demo_orders(services.orders)
            else:
                self._copy_in(database_url, services)
            self.sender = Sender(OutboxStore(services.engine),
                                 delivery_client(_TOKEN, emulator.api_url),
                                 admin_channel=self.config.organisation.admin_channel,
                                 owner="sandbox", clock=self.sender_clock)
            app = create_wsgi_app(create_bolt_app(services, lazy_executor=self.background),
                                  services.engine)
            with LocalServer(app) as server:
                driver = SlackDriver(server.url, _SECRET, emulator)
                try:
                    self._chat(driver, emulator, lines, ask)
                except KeyboardInterrupt:  # Ctrl-C while the bot was answering
                    self.console.print()
            services.close()

    def _copy_in(self, database_url: str, services: Services) -> None:
        yours = make_engine(database_url, read_only=True)
        try:
            where = url_shown(yours.url)
            self.console.print("[dim]" + rich_escape(self.tr._(
                "Copying {database} into the sandbox ({rows} rows): what you do here never "
                "changes it or reaches its Slack.", database=where,
                rows=self.tr.number(count_rows(yours)))) + "[/dim]")
            copy_rows(yours, services.engine)
        finally:
            yours.dispose()

    def _chat(self, driver: SlackDriver, emulator: SlackEmulator, lines: Iterable[str] | None,
              ask: Callable[[str], str]) -> None:
        default_channel = next(iter(self.channels), "C0SANDBOX")
        state = ChatState(self.people[0], default_channel)
        self._speak_as(state.user.user_id)
        self.console.print(self.tr._(
            "[bold]creditbot sandbox[/bold] — {organisation}, offline. Type [cyan]:help[/cyan] "
            "for help.", organisation=rich_escape(self.config.organisation.name)))
        self._show_log()  # anything logged while the demo loaded
        if lines is None and not self._choose_user(state, ask):
            return
        self._feed = iter(lines) if lines is not None else None
        self._ask = ask
        while True:
            prompt = f"{state.user.user_id} in #{self.channels.get(state.channel, state.channel)}> "
            line = self._next_line(prompt)
            if line is None:
                return
            if line in _QUIT:
                return
            state.answered = False
            try:
                self._handle(line, state, driver)
                # What the bot queued on its own goes out at once, as a sender would.
                self._deliver()
            except (AssertionError, TimeoutError) as problem:
                self.console.print(f"[red]{rich_escape(str(problem))}[/red]")
            except Exception as problem:  # one line must not end the session
                # For a developer who turns debug logging on; the person reads one line.
                logging.getLogger("creditbot.sandbox").debug("%r failed", line, exc_info=True)
                self.console.print("[red]" + rich_escape(self.tr._(
                    "That failed: {problem}. The sandbox goes on.",
                    problem=f"{type(problem).__name__}: {problem}")) + "[/red]")
            self._show_slack_changes(state, emulator)
            self._show_log()

    def _show_log(self) -> None:
        """What the bot logged while it answered: for its operator, not for Slack."""
        for line in self.log.take():
            self.console.print("[dim]" + rich_escape(self.tr._("log: {line}", line=line))
                               + "[/dim]", soft_wrap=True)

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

    def _choose_user(self, state: ChatState, ask: Callable[[str], str]) -> bool:
        """Asks until someone is chosen; False when the person quits (Ctrl-C, Ctrl-D)."""
        self._list_people()
        while True:
            try:
                answer = ask(self.tr._("Who are you? (number, Enter for 1) ")).strip()
            except (EOFError, KeyboardInterrupt):
                self.console.print()
                return False
            if answer in _QUIT:
                return False
            # ":as U01SALESAMY", as at the chat's prompt, names someone here too.
            if answer.startswith(":as "):
                answer = answer[4:]
            if not answer or self._switch_user(answer, state):
                return True

    def _handle(self, line: str, state: ChatState, driver: SlackDriver) -> None:
        command, _, argument = line.partition(" ")
        if line.startswith("/"):
            if command not in self.commands:
                self.console.print("[yellow]" + rich_escape(
                    self.tr._(NOT_A_COMMAND, command=command)) + "[/yellow]")
                return
            reply = driver.slash(state.user.user_id, state.channel, line, timeout=10)
            if reply.raw.get("view"):  # the command opened a form
                self._form(reply.raw["view"], state, driver)
            else:
                self._show(reply, state)
        elif line.isdigit():
            index = int(line) - 1
            if not 0 <= index < len(state.buttons):
                self.console.print(
                    "[yellow]" + self.tr._("No such button in the last message with buttons.")
                    + "[/yellow]")
                return
            self._press(state.buttons[index], state, driver)
        elif _MENU_LETTER.fullmatch(line):
            chosen = next((c for i, c in enumerate(state.choices) if letter(i) == line), None)
            if chosen is None:
                self.console.print("[yellow]" + self.tr._(
                    "No such menu option in the last message: its ⋯ menus' options are "
                    "lettered a, b, ….") + "[/yellow]")
                return
            self._press(chosen, state, driver)
        elif command == ":as":
            self._switch_user(argument, state)
        elif command == ":in":
            self._switch_channel(argument, state)
        elif command == ":who":
            self._list_people()
        elif command == ":channels":
            for i, (channel, key) in enumerate(self.channels.items(), 1):
                self.console.print(f"  {i}. #{key} ({channel})")
        elif command == ":home":
            self._show_home(state, driver)
        elif command in {":help", ":h", "?"}:
            self.console.print(self._help())
        elif command == ":lang":
            self._switch_language(argument, state, driver)
        elif command == ":clock":
            self._move_clock(argument)
        elif command == ":run":
            self._run_job(argument.strip())
        elif command == ":files":
            self._save_files(argument.strip())
        elif command == ":import":
            self._import(argument.strip())
        elif command in {":submit", ":cancel"}:
            # A form's own commands, typed when no form is open.
            self.console.print("[yellow]" + self.tr._(
                "No form is open: :submit and :cancel work while you fill one in (a button "
                "or a command such as /credit request opens one).") + "[/yellow]")
        elif line.startswith(":"):
            self.console.print("[yellow]" + self.tr._(
                "“{command}” is not a sandbox command; :help lists them.",
                command=rich_escape(command)) + "[/yellow]")
        else:
            self.console.print("[yellow]" + self.tr._(
                "Type a slash command such as /credit help, the number of a button, or :help.")
                + "[/yellow]")

    def _help(self) -> str:
        lines = self.tr._(HELP).splitlines()
        return "\n".join([*lines[:-1], *self.tr._(HELP_TIME).splitlines(),
                          *self.tr._(HELP_IMPORT).splitlines(),
                          *self.tr._(HELP_FORMS).splitlines(),
                          *self.tr._(HELP_MENUS).splitlines(),
                          *self.tr._(HELP_FILES).splitlines(), *lines[-1:]])

    def _show(self, reply: Reply, state: ChatState) -> None:
        who = N_("(only you can see this)") if reply.ephemeral else N_("(in channel)")
        self.console.print("[bold magenta]creditbot[/] [dim]" + self.tr._(who) + "[/dim]")
        controls = render_message(self.console, reply.blocks, reply.text, self._name)
        # An answer only its reader sees and without buttons (a refusal, a confirmation)
        # leaves the message above it on screen in Slack: its buttons still press.
        if controls or not reply.ephemeral:
            state.buttons, state.choices = [], []
            _keep(controls, reply, state.buttons, state.choices, state.user.user_id)
        state.answered = True
        self.console.print()

    def _press(self, pressed: Pressable, state: ChatState, driver: SlackDriver) -> None:
        """Presses the button as Slack would, then shows the answer: a reply to the
        presser (through the response_url), or what the bot queued (a digest's
        Acknowledge and Snooze edit the digest through the outbox and reply nothing)."""
        label = pressed.button["text"]["text"]
        pressing = (N_("… chose “{label}”") if "selected_option" in pressed.button
                    else N_("… pressed “{label}”"))
        # Only the person a direct message went to sees it, and so its buttons.
        recipient = driver.emulator.direct_messages.get(pressed.message.channel)
        if recipient is not None and state.user.user_id not in recipient.split(","):
            # A copy sent to them too was named, not printed: press theirs.
            own = self._own_copy(pressed.message, state.user.user_id, driver.emulator)
            if own is not None:
                pressed, recipient = Pressable(own, pressed.button), None
        if recipient is not None and state.user.user_id not in recipient.split(","):
            self.console.print("[yellow]" + self.tr._(
                "“{label}” is in a direct message to @{person}: only they can press it. "
                "Type :as {person} first.", label=rich_escape(label),
                person=recipient.split(",")[0]) + "[/yellow]")
            return
        if pressed.seen_by is not None and pressed.seen_by != state.user.user_id:
            self.console.print("[yellow]" + self.tr._(
                "“{label}” was shown to @{person} alone: only they can press it. Type :as "
                "{person} first.", label=rich_escape(label), person=pressed.seen_by)
                + "[/yellow]")
            return
        self.console.print("[dim]" + self.tr._(pressing, label=rich_escape(label)) + "[/dim]")
        message = pressed.message
        opened = len(driver.emulator.views)
        result, response_url = driver.press(state.user.user_id, message.channel,
                                            pressed.button, message)
        if result.status != 200:
            raise AssertionError(f"the bot answered HTTP {result.status}: {result.body}")
        path = urlparse(response_url).path
        # The listener works after the acknowledgement. Its reply first, then what it
        # queued: delivering the queue while it still worked printed them the other way
        # round on a busy machine.
        self.background.settle(_ANSWER_SECONDS)
        deadline = time.monotonic() + _ANSWER_SECONDS
        while True:
            answered = [call for call in driver.emulator.calls_to("response_url")
                        if call.path == path and call.status == 200]
            if answered:
                self._show(driver.reply_from(answered[-1], message.channel), state)
                return
            if len(driver.emulator.views) > opened:  # the button opened a form
                self._form(driver.emulator.views[-1][1], state, driver)
                return
            if self._deliver().sent:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(self.tr._("creditbot did not answer “{label}” within {n} "
                                             "seconds.", label=label, n=int(_ANSWER_SECONDS)))
            time.sleep(0.05)

    def _form(self, view: dict[str, Any], state: ChatState, driver: SlackDriver) -> None:
        """Shows the modal the bot opened as a form, has it filled in and submits it as
        Slack would, until it closes: field errors are shown beside their fields and
        asked again; a view the bot answers with (``response_action: update``) is the
        next form."""
        user = state.user.user_id
        form = form_of(view)
        only_errors = False
        while True:
            self.console.print("[bold magenta]creditbot[/] [dim]" + self.tr._(
                "(opened a form, only you can see it)") + "[/dim]")
            render_form(self.console, form, self._name, self._people(), self.tr)
            self.console.print()
            if not form.submit:  # a note: the person can only close it
                return
            action = self._fill(form, only_errors)
            if action is None:
                self.console.print("[yellow]" + self.tr._(
                    "The input ended with the form open: nothing was submitted.")
                    + "[/yellow]")
                return
            if action == ":cancel":
                self.console.print("[dim]" + self.tr._("You closed the form without "
                                                       "submitting it.") + "[/dim]")
                return
            self.console.print("[dim]" + self.tr._("… pressed “{label}”",
                                                   label=rich_escape(form.submit)) + "[/dim]")
            unfilled = form.unfilled()
            if unfilled:
                for f in unfilled:
                    f.error = self.tr._(REQUIRED)
                only_errors = True
                continue
            result = driver.submit(user, form.view, form.state())
            if result.status != 200:
                raise AssertionError(f"the bot answered HTTP {result.status}: {result.body}")
            answer: dict[str, Any] = (result.json() if result.body.strip().startswith("{")
                                      else None) or {}
            kind = answer.get("response_action")
            if kind == "errors":
                self._mark_errors(form, answer.get("errors") or {})
                only_errors = True
            elif kind in {"update", "push"} and isinstance(answer.get("view"), dict):
                form, only_errors = form_of(answer["view"]), False
            else:  # closed (an empty answer, or response_action: clear)
                self.console.print("[dim]" + self.tr._("The form closed.") + "[/dim]")
                # What the submission does after Slack's answer (a confirmation) is
                # shown with this line's other news.
                self.background.settle(_ANSWER_SECONDS)
                return

    def _mark_errors(self, form: Form, errors: dict[str, str]) -> None:
        for f in form.fields:
            f.error = errors.get(f.block_id)
        known = {f.block_id for f in form.fields}
        for block_id, error in errors.items():
            if block_id not in known:  # Slack would show it nowhere: say so here
                self.console.print("[red]" + rich_escape(f"{block_id}: {error}") + "[/red]")

    def _fill(self, form: Form, only_errors: bool) -> str | None:
        """Fills the form in: ":submit", ":cancel", or None when the input ended."""
        people = self._people()
        if self._feed is not None:
            self.console.print("[dim]" + rich_escape(self.tr._(SCRIPT_FORM)) + "[/dim]")
            while True:
                line = self._next_line(self.tr._("form") + "> ")
                if line is None or line in {":submit", ":cancel"}:
                    return line
                if line.startswith(("/", ":")):
                    # A command, not a field: the script went on past a form the bot
                    # refused. The form is closed and the command runs, rather than every
                    # line after it being taken for a field.
                    self.console.print("[yellow]" + rich_escape(self.tr._(
                        "“{line}” is a command, not a field: the form is closed without "
                        "being submitted, and the command runs.", line=line)) + "[/yellow]")
                    self._feed = itertools.chain([line], self._feed)
                    return ":cancel"
                name, colon, typed = line.partition(":")
                found = form.find(name) if colon and name.strip() else None
                if found is None:
                    self.console.print("[yellow]" + rich_escape(self.tr._(
                        "“{line}” fills in no field of this form: write FIELD: VALUE (the "
                        "field's number, the id in brackets or its label), :submit or "
                        ":cancel.", line=line)) + "[/yellow]")
                    continue
                self._answer(found, typed, people)
        self.console.print("[dim]" + rich_escape(self.tr._(ASK_FORM)) + "[/dim]")
        for f in form.fields:
            if not fillable(f) or (only_errors and not f.error):
                continue
            while True:
                shown = shown_value(f, people).replace("\n", " ⏎ ")
                prompt = f.label + (" " + self.tr._("(optional)") if f.optional else "") + (
                    f" [{shown}]" if shown else "") + ": "
                answer = self._next_line(prompt)
                if answer is None:  # Ctrl-C or Ctrl-D: as Slack's Cancel
                    return ":cancel"
                if answer in {":submit", ":cancel"}:
                    return answer
                if not answer or self._answer(f, "" if answer == "-" else answer, people):
                    break
        return ":submit"

    def _answer(self, f: FormField, answer: str, people: dict[str, str]) -> bool:
        try:
            fill(f, answer, people)
        except BadAnswer as bad:
            self.console.print("[yellow]" + rich_escape(self.tr._(bad.template, **bad.params))
                               + "[/yellow]")
            return False
        return True

    def _people(self) -> dict[str, str]:
        """Who a person field may name: user id → the name Slack knows them by."""
        users = self.emulator.users if self.emulator else {}
        return {p.user_id: users[p.user_id].name if p.user_id in users else p.user_id.lower()
                for p in self.people}

    def _deliver(self) -> DeliveryReport:
        """Sends every queued message that is due, with the real sender."""
        total = DeliveryReport()
        if self.sender is None or self.services is None:
            return total
        # A look first, which only reads: most lines queue nothing, and a claim (a
        # write) while a listener still works could make SQLite refuse the listener's.
        waiting = progress_since(self.services.engine, 0).next_due
        if waiting is None or waiting > self.sender_clock.now():
            return total
        idle = 0
        while idle < 2:
            done = self.sender.deliver_due()
            total = total + done
            if done == DeliveryReport():
                idle += 1
                # A reply in a thread waits a moment for its first message: let it pass.
                self.sender_clock.sleep(self.sender.interval.total_seconds())
            else:
                idle = 0
        return total

    def _move_clock(self, argument: str) -> None:
        if argument.strip():
            try:
                self.clock.move(argument)
            except UnreadableTime as unreadable:
                self.console.print("[yellow]" + rich_escape(self.tr._(
                    HOW_TO_WRITE, text=unreadable.text)) + "[/yellow]")
                return
        self.console.print(rich_escape(self.clock.describe(self.tr)))

    def _run_job(self, name: str) -> None:
        jobs = {job.name: job for job in handlers.catalogue().jobs}
        if not name:
            self.console.print(self.tr._("Jobs (:run NAME runs one now, at the sandbox's "
                                         "time):"))
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True)
            grid.add_column()
            for listed in jobs.values():
                grid.add_row(f"  {listed.name}", rich_escape(listed.summary))
            self.console.print(grid)
            return
        job = jobs.get(name)
        if job is None:
            self.console.print("[yellow]" + rich_escape(self.tr._(
                "There is no job “{name}”; the jobs are: {names}.", name=name,
                names=", ".join(jobs))) + "[/yellow]")
            return
        assert self.services is not None
        engine = self.services.engine
        result = run_job(engine, job, job_context(
            engine, self.config, clock=self.clock,
            slack=jobs_client(self.services.settings)), "sandbox")
        if result.outcome != "ok":
            self.console.print("[red]" + rich_escape(self.tr._(
                "{job} failed: {error}", job=name, error=result.error or "?")) + "[/red]")
            return
        # Wrapped between counts, never inside one: a number stays with what it counts.
        counts = [count_text(key, value, self.tr) for key, value in result.counts.items()]
        # The list's comma is the language's (Chinese writes "，" and no space after it).
        comma = self.tr._(COUNT_LIST, first="", second="")
        line = self.tr._("Ran {job}: {counts}.", job=name,
                         counts=(comma.rstrip(" ") + "\0").join(counts) or "—")
        rows = rows_of([rich_escape(piece) for piece in line.split("\0")],
                       self.console.width, " " if comma.endswith(" ") else "")
        self.console.print("\n".join(rows))

    def _file_content(self, file_id: str) -> bytes | None:
        shared = self.emulator.files.get(file_id) if self.emulator else None
        return shared.content if shared else None

    def _import(self, argument: str) -> None:
        assert self.services is not None
        for text, warning in imported(argument, self.services, self.tr):
            if warning:
                self._warn(text)
            else:
                self.console.print(rich_escape(text))

    def _warn(self, text: str) -> None:
        self.console.print("[yellow]" + rich_escape(text) + "[/yellow]")

    def _save_files(self, argument: str) -> None:
        """Writes every file shared so far into ``argument`` (the current folder if
        empty), not the sandbox's working folder: that one is deleted when it ends."""
        # One file per name: a meeting's calendar file is shared in every channel and
        # direct message it goes to, each time the same.
        shared = list({Path(f.filename).name: f for f in (
            self.emulator.files.values() if self.emulator else [])
            if f.content is not None and f.title}.values())
        if not shared:
            self.console.print("[yellow]" + rich_escape(self.tr._(NO_FILES)) + "[/yellow]")
            return
        folder = Path(argument).expanduser() if argument else Path.cwd()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for uploaded in shared:
                assert uploaded.content is not None
                # The name only: a file name never writes outside the folder.
                (folder / Path(uploaded.filename).name).write_bytes(uploaded.content)
        except OSError as problem:
            self.console.print("[yellow]" + rich_escape(self.tr._(
                "Could not save the files to {folder}: {problem}", folder=str(folder),
                problem=problem.strerror or str(problem))) + "[/yellow]")
            return
        for uploaded in shared:
            self.console.print(rich_escape(self.tr._(
                "Saved {path}", path=str(folder.resolve() / Path(uploaded.filename).name))),
                soft_wrap=True)  # a path cut across lines can't be copied

    def _speak_as(self, user_id: str) -> None:
        known = self.emulator.users.get(user_id) if self.emulator else None
        self.tr = translator(known.locale if known else self.config.organisation.locale)

    def _switch_language(self, tag: str, state: ChatState, driver: SlackDriver) -> None:
        tag = tag.strip()
        if not tag or not speaks(tag):
            self.console.print("[yellow]" + self.tr._(
                "creditbot speaks {languages}; try :lang zh-CN or :lang en-US.",
                languages="English, 简体中文") + "[/yellow]")
            return
        person = driver.emulator.users.get(state.user.user_id)
        if person is None:
            person = driver.emulator.users[state.user.user_id] = User(
                state.user.user_id, state.user.user_id.lower())
        person.locale = tag
        # As Slack does when someone changes their language: the bot hears user_change.
        driver.event({"type": "user_change", "user": {"id": person.id, "locale": tag}})
        self._speak_as(person.id)
        self.console.print("[dim]" + self.tr._("Your Slack language is now {tag}.", tag=tag)
                           + "[/dim]")

    def _show_home(self, state: ChatState, driver: SlackDriver) -> None:
        before = len(driver.emulator.calls_to("views.publish"))
        driver.event({"type": "app_home_opened", "user": state.user.user_id, "tab": "home",
                      "channel": "D0SANDBOX01", "event_ts": "1.0"})
        published = driver.emulator.wait_for("views.publish", count=before + 1, timeout=10)
        view = published[-1].args.get("view")
        view = json.loads(view) if isinstance(view, str) else (view or {})
        self.console.print("[bold magenta]creditbot[/] [dim]" + self.tr._("(App Home)")
                           + "[/dim]")
        home = Reply(state.channel, "", view.get("blocks", []), ephemeral=True)
        state.buttons, state.choices = [], []
        _keep(render_message(self.console, home.blocks, "", self._name), home,
              state.buttons, state.choices, state.user.user_id)
        self.console.print()

    def _show_slack_changes(self, state: ChatState, emulator: SlackEmulator) -> None:
        """Prints the messages the bot posted or edited in channels and direct messages
        since the last look, channel by channel; their buttons become the ones numbers
        press, numbered on across the messages."""
        shown: list[Pressable] = list(state.buttons) if state.answered else []
        chosen: list[Pressable] = list(state.choices) if state.answered else []
        # First what was shown to this person alone (a form's confirmation).
        calls = emulator.calls_to("chat.postEphemeral")
        for call in calls[state.ephemeral_seen:]:
            channel = str(call.args.get("channel", ""))
            if call.args.get("user") != state.user.user_id or call.status != 200:
                continue
            if channel.startswith("D"):  # a form filed from a button in a direct message
                where = self.tr._("(only you can see this, in your direct messages)")
            else:
                where = self.tr._("(only you can see this, in {place})",
                                  place="#" + self.channels.get(channel, channel))
            self.console.print("[bold magenta]creditbot[/] [dim]" + rich_escape(where)
                               + "[/dim]")
            posted = Reply(channel, call.text, call.blocks, ephemeral=True)
            _keep(render_message(self.console, posted.blocks, posted.text, self._name,
                                 numbered=len(shown), lettered=len(chosen)),
                  posted, shown, chosen, state.user.user_id)
            self.console.print()
        state.ephemeral_seen = len(calls)
        # What this look printed, by how it looks: a meeting's invitation goes to three
        # channels and every member alike; its copies are named in a line at the end
        # instead of reprinted (their buttons do what the printed one's do).
        copies: dict[str, list[str]] = {}
        firsts: dict[str, tuple[str, bool]] = {}
        for channel, messages in list(emulator.channels.items()):
            for message in list(messages):
                key = (channel, str(message["ts"]))
                looks = json.dumps([message["text"], message["blocks"]], sort_keys=True)
                before = state.seen.get(key)
                if before == looks:
                    continue
                state.seen[key] = looks
                where = self._where(channel, emulator, message, edited=before is not None)
                # A file's copy looks alike too (its name and title), though its id differs.
                same = looks + json.dumps([[f.get("name"), f.get("title")]
                                           for f in message.get("files") or []])
                if same in copies:
                    copies[same].append(self._place(channel, emulator))
                    continue
                copies[same] = []
                firsts[same] = (str(message.get("text") or ""), before is not None)
                self.console.print(f"[bold magenta]creditbot[/] [dim]{rich_escape(where)}[/dim]")
                posted = Reply(channel, message["text"], message["blocks"], ephemeral=False,
                               ts=str(message["ts"]))
                _keep(render_message(self.console, posted.blocks, posted.text, self._name,
                                     numbered=len(shown), lettered=len(chosen)),
                      posted, shown, chosen)
                if message.get("files"):
                    render_files(self.console, message["files"], self._file_content, self.tr)
                    self.console.print("[dim]" + rich_escape(self.tr._(FILES_HINT)) + "[/dim]")
                self.console.print()
        for same, places in copies.items():
            if places:
                text, edited = firsts[same]
                summary = self.tr._(COPIES_EDITED if edited else COPIES,
                                    places=", ".join(places))
                self.console.print("[bold magenta]creditbot[/] [dim]" + rich_escape(summary)
                                   + "[/dim] " + mrkdwn_to_rich(text.split("\n")[0],
                                                                self._name))
                self.console.print()
        # A look that brought only a menu (an edited card) leaves the earlier buttons
        # pressable, and one with only buttons the earlier menus: as in Slack, an older
        # message's controls stay where they were (they were numbered from 1 and a, as
        # the new ones are, so only one kind is replaced at a time).
        if state.answered or shown:
            state.buttons = shown
        if state.answered or chosen:
            state.choices = chosen

    @staticmethod
    def _own_copy(message: Reply, user: str, emulator: SlackEmulator) -> Reply | None:
        """The same message in ``user``'s own direct message, if the bot sent one."""
        for channel, person in list(emulator.direct_messages.items()):
            if user not in person.split(","):
                continue
            for sent in list(emulator.channels.get(channel, [])):
                if sent["text"] == message.text and sent["blocks"] == message.blocks:
                    return Reply(channel, sent["text"], sent["blocks"], ephemeral=False,
                                 ts=str(sent["ts"]))
        return None

    def _place(self, channel: str, emulator: SlackEmulator) -> str:
        person = emulator.direct_messages.get(channel)
        return "@" + person if person is not None else "#" + self.channels.get(channel,
                                                                               channel)

    def _where(self, channel: str, emulator: SlackEmulator, message: dict[str, Any],
               edited: bool) -> str:
        person = emulator.direct_messages.get(channel)
        if person is not None:
            place = self.tr._("a direct message to @{person}", person=person)
        else:
            place = "#" + self.channels.get(channel, channel)
        if edited:
            return self.tr._("edited its message in {place}", place=place)
        if message.get("thread_ts"):
            return self.tr._("replied in the thread, in {place}", place=place)
        if person is not None:
            return self.tr._("sent a direct message to @{person}", person=person)
        return self.tr._("posted in #{channel}", channel=self.channels.get(channel, channel))

    def _list_people(self) -> None:
        for i, person in enumerate(self.people, 1):
            self.console.print(f"  {i}. {self._label(person)}")

    def _switch_user(self, answer: str, state: ChatState) -> bool:
        answer = answer.strip()
        match = None
        if answer.isdigit() and 0 < int(answer) <= len(self.people):
            match = self.people[int(answer) - 1]
        else:
            match = next((p for p in self.people if p.user_id == answer.upper()
                          or f"({answer.lower()}" in p.label or f" {answer.lower()}" in p.label),
                         None)
        if match is None:
            self.console.print("[yellow]" + self.tr._(
                "No one called “{name}”; :who lists them.", name=rich_escape(answer))
                + "[/yellow]")
            return False
        state.user = match
        self._speak_as(match.user_id)
        self.console.print("[dim]" + self.tr._("You are {person}.", person=self._label(match))
                           + "[/dim]")
        return True

    def _label(self, person: Person) -> str:
        return person.label.replace(OUTSIDER_NOTE, self.tr._(OUTSIDER_NOTE))

    def _switch_channel(self, answer: str, state: ChatState) -> None:
        answer = answer.strip().lstrip("#")
        channels = list(self.channels.items())
        if answer.isdigit() and 0 < int(answer) <= len(channels):
            state.channel = channels[int(answer) - 1][0]
        elif answer.upper() in self.channels:
            state.channel = answer.upper()
        elif answer.lower() in self.channels.values():
            state.channel = next(c for c, k in channels if k == answer.lower())
        else:
            self.console.print("[yellow]" + self.tr._(
                "No channel “{name}”; :channels lists them.", name=rich_escape(answer))
                + "[/yellow]")
            return
        self.console.print("[dim]" + self.tr._("Now in #{channel}.",
                                               channel=self.channels[state.channel]) + "[/dim]")

    def _name(self, slack_id: str) -> str:
        if slack_id in self.channels:
            return self.channels[slack_id]
        return slack_id


_MENU_LETTER = re.compile(r"[a-z]{1,2}")


def _keep(controls: list[dict[str, Any]], message: Reply, buttons: list[Pressable],
          choices: list[Pressable], seen_by: str | None = None) -> None:
    """Splits a message's controls, as render_message returns them, into the numbered
    buttons and the lettered menu options they add; ``seen_by`` the one person who saw
    an ephemeral message."""
    for control in controls:
        (choices if "selected_option" in control else buttons).append(
            Pressable(message, control, seen_by if message.ephemeral else None))


def run_sandbox(config: AppConfig, console: Console, script: Path | None,
                database_url: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="creditbot-sandbox-") as workdir:
        lines = script.read_text(encoding="utf-8").splitlines() if script else None
        if lines is None and not sys.stdin.isatty():
            # Input piped in (echo '/credit help' | creditbot sandbox) is a script too.
            lines = sys.stdin.read().splitlines()
        Sandbox(config, console, Path(workdir)).run(lines, database_url=database_url)
