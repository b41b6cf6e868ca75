"""A log record is one line whatever it quotes: what people type and what the ERP sends
reaches log messages, and a newline in it must not start a line that reads like the bot's."""

from __future__ import annotations

import io
import logging
import os
import re

import pytest

from bot.log_lines import FORMAT, OneLineFormatter
from bot.serve import configure_logging

FORGED = "zzq\n2026-12-04 12:00:00,000 ERROR creditbot.web: FORGED-1\r\x1b[2J\x00"


def record(message: str, *args: object, exc_info: object = None) -> logging.LogRecord:
    return logging.LogRecord("creditbot.errors", logging.INFO, __file__, 1, message, args,
                             exc_info)  # type: ignore[arg-type]


def test_a_message_quoting_newlines_and_escapes_is_one_line_with_them_as_codes():
    line = OneLineFormatter("%(levelname)s %(name)s: %(message)s").format(
        record("[%s] WhichCustomer: No customer matches “%s”.", "r1", FORGED))
    assert line == ("INFO creditbot.errors: [r1] WhichCustomer: No customer matches “zzq\\x0a"
                    "2026-12-04 12:00:00,000 ERROR creditbot.web: FORGED-1\\x0d\\x1b[2J\\x00”.")


def test_a_traceback_keeps_its_lines_but_not_the_controls_inside_them():
    try:
        raise ValueError("bad value “a\x00b\x1b]8;;http://evil\x1b\\”")
    except ValueError:
        import sys

        info = sys.exc_info()
    text = OneLineFormatter("%(message)s").format(record("failed", exc_info=info))
    lines = text.split("\n")
    assert lines[0] == "failed"
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: bad value “a\\x00b\\x1b]8;;http://evil\\x1b\\”"
    assert not any(c in text for c in "\x00\x1b\r")


@pytest.fixture
def bare_root():
    root = logging.getLogger()
    saved, level, root.handlers = root.handlers, root.level, []
    yield root
    root.handlers = saved
    root.setLevel(level)


def test_serve_logs_through_the_one_line_formatter(bare_root):
    configure_logging()
    [handler] = bare_root.handlers
    assert isinstance(handler.formatter, OneLineFormatter)
    assert handler.formatter._fmt == FORMAT
    stream = io.StringIO()
    handler.setStream(stream)
    logging.getLogger("creditbot.errors").warning("No customer matches “%s”", FORGED)
    [line] = stream.getvalue().splitlines()
    # The moment with its offset, and the process: which of several workers wrote it.
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d WARNING "
        + re.escape(f"[{os.getpid()}] creditbot.errors: No customer matches “zzq\\x0a"
                    "2026-12-04 12:00:00,000 ERROR creditbot.web: FORGED-1\\x0d\\x1b[2J"
                    "\\x00”"), line), line


def test_at_debug_a_slack_call_is_logged_without_its_bodies(bare_root):
    # CREDITBOT_LOG_LEVEL=DEBUG wrote each message's body (limits, exposure, reasons) and
    # Slack's answer with it into the journal, from the sender's client and Bolt's alike.
    from slack_sdk import WebClient

    from bot.sandbox.emulator import SlackEmulator
    from handlers.delivery.sender import delivery_client

    configure_logging("DEBUG")
    stream = io.StringIO()
    bare_root.handlers[0].setStream(stream)
    with SlackEmulator(token="xoxb-test") as emulator:
        for client in (delivery_client("xoxb-test", emulator.api_url),
                       WebClient(token="xoxb-test", base_url=emulator.api_url)):
            client.chat_postMessage(channel="C0CREDIT01", text="*Exposure*\n$22,420.81 Acme")
    logged = stream.getvalue()
    assert "22,420.81" not in logged and "Acme" not in logged
    calls = [line.partition(": ")[2] for line in logged.splitlines()
             if "Sending a request" in line or "Received the following" in line]
    assert calls == [
        f"Sending a request - url: {emulator.api_url}chat.postMessage (its body left out of "
        "the log)",
        "Received the following response - status: 200 (its body left out of the log)"] * 2


@pytest.mark.parametrize(("logged", "written"), [
    # A webhook's line: its URL is a response_url, which lets whoever holds it post.
    ('Sending a request - url: https://hooks.slack.com/actions/T1/2/abc, body: {"text": '
     '"$22,420.81"}, headers: {}',
     "Sending a request - url: a response_url (its body left out of the log)"),
    # Bolt's answer to a button or a form.
    ('Responding with status: 200 body: "Credit limit $100,000.00" (12 millis)',
     "Responding with status: 200 (its body left out of the log)"),
    ("Responding with listener middleware's response - listener: x, status: 200, body: "
     '{"text": "$22,420.81"}',
     "Responding with listener middleware's response - listener: x, status: 200 (its body "
     "left out of the log)"),
    ('Skipped self event: {"text": "Credit limit $100,000.00"}',
     "Skipped self event (its body left out of the log)"),
    # slack_sdk's retry lines name the response_url at INFO.
    ("Going to retry the same request: POST https://hooks.slack.com/commands/T0001/12/"
     "SECRETsecret", "Going to retry the same request: POST a response_url"),
    ("No customer matches “acme”", "No customer matches “acme”")])
def test_every_slack_call_line_is_written_without_its_body(logged, written):
    assert OneLineFormatter("%(message)s").format(record(logged)) == written
