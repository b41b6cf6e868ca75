"""What a check reads, and what it may remember of it.

A check only reads, so it needs no unit of work: ``CheckReads`` opens one read (a
connection) per check. Its ``version()`` names the state of the ERP data: equal versions
mean no import committed in between, and an import running makes it ``None``. Positions
are remembered per version and per day (aging turns over at midnight), so a check of a
customer whose figures were computed since the last import costs no further reads.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from types import TracebackType
from typing import Generic, NamedTuple, Protocol, Self, TypeVar

from domain.model import HeldOrder
from domain.money import Money
from domain.ports import PositionSource
from domain.positions import ApprovedLimits


class Collecting(NamedTuple):
    """Who collects an account (its open assignment) and how far it has gone: the
    assignment's status (``domain.collections.model.AssignmentStatus``)."""

    collector: str
    status: str


class CheckRead(PositionSource, Protocol):
    """One check's reads. A read made after ``version()`` sees at least that version."""

    def version(self) -> Hashable | None:
        """The version of everything a check shows (the ERP data; the limits, orders
        and collectors creditbot keeps) now; ``None`` when it cannot be told, and
        nothing is remembered then."""
        ...

    @property
    def limits(self) -> ApprovedLimits: ...

    def collecting(self, customer_id: str) -> Collecting | None:
        """Who collects the account now, and how far."""
        ...

    def held_orders(self, customer_id: str) -> list[HeldOrder]:
        """The account's held orders, oldest first."""
        ...

    def credit_notes(self, customer_id: str) -> list[Money]:
        """The account's open credit notes, per currency (negative)."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None, /) -> None: ...


class CheckReads(Protocol):
    def __call__(self) -> CheckRead: ...


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """Values of one data version, by key; a new version forgets the old ones. Bounded:
    past ``most`` entries it starts again (a portfolio has tens of thousands)."""

    def __init__(self, most: int = 8192) -> None:
        self.most = most
        # The version and its values, replaced together: a reader never pairs one
        # version with another's values.
        self._state: tuple[Hashable, dict[K, V]] = (object(), {})
        self._lock = threading.Lock()

    def get(self, version: Hashable, key: K) -> V | None:
        current, values = self._state
        return values.get(key) if current == version else None

    def put(self, version: Hashable, key: K, value: V) -> None:
        with self._lock:
            current, values = self._state
            if current != version or len(values) >= self.most:
                values = {}
                self._state = (version, values)
            values[key] = value
