"""Block Kit as plain dicts, with every text made safe and clipped to Slack's limits.

Every piece of user or ERP text goes through ``user_text``: bidi controls stripped (a
right-to-left override must not reorder a card), ``&``, ``<`` and ``>`` escaped (a
customer called ``<!channel>`` pings nobody), and clipped without cutting an escape in
half. Messages are built as dicts rather than ``slack_sdk.models`` objects because the
latter validate on every ``to_dict()``, which cost more than the database work of a
check; the tests validate every message the bot sends with ``slack_sdk.models``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from domain.text import as_typed

# The most a message's blocks may take, as JSON: below the ~13,000 characters at which
# Slack answers msg_blocks_too_long (undocumented).
MESSAGE_BUDGET = 12_000


def size(blocks: list[dict[str, Any]]) -> int:
    """What a message's blocks weigh against MESSAGE_BUDGET."""
    return len(json.dumps(blocks, ensure_ascii=False))

Block = dict[str, Any]
Message = tuple[str, list[Block] | None]

# Block Kit's limits (api.slack.com/reference/block-kit).
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ELEMENTS_PER_ACTIONS = 25
ELEMENTS_PER_CONTEXT = 10
BLOCKS_PER_MESSAGE = 50
FALLBACK_TEXT = 3000

# Bidi controls (a right-to-left override reorders a card), zero-width and other
# invisible format characters (a name of 199 zero-width spaces looks blank), and control
# characters (ESC sequences from an ERP export): none is ever shown, but for the joiners
# where they join two characters (an emoji family 👨‍👩‍👧 showed as three people, a
# Persian name lost its shape).
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# The controls that separate words (a tab, a form feed, a carriage return, the
# information separators, NEL): a space, not nothing ("Tab\tName" read "TabName").
_SEPARATING = re.compile("[\t\x0b\x0c\r\x1c-\x1f\x85]")
_CUT_ENTITY = re.compile(r"&[a-z]{0,3}$")


def strip_invisible(text: str) -> str:
    return as_typed(_CONTROLS.sub("", _SEPARATING.sub(" ", text)))


# Control characters never belong in what a person types (a NUL even breaks PostgreSQL's
# text); line breaks and tabs do.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def without_controls(text: str) -> str:
    """``text`` with each control character but line breaks and tabs made a space."""
    return _CONTROL.sub(" ", text)


def escape(text: str) -> str:
    """Slack mrkdwn control characters; user and ERP text never pings or links anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; an escape sequence is never cut in half."""
    if len(text) <= limit:
        return text
    head = _CUT_ENTITY.sub("", text[: limit - 1])
    return head + "…"


def user_text(text: str, limit: int = SECTION_TEXT) -> str:
    """Text from a person or the ERP, ready for any field Slack parses as mrkdwn: it
    pings, links and formats nothing."""
    return clip(unformatted(strip_invisible(text)), limit)


# Slack mrkdwn has no escape for its formatting characters: a name such as "*SALE*"
# would turn bold. Their look-alikes read the same and format nothing.
_FORMATTING = str.maketrans({"*": "∗", "~": "∼", "`": "ˋ"})
# An underscore between two letters or digits (INV_2026_001) cannot open or close
# italics, which Slack only starts and ends at a word's edge: kept, so that an id copied
# from a card finds the invoice in the ERP. Any other (" _sale_ ", "x__y") is a look-alike.
_EDGE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")


# An emoji code in an ERP value (":rotating_light:" in a customer's name read as an alarm
# the bot raised): the colon opening one becomes a look-alike, so that it shows as
# written. The closing colon is only looked at, as it may open the next ("a:x:ok:").
# Codes without a letter (":100:") are left: they are also how times read (10:30:45).
_EMOJI_CODE = re.compile(r":(?=[\w+'-]*[a-z][\w+'-]*:)", re.IGNORECASE | re.ASCII)


def _neutral(text: str) -> str:
    shown = text.translate(_FORMATTING)
    return _EDGE_UNDERSCORE.sub("＿", shown) if "_" in shown else shown


def _no_emoji(text: str) -> str:
    return _EMOJI_CODE.sub("∶", text) if ":" in text else text


def unformatted(text: str) -> str:
    """A value quoted in a message (a name from the ERP, what a person typed): escaped,
    and its mrkdwn formatting characters shown as look-alikes that format nothing."""
    return escape(_neutral(text))


def quoted(text: str) -> str:
    """A value a refusal quotes (a customer's name from the ERP, what the person typed):
    as ``unformatted``, with nothing invisible and no emoji code."""
    return escape(_no_emoji(_neutral(strip_invisible(text))))


def erp_text(text: str, limit: int) -> str:
    """A name or id from the ERP for mrkdwn: on one line, nothing invisible, no
    formatting, no emoji code, no mention or link, at most ``limit`` characters."""
    # Spaces first (a tab or newline separates words), then what is never shown.
    flat = " ".join(strip_invisible(" ".join(text.split())).split())
    # Not what a person writes: their own ":white_check_mark:" is meant as one.
    return clip(quoted(flat), limit)


