"""Slack's Block Kit checks, applied by the emulator and the driver as Slack applies
them: the bot builds messages as plain dicts, so this is where a block over Slack's
limits (or of an unknown type) is caught — in the tests and the sandbox, not in front
of a person."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
FIELD_TEXT = 2000  # slack_sdk does not check this one
INPUT_LENGTH = 3000  # a text field's max_length and min_length: nor this one
# A message's blocks as JSON: Slack answers msg_blocks_too_long beyond about this many
# characters whatever the per-block limits allow (undocumented; slackapi/bolt-js#2509).
MESSAGE_JSON = 13_000


def problems(blocks: Any, limit: int = MESSAGE_BLOCKS) -> list[str]:
    """What Slack would refuse in ``blocks`` (empty when they are fine)."""
    if blocks in (None, ""):
        return []
    if not isinstance(blocks, list):
        return [f"blocks must be a list, got {type(blocks).__name__}"]
    found = []
    if len(blocks) > limit:
        found.append(f"{len(blocks)} blocks; at most {limit}")
    size = len(json.dumps(blocks, ensure_ascii=False))
    if limit == MESSAGE_BLOCKS and size > MESSAGE_JSON:
        found.append(f"blocks of {size} characters as JSON; Slack refuses a message's "
                     f"blocks beyond about {MESSAGE_JSON}")
    for i, raw in enumerate(blocks):
        block = Block.parse(raw) if isinstance(raw, dict) else None
        if block is None:
            found.append(f"block {i}: not a block Slack knows: {str(raw)[:80]}")
            continue
        try:
            block.to_dict()
        except SlackObjectFormationError as problem:
            found.append(f"block {i} ({raw.get('type')}): {problem}")
        for field in raw.get("fields") or []:
            if len(field.get("text", "")) > FIELD_TEXT:
                found.append(f"block {i}: a field is over {FIELD_TEXT} characters")
        found.extend(f"block {i} ({raw.get('type')}): {problem}"
                     for problem in _blank_texts(raw) + _input_lengths(raw.get("element")))
    ids = [raw.get("block_id") for raw in blocks if isinstance(raw, dict)]
    repeated = sorted({str(b) for b in ids if b is not None and ids.count(b) > 1})
    if repeated:
        # Slack refuses the whole message: a block_id is unique within it.
        found.append(f"block_id repeated: {', '.join(repeated)}")
    return found


def _input_lengths(element: Any) -> list[str]:
    """A text field's bounds beyond Slack's: it refuses the whole view."""
    if not isinstance(element, dict) or element.get("type") != "plain_text_input":
        return []
    bounds = {"max_length": (1, INPUT_LENGTH), "min_length": (0, INPUT_LENGTH)}
    return [f"{key} {element[key]}; Slack takes {low} to {high}"
            for key, (low, high) in bounds.items()
            if key in element and not low <= element[key] <= high]


def _blank_texts(value: Any) -> list[str]:
    """Text objects with nothing to show: Slack refuses a text of no character (a
    header, a button, a field), which slack_sdk lets through."""
    if isinstance(value, list):
        return [p for item in value for p in _blank_texts(item)]
    if not isinstance(value, dict):
        return []
    if value.get("type") in ("plain_text", "mrkdwn") and isinstance(value.get("text"), str):
        return [] if value["text"].strip() else [
            f"a {value['type']} text is empty ({value['text']!r}); Slack wants at least "
            "one character"]
    return [p for item in value.values() for p in _blank_texts(item)]
