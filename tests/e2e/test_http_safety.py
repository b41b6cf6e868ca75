"""Hostile, oversized and repeated requests, through real HTTP: the signature is checked
before anything is parsed, bodies are capped, nothing logs a body or a response_url, and
a delivery is processed once however often Slack (or anyone) sends it. What involves
the database runs on SQLite and PostgreSQL; what is about HTTP or Slack, on SQLite."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.local_server import LocalServer
from bot.log_lines import FORMAT, OneLineFormatter
from bot.sandbox.driver import HttpResult, sign
from bot.slack_app import create_bolt_app
from bot.web import MAX_BODY_BYTES, Refusal, create_wsgi_app, read_body
from bot.wiring import Services
from handlers import errors as handler_errors
from storage.requests import ProcessedRequests
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, SECRET

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def post(url: str, body: bytes, content_type: str = FORM, *, signed: bool = True,
         timestamp: str | None = None, extra: dict[str, str] | None = None) -> HttpResult:
    stamp = str(int(time.time())) if timestamp is None else timestamp
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
               "X-Slack-Signature": sign(SECRET, stamp, body) if signed else "v0=" + "0" * 64,
               **(extra or {})}
    request = urllib.request.Request(url + "/slack/events", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return HttpResult(answer.status, answer.read().decode())
    except urllib.error.HTTPError as refused:
        return HttpResult(refused.code, refused.read().decode())


def rows(world, table: str) -> int:
    with world.services.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def quiet(caplog, capfd) -> None:
    """No ERROR, no traceback: neither in the log nor printed by the HTTP server."""
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in capfd.readouterr().err


MALFORMED = {
    "payload that is not JSON": (b"payload=%7B", FORM),
    "a JSON array": (b'[{"type": "event_callback"}]', JSON),
    "a JSON string": (b'"event_callback"', JSON),
    "a payload that is an array": (b"payload=%5B1%2C2%5D", FORM),
    "bytes that are not UTF-8": (b"command=%2Fcredit&text=\xff\xfe\xfd", FORM),
    # %-escapes of the same, and of a surrogate encoded as UTF-8 (answered with U+FFFD
    # in place of what was typed).
    "%-escapes that are not UTF-8": (b"command=%2Fcredit&text=check%FF%FE", FORM),
    "a %-escaped surrogate": (b"command=%2Fcredit&text=check%ED%A0%80", FORM),
    "JSON cut short": (b'{"type": "event_callback", "event": {', JSON),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_bodies_unsigned_get_401_signed_get_400_never_a_500(world, caplog, capfd,
                                                                       name):
    caplog.set_level(logging.INFO)
    body, content_type = MALFORMED[name]
    audit_before = rows(world, "audit_log")
    unsigned = post(world.url, body, content_type, signed=False)
    assert (unsigned.status, unsigned.json()) == (401, {"error": "invalid request signature"})
    # A rotated signing secret refuses every request: said at WARNING, not only INFO.
    assert [(r.levelname, r.getMessage()) for r in caplog.records
            if r.getMessage().startswith("refused a request")] == [
        ("WARNING", f"refused a request from 127.0.0.1: signature mismatch ({len(body)} "
                    "bytes)")]
    signed = post(world.url, body, content_type)
    assert (signed.status, signed.json()) == (400, {"error": "malformed payload"})
    time.sleep(0.2)
    assert world.emulator.calls == []
    assert rows(world, "processed_requests") == 0 and rows(world, "audit_log") == audit_before
    quiet(caplog, capfd)


def press_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "trigger_id": "1.2.t", "api_app_id": "A0CREDITBOT",
        "user": {"id": SALES, "team_id": "T0SANDBOX"}, "team": {"id": "T0SANDBOX"},
        "channel": {"id": SALES_CHANNEL}, "response_url": "https://x/hooks/1",
        "container": {"type": "message", "channel_id": SALES_CHANNEL},
        "actions": [{"action_id": "check.share", "block_id": "b", "value": "{}",
                     "type": "button"}]}
    payload.update(changes)
    return payload


def as_form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def form_with(values: dict[str, Any]) -> dict[str, Any]:
    return {"type": "view_submission", "trigger_id": "1.2.f", "user": {"id": SALES},
            "view": {"type": "modal", "callback_id": "credit_request_submit",
                     "state": {"values": values}}}


def event_body(event: Any, **changes: Any) -> bytes:
    envelope = {"token": "x", "team_id": "T0SANDBOX", "api_app_id": "A0CREDITBOT",
                "type": "event_callback", "event_id": "Ev0SHAPE01",
                "event_time": int(time.time()), "event": event, **changes}
    return json.dumps(envelope).encode()


SIGNED_BUT_MISSHAPEN = {
    "a lone surrogate in an event id": (
        event_body({"type": "app_home_opened", "user": SALES, "tab": "home"},
                   event_id="Ev\ud800"), JSON,
        "a string holds a lone surrogate"),
    "an event that is a list": (event_body([1]), JSON, "event is a list, not an object"),
    "actions that are a string": (as_form(press_payload(actions="x")), FORM,
                                  "actions is not a list of exactly one object"),
    "actions that are a list of numbers": (as_form(press_payload(actions=[1])), FORM,
                                           "actions is not a list of exactly one object"),
    "two actions in one press": (
        as_form(press_payload(actions=[{"action_id": "check.share", "value": "{}"},
                                       {"action_id": "check.candidate", "value": "{}"}])),
        FORM, "actions is not a list of exactly one object"),
    "a trigger id that is a list": (as_form(press_payload(trigger_id=["a"])), FORM,
                                    "trigger_id is a list, not a string"),
    "a view submission without a view": (
        as_form({"type": "view_submission", "trigger_id": "1.2.v",
                 "user": {"id": SALES}}), FORM,
        "view_submission without a view that has a type"),
    "an event whose user is a number": (
        event_body({"type": "app_home_opened", "user": 7}), JSON,
        "event.user is a int, not a string"),
    "app_home_opened without a user": (
        event_body({"type": "app_home_opened", "tab": "home"}), JSON,
        "app_home_opened has no user"),
    "a key given twice in a JSON body": (
        event_body({"type": "app_home_opened", "user": SALES}).replace(
            b'"event_id": "Ev0SHAPE01"', b'"event_id": "Ev0SHAPE01", "event_id": "Ev0SHAPE02"'),
        JSON, "a key appears twice in one JSON object"),
    "a key given twice in a payload": (
        as_form(press_payload()).replace(b"%22trigger_id%22%3A+%221.2.t%22",
                                         b"%22trigger_id%22%3A+%221.2.t%22%2C+"
                                         b"%22trigger_id%22%3A+%221.2.u%22"),
        FORM, "a key appears twice in one JSON object"),
    "a form field given twice": (b"command=%2Fcredit&text=help&command=%2Fcredit",
                                 FORM, "a form field appears twice"),
    "a view submission whose view has no callback id": (
        as_form({"type": "view_submission", "trigger_id": "1.2.w", "user": {"id": SALES},
                 "view": {"type": "modal", "state": {"values": {}}}}), FORM,
        "view_submission with a view that has no callback_id"),
    # A forged form state reached the listeners, which logged a traceback and answered
    # "something went wrong on our side".
    "a view submission whose state is a list": (
        as_form({"type": "view_submission", "trigger_id": "1.2.x", "user": {"id": SALES},
                 "view": {"type": "modal", "callback_id": "credit_request_submit",
                          "state": [1]}}), FORM,
        "view_submission whose view.state is not blocks of fields"),
    "a view submission whose fields are a string": (
        as_form({"type": "view_submission", "trigger_id": "1.2.y", "user": {"id": SALES},
                 "view": {"type": "modal", "callback_id": "credit_request_submit",
                          "state": {"values": {"customer": "x"}}}}), FORM,
        "view_submission whose view.state is not blocks of fields"),
    "a view submission whose title is a string": (
        as_form({"type": "view_submission", "trigger_id": "1.2.z", "user": {"id": SALES},
                 "view": {"type": "modal", "callback_id": "credit_request_submit",
                          "title": "x", "state": {"values": {}}}}), FORM,
        "view_submission whose view.title is not an object"),
    # A NUL in an id reached the audit log's insert, which PostgreSQL refuses (an apology
    # and a traceback), the delivery claim, and the log.
    "a NUL in a command's user id": (
        b"command=%2Fcredit&text=order+acme+10&user_id=U01SALESAMY%00&channel_id="
        + SALES_CHANNEL.encode() + b"&trigger_id=1.2.n", FORM,
        "user_id holds a control character"),
    "a line break in a press's trigger id": (as_form(press_payload(trigger_id="1.2\nx")),
                                             FORM, "trigger_id holds a control character"),
    "a NUL in the presser's id": (as_form(press_payload(user={"id": "U01\u0000"})), FORM,
                                  "user.id holds a control character"),
    "an escape in an event id": (
        event_body({"type": "app_home_opened", "user": SALES, "tab": "home"},
                   event_id="Ev\u001b[2J"), JSON, "event_id holds a control character"),
    "a NUL in an event's user": (
        event_body({"type": "app_home_opened", "user": "U01\u0000", "tab": "home"}), JSON,
        "event.user holds a control character"),
    # Neither a command, an event nor an interaction: Bolt answered 404, as to a wrong URL.
    "a garbled form": (b"%%%&&&==payload=%7B", FORM,
                       "neither a command, an event nor an interaction"),
    "an object of nothing Slack sends": (b'{"token": "x"}', JSON,
                                         "neither a command, an event nor an interaction"),
    # Bolt answered 404 and logged a WARNING of its own, as to a wrong URL.
    "a type Slack does not send": (as_form(press_payload(type="block_actions_x")), FORM,
                                   "a payload of type 'block_actions_x', which Slack does "
                                   "not send"),
    # A field of the wrong type was read as left empty: an approval's lower limit given
    # as a number approved the whole amount asked.
    "a form field whose value is a number": (
        as_form(form_with({"lower": {"value": {"type": "plain_text_input",
                                               "value": 150000}}})), FORM,
        "a field's value is a int, not a string"),
    "a form field whose value is a list": (
        as_form(form_with({"lower": {"value": {"type": "plain_text_input",
                                               "value": ["150000"]}}})), FORM,
        "a field's value is a list, not a string"),
    "a form field that is a string": (
        as_form(form_with({"lower": {"value": "150000"}})), FORM,
        "view_submission whose field lower.value is a str, not an object"),
    "a form's chosen option that is a string": (
        as_form(form_with({"kind": {"value": {"type": "static_select",
                                              "selected_option": "increase"}}})), FORM,
        "view_submission whose selected_option is a str, not an object"),
    # Bolt read the person's id out of it: a 500 and a traceback ("unhashable type").
    "a user_change whose user's id is a list": (
        event_body({"type": "user_change", "user": {"id": [SALES], "locale": "zh-CN"}}),
        JSON, "event.user.id is a list, not a string"),
    "a user_change whose user's id is null": (
        event_body({"type": "user_change", "user": {"id": None, "tz": None}}), JSON,
        "event.user has no id"),
    "a user_change whose user has no id": (
        event_body({"type": "user_change", "user": {"locale": "zh-CN"}}), JSON,
        "event.user has no id"),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_press_of_a_button_no_listener_takes_is_answered_not_refused(world, caplog):
    # A button on a message from an earlier version: Bolt answered 404 and Slack showed
    # the person a warning icon. A link button asks for nothing more.
    caplog.set_level(logging.INFO)
    stale = post(world.url, as_form(press_payload(
        actions=[{"action_id": "nope_xyz", "block_id": "b", "value": "1", "type": "button"}],
        response_url=world.emulator.new_response_url())))
    link = post(world.url, as_form(press_payload(
        trigger_id="1.2.l", response_url=world.emulator.new_response_url(),
        actions=[{"action_id": "open_erp", "block_id": "b", "type": "button",
                  "url": "https://erp.example/C0001"}])))
    assert (stale.status, link.status) == (200, 200)
    world.emulator.wait_for("response_url")
    time.sleep(0.3)
    assert [c.args for c in world.emulator.calls_to("response_url")] == [{
        "text": "That button belongs to an earlier version of this message, and creditbot "
                "no longer acts on it: run the command again for a fresh one.",
        "response_type": "ephemeral"}]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", SIGNED_BUT_MISSHAPEN)
def test_a_signed_payload_of_the_wrong_shape_gets_400_and_one_log_line(world, caplog, capfd,
                                                                        name):
    caplog.set_level(logging.INFO)
    body, content_type, why = SIGNED_BUT_MISSHAPEN[name]
    audit_before = rows(world, "audit_log")
    signed = post(world.url, body, content_type)
    assert (signed.status, signed.json()) == (400, {"error": "malformed payload"})
    time.sleep(0.2)
    assert world.emulator.calls == []
    assert rows(world, "processed_requests") == 0 and rows(world, "audit_log") == audit_before
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == [
        f"refused a request from 127.0.0.1: signed body of {len(body)} bytes is "
        f"malformed: {why}"]
    quiet(caplog, capfd)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_exception_escaping_bolt_is_a_400_with_one_log_line(world, caplog, capfd,
                                                                monkeypatch):
    caplog.set_level(logging.INFO)

    bolt = create_bolt_app(world.services)

    def trips(request: Any) -> None:
        raise KeyError("type")

    monkeypatch.setattr(bolt, "dispatch", trips)
    app = create_wsgi_app(bolt, world.services.engine, signing_secret=SECRET)
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit help")
    with LocalServer(app) as server:
        result = post(server.url, body)
    assert (result.status, result.json()) == (400, {"error": "malformed payload"})
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert re.fullmatch(rf"refused a request from 127\.0\.0\.1: signed body of {len(body)} "
                        r"bytes failed in Bolt: KeyError at .*test_http_safety\.py:\d+", line)
    quiet(caplog, capfd)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("stamp", ["", "abc", "²³¹", "stale", "future", "9" * 400,
                                   "1" * 5000, "0" * 20 + "1"],
                         ids=["empty", "letters", "superscript digits", "stale", "future",
                              "400 digits", "5000 digits", "leading zeros"])
def test_a_timestamp_that_is_not_now_gets_401(world, caplog, capfd, stamp):
    caplog.set_level(logging.INFO)
    now = int(time.time())
    stamp = {"stale": str(now - 301), "future": str(now + 301)}.get(stamp, stamp)
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit help")
    result = post(world.url, body, timestamp=stamp)
    assert (result.status, result.json()) == (401, {"error": "invalid request signature"})
    assert rows(world, "processed_requests") == 0
    quiet(caplog, capfd)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("length", [MAX_BODY_BYTES + 1, 50 * 1024 * 1024])
def test_a_body_over_the_cap_is_refused_before_it_is_read(world, length):
    host, port = urlsplit(world.url).netloc.split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\n\r\npayload=" % length)  # and no more
        received = b""
        while chunk := conn.recv(4096):  # the server closes when it has answered
            received += chunk
        answer = received.decode()
    assert re.match(r"HTTP/1\.[01] 413 ", answer), answer
    assert answer.endswith('{"error": "body too large"}')
    assert time.monotonic() - started < 2  # it did not wait for the body


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_body_at_the_cap_is_let_in(world):
    command, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit help")
    padding = b"&padding="
    at_the_cap = command + padding + b"x" * (MAX_BODY_BYTES - len(command) - len(padding))
    assert len(at_the_cap) == MAX_BODY_BYTES
    result = post(world.url, at_the_cap)
    assert result.status == 200 and "/credit check" in result.body


class EndlessStream:
    """A chunked upload that never ends, as a server hands it over (no Content-Length)."""

    def __init__(self) -> None:
        self.given = 0

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "read everything: the whole upload would be in memory"
        self.given += size
        return b"x" * size


def test_without_a_content_length_no_more_than_the_cap_is_read():
    stream = EndlessStream()
    refused = read_body({"wsgi.input": stream, "wsgi.input_terminated": True})
    assert isinstance(refused, Refusal) and refused.status == "413 Content Too Large"
    assert stream.given == MAX_BODY_BYTES + 1
    # a server that cannot end the stream for us: no length, no body
    assert read_body({"wsgi.input": EndlessStream()}) == b""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_body_and_no_response_url_ever_reaches_the_log(world, caplog):
    caplog.set_level(logging.INFO)
    secret_words = "check zebra-crossing-password"
    body, response_url = world.slack.slash_body(SALES, SALES_CHANNEL, f"/credit {secret_words}")
    post(world.url, body, signed=False)  # refused
    post(world.url, b"payload=%7B" + body)  # signed, malformed
    world.slack.slash(SALES, SALES_CHANNEL, f"/credit {secret_words}")  # answered
    replay = post(world.url, body)  # processed once, then a replay of it
    assert replay.status == 200
    post(world.url, body, extra={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "x"})
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")
    world.emulator.fail("response_url", "http500", times=1)  # the SDK used to log the url
    world.emulator.fail("response_url", "close", times=1)
    clicked = world.slack.click(SALES, reply, "Acme Packaging", timeout=10)
    assert clicked is not None and clicked.blocks
    trigger = parse_qs(body.decode())["trigger_id"][0]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # the refusals were logged, just not their bodies
    for leak in (response_url, urlsplit(response_url).path, "/hooks/", "zebra",
                 "payload=", trigger, SALES):
        assert leak not in logged, leak


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_newline_typed_in_a_command_cannot_forge_a_log_line(world):
    """A slash command may hold line breaks; the customer name it could not find is
    quoted in the log, and wrote a line of its own that read as the bot's ERROR. The
    query is read as one line now, and the log writes any control a message still
    quotes as its code (tests/unit/test_log_lines.py)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history zzq\n2026-12-04 "
                                  "12:00:00,000 ERROR creditbot.web: FORGED-1\n")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert reply.text == (
        "No customer matches “zzq 2026-12-04 12:00:00,000 ERROR creditbot.web: FORGED-1”. "
        "Try part of the name or the customer id, e.g. `/credit history C0001`.")
    [line] = [line for line in stream.getvalue().splitlines() if "FORGED" in line]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO \[\d+\] "
        r"creditbot\.errors: \[[^]]+\] "
        r"WhichCustomer: No customer matches “zzq 2026-12-04 12:00:00,000 ERROR "
        r"creditbot\.web: FORGED-1”\. Try part of the name or the customer id, e\.g\. "
        r"`/credit history C0001`\.", line), line


