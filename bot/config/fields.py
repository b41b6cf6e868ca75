"""Constrained value types shared by the config sections, each with a message that says
what a right value looks like."""

from __future__ import annotations

import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from domain.currencies import is_currency

_CHANNEL = re.compile(r"[CG][A-Z0-9]{8,}")
_USER = re.compile(r"[UW][A-Z0-9]{8,}")


def _channel(value: str) -> str:
    if not _CHANNEL.fullmatch(value):
        raise PydanticCustomError(
            "slack_channel",
            "must look like a Slack channel id (C or G and 8+ capitals/digits, e.g. C0123ABCDE), "
            "got {value!r}; copy it from the channel's details in Slack",
            {"value": value},
        )
    return value


def _user(value: str) -> str:
    if not _USER.fullmatch(value):
        raise PydanticCustomError(
            "slack_user",
            "must look like a Slack user id (U or W and 8+ capitals/digits, e.g. U0123ABCDE), "
            "got {value!r}",
            {"value": value},
        )
    return value


def _currency(value: str) -> str:
    if not is_currency(value):
        raise PydanticCustomError(
            "currency", "must be an ISO 4217 currency code such as USD, EUR or CNY, got {value!r}",
            {"value": value},
        )
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "timezone", "must be an IANA time zone such as Asia/Shanghai or Europe/Berlin, "
            "got {value!r}", {"value": value},
        ) from None
    return value


ChannelId = Annotated[str, AfterValidator(_channel)]
UserId = Annotated[str, AfterValidator(_user)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
