"""The acknowledgement budget of slash commands, without Slack or a database."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from slack_bolt import Ack, BoltContext

from domain.errors import DomainError
from handlers.answer import answer


def context_with_replies() -> tuple[BoltContext, list[tuple], threading.Event]:
    sent: list[tuple] = []
    arrived = threading.Event()

    def reply(text, blocks=None, **_):
        sent.append((text, blocks))
        arrived.set()

    context = BoltContext({"request_id": "test", "reply": reply,
                           "deps": SimpleNamespace(background=ThreadPoolExecutor(2))})
    return context, sent, arrived


def test_a_fast_answer_travels_in_the_ack():
    ack = Ack()
    context, replies, _ = context_with_replies()
    answer(ack, context, lambda: ("hello", [{"type": "divider"}]))
    assert ack.response.status == 200
    assert '"text": "hello"' in ack.response.body and '"divider"' in ack.response.body
    assert replies == []


def test_a_slow_answer_acks_empty_at_the_deadline_then_follows_up():
    ack = Ack()
    context, replies, arrived = context_with_replies()

    def slow():
        time.sleep(0.4)
        return ("late but here", None)

    started = time.monotonic()
    answer(ack, context, slow, budget=0.05)
    returned_after = time.monotonic() - started
    assert returned_after < 0.3  # the request thread was let go at the deadline
    assert ack.response.body == "" and replies == []
    assert arrived.wait(5)
    assert replies == [("late but here", None)]


def test_an_error_becomes_the_answer():
    ack = Ack()
    context, _, _ = context_with_replies()

    def refuse():
        raise DomainError("Amounts need a currency <b>")

    answer(ack, context, refuse)
    assert "Amounts need a currency &lt;b&gt;" in ack.response.body
