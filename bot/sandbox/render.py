"""Block Kit as readable terminal output: headers, fields, context, numbered buttons."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import UTC
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import icalendar
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table
from rich.text import Text

from bot.sandbox.forms import Form, fillable, option_label, shown_value
from handlers.i18n import Translator

_MENTION = re.compile(r"<([@#])([A-Z0-9]+)(?:\|[^>]*)?>")
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
# The emoji creditbot's messages use, as a terminal shows them.
_EMOJI = {"red_circle": "🔴", "large_orange_circle": "🟠", "large_blue_circle": "🔵",
          "warning": "⚠️", "lock": "🔒", "thread": "🧵", "white_check_mark": "✅", "zzz": "💤"}
_EMOJI_CODE = re.compile(":(" + "|".join(_EMOJI) + "):")


def mrkdwn_to_rich(text: str, name_of: Callable[[str], str]) -> str:
    """Slack mrkdwn (already escaped by the bot) to rich markup."""
    text = _MENTION.sub(lambda m: f"{m.group(1)}{name_of(m.group(2))}", text)
    # A Slack date token shows its fallback where the client cannot localise it.
    text = _DATE.sub(lambda m: m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    # A code span shows its characters as they are, as Slack does: no bold inside it, and
    # a backslash at its end must not escape the closing tag. It is set aside while the
    # rest is formatted, so that bold around one (*What `/credit` can do*) is still bold.
    spans: list[str] = []

    def aside(found: re.Match[str]) -> str:
        spans.append(_code(found.group(1)[1:-1]))
        return f"\x00{len(spans) - 1}\x00"

    formatted = _formatted(_CODE_SPAN.sub(aside, text.replace("\x00", "")))
    return _ASIDE.sub(lambda found: spans[int(found.group(1))], formatted)


_CODE_SPAN = re.compile(r"(`[^`\n]+`)")
_ASIDE = re.compile("\x00(\\d+)\x00")


def _code(text: str) -> str:
    # Escaped on its own, a backslash at its end is doubled (rich's escape), not left to
    # escape the closing tag.
    return f"[cyan]{rich_escape(text)}[/cyan]"


def _formatted(text: str) -> str:
    text = rich_escape(text)
    text = re.sub(r"\*([^*\n]+)\*", r"[bold]\1[/bold]", text)
    text = re.sub(r"(?<![\w])_([^_\n]+)_(?![\w])", r"[italic]\1[/italic]", text)
    text = re.sub(r"(?<![\w])~([^~\n]+)~(?![\w])", r"[strike]\1[/strike]", text)
    return _EMOJI_CODE.sub(lambda m: _EMOJI[m.group(1)], text)


def letter(index: int) -> str:
    """A menu option's letter: a … z, then aa, ab … (letters, so that menus never take
    a button's number)."""
    word = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        word = chr(ord("a") + rest) + word
    return word


def render_message(console: Console, blocks: list[dict[str, Any]], fallback: str,
                   name_of: Callable[[str], str], numbered: int = 0,
                   lettered: int = 0) -> list[dict[str, Any]]:
    """Prints the message; returns its buttons in the order they are numbered, then its
    ``⋯`` menus' options in the order they are lettered (each as what its press sends:
    ``selected_option`` with the menu's action id). The first button is numbered
    ``numbered + 1`` and the first option lettered ``letter(lettered)``: several
    messages shown at once (a job's digests) number on from one another, so each
    number presses one button and each letter picks one option."""
    buttons: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []

    def label(element: dict[str, Any]) -> str:
        buttons.append(element)
        return f"[reverse] {numbered + len(buttons)} [/reverse] " \
               f"{rich_escape(element['text']['text'])}"

    def menu(element: dict[str, Any], block_id: Any) -> str:
        labels = []
        for option in element.get("options") or []:
            choices.append({"action_id": element.get("action_id"), "block_id": block_id,
                            "selected_option": option, "text": option["text"]})
            labels.append(f"[reverse] {letter(lettered + len(choices) - 1)} [/reverse] "
                          f"{rich_escape(option['text']['text'])}")
        return "⋯ " + "  ".join(labels)

    if not blocks:
        console.print(mrkdwn_to_rich(fallback, name_of))
        return buttons
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            # Slack draws ":rotating_light:" in plain text as an emoji only when asked to.
            console.print(f"[bold underline]{rich_escape(block['text']['text'])}[/]",
                          emoji=bool(block["text"].get("emoji", True)))
        elif kind == "section":
            if block.get("text"):
                _print_text(console, mrkdwn_to_rich(block["text"]["text"], name_of))
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "button":  # e.g. Cancel beside a request
                console.print("    " + label(accessory))
            elif accessory.get("type") == "overflow":
                console.print("    " + menu(accessory, block.get("block_id")))
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
            labels = [label(element) if element.get("type") == "button"
                      else menu(element, block.get("block_id"))
                      for element in block["elements"]
                      if element.get("type") in ("button", "overflow")]
            for row in rows_of(labels, console.width, "   "):
                console.print(row)
    return [*buttons, *choices]


