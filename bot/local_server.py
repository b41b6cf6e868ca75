"""A threaded WSGI server in a background thread: for the sandbox and the tests, where
one process holds the bot, the emulator and the person typing."""

from __future__ import annotations

import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from bot.web import WSGIApp


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets the sixth of twenty people clicking
    # at once; gunicorn, which serves production, queues 2048.
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


# How often serve_forever looks for shutdown(), which waits out one such poll: 0.5 s by
# default, then 0.05 s, was paid by every test that stops a server (two a test, thousands
# of tests). An idle poll a hundredth of a second costs nothing to speak of.
POLL_SECONDS = 0.01


class LocalServer:
    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = make_server(host, port, app, server_class=_ThreadingWSGIServer,
                                   handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": POLL_SECONDS},
                                        name="creditbot-http")

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
