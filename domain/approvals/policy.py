"""The approval policy: per request kind, amount bands in the base currency, each band
the route of levels that decide a request measuring that much.

A band covers amounts above the previous band's ``up_to`` and up to its own, included;
the last band has no ``up_to`` and takes everything above. What is measured:

- limit kinds: the new limit, or only the increase (``basis``, see ``DEFAULT_BASIS``);
  a first limit measures the same either way, its increase being the whole limit.
- order release: the order's amount. One shipment beyond the limit is a one-off
  exception, so a release never needs more than the finance director, and has hours
  rather than days (a truck is waiting).
- payment terms change: the customer's current limit, the credit the new terms apply
  to. Terms are commercial as much as credit: the credit manager, and above 500,000 the
  finance director as well.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from domain.approvals.model import LIMIT_KINDS, Basis, Level, RequestKind
from domain.errors import DomainError
from domain.fx import FxRates
from domain.money import Money
from domain.text import N_
from domain.working_time import WorkingTime

# Bands compare the new total by default: an authority matrix grants the power to set a
# limit up to an amount, and with increases a limit could climb by small steps, each
# within the first band, without anyone senior ever seeing the total.
DEFAULT_BASIS = Basis.TOTAL
DEFAULT_REMIND_BEFORE_HOURS = 4


@dataclass(frozen=True)
class Band:
    up_to: Decimal | None  # None: the open-ended top band
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class KindPolicy:
    bands: tuple[Band, ...]
    basis: Basis = DEFAULT_BASIS

    def route(self, measured: Decimal) -> tuple[Level, ...]:
        return self.band(measured).levels

    def band(self, measured: Decimal) -> Band:
        for band in self.bands:
            if band.up_to is None or measured <= band.up_to:
                return band
        # config check refuses a policy without an open-ended top band.
        raise DomainError(N_("The approval policy has no band for {amount}: ask an admin "
                             "to add an open-ended top band (run `creditbot config "
                             "check`)."), amount=str(measured))


def _levels(*levels: tuple[str, int]) -> tuple[Level, ...]:
    return tuple(Level(role, hours) for role, hours in levels)


_CM, _FD, _CFO = ("credit_manager", 24), ("finance_director", 48), ("cfo", 72)
_LIMIT = KindPolicy((
    Band(Decimal(50_000), _levels(_CM)),
    Band(Decimal(500_000), _levels(_CM, _FD)),
    Band(None, _levels(_CM, _FD, _CFO)),
))

DEFAULT_POLICIES: dict[RequestKind, KindPolicy] = {
    RequestKind.LIMIT_INCREASE: _LIMIT,
    RequestKind.TEMPORARY_LIMIT: _LIMIT,
    RequestKind.FIRST_LIMIT: _LIMIT,
    RequestKind.ORDER_RELEASE: KindPolicy((
        Band(Decimal(50_000), _levels(("credit_manager", 4))),
        Band(None, _levels(("credit_manager", 4), ("finance_director", 8))),
    )),
    RequestKind.TERMS_CHANGE: KindPolicy((
        Band(Decimal(500_000), _levels(("credit_manager", 48))),
        Band(None, _levels(("credit_manager", 48), ("finance_director", 72))),
    )),
}


@dataclass(frozen=True)
class Measure:
    """What a request measured and the route it takes."""

    amount: Money  # in the base currency
    route: tuple[Level, ...]


@dataclass(frozen=True)
class ApprovalPolicy:
    base_currency: str
    kinds: Mapping[RequestKind, KindPolicy] = field(
        default_factory=lambda: dict(DEFAULT_POLICIES))
    # How long before a level's deadline its deciders are reminded (once per level).
    remind_before_hours: int = DEFAULT_REMIND_BEFORE_HOURS
    # What deadlines and reminders count: working time only, or (None) every hour of the
    # clock.
    working_time: WorkingTime | None = None

    def deadline(self, since: datetime, hours: int) -> datetime:
        """The end of a level that started waiting at ``since`` and has ``hours``."""
        if self.working_time is None:
            return since + timedelta(hours=hours)
        # From the minute: four hours from 14:00:05 end at 18:00 that day, not five
        # seconds into the next working morning.
        return self.working_time.add(since.replace(second=0, microsecond=0),
                                     timedelta(hours=hours))

    def started(self, since: datetime) -> datetime:
        """When a level that started waiting at ``since`` starts counting: at once, or
        at the next opening."""
        if self.working_time is None:
            return since
        return self.working_time.add(since, timedelta(0))

    def reminder(self, deadline: datetime) -> datetime:
        """When a level's deciders are reminded of its ``deadline``."""
        before = timedelta(hours=self.remind_before_hours)
        if self.working_time is None:
            return deadline - before
        return self.working_time.subtract(deadline, before)

    def overdue_reminder(self, deadline: datetime, now: datetime) -> int | None:
        """Which of an overdue level's daily reminders is the latest due at ``now``: 0 at
        the deadline, then one a day at its time of day; with working time, on working
        days only, and none before that time of day (a run at 09:00 does not catch up
        the reminder of a weekend, to send the day's own at 15:00 again). None: none is
        due now."""
        if self.working_time is None:
            return math.floor((now - deadline) / timedelta(hours=24))
        working = self.working_time
        first = self._first_working_moment(deadline)
        local_now = now.astimezone(working.zone)
        if now < first or not working.is_working_day(local_now.date()) \
                or local_now.time() < first.time():
            return None
        return working.days_after(first, now)

    def _first_working_moment(self, deadline: datetime) -> datetime:
        """The deadline, or the next opening when it lies outside working time: a
        deadline kept from before working time counted (at 02:06, or at 20:00 after the
        hours were shortened) is told of at the opening, not in the night."""
        assert self.working_time is not None
        working = self.working_time
        local = deadline.astimezone(working.zone)
        if working.is_working_day(local.date()) and \
                working.hours.start <= local.time() <= working.hours.end:
            return local
        return working.add(deadline, timedelta(0)).astimezone(working.zone)

    def of(self, kind: RequestKind) -> KindPolicy:
        return self.kinds.get(kind) or DEFAULT_POLICIES[kind]

    def measure(self, kind: RequestKind, fx: FxRates, *, new_limit: Money | None = None,
                increase: Money | None = None, order_amount: Money | None = None,
                current_limit: Money | None = None) -> Measure:
        """The amount ``kind``'s bands compare, in the base currency (``MissingRate``
        when a currency has no rate), and the route of its band."""
        policy = self.of(kind)
        if kind in LIMIT_KINDS:
            amount = increase if policy.basis is Basis.INCREASE else new_limit
        elif kind is RequestKind.ORDER_RELEASE:
            amount = order_amount
        else:
            amount = current_limit
        if amount is None:
            amount = Money.zero(self.base_currency)
        in_base = Money(amount.amount * fx.factor(amount.currency, self.base_currency),
                        self.base_currency).rounded()
        return Measure(in_base, policy.route(in_base.amount))

    def evidence(self, kind: RequestKind, measured: Decimal) -> dict[str, Any]:
        """The rule a request was routed by, for its ``requests.filed`` entry: the kind's
        basis, the band it measured into, and that band's levels as app.yaml had them.
        The route is kept with the request, but an auditor could not tell from the trail
        which policy, band or deadlines applied once app.yaml had changed."""
        policy = self.of(kind)
        band = policy.band(measured)
        return {"basis": policy.basis.value if kind in LIMIT_KINDS else None,
                "band_up_to": None if band.up_to is None else str(band.up_to),
                "levels": [{"role": level.role, "deadline_hours": level.deadline_hours,
                            "escalate_to": level.escalate_to, "post_to": level.post_to}
                           for level in band.levels],
                "remind_before_hours": self.remind_before_hours}

    def roles(self) -> set[str]:
        """Every role a level names, as decider or escalation target."""
        named = set()
        for kind in RequestKind:
            for band in self.of(kind).bands:
                for level in band.levels:
                    named.add(level.role)
                    if level.escalate_to:
                        named.add(level.escalate_to)
        return named