def rows_of(pieces: list[str], width: int, gap: str) -> list[str]:
    """Pieces of rich markup (buttons, counts) on as few lines of ``width`` as they fit,
    ``gap`` between two on a line, never one split across two lines: a button's number
    stays next to its label."""
    rows: list[str] = []
    used = 0
    for label in pieces:
        size = Text.from_markup(label).cell_len
        if rows and used + len(gap) + size <= width:
            rows[-1] += gap + label
            used += len(gap) + size
        else:
            rows.append(label)
            used = size
    return rows


# Lines that start a list item: a bullet, and a request's decision in its history.
_MARKERS = ("•", "  ↳")


def _print_text(console: Console, markup: str) -> None:
    """A section's text; a run of "• " (or history's "  ↳ ") lines as a list whose lines
    wrap under their text, not under the bullet."""
    bullets: list[tuple[str, str]] = []

    def flush() -> None:
        if bullets:
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            for marker, item in bullets:
                text = Text.from_markup(item)
                if not any(_wide(c) for c in text.plain):
                    grid.add_row(marker, item)
                    continue
                # Chinese breaks as in a plain line ("fold" cut "US" from its "D").
                lines = cjk_lines(text, max(console.width - len(marker) - 1, 10))
                grid.add_row(marker, Text("\n").join(lines))
            console.print(grid)
            bullets.clear()

    for line in markup.split("\n"):
        marker = next((m for m in _MARKERS if line.startswith(m + " ")), None)
        if marker is not None:
            if bullets and bullets[-1][0] != marker:
                flush()  # one list per marker: each its own indent
            bullets.append((marker, line[len(marker) + 1:]))
            continue
        flush()
        text = Text.from_markup(line)
        if not any(_wide(c) for c in text.plain):
            console.print(line)
            continue
        for part in cjk_lines(text, console.width):
            console.print(part, soft_wrap=True)
    flush()


# A line of Chinese or Japanese does not start with these, nor end with the openers.
_NO_START = set("，。、；：？！）」』】》〉”’％·…")
_NO_END = set("（「『【《〈“‘")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _cells(char: str) -> int:
    return 2 if _wide(char) else (0 if unicodedata.combining(char) else 1)


def _may_break_before(plain: str, i: int) -> bool:
    """Whether a line may start at ``plain[i]``: after a space, or between two characters
    where one is wide (Chinese has no spaces between words), but never so that a number
    and the measure word after it part (``共 3 页`` is not cut before 页), nor before
    closing punctuation or after an opening one."""
    before, char = plain[i - 1], plain[i]
    if char.isspace() or char in _NO_START or before in _NO_END:
        return False
    if before.isspace():  # "3 页", "90+ 天", "5% 的": the figure and what it counts
        return not (i >= 2 and (plain[i - 2].isdigit() or plain[i - 2] in "+%")
                    and _wide(char))
    return _wide(before) or _wide(char)


def cjk_lines(text: Text, width: int) -> list[Text]:
    """``text`` in lines of at most ``width`` cells, broken where Chinese may break (rich
    breaks only at spaces: a line of Chinese ran past the terminal's edge, or was cut
    between a number and its measure word)."""
    plain = text.plain
    cuts: list[int] = []
    start, used, last = 0, 0, None
    for i, char in enumerate(plain):
        size = _cells(char)
        if i > start and _may_break_before(plain, i):
            last = i
        if used + size > width and i > start and not char.isspace():
            cut = last if last is not None and last > start else i
            cuts.append(cut)
            start, last = cut, None
            used = sum(map(_cells, plain[start:i]))
        used += size
    lines = text.divide(cuts)
    for line in lines:
        line.rstrip()
    return list(lines)


