"""``creditbot manifest``: the Slack app manifest."""

from __future__ import annotations

from urllib.parse import urlsplit

import click

from bot.cli.common import _fail


@click.command(short_help="Print the Slack app manifest (YAML).")
@click.option("--url", "request_url", default=None, metavar="URL",
              help="Public https URL of POST /slack/events, e.g. https://credit.example.com"
                   "/slack/events.")
@click.option("--socket-mode", is_flag=True, help="For `creditbot serve --socket-mode`.")
def manifest(request_url: str | None, socket_mode: bool) -> None:
    """Print the Slack app manifest (YAML) matching this version of creditbot."""
    from bot.manifest import manifest_yaml

    if not socket_mode and not request_url:
        _fail("give --url https://YOUR-HOST/slack/events (where Slack reaches `creditbot "
              "serve`), or --socket-mode")
    if request_url and socket_mode:
        _fail("give --url or --socket-mode, not both: in Socket Mode Slack calls no URL")
    parts = urlsplit(request_url) if request_url else None
    if parts is not None and parts.scheme.lower() != "https":
        _fail(f"Slack only calls https URLs; got {request_url}")
    if parts is not None and not parts.hostname:
        _fail(f"--url names no host: write https://YOUR-HOST/slack/events; got {request_url}")
    if parts is not None and parts.path != "/slack/events":
        # `creditbot serve` answers Slack at /slack/events only: any other path is a 404
        # for every command and click, seen only once the app is installed.
        _fail(f"--url must be the address of /slack/events, where `creditbot serve` answers "
              f"Slack, e.g. https://credit.example.com/slack/events; got {request_url}")
    click.echo(manifest_yaml(request_url, socket_mode=socket_mode), nl=False)
