"""`creditbot sandbox`: the bot, the emulator and a terminal chat in one process.

Everything goes through the real path: what you type becomes a signed HTTP request to
the bot's WSGI app, the bot answers through the emulator, and the emulator's record is
what you see.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from pydantic import SecretStr
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table
from rich.text import Text

from bot.config import AppConfig
from bot.delivery import jobs_client
from bot.demo import DEMO_RATES_IN_USD, demo_base, load_demo_data, review_demo_orders
from bot.imports import listed
from bot.local_server import LocalServer
from bot.sandbox.audit_line import audit_lines
from bot.sandbox.clock import HOW_TO_WRITE, SandboxClock, UnreadableTime
from bot.sandbox.confirming import Confirming
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.sandbox.form_filling import FormFilling
from bot.sandbox.held_log import HeldLog
from bot.sandbox.import_line import imported
from bot.sandbox.job_counts import count_text
from bot.sandbox.render import cjk_lines, letter, render_message, rows_of
from bot.sandbox.session import (
    ANSWER_SECONDS,
    OUTSIDER_NOTE,
    ChatState,
    NoWaiting,
    Person,
    Pressable,
    TrackedExecutor,
    keep_controls,
    people_of,
)
from bot.sandbox.slack_changes import SlackChanges
from bot.scheduler import job_context, run_job
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from domain.text import examples_follow
from handlers import features
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client
from handlers.i18n import N_, speaks, translator
from storage.copy import copy_rows, count_rows, strangers
from storage.db import make_engine, upgrade, url_shown
from storage.outbox import OutboxStore
from storage.outbox_progress import progress_since

_SECRET = "sandbox-signing-secret"
_TOKEN = "xoxb-sandbox"

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
# Shown after HELP_IMPORT, apart for the same reason.
HELP_AUDIT = N_("""  :audit [N]         the audit log's latest N entries: who did what, when
  :audit export FILE the sandbox's whole audit log, as a CSV file""")
# Between two counts of ":run"'s summary line.
COUNT_LIST = N_("{first}, {second}")
# Shown after HELP_TIME, apart for the same reason.
HELP_MENUS = N_("""  a, b, …            pick that option of a ⋯ menu of the last message""")
# Shown after HELP_MENUS, apart for the same reason.
HELP_FILES = N_("""  :files [FOLDER]    save the files the bot shared (charts) in FOLDER,
                     else here: they outlive the sandbox""")
NO_FILES = N_("The bot has shared no files yet (:run report posts the weekly charts).")
# Shown after HELP_FILES, apart for the same reason.
HELP_FORMS = N_("""  in a form          answer each field (Enter keeps it, - empties it), or in a
                     script write FIELD: VALUE lines; then :submit, or :cancel""")
_QUIT = frozenset({":quit", ":q", "exit", "quit"})

# What Slack answers when someone types a slash command no installed app owns.
NOT_A_COMMAND = N_("“{command}” is not a valid command. In Slack, all messages that start "
                   "with the “/” character are interpreted as commands.")


