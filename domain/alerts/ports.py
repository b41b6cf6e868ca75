"""What the alerts capability needs from storage (``uow.alerts``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from domain.alerts.detect import ExpiringContract, LargeInvoice
from domain.alerts.digest import DigestLine
from domain.alerts.model import AlertState
from domain.messages import MessageId


@dataclass(frozen=True)
class Digest:
    """A digest as posted: its lines as announced, and the outbox ids of its pages."""

    id: int
    run_at: datetime
    destination: str
    lines: list[DigestLine]
    pages: list[MessageId]


class AlertStore(Protocol):
    # Set once anything was written in this unit of work (SQLite commits differently
    # when a unit of work only appends).
    wrote: bool

    def open_states(self) -> dict[str, AlertState]:
        """Every condition announced and not resolved since, by condition."""
        ...

    def states(self, conditions: Collection[str]) -> dict[str, AlertState]:
        """The states of ``conditions`` that exist, open or resolved."""
        ...

    def save(self, states: Sequence[AlertState]) -> None:
        """Inserts new states and updates known ones. An update whose version is no
        longer the stored one (someone else changed it meanwhile) raises
        ``domain.alerts.use_cases.AlertChanged``."""
        ...

    def large_overdue_invoices(self, as_of: date, minimum: Mapping[str, Decimal],
                               limit: int) -> list[LargeInvoice]:
        """Open invoices due before ``as_of`` whose open amount is at least
        ``minimum[currency]`` (currencies not named are not looked at), largest first
        in the base currency (the amount over its currency's ``minimum``).
        ``in_base`` is left at 0 for the caller to convert."""
        ...

    def contracts_ending(self, first: date, last: date) -> list[ExpiringContract]: ...

    def add_digest(self, run_at: datetime, destination: str,
                   lines: Sequence[DigestLine]) -> int: ...

    def set_pages(self, digest_id: int, pages: Sequence[MessageId]) -> None: ...

    def digests_with(self, conditions: Collection[str], run_at: datetime) -> list[Digest]:
        """The digests of the run at ``run_at`` that carry any of ``conditions``."""
        ...

    def digest(self, digest_id: int) -> Digest | None: ...

    def still_overdue(self, invoice_ids: Sequence[str], as_of: date) -> set[str]:
        """Those of ``invoice_ids`` still open and due before ``as_of``."""
        ...

    def refused_digests(self, digest_ids: Collection[int]) -> set[int]:
        """Those of ``digest_ids`` whose first page Slack refused for good with
        ``not_in_channel`` (the outbox gave it up; inviting the bot fixes it)."""
        ...

    def lock_run(self, run_at: datetime) -> None:
        """Holds the digests of the run at ``run_at`` until this unit of work ends, so
        that answers to lines of one run are written one after the other: each then
        re-renders the digests from states that include the answers before it."""
        ...
