"""The Slack app manifest that matches what the code registers."""

from __future__ import annotations

from typing import Any

import yaml

from domain.text import DatedPhrase
from handlers import features

APP_NAME = "creditbot"


def build_manifest(request_url: str | None, *, socket_mode: bool = False) -> dict[str, Any]:
    """``request_url`` is the public https URL of POST /slack/events (unused in Socket Mode)."""
    if not socket_mode and not request_url:
        raise ValueError("a request URL is needed unless the app uses Socket Mode")
    url = None if socket_mode else request_url
    catalogue = features.catalogue()
    command: dict[str, Any] = {
        "command": features.COMMAND, "description": features.COMMAND_DESCRIPTION,
        "usage_hint": _hint([f"{s.name} {_lasting(s.example)}".strip()
                             for s in catalogue.subcommands]),
        # A person picked from Slack's @-autocomplete arrives as <@U123|name>, the only
        # form that names them (/credit delegate); a name typed as plain text does not.
        "should_escape": True}
    if url:
        command["url"] = url
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": [e.name for e in catalogue.events]}
    if url:
        interactivity["request_url"] = url
        events["request_url"] = url
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": APP_NAME,
            "description": "Trade credit in your team channels: check a customer's credit "
                           "before you quote or ship.",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": False,
                         "messages_tab_read_only_enabled": True},
            "bot_user": {"display_name": APP_NAME, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": catalogue.scopes}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(request_url: str | None, *, socket_mode: bool = False) -> str:
    return yaml.safe_dump(build_manifest(request_url, socket_mode=socket_mode),
                          sort_keys=False, allow_unicode=True)


# Slack shows a command's usage hint under it, and takes at most this many characters.
HINT_LIMIT = 100


def _hint(usages: list[str]) -> str:
    """The subcommands' usages, as many whole ones as fit, then "…" (never a usage cut
    mid-word, "histo")."""
    hint = ""
    for usage in usages:
        longer = f"{hint} | {usage}" if hint else usage
        if len(longer) > HINT_LIMIT - 4:
            return hint + " | …"
        hint = longer
    return hint


def _lasting(example: str) -> str:
    """An example as the manifest keeps it for as long as the app lives: its days as
    their format (``DatedPhrase``), not this month's."""
    return example.generic() if isinstance(example, DatedPhrase) else example
