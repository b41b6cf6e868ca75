"""Constrained value types shared by the config sections, each with a message that says
what a right value looks like."""

from __future__ import annotations

import re
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from domain.currencies import is_currency


def _slack_id(kind: str, first_letters: str, example: str, hint: str = "") -> Any:
    pattern = re.compile(f"[{first_letters}][A-Z0-9]{{8,}}")
    letters = " or ".join(first_letters)

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise PydanticCustomError(
                f"slack_{kind}",
                f"must look like a Slack {kind} id ({letters} and 8+ capitals/digits, "
                f"e.g. {example}), got {{value!r}}{hint}",
                {"value": value},
            )
        return value

    return check


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


ChannelId = Annotated[str, AfterValidator(_slack_id(
    "channel", "CG", "C0123ABCDE", "; copy it from the channel's details in Slack"))]
UserId = Annotated[str, AfterValidator(_slack_id("user", "UW", "U0123ABCDE"))]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
