"""Answering a person through the response_url, with a chat.postEphemeral apology as the
last resort. Never raises into the worker.

Every wait is bounded: one try waits at most ATTEMPT_TIMEOUT_SECONDS to connect and as
long again for Slack's answer; a refused try (HTTP 429 or 5xx, a connection refused or
closed unanswered) is tried again at most twice, honouring Retry-After up to
RETRY_AFTER_CAP_SECONDS, and never later than REPLY_DEADLINE_SECONDS after the first.
The first try runs on the caller's thread (already off the HTTP request path: a
background or lazy-listener thread); the tries again wait on a scheduler and run on a
small executor of their own, so a burst of refusals holds up no one else's answer.

The person gets the apology only when the answer surely did not arrive. A try that
timed out may well have arrived (urllib cannot tell a slow connect from a slow answer):
it is neither tried again, which could show the answer twice, nor apologised for, only
logged.
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from handlers.i18n import N_, Translator, translator

log = logging.getLogger("creditbot.replies")
# The SDK's own lines about a failed post (one per try, some with the response_url in
# them) are replaced by ours, which say what became of the answer.
_quiet_sdk = logging.getLogger("creditbot.replies.sdk")
_quiet_sdk.setLevel(logging.CRITICAL)

APOLOGY = N_("Sorry — Slack did not accept my answer just now, so I could not show it. "
             "Please try again in a minute. (reference {request_id})")

# Slack answers a response_url or Web API call in well under a second when it is well.
ATTEMPT_TIMEOUT_SECONDS = 5
# Slack has asked for 30 s in a rate-limited burst; a person does not wait that long,
# and a message that late is no longer an answer.
RETRY_AFTER_CAP_SECONDS = 3.0
# From the first try to the start of the last one; past it the person gets the apology.
REPLY_DEADLINE_SECONDS = 10.0
MAX_ATTEMPTS = 3
# Pause before trying again after a 5xx or a connection problem (with jitter).
BACKOFF_SECONDS = (0.5, 1.0)
# What Slack answers when the trouble is its own and passes ({"ok": false} with HTTP 200):
# a call that met one may be tried again (a read by the outbox's sender is, never taken
# as "cannot read, post again").
PASSING_ERRORS = frozenset({"internal_error", "fatal_error", "request_timeout",
                            "service_unavailable", "ratelimited"})


def passes(refused: SlackApiError) -> bool:
    """Whether Slack refused a call for a passing reason (429, a 5xx, its own trouble
    answered with HTTP 200): trying again later may succeed."""
    status = getattr(refused.response, "status_code", 200)
    return status == 429 or status >= 500 or refused.response.get("error") in PASSING_ERRORS


class _CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """The SDK's 429 handler sleeps for the whole Retry-After, however long."""

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None,
                                 error: Exception | None = None) -> None:
        if response is None:
            raise error  # type: ignore[misc]
        state.next_attempt_requested = True
        time.sleep(retry_pause(response.headers.get("retry-after")
                                or response.headers.get("Retry-After")))
        state.increment_current_attempt()


def rate_limit_retry() -> RetryHandler:
    """One more try after a 429 (Slack did not take the call), waiting at most
    RETRY_AFTER_CAP_SECONDS: safe even for posts, which must never be repeated blindly."""
    return _CappedRateLimitRetryHandler(max_retry_count=1)


def retry_handlers() -> list[RetryHandler]:
    """For the Web API client: two more tries on a refusal, each wait capped."""
    return [ConnectionErrorRetryHandler(max_retry_count=2),
            _CappedRateLimitRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=2)]


def retry_after_seconds(value: Any) -> float:
    """The pause a ``Retry-After`` header's value (or list of values) asks for, in
    seconds: a second when it is missing or not a finite number (``nan`` would pass
    every clamp and break ``time.sleep`` and ``timedelta``)."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        asked = float(value) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
    return max(asked, 0.0) if math.isfinite(asked) else 1.0


def retry_pause(value: Any) -> float:
    return min(retry_after_seconds(value), RETRY_AFTER_CAP_SECONDS) + random.random() * 0.2


# -- one try ---------------------------------------------------------------------------

@dataclass(frozen=True)
class _Outcome:
    delivered: bool = False
    # None: do not try again; otherwise the pause before the next try.
    retry_after: float | None = None
    # The try went out and got no answer in time: it may have arrived.
    unknown: bool = False
    reason: str = ""


def _post(url: str, message: dict[str, Any]) -> _Outcome:
    """POSTs ``message`` to ``url`` once and says what became of it."""
    hook = WebhookClient(url, timeout=ATTEMPT_TIMEOUT_SECONDS, retry_handlers=[],
                         logger=_quiet_sdk)
    backoff = BACKOFF_SECONDS[0] + random.random() * 0.2
    try:
        answer = hook.send_dict(message)
    except (TimeoutError, URLError) as problem:
        reason = problem.reason if isinstance(problem, URLError) else problem
        if isinstance(reason, TimeoutError):
            # urllib does not say whether connecting or waiting for the answer timed
            # out: the answer may have arrived.
            return _Outcome(unknown=True, reason=f"no answer within "
                                                 f"{ATTEMPT_TIMEOUT_SECONDS:g} s")
        # Refused, unresolvable, or closed without an answer (RemoteDisconnected).
        return _Outcome(retry_after=backoff, reason=f"{reason!r}")
    except (OSError, http.client.HTTPException) as problem:
        return _Outcome(retry_after=backoff, reason=f"{problem!r}")
    if answer.status_code == 200:
        return _Outcome(delivered=True)
    reason = f"HTTP {answer.status_code}: {str(answer.body)[:200]}"
    if answer.status_code == 429:
        return _Outcome(retry_after=retry_pause(answer.headers.get("Retry-After")
                                                 or answer.headers.get("retry-after")),
                        reason=reason)
    if answer.status_code >= 500:
        return _Outcome(retry_after=backoff, reason=reason)
    return _Outcome(reason=reason)  # e.g. 404 expired_url: trying again cannot help


# -- tries again, off the caller's thread ------------------------------------------------

class _Scheduler:
    """Runs callables after a delay on a small executor; no thread sleeps per waiting
    callable. Started in the process that first needs it (gunicorn forks first)."""

    def __init__(self, workers: int = 4) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._executor = ThreadPoolExecutor(max_workers=workers,
                                            thread_name_prefix="creditbot-replies")
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="creditbot-reply-timer")
        self._thread.start()

    def later(self, delay: float, task: Callable[[], None]) -> None:
        with self._changed:
            heapq.heappush(self._due, (time.monotonic() + delay, next(self._order), task))
            self._changed.notify()

    def now(self, task: Callable[[], None]) -> None:
        self._executor.submit(task)

    def drop_pending(self) -> int:
        """Forgets what waits for its time; how many."""
        with self._changed:
            dropped = len(self._due)
            self._due.clear()
            return dropped

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._due or self._due[0][0] > time.monotonic():
                    self._changed.wait(self._due[0][0] - time.monotonic() if self._due else None)
                _, _, task = heapq.heappop(self._due)
            self._executor.submit(task)


def later(delay: float, task: Callable[[], None]) -> None:
    """Runs ``task`` in ``delay`` seconds on the replies' executor (no thread waits)."""
    _retries().later(delay, task)


