"""The organisation's configuration (app.yaml), validated at start-up."""

from bot.config.loader import ConfigError, load_config
from bot.config.schema import AppConfig

__all__ = ["AppConfig", "ConfigError", "load_config"]
