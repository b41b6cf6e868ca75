"""One declaration per capability, from which everything Slack-facing is built.

Each feature package (``handlers/check``, ``handlers/home``…) exports a ``FEATURE``
listing its slash subcommands (with aliases and help), buttons (with the model their
value must parse into), events and scopes. Bolt's listeners, ``/credit help``, the App
Home and ``creditbot manifest`` are all made from these lists, so none of them can
forget something the others know; ``register`` is the only place that calls Bolt's
``app.command/action/event``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from handlers.errors import ack_only, guarded
from handlers.payloads import ActionValue
from handlers.render import Message

log = logging.getLogger("creditbot.registry")

COMMAND = "/credit"


@dataclass(frozen=True)
class Subcommand:
    """``/credit NAME …``; ``run(context, rest)`` answers within the acknowledgement."""

    name: str
    summary: str
    example: str
    run: Callable[[BoltContext, str], Message]
    aliases: tuple[str, ...] = ()
    needs_argument: str | None = None


@dataclass(frozen=True)
class Action:
    """A button. ``run(body, context)`` runs after the acknowledgement, with the parsed
    value in ``context["payload"]``. ``numbered`` buttons carry ids ``ID:0``, ``ID:1``…
    (Slack wants unique action ids within a block)."""

    action_id: str
    run: Callable[..., None]
    payload: type[ActionValue]
    numbered: bool = False


@dataclass(frozen=True)
class Event:
    name: str
    run: Callable[..., None]


@dataclass(frozen=True)
class Job:
    """Work the scheduler runs on its own. ``run(context)`` gets the services the
    composition root hands to jobs (as a listener gets Bolt's context: ``context["now"]``
    and the ports the job's package declares) and returns what it counted, e.g.
    ``{"processed_requests": 12}``; raising marks the run failed.

    ``schedule`` is a cron expression in the organisation's time zone; app.yaml's
    ``schedules`` section overrides it."""

    name: str
    summary: str
    schedule: str
    run: Callable[[Mapping[str, Any]], dict[str, int]]


@dataclass(frozen=True)
class Feature:
    name: str
    subcommands: tuple[Subcommand, ...] = ()
    actions: tuple[Action, ...] = ()
    events: tuple[Event, ...] = ()
    # Bot scopes the feature's Web API calls need.
    scopes: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()


@dataclass
class Catalogue:
    """Everything the features declare, looked up by name."""

    features: tuple[Feature, ...]
    _subcommands: dict[str, Subcommand] = field(init=False)
    _actions: dict[str, Action] = field(init=False)

    def __post_init__(self) -> None:
        self._subcommands = {}
        self._actions = {}
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

    @property
    def scopes(self) -> list[str]:
        return list(dict.fromkeys(s for f in self.features for s in f.scopes))

    def subcommand(self, word: str) -> Subcommand | None:
        return self._subcommands.get(word.lower())

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
                value = spec.payload.decode(str(pressed.get("value", "")))
                if value is None:
                    log.warning("refused %s: its value is not one creditbot wrote",
                                spec.action_id)
                    return BoltResponse(status=400, body="")
                context["payload"] = value
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
    for event in catalogue.events:
        app.event(event.name)(ack=ack_only, lazy=[guarded(event.run)])


def listener_count(catalogue: Catalogue) -> int:
    """How many Bolt listeners ``register`` adds (the manifest test holds them equal)."""
    return 1 + len(catalogue.actions) + len(catalogue.events)


def help_entries(catalogue: Catalogue) -> Iterable[Subcommand]:
    return catalogue.subcommands