# -- one delivery, processed once ----------------------------------------------------

def capture_posts(world, monkeypatch) -> list[bytes]:
    sent: list[bytes] = []
    original = world.slack.post

    def recording(body: bytes, *args: Any, **kwargs: Any) -> HttpResult:
        sent.append(body)
        return original(body, *args, **kwargs)

    monkeypatch.setattr(world.slack, "post", recording)
    return sent


def test_a_share_retried_by_slack_posts_once(world, monkeypatch):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    sent = capture_posts(world, monkeypatch)
    world.slack.click(SALES, card, "Share in channel")
    [click] = sent
    world.services.views.flush()  # the check's view entry, written in batches
    audited = rows(world, "audit_log")
    for retry in ("1", "2"):
        again = post(world.url, click, extra={"X-Slack-Retry-Num": retry,
                                              "X-Slack-Retry-Reason": "http_timeout"})
        assert (again.status, again.body) == (200, "")
    time.sleep(0.5)
    assert len(world.emulator.calls_to("chat.postMessage")) == 1
    assert len(world.emulator.channels[SALES_CHANNEL]) == 1
    assert rows(world, "audit_log") == audited


def test_a_replayed_slash_command_is_only_read_again(world):
    """Slack never retries a slash command, and /credit's answers change nothing: a
    replay is answered like the first delivery, costing no write to de-duplicate."""
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit check C0001")
    first = post(world.url, body)
    assert first.json()["blocks"][0]["text"]["text"] == "Acme Industrial Supply"
    replayed = post(world.url, body)  # same trigger_id, signed again a moment later
    assert replayed.json()["blocks"] == first.json()["blocks"]
    assert rows(world, "processed_requests") == 0
    assert world.emulator.calls_to("chat.postMessage") == []


