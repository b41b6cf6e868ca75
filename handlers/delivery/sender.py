"""Delivers the outbox to Slack: every committed message once, whatever Slack or the
process does.

One pass (``Sender.deliver_due``) claims the due rows, sends them channel by channel in
the order they were queued, and records each outcome:

- **sent**: Slack answered ok; its channel and ts are kept for later edits and replies.
- **retried**: Slack was unavailable — 429 (the channel waits ``Retry-After``; other
  channels go on), 5xx, a timeout, a closed or refused connection, an error that is not
  the message's fault. The row comes back after an exponential backoff with jitter,
  capped at ``backoff_cap``, and is retried until Slack takes it.
- **failed**: Slack refused the message for a reason retrying cannot fix (the bot is not
  in the channel, the channel is archived, the blocks are invalid…). The row is given
  up, and one report per channel and error goes to ``organisation.admin_channel``
  saying how to fix it; without an admin channel the problem is logged at ERROR.

A timeout or a connection closed unanswered does not tell whether Slack posted the
message. Every post carries its outbox id in Slack's message metadata; before posting
such a message again, the sender looks for it in the channel (``conversations.history``
or the thread's replies) and, if it is there, records it as sent instead. The same is
done for rows whose sender died while holding them. If the channel cannot be read
(no ``*:history`` scope), the message is posted again: delivered at least once.

A message with files (charts) is shared the way ``files_upload_v2`` does it, one step at
a time so that the sender knows how far it got: ``files.getUploadURLExternal`` and the
upload of the bytes for each file, then one ``files.completeUploadExternal`` that shares
them all in the channel with the text as comment. A failure before the last step posted
nothing and is retried like any other (the half-uploaded files are never shared, and
Slack drops them); the last step unanswered is uncertain as above, and the channel is
searched for a post since the row was queued carrying files of the same names.

Each channel gets at most one message per ``interval`` (Slack allows about one a second
per channel). The SDK's own retry handlers are not used: a retry inside the client would
hold the row and the channel while others wait, and would not be recorded.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.alerts.use_cases import DIGEST
from domain.errors import behind
from domain.messages import (
    UNCERTAIN,
    Attachment,
    MessageId,
    OutgoingMessage,
    PostedMessage,
    QueuedMessage,
)
from handlers.replies import passes, retry_after_seconds

log = logging.getLogger("creditbot.delivery.sender")

# Message metadata that names the outbox row a Slack message came from.
METADATA_EVENT = "creditbot_outbox"
# Reading a channel back for a post whose answer was lost: at most this many pages (of up
# to 200 messages; Slack may answer fewer) before posting it again.
READ_PAGES = 20
REPORT_KIND = "delivery.failed"

# Errors retrying cannot fix, with what an admin does about each. ``{where}`` is the
# channel or person as Slack shows them.
FIXES: dict[str, str] = {
    "not_in_channel": "invite @creditbot to {where} (type `/invite @creditbot` there)",
    "channel_not_found": "check the channel id in app.yaml; if {where} is private, invite "
                         "@creditbot to it",
    "is_archived": "unarchive {where}, or put the channel that replaced it in app.yaml",
    "restricted_action": "allow apps to post in {where} (workspace or channel posting "
                         "permissions)",
    "restricted_action_read_only_channel": "allow apps to post in {where}, which is "
                                           "read-only",
    "user_not_found": "check the user id of {where} in app.yaml, or the customer's "
                      "owner_slack_id in the ERP export",
    "user_disabled": "{where} was deactivated: remove them from app.yaml",
    "cannot_dm_bot": "{where} is a bot: name a person in app.yaml instead",
    "invalid_blocks": "creditbot built a message Slack refuses: report it to its "
                      "developers with this message",
    "msg_too_long": "creditbot built a message longer than Slack allows: report it to its "
                    "developers with this message",
    "no_text": "creditbot built an empty message: report it to its developers with this "
               "message",
    "msg_blocks_too_long": "creditbot built a message whose blocks are longer than Slack "
                           "allows: report it to its developers with this message",
    "invalid_arguments": "creditbot built a message Slack refuses: report it to its "
                         "developers with this message",
    "metadata_too_large": "creditbot built a message Slack refuses: report it to its "
                          "developers with this message",
    "invalid_metadata_format": "creditbot built a message Slack refuses: report it to its "
                               "developers with this message",
    "messages_tab_disabled": "{where} has turned off direct messages from apps: ask them to "
                             "allow messages from creditbot in its Messages tab",
    "message_not_found": "nothing: the message to edit was deleted in Slack",
    "cant_update_message": "nothing: the message to edit is not creditbot's",
    "edit_window_closed": "nothing: Slack no longer lets that message be edited",
}
# Not the message's fault but the deployment's (token, scopes): retried, and logged at
# ERROR at every try so that someone fixes the token; the messages wait for that.
DEPLOYMENT_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive",
                               "token_revoked", "token_expired", "missing_scope",
                               "no_permission", "org_login_required"})
# Why a thread page or an edit is not sent: creditbot's own reason, not Slack's.
ORIGINAL_NOT_DELIVERED = "original_not_delivered"
# Errors after which, Slack's reference says, "some aspect of the operation" may have
# succeeded: a post answered so may be in the channel (a 5xx answer alike).
MAYBE_DONE = frozenset({"internal_error", "fatal_error"})


class Clock(Protocol):
    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class DeliveryStore(Protocol):
    """What the sender needs from the outbox table (storage.outbox.OutboxStore)."""

    def claim(self, owner: str, limit: int, now: datetime,
              lease: timedelta) -> list[QueuedMessage]: ...

    def posted(self, message_id: MessageId) -> PostedMessage | None: ...

    def mark_sent(self, message_id: MessageId, sent_channel: str, ts: str,
                  now: datetime) -> bool: ...

    def retry_at(self, message_id: MessageId, owner: str, at: datetime, error: str,
                 *, attempted: bool = True) -> bool: ...

    def release(self, message_ids: list[MessageId], owner: str, at: datetime) -> None: ...

    def confirm(self, message_id: MessageId, owner: str, now: datetime,
                until: datetime) -> bool: ...

    def mark_failed(self, message_id: MessageId, owner: str, error: str, now: datetime,
                    report: OutgoingMessage | None = None) -> bool: ...


@dataclass(frozen=True)
class DeliveryReport:
    """What one pass did: messages Slack took, rows put back for a retry, rows given up."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(self.sent + other.sent, self.retried + other.retried,
                              self.failed + other.failed)


