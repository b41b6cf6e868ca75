"""Domain events of order review; the subject is the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from domain.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class OrderHeld(DomainEvent):
    name: ClassVar[str] = "orders.held"
    order_id: str
    rules: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OrderReleased(DomainEvent):
    """``why``: ``recheck`` (it passes now), ``request:<id>`` (approved), or ``closed``
    (the ERP no longer has it open)."""

    name: ClassVar[str] = "orders.released"
    order_id: str
    why: str