def test_a_replayed_command_that_records_records_once(world):
    """A signed /credit order replayed within its five minutes placed a second order (an
    operator's trial): a command that records is claimed by its trigger_id like a click,
    so the replay gets an empty 200 and records nothing."""
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit order C0002 700")
    first = post(world.url, body)
    assert (first.status, first.json()["text"]) == (
        200, ":no_entry: *Held*: order CB-1 of $700.00 for Acme Packaging (C0002) is not OK "
             "to ship. It is recorded as held; the account owner is told.")
    replayed = post(world.url, body)
    assert (replayed.status, replayed.body) == (200, "")
    with world.services.engine.connect() as conn:
        assert conn.execute(text("SELECT order_id FROM order_checks")).scalars().all() == [
            "CB-1"]
    assert rows(world, "processed_requests") == 1
    # The same line typed again is another act (another trigger_id): recorded again.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0002 700")
    with world.services.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM order_checks")).scalar_one() == 2


HELD_700 = (":no_entry: *Held*: order CB-1 of $700.00 for Acme Packaging (C0002) is not OK "
            "to ship. It is recorded as held; the account owner is told.")


@pytest.mark.parametrize("line", ["/credit report", "/credit collect", "/credit requests",
                                  "/credit history acme packaging", "/credit tasks"])
