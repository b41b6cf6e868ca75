from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.i18n import Translator
from handlers.render import Message, context, message, section

if TYPE_CHECKING:
    from handlers.registry import Catalogue


def help_message(catalogue: Catalogue, tr: Translator, problem: str | None = None,
                 typed: str = "") -> Message:
    """Every subcommand with what it does, its aliases and an example. ``problem`` is
    already escaped and translated; ``typed``: the word that was no subcommand."""
    from handlers.registry import COMMAND

    lines = []
    for sub in catalogue.subcommands:
        line = f"• `{COMMAND} {sub.name}`"
        if sub.aliases:
            line += tr._(" (also {aliases})", aliases=tr.listing(
                f"`{COMMAND} {alias}`" for alias in sub.aliases))
        line += f" — {tr._(sub.summary)}"
        if sub.example:
            line += "\n      " + tr._("e.g. {example}",
                                      # An example with words reads in the
                                      # reader's language ("+100k 第一季度订单增加").
                                      example=f"`{COMMAND} {sub.name} {tr._(sub.example)}`")
        lines.append(line)
    head = f":warning: {problem}\n\n" if problem else ""
    title = tr._("What {command} can do", command=f"`{COMMAND}`")
    blocks = [
        section(f"{head}*{title}*\n" + "\n".join(lines)),
        context(tr._("Customers can be named by id, by name, by the start of the name, or "
                     "roughly — creditbot asks when it is not sure. A customer group's id "
                     "shows the whole group.")),
    ]
    hint = tr._("Try {command}.",
                command=f"`{COMMAND} {catalogue.written_like('help', typed)}`")
    # Sentences are joined with a space in English, with none in Chinese.
    text = tr._("{problem} {hint}", problem=problem, hint=hint) if problem else hint
    return message(text, blocks)
