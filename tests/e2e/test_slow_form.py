"""A form submitted while the records are slow to answer (an import's merge holds SQLite's
writers' turn): answered within Slack's 3 s, then told what happened.

The delivery's claim waited up to 2 s for the turn, then the decision 2 s more: the
answer came after 4 s, Slack dropped it and showed its own error, even when the
approval was recorded."""

from __future__ import annotations

import json
import time

import pytest

from handlers.form_submit import RECORDED, STILL_RECORDING
from storage.write_gate import SqliteWriteGate
from tests.e2e.conftest import CREDIT_MANAGER, World
from tests.e2e.test_approval_decisions import (
    CREDIT_CHANNEL,
    decisions,
    file_request,
    open_modal,
    shown,
)
from tests.storage.test_write_gate import held_by_another_writer

# The form would have shown it beside its first field.
NOT_ANSWERING = ("The credit records are not answering just now, so nothing was changed. "
                 "Please try again in a minute.\nClose this and open the form again.")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("held", "told", "decided"), [
    # The claim is given up on at 1.5 s, the decision gets the turn at 2.5 s.
    (2.5, RECORDED, 1),
    # The claim is given up on, then the decision waits its 2 s: nothing was recorded.
    (5.0, NOT_ANSWERING, 0),
], ids=["recorded", "not-answering"])
def test_a_slow_submission_is_answered_in_time_and_then_told_its_outcome(
        world: World, held: float, told: str, decided: int) -> None:
    request_id = file_request(world)
    view = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, CREDIT_CHANNEL),
                      "Approve")
    # Another process's gate on the same file: an import's merge writing.
    importing = SqliteWriteGate(world.services.engine.url.database)
    with held_by_another_writer(importing, seconds=held):
        started, sent = time.monotonic(), time.time()
        answer = world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"})
        took = time.monotonic() - started
        assert took < 2.6, f"answered after {took:.2f} s"
        # Closed by "Close": the form's "Cancel" under "Recorded" read as undoing it.
        assert json.loads(answer.body) == {"response_action": "update", "view": {
            "type": "modal", "title": view["title"],
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn",
                                                    "text": STILL_RECORDING}}]}}
    [update] = world.emulator.wait_for("views.update", timeout=10)
    # Not before Slack has the answer that put the note up (or gave up on it, at 3 s):
    # an update overtaking it was overwritten by the note.
    assert update.at - sent >= 3.4
    assert update.args["view_id"] == view["id"]
    shown_after = update.args["view"]
    shown_after = json.loads(shown_after) if isinstance(shown_after, str) else shown_after
    assert shown_after["blocks"] == [{"type": "section",
                                      "text": {"type": "mrkdwn", "text": told}}]
    assert len(decisions(world, request_id)) == decided


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refusal_the_closed_note_cannot_show_reaches_the_approver_by_message(
        world: World) -> None:
    # "You can close it, and the outcome reaches you": once the note was closed, a form
    # not recorded said so to nobody.
    request_id = file_request(world)
    view = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, CREDIT_CHANNEL),
                      "Approve")
    world.emulator.fail("views.update", "error", error="not_found")  # the note closed
    with held_by_another_writer(SqliteWriteGate(world.services.engine.url.database),
                                seconds=5.0):
        answer = world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"})
        assert json.loads(answer.body)["response_action"] == "update"
    told = [c.args["text"] for c in world.emulator.wait_for(
        "chat.postMessage", timeout=10) if c.args.get("channel") == CREDIT_MANAGER]
    assert told == [
        f"Your form “{view['title']['text']}” was not recorded: The credit records are not "
        "answering just now, so nothing was changed. Please try again in a minute."]
    assert decisions(world, request_id) == []