def test_a_list_asked_for_while_the_claim_fails_is_told_as_a_read(world, monkeypatch, caplog,
                                                                   line):
    # "…, so nothing was changed" answered someone who only asked to see something.
    def cannot_say(*args: Any) -> bool:
        raise SQLAlchemyError("database is locked")

    monkeypatch.setattr(ProcessedRequests, "_insert", cannot_say)
    monkeypatch.setattr(handler_errors, "_outages", {})  # other tests' failures
    caplog.set_level(logging.INFO, logger="creditbot.errors")
    body, _ = world.slack.slash_body(CREDIT_MANAGER, SALES_CHANNEL, line)
    refused = post(world.url, body)
    assert (refused.status, refused.json()["text"]) == (
        200, "The credit records are not answering just now. Please try again in a minute.")
    # With the driver's reason: told as a read, the log said "(no cause given)".
    [said] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"
              and "the database failed a request" in r.getMessage()]
    assert said.endswith("] the database failed a request (ClaimFailed: SQLAlchemyError: "
                         "database is locked)"), said


def test_a_command_whose_claim_fails_records_nothing_and_a_replay_records_once(
        world, monkeypatch):
    """When the database cannot say whether a command was seen (a claim that failed), it
    used to run anyway: its replay, claimed once the database answered, recorded a second
    order. Now nothing runs, the person is told to try again, and a replay records one."""
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit order C0002 700")

    def cannot_say(*args: Any) -> bool:
        raise SQLAlchemyError("database is locked")

    monkeypatch.setattr(ProcessedRequests, "_insert", cannot_say)
    refused = post(world.url, body)
    assert (refused.status, refused.json()["text"]) == (
        200, "The credit records are not answering just now, so nothing was changed. Please "
             "try again in a minute.")
    assert rows(world, "order_checks") == 0
    monkeypatch.undo()
    assert post(world.url, body).json()["text"] == HELD_700
    assert (post(world.url, body).body, rows(world, "order_checks")) == ("", 1)