def person_text(text: str, limit: int) -> str:
    """What a person wrote (a reason, a comment, a question) for mrkdwn: their line
    breaks kept, otherwise as ``erp_text``. ``limit`` counts what they wrote, not the
    escaping Slack needs (``&`` is sent as ``&amp;``): cut after escaping, a form's
    2,000 characters with an "R&D" in them lost their end. The escaping may add a
    quarter; text made mostly of ``&<>`` is cut there."""
    lines = (" ".join(strip_invisible(line).split()) for line in text.splitlines())
    flat = "\n".join(line for line in lines if line)
    return clip(escape(_neutral(clip(flat, limit))), limit + limit // 4)


def blockquote(text: str, limit: int) -> str:
    """What a person wrote (``person_text``), as a quote: each of its lines marked."""
    return "\n".join("> " + line for line in person_text(text, limit).splitlines())


def _pieces(line: str) -> list[str]:
    """``line`` in pieces shorter than a section's text, never inside an entity; a quoted
    line's pieces quoted too."""
    prefix = "> " if line.startswith("> ") else ""
    pieces = []
    while len(line) >= SECTION_TEXT:
        cut = SECTION_TEXT - 1
        entity = line.rfind("&", cut - 5, cut)  # &amp; &lt; &gt; are five at most
        if entity != -1 and ";" not in line[entity:cut]:
            cut = entity
        pieces.append(line[:cut])
        line = prefix + line[cut:]
    return [*pieces, line]


def fits(blocks: list[Block]) -> bool:
    """Whether ``blocks`` make a message Slack takes whole: within MESSAGE_BUDGET, and no
    section's text cut at its limit by ``section`` (what people wrote lost its end)."""
    return size(blocks) <= MESSAGE_BUDGET and all(
        len(block["text"]["text"]) < SECTION_TEXT for block in blocks
        if block.get("type") == "section" and "text" in block)


def sections(text: str) -> list[Block]:
    """``text`` in as many sections as it takes, split between its lines (a long text
    that people wrote, quoted whole); a line longer than a section, within it."""
    lines = [piece for line in text.split("\n") for piece in _pieces(line)]
    blocks = []
    while lines:
        # The first line of a section has no line break before it.
        taken = max(fitting(lines, SECTION_TEXT + 1), 1)
        blocks.append(section("\n".join(lines[:taken])))
        del lines[:taken]
    return blocks


def plain(text: str, limit: int) -> str:
    """Text for a plain_text object (not parsed by Slack, so not escaped)."""
    return clip(strip_invisible(text), limit)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, HEADER_TEXT),
                                       "emoji": False}}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def fitting(lines: Sequence[str], room: int) -> int:
    """How many of ``lines``, from the first, fit in ``room`` characters, each with the
    line break before it: a long list is shown as whole lines and counted, where
    ``section`` would cut it mid-line, and with it the count of the rest."""
    used = 0
    for kept, line in enumerate(lines):
        used += len(line) + 1
        if used > room:
            return kept
    return len(lines)


def fields(*pairs: tuple[str, str]) -> Block:
    """A two-column section: (label, value) pairs, labels in bold."""
    return {"type": "section", "fields": [mrkdwn(f"*{label}*\n{value}", FIELD_TEXT)
                                          for label, value in pairs[:FIELDS_PER_SECTION]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:ELEMENTS_PER_CONTEXT]]}


def button(label: str, action_id: str, value: str, *, emoji: bool = True) -> Block:
    """``emoji``: False for a label holding ERP text, whose ``:warning:`` would show as
    the emoji."""
    if len(value) > BUTTON_VALUE:
        raise ValueError(f"button value for {action_id} is {len(value)} characters")
    return {"type": "button", "text": {"type": "plain_text", "text": plain(label, BUTTON_TEXT),
                                       "emoji": emoji},
            "action_id": action_id, "value": value}


def confirmed(block: Block, heading: str, question: str, yes: str, no: str) -> Block:
    """``block`` (a button) asking first, in Slack's own dialog, before it does what
    cannot be undone."""
    block["confirm"] = {
        "title": {"type": "plain_text", "text": plain(heading, 100)},
        "text": {"type": "plain_text", "text": plain(question, 300)},
        "confirm": {"type": "plain_text", "text": plain(yes, 30)},
        "deny": {"type": "plain_text", "text": plain(no, 30)},
        "style": "danger"}
    return block


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id,
            "elements": list(elements[:ELEMENTS_PER_ACTIONS])}


def message(fallback: str, blocks: list[Block]) -> Message:
    """``fallback`` is the notification text: it must already be escaped."""
    return clip(fallback, FALLBACK_TEXT), blocks[:BLOCKS_PER_MESSAGE]
