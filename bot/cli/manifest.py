"""``creditbot manifest``: the Slack app manifest."""

from __future__ import annotations

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
    if request_url and not request_url.startswith("https://"):
        _fail(f"Slack only calls https URLs; got {request_url}")
    click.echo(manifest_yaml(request_url, socket_mode=socket_mode), nl=False)
