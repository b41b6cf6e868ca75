"""`creditbot serve`: gunicorn workers over HTTP, or one Socket Mode connection."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.slack_app import create_bolt_app
from bot.web import WSGIApp, create_wsgi_app
from bot.wiring import build_services


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def build_wsgi_app() -> WSGIApp:
    """Runs in each worker after the fork: each gets its own engine and connections."""
    services = build_services()
    return create_wsgi_app(create_bolt_app(services), services.engine)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return build_wsgi_app()


def serve_http(port: int, workers: int, threads: int) -> None:
    _Gunicorn({
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # Slack gives up on a request after 3 s; a worker stuck for 30 s is broken.
        "timeout": 30,
        "graceful_timeout": 10,
        "loglevel": "info",
        "preload_app": False,
    }).run()


def serve_socket_mode() -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    services = build_services()
    app_token = services.settings.slack_app_token
    if app_token is None:
        raise SystemExit("error: SLACK_APP_TOKEN is not set (an app-level token, xapp-…, "
                         "with the connections:write scope)")
    app = create_bolt_app(services, require_signing_secret=False)
    SocketModeHandler(app, app_token.get_secret_value()).start()