def test_a_slow_claim_answers_within_slacks_time_then_follows_up(world, monkeypatch):
    """The claim ran before the answer's budget: a database frozen for 25 s held an order
    (and its request thread) 25 s, past Slack's 3 s. It now counts in the budget: the
    acknowledgement goes out empty at 2 s and the answer follows on the response_url."""
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit order C0002 700")
    insert = ProcessedRequests._insert

    def slow(self: ProcessedRequests, *args: Any) -> bool:
        time.sleep(3)
        return insert(self, *args)

    monkeypatch.setattr(ProcessedRequests, "_insert", slow)
    started = time.monotonic()
    acked = post(world.url, body)
    assert (acked.status, acked.body) == (200, "")
    assert time.monotonic() - started < 2.8
    deadline = time.monotonic() + 10
    while not world.emulator.calls_to("response_url") and time.monotonic() < deadline:
        time.sleep(0.05)
    [follow_up] = world.emulator.calls_to("response_url")
    assert follow_up.args["text"] == HELD_700
    assert rows(world, "order_checks") == 1


def home_event(event_id: str) -> bytes:
    return json.dumps({"token": "x", "team_id": "T0SANDBOX", "api_app_id": "A0CREDITBOT",
                       "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()),
                       "event": {"type": "app_home_opened", "user": SALES,
                                 "tab": "home"}}).encode()


