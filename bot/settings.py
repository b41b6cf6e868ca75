"""Process settings from the environment (the table in the README, Configuration)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API_URL, validation_alias="SLACK_API_URL")
    database_url: str = Field(default="sqlite:///creditbot.db", validation_alias="DATABASE_URL")
    config_path: str = Field(
        default="app.yaml", validation_alias=AliasChoices("CREDITBOT_CONFIG", "config_path"))
    port: int = Field(default=3000, validation_alias="PORT", ge=1, le=65535)

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # `SLACK_BOT_TOKEN=` in an env file is a secret someone forgot to paste, not one
        # for Slack to refuse.
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise PydanticCustomError(
                "slack_api_url",
                "must be an http or https URL such as https://slack.com/api/")
        return value
