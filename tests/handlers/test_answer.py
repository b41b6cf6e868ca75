"""The acknowledgement budget of slash commands, without Slack or a database."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
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
        # what the person typed is escaped, the sentence around it is not
        raise DomainError("“{typed}” is not an amount: write digits", typed="<b>12")

    answer(ack, context, refuse)
    assert json.loads(ack.response.body) == {
        "text": "“&lt;b&gt;12” is not an amount: write digits", "response_type": "ephemeral"}


class _FinishesAsTheWaitEnds(Future):
    """The work completes in the instant between the budget running out and the
    follow-up being attached: the race a request thread must not pay for."""

    def result(self, timeout=None):
        if not self.done():
            self.set_result(("just missed the budget", None))
            raise FutureTimeout
        return super().result(timeout)


class _RacingExecutor:
    def __init__(self) -> None:
        self.real = ThreadPoolExecutor(2)
        self.first = True

    def submit(self, fn, *args):
        if self.first:
            self.first = False
            return _FinishesAsTheWaitEnds()
        return self.real.submit(fn, *args)


def test_the_follow_up_never_runs_on_the_request_thread():
    replied_on: list[threading.Thread] = []
    arrived = threading.Event()

    def slow_reply(text, blocks=None, **_):
        time.sleep(0.5)  # Slack is slow to take it, or being retried
        replied_on.append(threading.current_thread())
        arrived.set()

    context = BoltContext({"request_id": "test", "reply": slow_reply,
                           "deps": SimpleNamespace(background=_RacingExecutor())})
    ack = Ack()
    started = time.monotonic()
    answer(ack, context, lambda: ("unused", None))
    assert time.monotonic() - started < 0.3  # the ack went out without waiting on Slack
    assert ack.response.body == ""
    assert arrived.wait(5)
    assert replied_on != [threading.current_thread()]