def test_an_event_retried_by_slack_is_handled_once(world):
    event = home_event("Ev0RETRY01")
    assert post(world.url, event, JSON).status == 200
    for retry in ("1", "2"):
        again = post(world.url, event, JSON, extra={"X-Slack-Retry-Num": retry,
                                                    "X-Slack-Retry-Reason": "http_timeout"})
        assert (again.status, again.body) == (200, "")
    world.emulator.wait_for("views.publish")
    time.sleep(0.5)
    assert len(world.emulator.calls_to("views.publish")) == 1
    assert post(world.url, home_event("Ev0RETRY02"), JSON).status == 200  # a new event
    world.emulator.wait_for("views.publish", count=2)


def test_without_a_trigger_or_event_id_the_body_itself_is_the_key(world, monkeypatch):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")
    sent = capture_posts(world, monkeypatch)
    world.slack.click(SALES, card, "Acme Packaging")
    payload = json.loads(parse_qs(sent[0].decode())["payload"][0])
    del payload["trigger_id"]
    response_url = payload["response_url"]
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert post(world.url, body).status == 200
    # the first click's answer, then this one's
    world.emulator.wait_for("response_url", count=2, path=urlsplit(response_url).path)
    assert (post(world.url, body).status) == 200
    time.sleep(0.5)
    assert len(world.emulator.calls_to("response_url")) == 2  # not a third


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_url_verification_is_answered_every_time(world):
    challenge = json.dumps({"token": "x", "challenge": "c-123",
                            "type": "url_verification"}).encode()
    for _ in range(2):
        result = post(world.url, challenge, JSON)
        assert (result.status, result.json()) == (200, {"challenge": "c-123"})
    assert rows(world, "processed_requests") == 0


def test_two_workers_process_a_delivery_once(world):
    # A second app on the same database stands for a second gunicorn worker.
    other = Services(world.services.settings, world.services.config)
    app = create_wsgi_app(create_bolt_app(other), other.engine)
    event = home_event("Ev0TWOWORKERS")
    with LocalServer(app) as second:
        start = threading.Barrier(6)
        answers: list[int] = []

        def deliver(url: str) -> None:
            start.wait()
            answers.append(post(url, event, JSON).status)

        threads = [threading.Thread(target=deliver, args=(url,))
                   for url in (world.url, second.url) * 3]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    other.engine.dispose()
    assert answers == [200] * 6
    world.emulator.wait_for("views.publish")
    time.sleep(0.5)
    assert len(world.emulator.calls_to("views.publish")) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_import_holding_sqlite_does_not_keep_people_waiting(world):
    path = Path(world.services.engine.url.database or "")
    importer = sqlite3.connect(path, isolation_level=None)
    importer.execute("BEGIN IMMEDIATE")  # what `creditbot import` holds for seconds
    try:
        started = time.monotonic()
        reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit help")
        waited = time.monotonic() - started
    finally:
        importer.execute("ROLLBACK")
        importer.close()
    assert "/credit check" in reply.all_text()
    assert waited < 2.5  # Slack gives up at 3 s; SQLite used to wait 10 s for the lock


# -- faults on the way back to Slack -----------------------------------------------------

