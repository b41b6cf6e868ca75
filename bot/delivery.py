"""Where the outbox sender runs: beside every scheduler candidate (``creditbot scheduler``
and the child ``creditbot serve`` starts), leader or standby, and in ``creditbot jobs
run`` for the messages its job queued.

Several senders at once are safe (each row is claimed by one), so every candidate
delivers: a standby that delivers keeps messages flowing while leadership changes hands.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.config.schema import AppConfig
from bot.settings import Settings
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client, run_sender
from storage.outbox import OutboxStore
from storage.outbox_progress import OutboxProgress, progress_since

log = logging.getLogger("creditbot.delivery")

# What a process without a token says about the messages it cannot send.
NO_TOKEN = ("SLACK_BOT_TOKEN is not set, so this process delivers no message; queued "
            "messages wait in the outbox for a process that has it (creditbot serve or "
            "creditbot scheduler)")
# Passes after the job's messages are done, for what those passes queued.
_FLUSH_PASSES = 3
# After a stop, how long the sender may take to finish the post it is making (the
# client's timeout) before the process goes without it.
_JOIN_SECONDS = 12.0


def build_sender(settings: Settings, config: AppConfig, engine: Engine) -> Sender | None:
    """The process's sender, or ``None`` (and why, in the log) without a token."""
    token = settings.slack_bot_token
    if token is None:
        return None
    return Sender(OutboxStore(engine),
                  delivery_client(token.get_secret_value(), settings.slack_api_url),
                  admin_channel=config.organisation.admin_channel,
                  zone=config.organisation.zone)


def jobs_client(settings: Settings) -> WebClient | None:
    """A Web API client for the jobs that ask Slack (the ``people`` job): Slack's 429s
    waited out, as a job may ask about many people. ``None`` without a token."""
    token = settings.slack_bot_token
    if token is None:
        return None
    return WebClient(token=token.get_secret_value(), base_url=settings.slack_api_url,
                     timeout=10, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1),
                                                 ConnectionErrorRetryHandler()])


class SenderThread:
    """``run_sender`` in a thread of its own until ``stop`` is set."""

    def __init__(self, sender: Sender, stop: threading.Event) -> None:
        self.sender = sender
        self.stop = stop
        self._thread = threading.Thread(target=run_sender, args=(sender, stop),
                                        name="outbox-sender", daemon=True)

    def start(self) -> SenderThread:
        self._thread.start()
        log.info("outbox sender %s: delivering queued messages to %s", self.sender.owner,
                 self.sender.client.base_url)
        return self

    def join(self) -> None:
        """Waits for the sender to hand back its rows after ``stop`` was set."""
        self._thread.join(timeout=_JOIN_SECONDS)
        if self._thread.is_alive():
            log.warning("outbox sender %s did not stop in %.0f s; rows it holds come back "
                        "when their claims run out", self.sender.owner, _JOIN_SECONDS)


def start_beside_candidate(settings: Settings, config: AppConfig, engine: Engine,
                           stop: threading.Event) -> SenderThread | None:
    """Starts the sender of a scheduler process, or says in the log why there is none."""
    sender = build_sender(settings, config, engine)
    if sender is None:
        log.warning("outbox delivery is off: %s", NO_TOKEN)
        return None
    return SenderThread(sender, stop).start()


def deliver_queued(sender: Sender, engine: Engine, after: int, cap: timedelta,
                   report: Callable[[OutboxProgress], None],
                   every: timedelta = timedelta(seconds=10),
                   stop: threading.Event | None = None, *,
                   upto: int | None = None, stall: timedelta | None = None
                   ) -> OutboxProgress:
    """Delivers in this process until every message with an outbox id above ``after``
    (and at most ``upto``) is sent, given up, or waits for a retry later than ``cap``
    from now; or until ``cap`` has passed, or ``stall`` passed without one of them sent
    or given up (Slack unreachable: its retries would fill the cap). Other due messages
    go out too: a channel's messages go in order, and a failure's report to the admin
    channel is queued meanwhile. ``report`` is called every ``every`` with how far it
    got; returns the last count of the messages in range."""
    stop = stop or threading.Event()
    deadline = datetime.now(UTC) + cap
    moved, moved_at = -1, datetime.now(UTC)
    finished = threading.Event()
    timer = threading.Timer(cap.total_seconds(), stop.set)
    timer.daemon = True

    def keep_reporting() -> None:
        # Beside the passes, which may each take many seconds at one message a second.
        while not finished.wait(every.total_seconds()):
            try:
                report(progress_since(engine, after, upto))
            except Exception:
                log.exception("could not count the messages delivered so far")

    reporter = threading.Thread(target=keep_reporting, name="delivery-progress",
                                daemon=True)
    timer.start()
    reporter.start()
    try:
        while True:
            progress = progress_since(engine, after, upto)
            if progress.pending == 0 or progress.next_due is None \
                    or progress.next_due > deadline or stop.is_set():
                break
            now = datetime.now(UTC)
            if progress.sent + progress.failed != moved:
                moved, moved_at = progress.sent + progress.failed, now
            elif stall is not None and now - moved_at > stall:
                break
            done = sender.deliver_due(stop=stop)
            if done.sent == done.retried == done.failed == 0:
                # Nothing of ours was due yet: a retry's backoff, a channel's pace, or
                # rows another sender holds.
                until_due = (progress.next_due - datetime.now(UTC)).total_seconds()
                stop.wait(min(max(until_due, 0.2), 1.0))
        # What the passes queued themselves (a failure's report to the admin channel) is
        # due at once: a few more passes send it, not the whole of someone else's backlog.
        for _ in range(_FLUSH_PASSES):
            if stop.is_set() or sender.deliver_due(stop=stop) == DeliveryReport():
                break
        return progress
    finally:
        finished.set()
        timer.cancel()
        reporter.join(timeout=5)
