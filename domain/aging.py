"""Aging of receivables into configurable days-past-due buckets.

Buckets are defined by their upper edges in days past due: ``(30, 60, 90)`` gives
``current`` (not yet due, or due today), ``1-30``, ``31-60``, ``61-90`` and ``90+``.
The same definition serves the pure Python path and the SQL path: ``due_date_bounds``
turns the buckets into due-date ranges so the database compares plain dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CURRENT = "current"


@dataclass(frozen=True)
class DueRange:
    """Invoices whose due date lies in [earliest, latest] (None means unbounded)."""

    label: str
    earliest: date | None
    latest: date | None


@dataclass(frozen=True)
class AgingBuckets:
    edges: tuple[int, ...] = (30, 60, 90)

    def __post_init__(self) -> None:
        if not self.edges:
            raise ValueError("aging needs at least one bucket edge, e.g. [30, 60, 90]")
        if any(e <= 0 for e in self.edges):
            raise ValueError("aging bucket edges are days past due and must be positive")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("aging bucket edges must be strictly increasing")

    @property
    def labels(self) -> tuple[str, ...]:
        lows = (1, *(e + 1 for e in self.edges[:-1]))
        middle = tuple(f"{lo}-{hi}" for lo, hi in zip(lows, self.edges, strict=True))
        return (CURRENT, *middle, f"{self.edges[-1]}+")

    def index_of(self, days_past_due: int) -> int:
        """Bucket index for an invoice this many days past due (<= 0 is current)."""
        if days_past_due <= 0:
            return 0
        for i, edge in enumerate(self.edges, start=1):
            if days_past_due <= edge:
                return i
        return len(self.edges) + 1

    def due_date_bounds(self, as_of: date) -> tuple[DueRange, ...]:
        labels = self.labels
        ranges = [DueRange(labels[0], as_of, None)]
        lower_days = 1
        for i, edge in enumerate(self.edges, start=1):
            earliest = as_of - timedelta(days=edge)
            ranges.append(DueRange(labels[i], earliest, as_of - timedelta(days=lower_days)))
            lower_days = edge + 1
        ranges.append(DueRange(labels[-1], None, as_of - timedelta(days=lower_days)))
        return tuple(ranges)


def days_past_due(due: date, as_of: date) -> int:
    return (as_of - due).days
