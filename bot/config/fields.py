"""Constrained value types shared by the config sections, each with a message that says
what a right value looks like and what was written instead."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from domain.currencies import is_currency, meant_code
from domain.people import is_channel_id, is_user_id
from domain.zones import is_zone_name, zone_abbreviated, zone_meant
from handlers.i18n import speaks

# Error types whose messages are ours and already say how to write the value right.
OWN_ERRORS = frozenset({"slack_channel", "slack_user", "currency", "timezone", "locale",
                        "role_name", "aging", "cross_section", "alerts", "dunning",
                        "meetings", "working_time", "thousands_point",
                        "percent_fraction"})

# The roles the workflow knows out of the box; an organisation may add its own (a
# policy can name any role that someone holds).
STANDARD_ROLES = ("credit_analyst", "credit_manager", "finance_director", "cfo", "collector",
                  "legal", "sales")


# A value quoted in a message is cut here: YAML aliases can make a small file hold a
# list of billions of items, and a message is no place for a long value anyway.
SHOWN_LIMIT = 200


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """A value as it reads in YAML: text in double quotes, lists in brackets; at most
    about ``limit`` characters (the rest as …)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= limit else text[:limit] + "…\""
    if isinstance(value, list | tuple):
        parts: list[str] = []
        room = limit - 2
        for item in value:
            if room <= 0:
                parts.append("…")
                break
            part = shown(item, room)
            parts.append(part)
            room -= len(part) + 2
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, dict):
        return "a mapping"
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _error(kind: str, template: str, value: object, **context: str) -> PydanticCustomError:
    # pydantic's templates substitute {name} only (no !r), so the value is shown beforehand.
    return PydanticCustomError(kind, template, {"value": value, "shown": shown(value), **context})


def _slack_id(kind: str, first_letters: str, example: str, hint: str = "") -> Any:
    valid = is_user_id if kind == "user" else is_channel_id
    letters = " or ".join(first_letters)

    def check(value: str) -> str:
        if not valid(value):
            raise _error(f"slack_{kind}",
                         f"must look like a Slack {kind} id ({letters} and 8+ capitals/digits, "
                         f"e.g. {example}), got {{shown}}{hint}", value)
        return value

    return check


def _currency(value: str) -> str:
    if not is_currency(value):
        meant = meant_code(unicodedata.normalize("NFKC", value).strip()) \
            if isinstance(value, str) else None
        hint = f" ({shown(value)} is written {meant})" if meant and meant != value else ""
        raise _error("currency", "must be an ISO 4217 currency code such as USD, EUR or "
                     "CNY, got {shown}" + hint.replace("{", "{{").replace("}", "}}"), value)
    return value


# IANA names that are a fixed offset, not a place: "EST" keeps -05:00 all year, so a
# company in New York that wrote it turned its days over at 23:00 local time, and ran
# every schedule an hour late, for eight months of the year.
_NO_SUMMER_TIME = {
    "EST": "America/New_York (America/Panama if no summer time is meant)",
    "MST": "America/Denver (America/Phoenix, which keeps no summer time)",
    "HST": "Pacific/Honolulu (the same clock, named by its place)",
}


def _timezone(value: str) -> str:
    if not is_zone_name(value):
        # An offset first: "GMT+8" is the name of Etc/GMT+8, which is UTC-08:00.
        if isinstance(value, str) and _OFFSET.fullmatch(value.strip()):
            raise _error("timezone", "{shown} is an offset from UTC, not a place: write the "
                         "zone of the place whose clock is meant, which keeps its summer "
                         "time, e.g. Asia/Shanghai for UTC+08:00 or Europe/Berlin for "
                         "UTC+01:00", value)
        abbreviated = zone_abbreviated(value) if isinstance(value, str) else None
        if abbreviated is not None:
            raise _error("timezone", "{shown} is an abbreviation, not a place: write the "
                         "place's own zone, which keeps its summer time, e.g. "
                         + abbreviated, value)
        meant = zone_meant(value) if isinstance(value, str) else None
        if meant is not None:
            raise _error("timezone", "must be an IANA time zone, written as IANA writes it: "
                         f"{meant}, got {{shown}}", value)
        raise _error("timezone", "must be an IANA time zone such as Asia/Shanghai or "
                     "Europe/Berlin, got {shown}", value)
    if value in _NO_SUMMER_TIME:
        raise _error("timezone", "{shown} is an abbreviation that keeps no summer time, not a "
                     "place: write the place's own zone, e.g. " + _NO_SUMMER_TIME[value],
                     value)
    posix = _POSIX_OFFSET.fullmatch(value)
    if posix and int(posix.group(2)):
        # POSIX counts west as positive: "Etc/GMT+5" is five hours *behind* UTC, the
        # opposite of what everyone who writes it means.
        hours = int(posix.group(2))
        offset = f"UTC{'-' if posix.group(1) == '+' else '+'}{hours:02d}:00"
        raise _error("timezone", "{shown} is " + offset + " (these names turn the sign "
                     "round) and keeps no summer time: write the zone of the place whose clock is "
                     "meant, such as Asia/Shanghai or America/Bogota", value)
    return value