# slack_sdk logs a request that failed (a refused or dropped connection, an unreadable
# answer) at ERROR, without saying which message; the sender logs each failure itself, with
# the row, the channel and what it does next. Through this logger the sender's client
# keeps slack_sdk's debug lines (each request and answer) and leaves the failures to the
# sender, instead of two lines for each.
_SDK_LOG = logging.getLogger("creditbot.delivery.sender.slack_sdk")
_SDK_LOG.addFilter(lambda record: record.levelno < logging.WARNING)


def delivery_client(token: str, base_url: str = "https://slack.com/api/",
                    timeout: float = 10.0) -> WebClient:
    """A WebClient for the sender: no retry handlers (the sender retries, and records it)."""
    return WebClient(token=token, base_url=base_url, timeout=int(max(1, timeout)),
                     retry_handlers=[], logger=_SDK_LOG)


def default_owner() -> str:
    """Who claims rows: host, process and a random part (a restarted process with the
    same pid must not count as the old one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


# Outcomes of one row.
_SENT, _RETRIED, _FAILED = "sent", "retried", "failed"


class _Permanent(Exception):
    def __init__(self, error: str, where: str) -> None:
        super().__init__(error)
        self.error = error
        self.where = where


class _NotYet(Exception):
    """The message refers to one that is not delivered yet."""


@dataclass
class _Target:
    channel: str
    thread_ts: str | None = None
    update_ts: str | None = None


class _UploadFailed(OSError):
    """The bytes of a file did not reach Slack's upload URL: nothing was shared."""


