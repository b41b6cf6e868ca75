"""``/credit SUBCOMMAND ...``: parse, dispatch, and answer within the acknowledgement."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltContext

from handlers.answer import Message, answer
from handlers.blocks.common import clip, escape
from handlers.blocks.help import help_message
from handlers.check import position_message
from handlers.errors import guarded

COMMAND = "/credit"


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    example: str
    run: Callable[[BoltContext, str], Message]
    needs_argument: str | None = None


def _help(context: BoltContext, _rest: str) -> Message:
    return help_message(COMMAND, entries())


SUBCOMMANDS: dict[str, Subcommand] = {
    s.name: s for s in (
        Subcommand("check", "credit position of a customer: limit, exposure, available "
                            "credit, overdue and aging", "acme",
                   position_message,
                   needs_argument="a customer id or name"),
        Subcommand("help", "this list", "", _help),
    )
}


def entries() -> list[tuple[str, str, str]]:
    return [(s.name, s.summary, s.example) for s in SUBCOMMANDS.values()]


def on_credit(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    name, _, rest = (command.get("text") or "").strip().partition(" ")
    answer(ack, context, lambda: _dispatch(context, name, rest.strip()))


def _dispatch(context: BoltContext, name: str, rest: str) -> Message:
    subcommand = SUBCOMMANDS.get(name.lower() or "help")
    if subcommand is None:
        return help_message(COMMAND, entries(),
                            problem=f"`{COMMAND} {_safe(name)}` is not something I know.")
    if subcommand.needs_argument and not rest:
        return help_message(
            COMMAND, entries(),
            problem=f"`{COMMAND} {subcommand.name}` needs {subcommand.needs_argument}: "
                    f"`{COMMAND} {subcommand.name} {subcommand.example}`")
    return subcommand.run(context, rest)


def _safe(word: str) -> str:
    return escape(clip(word.replace("`", "'"), 40))


def register(app: App) -> None:
    app.command(COMMAND)(guarded(on_credit))
