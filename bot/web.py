"""The HTTP face of the bot: POST /slack/events for Slack, GET /healthz for the load
balancer. A plain WSGI callable, served by gunicorn in production and by a threaded
wsgiref server in the sandbox and the tests.

A request to /slack/events goes through, in this order, and stops at the first "no":
its size (at most MAX_BODY_BYTES, read no further), its signature (HMAC over the raw
bytes, timestamp within five minutes), its shape (UTF-8, a form or JSON object), and
whether this delivery was processed before (a key claimed in the database, shared by
every worker process). Only then does Bolt see it. Nothing here logs a body: bodies
carry response_urls, which let anyone post as the bot for half an hour.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Overran
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltContext, BoltRequest
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from slack_bolt.request.internals import build_context
from sqlalchemy import Engine

from bot.slack_app import SlackIdentity
from handlers.form_submit import ARRIVED
from storage.db import database_problem, probe_engine
from storage.requests import ClaimFailed, ProcessedRequests

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger("creditbot.web")

# Slack's own payloads are a few KB; the largest, a button pressed on a message with
# 50 full blocks, form-encoded, stays in the hundreds of KB. 1 MiB leaves room for that
# and bounds what 16 request threads can be made to hold to 16 MiB per worker.
MAX_BODY_BYTES = 1024 * 1024
# Slack gives up on a request after 3 s; a body still arriving after 5 is not Slack's,
# and holds a request thread for as long as its sender likes.
BODY_DEADLINE_SECONDS = 5.0
# Slack's rule: a request whose timestamp is further than this from now is a replay.
SIGNATURE_MAX_AGE_SECONDS = 5 * 60
# A load balancer gives up after a few seconds; a database that has not answered by
# then is as good as down, whatever it does later.
HEALTH_DEADLINE_SECONDS = 1.5
# Probes allowed to run at once, so that a database that hangs every question holds a
# few threads, not one per load-balancer check.
MAX_HEALTH_PROBES = 3
MAX_TIMESTAMP_DIGITS = 12
# How long a delivery's claim may hold the answer: a form's is due 2 s after it arrived
# (handlers.form_submit), and its own work needs some of them.
CLAIM_WAIT_SECONDS = 1.5


@dataclass(frozen=True)
class Refusal:
    status: str
    error: str
    # For the log: why, without the body.
    why: str


class _Watch:
    __slots__ = ("deadline", "done", "fired", "sock")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline, self.done, self.fired = sock, deadline, False, False


class BodyDeadlines:
    """Ends the read of a body that has not arrived within ``seconds``: each request
    thread holds one body, so sixteen clients trickling a byte a second would otherwise
    hold every thread of a server for as long as they like. A socket timeout cannot do
    this (it bounds each recv, and a byte a second satisfies it), so one thread per
    process shuts the socket's reading side at the deadline, which ends the read at once.
    Deadlines are all the same length, so the queue is in deadline order."""

    def __init__(self, seconds: float = BODY_DEADLINE_SECONDS) -> None:
        self.seconds = seconds
        self._queue: deque[_Watch] = deque()
        self._wake = threading.Condition()
        self._pid = 0

    def watch(self, sock: socket.socket) -> _Watch:
        watch = _Watch(sock, time.monotonic() + self.seconds)
        with self._wake:
            if self._pid != os.getpid():  # first use in this (possibly forked) process
                self._pid = os.getpid()
                threading.Thread(target=self._run, daemon=True,
                                 name="creditbot-body-deadlines").start()
            self._queue.append(watch)
            if len(self._queue) == 1:
                self._wake.notify()
        return watch

    def release(self, watch: _Watch) -> bool:
        """Stops watching; True if the deadline had already cut the read short."""
        with self._wake:
            watch.done = True
            return watch.fired

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue:
                    self._wake.wait()
                head = self._queue[0]
                delay = head.deadline - time.monotonic()
                if head.done:
                    self._queue.popleft()
                    continue
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                self._queue.popleft()
                head.fired = True
            with contextlib.suppress(OSError):  # the client may have gone already
                head.sock.shutdown(socket.SHUT_RD)


def read_body(environ: dict[str, Any], deadlines: BodyDeadlines | None = None
              ) -> bytes | Refusal:
    """The raw body, read no further than MAX_BODY_BYTES + 1, and (under gunicorn, whose
    socket is in the environ) for no longer than the deadlines allow."""
    declared = environ.get("CONTENT_LENGTH") or ""
    stream = environ.get("wsgi.input")
    if declared:
        if not declared.isdigit():
            return Refusal("400 Bad Request", "bad Content-Length",
                           f"Content-Length {declared[:20]!r}")
        length = int(declared)
        if length > MAX_BODY_BYTES:
            return Refusal("413 Content Too Large", "body too large",
                           f"Content-Length {length} over {MAX_BODY_BYTES}")
    elif environ.get("wsgi.input_terminated"):
        length = MAX_BODY_BYTES + 1  # chunked: the server ends the stream for us
    else:
        length = 0  # without a length, reading could wait for a client that never ends
    sock = environ.get("gunicorn.socket")
    watch = (deadlines.watch(sock) if deadlines is not None and length > 0
             and isinstance(sock, socket.socket) else None)
    chunks: list[bytes] = []
    left = length
    broken = False
    try:
        while left > 0 and stream is not None:
            chunk = stream.read(min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except Exception:
        # The server's own error for a body that ended early (a client gone, or the
        # deadline's shutdown): either way, no body to answer.
        broken = True
    if watch is not None and deadlines is not None and deadlines.release(watch):
        return Refusal("408 Request Timeout", "body too slow",
                       f"body not received within {deadlines.seconds:g} s "
                       f"({length - left} of {declared or '?'} bytes)")
    if broken:
        return Refusal("400 Bad Request", "body cut short",
                       f"body ended after {length - left} of {declared or '?'} bytes")
    body = b"".join(chunks)
    if len(body) > MAX_BODY_BYTES:
        return Refusal("413 Content Too Large", "body too large",
                       f"chunked body over {MAX_BODY_BYTES}")
    return body


# The refusals that mean the signing secret is not Slack's (SLACK_SIGNING_SECRET).
WRONG_SECRET = ("signature mismatch", "no signing secret configured")


def signature_problem(secret: bytes, environ: dict[str, Any], body: bytes,
                      now: float) -> str | None:
    """Why the request is not from Slack, or None: Slack signs ``v0:timestamp:body``
    with the app's signing secret (HMAC-SHA256)."""
    stamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
    signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
    # int() of an unbounded string of digits is slow or refused (Python's 4300-digit
    # limit); a real timestamp has 10 digits until the year 2286.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_TIMESTAMP_DIGITS):
        return "no timestamp"
    if abs(now - int(stamp)) > SIGNATURE_MAX_AGE_SECONDS:
        return "timestamp more than 5 minutes away"
    if not secret:
        return "no signing secret configured"
    expected = b"v0=" + hmac.new(secret, b"v0:" + stamp.encode() + b":" + body,
                                 hashlib.sha256).hexdigest().encode()
    # WSGI hands headers over as latin-1 strings; any byte value survives the trip.
    if not hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        return "signature mismatch"
    return None


