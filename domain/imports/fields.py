"""Cell parsers. Each takes the stripped cell text and returns a value or raises
``FieldError`` with a reason a clerk understands and an example of the right form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from domain.currencies import is_currency

Parser = Callable[[str], Any]


class FieldError(ValueError):
    pass


_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")


def text(max_length: int = 200) -> Parser:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise FieldError(f"is {len(raw)} characters long; at most {max_length} fit")
        return raw

    return parse


def _not_an_amount(raw: str) -> FieldError:
    return FieldError(
        f"“{raw}” is not an amount: write digits with an optional “.” and decimals, "
        "no thousands separators or currency signs (e.g. 1234.50)"
    )


def amount(raw: str) -> Decimal:
    if not _AMOUNT.fullmatch(raw):
        raise _not_an_amount(raw)
    return Decimal(raw)


def non_negative_amount(raw: str) -> Decimal:
    # On the import hot path (two per invoice row): one regex, one Decimal, no extra call.
    if _AMOUNT.fullmatch(raw) is None:
        raise _not_an_amount(raw)
    if raw[0] == "-" and raw.strip("-0.") != "":
        raise FieldError(f"is negative ({raw}); amounts in this column must be 0 or more")
    return Decimal(raw)


def positive_decimal(raw: str) -> Decimal:
    value = amount(raw)
    if value <= 0:
        raise FieldError(f"must be greater than 0, got {raw}")
    return value


def iso_date(raw: str) -> date:
    if not _DATE.fullmatch(raw):
        raise FieldError(f"“{raw}” is not a date in YYYY-MM-DD form (e.g. 2026-03-31)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"“{raw}” is not a real calendar date") from None


def currency(raw: str) -> str:
    code = raw.upper()
    if not is_currency(code):
        raise FieldError(f"“{raw}” is not an ISO 4217 currency code (e.g. USD, EUR, CNY)")
    return code


def integer(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise FieldError(f"“{raw}” is not a whole number") from None
        if not low <= value <= high:
            raise FieldError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def choice(*values: str) -> Parser:
    allowed = frozenset(values)

    def parse(raw: str) -> str:
        value = raw.lower()
        if value not in allowed:
            raise FieldError(f"“{raw}” is not one of: {', '.join(values)}")
        return value

    return parse


def slack_user(raw: str) -> str:
    if not _SLACK_USER.fullmatch(raw):
        raise FieldError(f"“{raw}” is not a Slack user id (they look like U012AB3CD)")
    return raw
