"""The emulator's Block Kit checks hold what Slack refuses, so a message over a limit
fails in the tests and the sandbox rather than in front of a person."""

import json

from bot.sandbox.blockkit import MESSAGE_JSON, problems


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_a_message_whose_blocks_are_too_long_in_all_is_refused():
    fits = [section("x" * 2900)] * 4
    assert problems(fits) == []
    over = [section("x" * 2900)] * 5
    size = len(json.dumps(over))
    assert size > MESSAGE_JSON
    assert problems(over) == [f"blocks of {size} characters as JSON; Slack refuses a "
                              f"message's blocks beyond about {MESSAGE_JSON}"]


def test_a_view_may_be_longer_than_a_message():
    assert problems([section("x" * 2900)] * 5, limit=100) == []