@dataclass
class Sender:
    """Delivers due outbox rows. One per process; several processes may run at once.

    ``lease``: how long a claim lasts; a pass hands back what it has not sent by half of
    it, so its claims never run out while it works. ``interval``: the least time between
    two messages to one channel. ``backoff_base``/``backoff_cap``: the retry delay after
    the n-th failed try is drawn from [d/2, d] with d = min(cap, base * 2**(n-1)).
    ``settle``: how long after an unanswered post the sender looks for it in the channel,
    so that a post Slack is still working on is not missed.
    """

    store: DeliveryStore
    client: WebClient
    admin_channel: str | None = None
    owner: str = field(default_factory=default_owner)
    # The organisation's: a failure is reported once a day of its own, not of UTC's (at
    # UTC+8 the same broken channel was reported again at 08:00).
    zone: tzinfo = UTC
    clock: Clock = field(default_factory=SystemClock)
    rng: random.Random = field(default_factory=random.Random)
    lease: timedelta = timedelta(seconds=60)
    interval: timedelta = timedelta(seconds=1)
    backoff_base: timedelta = timedelta(seconds=2)
    backoff_cap: timedelta = timedelta(minutes=10)
    settle: timedelta = timedelta(seconds=30)
    batch_size: int = 50
    # When each channel (or person, for DMs) may get its next message.
    _free_at: dict[str, datetime] = field(default_factory=dict, init=False)
    _dm_channels: dict[str, str] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        if self.client.retry_handlers:
            raise ValueError("the sender retries by itself: give it a WebClient with "
                             "retry_handlers=[] (see delivery_client)")

    # -- one pass ------------------------------------------------------------------

    def deliver_due(self, limit: int | None = None,
                    stop: threading.Event | None = None) -> DeliveryReport:
        """Sends what is due now, at most ``limit`` rows; returns what happened. Once
        ``stop`` is set it sends nothing more and hands back the rows it has not tried."""
        start = self.clock.now()
        rows = self.store.claim(self.owner, limit or self.batch_size, start, self.lease)
        deadline = start + self.lease / 2
        queues: dict[str, deque[QueuedMessage]] = {}
        for row in rows:
            queues.setdefault(row.channel, deque()).append(row)
        counts = {_SENT: 0, _RETRIED: 0, _FAILED: 0}
        while queues and not _is_set(stop):
            channel = min(queues, key=lambda c: (self._free(c), queues[c][0].id))
            wait = (self._free(channel) - self.clock.now()).total_seconds()
            if wait > 0:
                if self.clock.now() + timedelta(seconds=wait) > deadline:
                    break
                self._pause(wait, stop)
                if _is_set(stop):
                    break
            row = queues[channel].popleft()
            now = self.clock.now()
            if not self.store.confirm(row.id, self.owner, now, now + self.lease):
                # This process stood still past its claim (a paused VM, a frozen
                # container, a long GC): another sender may have the row, and may have
                # posted it already. Posting it too would be a second copy.
                log.warning("outbox %s: its claim ran out before it was sent (this process "
                            "stood still, or Slack was slow, past it); left to the sender "
                            "that holds it now", row.id)
                if not queues[channel]:
                    del queues[channel]
                continue
            outcome, retry_at = self._deliver(row)
            counts[outcome] += 1
            if outcome == _RETRIED and queues[channel]:
                # The rest of the channel waits behind the row, in order.
                self.store.release([r.id for r in queues[channel]], self.owner, retry_at)
                queues[channel].clear()
            if not queues[channel]:
                del queues[channel]
        for channel, left in queues.items():
            self.store.release([r.id for r in left], self.owner,
                               max(self._free(channel), self.clock.now()))
        return DeliveryReport(counts[_SENT], counts[_RETRIED], counts[_FAILED])

    def _free(self, channel: str) -> datetime:
        return self._free_at.get(channel, datetime.min.replace(tzinfo=UTC))

    def _pause(self, seconds: float, stop: threading.Event | None) -> None:
        # In short steps, so that a process asked to stop does not first sit out a
        # channel's pace; the clock still does the sleeping (tests move it).
        while seconds > 0 and not _is_set(stop):
            step = seconds if stop is None else min(seconds, _STOP_CHECK_SECONDS)
            self.clock.sleep(step)
            seconds -= step

    # -- one row -------------------------------------------------------------------

    def _deliver(self, row: QueuedMessage) -> tuple[str, datetime]:
        now = self.clock.now()
        self._free_at[row.channel] = max(self._free(row.channel), now) + self.interval
        asked = False  # whether this try may have posted it
        try:
            target = self._target(row)
            if row.may_have_been_posted and target.update_ts is None:
                found = self._find_posted(row, target)
                if found is not None:
                    self.store.mark_sent(row.id, target.channel, found, self.clock.now())
                    log.info("outbox %s: found in %s, posted by an earlier try", row.id,
                             target.channel)
                    return _SENT, now
            uploaded = self._upload(row.files) if row.files else []
            asked = True
            ts = self._share(row, target, uploaded) if row.files else self._send(row, target)
        except _Permanent as refused:
            return self._give_up(row, refused.error, refused.where), now
        except _NotYet:
            at = self.clock.now() + self.interval
            self.store.retry_at(row.id, self.owner, at, row.last_error or "waiting for the "
                                "message it refers to", attempted=False)
            return _RETRIED, at
        except SlackApiError as problem:
            return self._slack_error(row, problem, where=_shown(row.channel),
                                     maybe_posted=asked and target.update_ts is None)
        except (TimeoutError, ConnectionError, http.client.HTTPException,
                urllib.error.URLError, OSError) as problem:
            return self._unanswered(row, problem, maybe_posted=asked and _maybe_posted(problem))
        self.store.mark_sent(row.id, target.channel, ts, self.clock.now())
        return _SENT, now

    def _target(self, row: QueuedMessage) -> _Target:
        referred = row.update_of or row.thread_of
        if referred is not None:
            posted = self.store.posted(referred)
            if posted is None or posted.failed:
                raise _Permanent(ORIGINAL_NOT_DELIVERED, _shown(row.channel))
            if not posted.sent or posted.sent_channel is None:
                raise _NotYet()
            if row.update_of is not None:
                return _Target(posted.sent_channel, update_ts=posted.ts)
            return _Target(posted.sent_channel, thread_ts=posted.ts)
        if not row.is_direct:
            return _Target(row.channel)
        channel = self._dm_channels.get(row.channel)
        if channel is None:
            try:
                opened = self.client.conversations_open(users=row.channel)
            except SlackApiError as problem:
                error = str(problem.response.get("error", ""))
                if error in FIXES:
                    raise _Permanent(error, _shown(row.channel)) from None
                raise
            channel = str(opened["channel"]["id"])
            self._dm_channels[row.channel] = channel
        return _Target(channel)

    def _send(self, row: QueuedMessage, target: _Target) -> str:
        blocks = row.blocks or None
        if target.update_ts is not None:
            self.client.chat_update(channel=target.channel, ts=target.update_ts,
                                    text=row.text, blocks=blocks)
            return target.update_ts
        answer = self.client.chat_postMessage(
            channel=target.channel, text=row.text, blocks=blocks, thread_ts=target.thread_ts,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": row.id}})
        return str(answer["ts"])

    def _upload(self, files: tuple[Attachment, ...]) -> list[tuple[str, Attachment]]:
        """Uploads the bytes of each file; the ids Slack gave them. Shares nothing."""
        uploaded = []
        for file in files:
            answer = self.client.files_getUploadURLExternal(
                filename=file.filename, length=len(file.content),
                alt_txt=file.alt_text or None)
            request = urllib.request.Request(str(answer["upload_url"]), data=file.content,
                                             method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.client.timeout) as response:
                    response.read()
            except urllib.error.HTTPError as refused:
                raise _UploadFailed(f"upload of {file.filename}: http {refused.code}") from None
            uploaded.append((str(answer["file_id"]), file))
        return uploaded

    def _share(self, row: QueuedMessage, target: _Target,
               uploaded: list[tuple[str, Attachment]]) -> str:
        answer = self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": file.title or file.filename}
                   for file_id, file in uploaded],
            channel_id=target.channel, initial_comment=row.text, thread_ts=target.thread_ts)
        # Slack shares asynchronously: the post's ts is in the answer only when the share
        # was done by then. Without it the row is sent with an empty ts (nothing edits
        # or replies under a files message).
        for shared in answer.get("files") or []:
            shares = shared.get("shares") or {}
            for where in ("public", "private"):
                posts = (shares.get(where) or {}).get(target.channel) or []
                if posts and posts[0].get("ts"):
                    return str(posts[0]["ts"])
        return ""

    def _find_posted(self, row: QueuedMessage, target: _Target) -> str | None:
        """The ts of the message an earlier, unanswered try posted, if Slack has it: read
        page by page (Slack may answer a few messages a page) since the row was queued."""
        oldest = f"{row.created_at.timestamp() - 1:.6f}"
        cursor: str | None = None
        for _page in range(READ_PAGES):
            try:
                answer = self._read(target, oldest, cursor)
            except SlackApiError as problem:
                error = problem.response.get("error")
                # Slack's own trouble passes: try again later rather than post twice.
                if passes(problem):
                    raise
                log.warning("outbox %s: cannot read %s to see whether an earlier try "
                            "posted it (%s); posting it again, which may show it twice",
                            row.id, target.channel, error)
                return None
            found = self._posted_among(row, answer.get("messages") or [])
            if found is not None:
                return found
            cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
            if not answer.get("has_more") or cursor is None:
                return None
        log.warning("outbox %s: %s has more than %d pages since the row was queued; posting "
                    "it again, which may show it twice", row.id, target.channel, READ_PAGES)
        return None

    def _read(self, target: _Target, oldest: str, cursor: str | None) -> Any:
        if target.thread_ts is not None:
            return self.client.conversations_replies(
                channel=target.channel, ts=target.thread_ts, oldest=oldest, limit=200,
                include_all_metadata=True, cursor=cursor)
        return self.client.conversations_history(
            channel=target.channel, oldest=oldest, limit=200, include_all_metadata=True,
            cursor=cursor)

    @staticmethod
    def _posted_among(row: QueuedMessage, messages: list[dict[str, Any]]) -> str | None:
        names = sorted(f.filename for f in row.files)
        for message in messages:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (metadata.get("event_type") == METADATA_EVENT
                    and payload.get("outbox_id") == row.id):
                return str(message["ts"])
            # A file share carries no metadata: the same files, shared since the row was
            # queued (their names carry the report's week and nobody else names them so).
            if names and names == sorted(
                    str(f.get("name")) for f in message.get("files") or []):
                return str(message["ts"])
        return None

    # -- outcomes --------------------------------------------------------------------

    def _slack_error(self, row: QueuedMessage, problem: SlackApiError, where: str,
                     maybe_posted: bool = False) -> tuple[str, datetime]:
        """``maybe_posted``: the request was a post (not an edit, not an upload alone)."""
        status = problem.response.status_code
        error = str(problem.response.get("error", "")) or f"http {status}"
        if status == 429:
            wait = _retry_after(problem.response.headers)
            at = self.clock.now() + wait
            # Slack's limit is per channel: only this channel waits.
            self._free_at[row.channel] = max(self._free(row.channel), at)
            self.store.retry_at(row.id, self.owner, at, _keep_uncertain(row, "ratelimited"))
            log.info("outbox %s: rate limited in %s, retrying in %s", row.id, row.channel, wait)
            return _RETRIED, at
        if status < 500 and error in FIXES:
            return self._give_up(row, error, where), self.clock.now()
        if error in DEPLOYMENT_ERRORS:
            log.error("outbox %s: Slack refused creditbot's token (%s): fix SLACK_BOT_TOKEN "
                      "or the app's scopes; the messages wait until then", row.id, error)
        if maybe_posted and (status >= 500 or error in MAYBE_DONE):
            # Slack may have posted it before failing (its own words for these errors), or
            # be finishing it (a gateway's 5xx; a share completes asynchronously): the
            # next try looks for it first, once Slack must be done with this one.
            return self._retry(row, f"{UNCERTAIN} {error} (http {status})",
                               at_least=self.settle)
        return self._retry(row, _keep_uncertain(row, f"{error} (http {status})"))

    def _unanswered(self, row: QueuedMessage, problem: Exception,
                    maybe_posted: bool) -> tuple[str, datetime]:
        reason = f"{type(problem).__name__}: {problem}"
        if maybe_posted:
            # Look for it only once Slack must be done with the unanswered request.
            error = f"{UNCERTAIN} no answer ({reason})"
            return self._retry(row, error, at_least=self.settle)
        return self._retry(row, _keep_uncertain(row, reason))

    def _retry(self, row: QueuedMessage, error: str,
               at_least: timedelta = timedelta(0)) -> tuple[str, datetime]:
        at = self.clock.now() + max(self.backoff(row.attempts + 1), at_least)
        self.store.retry_at(row.id, self.owner, at, error)
        # At WARNING the first time, then at INFO: with Slack unreachable, each message's
        # every try made the log 65 warnings in a minute for nine messages.
        log.log(logging.WARNING if row.attempts == 0 else logging.INFO,
                "outbox %s to %s: %s; try %d, next at %s", row.id, row.channel, error,
                row.attempts + 1, at.isoformat(timespec="seconds"))
        return _RETRIED, at

    def backoff(self, tries: int) -> timedelta:
        """The wait after the ``tries``-th failed try: exponential, capped, jittered so
        that senders that failed together do not come back together."""
        full = min(self.backoff_cap.total_seconds(),
                   self.backoff_base.total_seconds() * 2 ** min(tries - 1, 30))
        return timedelta(seconds=self.rng.uniform(full / 2, full))

    def _give_up(self, row: QueuedMessage, error: str, where: str) -> str:
        report = self._report(row, error, where)
        self.store.mark_failed(row.id, self.owner, error, self.clock.now(), report)
        if error == ORIGINAL_NOT_DELIVERED:
            # Not Slack's word, and nothing to fix here: the original's failure was
            # logged and reported; a thread page or an edit of it fails with it.
            log.info("outbox %s: %s to %s not sent: it %s outbox %s, which was not "
                     "delivered", row.id, row.kind, row.channel,
                     "edits" if row.update_of is not None else "replies in the thread of",
                     row.update_of or row.thread_of)
        elif report is None:
            log.error("outbox %s: cannot deliver %s to %s: Slack said %s. To fix: %s",
                      row.id, row.kind, row.channel, error, _fix(error, where))
        else:
            log.warning("outbox %s: cannot deliver %s to %s (%s); reported in %s", row.id,
                        row.kind, row.channel, error, self.admin_channel)
        return _FAILED

    def _report(self, row: QueuedMessage, error: str, where: str) -> OutgoingMessage | None:
        if error == ORIGINAL_NOT_DELIVERED:
            return None  # its original's failure was reported
        if self.admin_channel is None or row.kind == REPORT_KIND \
                or row.channel == self.admin_channel:
            return None  # nowhere to report, or the report itself cannot be delivered
        text = (f":warning: creditbot could not deliver a message ({row.kind}) to {where}: "
                f"Slack said `{error}`. To fix: {_fix(error, where, row.kind)}. Messages to "
                f"{where} that fail the same way today are given up without another report.")
        # Once a day per channel and cause: a problem fixed and back next week is
        # reported again, a channel refusing a whole digest only once.
        day = self.clock.now().astimezone(self.zone).date().isoformat()
        return OutgoingMessage(channel=self.admin_channel, kind=REPORT_KIND, text=text,
                               dedup_key=f"{REPORT_KIND}:{row.channel}:{error}:{day}")

    # -- as a loop -----------------------------------------------------------------

    def run(self, stop: threading.Event, idle: timedelta = timedelta(seconds=1)) -> None:
        """Delivers until ``stop`` is set; waits ``idle`` when nothing was due. A failed
        pass (the database away or locked for a moment) is logged and the loop goes on,
        waiting longer after each failure in a row, up to a minute."""
        failures = 0
        while not stop.is_set():
            try:
                report = self.deliver_due(stop=stop)
            except Exception as problem:
                failures += 1
                # One line a failure (a traceback only at DEBUG, first of a row): a
                # database away for an hour must not fill the log with tracebacks.
                log.error("outbox: a delivery pass failed (%s); trying again",
                          _failure(problem),
                          exc_info=failures == 1 and log.isEnabledFor(logging.DEBUG))
                stop.wait(min(idle.total_seconds() * 2 ** min(failures, 10), 60.0))
                continue
            if failures:
                # The all-clear, so that the last line of an outage is not its error.
                log.info("outbox: delivery passes work again after %d failed", failures)
            failures = 0
            if report == DeliveryReport():
                stop.wait(idle.total_seconds())
            else:
                log.info("outbox: %d sent, %d to retry, %d given up", report.sent,
                         report.retried, report.failed)


