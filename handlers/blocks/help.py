from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slack_sdk.models.blocks import ContextBlock, MarkdownTextObject, SectionBlock

from handlers.blocks.common import to_dicts


def help_message(command: str, entries: Iterable[tuple[str, str, str]],
                 problem: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """``entries`` are (subcommand, what it does, example arguments)."""
    lines = [f"• `{command} {name}` — {summary}"
             + (f"\n      e.g. `{command} {name} {example}`" if example else "")
             for name, summary, example in entries]
    head = f":warning: {problem}\n\n" if problem else ""
    blocks = [
        SectionBlock(text=MarkdownTextObject(
            text=f"{head}*What `{command}` can do*\n" + "\n".join(lines))),
        ContextBlock(elements=[MarkdownTextObject(
            text="Customers can be named by id, by name, by the start of the name, or "
                 "roughly — creditbot asks when it is not sure.")]),
    ]
    text = (problem + " " if problem else "") + f"Try `{command} help`."
    return text, to_dicts(blocks)
