"""Answers through the response_url when Slack misbehaves: bounded waits, tries again
off the caller's thread, an apology only when the answer surely did not arrive."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox.emulator import SlackEmulator
from handlers import replies
from handlers.replies import APOLOGY, RETRY_AFTER_CAP_SECONDS, Replier, retry_pause

TOKEN = "xoxb-replies"
USER, CHANNEL = "U01SALESAMY", "C01SALES000"


@pytest.fixture
def slack() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        yield emulator


def replier(slack: SlackEmulator) -> tuple[Replier, str]:
    url = slack.new_response_url()
    client = WebClient(token=TOKEN, base_url=slack.api_url)
    return Replier(url, client, CHANNEL, USER, "ref123"), url


def tries(slack: SlackEmulator) -> list[int]:
    return [c.status for c in slack.calls_to("response_url")]


def apologies(slack: SlackEmulator) -> list[str]:
    return [c.text for c in slack.calls_to("chat.postEphemeral")]


def test_a_long_retry_after_is_cut_short_and_waited_off_the_callers_thread(slack):
    slack.fail("response_url", "ratelimited", times=1, retry_after=30)
    reply, _ = replier(slack)
    started = time.time()  # the emulator stamps calls with the wall clock
    assert reply("the card") is False
    assert time.time() - started < 0.5  # the caller did not wait for the retry
    [delivered] = slack.wait_for("response_url", timeout=6)
    assert delivered.at - started < 4  # Retry-After 30, capped at 3 s
    assert delivered.text == "the card" and tries(slack) == [429, 200]
    time.sleep(0.3)
    assert apologies(slack) == []


def test_a_slow_answer_is_not_apologised_for_nor_sent_twice(slack, monkeypatch):
    monkeypatch.setattr(replies, "ATTEMPT_TIMEOUT_SECONDS", 0.5)
    slack.fail("response_url", "slow", times=3, delay=1.5)
    reply, _ = replier(slack)
    started = time.monotonic()
    assert reply("the card") is False
    assert time.monotonic() - started < 1.2  # waited ATTEMPT_TIMEOUT, not until Slack answered
    [delivered] = slack.wait_for("response_url", timeout=5)
    assert delivered.text == "the card"
    time.sleep(2)
    assert tries(slack) == [200] and apologies(slack) == []


def test_an_answer_slack_keeps_refusing_ends_in_one_apology(slack):
    slack.fail("response_url", "http500", times=10)
    reply, _ = replier(slack)
    started = time.time()
    reply("the card")
    [apology] = slack.wait_for("chat.postEphemeral", timeout=replies.REPLY_DEADLINE_SECONDS)
    assert apology.text == APOLOGY.format(request_id="ref123") == (
        "Sorry — Slack did not accept my answer just now, so I could not show it. "
        "Please try again in a minute. (reference ref123)")
    assert apology.args["channel"] == CHANNEL and apology.args["user"] == USER
    assert apology.at - started < replies.REPLY_DEADLINE_SECONDS
    assert tries(slack) == [500, 500, 500]


def test_an_answer_slack_cannot_use_is_apologised_for_at_once(slack):
    slack.fail("response_url", "error", error="expired_url")
    reply, _ = replier(slack)
    reply("the card")
    slack.wait_for("chat.postEphemeral", timeout=3)
    assert tries(slack) == [400]  # trying again cannot help


def test_a_closed_connection_is_tried_again(slack):
    slack.fail("response_url", "close", times=1)
    reply, _ = replier(slack)
    reply("the card")
    [delivered] = slack.wait_for("response_url", timeout=5)
    assert delivered.text == "the card" and tries(slack) == [0, 200]
    time.sleep(0.3)
    assert apologies(slack) == []


def test_the_log_never_carries_the_response_url(slack, caplog):
    caplog.set_level(logging.INFO)
    slack.fail("response_url", "close", times=1)
    slack.fail("response_url", "ratelimited", times=1, retry_after=0)
    slack.fail("response_url", "http500", times=1)
    reply, url = replier(slack)
    reply("the card")
    slack.wait_for("chat.postEphemeral", timeout=8)
    assert caplog.records, "the failures were logged"
    assert all(url not in r.getMessage() and "/hooks/" not in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize(("header", "pause"), [
    ("2.5", 2.5), (["2"], 2.0), ("0", 0.0), ("-5", 0.0), (None, 1.0), ("nan", 1.0),
    ("inf", 1.0), ("soon", 1.0), ([], 1.0), ("100000", RETRY_AFTER_CAP_SECONDS)])
def test_a_retry_after_header_becomes_a_pause_that_time_sleep_takes(header, pause):
    # "nan" came back as nan, which time.sleep refuses.
    waited = retry_pause(header)
    assert pause <= waited < pause + 0.2
