"""Which names are time zones: the IANA names a person's Slack profile, a form or
app.yaml may give. ``ZoneInfo`` alone takes more: a folder of the database (``Asia``)
fails with a filesystem error, and ``localtime``, ``posixrules`` and ``Factory`` load
as whatever the server is set to, New York's rules, or no zone at all."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _zones() -> frozenset[str]:
    return frozenset(name for name in available_timezones()
                     if name not in _NOT_ZONES and not name.startswith(("posix/", "right/")))


def is_zone_name(name: object) -> bool:
    """An IANA time zone name such as ``Asia/Shanghai``, ``Europe/Berlin`` or ``UTC``."""
    return isinstance(name, str) and name in _zones()


# Names people write for a zone that IANA files under another city.
_CITIES = {"beijing": "Asia/Shanghai", "peking": "Asia/Shanghai"}


# Abbreviations people write for a zone, which IANA does not name (EST, MST and HST it
# does, as fixed offsets: bot.config says those). Where one stands for several clocks,
# each is named.
_ABBREVIATIONS = {
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "HKT": "Asia/Hong_Kong",
    "SGT": "Asia/Singapore", "PHT": "Asia/Manila", "ICT": "Asia/Bangkok",
    "WIB": "Asia/Jakarta", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland", "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles", "CDT": "America/Chicago", "EDT": "America/New_York",
    "MDT": "America/Denver", "CEST": "Europe/Berlin", "BST": "Europe/London",
    "MSK": "Europe/Moscow", "GST": "Asia/Dubai", "BRT": "America/Sao_Paulo",
    "CST": "America/Chicago (US Central) or Asia/Shanghai (China Standard Time)",
    "IST": "Asia/Kolkata (India), Europe/Dublin (Ireland) or Asia/Jerusalem (Israel)",
}


def zone_abbreviated(written: str) -> str | None:
    """The place zone(s) an abbreviation IANA does not name stands for (``JST``:
    ``Asia/Tokyo``), as a phrase for a message; None when ``written`` is none."""
    return _ABBREVIATIONS.get(written.strip().upper())


def zone_meant(written: str) -> str | None:
    """The IANA zone ``written`` most likely means when it is none: the same name in
    another case (``asia/shanghai``), a zone's city alone (``Shanghai``, ``new york``),
    or a city IANA files under another (``Beijing``)."""
    folded = "_".join(written.strip().split()).casefold()
    if not folded:
        return None
    by_name = {name.casefold(): name for name in _zones()}
    if folded in by_name:
        return by_name[folded]
    # "Asia/Beijing": the city IANA files Beijing's clock under, whatever came before it.
    if (city := _CITIES.get(folded.rpartition("/")[2].replace("_", " "))) is not None:
        return city
    cities = sorted(name for name in _zones() if "/" in name and not name.startswith("Etc/")
                    and name.rpartition("/")[2].casefold() == folded)
    return cities[0] if len(cities) == 1 else None

