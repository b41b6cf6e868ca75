"""Dunning: how far an account is past due decides its level and the step suggested.

The policy (``collections.dunning`` in app.yaml) is a list of levels, each starting at a
number of days past due, each with a suggested step from a fixed vocabulary (so every
step has a translation). The account's level is the one reached by its oldest overdue
invoice **that is not under an open dispute**: a dispute pauses dunning for the invoices
it covers, not for the rest of the account. creditbot only suggests the step; it never
writes to customers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import pairwise


class Step(StrEnum):
    REMINDER = "reminder"
    PHONE_CALL = "phone_call"
    FINAL_NOTICE = "final_notice"
    STOP_SUPPLY = "stop_supply"
    LEGAL = "legal"


@dataclass(frozen=True)
class DunningLevel:
    """Level ``level`` (1 = the first) starts ``from_days`` days past due."""

    level: int
    from_days: int
    step: Step


@dataclass(frozen=True)
class DunningPolicy:
    levels: tuple[DunningLevel, ...]

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError("dunning needs at least one level, e.g. {days: 1, step: reminder}")
        days = [lv.from_days for lv in self.levels]
        if any(d < 1 for d in days):
            raise ValueError("a dunning level starts at 1 day past due or later")
        if any(b <= a for a, b in pairwise(days)):
            raise ValueError("dunning levels' days must be strictly increasing")

    @classmethod
    def of(cls, steps: Iterable[tuple[int, Step | str]]) -> DunningPolicy:
        """Levels numbered 1, 2, … in the order given: ``[(1, "reminder"), (15, …)]``."""
        return cls(tuple(DunningLevel(i, d, Step(s)) for i, (d, s) in enumerate(steps, 1)))

    def level_for(self, days_past_due: int) -> DunningLevel | None:
        """The highest level reached at this many days past due; ``None`` before the
        first."""
        reached = None
        for lv in self.levels:
            if days_past_due >= lv.from_days:
                reached = lv
        return reached


DEFAULT_POLICY = DunningPolicy.of(
    [(1, Step.REMINDER), (15, Step.PHONE_CALL), (45, Step.STOP_SUPPLY), (90, Step.LEGAL)]
)


@dataclass(frozen=True)
class DueItem:
    """What dunning needs of an open invoice."""

    invoice_id: str
    due_date: date


def account_level(
    policy: DunningPolicy,
    items: Iterable[DueItem],
    as_of: date,
    disputed: Collection[str] = (),
) -> DunningLevel | None:
    """The account's level: that of its oldest overdue invoice outside open disputes."""
    oldest = max(
        ((as_of - it.due_date).days for it in items if it.invoice_id not in disputed),
        default=0,
    )
    return policy.level_for(oldest)
