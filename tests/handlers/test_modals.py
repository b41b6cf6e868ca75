"""Modals declared in the registry: metadata parsed or the request refused, field errors
in the acknowledgement, slow work after it; and reading what a person submitted."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult

from bot.sandbox.driver import view_state
from domain.errors import DomainError, RecordsUnavailable
from handlers import modals
from handlers.i18n import translator
from handlers.payloads import ActionValue
from handlers.registry import Catalogue, Feature, View, listener_count, register


class Where(ActionValue):
    channel: str | None


def _view(metadata: str) -> dict[str, Any]:
    view = modals.modal("test_modal", Where(channel="C1"), title="Test", submit="Send",
                        close="Cancel", blocks=[modals.text_input("reason", "Reason")])
    view["private_metadata"] = metadata
    return view


class _Client:
    """Slack's views.update and chat.postMessage, as the listener calls them: what each
    call showed. ``closed``: the person closed the note (Slack answers not_found)."""

    def __init__(self, order: list[str], closed: bool = False) -> None:
        self.order, self.closed = order, closed

    def views_update(self, view_id: str, view: dict[str, Any]) -> None:
        if self.closed:
            from slack_sdk.errors import SlackApiError
            from slack_sdk.web import SlackResponse

            raise SlackApiError("not_found", SlackResponse(
                client=None, http_verb="POST", api_url="views.update", req_args={},
                data={"ok": False, "error": "not_found"}, headers={}, status_code=200))
        self.order.append(f"{view_id}: {view['blocks'][0]['text']['text']}")

    def chat_postMessage(self, channel: str, text: str) -> None:
        self.order.append(f"{channel}: {text}")


def _app(submit, client: _Client | None = None,
         background: ThreadPoolExecutor | None = None) -> tuple[App, Catalogue]:
    catalogue = Catalogue((Feature("test", views=(View("test_modal", Where, submit),)),))
    app = App(authorize=lambda **_: AuthorizeResult(enterprise_id=None, team_id="T1",
                                                     bot_token="xoxb-test"),
              signing_secret="s", request_verification_enabled=False,
              token_verification_enabled=False, process_before_response=True)
    background = background or ThreadPoolExecutor(1)

    @app.use
    def deps(context, next):  # what handlers.middleware adds, minimally
        context["deps"] = SimpleNamespace(background=background)
        context["tr"] = translator("en-US")
        if client is not None:
            context["client"] = client
        next()

    register(app, catalogue, lambda **_: None)
    return app, catalogue


def _submit(app: App, reason: str | None, metadata: str | None = None):
    view = {**_view(metadata if metadata is not None else Where(channel="C1").encode()),
            "id": "V1"}
    view["state"] = {"values": view_state(view, {"reason": reason})}
    payload = {"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"},
               "api_app_id": "A1", "view": view}
    body = urlencode({"payload": json.dumps(payload)})
    return app.dispatch(BoltRequest(body=body, headers={
        "content-type": ["application/x-www-form-urlencoded"]}))


def test_field_errors_travel_in_the_ack_and_the_metadata_is_parsed():
    seen = []

    def submit(view, context):
        seen.append((context["metadata"], modals.submitted(view)))
        return {"reason": "Write why."} if not modals.submitted(view)["reason"] else None

    app, catalogue = _app(submit)
    # The command, the view, and the seven for what no listener takes.
    assert listener_count(catalogue) == len(app._listeners) == 9
    refused = _submit(app, None)
    assert refused.status == 200
    assert json.loads(refused.body) == {"response_action": "errors",
                                        "errors": {"reason": "Write why."}}
    closed = _submit(app, "  bigger orders ")
    assert closed.status == 200 and closed.body == ""
    assert seen == [(Where(channel="C1"), {"reason": None}),
                    (Where(channel="C1"), {"reason": "bigger orders"})]


@pytest.mark.parametrize("metadata", ["", "not json", '{"channel": 5}',
                                      '{"channel": "C1", "extra": 1}'])
def test_metadata_we_did_not_write_is_refused_like_a_forgery(metadata):
    called = []
    app, _ = _app(lambda view, context: called.append(1))
    assert _submit(app, "why", metadata).status == 400
    assert called == []


def test_slow_work_runs_after_the_ack():
    done = threading.Event()
    release = threading.Event()

    def slow() -> None:
        release.wait(5)
        done.set()

    app, _ = _app(lambda view, context: slow)
    answer = _submit(app, "why")
    assert answer.status == 200 and answer.body == "" and not done.is_set()
    release.set()
    assert done.wait(5)


def _late(outcome: Any):
    """A submit that finishes after the answer's budget with ``outcome`` (raised when it
    is an exception)."""
    def submit(view, context):
        time.sleep(0.3)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return submit


@pytest.mark.parametrize(("outcome", "told"), [
    (None, "✅ Recorded. You can close this."),
    ({"reason": "Write why, in a few words."},
     "Write why, in a few words.\nClose this and open the form again."),
    (DomainError("You may not do that, {name}.", name="<b>"),
     "You may not do that, &lt;b&gt;."),
    # Trying again is the remedy: said as a refusal beside a field would have been.
    (RecordsUnavailable(), "The credit records are not answering just now, so nothing was "
                           "changed. Please try again in a minute.\nClose this and open "
                           "the form again."),
], ids=["recorded", "refused", "raised", "not-answering"])
def test_a_submit_past_the_budget_is_answered_with_a_note_that_becomes_its_outcome(
        monkeypatch, outcome, told):
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.0)
    said: list[str] = []
    app, _ = _app(_late(outcome), _Client(said))
    answer = json.loads(_submit(app, "why").body)
    assert answer["response_action"] == "update"
    assert answer["view"]["blocks"] == [{"type": "section", "text": {
        "type": "mrkdwn", "text": form_submit.STILL_RECORDING}}]
    # Not the form's "Cancel", which under "Recorded" read as undoing it.
    assert answer["view"]["close"] == {"type": "plain_text", "text": "Close"}
    _wait_for(lambda: said)
    assert said == [f"V1: {told}"]


def test_the_work_after_a_late_submit_runs_once_the_note_says_it_was_recorded(monkeypatch):
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.0)
    order: list[str] = []
    app, _ = _app(_late(lambda: order.append("the card updated")), _Client(order))
    assert json.loads(_submit(app, "why").body)["response_action"] == "update"
    _wait_for(lambda: len(order) == 2)
    assert order == ["V1: ✅ Recorded. You can close this.", "the card updated"]


def test_a_refusal_the_closed_note_cannot_show_goes_to_the_person(monkeypatch):
    # "You can close it, and the outcome reaches you": a refusal did not, once closed.
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.0)
    said: list[str] = []
    app, _ = _app(_late({"reason": "“<!channel>” is not an amount"}), _Client(said, True))
    assert json.loads(_submit(app, "why").body)["response_action"] == "update"
    _wait_for(lambda: said)
    # What was typed is escaped: the note and the message are mrkdwn.
    assert said == ["U1: Your form “Test” was not recorded: “&lt;!channel&gt;” is not an "
                    "amount"]


def test_the_outcome_is_told_even_if_the_server_stops_meanwhile(monkeypatch):
    # Handed over from a callback once done, it met an executor shut down at exit:
    # "cannot schedule new futures after shutdown", and the note stayed for good.
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.0)
    said: list[str] = []
    background = ThreadPoolExecutor(2)
    app, _ = _app(_late(None), _Client(said), background=background)
    assert json.loads(_submit(app, "why").body)["response_action"] == "update"
    background.shutdown(wait=True)  # the server stopping, before the submit is done
    # Told by the form's own thread, which the interpreter lets finish at exit.
    _wait_for(lambda: said)
    assert said == ["V1: ✅ Recorded. You can close this."]


def test_without_an_arrival_the_outcome_still_waits_for_slack_to_have_the_note(
        monkeypatch):
    # Socket Mode sets no arrival: the update went out 10 ms after the note was handed to
    # Bolt, before Slack had it, and the note then covered it "in a moment" for good.
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.6)
    said: list[str] = []
    app, _ = _app(_late(None), _Client(said))
    started = time.monotonic()
    assert json.loads(_submit(app, "why").body)["response_action"] == "update"
    _wait_for(lambda: said)
    assert said and time.monotonic() - started >= 0.6


def test_a_late_form_waits_on_its_own_thread_not_a_commands(monkeypatch):
    # Handed to the executor the slash commands share, each late form held one of its
    # threads while it waited: a burst of them held up /credit check.
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.1)
    monkeypatch.setattr(form_submit, "_OUTCOME_AFTER", 0.0)
    background = ThreadPoolExecutor(1)
    release = threading.Event()

    def held(view, context):
        release.wait(5)

    said: list[str] = []
    app, _ = _app(held, _Client(said), background=background)
    assert json.loads(_submit(app, "why").body)["response_action"] == "update"
    started = time.monotonic()
    background.submit(lambda: None).result(timeout=5)  # a command's work, meanwhile
    assert time.monotonic() - started < 0.2
    release.set()
    _wait_for(lambda: said)
    assert said == ["V1: ✅ Recorded. You can close this."]


def test_a_form_does_not_queue_behind_the_commands_work(monkeypatch):
    # On the executor the slash commands share, a form waited for a thread and was told
    # the records were slow while the database was idle.
    from handlers import form_submit

    monkeypatch.setattr(form_submit, "ACK_BUDGET_SECONDS", 0.3)
    background = ThreadPoolExecutor(1)
    app, _ = _app(lambda view, context: None, background=background)
    busy = threading.Event()
    background.submit(lambda: (busy.set(), time.sleep(1.0)))
    assert busy.wait(5)
    answer = _submit(app, "why")
    assert (answer.status, answer.body) == (200, "")


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_an_error_replaces_the_modal_with_its_message():
    def refuse(view, context):
        raise DomainError("You may not do that, {name}.", name="<b>")

    app, _ = _app(refuse)
    answer = json.loads(_submit(app, "why").body)
    assert answer["response_action"] == "update"
    assert answer["view"]["title"] == {"type": "plain_text", "text": "Test", "emoji": True}
    assert answer["view"]["blocks"] == [{"type": "section", "text": {
        "type": "mrkdwn", "text": "You may not do that, &lt;b&gt;."}}]


def test_submitted_reads_every_kind_of_input():
    view = {"blocks": [modals.text_input("t", "T"), modals.select(
        "s", "S", [modals.option("a", "A"), modals.option("b", "B")], initial="a"),
        modals.date_input("d", "D"), modals.user_input("u", "U"),
        modals.text_input("empty", "E", optional=True)]}
    view["state"] = {"values": view_state(view, {"t": " x ", "d": "2027-01-31", "u": "U9"})}
    assert modals.submitted(view) == {"t": "x", "s": "a", "d": "2027-01-31", "u": "U9",
                                      "empty": None}
    view["state"] = {"values": view_state(view, {"s": "b", "empty": "   "})}
    assert modals.submitted(view)["s"] == "b" and modals.submitted(view)["empty"] is None
    assert modals.submitted({"state": {"values": "junk"}}) == {}


def test_metadata_beyond_slacks_limit_is_a_bug_caught_when_building():
    with pytest.raises(ValueError):
        modals.modal("m", Where(channel="C" * 3001), title="T", submit="S", close="C",
                     blocks=[])
