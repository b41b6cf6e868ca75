"""Block Kit as readable terminal output: headers, fields, context, numbered buttons."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

_MENTION = re.compile(r"<([@#])([A-Z0-9]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")


def mrkdwn_to_rich(text: str, name_of: Callable[[str], str]) -> str:
    """Slack mrkdwn (already escaped by the bot) to rich markup."""
    text = _MENTION.sub(lambda m: f"{m.group(1)}{name_of(m.group(2))}", text)
    # A Slack date token shows its fallback where the client cannot localise it.
    text = _DATE.sub(lambda m: m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    text = rich_escape(text)
    text = re.sub(r"\*([^*\n]+)\*", r"[bold]\1[/bold]", text)
    text = re.sub(r"`([^`\n]+)`", r"[cyan]\1[/cyan]", text)
    return re.sub(r":(red_circle|large_orange_circle|warning|lock):",
                  lambda m: {"red_circle": "🔴", "large_orange_circle": "🟠", "warning": "⚠️",
                             "lock": "🔒"}[m.group(1)], text)


def render_message(console: Console, blocks: list[dict[str, Any]], fallback: str,
                   name_of: Callable[[str], str]) -> list[dict[str, Any]]:
    """Prints the message; returns its buttons in the order they are numbered."""
    buttons: list[dict[str, Any]] = []
    if not blocks:
        console.print(mrkdwn_to_rich(fallback, name_of))
        return buttons
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            console.print(f"[bold underline]{rich_escape(block['text']['text'])}[/]")
        elif kind == "section":
            if block.get("text"):
                console.print(mrkdwn_to_rich(block["text"]["text"], name_of))
            if block.get("fields"):
                grid = Table.grid(padding=(0, 3))
                grid.add_column()
                grid.add_column()
                cells = [mrkdwn_to_rich(f["text"], name_of) for f in block["fields"]]
                for i in range(0, len(cells), 2):
                    grid.add_row(*cells[i:i + 2], *([""] if i + 1 >= len(cells) else []))
                console.print(grid)
        elif kind == "context":
            parts = [mrkdwn_to_rich(e.get("text", ""), name_of) for e in block["elements"]]
            console.print(f"[dim]{'  '.join(parts)}[/dim]")
        elif kind == "divider":
            console.print("[dim]" + "─" * 40 + "[/dim]")
        elif kind == "actions":
            labels = []
            for element in block["elements"]:
                if element.get("type") == "button":
                    buttons.append(element)
                    labels.append(f"[reverse] {len(buttons)} [/reverse] "
                                  f"{rich_escape(element['text']['text'])}")
            console.print("   ".join(labels))
    return buttons