class Sandbox(FormFilling, Confirming, SlackChanges):
    def __init__(self, config: AppConfig, console: Console, workdir: Path,
                 config_path: Path | None = None) -> None:
        self.config = config
        # Named beside a database of your own: the copy is read by this file's settings.
        self.config_path = config_path
        self.console = console
        self.workdir = workdir
        self.people = people_of(config)
        self.channels = {d.channel: key for key, d in config.departments.items()}
        self.commands = {features.COMMAND}
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
        # Everyone on the organisation's clock (the emulator's default is the demo's).
        users = {p.user_id: User(p.user_id, p.user_id.lower(),
                                 tz=self.config.organisation.timezone,
                                 locale=overrides.get(p.user_id, self.config.organisation.locale))
                 for p in self.people}
        # The examples in answers follow the sandbox's clock too: one written for the
        # real day was already past after `:clock 2027-03-01`.
        examples_follow(self.clock)
        try:
            self._serve(url, users, database_url, lines, ask)
        finally:
            examples_follow(None)

    def _serve(self, url: str, users: dict[str, User], database_url: str | None,
               lines: Iterable[str] | None, ask: Callable[[str], str]) -> None:
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
                base = self.config.organisation.base_currency
                load_demo_data(services.engine, services.today(), base=base)
                if demo_base(base) != base:
                    said = self.tr._(DEMO_RATES_IN_USD, base=base)
                    self.console.print("[dim]" + rich_escape(said) + "[/dim]")
                review_demo_orders(services.orders)
            else:
                self._copy_in(database_url, services)
            self.sender = Sender(OutboxStore(services.engine),
                                 delivery_client(_TOKEN, emulator.api_url),
                                 admin_channel=self.config.organisation.admin_channel,
                                 owner="sandbox", clock=self.sender_clock,
                                 zone=self.config.organisation.zone)
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
            settings = str(self.config_path or "app.yaml")
            self.console.print("[dim]" + rich_escape(self.tr._(
                "Copying {database} into the sandbox ({rows} rows), read by the settings of "
                "{config}: what you do here never changes it or reaches its Slack.",
                database=where, config=settings,
                rows=self.tr.number(count_rows(yours)))) + "[/dim]")
            copy_rows(yours, services.engine)
        finally:
            yours.dispose()
        customers, departments, owners = strangers(services.engine, listed(self.config))
        if departments or owners:
            self.console.print("[yellow]" + rich_escape(self.tr._(
                "{config} does not list the department of {departments} and the owner of "
                "{owners} of its {customers} customers: if that is not this organisation's "
                "app.yaml, name yours in CREDITBOT_CONFIG.",
                customers=self.tr.number(customers), departments=self.tr.number(departments),
                owners=self.tr.number(owners), config=settings)) + "[/yellow]")

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
        elif command == ":audit":
            self._audit(argument)
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
                          *self.tr._(HELP_AUDIT).splitlines(),
                          *self.tr._(HELP_FORMS).splitlines(),
                          *self.tr._(HELP_MENUS).splitlines(),
                          *self.tr._(HELP_FILES).splitlines(), *lines[-1:]])

    def _show(self, reply: Reply, state: ChatState) -> None:
        who = N_("(only you can see this)") if reply.ephemeral else N_("(in channel)")
        self.console.print("[bold magenta]creditbot[/] [dim]" + self.tr._(who) + "[/dim]")
        controls = render_message(self.console, reply.blocks, reply.text, self._name)
        # An answer only its reader sees and without buttons (a refusal, a confirmation)
        # leaves the message above it on screen in Slack: its buttons still press.
        state.held_over = not (controls or not reply.ephemeral)
        if not state.held_over:
            state.buttons, state.choices = [], []
            keep_controls(controls, reply, state.buttons, state.choices, state.user.user_id)
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
        if pressed.button.get("confirm") and not self._confirmed(pressed.button["confirm"]):
            return
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
        self.background.settle(ANSWER_SECONDS)
        deadline = time.monotonic() + ANSWER_SECONDS
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
                                             "seconds.", label=label, n=int(ANSWER_SECONDS)))
            time.sleep(0.05)

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

    def _run_job(self, argument: str) -> None:
        jobs = {job.name: job for job in features.catalogue().jobs}
        # As `creditbot jobs run NAME --on-holiday`: the sandbox's clock may sit on one.
        words = argument.split()
        on_holiday = "--on-holiday" in words
        name = " ".join(word for word in words if word != "--on-holiday")
        if not name:
            self.console.print(self.tr._("Jobs (:run NAME runs one now, at the sandbox's "
                                         "time):"))
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True)
            grid.add_column()
            # Chinese breaks between characters (rich would cut it short with "…").
            room = max(self.console.width - max(len(n) for n in jobs) - 4, 20)
            for listed in jobs.values():
                summary = Text(self.tr._(listed.summary))
                grid.add_row(f"  {listed.name}", Text("\n").join(cjk_lines(summary, room)))
            self.console.print(grid)
            return
        job = jobs.get(name)
        if job is None:
            meant = features.catalogue().job_meant(name)
            said = self.tr._("There is no job “{name}”; the jobs are: {names}.", name=name,
                             names=", ".join(jobs)) if meant is None else self.tr._(
                "There is no job “{name}”: did you mean “:run {job}”? The jobs are: {names}.",
                name=name, job=meant.name, names=", ".join(jobs))
            self.console.print("[yellow]" + rich_escape(said) + "[/yellow]")
            return
        if on_holiday and not job.keeps_holidays:
            # As the CLI: accepted in silence, it would seem to have changed something.
            self.console.print("[yellow]" + rich_escape(self.tr._(
                "{job} runs on holidays as on any other day: --on-holiday is for {jobs}.",
                job=name, jobs=", ".join(j.name for j in jobs.values() if j.keeps_holidays)))
                + "[/yellow]")
            return
        assert self.services is not None
        engine = self.services.engine
        result = run_job(engine, job, job_context(
            engine, self.config, clock=self.clock,
            slack=jobs_client(self.services.settings), on_holiday=on_holiday), "sandbox")
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

    def _import(self, argument: str) -> None:
        assert self.services is not None
        for text, warning in imported(argument, self.services, self.tr):
            if warning:
                self._warn(text)
            else:
                self.console.print(rich_escape(text))

    def _audit(self, argument: str) -> None:
        assert self.services is not None
        fine, lines = audit_lines(argument, self.services, self.tr)
        if not fine:
            self._warn(lines[0])
            return
        self.console.print(rich_escape(lines[0]))
        for line in lines[1:]:
            self.console.print(rich_escape(line), soft_wrap=True)

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
        fixed = self.config.locale_overrides().get(person.id)
        if fixed is not None and fixed != tag:
            # app.yaml's people: wins over Slack's language, as in Slack: "is now en-US",
            # and every answer came in Chinese all the same.
            self.tr = translator(fixed)
            self.console.print("[yellow]" + rich_escape(self.tr._(
                "Your Slack language is now {tag}, but app.yaml's people: section fixes "
                "{fixed} for {user}, and creditbot answers in that.", tag=tag, fixed=fixed,
                user=person.id)) + "[/yellow]")
            return
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
        keep_controls(render_message(self.console, home.blocks, "", self._name), home,
              state.buttons, state.choices, state.user.user_id)
        self.console.print()

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

_MENU_LETTER = re.compile(r"[a-z]{1,2}")


def run_sandbox(config: AppConfig, console: Console, script: Path | None,
                database_url: str | None = None, config_path: Path | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="creditbot-sandbox-") as workdir:
        lines = script.read_text(encoding="utf-8").splitlines() if script else None
        if lines is None and not sys.stdin.isatty():
            # Input piped in (echo '/credit help' | creditbot sandbox) is a script too.
            lines = sys.stdin.read().splitlines()
        Sandbox(config, console, Path(workdir), config_path).run(lines,
                                                                 database_url=database_url)