_POSIX_OFFSET = re.compile(r"Etc/GMT([+-])(\d{1,2})")
# "GMT+8", "UTC-05:00", "+08:00": an offset written for a zone.
_OFFSET = re.compile(r"(?:(?:GMT|UTC)\s*)?[+-]\s*\d{1,2}(?::?\d{2})?", re.IGNORECASE)


_LOCALE = re.compile(r"[a-z]{2,3}(-[A-Z][A-Za-z]{1,3})?")


def _locale(value: str) -> str:
    if not _LOCALE.fullmatch(value):
        raise _error("locale", "must be a language tag such as en-US or zh-CN, got {shown}",
                     value)
    if not speaks(value):
        raise _error("locale", "must be a language creditbot speaks: English (en, en-US, "
                     "en-GB…) or Chinese (zh-CN, zh-TW…), got {shown}", value)
    return value


_ROLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def is_role_name(value: object) -> bool:
    # A key YAML read as a number or null (`1:`, `~:`) is no name either.
    return isinstance(value, str) and _ROLE_NAME.fullmatch(value) is not None


# German letters as ASCII writes them: geschäftsführer is geschaeftsfuehrer.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _role_name(value: str) -> str:
    if not is_role_name(value):
        written = "_".join(value.lower().translate(_UMLAUTS).replace("-", " ").split())
        if is_role_name(written):
            raise _error("role_name", "role names are lower-case words joined by _, got "
                         "{shown}: write it {written}", value, written=written)
        raise _error("role_name", "role names are lower-case words joined by _ (e.g. "
                     "credit_manager), got {shown}", value)
    return value


def _whole_amount(value: Decimal) -> Decimal:
    # YAML reads "25.000" as 25 with three decimals: a thousands point as much of Europe
    # writes it, 1,000 times too small (a €5,000 limit went to the CFO).
    if value.as_tuple().exponent == -3 and value < 1000:
        raise _error("thousands_point",
                     f"“{value}” reads as {value.normalize():f} (a point is YAML's decimal "
                     f"point); for {value * 1000:.0f}, write {value * 1000:.0f}", value)
    return value


def _whole_percent(value: Decimal) -> Decimal:
    # 0.9 written for 90 %: customers at 66 % were marked critical, their managers told.
    if 0 < value < 1:
        raise _error("percent_fraction",
                     f"“{value}” is {value} % (a share written as a fraction?); for "
                     f"{value * 100:.0f} %, write {value * 100:.0f}", value)
    return value


# An amount in the base currency, as a threshold or a band's upper end.
BaseAmount = Annotated[Decimal, AfterValidator(_whole_amount)]
# A percentage written as one (80 for 80 %), never below one per cent.
Percent = Annotated[Decimal, AfterValidator(_whole_percent)]
ChannelId = Annotated[str, AfterValidator(_slack_id(
    "channel", "CG", "C0123ABCDE", "; copy it from the channel's details in Slack"))]
UserId = Annotated[str, AfterValidator(_slack_id(
    "user", "UW", "U0123ABCDE", "; copy it from the person's profile in Slack"))]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
TimeZoneName = Annotated[str, AfterValidator(_timezone)]
LocaleTag = Annotated[str, AfterValidator(_locale)]
RoleName = Annotated[str, AfterValidator(_role_name)]


def misspelt_role(role: str, held: list[str], empty: Collection[str] = (),
                  fixed: str = "this level is held") -> str | None:
    """The hint for a role nobody holds that is a letter or two from one held: which of
    the two is misspelt. A standard role (credit_manager) is right, so the held
    ``credit_manger`` is the typo, to correct under roles (offering it for the rules
    spread the typo); otherwise the rules' is, and the held one is meant. A close role
    listed with nobody under it (``cfo: []``) is offered too, with its own fix. ``fixed``:
    what correcting the typo mends, said after it."""
    close = difflib.get_close_matches(role, [*held, *sorted(empty)], n=1, cutoff=0.8)
    if not close:
        return None
    if close[0] in empty:
        return (f"did you mean {shown(close[0])}? roles lists it with nobody under it: add "
                "its holders there")
    if role in STANDARD_ROLES and close[0] not in STANDARD_ROLES:
        return (f"roles lists {shown(close[0])} instead: correct its spelling there, and "
                f"{fixed}")
    return f"did you mean {shown(close[0])}, which roles lists?"
