"""Messages with files (the weekly report's charts) delivered through the outbox to the
Slack emulator the way files_upload_v2 does it: once, whatever Slack does."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from sqlalchemy import Engine

from bot.sandbox.emulator import SlackEmulator
from domain.messages import Attachment, OutgoingMessage
from handlers.delivery.sender import DeliveryReport, Sender
from handlers.reports.charts import AgingBar, DsoPoint, aging_chart, dso_chart
from tests.e2e.outbox_world import FakeClock, posts
from tests.e2e.test_delivery import ADMINS, TOKEN, drain, make_sender, queue, row

FINANCE = "C02FINANCE0"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sender(engine: Engine, emulator: SlackEmulator, clock: FakeClock) -> Sender:
    return make_sender(engine, emulator, clock)


@pytest.fixture(scope="module")
def charts() -> tuple[Attachment, Attachment]:
    aging = aging_chart([AgingBar("current", Decimal("900000")),
                         AgingBar("1-30", Decimal("120000")), AgingBar("90+", Decimal("5000"))],
                        "USD")
    dso = dso_chart([DsoPoint(date(2026, m, 1), Decimal(40 + m), Decimal(31))
                     for m in range(6, 12)])
    return (Attachment("aging-2026-W48.png", "Aging", aging, "open amount per bucket"),
            Attachment("dso-2026-W48.png", "DSO", dso, "DSO per month"))


def charts_message(files: tuple[Attachment, ...], **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(channel=FINANCE, kind="reports.charts",
                           text="Charts of the week", files=files, **kwargs)  # type: ignore[arg-type]


def assert_shared_once(emulator: SlackEmulator, files: tuple[Attachment, ...]) -> None:
    [(share, shared)] = emulator.shared_in(FINANCE)
    assert share.initial_comment == "Charts of the week"
    assert [(f.filename, f.title, f.content) for f in shared] == [
        (f.filename, f.title, f.content) for f in files]
    for uploaded in shared:
        assert uploaded.content is not None and uploaded.content.startswith(PNG_SIGNATURE)
        assert Image.open(io.BytesIO(uploaded.content)).size == (800, 450)


def test_a_message_with_two_charts_is_uploaded_and_shared_in_one_post(
        engine: Engine, emulator: SlackEmulator, sender: Sender, clock: FakeClock,
        charts: tuple[Attachment, Attachment]) -> None:
    [one] = queue(engine, charts_message(charts))
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert_shared_once(emulator, charts)
    assert [c.args["filename"] for c in posts(emulator, "files.getUploadURLExternal")] == [
        "aging-2026-W48.png", "dso-2026-W48.png"]
    assert [c.args["alt_txt"] for c in posts(emulator, "files.getUploadURLExternal")] == [
        "open amount per bucket", "DSO per month"]
    assert posts(emulator, "chat.postMessage") == []
    assert row(engine, one).sent_at is not None
    # Delivered: nothing more goes out on later passes.
    assert drain(sender, clock) == DeliveryReport()
    assert len(posts(emulator, "files.completeUploadExternal")) == 1


def test_the_same_dedup_key_queues_the_charts_once(engine: Engine, emulator: SlackEmulator,
                                                    sender: Sender, clock: FakeClock,
                                                    charts: tuple[Attachment, Attachment]) -> None:
    first, second = queue(engine, charts_message(charts, dedup_key="reports.week:2026-W48"),
                          charts_message(charts, dedup_key="reports.week:2026-W48"))
    assert first == second
    drain(sender, clock)
    assert_shared_once(emulator, charts)


@pytest.mark.parametrize("method, kind", [
    ("files.getUploadURLExternal", "ratelimited"), ("files.getUploadURLExternal", "http500"),
    ("upload_url", "http500"), ("upload_url", "ratelimited"), ("upload_url", "close"),
    ("files.completeUploadExternal", "ratelimited"),
    ("files.completeUploadExternal", "http500")])
def test_an_upload_step_slack_refuses_for_now_is_retried_and_shares_once(
        engine: Engine, emulator: SlackEmulator, sender: Sender, clock: FakeClock,
        charts: tuple[Attachment, Attachment], method: str, kind: str) -> None:
    emulator.fail(method, kind, times=2, retry_after=30)
    [one] = queue(engine, charts_message(charts))
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert emulator.shared_in(FINANCE) == []
    if kind == "ratelimited" and method != "upload_url":
        # Slack's Retry-After, not the backoff, says when to try again.
        wait = row(engine, one).next_attempt_at - clock.now()
        assert 29 <= wait.total_seconds() <= 31
    drain(sender, clock)
    assert_shared_once(emulator, charts)
    assert row(engine, one).attempts == 3


def test_a_share_that_got_no_answer_is_looked_for_not_shared_again(
        engine: Engine, emulator: SlackEmulator, clock: FakeClock,
        charts: tuple[Attachment, Attachment]) -> None:
    sender = make_sender(engine, emulator, clock)
    emulator.fail("files.completeUploadExternal", "slow", delay=2.0)  # client timeout: 1 s
    [one] = queue(engine, charts_message(charts))
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert row(engine, one).last_error.startswith("unknown:")
    emulator.wait_for("files.completeUploadExternal")  # Slack shared it, late
    drain(sender, clock)
    assert_shared_once(emulator, charts)
    assert row(engine, one).sent_at is not None
    assert len(posts(emulator, "files.getUploadURLExternal")) == 2  # no second upload


def test_charts_for_a_channel_the_bot_is_not_in_are_given_up_and_reported(
        engine: Engine, emulator: SlackEmulator, sender: Sender, clock: FakeClock,
        charts: tuple[Attachment, Attachment]) -> None:
    emulator.closed_channels.add(FINANCE)
    [one] = queue(engine, charts_message(charts))
    drain(sender, clock)
    assert row(engine, one).failed_at is not None
    assert emulator.shared_in(FINANCE) == []
    [report] = [c for c in posts(emulator) if c.args["channel"] == ADMINS]
    assert report.text == (
        ":warning: creditbot could not deliver a message (reports.charts) to "
        f"<#{FINANCE}>: Slack said `not_in_channel`. To fix: invite @creditbot to "
        f"<#{FINANCE}> (type `/invite @creditbot` there). Messages to <#{FINANCE}> that "
        "fail the same way today are given up without another report.")


def test_the_outbox_keeps_the_bytes_of_each_file(engine: Engine, emulator: SlackEmulator,
                                                  sender: Sender,
                                                  charts: tuple[Attachment, Attachment]) -> None:
    queue(engine, charts_message(charts))
    [claimed] = sender.store.claim("reader", 10, sender.clock.now(), sender.lease)
    assert claimed.files == charts
    assert claimed.text == "Charts of the week"


def test_the_delivery_feature_declares_the_scope_of_the_upload_calls(
        engine: Engine, emulator: SlackEmulator, sender: Sender, clock: FakeClock,
        charts: tuple[Attachment, Attachment]) -> None:
    from handlers.delivery import FEATURE

    queue(engine, charts_message(charts))
    drain(sender, clock)
    called = {c.method for c in emulator.calls if c.method != "upload_url"}
    assert called == {"files.getUploadURLExternal", "files.completeUploadExternal"}
    assert "files:write" in FEATURE.scopes
