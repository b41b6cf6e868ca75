"""The outbox delivered to the Slack emulator: once per committed message, whatever
Slack does (429s, 500s, slow answers, closed connections, refusals)."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.sandbox.emulator import SlackEmulator
from domain.messages import OutgoingMessage
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client
from storage.models import OutboxRow
from storage.outbox import OutboxStore
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.e2e.outbox_world import FakeClock, outbox_ids, posts
from tests.storage.test_write_gate import TURN_NOT_HAD, turn_not_had

TOKEN = "xoxb-delivery"
ALERTS = "C0ALERTS01"
SALES = "C01SALES000"
ADMINS = "C0ADMINS01"
AMY = "U01SALESAMY"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        yield emulator


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_sender(engine: Engine, emulator: SlackEmulator, clock: FakeClock,
                **kwargs: object) -> Sender:
    options: dict[str, object] = {"admin_channel": ADMINS, "owner": "test-sender"}
    options.update(kwargs)
    return Sender(OutboxStore(engine), delivery_client(TOKEN, emulator.api_url, timeout=1),
                  clock=clock, **options)  # type: ignore[arg-type]


@pytest.fixture
def sender(engine: Engine, emulator: SlackEmulator, clock: FakeClock) -> Sender:
    return make_sender(engine, emulator, clock)


def note(text: str, channel: str = ALERTS, **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(channel=channel, kind="alerts.digest", text=text, **kwargs)  # type: ignore[arg-type]


def queue(engine: Engine, *messages: OutgoingMessage) -> list[int]:
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        ids = [uow.outbox.add(m) for m in messages]
        uow.commit()
    return ids


def row(engine: Engine, message_id: int) -> OutboxRow:
    with Session(engine) as session:
        found = session.get(OutboxRow, message_id)
        assert found is not None
        return found


def drain(sender: Sender, clock: FakeClock, passes: int = 50) -> DeliveryReport:
    """Passes until nothing is left, moving the clock to each retry."""
    total = DeliveryReport()
    for _ in range(passes):
        report = sender.deliver_due()
        total = total + report
        if report == DeliveryReport():
            clock.advance(60)
            if sender.deliver_due() == DeliveryReport():
                clock.advance(600)
                if sender.deliver_due() == DeliveryReport():
                    return total
    return total


def test_only_committed_messages_are_sent_once_with_their_ts_kept(engine, emulator, sender):
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.outbox.add(note("rolled back"))
    [sent] = queue(engine, note("Overdue digest", blocks=[
        {"type": "section", "text": {"type": "mrkdwn", "text": "*3* overdue"}}]))
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert sender.deliver_due() == DeliveryReport()
    [post] = posts(emulator)
    assert post.text == "Overdue digest" and post.blocks[0]["text"]["text"] == "*3* overdue"
    stored = row(engine, sent)
    assert (stored.sent_channel, stored.ts) == (ALERTS, emulator.channels[ALERTS][0]["ts"])
    assert stored.sent_at is not None and stored.attempts == 1 and stored.claimed_by is None


def test_an_edit_updates_the_message_and_a_reply_goes_in_its_thread(engine, emulator, sender):
    [card] = queue(engine, note("Request R-1: waiting"))
    [edit, reply] = queue(engine, note("Request R-1: approved", update_of=card),
                          note("Approved by @mei", thread_of=card))
    assert sender.deliver_due() == DeliveryReport(sent=3)
    card_ts = row(engine, card).ts
    [update] = posts(emulator, "chat.update")
    assert (update.args["channel"], update.args["ts"], update.text) == (
        ALERTS, card_ts, "Request R-1: approved")
    assert row(engine, edit).ts == card_ts
    threaded = posts(emulator)[-1]
    assert threaded.args["thread_ts"] == card_ts and threaded.text == "Approved by @mei"
    assert row(engine, reply).ts != card_ts
    assert [m["text"] for m in emulator.channels[ALERTS]] == [
        "Request R-1: approved", "Approved by @mei"]


def test_a_direct_message_opens_the_conversation_once(engine, emulator, sender):
    first, second = queue(engine, note("Reminder 1", channel=AMY), note("Reminder 2", channel=AMY))
    assert sender.deliver_due() == DeliveryReport(sent=2)
    [opened] = posts(emulator, "conversations.open")
    assert opened.args["users"] == AMY
    assert {c.args["channel"] for c in posts(emulator)} == {"D01SALESAMY"}
    assert row(engine, first).sent_channel == row(engine, second).sent_channel == "D01SALESAMY"


@pytest.mark.parametrize("header", ["nan", "inf", "-5", "soon"])
def test_a_retry_after_that_is_no_number_is_waited_as_a_second(engine, emulator, sender,
                                                                clock, header):
    # "nan" passed every clamp and broke timedelta(): the sender's pass died on it.
    [limited] = queue(engine, note("a1"))
    emulator.fail("chat.postMessage", "ratelimited", 1, retry_after=header)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert row(engine, limited).next_attempt_at == clock.now() + timedelta(seconds=1)
    clock.advance(1)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["a1"]


def test_a_rate_limit_holds_back_that_channel_only(engine, emulator, sender, clock):
    limited, other, behind = queue(engine, note("a1"), note("s1", channel=SALES), note("a2"))
    emulator.fail("chat.postMessage", "ratelimited", 1, retry_after=30)
    assert sender.deliver_due() == DeliveryReport(sent=1, retried=1)
    assert row(engine, other).ts is not None
    assert row(engine, limited).next_attempt_at >= clock.now() + timedelta(seconds=29)
    clock.advance(20)
    assert sender.deliver_due() == DeliveryReport()  # still inside Retry-After
    clock.advance(11)
    assert sender.deliver_due() == DeliveryReport(sent=2)
    # In the order they were queued, each once.
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["a1", "a2"]
    assert outbox_ids(emulator) == {limited: 1, other: 1, behind: 1}


def retry_waits(engine: Engine, sender: Sender, clock: FakeClock, message: int,
                tries: int) -> list[float]:
    """The wait after each of ``tries`` failed tries of ``message``, the clock moved on
    to each retry."""
    waits = []
    for _ in range(tries):
        before = clock.now()
        assert sender.deliver_due() == DeliveryReport(retried=1)
        waits.append((row(engine, message).next_attempt_at - before).total_seconds())
        clock.at = row(engine, message).next_attempt_at
    return waits


def test_server_errors_are_retried_after_slack_is_done_and_the_channel_read(
        engine, emulator, sender, clock):
    # A 5xx may come after Slack made the post: each retry waits for Slack to be done
    # with the try before (the sender's settle), then reads the channel before posting.
    [one] = queue(engine, note("after three 500s"))
    emulator.fail("chat.postMessage", "http500", 3)
    waits = retry_waits(engine, sender, clock, one, 3)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert waits == [30.0, 30.0, 30.0]
    assert len(emulator.calls_to("conversations.history")) == 3
    assert outbox_ids(emulator) == {one: 1}


def test_refusals_are_retried_with_growing_jittered_waits(engine, emulator, sender, clock):
    [one] = queue(engine, note("after three refusals"))
    emulator.fail("chat.postMessage", "error", 3, error="request_timeout")
    waits = retry_waits(engine, sender, clock, one, 3)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    # 2 s, 4 s, 8 s, each jittered down to no less than half.
    assert [1 <= waits[0] <= 2, 2 <= waits[1] <= 4, 4 <= waits[2] <= 8] == [True] * 3
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["after three refusals"]
    assert row(engine, one).attempts == 4


@pytest.mark.parametrize("error", ["internal_error", "fatal_error"])
def test_a_post_slack_made_but_answered_with_its_own_failure_is_found_not_posted_again(
        engine, emulator, sender, clock, error):
    # Slack's reference: after these errors "some aspect of the operation" may have
    # succeeded. The retry posted the digest page a second time.
    [one] = queue(engine, note("digest page 1"))
    emulator.fail("chat.postMessage", "done_then_error", 1, error=error)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert row(engine, one).last_error.startswith("unknown:")
    drain(sender, clock)
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["digest page 1"]
    assert outbox_ids(emulator) == {one: 1}
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]


def test_a_refusal_that_settles_nothing_posted_is_retried_without_reading_the_channel(
        engine, emulator, sender, clock):
    [one] = queue(engine, note("after a refusal"))
    emulator.fail("chat.postMessage", "error", 1, error="msg_blocks_too_long_for_now")
    drain(sender, clock)
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["after a refusal"]
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]
    assert emulator.calls_to("conversations.history") == []


def test_the_backoff_is_capped():
    sender = Sender(store=None, client=delivery_client(TOKEN),  # type: ignore[arg-type]
                    rng=random.Random(1))
    assert all(300 <= sender.backoff(tries).total_seconds() <= 600 for tries in (10, 50, 10**6))


def test_the_sdk_must_not_retry_behind_the_senders_back():
    from slack_sdk import WebClient

    with pytest.raises(ValueError, match="retry_handlers"):
        Sender(store=None, client=WebClient(token=TOKEN))  # type: ignore[arg-type]


def test_a_closed_connection_is_retried_and_the_message_posted_once(engine, emulator, sender,
                                                                     clock):
    [one] = queue(engine, note("through a flaky proxy"))
    emulator.fail("chat.postMessage", "close", 2)
    drain(sender, clock)
    assert outbox_ids(emulator) == {one: 1}
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]


def test_a_post_answered_after_the_timeout_is_found_not_posted_again(engine, emulator, sender,
                                                                   clock):
    [one] = queue(engine, note("slow Slack"))
    emulator.fail("chat.postMessage", "slow", 1, delay=2.0)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert row(engine, one).last_error.startswith("unknown:")
    emulator.wait_for("chat.postMessage", 1, timeout=5)  # Slack finished it after all
    clock.advance(31)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert outbox_ids(emulator) == {one: 1}
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]
    assert [c.method for c in emulator.calls][-1] == "conversations.history"


def test_a_post_answered_late_is_found_pages_back_in_a_busy_channel(engine, emulator, sender,
                                                                    clock):
    # The sender read one page (200): a post with 201 others after it was posted twice.
    [one] = queue(engine, note("slow Slack"))
    emulator.fail("chat.postMessage", "slow", 1, delay=2.0)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    emulator.wait_for("chat.postMessage", 1, timeout=5)
    for n in range(450):  # other people's posts since
        emulator.answer("chat.postMessage", {"channel": ALERTS, "text": f"chatter {n}"})
    clock.advance(31)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert outbox_ids(emulator) == {one: 1}
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]
    assert len(emulator.calls_to("conversations.history")) == 3  # 200, 200, then found


def test_slacks_passing_trouble_reading_the_channel_is_waited_out_not_posted_again(
        engine, emulator, sender, clock):
    # {"ok": false, "error": "internal_error"} on the read was taken as "cannot read":
    # the card was posted a second time.
    [one] = queue(engine, note("slow Slack"))
    emulator.fail("chat.postMessage", "slow", 1, delay=2.0)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    emulator.wait_for("chat.postMessage", 1, timeout=5)
    emulator.fail("conversations.history", "error", 1, error="internal_error")
    clock.advance(31)
    assert sender.deliver_due() == DeliveryReport(retried=1)
    assert row(engine, one).last_error.startswith("unknown:")  # still to be looked for
    clock.advance(600)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    assert outbox_ids(emulator) == {one: 1}


def test_without_a_readable_history_an_unanswered_post_is_posted_again(engine, clock):
    # At least once: in a workspace that did not grant the history scopes the channel
    # cannot be read back, so the sender posts again rather than lose the message.
    with SlackEmulator(token=TOKEN, history_scopes=False) as plain:
        sender = make_sender(engine, plain, clock)
        [one] = queue(engine, note("slow Slack"))
        plain.fail("chat.postMessage", "slow", 1, delay=2.0)
        assert sender.deliver_due() == DeliveryReport(retried=1)
        plain.wait_for("chat.postMessage", 1, timeout=5)
        clock.advance(31)
        assert sender.deliver_due() == DeliveryReport(sent=1)
        assert len(posts(plain)) == 2
        assert row(engine, one).ts == plain.channels[ALERTS][1]["ts"]


def test_a_refused_channel_fails_and_is_reported_once_with_the_fix(engine, emulator, sender,
                                                                  clock):
    emulator.closed_channels.add(SALES)
    first, second = queue(engine, note("digest", channel=SALES), note("card", channel=SALES))
    assert sender.deliver_due() == DeliveryReport(failed=2)
    assert sender.deliver_due() == DeliveryReport(sent=1)  # the report
    [third] = queue(engine, note("later digest", channel=SALES))
    assert sender.deliver_due() == DeliveryReport(failed=1)
    assert drain(sender, clock) == DeliveryReport()
    [report] = [c for c in posts(emulator) if c.args["channel"] == ADMINS]
    assert f"invite @creditbot to <#{SALES}>" in report.text
    assert "not_in_channel" in report.text and "alerts.digest" in report.text
    for failed in (first, second, third):
        stored = row(engine, failed)
        assert stored.failed_at is not None and stored.last_error == "not_in_channel"
        assert stored.ts is None
    # Tried once each: never retried.
    assert len([c for c in emulator.calls_to("chat.postMessage")
                if c.args["channel"] == SALES]) == 3


def test_each_kind_of_refusal_is_reported_with_its_own_fix(engine, emulator, sender):
    emulator.fail("chat.postMessage", "error", 1, error="is_archived")
    emulator.fail("conversations.open", "error", 1, error="user_not_found")
    queue(engine, note("digest"), note("reminder", channel=AMY))
    assert sender.deliver_due() == DeliveryReport(failed=2)
    assert sender.deliver_due() == DeliveryReport(sent=2)
    texts = sorted(c.text for c in posts(emulator) if c.args["channel"] == ADMINS)
    # Unarchiving alone never brought the refused alerts back: said beside the fix.
    assert (
        f":warning: creditbot could not deliver a message (alerts.digest) to <#{ALERTS}>: "
        f"Slack said `is_archived`. To fix: unarchive <#{ALERTS}>, or put the channel that "
        "replaced it in app.yaml (the alerts open now are posted again only to a channel "
        f"app.yaml names instead; unarchived, <#{ALERTS}> gets what comes after). Messages "
        f"to <#{ALERTS}> that fail the same way today are given up without another "
        "report.") in texts
    assert any(f"check the user id of <@{AMY}>" in t for t in texts)


def test_without_an_admin_channel_a_refusal_is_logged_as_an_error(engine, emulator, clock,
                                                                  caplog):
    sender = make_sender(engine, emulator, clock, admin_channel=None)
    emulator.closed_channels.add(SALES)
    [one] = queue(engine, note("digest", channel=SALES))
    with caplog.at_level(logging.ERROR, logger="creditbot.delivery.sender"):
        assert sender.deliver_due() == DeliveryReport(failed=1)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"invite @creditbot to <#{SALES}>" in record.getMessage()
    assert sender.deliver_due() == DeliveryReport()
    assert row(engine, one).failed_at is not None


def test_a_report_that_cannot_be_delivered_is_not_reported(engine, emulator, sender, caplog):
    emulator.closed_channels.update({SALES, ADMINS})
    queue(engine, note("digest", channel=SALES))
    with caplog.at_level(logging.ERROR, logger="creditbot.delivery.sender"):
        assert sender.deliver_due() == DeliveryReport(failed=1)
        assert sender.deliver_due() == DeliveryReport(failed=1)
        assert sender.deliver_due() == DeliveryReport()
    assert any(f"<#{ADMINS}>" in r.getMessage() for r in caplog.records
               if r.levelno == logging.ERROR)


def test_edits_of_a_message_that_failed_fail_without_a_report(engine, emulator, sender,
                                                              caplog):
    emulator.closed_channels.add(SALES)
    [card] = queue(engine, note("card", channel=SALES))
    [edit] = queue(engine, note("card, decided", update_of=card))
    [page] = queue(engine, note("page 2", thread_of=card))
    with caplog.at_level(logging.INFO, logger="creditbot.delivery.sender"):
        assert sender.deliver_due() == DeliveryReport(failed=3)
    assert row(engine, edit).last_error == "original_not_delivered"
    assert sender.deliver_due() == DeliveryReport(sent=1)  # one report, for the card
    # One ERROR, the card's; its edit and thread page say why at INFO, in the log's own
    # words (they read "Slack said original_not_delivered. To fix: see the log").
    said = [(r.levelname, r.getMessage()) for r in caplog.records
            if f"outbox {edit}:" in r.getMessage() or f"outbox {page}:" in r.getMessage()]
    assert said == [
        ("INFO", f"outbox {edit}: alerts.digest to {SALES} not sent: it edits outbox {card}, "
                 "which was not delivered"),
        ("INFO", f"outbox {page}: alerts.digest to {SALES} not sent: it replies in the "
                 f"thread of outbox {card}, which was not delivered")]


def test_one_message_a_second_per_channel_other_channels_interleaved(engine, emulator, sender,
                                                                      clock):
    queue(engine, *(note(f"a{i}") for i in range(10)))
    assert sender.deliver_due() == DeliveryReport(sent=10)
    assert clock.slept >= 9.0
    stamps = [c.args for c in posts(emulator)]
    assert len(stamps) == 10
    clock.slept = 0.0
    clock.advance(5)
    queue(engine, *(note(f"{ch}{i}", channel=ch) for i in range(5) for ch in (ALERTS, SALES)))
    assert sender.deliver_due() == DeliveryReport(sent=10)
    # Two channels side by side: 5 each take about 4 s, not 9.
    assert 4.0 <= clock.slept < 5.0


def test_a_long_backlog_for_one_channel_is_handed_back_before_the_claim_runs_out(
        engine, emulator, clock):
    sender = make_sender(engine, emulator, clock, lease=timedelta(seconds=10))
    queue(engine, *(note(f"a{i}") for i in range(12)))
    first = sender.deliver_due()
    # 5 s (half the lease) allows 6 messages at one a second; the rest go back, unclaimed.
    assert first == DeliveryReport(sent=6)
    with Session(engine) as session:
        assert session.scalars(select(OutboxRow.claimed_by)
                               .where(OutboxRow.sent_at.is_(None))).all() == [None] * 6
    assert sender.deliver_due() == DeliveryReport()  # due when the channel's pace allows
    clock.advance(1)
    assert sender.deliver_due() == DeliveryReport(sent=6)
    assert [m["text"] for m in emulator.channels[ALERTS]] == [f"a{i}" for i in range(12)]


def _locked() -> Exception:
    # As SQLAlchemy words it: the statement and its parameters on lines of their own,
    # which the log line showed cut off mid-word.
    from sqlalchemy.exc import OperationalError

    return OperationalError("UPDATE outbox SET claimed_by=?, claimed_until=? WHERE "
                            "outbox.id IN (SELECT outbox.id FROM outbox)", {"a": 1},
                            Exception("database is locked"))


@pytest.mark.parametrize(("failure", "logged"), [
    (_locked, "OperationalError: (builtins.Exception) database is locked"),
    (turn_not_had, TURN_NOT_HAD),
], ids=["locked", "turn-not-had"])
def test_the_loop_delivers_until_stopped_and_survives_a_failed_pass(engine, emulator, caplog,
                                                                    failure, logged):
    import threading

    from handlers.delivery.sender import SystemClock, run_sender

    caplog.set_level(logging.INFO, logger="creditbot.delivery.sender")

    # The machine's clock: messages queued while the loop runs are due at once.
    sender = make_sender(engine, emulator, SystemClock())  # type: ignore[arg-type]

    real_claim = sender.store.claim
    calls = {"n": 0}

    def claim_once_broken(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise failure()
        return real_claim(*args, **kwargs)  # type: ignore[arg-type]

    sender.store.claim = claim_once_broken  # type: ignore[method-assign]
    stop = threading.Event()
    loop = threading.Thread(target=run_sender, args=(sender, stop),
                            kwargs={"idle": timedelta(milliseconds=50)})
    queue(engine, note("one"), note("two", channel=SALES))
    loop.start()
    emulator.wait_for("chat.postMessage", 2, timeout=10)
    queue(engine, note("three", channel=SALES))
    emulator.wait_for("chat.postMessage", 3, timeout=10)
    stop.set()
    loop.join(timeout=5)
    assert not loop.is_alive()
    said = [r.getMessage() for r in caplog.records if r.name == "creditbot.delivery.sender"
            and ("pass" in r.getMessage())]
    assert said == [f"outbox: a delivery pass failed ({logged}); trying again",
                    "outbox: delivery passes work again after 1 failed"]
    assert sorted(c.text for c in posts(emulator)) == ["one", "three", "two"]


def test_a_refused_token_is_retried_and_logged_as_an_error(engine, emulator, sender, clock,
                                                           caplog):
    [one] = queue(engine, note("digest"))
    emulator.fail("chat.postMessage", "error", 2, error="invalid_auth")
    with caplog.at_level(logging.ERROR, logger="creditbot.delivery.sender"):
        assert sender.deliver_due() == DeliveryReport(retried=1)
    assert "fix SLACK_BOT_TOKEN" in caplog.text
    assert row(engine, one).failed_at is None
    drain(sender, clock)
    # The emulator answers an injected error with HTTP 200 too: count what the channel got.
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["digest"]
    assert row(engine, one).ts == emulator.channels[ALERTS][0]["ts"]


def test_a_refused_connection_is_retried_without_looking_for_the_post(engine, clock, caplog):
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    sender = Sender(OutboxStore(engine), delivery_client(TOKEN, f"http://127.0.0.1:{port}/api/",
                                                         timeout=1), clock=clock)
    [one] = queue(engine, note("digest"))
    with caplog.at_level(logging.DEBUG):
        assert sender.deliver_due() == DeliveryReport(retried=1)
    # One line for the failure, the sender's, naming the message; slack_sdk's ERROR
    # ("Failed to send a request to Slack API server") doubled it without saying which.
    said = [(r.name, r.levelname) for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == [("creditbot.delivery.sender", "WARNING")], caplog.text
    stored = row(engine, one)
    assert caplog.records[-1].getMessage() == (
        f"outbox {one} to {ALERTS}: {stored.last_error}; try 1, next at "
        f"{stored.next_attempt_at.isoformat(timespec='seconds')}")
    # Nothing reached Slack, so nothing needs looking for before the next try.
    assert not row(engine, one).last_error.startswith("unknown:")
    assert "Connection refused" in row(engine, one).last_error
    # The next tries are said at INFO: one warning a message, not one a try.
    caplog.clear()
    clock.advance(3600)
    with caplog.at_level(logging.DEBUG):
        assert sender.deliver_due() == DeliveryReport(retried=1)
    stored = row(engine, one)
    assert [(r.levelname, r.getMessage()) for r in caplog.records
            if r.name == "creditbot.delivery.sender" and "; try " in r.getMessage()] == [(
        "INFO", f"outbox {one} to {ALERTS}: {stored.last_error}; try 2, next at "
                f"{stored.next_attempt_at.isoformat(timespec='seconds')}")]


def test_the_feature_declares_the_scopes_of_every_method_the_sender_calls(engine, emulator,
                                                                           sender, clock):
    from handlers.delivery import FEATURE

    needs = {"chat.postMessage": {"chat:write"}, "chat.update": {"chat:write"},
             "conversations.open": {"im:write"},
             "conversations.history": {"channels:history", "groups:history", "im:history"},
             "conversations.replies": {"channels:history", "groups:history", "im:history"}}
    [card] = queue(engine, note("card"), note("dm", channel=AMY))[:1]
    queue(engine, note("edit", update_of=card), note("reply", thread_of=card))
    emulator.fail("chat.postMessage", "slow", 1, delay=2.0)
    drain(sender, clock)
    called = {c.method for c in emulator.calls}
    assert called >= {"chat.postMessage", "chat.update", "conversations.open",
                      "conversations.history"}
    for method in called:
        assert needs[method] <= set(FEATURE.scopes), method


def test_a_pass_asked_to_stop_hands_back_what_it_has_not_tried(engine, emulator, clock):
    import threading

    stop = threading.Event()

    class StoppedWhileWaiting(FakeClock):
        def sleep(self, seconds: float) -> None:
            stop.set()  # SIGTERM arrives while the channel's pace holds the next message
            super().sleep(seconds)

    waiting = StoppedWhileWaiting()
    sender = make_sender(engine, emulator, waiting)
    ids = queue(engine, note("a1"), note("a2"), note("a3"))
    assert sender.deliver_due(stop=stop) == DeliveryReport(sent=1)
    assert waiting.slept <= 0.2  # it did not sit out the whole second
    assert [row(engine, i).claimed_by for i in ids] == [None, None, None]
    assert [row(engine, i).sent_at is None for i in ids] == [False, True, True]
    # The next sender (another process, or this one restarted) sends them in order, at the
    # channel's pace.
    clock.advance(2)
    assert make_sender(engine, emulator, clock, owner="next").deliver_due() == DeliveryReport(
        sent=2)
    assert [m["text"] for m in emulator.channels[ALERTS]] == ["a1", "a2", "a3"]


def test_a_message_slack_finds_too_long_is_given_up_and_a_refusal_reported_again_next_day(
        engine, emulator, sender, clock):
    emulator.fail("chat.postMessage", "error", 1, error="msg_blocks_too_long")
    [first] = queue(engine, note("digest"))
    assert sender.deliver_due() == DeliveryReport(failed=1)
    assert sender.deliver_due() == DeliveryReport(sent=1)  # the report
    assert row(engine, first).last_error == "msg_blocks_too_long"
    clock.at += timedelta(days=1)
    emulator.fail("chat.postMessage", "error", 1, error="msg_blocks_too_long")
    queue(engine, note("next day's digest"))
    assert sender.deliver_due() == DeliveryReport(failed=1)
    assert sender.deliver_due() == DeliveryReport(sent=1)
    reports = [c.text for c in posts(emulator) if c.args["channel"] == ADMINS]
    assert reports == [
        f":warning: creditbot could not deliver a message (alerts.digest) to <#{ALERTS}>: "
        "Slack said `msg_blocks_too_long`. To fix: creditbot built a message whose blocks "
        "are longer than Slack allows: report it to its developers with this message. "
        f"Messages to <#{ALERTS}> that fail the same way today are given up without "
        "another report."] * 2


def test_a_persons_message_refused_as_no_channel_is_reported_with_the_persons_fix(
        engine, emulator, sender):
    # "check the channel id in app.yaml; if <@U…> is private, invite @creditbot to it":
    # the id was an account owner's, from the ERP, and a person has no invitation.
    owner = "U01SALESCHO"
    emulator.fail("chat.postMessage", "error", 1, error="channel_not_found")
    queue(engine, OutgoingMessage(channel=owner, kind="orders.note", text="held"))
    assert sender.deliver_due() == DeliveryReport(failed=1)
    assert sender.deliver_due() == DeliveryReport(sent=1)  # the report
    assert [c.text for c in posts(emulator) if c.args["channel"] == ADMINS] == [
        f":warning: creditbot could not deliver a message (orders.note) to <@{owner}>: Slack "
        f"said `channel_not_found`. To fix: check the user id of <@{owner}> in app.yaml, or "
        "the customer's owner_slack_id in the ERP export: Slack knows no one of that id in "
        f"this workspace. Messages to <@{owner}> that fail the same way today are given up "
        "without another report."]


def test_a_refusal_is_reported_once_a_day_of_the_organisation_not_of_utc(engine, emulator,
                                                                       clock):
    # At 01:00 and 10:00 in Shanghai (17:00 and 02:00 UTC, two days of UTC's) the same
    # broken channel was reported twice in one working day.
    shanghai = ZoneInfo("Asia/Shanghai")
    one_am = (clock.at.astimezone(shanghai) + timedelta(days=1)).replace(
        hour=1, minute=0, second=0, microsecond=0).astimezone(UTC)
    sender = make_sender(engine, emulator, clock, zone=shanghai)
    for hours in (0, 9, 33):
        clock.at = one_am + timedelta(hours=hours)
        emulator.fail("chat.postMessage", "error", 1, error="channel_not_found")
        queue(engine, note(f"digest at +{hours} h"))
        assert sender.deliver_due().failed == 1
        sender.deliver_due()
    reports = [c for c in posts(emulator) if c.args["channel"] == ADMINS]
    assert len(reports) == 2  # the first day's, and the next day's (10:00)
