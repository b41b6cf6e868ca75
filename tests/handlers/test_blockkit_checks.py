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


def test_a_text_with_nothing_in_it_is_refused_wherever_it_is():
    # slack_sdk let an invitation's empty header through; Slack answers invalid_blocks.
    header = {"type": "header", "text": {"type": "plain_text", "text": ""}}
    button = {"type": "actions", "elements": [{"type": "button", "action_id": "a",
                                               "text": {"type": "plain_text", "text": " "}}]}
    assert problems([section("fine"), header, button]) == [
        "block 1 (header): a plain_text text is empty (''); Slack wants at least one "
        "character",
        "block 2 (actions): a plain_text text is empty (' '); Slack wants at least one "
        "character",
    ]


def test_a_text_field_longer_than_slack_takes_is_refused():
    def field(**lengths: int) -> dict:
        return {"type": "input", "block_id": "f", "label": {"type": "plain_text", "text": "F"},
                "element": {"type": "plain_text_input", "action_id": "f", **lengths}}

    assert problems([field(max_length=3000, min_length=0)], limit=100) == []
    assert problems([field(max_length=3001)], limit=100) == [
        "block 0 (input): max_length 3001; Slack takes 1 to 3000"]
    assert problems([field(max_length=0, min_length=3001)], limit=100) == [
        "block 0 (input): max_length 0; Slack takes 1 to 3000",
        "block 0 (input): min_length 3001; Slack takes 0 to 3000"]
