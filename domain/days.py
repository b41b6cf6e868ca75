"""A day as people type it: ``2026-12-31`` (the form every message asks for), and the
forms a Chinese reader writes and reads in creditbot's own Chinese messages:
``2026年12月31日``, ``2026/12/31``; full-width digits are folded first."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

_DAY = re.compile(r"(?P<y>\d{4})(?:-(?P<m1>\d{1,2})-(?P<d1>\d{1,2})"
                  r"|/(?P<m2>\d{1,2})/(?P<d2>\d{1,2})"
                  r"|\s*年\s*(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*[日号]?)")
# The words a Chinese reader puts where English puts "until" before a last day.
UNTIL_WORDS = frozenset({"until", "至", "截至", "截止", "到", "直到"})


_LOOKS_LIKE_DAY = re.compile(r"\d{4}\s*[-/年.]\d|\d{8}$")


def looks_like_day(text: str) -> bool:
    """Meant as a day, even if it is none (2027-02-30): said to be wrong, not taken as
    words."""
    return bool(_LOOKS_LIKE_DAY.match(unicodedata.normalize("NFKC", text).strip()))


def read_day(text: str) -> date:
    """The day ``text`` names, else ``ValueError`` (as ``date.fromisoformat`` raises)."""
    folded = unicodedata.normalize("NFKC", text).strip()
    try:
        return date.fromisoformat(folded)
    except ValueError:
        pass
    found = _DAY.fullmatch(folded)
    if found is None:
        raise ValueError(f"not a day: {text[:40]!r}")
    month = found["m1"] or found["m2"] or found["m3"]
    day = found["d1"] or found["d2"] or found["d3"]
    return date(int(found["y"]), int(month), int(day))
