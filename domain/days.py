"""A day as people type it: ``2026-12-31`` (the form every message asks for), and the
forms a Chinese reader writes and reads in creditbot's own Chinese messages:
``2026年12月31日``, ``2026/12/31``; full-width digits are folded first."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from domain.errors import FieldProblem
from domain.text import N_, without_invisible

# 2026.12.31 too, as much of China and Germany's year-first forms write it.
_DAY = re.compile(r"(?P<y>\d{4})(?:-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
                  r"|/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})"
                  r"|\.(?P<m4>\d{1,2})\.(?P<d4>\d{1,2})"
                  r"|\s*年\s*(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*[日号]?)")
# "until", and the words a Chinese reader puts in its place before a last day.
# "till" and German's "bis" too: "+10k bis 2026-12-31 promo" was a permanent increase
# with that reason. Any but "until" counts only before a day.
UNTIL_WORDS = frozenset({"until", "till", "bis", "至", "截至", "截止", "到", "直到"})
# A digit first, then a date's separator somewhere, or six to eight digits: "3号仓库"
# ("to warehouse 3") still starts a reason.
_LOOKS_LIKE_DAY = re.compile(r"\d[^\s]*[-/.年月]|\d{6,8}$")


def looks_like_day(text: str) -> bool:
    """Meant as a day, even if it is none (2027-02-30, 31/12/2026, 12月31日): after
    "until" or 至 such a word is said to be wrong, never taken as a reason's first."""
    return bool(_LOOKS_LIKE_DAY.match(_folded(text)))


def _folded(text: str) -> str:
    # Full-width digits folded; invisible characters (a bidi override inside a date)
    # dropped, as everywhere text is compared.
    return without_invisible(unicodedata.normalize("NFKC", text)).strip()


def read_day(text: str) -> date:
    """The day ``text`` names, else ``ValueError`` (as ``date.fromisoformat`` raises)."""
    folded = _folded(text)
    try:
        return date.fromisoformat(folded)
    except ValueError:
        pass
    found = _DAY.fullmatch(folded)
    if found is None:
        raise ValueError(f"not a day: {text[:40]!r}")
    month = found["m1"] or found["m2"] or found["m3"] or found["m4"]
    day = found["d1"] or found["d2"] or found["d3"] or found["d4"]
    return date(int(found["y"]), int(month), int(day))


def year_after(day: date) -> date:
    """The same day a year later (28 February for 29 February)."""
    return years_after(day, 1)


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# A day picked for something still to come — a promise's pay-by day, a collector's next
# step, a meeting's action item: today or later, and at most a year ahead (2036 typed for
# 2026 is far likelier than a plan that far out). One rule, so that the forms cannot
# drift apart in what they take or how they say it.
AHEAD_AT_MOST = timedelta(days=365)


def upcoming_day_problem(where: str, day: date, today: date) -> FieldProblem | None:
    """What is wrong with ``day`` as the day of something to come, for the field
    ``where``; None when it is today or within a year after."""
    if day < today:
        # Today as the organisation's calendar has it: a collector far west of it read
        # "Dec 7 has passed" on their own Dec 7.
        return FieldProblem(where, N_("{day} has passed (today is {today}): pick today or a "
                                      "later day."), day=day, today=today)
    if day > today + AHEAD_AT_MOST:
        return FieldProblem(where, N_("{day} is more than a year ahead: pick a day on or "
                                      "before {last}."), day=day, last=today + AHEAD_AT_MOST)
    return None


def end_of_day(day: date, zone: tzinfo) -> datetime:
    """The moment ``day`` ends in ``zone`` (the next day's midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
