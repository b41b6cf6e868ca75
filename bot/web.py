"""The HTTP face of the bot: POST /slack/events for Slack, GET /healthz for the load
balancer. A plain WSGI callable, served by gunicorn in production and by a threaded
wsgiref server in the sandbox and the tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def database_reachable(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def create_wsgi_app(bolt: App, engine: Engine) -> WSGIApp:
    slack = SlackRequestHandler(bolt, path="/slack/events")

    def respond(start_response: Callable[..., Any], status: str, body: dict[str, Any]
                ) -> list[bytes]:
        payload = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(payload)))])
        return [payload]

    def application(environ: dict[str, Any], start_response: Callable[..., Any]
                    ) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/slack/events":
            if method != "POST":
                return respond(start_response, "405 Method Not Allowed", {"error": "POST only"})
            return slack(environ, start_response)
        if path == "/healthz" and method in {"GET", "HEAD"}:
            if database_reachable(engine):
                return respond(start_response, "200 OK", {"status": "ok"})
            return respond(start_response, "503 Service Unavailable",
                           {"status": "database unreachable"})
        return respond(start_response, "404 Not Found", {"error": "not found"})

    return application