@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_burst_of_429s_does_not_hold_up_other_peoples_clicks(world):
    candidates = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")
    # more clicks than there are threads for lazy work, all refused with Retry-After 30
    world.emulator.fail("response_url", "ratelimited", times=20, retry_after=30)
    for _ in range(20):
        world.slack.click(SALES, candidates, "Acme Packaging", wait=False)
    # each first try is made at once: none waits for another's Retry-After
    deadline = time.monotonic() + 2.5
    while [c.status for c in world.emulator.calls].count(429) < 20:
        assert time.monotonic() < deadline, "the twenty clicks did not all try at once"
        time.sleep(0.05)
    started = time.monotonic()
    other = world.slack.click(SALES, candidates, "Acme Industrial Supply", timeout=10)
    assert other is not None and other.blocks[0]["text"]["text"] == "Acme Industrial Supply"
    assert time.monotonic() - started < 1.5
    # the twenty come through once Slack lets them: Retry-After 30, waited 3 s at most
    world.emulator.wait_for("response_url", count=21, timeout=6)
    assert world.emulator.calls_to("chat.postEphemeral") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_closed_connection_while_sharing_is_not_retried_blindly(world):
    """A connection closed under a post may have closed after Slack took it: posting
    again could post twice, so the person is told to look, and the share is recorded
    as unconfirmed."""
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.emulator.fail("chat.postMessage", "close", times=3)
    answer = world.slack.click(SALES, card, "Share in channel", timeout=15)
    assert answer is not None
    assert answer.text == ("Slack did not confirm the card, so it may already be in "
                           "the channel. Look there before you share it again.")
    assert len(world.emulator.calls_to("chat.postMessage")) == 1  # tried once
    assert world.emulator.channels[SALES_CHANNEL] == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_long_retry_after_on_the_web_api_is_cut_short(world):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.emulator.fail("chat.postMessage", "ratelimited", times=1, retry_after=30)
    started = time.monotonic()
    world.slack.click(SALES, card, "Share in channel", timeout=10)
    assert time.monotonic() - started < 5
    assert [c.status for c in world.emulator.calls_to("chat.postMessage")] == [429, 200]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_nulls_slack_writes_in_a_press_are_of_the_right_shape(world, monkeypatch):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme")
    sent = capture_posts(world, monkeypatch)
    world.slack.click(SALES, card, "Acme Packaging")
    payload = json.loads(parse_qs(sent[0].decode())["payload"][0])
    payload.update(enterprise=None, is_enterprise_install=False, trigger_id="9.9.nulls")
    payload["user"]["team_id"] = None
    result = post(world.url, urlencode({"payload": json.dumps(payload)}).encode())
    assert result.status == 200


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_action_nothing_listens_to_is_logged_in_one_line(world, caplog):
    """Bolt logged a forged action id with a dozen lines of suggested Python; now the
    retired buttons' listener takes it, in one line."""
    caplog.set_level(logging.INFO)
    payload = press_payload(actions=[{"action_id": "check_pick:99", "block_id": "b",
                                      "value": "{}", "type": "button"}])
    answer = post(world.url, as_form(payload))
    assert answer.status == 200
    time.sleep(0.3)
    said = [r.getMessage() for r in caplog.records if "check_pick:99" in r.getMessage()]
    assert said == ["a press of 'check_pick:99', which no listener takes"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_form_or_shortcut_no_listener_takes_is_answered_not_refused(world, caplog):
    # A form opened by an earlier version and submitted after an upgrade got Bolt's 404,
    # which Slack shows as an error inside the form.
    caplog.set_level(logging.INFO)
    view = {"type": "modal", "callback_id": "nope.form", "private_metadata": "",
            "title": {"type": "plain_text", "text": "Old form"}, "state": {"values": {}}}
    submitted = post(world.url, as_form({"type": "view_submission", "trigger_id": "1.2.f",
                                         "user": {"id": SALES}, "view": view}))
    assert submitted.status == 200
    assert submitted.json() == {"response_action": "update", "view": {
        "type": "modal", "title": {"type": "plain_text", "text": "Old form"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": (
            "This form belongs to an earlier version of creditbot, which no longer takes "
            "it: nothing was recorded. Close it and open the form again.")}}]}}
    for payload in ({"type": "view_closed", "user": {"id": SALES}, "view": view},
                    {"type": "shortcut", "callback_id": "nope", "trigger_id": "1.2.s",
                     "user": {"id": SALES}},
                    {"type": "message_action", "callback_id": "nope", "trigger_id": "1.2.m",
                     "user": {"id": SALES}, "channel": {"id": SALES_CHANNEL},
                     "message": {"ts": "1.2", "text": "x"}, "response_url": "https://x/h/2"},
                    {"type": "block_suggestion", "action_id": "nope", "block_id": "b",
                     "value": "ac", "user": {"id": SALES}}):
        answer = post(world.url, as_form(payload))
        assert answer.status == 200, (payload["type"], answer)
    assert post(world.url, as_form({"type": "block_suggestion", "action_id": "nope",
                                    "block_id": "b", "value": "x", "user": {"id": SALES}})
                ).json() == {"options": []}
    time.sleep(0.3)
    assert world.emulator.calls_to("response_url") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_event_or_a_command_no_listener_takes_is_acknowledged_in_one_line(world, caplog):
    """An event subscribed by hand, or a second command pointed at this URL, got Bolt's
    404 and a WARNING: Slack retries such an event three times and counts the failures
    against the app."""
    caplog.set_level(logging.INFO)
    for event_type in ("reaction_added", "message"):
        answer = post(world.url, event_body({"type": event_type, "user": SALES},
                                            event_id=f"Ev0{event_type}"), JSON)
        assert (answer.status, answer.body) == (200, "")
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/creditx `help` <!channel>")
    answer = post(world.url, body)
    # Bolt answers a text alone as the body, which Slack shows the person as it is.
    assert (answer.status, answer.body) == (200, (
        "creditbot answers `/credit` only: `/creditx` reached it, perhaps a command set up "
        "in the Slack app by mistake. Ask your Slack admin to remove it."))
    time.sleep(0.3)
    # Only the person's language was asked for: nothing posted, nothing opened.
    assert [c.method for c in world.emulator.calls] == ["users.info"]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("creditbot")
            and r.levelno >= logging.INFO] == [
        "an event 'reaction_added', which no listener takes",
        "an event 'message', which no listener takes",
        "a command '/creditx', which no listener takes"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bot_users_change_with_no_time_zone_is_taken(world, caplog):
    # Slack sends user_change for bots too, whose tz is null: refused as malformed.
    caplog.set_level(logging.INFO)
    answer = post(world.url, event_body({
        "type": "user_change", "user": {"id": "U0BOT00001", "is_bot": True, "tz": None,
                                        "locale": None, "tz_offset": -28800}}), JSON)
    assert (answer.status, answer.body) == (200, "")
    assert not [r for r in caplog.records if r.getMessage().startswith("refused")]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_slacks_notice_of_rate_limited_events_is_acknowledged_and_logged(world, caplog):
    # Slack posts it to the Request URL; Bolt answered 404 ("unhandled request").
    caplog.set_level(logging.INFO)
    body = json.dumps({"token": "x", "type": "app_rate_limited", "team_id": "T0SANDBOX",
                       "minute_rate_limited": 1780000000, "api_app_id": "A0CREDITBOT"})
    answer = post(world.url, body.encode(), JSON)
    assert (answer.status, answer.body) == (200, "")
    time.sleep(0.2)
    assert world.emulator.calls == [] and rows(world, "processed_requests") == 0
    assert [(r.levelno, r.getMessage()) for r in caplog.records
            if r.levelno >= logging.INFO] == [(logging.WARNING, (
                "Slack dropped this app's events for the minute starting at 2026-05-28 "
                "20:26 UTC "
                "(over 30,000 an hour): alerts are not driven by events, but a language "
                "change or a Home tab opened then was missed"))]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_head_request_gets_the_headers_and_no_body(world):
    """A load balancer probing /healthz with HEAD got a body, and gunicorn logged a
    WARNING for every probe; the 405 of a GET on /slack/events said no Allow."""
    app = create_wsgi_app(create_bolt_app(world.services), world.services.engine,
                          signing_secret=SECRET)

    def call(method: str, path: str) -> tuple[str, dict[str, str], bytes]:
        seen: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            seen.update(status=status, headers=dict(headers))

        body = b"".join(app({"REQUEST_METHOD": method, "PATH_INFO": path,
                             "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO()},
                            start_response))
        return seen["status"], seen["headers"], body

    status, headers, body = call("GET", "/healthz")
    assert status == "200 OK" and json.loads(body)["status"] == "ok"
    assert call("HEAD", "/healthz") == (status, headers, b"")
    assert headers["Content-Length"] == str(len(body))
    status, headers, body = call("GET", "/slack/events")
    assert (status, headers["Allow"], json.loads(body)) == (
        "405 Method Not Allowed", "POST", {"error": "POST only"})
    assert call("HEAD", "/slack/events") == (status, headers, b"")
    assert call("HEAD", "/nowhere")[1:] == ({"Content-Type": "application/json",
                                             "Content-Length": "22"}, b"")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_command_holding_the_word_payload_is_a_command(world, caplog, capfd):
    # Bolt's parse (and ours, copied from it) looked for "payload" anywhere in the body's
    # text: the command below, or any command sent from a channel named payload-team,
    # was refused with 400 as an interaction without its payload.
    typed = world.slack.slash(SALES, SALES_CHANNEL, "/credit check payload systems")
    assert typed.text == "No customer matches “payload systems”. Did you mean one of these?"
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit check C0002")
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    form.update(channel_name="payload-team", team_domain="payloadco")
    answered = world.slack.post(urlencode(form).encode())
    assert answered.status == 200
    # The same card as from any other channel.
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
    assert (answered.json()["text"], answered.json()["blocks"]) == (card.text, card.blocks)
    assert card.text.startswith("Acme Packaging: available ")
    quiet(caplog, capfd)
