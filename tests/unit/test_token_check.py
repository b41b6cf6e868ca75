"""The start-up check of SLACK_BOT_TOKEN: a user's or an app-level token in its place
was taken ("Slack knows the token: bot user U01SALESAMY"), and every card would have
been posted as that person."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr
from slack_sdk import WebClient

from bot.settings import Settings
from bot.slack_app import TokenRefused, check_token

HINT = "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions"


def settings(token: str) -> Settings:
    return Settings(slack_bot_token=SecretStr(token), slack_signing_secret=SecretStr("s"),
                    slack_api_url="http://127.0.0.1:9/api/")


@pytest.mark.parametrize(("token", "kind"), [
    ("xoxp-1-2-3", "a user token"), ("xapp-1-A1-2-x", "an app-level token (SLACK_APP_TOKEN's)"),
    ("xoxa-2-x", "a workspace token")])
def test_a_token_of_another_kind_is_refused_before_slack_is_asked(monkeypatch, token, kind):
    def asked(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("Slack was asked")

    monkeypatch.setattr(WebClient, "auth_test", asked)
    with pytest.raises(TokenRefused) as refused:
        check_token(settings(token))
    assert str(refused.value) == f"SLACK_BOT_TOKEN is {kind}, not the bot's: {HINT}"
    assert token not in str(refused.value)


def test_a_token_slack_knows_as_a_persons_is_refused(monkeypatch):
    monkeypatch.setattr(WebClient, "auth_test", lambda self: {
        "ok": True, "team_id": "T1", "user_id": "U01SALESAMY"})
    with pytest.raises(TokenRefused) as refused:
        check_token(settings("xoxb-looks-right"))
    assert str(refused.value) == (f"SLACK_BOT_TOKEN belongs to a person (U01SALESAMY), not "
                                  f"to a bot: {HINT}")


def test_a_bots_token_is_its_identity_and_a_rotating_one_is_taken(monkeypatch):
    monkeypatch.setattr(WebClient, "auth_test", lambda self: {
        "ok": True, "team_id": "T1", "user_id": "U0BOT", "bot_id": "B1"})
    for token in ("xoxb-1-2", "xoxe.xoxb-1-2"):
        identity = check_token(settings(token))
        assert (identity.team_id, identity.user_id, identity.verified) == ("T1", "U0BOT", True)
