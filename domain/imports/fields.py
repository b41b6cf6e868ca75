"""Cell parsers. Each takes the stripped cell text and returns a value or raises
``FieldError`` with a reason a clerk understands and an example of the right form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from domain.currencies import NOT_MONEY, WITHDRAWN, is_currency, meant_code
from domain.people import is_user_id
from domain.text import INVISIBLE_BUT_JOINERS, LONE_JOINER, looks_blank

Parser = Callable[[str], Any]


class FieldError(ValueError):
    pass


# ASCII digits only, as the formats say: ``\d`` also takes Arabic-Indic (٥٠٠) and
# full-width (１２３) digits, which Decimal and int() read as numbers.
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MIDNIGHT = re.compile(r"[ T]00:00(:00(\.0+)?)?", re.ASCII)
_SLASHED = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.ASCII)
_WHOLE = re.compile(r"-?\d+", re.ASCII)


# C0 and C1 controls and DEL, tab aside: ERP text is later printed to terminals
# (`creditbot position`), where ESC starts an escape sequence, and posted to Slack. And
# Unicode's line and paragraph separators: a line break by another name, which a log
# line or a terminal printing a name would break at.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def text(max_length: int = 200) -> Parser:
    def parse(raw: str) -> str:
        if len(raw) > max_length:
            raise FieldError(f"is {len(raw)} characters long; at most {max_length} fit")
        control = _CONTROL.search(raw)
        if control is not None:
            raise FieldError(f"contains a control character (U+{ord(control.group()):04X}); "
                             "remove it")
        return raw

    return parse


# An id: up to 64 characters, no control character, not even a tab (which a name may
# hold). Buttons carry ids back to creditbot, checked against this very pattern
# (handlers.payloads), so any id an import takes comes back through a button.
ID_PATTERN = r"[^\x00-\x1f\x7f-\x9f]{1,64}"
_ID = re.compile(ID_PATTERN)


def identifier(raw: str) -> str:
    checked = text(64)(raw)
    if not _ID.fullmatch(checked):  # text() takes a tab, which an id may not hold
        raise FieldError("contains a tab; write the id without one")
    # Every invisible character is beyond ASCII, which most ids are not (a free check).
    # Zero-width (non-)joiners aside: they shape letters (Persian ZWNJ) and join emoji,
    # so an id holding one between two of them reads differently, not the same.
    hidden = None if checked.isascii() else INVISIBLE_BUT_JOINERS.search(checked)
    if hidden is not None:
        # "H0\u200b01" would be a customer of its own that every card shows as H001.
        raise FieldError(f"contains an invisible character (U+{ord(hidden.group()):04X}), "
                         "which would make it a different id that reads the same; remove it")
    # A joiner joins two letters or emoji; anywhere else ("C0002" + ZWJ, or one alone) it
    # joins nothing and the id reads as another one, or as nothing.
    lone = None if checked.isascii() else LONE_JOINER.search(checked)
    if lone is not None:
        raise FieldError(f"contains a zero-width joiner (U+{ord(lone.group()):04X}) that "
                         "joins nothing there, which would make it a different id that reads "
                         "the same; remove it")
    if looks_blank(checked):
        raise FieldError("shows nothing (only invisible or blank characters); write the id")
    return checked


# Excel's scientific format ("1.5E+05"): what a column too narrow for its numbers
# exports, rounded to the digits shown.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")


def _not_an_amount(raw: str) -> FieldError:
    if _SCIENTIFIC.fullmatch(raw.strip()):
        return FieldError(
            f"“{raw}” is not an amount: it is in scientific notation, as a spreadsheet "
            "writes a number its column is too narrow for, rounded to the digits shown; "
            "format the column as a number with decimals and export it again "
            "(e.g. 150000.00)")
    return FieldError(
        f"“{raw}” is not an amount: write digits with an optional “.” and decimals, "
        "no thousands separators or currency signs (e.g. 1234.50)"
    )


# What the columns hold: amounts are NUMERIC(18, 4), so 14 digits before the point;
# exchange rates NUMERIC(24, 12). A longer number would fail deep inside the database
# write instead of being reported with its line and column.
AMOUNT_DIGITS = 14
_RATE_DIGITS = 12
_RATE_DECIMALS = 12
# Real rates between two currencies stay well within these (a unit of the Kuwaiti dinar is
# some 10^6 Iranian rials): one outside is a typo or a rate written the wrong way round,
# and converted it overflowed the alerts scan and the report for the whole portfolio.
_RATE_LOWEST = Decimal("0.00000001")
_RATE_HIGHEST = Decimal(100_000_000)
# An amount that fits, as one regex on the hot path; anything else is looked at again.
_FITTING_AMOUNT = re.compile(r"-?\d{1,14}(?:\.\d+)?", re.ASCII)


def too_large(raw: str, digits: int) -> FieldError:
    return FieldError(f"“{raw}” is too large: at most {digits} digits fit before the “.”")


def _fits(raw: str, value: Decimal, digits: int) -> Decimal:
    if value and value.adjusted() >= digits:
        raise too_large(raw, digits)
    return value


def _unusual_amount(raw: str) -> Decimal:
    """An amount the fast pattern refused: not one at all, too large, or padded with zeros."""
    if not _AMOUNT.fullmatch(raw):
        raise _not_an_amount(raw)
    return _fits(raw, Decimal(raw), AMOUNT_DIGITS)


def amount(raw: str) -> Decimal:
    if _FITTING_AMOUNT.fullmatch(raw) is None:
        return _unusual_amount(raw)
    return Decimal(raw)


def non_negative_amount(raw: str) -> Decimal:
    # On the import hot path (two per invoice row): one regex, one Decimal.
    if _FITTING_AMOUNT.fullmatch(raw) is None or raw[0] == "-":
        value = _unusual_amount(raw)
        if value < 0:
            raise FieldError(f"is negative ({raw}); amounts in this column must be 0 or more")
        return value
    return Decimal(raw)


def positive_amount(raw: str) -> Decimal:
    value = amount(raw)
    if value <= 0:
        raise FieldError(f"must be greater than 0, got {raw}")
    return value


def positive_rate(raw: str) -> Decimal:
    if not _AMOUNT.fullmatch(raw):
        raise FieldError(f"“{raw}” is not a rate: write digits with an optional “.” and "
                         "decimals (e.g. 1.0825)")
    value = _fits(raw, Decimal(raw), _RATE_DIGITS)
    if value <= 0:
        raise FieldError(f"must be greater than 0, got {raw}")
    if value.normalize().as_tuple().exponent < -_RATE_DECIMALS:  # type: ignore[operator]
        raise FieldError(f"“{raw}” has more than {_RATE_DECIMALS} decimals; round it to "
                         f"{_RATE_DECIMALS}")
    if not _RATE_LOWEST <= value <= _RATE_HIGHEST:
        raise FieldError(f"“{raw}” is no exchange rate between real currencies (they lie "
                         "between 0.00000001 and 100000000): write what 1 unit of the "
                         "currency is worth in the base currency, not the reverse")
    return value


# ERPs write an empty date as a placeholder (0001-01-01, 1899-12-30, 1900-01-01, or
# 1970-01-01, Unix time 0): taken as a date it makes an invoice tens of thousands of days
# overdue. No open item, payment or order of a business still trading is that old. Late
# ones (9999-12-31 for a contract without an end) mean what they say.
EPOCH = date(1970, 1, 1)


_YEAR_FIRST = re.compile(r"(\d{4})\s*[/.年]\s*(\d{1,2})\s*[/.月]\s*(\d{1,2})\s*[日号]?")


def iso_date(raw: str) -> date:
    if not _DATE.fullmatch(raw):
        raise FieldError(f"“{raw}” is not a date in YYYY-MM-DD form (e.g. 2026-03-31)"
                         + date_meant(raw))
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise FieldError(f"“{raw}” is not a real calendar date") from None
    if day <= EPOCH:
        raise FieldError(f"{raw} is not after {EPOCH.isoformat()}: an ERP's placeholder for "
                         "an empty date, not a date; export the real date")
    return day


def date_meant(raw: str) -> str:
    """``iso_date_meant`` as the end of a refusal: "; write 2026-10-31", else ""."""
    meant = iso_date_meant(raw)
    return f"; write {meant}" if meant else ""


def iso_date_meant(raw: str) -> str | None:
    """The ISO form of a date the ERP wrote otherwise, when it can only be one date: a
    spreadsheet's date and time (2026-12-04 00:00:00), or day and month in an order the
    numbers settle (31/10/2026: no month 31), or dots do (04.05.2026 is 4 May).
    04/05/2026 could be either: no guess (None)."""
    if _DATE.fullmatch(raw[:10]) and _MIDNIGHT.fullmatch(raw[10:]):
        return raw[:10]
    if (year_first := _YEAR_FIRST.fullmatch(raw)) is not None:
        # 2026/09/01, 2026.9.1, 2026年9月1日: the year first settles the order.
        try:
            return date(*(int(part) for part in year_first.groups())).isoformat()
        except ValueError:
            return None
    found = _SLASHED.fullmatch(raw)
    if found is None:
        return None
    first, second, year = (int(part) for part in found.groups())
    if raw.count(".") == 2 and first <= 12 and second <= 12:
        # Dots between day, month and year are Europe's way (01.10.2026 is 1 October);
        # numbers that settle the order (12.31.2026) settle it as for slashes.
        day, month = first, second
    elif first > 12 >= second:
        day, month = first, second
    elif second > 12 >= first:
        day, month = second, first
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def currency(raw: str) -> str:
    code = raw.upper()
    if code in NOT_MONEY:
        raise FieldError(f"“{raw}” is the ISO 4217 code of {NOT_MONEY[code]}, not of money "
                         "an invoice is billed in: write the customer's currency, e.g. USD, "
                         "EUR, CNY")
    if code in WITHDRAWN:
        raise FieldError(f"“{raw}” is an ISO 4217 code withdrawn from use; write "
                         f"{WITHDRAWN[code]}, which replaced it")
    if not is_currency(code):
        alias = meant_code(raw)
        meant = f"; {raw} is written {alias}" if alias else ""
        raise FieldError(f"“{raw}” is not an ISO 4217 currency code (e.g. USD, EUR, CNY)"
                         + meant)
    return code


def integer(low: int, high: int) -> Parser:
    def parse(raw: str) -> int:
        if not _WHOLE.fullmatch(raw):  # int() takes "1_000", "٣٠" and " 30" too
            raise FieldError(f"“{raw}” is not a whole number")
        value = int(raw)
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
    if not is_user_id(raw):
        raise FieldError(f"“{raw}” is not a Slack user id (they look like U012AB3CD)")
    return raw
