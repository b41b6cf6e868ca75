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