class Malformed(ValueError):
    """A signed body that is not a payload Slack sends; the message says why without
    quoting the body."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; whoever checked the first one would
    # be looking at a value Bolt never sees.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise Malformed("a key appears twice in one JSON object")
        result[key] = value
    return result


def parse_payload(text: str, content_type: str | None) -> dict[str, Any]:
    """The body as Bolt will read it (slack_bolt.request.internals.parse_body), but
    strict: duplicate JSON keys or form fields and anything but an object are refused."""
    if not text:
        return {}
    if content_type == "application/json" or text.startswith("{"):
        parsed = json.loads(text, object_pairs_hook=_unique_keys)
    else:
        # Strict: a %-escape that is not UTF-8 (%FF, an encoded surrogate) would reach
        # Bolt, which decodes with errors="replace", as U+FFFD in what the person typed.
        try:
            fields = parse_qsl(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise Malformed("a %-escape in the form is not UTF-8") from None
        form = dict(fields)
        if len(form) != len(fields):
            raise Malformed("a form field appears twice")
        # An interaction is one field, ``payload``, holding JSON. Bolt asks whether the
        # body's *text* holds the word, so a command typed as "check payload systems", or
        # sent from a channel named payload-team, read as an interaction without one.
        payload = form.get("payload")
        parsed = form if payload is None else json.loads(payload,
                                                         object_pairs_hook=_unique_keys)
    if not isinstance(parsed, dict):
        raise Malformed(f"a {type(parsed).__name__}, not an object")
    return parsed


# Fields read here, by the delivery claim, or by Bolt to route a request; when present
# they must be strings.
_STRING_FIELDS = ("type", "event_id", "trigger_id", "command", "text", "user_id",
                  "channel_id", "team_id", "api_app_id", "response_url", "callback_id")
# Objects in interactive payloads that Bolt reads ids out of.
_OBJECT_FIELDS = ("user", "team", "channel", "container", "view", "message", "enterprise")


# What a form field's state holds where Slack writes a string (or null, left empty).
_FIELD_STRINGS = ("type", "value", "selected_date", "selected_time", "selected_user",
                  "selected_conversation", "selected_channel")
# The payload types Slack posts to a Request URL: the Events API's envelopes and every
# interaction. Any other, signed, is not Slack's (Bolt answered it 404, as a wrong URL).
_SLACK_TYPES = frozenset({
    "url_verification", "event_callback", "app_rate_limited", "block_actions",
    "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action",
    "interactive_message", "dialog_submission", "dialog_cancellation", "dialog_suggestion",
    "workflow_step_edit"})
# Slack's notice that it dropped this app's events for a minute: nothing to answer.
RATE_LIMITED = "app_rate_limited"


# What people type (a command's text) and what creditbot wrote (a button's value) may hold
# line breaks; Slack's ids, types and URLs never hold a control character, and a NUL in
# one reached the database (PostgreSQL refuses it in text: an apology and a traceback)
# and the log.
_FREE_TEXT = ("text", "value")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _strings(obj: dict[str, Any], names: tuple[str, ...], where: str,
             *, null: bool = False) -> None:
    for name in names:
        value = obj.get(name)
        if name in obj and not isinstance(value, str) and not (null and value is None):
            raise Malformed(f"{where}{name} is a {type(value).__name__}, not a string")
        if isinstance(value, str) and name not in _FREE_TEXT and _CONTROL.search(value):
            raise Malformed(f"{where}{name} holds a control character")


def _minute(epoch: object) -> str:
    """Slack's Unix minute as a person reads it, in UTC as the leases' times are."""
    if isinstance(epoch, int) and not isinstance(epoch, bool) and 0 < epoch < 2**33:
        return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "an unknown time"


def check_shape(payload: dict[str, Any]) -> None:
    """Raises Malformed unless the payload has the shape Slack gives what web.py, the
    delivery claim and Bolt's routing read."""
    try:
        # A JSON escape such as "\ud800" decodes to a lone surrogate, which no UTF-8
        # encoder (the database driver's, Slack's) accepts later.
        json.dumps(payload, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed("a string holds a lone surrogate") from None
    _strings(payload, _STRING_FIELDS, "")
    if not (payload.get("type") or payload.get("command") or payload.get("ssl_check")):
        # No route could take it: Bolt would answer 404, as if the URL were wrong.
        raise Malformed("neither a command, an event nor an interaction")
    if payload.get("type") and not payload.get("command") and \
            payload["type"] not in _SLACK_TYPES:
        raise Malformed(f"a payload of type {payload['type'][:40]!r}, which Slack does not send")
    for name in _OBJECT_FIELDS:
        value = payload.get(name)
        if value is None:  # Slack writes "enterprise": null, "team": null for some apps
            continue
        if not isinstance(value, dict):
            raise Malformed(f"{name} is a {type(value).__name__}, not an object")
        _strings(value, ("id", "type", "callback_id"), f"{name}.", null=True)
    kind = payload.get("type")
    if "event" in payload or kind == "event_callback":
        event = payload.get("event")
        if not isinstance(event, dict):
            raise Malformed(f"event is a {type(event).__name__}, not an object")
        # event.user is an id in most events and the person's object in user_change.
        _strings(event, ("type", "channel", "tab", "subtype"), "event.")
        if "user" in event and not isinstance(event["user"], str | dict):
            raise Malformed(f"event.user is a {type(event['user']).__name__}, not a string")
        if isinstance(event.get("user"), str):
            _strings(event, ("user",), "event.")
        elif isinstance(event.get("user"), dict):
            # Bolt takes the context's user id from it: a list there broke every lookup.
            # A bot user's tz is null; its locale may be too.
            _strings(event["user"], ("id", "locale", "tz"), "event.user.", null=True)
            if not isinstance(event["user"].get("id"), str):
                raise Malformed("event.user has no id")
        if not isinstance(event.get("type"), str):
            raise Malformed("event has no type")
        if event["type"] == "app_home_opened" and not isinstance(event.get("user"), str):
            raise Malformed("app_home_opened has no user")
    if "actions" in payload or kind == "block_actions":
        actions = payload.get("actions")
        # Slack sends one action per block_actions payload; a second one could pair
        # one button's listener with another button's value.
        if not (isinstance(actions, list) and len(actions) == 1
                and isinstance(actions[0], dict)):
            raise Malformed("actions is not a list of exactly one object")
        _strings(actions[0], ("action_id", "block_id", "value", "type", "action_ts"),
                 "actions.0.")
        if not isinstance(actions[0].get("action_id"), str):
            raise Malformed("the action has no action_id")
    if kind in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not (isinstance(view, dict) and isinstance(view.get("type"), str)):
            raise Malformed(f"{kind} without a view that has a type")
        if not isinstance(view.get("callback_id"), str):
            # Slack always sends one ("" when the form was opened without); without it
            # no listener, not even the retired forms', can take the submission.
            raise Malformed(f"{kind} with a view that has no callback_id")
        state = view.get("state") or {}
        values = state.get("values") or {} if isinstance(state, dict) else None
        if not (isinstance(values, dict)
                and all(isinstance(fields, dict) for fields in values.values())):
            # Slack's form state is blocks of fields, each an object; listeners read it so.
            raise Malformed(f"{kind} whose view.state is not blocks of fields")
        for block, elements in values.items():
            for action, state in elements.items():
                # A number or a list where Slack writes a string was read as the field
                # left empty, and an approval's empty "lower limit" approves it all.
                if not isinstance(state, dict):
                    raise Malformed(f"{kind} whose field {block[:40]}.{action[:40]} is "
                                    f"a {type(state).__name__}, not an object")
                _strings(state, _FIELD_STRINGS, "a field's ", null=True)
                chosen = state.get("selected_option")
                if not isinstance(chosen, dict | None):
                    raise Malformed(f"{kind} whose selected_option is a "
                                    f"{type(chosen).__name__}, not an object")
                if chosen is not None:
                    _strings(chosen, ("value",), "a field's selected_option.", null=True)
        for name in ("title", "close", "submit"):
            if not isinstance(view.get(name), dict | None):
                # The notice a refusal turns the form into copies them (notice_view).
                raise Malformed(f"{kind} whose view.{name} is not an object")


def delivery_key(payload: dict[str, Any], body: bytes) -> str | None:
    """What makes this delivery the same as a retry or a replay of it; None for
    requests this layer answers every time (URL verification, SSL checks, commands)."""
    kind = payload.get("type")
    if kind == "url_verification" or payload.get("ssl_check"):
        return None
    if payload.get("command"):
        # A command that records is claimed by its listener, inside the answer's budget
        # (handlers.credit): here a slow database would hold the request past Slack's
        # 3 s, and a claim that failed would run it anyway. /credit check is not claimed
        # at all: a replay reads the figures again, no write for every check.
        return None
    event_id = payload.get("event_id")
    if kind == "event_callback" and isinstance(event_id, str) and event_id:
        key = f"event:{event_id}"
    elif isinstance(payload.get("trigger_id"), str) and payload["trigger_id"]:
        # Slack mints one per person's action (a command typed, a button pressed).
        key = f"trigger:{payload['trigger_id']}"
    else:
        return f"body:{hashlib.sha256(body).hexdigest()}"
    return key if len(key) <= 200 else f"key:{hashlib.sha256(key.encode()).hexdigest()}"


@dataclass
class _Probe:
    started: float
    done: threading.Event = field(default_factory=threading.Event)
    problem: str | None = None


class DatabaseHealth:
    """Asks the database whether it can serve, within HEALTH_DEADLINE_SECONDS. The
    question runs on a daemon thread of its own: a hung database holds that thread (until
    the driver's own timeouts end it), never the load balancer's request, and concurrent
    checks share one question instead of piling up. A question that overran its deadline
    does not speak for later checks: after a failover a probe can sit on a connection to
    the old server for as long as TCP takes to give up, while a new connection would
    answer at once. So a check that finds the current probe overrun starts another, up to
    MAX_HEALTH_PROBES at a time."""

    def __init__(self, engine: Engine, deadline: float = HEALTH_DEADLINE_SECONDS) -> None:
        self.engine = probe_engine(engine)
        self.deadline = deadline
        self._lock = threading.Lock()
        self._asking: _Probe | None = None
        self._running = 0

    def problem(self) -> str | None:
        with self._lock:
            probe, now = self._asking, time.monotonic()
            overrun = probe is not None and now - probe.started > self.deadline
            if probe is None or (overrun and self._running < MAX_HEALTH_PROBES):
                probe = self._asking = _Probe(now)
                self._running += 1
                threading.Thread(target=self._ask, args=(probe,), daemon=True,
                                 name="creditbot-health").start()
        if probe.done.wait(self.deadline):
            return probe.problem
        return f"the database did not answer within {self.deadline:g} s"

    def _ask(self, probe: _Probe) -> None:
        try:
            probe.problem = database_problem(self.engine)
        except Exception as error:  # whatever it is, the answer is "not healthy"
            probe.problem = f"the database check failed: {error!r}"
        finally:
            with self._lock:
                self._running -= 1
                if self._asking is probe:
                    self._asking = None
            probe.done.set()


def slack_detail(identity: SlackIdentity | None) -> str:
    if identity is None:
        return "not checked"
    if identity.verified:
        return f"token verified at start-up (bot user {identity.user_id})"
    return (f"token not verified: {identity.problem} when the server started; commands "
            "are answered, replies through Slack fail until it answers")


def create_wsgi_app(bolt: App, engine: Engine, *, signing_secret: str | None = None,
                    identity: SlackIdentity | None = None) -> WSGIApp:
    """``signing_secret`` defaults to the one the Bolt app was built with."""
    if signing_secret is None:
        # Bolt keeps the secret even though bot.slack_app turns its own check off.
        signing_secret = getattr(bolt, "_signing_secret", "") or ""
    secret = signing_secret.encode()
    deliveries = ProcessedRequests(engine)
    # Claims wait here at most CLAIM_WAIT_SECONDS, whatever holds them: a statement is
    # cut at 2 s (storage.requests), but a stopped server first costs the pooled
    # connection's check and a new connection's 3 s, and a form's answer, due 3 s
    # after its arrival, came after 5 s.
    claims = ThreadPoolExecutor(max_workers=4, thread_name_prefix="creditbot-claim")
    health = DatabaseHealth(engine)
    deadlines = BodyDeadlines()

    def respond(start_response: Callable[..., Any], status: str, body: dict[str, Any],
                *, head: bool = False, allow: str | None = None) -> list[bytes]:
        payload = json.dumps(body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        if allow is not None:
            headers.append(("Allow", allow))
        start_response(status, headers)
        # HEAD: the headers GET would have, no body (gunicorn logged a WARNING for each
        # load balancer's probe that got one).
        return [] if head else [payload]

    def refuse(start_response: Callable[..., Any], environ: dict[str, Any],
               refusal: Refusal) -> list[bytes]:
        # A signature that does not match is what a rotated signing secret looks like
        # from here: every request refused, and nobody told at INFO.
        level = logging.WARNING if refusal.why.startswith(WRONG_SECRET) else logging.INFO
        log.log(level, "refused a request from %s: %s", environ.get("REMOTE_ADDR", "?"),
                refusal.why)
        return respond(start_response, refusal.status, {"error": refusal.error})

    def slack_events(environ: dict[str, Any], start_response: Callable[..., Any]
                     ) -> Iterable[bytes]:
        arrived = time.monotonic()
        body = read_body(environ, deadlines)
        if isinstance(body, Refusal):
            return refuse(start_response, environ, body)
        why = signature_problem(secret, environ, body, time.time())
        if why is not None:
            return refuse(start_response, environ, Refusal(
                "401 Unauthorized", "invalid request signature", f"{why} ({len(body)} bytes)"))
        http_request = WsgiHttpRequest(environ)
        try:
            text = body.decode("utf-8")
            # Before Bolt, which reads ids out of the payload as it builds the request.
            content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip()
            payload = parse_payload(text, content_type or None)
            check_shape(payload)
            request = BoltRequest(body=text, query=http_request.query_string,
                                  headers=http_request.get_headers())
            if payload and not request.body:
                # Bolt's parse found the word "payload" in a command's text: {} (above).
                request.body = payload
                request.context = build_context(BoltContext(), payload)
            if not isinstance(request.body, dict):
                raise Malformed(f"a {type(request.body).__name__}, not an object")
            # A form's answer is due 3 s after this, the delivery's claim below included.
            request.context[ARRIVED] = arrived
        except Exception as malformed:  # signed by Slack, yet not a payload we can read
            why = str(malformed) if isinstance(malformed, Malformed) else type(
                malformed).__name__
            return refuse(start_response, environ, Refusal(
                "400 Bad Request", "malformed payload",
                f"signed body of {len(body)} bytes is malformed: {why}"))
        if request.body.get("type") == RATE_LIMITED:
            # Events of that minute are lost to the app: the log is where anyone learns.
            log.warning("Slack dropped this app's events for the minute starting at %s "
                        "(over 30,000 an hour): alerts are not driven by events, but a "
                        "language change or a Home tab opened then was missed",
                        _minute(request.body.get("minute_rate_limited")))
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        key = delivery_key(request.body, body)
        if key is not None and not _first_time(key, environ):
            start_response("200 OK", [("Content-Length", "0")])
            return [b""]
        try:
            answer = bolt.dispatch(request)
        except Exception as escaped:
            # The shape checks above should make this unreachable; a signed payload
            # that still trips Bolt is refused, not answered with a 500 and a traceback.
            where = escaped.__traceback__
            while where is not None and where.tb_next is not None:
                where = where.tb_next
            place = (f" at {where.tb_frame.f_code.co_filename}:{where.tb_lineno}"
                     if where is not None else "")
            return refuse(start_response, environ, Refusal(
                "400 Bad Request", "malformed payload",
                f"signed body of {len(body)} bytes failed in Bolt: "
                f"{type(escaped).__name__}{place}"))
        response = WsgiHttpResponse(status=answer.status, headers=answer.headers,
                                    body=answer.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    def _first_time(key: str, environ: dict[str, Any]) -> bool:
        claiming = claims.submit(deliveries.claim, key)
        try:
            if claiming.result(timeout=CLAIM_WAIT_SECONDS):
                return True
        except (ClaimFailed, Overran) as problem:
            # One still queued behind claims stuck on a stopped server never runs.
            claiming.cancel()
            # Without the database we cannot tell a repeat; answering it twice is better
            # than not answering at all. A claim given up on may still be recorded.
            why = (str(problem).splitlines()[0][:200] if isinstance(problem, ClaimFailed)
                   else f"no answer within {CLAIM_WAIT_SECONDS:g} s")
            log.warning("could not record delivery %s, processing it anyway: %s",
                        key.split(":", 1)[0], why)
            return True
        log.info("delivery already processed (%s, Slack retry %s, reason %s): answered 200",
                 key.split(":", 1)[0], environ.get("HTTP_X_SLACK_RETRY_NUM", "-"),
                 environ.get("HTTP_X_SLACK_RETRY_REASON", "-")[:40])
        return False

    def healthz(start_response: Callable[..., Any], head: bool) -> list[bytes]:
        problem = health.problem()
        detail = {"database": problem or "ok", "slack": slack_detail(identity)}
        if problem is None:
            return respond(start_response, "200 OK", {"status": "ok", **detail}, head=head)
        return respond(start_response, "503 Service Unavailable",
                       {"status": "unavailable", **detail}, head=head)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return respond(start_response, "405 Method Not Allowed", {"error": "POST only"},
                               head=method == "HEAD", allow="POST")
            return slack_events(environ, start_response)
        if path == "/healthz" and method in {"GET", "HEAD"}:
            return healthz(start_response, method == "HEAD")
        if path == "/livez" and method in {"GET", "HEAD"}:
            # The process answers HTTP: what a liveness probe asks. /healthz's 503 on a
            # database blip would have every pod restarted, and help nothing.
            return respond(start_response, "200 OK", {"status": "alive"},
                           head=method == "HEAD")
        return respond(start_response, "404 Not Found", {"error": "not found"},
                       head=method == "HEAD")

    return application
