"""A local stand-in for Slack's Web API and response_url endpoints.

It answers the methods creditbot uses the way Slack does (``{"ok": true, ...}``, or
``{"ok": false, "error": ...}``), records every call with its arguments, keeps channel
histories, and can be told to misbehave: ``ratelimited`` with ``Retry-After``, HTTP 500,
slow answers, closed connections, and ``error``: Slack's ``{"ok": false}`` with a given
error (e.g. ``invalid_auth`` for auth.test).

Files arrive the way ``files_upload_v2`` sends them: ``files.getUploadURLExternal``
hands out a file id and an upload URL on this server, the bytes are POSTed there
(faults for that POST are set on the method name ``"upload_url"``), and
``files.completeUploadExternal`` shares the uploaded files in a channel with an
``initial_comment``. ``files`` keeps each file (name, title, bytes), ``shares`` what was
shared where.

Channels can be read back as on Slack (``conversations.history``, and a thread's
``conversations.replies``), each post with the message metadata it was sent with: that
is how the bot finds a post whose answer it never got, and posts it once. Started with
``history_scopes=False`` the emulator answers those two as a workspace that did not grant
the ``*:history`` scopes (``missing_scope``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from bot.local_server import POLL_SECONDS
from bot.sandbox import blockkit

TEAM_ID = "T0SANDBOX"
BOT_USER_ID = "U0CREDITBOT"
BOT_ID = "B0CREDITBOT"


@dataclass
class Call:
    """One request the bot made: a Web API method or a post to a response_url."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.time)
    status: int = 200
    path: str = ""

    @property
    def text(self) -> str:
        return str(self.args.get("text", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else blocks


@dataclass
class Fault:
    # "ratelimited" | "http500" | "slow" | "close" | "error"; "lost": the call is done,
    # then the connection closes before the answer (Slack did it; the bot cannot know);
    # "done_then_error": the call is done, then answered with ``error`` (Slack's
    # internal_error, "some aspect of the operation succeeded").
    kind: str
    remaining: int
    retry_after: int | str = 1  # a str: a header as a broken proxy might send it
    delay: float = 0.0
    error: str = "fatal_error"  # what an "error" fault answers


@dataclass
class UploadedFile:
    """A file the bot uploaded: what files.getUploadURLExternal was told, and the bytes
    POSTed to its upload URL (None until they arrive)."""

    id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str = ""


@dataclass
class Share:
    """One files.completeUploadExternal that shared files in a channel."""

    channel: str
    file_ids: list[str]
    initial_comment: str
    thread_ts: str | None
    ts: str


@dataclass
class User:
    id: str
    name: str
    tz: str = "Asia/Shanghai"
    locale: str = "en-US"


class SlackEmulator:
    def __init__(self, token: str = "xoxb-sandbox", host: str = "127.0.0.1", port: int = 0,
                 users: dict[str, User] | None = None, history_scopes: bool = True,
                 trigger_seconds: float | None = None) -> None:
        self.token = token
        self.users = users or {}
        self.history_scopes = history_scopes
        self.calls: list[Call] = []
        self.channels: dict[str, list[dict[str, Any]]] = defaultdict(list)
        # Channels the bot has not been invited to: posting there fails as on Slack.
        self.closed_channels: set[str] = set()
        # Direct message channels the bot opened, and whom each is with.
        self.direct_messages: dict[str, str] = {}
        # Modals the bot opened (or pushed): (the trigger_id it used, the view as Slack
        # answered it, with its id).
        self.views: list[tuple[str, dict[str, Any]]] = []
        # Triggers the driver issued (trigger_id → when, monotonic): each opens one view,
        # within ``trigger_seconds`` when set (Slack's 3; the tests of it set it, others
        # leave it None, as a loaded test machine can take longer than Slack allows).
        self.trigger_seconds = trigger_seconds
        self._triggers: dict[str, float] = {}
        self._used_triggers: set[str] = set()
        # Messages Slack would have refused for their blocks: (method, problems).
        self.invalid: list[tuple[str, list[str]]] = []
        # Uploaded files by id, and every share of them in a channel, in order.
        self.files: dict[str, UploadedFile] = {}
        self.shares: list[Share] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._last_ts = 0  # microseconds
        self._changed = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> SlackEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": POLL_SECONDS},
                                        name="slack-emulator")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests and the sandbox use ----------------------------------------------

    def new_response_url(self) -> str:
        return f"{self.url}/hooks/{TEAM_ID}/{next(self._ids)}"

    def fail(self, method: str, kind: str, times: int = 1, retry_after: int | str = 1,
             delay: float = 0.0, error: str = "fatal_error") -> None:
        """The next ``times`` calls of ``method`` (or "response_url") misbehave."""
        assert kind in {"ratelimited", "http500", "slow", "close", "error", "lost",
                        "done_then_error"}, kind
        with self._lock:
            self._faults[method].append(Fault(kind, times, retry_after, delay, error))

    def heal(self, method: str) -> None:
        """``method`` answers normally again: the misbehaviour still pending is dropped."""
        with self._lock:
            self._faults.pop(method, None)

    def issue_trigger(self, trigger_id: str) -> None:
        """A person's act made ``trigger_id`` now (the driver's commands and presses)."""
        with self._lock:
            self._triggers[trigger_id] = time.monotonic()

    def _exchange(self, trigger_id: str) -> str | None:
        """Slack's refusal of a trigger that was used or expired, else None (and it is
        used now). A trigger the driver did not issue is taken as it comes."""
        with self._lock:
            issued = self._triggers.get(trigger_id)
            if issued is None:
                return None
            if trigger_id in self._used_triggers:
                return "exchanged_trigger_id"
            if (self.trigger_seconds is not None
                    and time.monotonic() - issued > self.trigger_seconds):
                return "expired_trigger_id"
            self._used_triggers.add(trigger_id)
            return None

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0,
                 path: str | None = None) -> list[Call]:
        """Block until ``count`` successful calls of ``method`` (to ``path``) were recorded."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if c.method == method and c.status == 200
                         and (path is None or c.path == path)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, c.status) for c in self.calls]
                    raise TimeoutError(f"expected {count} × {method}, saw {seen}")
                self._changed.wait(left)

    # -- the Web API ---------------------------------------------------------------------

    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _next_ts(self) -> str:
        """A message ts as Slack gives them: from the clock, and never the same twice,
        even when two posts share a microsecond or the clock stands still (a test's)."""
        with self._lock:
            self._last_ts = max(round(time.time() * 1_000_000), self._last_ts + 1)
            return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        refused = self._invalid_blocks(method, args)
        if refused:
            return refused
        if method == "auth.test":
            return {"ok": True, "url": "https://sandbox.slack.test/", "team": "Sandbox",
                    "user": "creditbot", "team_id": TEAM_ID, "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID}
        if method in {"chat.postMessage", "chat.update", "chat.postEphemeral"}:
            channel = args.get("channel")
            if not channel:
                return {"ok": False, "error": "channel_not_found"}
            if not args.get("text") and not args.get("blocks"):
                return {"ok": False, "error": "no_text"}
            if method != "chat.postEphemeral" and channel in self.closed_channels:
                return {"ok": False, "error": "not_in_channel"}
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts,
                       "text": args.get("text", ""), "blocks": Call(method, args, None).blocks}
            metadata = args.get("metadata")
            if metadata:
                message["metadata"] = (json.loads(metadata) if isinstance(metadata, str)
                                       else metadata)
            if args.get("thread_ts"):
                message["thread_ts"] = args["thread_ts"]
            with self._lock:
                if method == "chat.postMessage":
                    self.channels[channel].append(message)
                elif method == "chat.update":
                    for i, old in enumerate(self.channels[channel]):
                        if old["ts"] == args.get("ts"):
                            message["ts"] = old["ts"]
                            if "thread_ts" in old:  # an edit leaves a reply in its thread
                                message["thread_ts"] = old["thread_ts"]
                            self.channels[channel][i] = message
                            break
                    else:
                        return {"ok": False, "error": "message_not_found"}
            if method == "chat.postEphemeral":
                return {"ok": True, "message_ts": ts}
            return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}
        if method in {"views.open", "views.update", "views.push", "views.publish"}:
            if method in {"views.open", "views.push"}:
                if not args.get("trigger_id"):
                    return {"ok": False, "error": "invalid_trigger_id"}
                used = self._exchange(str(args["trigger_id"]))
                if used:
                    return {"ok": False, "error": used}
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            opened = {**view, "id": f"V{next(self._ids):08d}", "team_id": TEAM_ID}
            if method != "views.publish":
                with self._lock:
                    self.views.append((str(args.get("trigger_id") or ""), opened))
            return {"ok": True, "view": opened}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": user.id, "name": user.name,
                                         "real_name": user.name, "tz": user.tz,
                                         "locale": user.locale, "team_id": TEAM_ID}}
        if method == "files.getUploadURLExternal":
            return self._upload_url(args)
        if method == "files.completeUploadExternal":
            return self._complete_upload(args, ts)
        if method in {"conversations.history", "conversations.replies"}:
            return self._read(method, args)
        if method == "conversations.open":
            users = str(args.get("users", ""))
            channel = "D" + users.replace(",", "")[1:12]
            with self._lock:
                self.direct_messages[channel] = users
            return {"ok": True, "channel": {"id": channel}}
        return {"ok": False, "error": "unknown_method"}

    def _read(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """A channel's messages newest first, without the replies in threads
        (``conversations.history``), or one thread's: its parent and replies, oldest first
        (``conversations.replies``); either from ``oldest`` on, ``limit`` a page (100 if
        not given, as Slack), the next page from ``response_metadata.next_cursor``, and
        the message metadata only when ``include_all_metadata`` asks for it."""
        if not self.history_scopes:
            return {"ok": False, "error": "missing_scope"}
        try:
            oldest = float(args.get("oldest") or 0)
            limit = max(1, min(int(args.get("limit") or 100), 1000))
            start = int(str(args.get("cursor") or "page:0").removeprefix("page:"))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        thread = args.get("ts")
        if method == "conversations.replies" and not thread:
            return {"ok": False, "error": "invalid_arguments"}
        with self._lock:
            messages = [m for m in self.channels.get(str(args.get("channel")), [])
                        if float(m["ts"]) >= oldest
                        and (m.get("thread_ts", m["ts"]) == m["ts"]
                             if method == "conversations.history"
                             else thread in (m["ts"], m.get("thread_ts")))]
        if method == "conversations.history":
            messages.reverse()
        if str(args.get("include_all_metadata")).lower() not in {"1", "true"}:
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        page, more = messages[start:start + limit], start + limit < len(messages)
        return {"ok": True, "messages": page, "has_more": more,
                "response_metadata": {"next_cursor": f"page:{start + limit}" if more else ""}}

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ids):010d}"
        with self._lock:
            self.files[file_id] = UploadedFile(file_id, filename, length)
        return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    def _received(self, file_id: str, content: bytes) -> bool:
        with self._lock:
            uploaded = self.files.get(file_id)
            if uploaded is None:
                return False
            uploaded.content = content
            return True

    def _complete_upload(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        try:
            listed = json.loads(str(args.get("files") or "[]"))
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        channel = args.get("channel_id")
        if channel and channel in self.closed_channels:
            return {"ok": False, "error": "not_in_channel"}
        with self._lock:
            shared = []
            for item in listed:
                uploaded = self.files.get(str(item.get("id")))
                # Slack completes only files whose bytes arrived, in full.
                if uploaded is None or uploaded.content is None \
                        or len(uploaded.content) != uploaded.length:
                    return {"ok": False, "error": "file_not_found"}
                uploaded.title = str(item.get("title") or uploaded.filename)
                shared.append(uploaded)
            files = [{"id": f.id, "name": f.filename, "title": f.title, "size": f.length}
                     for f in shared]
            if channel:
                comment = str(args.get("initial_comment") or "")
                self.shares.append(Share(str(channel), [f.id for f in shared], comment,
                                         args.get("thread_ts") or None, ts))
                message: dict[str, Any] = {"type": "message", "user": BOT_USER_ID,
                                           "bot_id": BOT_ID, "ts": ts, "text": comment,
                                           # a share is a message like any other
                                           # (readers of channels expect blocks)
                                           "blocks": [], "files": files}
                if args.get("thread_ts"):
                    message["thread_ts"] = args["thread_ts"]
                self.channels[str(channel)].append(message)
        return {"ok": True, "files": files}

    def shared_in(self, channel: str) -> list[tuple[Share, list[UploadedFile]]]:
        """What was shared in ``channel``: each share with its files (and their bytes)."""
        with self._lock:
            return [(s, [self.files[i] for i in s.file_ids]) for s in self.shares
                    if s.channel == channel]

    def _invalid_blocks(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack refuses a message or view whose blocks break Block Kit's rules."""
        if method.startswith("views."):
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            found = blockkit.problems(view.get("blocks"), blockkit.VIEW_BLOCKS)
        elif method.startswith("chat.") or method == "response_url":
            found = blockkit.problems(Call(method, args, None).blocks)
        else:
            return None
        if not found:
            return None
        self.invalid.append((method, found))
        return {"ok": False, "error": "invalid_blocks", "errors": found}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet: tests read calls, not logs
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if self.path.startswith("/upload/"):
                    self._upload(data)
                    return
                raw = data.decode("utf-8")
                if self.path.startswith("/hooks/"):
                    method, authorised = "response_url", True
                    token = None
                else:
                    method = self.path.removeprefix("/api/").split("?")[0]
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    authorised = method == "api.test" or token == emulator.token
                args = _parse_body(raw, self.headers.get("Content-Type", ""))
                if token is None and not authorised:
                    token = args.get("token")
                fault = emulator._take_fault(method)
                call = Call(method, args, token, path=self.path)
                if fault and fault.kind == "close":
                    self._hang_up(call)
                    return
                if fault and fault.kind == "slow":
                    time.sleep(fault.delay)
                if fault and fault.kind == "ratelimited":
                    call.status = 429
                    emulator._record(call)
                    self._send(429, {"ok": False, "error": "ratelimited"},
                               {"Retry-After": str(fault.retry_after)})
                    return
                if fault and fault.kind == "http500":
                    call.status = 500
                    emulator._record(call)
                    self._send(500, {"ok": False, "error": "fatal_error"})
                    return
                if fault and fault.kind == "error":
                    call.status = 400 if method == "response_url" else 200
                    emulator._record(call)
                    self._send(call.status, {"ok": False, "error": fault.error})
                    return
                if method == "response_url":
                    refused = emulator._invalid_blocks(method, args)
                    if refused:
                        call.status = 400
                        emulator._record(call)
                        self._send(400, refused)
                        return
                    emulator._record(call)
                    self._send(200, None)
                    return
                if not authorised:
                    body: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
                else:
                    body = emulator.answer(method, args)
                if fault and fault.kind == "lost":
                    self._hang_up(call)
                    return
                if fault and fault.kind == "done_then_error":
                    body = {"ok": False, "error": fault.error}
                emulator._record(call)
                self._send(200, body)

            def _upload(self, data: bytes) -> None:
                # The upload URL answers like files.slack.com: plain "OK", no JSON.
                method = "upload_url"
                fault = emulator._take_fault(method)
                call = Call(method, {"length": len(data)}, None, path=self.path)
                if fault and fault.kind == "close":
                    self._hang_up(call)
                    return
                if fault and fault.kind == "slow":
                    time.sleep(fault.delay)
                if fault and fault.kind in {"ratelimited", "http500", "error"}:
                    call.status = {"ratelimited": 429, "http500": 500}.get(fault.kind, 400)
                    emulator._record(call)
                    self._send(call.status, None, {"Retry-After": str(fault.retry_after)})
                    return
                if not emulator._received(self.path.removeprefix("/upload/"), data):
                    call.status = 404
                    emulator._record(call)
                    self._send(404, None)
                    return
                emulator._record(call)
                self._send(200, None)

            def _hang_up(self, call: Call) -> None:
                """Closes the connection without an answer (recorded as status 0)."""
                call.status = 0
                emulator._record(call)
                self.close_connection = True
                self.connection.close()

            def _send(self, status: int, body: dict[str, Any] | None,
                      headers: dict[str, str] | None = None) -> None:
                payload = b"ok" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type",
                                 "text/plain" if body is None else "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                # The client may have gone first (a process killed mid-call, a timeout):
                # as Slack, say nothing; the call is recorded already.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.end_headers()
                    self.wfile.write(payload)

        return Handler


def _parse_body(raw: str, content_type: str) -> dict[str, Any]:
    if not raw:
        return {}
    if "json" in content_type:
        return json.loads(raw)
    return dict(parse_qsl(raw, keep_blank_values=True))
