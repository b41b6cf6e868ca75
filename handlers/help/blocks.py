from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.render import Message, context, message, section

if TYPE_CHECKING:
    from handlers.registry import Catalogue


def help_message(catalogue: Catalogue, problem: str | None = None) -> Message:
    """Every subcommand with what it does, its aliases and an example. ``problem`` is
    already escaped."""
    from handlers.registry import COMMAND

    lines = []
    for sub in catalogue.subcommands:
        also = f" (also `{COMMAND} {'`, `'.join(sub.aliases)}`)" if sub.aliases else ""
        line = f"• `{COMMAND} {sub.name}`{also} — {sub.summary}"
        if sub.example:
            line += f"\n      e.g. `{COMMAND} {sub.name} {sub.example}`"
        lines.append(line)
    head = f":warning: {problem}\n\n" if problem else ""
    blocks = [
        section(f"{head}*What `{COMMAND}` can do*\n" + "\n".join(lines)),
        context("Customers can be named by id, by name, by the start of the name, or "
                "roughly — creditbot asks when it is not sure. A customer group's id "
                "shows the whole group."),
    ]
    return message((problem + " " if problem else "") + f"Try `{COMMAND} help`.", blocks)
