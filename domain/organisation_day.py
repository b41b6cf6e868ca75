"""The organisation's day, for the use cases that hold a clock and the organisation's
time zone: aging, deadlines, reminders and reports turn over at the organisation's
midnight, never the server's (a server in UTC would age a Shanghai portfolio eight hours
late)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo


class OrganisationDay:
    """Mixin: ``today()`` from the class's own ``clock`` and ``zone`` fields."""

    clock: Callable[[], datetime]
    zone: tzinfo

    def today(self) -> date:
        """The date in the organisation's time zone."""
        return self.clock().astimezone(self.zone).date()