def drop_pending() -> int:
    """Forgets the tries again still waiting (a form's DM, an answer through a
    response_url), as the process's end would: for the end of the services they were
    for, whose Slack and database may be gone by their time. How many."""
    with _scheduler_lock:
        return _scheduler.drop_pending() if _scheduler is not None else 0


_scheduler: _Scheduler | None = None
_scheduler_lock = threading.Lock()


def _retries() -> _Scheduler:
    global _scheduler
    with _scheduler_lock:
        if _scheduler is None:
            _scheduler = _Scheduler()
        return _scheduler


class Replier:
    def __init__(self, response_url: str | None, client: WebClient, channel: str | None,
                 user: str | None, request_id: str, tr: Translator | None = None) -> None:
        self.response_url = response_url
        self.client = client
        self.channel = channel
        self.user = user
        self.request_id = request_id
        # The person's language, for the apology.
        self.tr = tr or translator(None)

    def __deepcopy__(self, memo: dict[int, object]) -> Replier:
        # Bolt deep-copies the context for lazy listeners; the client inside is shared.
        return self

    def __call__(self, text: str, blocks: list[dict[str, Any]] | None = None, *,
                 in_channel: bool = False, replace_original: bool = False) -> bool:
        """Shows the message; True if Slack took it at the first try. A refused try is
        tried again in the background (and apologised for if it never gets through)."""
        message: dict[str, Any] = {"text": text,
                                   "response_type": "in_channel" if in_channel else "ephemeral"}
        if blocks is not None:
            message["blocks"] = blocks
        if replace_original:
            message["replace_original"] = True
        if not self.response_url:
            _retries().now(self.apologise)
            return False
        delivery = _Delivery(self, self.response_url, message)
        return delivery.attempt()

    def apologise(self) -> None:
        """One bounded try: the apology matters less than not holding a thread for it."""
        if not (self.channel and self.user):
            return
        client = WebClient(token=self.client.token, base_url=self.client.base_url,
                           timeout=ATTEMPT_TIMEOUT_SECONDS, retry_handlers=[], logger=_quiet_sdk)
        try:
            client.chat_postEphemeral(channel=self.channel, user=self.user,
                                      text=self.tr._(APOLOGY, request_id=self.request_id))
        except (SlackApiError, OSError, http.client.HTTPException) as problem:
            log.error("[%s] could not apologise either: %r", self.request_id, problem)


class _Delivery:
    def __init__(self, replier: Replier, url: str, message: dict[str, Any]) -> None:
        self.replier = replier
        self.url = url
        self.message = message
        self.tries = 0
        self.deadline = time.monotonic() + REPLY_DEADLINE_SECONDS

    def attempt(self) -> bool:
        self.tries += 1
        outcome = _post(self.url, self.message)
        request_id = self.replier.request_id
        if outcome.delivered:
            if self.tries > 1:
                log.info("[%s] response_url took the answer at try %d", request_id, self.tries)
            return True
        if outcome.unknown:
            log.warning("[%s] response_url: %s; it may have arrived, so it is not sent "
                        "again", request_id, outcome.reason)
            return False
        pause = outcome.retry_after
        if (pause is not None and self.tries < MAX_ATTEMPTS
                and time.monotonic() + pause <= self.deadline):
            log.info("[%s] response_url refused try %d (%s); trying again in %.1f s",
                     request_id, self.tries, outcome.reason, pause)
            _retries().later(pause, self._again)
            return False
        log.warning("[%s] response_url did not take the answer after %d tries: %s",
                    request_id, self.tries, outcome.reason)
        _retries().now(self.replier.apologise)
        return False

    def _again(self) -> None:
        try:
            self.attempt()
        except Exception:  # a retry must never kill the executor's thread
            log.exception("[%s] retrying the answer failed", self.replier.request_id)
