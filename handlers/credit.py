"""``/credit SUBCOMMAND ...``: find the subcommand (or its alias) in the catalogue,
answer within the acknowledgement."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from slack_bolt import Ack, BoltContext

from handlers.answer import answer
from handlers.help.blocks import help_message
from handlers.i18n import Translator
from handlers.registry import COMMAND, Catalogue
from handlers.render import Message, clip, escape


def on_credit(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    name, rest = split_command(str(command.get("text") or ""))
    answer(ack, context, lambda: dispatch(context, name, rest))


# Control characters never belong in a command (a NUL even breaks PostgreSQL's text).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def split_command(text: str) -> tuple[str, str]:
    """(subcommand, the rest) from what Slack sent. Slack escapes ``&``, ``<`` and ``>``
    in command text as HTML entities; they are turned back here, once, and escaped
    again wherever they are shown. Any whitespace separates the subcommand (a Chinese
    input method types a full-width space, or ``：`` after the word), and a full-width
    subcommand (``ｃｈｅｃｋ``) reads as its ASCII form."""
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = _CONTROL.sub(" ", text)
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    name = unicodedata.normalize("NFKC", parts[0])
    rest = parts[1].strip() if len(parts) > 1 else ""
    if ":" in name and not name.startswith(":"):  # "查询：华夏物流" → 查询, 华夏物流
        name, _, glued = name.partition(":")
        rest = f"{glued} {rest}".strip()
    return name, rest


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