def render_form(console: Console, form: Form, name_of: Callable[[str], str],
                people: Mapping[str, str], tr: Translator) -> None:
    """Prints a modal as a form: its title, its other blocks as in a message, and each
    input field numbered with its label, block id (what a script names it by), whether
    it is optional, its hint, its value, a select's numbered choices and any error."""
    console.print(f"[bold reverse] {rich_escape(form.title)} [/bold reverse] [dim]"
                  + rich_escape(tr._("(a form)")) + "[/dim]")
    numbers = {f.block_id: i for i, f in enumerate(form.fields, 1)}
    for block in form.view.get("blocks") or []:
        if block.get("type") != "input":
            render_message(console, [block], "", name_of)
            continue
        number = numbers.get(str(block.get("block_id")))
        if number is None:
            continue
        f = form.fields[number - 1]
        optional = "  [dim]" + rich_escape(tr._("(optional)")) + "[/dim]" if f.optional else ""
        console.print(f"[bold]{number}. {rich_escape(f.label)}[/bold] "
                      f"[dim]\\[{rich_escape(f.block_id)}][/dim]{optional}")
        if f.options:
            chosen = f.value if isinstance(f.value, list) else [f.value]
            labels = [("[bold]● " if o in chosen else "○ ")
                      + f"{i}) {rich_escape(option_label(o))}" + ("[/bold]" if o in chosen else "")
                      for i, o in enumerate(f.options, 1)]
            for row in rows_of(labels, max(console.width - 4, 20), "   "):
                console.print("    " + row)
        elif f.empty:
            empty = tr._("empty") + (f" — {f.placeholder}" if f.placeholder else "")
            console.print("    [dim]" + rich_escape(empty) + "[/dim]")
        else:
            lines = shown_value(f, people).split("\n")
            console.print("\n".join("    [cyan]" + rich_escape(line) + "[/cyan]"
                                    for line in lines))
        if not fillable(f):
            console.print("    [yellow]" + rich_escape(tr._(
                "The sandbox can't fill a field of type {kind}; leave it empty.",
                kind=f.kind)) + "[/yellow]")
        if f.hint:
            console.print("    [dim]" + rich_escape(f.hint) + "[/dim]")
        if f.error:
            console.print("    [bold red]⚠ " + rich_escape(f.error) + "[/bold red]")
    buttons = [f"[reverse] {rich_escape(label)} [/reverse]"
               for label in (form.submit, form.close) if label]
    if buttons:
        console.print("   ".join(buttons))


def calendar_event(content: bytes | None, tr: Translator) -> str | None:
    """What a calendar file does, as a calendar would add it: its event's start and end
    in UTC (the times every calendar converts from), its repetition, or that it cancels
    the event. None when it is no calendar."""
    try:
        calendar = icalendar.Calendar.from_ical(content or b"")
        event = calendar.walk("VEVENT")[0]
        start = event.decoded("dtstart").astimezone(UTC)
        end = event.decoded("dtend").astimezone(UTC)
    except (ValueError, IndexError, KeyError, AttributeError):
        return None
    if str(calendar.get("method", "")).upper() == "CANCEL":
        return tr._("cancels the event of {start} UTC", start=f"{start:%Y-%m-%d %H:%M}")
    text = tr._("event {start}–{end} UTC", start=f"{start:%Y-%m-%d %H:%M}",
                end=f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}")
    rule = event.get("rrule")
    if rule is not None:
        text += ", " + tr._("repeats {rule}", rule=rule.to_ical().decode())
    return text


def png_size(content: bytes | None) -> tuple[int, int] | None:
    """A PNG's width and height from its header; None for anything else."""
    if not content or len(content) < 24 or content[:8] != b"\x89PNG\r\n\x1a\n" \
            or content[12:16] != b"IHDR":
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


def file_size(size: int, tr: Translator) -> str:
    """Bytes as a person reads them: 812 bytes, 23.4 KB, 1.2 MB (1 KB = 1,024 bytes)."""
    if size < 1024:
        return tr.ngettext("{n} byte", "{n} bytes", size)
    if size < 1024 * 1024:
        return tr._("{size} KB", size=tr.number(_tenths(size, 1024)))
    return tr._("{size} MB", size=tr.number(_tenths(size, 1024 * 1024)))


def _tenths(size: int, unit: int) -> Decimal:
    return (Decimal(size) / unit).quantize(Decimal("0.1"), ROUND_HALF_UP)


def render_files(console: Console, files: list[dict[str, Any]],
                 content_of: Callable[[str], bytes | None], tr: Translator) -> None:
    """The files shared with a message, one line each: 📎 name — title, size and a
    picture's dimensions, as Slack shows them under the message."""
    for shared in files:
        name, title = str(shared.get("name", "")), str(shared.get("title") or "")
        details = [file_size(int(shared.get("size", 0)), tr)]
        dimensions = png_size(content_of(str(shared.get("id", ""))))
        if dimensions is not None:
            details.append(tr._("{width}×{height} px", width=dimensions[0],
                                height=dimensions[1]))
        event = calendar_event(content_of(str(shared.get("id", ""))), tr) \
            if name.endswith(".ics") else None
        if event:
            details.append(event)
        line = f"📎 [bold]{rich_escape(name)}[/bold]"
        if title and title != name:
            line += " — " + rich_escape(title)
        console.print(line + " [dim](" + rich_escape(", ".join(details)) + ")[/dim]")