# SQLAlchemy ends each error with a link to its documentation: noise in an operator's log.
_BACKGROUND = re.compile(r"\s*\(Background on this error at: \S+\)")


# A database error's statement and parameters follow its message on lines of their own:
# the driver's reason is what an operator reads, not a statement cut off mid-word.
_STATEMENT = re.compile(r"\n\[SQL: .*", re.DOTALL)


def _failure(problem: BaseException) -> str:
    """A failed pass as an operator reads it: the driver's or the writers' gate's words,
    not "the credit records are not answering …", which is what a person is told."""
    problem = behind(problem)
    said = " ".join(_STATEMENT.sub("", _BACKGROUND.sub("", str(problem))).split())[:300]
    return f"{type(problem).__name__}: {said}"


def run_sender(sender: Sender, stop_event: threading.Event,
               idle: timedelta = timedelta(seconds=1)) -> None:
    """The scheduler's entry point: deliver until ``stop_event`` is set."""
    sender.run(stop_event, idle)


# How often a pause between two messages looks whether the process is stopping.
_STOP_CHECK_SECONDS = 0.2


def _is_set(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()


# What an admin must know of a kind's refusal besides its fix.
_AFTER_FIX: dict[tuple[str, str], str] = {
    # An admin who unarchived the channel waited for the alerts Slack refused, which are
    # never posted there again: only a destination not yet told is (domain.alerts).
    (DIGEST, "is_archived"): " (the alerts open now are posted again only to a channel "
                             "app.yaml names instead; unarchived, {where} gets what comes "
                             "after)",
}


# A person's direct message refused so: the fix is theirs, not a channel's (inviting
# @creditbot to a person was the advice given).
_PERSON_FIXES: dict[str, str] = {
    "channel_not_found": "check the user id of {where} in app.yaml, or the customer's "
                         "owner_slack_id in the ERP export: Slack knows no one of that id "
                         "in this workspace",
}


def _fix(error: str, where: str, kind: str = "") -> str:
    fixes = _PERSON_FIXES if where.startswith("<@") and error in _PERSON_FIXES else FIXES
    return (fixes.get(error, "see the log")
            + _AFTER_FIX.get((kind, error), "")).format(where=where)


def _shown(channel: str) -> str:
    """How Slack shows a channel or a person in a message."""
    return f"<@{channel}>" if channel[:1] in "UW" else f"<#{channel}>"


def _retry_after(headers: Any) -> timedelta:
    value = None
    for name in ("Retry-After", "retry-after"):
        if headers and name in headers:
            value = headers[name]
            break
    return timedelta(seconds=min(max(retry_after_seconds(value), 1.0), 3600.0))


def _keep_uncertain(row: QueuedMessage, error: str) -> str:
    # A failed check or a refused retry does not settle whether an earlier try posted it.
    return f"{UNCERTAIN} {error}" if row.may_have_been_posted else error


def _maybe_posted(problem: Exception) -> bool:
    """Whether Slack may have taken a request that got no answer: yes unless the
    connection was never made."""
    if isinstance(problem, urllib.error.URLError) and not isinstance(problem, ConnectionError):
        problem = problem.reason if isinstance(problem.reason, Exception) else problem
    return not isinstance(problem, ConnectionRefusedError | socket.gaierror)


