"""One declaration per capability, from which everything Slack-facing is built.

Each feature package (``handlers/check``, ``handlers/home``…) exports a ``FEATURE``
listing its slash subcommands (with aliases and help), buttons (with the model their
value must parse into), events and scopes. Bolt's listeners, ``/credit help``, the App
Home and ``creditbot manifest`` are all made from these lists, so none of them can
forget something the others know; ``register`` is the only place that calls Bolt's
``app.command/action/event/view``.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse

from domain.text import N_
from handlers.errors import ack_only, guarded
from handlers.form_submit import notice_view, submission_listener
from handlers.payloads import ActionValue
from handlers.render import Message, escape

log = logging.getLogger("creditbot.registry")

COMMAND = "/credit"
# A half-typed subcommand that begins at most this many is answered with each of them.
SUGGESTED = 3


@dataclass(frozen=True)
class Subcommand:
    """``/credit NAME …``; ``run(context, rest)`` answers within the acknowledgement."""

    name: str
    summary: str
    example: str
    run: Callable[[BoltContext, str], Message]
    aliases: tuple[str, ...] = ()
    needs_argument: str | None = None
    # Records nothing, so a replay of it may be answered again (handlers.credit does not
    # claim it: the check's throughput spares a write per command).
    read_only: bool = False
    # Shows something asked for (a list, a report), recording at most that it was
    # looked at: a database that does not answer is told as a read ("… not answering just
    # now"), without "so nothing was changed", which answers a question nobody asked.
    shows: bool = False
    # Takes no words after it (a list of one's own): words after it are refused, not
    # ignored, since who typed `/credit tasks overdue` expected them to narrow the list.
    takes_nothing: bool = False
    # Words that are no command but what this one does: `/credit promise …` is recorded
    # with a button on `/credit collect`'s list, so that is where it points.
    done_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """A button. ``run(body, context)`` runs after the acknowledgement, with the parsed
    value in ``context["payload"]``. ``numbered`` buttons carry ids ``ID:0``, ``ID:1``…
    (Slack wants unique action ids within a block)."""

    action_id: str
    run: Callable[..., None]
    payload: type[ActionValue]
    numbered: bool = False


# What a modal's ``submit`` returns: field errors by block_id (the modal stays open and
# shows each beside its field), work to run after the acknowledgement (the modal closes
# at once), or None (the modal closes, nothing more to do).
Submitted = Mapping[str, str] | Callable[[], None] | None


@dataclass(frozen=True)
class View:
    """A modal the bot opens (handlers.modals.open_modal) and Slack submits back.

    ``submit(view, context)`` runs *inside* the acknowledgement, because Slack only
    shows field errors that come in it (``response_action: errors``), and Slack waits
    3 s: it checks and records, and hands anything slow (a Slack call, a DM) back as a
    callable, which runs on the background executor after the answer. A ``submit``
    still running at the answer's budget is answered with a note that it is
    (handlers.form_submit). The parsed
    ``private_metadata`` is in ``context["metadata"]``; one that does not parse into
    ``metadata`` was not written by us and the request is refused (HTTP 400), like a
    forged button value. An exception in ``submit`` replaces the modal with its message
    (a domain error's text, or the apology with the log reference)."""

    callback_id: str
    metadata: type[ActionValue]
    submit: Callable[[dict[str, Any], BoltContext], Submitted]


@dataclass(frozen=True)
class Event:
    name: str
    run: Callable[..., None]


class JobCannotRun(Exception):
    """A job that app.yaml leaves nothing to do with (the weekly report's department is
    not there): its run fails with this one line, which says what to change, not with a
    traceback that reads as a bug."""


@dataclass(frozen=True)
class Job:
    """Work the scheduler runs on its own. ``run(context)`` gets the services the
    composition root hands to jobs (as a listener gets Bolt's context: ``context["now"]``
    and the ports the job's package declares) and returns what it counted, e.g.
    ``{"processed_requests": 12}``; raising marks the run failed.

    ``schedule`` is a cron expression in the organisation's time zone; app.yaml's
    ``schedules`` section overrides it. ``keeps_holidays``: the job does nothing on the
    organisation's holidays (``{"holiday": 1}``) unless run with ``on_holiday`` in its
    context."""

    name: str
    summary: str
    schedule: str
    run: Callable[[Mapping[str, Any]], dict[str, int]]
    keeps_holidays: bool = False


@dataclass(frozen=True)
class Feature:
    name: str
    subcommands: tuple[Subcommand, ...] = ()
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    # Bot scopes the feature's Web API calls need.
    scopes: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()
    views: tuple[View, ...] = ()


@dataclass
class Catalogue:
    """Everything the features declare, looked up by name."""

    features: tuple[Feature, ...]
    _subcommands: dict[str, Subcommand] = field(init=False)
    _actions: dict[str, Action] = field(init=False)
    _views: dict[str, View] = field(init=False)

    def __post_init__(self) -> None:
        self._subcommands = {}
        self._actions = {}
        self._views = {}
        for feature in self.features:
            for sub in feature.subcommands:
                for word in (sub.name, *sub.aliases):
                    if word.lower() in self._subcommands:
                        raise ValueError(f"{COMMAND} {word} is declared twice")
                    self._subcommands[word.lower()] = sub
            for action in feature.actions:
                if action.action_id in self._actions:
                    raise ValueError(f"action {action.action_id} is declared twice")
                self._actions[action.action_id] = action
            for view in feature.views:
                if view.callback_id in self._views:
                    raise ValueError(f"view {view.callback_id} is declared twice")
                self._views[view.callback_id] = view

    @property
    def subcommands(self) -> list[Subcommand]:
        return [s for f in self.features for s in f.subcommands]

    @property
    def actions(self) -> list[Action]:
        return [a for f in self.features for a in f.actions]

    @property
    def events(self) -> list[Event]:
        return [e for f in self.features for e in f.events]

    @property
    def jobs(self) -> list[Job]:
        return [j for f in self.features for j in f.jobs]

    def job_meant(self, word: str) -> Job | None:
        """The job someone who typed ``word`` probably meant: a close spelling of its
        name ("alert", "hosekeeping"), else the one job whose summary uses the word
        ("digest": the alerts job posts them); None when nothing or several fit."""
        word = word.strip().lower()
        named = {job.name: job for job in self.jobs}
        close = difflib.get_close_matches(word, list(named), n=1, cutoff=0.75)
        if close:
            return named[close[0]]
        if len(word) < 4:
            return None
        # A whole word: "deliver" is not the housekeeping's "deliveries".
        said = [job for job in self.jobs
                if re.search(rf"\b{re.escape(word)}\b", job.summary.lower())]
        return said[0] if len(said) == 1 else None

    @property
    def views(self) -> list[View]:
        return [v for f in self.features for v in f.views]

    def view(self, callback_id: str) -> View | None:
        return self._views.get(callback_id)

    @property
    def scopes(self) -> list[str]:
        return list(dict.fromkeys(s for f in self.features for s in f.scopes))

    def subcommand(self, word: str) -> Subcommand | None:
        return self._subcommands.get(word.lower())

    def as_typed(self, context: BoltContext, name: str) -> str:
        """``/credit <name>`` as the person wrote this command: `/credit 催收` for who
        typed the Chinese word."""
        return f"{COMMAND} {self.typed_name(context, name)}"

    def typed_name(self, context: BoltContext, name: str) -> str:
        """Subcommand ``name`` in the language the person typed this command in."""
        return self.written_like(name, str(context.get("typed_word") or name))

    def written_like(self, name: str, typed: str) -> str:
        """Subcommand ``name`` as ``typed`` was written: its Chinese alias beside a
        Chinese word (`/credit 查询` is pointed to `/credit 帮助`), else its name."""
        sub = self.subcommand(name)
        if sub is None:
            return name
        if typed.lower() in (sub.name, *sub.aliases):  # 申请列表 stays 申请列表
            return typed.lower()
        return next((word for word in (sub.name, *sub.aliases)
                     if word.isascii() == typed.isascii()), sub.name)

    def closest(self, word: str) -> list[str]:
        """The subcommands (or aliases) ``word`` was most likely meant as: the ones it
        begins, ``col`` → ``collect``, ``催`` → ``催收``, ``meet`` → ``meeting`` and
        ``meetings`` (a word that begins more than ``SUGGESTED``, ``c``, guesses none),
        else one that is close: ``histroy`` → ``history``; or the one that does what
        it names (``promise`` → ``collect``, ``Subcommand.done_by``)."""
        lowered = word.lower()
        done_by = sorted({self.written_like(sub.name, word)
                          for sub in self._subcommands.values() if lowered in sub.done_by})
        if done_by:
            return done_by
        begun: dict[int, str] = {}
        for name, sub in sorted(self._subcommands.items(), key=lambda item: len(item[0])):
            if lowered and name.startswith(lowered):
                begun.setdefault(id(sub), name)  # each subcommand by its shortest name
        if 0 < len(begun) <= SUGGESTED:
            return sorted(begun.values(), key=lambda name: (len(name), name))
        if begun:
            return []
        close = difflib.get_close_matches(lowered, list(self._subcommands), n=1, cutoff=0.75)
        if close or len(lowered) < 2:
            return close
        # One character off in a short word: the ratio of 查徇 to 查询 is 0.5, yet a
        # Chinese input method picks the wrong one of two like-sounding characters
        # all the time (a typo of one letter in "chek" is caught above).
        one_off = sorted({id(sub): name for name, sub in self._subcommands.items()
                          if len(name) == len(lowered) and sum(
                              a != b for a, b in zip(name, lowered, strict=True)) == 1
                          }.values())
        return one_off if len(one_off) == 1 else []

    def records(self, word: str) -> bool:
        """Whether ``/credit WORD …`` may record something (a replay must not record it
        twice): all but the read-only subcommands. An unknown word is answered with the
        help, which records nothing."""
        found = self.subcommand(word or "help")
        return found is not None and not found.read_only

    def shows(self, word: str) -> bool:
        found = self.subcommand(word or "help")
        return found is not None and found.shows

    def action(self, action_id: str) -> Action | None:
        found = self._actions.get(action_id)
        if found is None and ":" in action_id:
            base, _, number = action_id.rpartition(":")
            candidate = self._actions.get(base)
            if candidate is not None and candidate.numbered and number.isdigit():
                found = candidate
        return found


def _refuse_untyped_values(catalogue: Catalogue) -> Callable[..., Any]:
    def check_values(body: dict[str, Any], context: BoltContext,
                     next: Callable[[], None]) -> BoltResponse | None:
        if body.get("type") == "block_actions":
            for pressed in body.get("actions") or []:
                spec = catalogue.action(str(pressed.get("action_id", "")))
                if spec is None:
                    continue  # Bolt answers unknown actions as unhandled
                # A menu (overflow, select) sends its chosen option's value.
                chosen = pressed.get("selected_option")
                raw = pressed.get("value", "") if not isinstance(chosen, dict) \
                    else chosen.get("value", "")
                value = spec.payload.decode(str(raw))
                if value is None:
                    log.warning("refused %s: its value is not one creditbot wrote",
                                spec.action_id)
                    return BoltResponse(status=400, body="")
                context["payload"] = value
        elif body.get("type") == "view_submission":
            view = body.get("view") or {}
            modal = catalogue.view(str(view.get("callback_id", "")))
            if modal is not None:
                metadata = modal.metadata.decode(str(view.get("private_metadata") or ""))
                if metadata is None:
                    log.warning("refused view %s: its metadata is not one creditbot wrote",
                                modal.callback_id)
                    return BoltResponse(status=400, body="")
                context["metadata"] = metadata
        next()
        return None

    return check_values


def register(app: App, catalogue: Catalogue,
             command: Callable[..., None]) -> None:
    """``command`` is the ``/credit`` router (it reads subcommands from the catalogue)."""
    app.use(_refuse_untyped_values(catalogue))
    app.command(COMMAND)(guarded(command))
    for action in catalogue.actions:
        matcher: str | re.Pattern[str] = (
            re.compile(f"^{re.escape(action.action_id)}:\\d+$") if action.numbered
            else action.action_id)
        # Acknowledged at once; the work runs after the response (Bolt's lazy listeners).
        app.action(matcher)(ack=ack_only, lazy=[guarded(action.run)])
    # Last, so only a press no listener above takes: a button on a message from an
    # earlier version of creditbot. Unhandled, Bolt answers 404 and Slack shows the
    # person a warning icon and nothing else.
    app.action(re.compile(".*"))(ack=ack_only, lazy=[guarded(_retired_button)])
    for event in catalogue.events:
        app.event(event.name)(ack=ack_only, lazy=[guarded(event.run)])
    for view in catalogue.views:
        app.view(view.callback_id)(submission_listener(view))
    # Likewise last: a form opened by an earlier version and submitted after an upgrade,
    # closed, a shortcut or a menu's options no listener takes. Bolt would answer 404.
    app.view(re.compile(".*"))(_retired_form)
    app.view_closed(re.compile(".*"))(ack_only)
    app.shortcut(re.compile(".*"))(ack_only)
    app.options(re.compile(".*"))(_no_options)
    # An event the app was subscribed to by hand, or a second command pointed at this
    # URL: Bolt answered 404, and Slack retries an event three times and counts failures
    # against the app.
    app.event(re.compile(".*"))(_unheard_event)
    app.command(re.compile(".*"))(_other_command)


RETIRED_FORM = N_("This form belongs to an earlier version of creditbot, which no longer "
                  "takes it: nothing was recorded. Close it and open the form again.")
RETIRED_BUTTON = N_("That button belongs to an earlier version of this message, and "
                    "creditbot no longer acts on it: run the command again for a fresh one.")


def _retired_button(body: dict[str, Any], context: BoltContext) -> None:
    [pressed] = body.get("actions") or [{}]
    log.info("a press of %r, which no listener takes", str(pressed.get("action_id"))[:80])
    if pressed.get("url"):
        return  # a link button: Slack opened the link, nothing more was asked
    context["reply"](context["tr"]._(RETIRED_BUTTON))


def _retired_form(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    submitted = body.get("view") or {}
    log.info("a submission of form %r, which no listener takes",
             str(submitted.get("callback_id"))[:80])
    tr = context["tr"]
    ack(response_action="update",
        view=notice_view({**submitted, "close": submitted.get("close") or {
            "type": "plain_text", "text": tr._("Close")}}, tr._(RETIRED_FORM)))


def _no_options(ack: Ack) -> None:
    ack(options=[])


OTHER_COMMAND = N_("creditbot answers `{ours}` only: `{typed}` reached it, perhaps a command "
                   "set up in the Slack app by mistake. Ask your Slack admin to remove it.")


def _unheard_event(ack: Ack, body: dict[str, Any]) -> None:
    ack()
    log.info("an event %r, which no listener takes",
             str((body.get("event") or {}).get("type"))[:80])


def _other_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    typed = str(body.get("command"))[:80]
    log.info("a command %r, which no listener takes", typed)
    ack(text=context["tr"]._(OTHER_COMMAND, ours=COMMAND,
                             typed=escape(typed.replace("`", "'"))))


def listener_count(catalogue: Catalogue) -> int:
    """How many Bolt listeners ``register`` adds (the manifest test holds them equal)."""
    # The command, each feature's listeners, and the seven for what no listener takes.
    return 1 + len(catalogue.actions) + len(catalogue.events) + len(catalogue.views) + 7

