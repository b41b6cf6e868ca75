"""Process settings from the environment (the table in the README, Configuration)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

SLACK_DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///creditbot.db"
DEFAULT_CONFIG = "app.yaml"
DEFAULT_PORT = 3000


class Settings(BaseSettings):
    # An empty variable (`DATABASE_URL=` in an env file) counts as not set.
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True,
                                      env_ignore_empty=True)

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default=SLACK_DEFAULT_API_URL, validation_alias="SLACK_API_URL")
    database_url: str = Field(default=DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    # CREDITBOT_CONFIG only: CONFIG_PATH, which another tool on the host may set, made
    # every command read that file instead (see settings_customise_sources).
    config_path: str = Field(default=DEFAULT_CONFIG, validation_alias="CREDITBOT_CONFIG")
    port: int = Field(default=DEFAULT_PORT, validation_alias="PORT", ge=1, le=65535)
    # What serve and scheduler log to stderr (a service manager's journal keeps it).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", validation_alias="CREDITBOT_LOG_LEVEL")

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: Any) -> Any:
        if isinstance(value, str):
            level = {"WARN": "WARNING", "": "INFO"}.get(value.strip().upper(),
                                                        value.strip().upper())
            # A value that is none is refused as written ("verbose", not "VERBOSE").
            return level if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL") \
                else value
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment by the documented names only: populate_by_name (for
        # Settings(config_path=…)) made pydantic-settings read CONFIG_PATH too.
        return init_settings, _DocumentedNames(env_settings), dotenv_settings, \
            file_secret_settings

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        # `SLACK_BOT_TOKEN=` in an env file is a secret someone forgot to paste, not one
        # for Slack to refuse.
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            # A pasted secret often brings a space or a line break along; what is left
            # must be what Slack shows: visible ASCII (an HTTP header carries the token).
            value = value.strip()
            if not all("!" <= c <= "~" for c in value):
                raise PydanticCustomError(
                    "secret", "must be the value Slack shows, in visible ASCII characters "
                              "only: it holds a space, a control or a non-ASCII character")
            # Docker's --env-file keeps quotes as part of the value: every request Slack
            # signed was then refused (401) with nothing said at start.
            # A quote at one end only is a paste that lost the other: no Slack secret
            # holds one.
            if value[0] in "'\"" or value[-1] in "'\"":
                raise PydanticCustomError(
                    "secret", "must be the value Slack shows, with no quote at either end "
                              "(Docker's --env-file keeps quotes as part of the value): write "
                              "it bare")
        return value

    @field_validator("slack_api_url", "database_url", "config_path", "port", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        # Spaces alone are as empty as nothing (a quoted `DATABASE_URL=" "`).
        if isinstance(value, str) and not value.strip():
            return {"slack_api_url": SLACK_DEFAULT_API_URL, "database_url": DEFAULT_DATABASE_URL,
                    "config_path": DEFAULT_CONFIG, "port": DEFAULT_PORT}[info.field_name or ""]
        if isinstance(value, str) and info.field_name in ("slack_api_url", "database_url"):
            # `DATABASE_URL= sqlite:///x.db` or a trailing space from an env file: a URL
            # never begins or ends with one.
            return value.strip()
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
        if "@" in value.partition("://")[2]:  # "user:pa/ss@host" ends urlsplit's netloc at /
            # Taken for a host, "user:password@host" never resolved, and the URL was
            # logged whole at every start and delivery.
            raise PydanticCustomError(
                "slack_api_url",
                "must not hold a user name or password (user:password@): Slack's Web API "
                "is authorised by the bot token, and a proxy with its credentials goes in "
                "HTTPS_PROXY")
        return value


class _DocumentedNames(PydanticBaseSettingsSource):
    """A source's values under the variables' documented names (the fields' aliases),
    without those it found under a field's own name (``config_path``)."""

    def __init__(self, source: PydanticBaseSettingsSource) -> None:
        super().__init__(source.settings_cls)
        self._source = source

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._source.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        names = {name for name, field in Settings.model_fields.items()
                 if isinstance(field.validation_alias, str)
                 and field.validation_alias.lower() != name}
        return {k: v for k, v in self._source().items() if k not in names}
