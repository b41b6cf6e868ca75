"""The environment variables the README documents, and only those, configure the bot."""

from __future__ import annotations

import pytest

from bot.settings import DEFAULT_CONFIG, Settings


def test_the_config_is_named_by_creditbot_config_only(monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    # CONFIG_PATH (or config_path), which another tool on the host may set, replaced
    # app.yaml, and the error then said to set CREDITBOT_CONFIG.
    monkeypatch.setenv("CONFIG_PATH", "/elsewhere/other.yaml")
    monkeypatch.setenv("config_path", "/elsewhere/other.yaml")
    monkeypatch.delenv("CREDITBOT_CONFIG", raising=False)
    assert Settings().config_path == DEFAULT_CONFIG
    monkeypatch.setenv("CREDITBOT_CONFIG", "/srv/creditbot/app.yaml")
    assert Settings().config_path == "/srv/creditbot/app.yaml"
    # Code still names the field.
    assert Settings(config_path="/tmp/x.yaml").config_path == "/tmp/x.yaml"


def test_the_other_variables_are_read_by_their_names(monkeypatch: pytest.MonkeyPatch
                                                     ) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/creditbot-settings.db")
    monkeypatch.setenv("PORT", "3111")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    settings = Settings()
    assert (settings.database_url, settings.port, settings.slack_api_url) == (
        "sqlite:////tmp/creditbot-settings.db", 3111, "http://127.0.0.1:9/api/")


@pytest.mark.parametrize(("written", "level"), [("debug", "DEBUG"), (" Warn ", "WARNING"),
                                                ("critical", "CRITICAL"), ("", "INFO")])
def test_the_log_level_is_read_in_any_case_and_applied(monkeypatch, written, level):
    import logging

    from bot.serve import configure_logging

    monkeypatch.setenv("CREDITBOT_LOG_LEVEL", written)
    settings = Settings()
    assert settings.log_level == level
    root = logging.getLogger()
    handlers, before = root.handlers[:], root.level
    configure_logging(settings.log_level)
    try:
        assert root.level == getattr(logging, level)
    finally:
        root.handlers[:], root.level = handlers, before
