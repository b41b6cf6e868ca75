"""``/credit SUBCOMMAND ...``: find the subcommand (or its alias) in the catalogue,
answer within the acknowledgement."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.answer import answer
from handlers.help.blocks import help_message
from handlers.i18n import Translator
from handlers.registry import COMMAND, Catalogue
from handlers.render import Message, clip, escape


def on_credit(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    # Chinese input methods type a full-width space between words.
    text = (command.get("text") or "").replace("\u3000", " ").strip()
    name, _, rest = text.partition(" ")
    answer(ack, context, lambda: dispatch(context, name, rest.strip()))


def dispatch(context: BoltContext, name: str, rest: str) -> Message:
    catalogue: Catalogue = context["catalogue"]
    tr: Translator = context["tr"]
    subcommand = catalogue.subcommand(name or "help")
    if subcommand is None:
        return help_message(catalogue, tr, problem=tr._(
            "{command} is not something I know.", command=f"`{COMMAND} {_safe(name)}`"))
    if subcommand.needs_argument and not rest:
        return help_message(catalogue, tr, problem=tr._(
            "{command} needs {what}: {example}", command=f"`{COMMAND} {subcommand.name}`",
            what=tr._(subcommand.needs_argument),
            example=f"`{COMMAND} {subcommand.name} {subcommand.example}`"))
    return subcommand.run(context, rest)


def _safe(word: str) -> str:
    return clip(escape(word.replace("`", "'")), 40)
