"""The sandbox's time: the machine's clock moved by whatever ``:clock`` asked, still
ticking. The sandbox hands it to every use case and job it builds, so a new user can
see tomorrow's aging, next week's alerts or the end of a snooze without waiting."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, tzinfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.units import format_unit

from handlers.i18n import N_, Translator

# What ``:clock`` says when it cannot read its argument.
HOW_TO_WRITE = N_("“{text}” is not a time the sandbox understands: write +3d, -12h, "
                  "2026-12-24 or 2026-12-24 09:00 (or now, for the real time).")

_STEP = re.compile(r"([+-])((?:\d{1,6}[dhm])+)")
_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})")


class UnreadableTime(ValueError):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SandboxClock:
    """Callable as the use cases' clock (aware UTC datetimes)."""

    def __init__(self, zone: tzinfo, real: Callable[[], datetime] = _utc_now) -> None:
        self.zone = zone
        self.real = real
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.real() + self.offset

    def move(self, text: str) -> None:
        """``+3d``, ``-12h``, ``+1d6h``, ``2026-12-24`` (that day, at the time of day it
        is now), ``2026-12-24 09:00`` (in the organisation's time zone) or ``now``.
        Raises UnreadableTime and keeps the time as it was."""
        compact = "".join(text.split())  # "+ 3d" and "+3d" alike
        spec = compact if _STEP.fullmatch(compact) else " ".join(text.split())
        try:
            self.offset = self._offset(spec)
        except (ValueError, OverflowError):
            raise UnreadableTime(text.strip()) from None

    def _offset(self, spec: str) -> timedelta:
        if spec.lower() == "now":
            return timedelta(0)
        step = _STEP.fullmatch(spec)
        if step is not None:
            moved = sum((int(n) * _UNITS[unit] for n, unit in _PART.findall(step.group(2))),
                        timedelta(0))
            offset = self.offset + (moved if step.group(1) == "+" else -moved)
            # Past year 9999 this raises OverflowError: refused now, not at the next read.
            _ = self.real() + offset
            return offset
        if _DAY.fullmatch(spec):
            local = self().astimezone(self.zone)
            day = datetime.strptime(spec, "%Y-%m-%d").date()
            target = datetime.combine(day, local.timetz().replace(tzinfo=None),
                                      tzinfo=self.zone)
            return target - self.real()
        moment = _MOMENT.fullmatch(spec)
        if moment is not None:
            day = datetime.strptime(moment.group(1), "%Y-%m-%d").date()
            at = time.fromisoformat(moment.group(2).zfill(5))
            return datetime.combine(day, at, tzinfo=self.zone) - self.real()
        raise ValueError(spec)

    def describe(self, tr: Translator) -> str:
        """The sandbox's time in the reader's language and, on a line of its own, how
        far it is from the real time."""
        local = self().astimezone(self.zone)
        # 24-hour, as :clock is written: 2026-12-24 09:00.
        shown = f"{format_date(local, 'full', locale=tr.locale)} " \
                f"{format_time(local, 'HH:mm', locale=tr.locale)}"
        now = tr._("Sandbox time: {time} ({zone})", time=shown, zone=str(self.zone))
        apart = _duration(abs(self.offset), tr.locale)
        if not apart:
            return now + "\n" + tr._("This is the real time.")
        if self.offset > timedelta(0):
            return now + "\n" + tr._("{apart} ahead of the real time.", apart=apart)
        return now + "\n" + tr._("{apart} behind the real time.", apart=apart)


def _duration(span: timedelta, locale: Locale) -> str:
    """Days, hours and minutes, to the nearest minute (``3 days 4 hours``); '' for none."""
    minutes = round(span.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [format_unit(value, unit, locale=locale) for value, unit in
             ((days, "duration-day"), (hours, "duration-hour"), (minutes, "duration-minute"))
             if value]
    return " ".join(parts)
