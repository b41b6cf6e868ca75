"""``creditbot serve``: run the bot."""

from __future__ import annotations

import signal
import sys

import click

from bot.cli.common import _fail, _services, friendly_errors


@click.command(short_help="Run the bot: Slack events over HTTP or Socket Mode.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="HTTP port, 1 to 65535 (default: $PORT or 3000).")
@click.option("--host", default=None, metavar="ADDRESS",
              help="Address to listen on: 127.0.0.1 behind a proxy on the same host "
              "[default: 0.0.0.0].")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes [default: 2].")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Threads per worker [default: 8].")
@click.option("--socket-mode", is_flag=True,
              help="Connect out to Slack over a WebSocket instead (needs SLACK_APP_TOKEN).")
@click.option("--no-scheduler", is_flag=True,
              help="Do not start a scheduler candidate (`creditbot scheduler`) alongside; "
              "this host then neither runs jobs nor delivers the outbox.")
@friendly_errors
def serve(port: int | None, host: str | None, workers: int | None, threads: int | None,
          socket_mode: bool, no_scheduler: bool) -> None:
    """Run the bot: POST /slack/events, GET /healthz (ready) and GET /livez (alive), or
    Socket Mode; and, unless told otherwise, a scheduler candidate as a child process."""
    from bot.serve import configure_logging, serve_http, serve_socket_mode

    listening = {"--port": port, "--host": host, "--workers": workers, "--threads": threads}
    if socket_mode and (given := [name for name, value in listening.items() if value]):
        # Taken without a word, and a liveness probe set up for a port nothing listens on.
        _fail(f"{', '.join(given)} {'is' if len(given) == 1 else 'are'} for serving over "
              "HTTP: with --socket-mode creditbot connects out to Slack and listens on no "
              "port (and has no /healthz)")
    services = _services()
    settings = services.settings
    provided = {"SLACK_BOT_TOKEN": settings.slack_bot_token,
                "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
                "SLACK_APP_TOKEN": settings.slack_app_token}
    needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"]
    missing = [name for name in needed if provided[name] is None]
    if missing:
        _fail(f"{', '.join(missing)} not set: creditbot serve needs the Slack app's "
              "credentials in the environment (see README, Install in your workspace)")
    # The workers open their own connections after the fork; none may be inherited.
    services.engine.dispose()
    configure_logging(services.settings.log_level)
    if socket_mode:
        # gunicorn turns SIGTERM into an orderly exit; Socket Mode needs telling, or the
        # scheduler child would outlive it.
        signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(0))
        serve_socket_mode(scheduler=not no_scheduler)
    else:
        serve_http(port if port is not None else settings.port, workers or 2, threads or 8,
                   scheduler=not no_scheduler, host=host or "0.0.0.0")
