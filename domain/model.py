"""The entities the credit workflow talks about, as plain immutable values."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NamedTuple

from domain.money import Money
from domain.text import CompanyName


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DISPUTED = "disputed"


class OrderStatus(StrEnum):
    OPEN = "open"
    SHIPPED = "shipped"
    INVOICED = "invoiced"
    CANCELLED = "cancelled"


# A disputed invoice is still owed until it is resolved, so it stays in exposure.
INVOICE_STATUSES_IN_EXPOSURE = (InvoiceStatus.OPEN, InvoiceStatus.DISPUTED)
# Shipped but not yet invoiced goods are credit extended; once invoiced, the invoice counts.
ORDER_STATUSES_IN_EXPOSURE = (OrderStatus.OPEN, OrderStatus.SHIPPED)


@dataclass(frozen=True)
class Financials:
    revenue: Decimal | None = None
    total_assets: Decimal | None = None
    total_liabilities: Decimal | None = None
    current_assets: Decimal | None = None
    current_liabilities: Decimal | None = None
    retained_earnings: Decimal | None = None
    ebit: Decimal | None = None
    equity: Decimal | None = None


# The statement figures by name, in one place: the import's columns, the table's and the
# demo's all follow this list (a test holds the table to it).
FINANCIAL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Financials))


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    credit_limit: Money
    payment_terms_days: int
    industry: str | None = None
    country: str | None = None
    owner_slack_id: str | None = None
    department: str | None = None
    group_id: str | None = None
    established_year: int | None = None
    financials: Financials = field(default_factory=Financials)
    # The legal name in the local script (Chinese, say) beside the romanised ``name``.
    name_local: str | None = None
    # The ERP's payment terms when creditbot approved other terms (which
    # ``payment_terms_days`` then holds), else None.
    erp_terms_days: int | None = None

    @property
    def currency(self) -> str:
        return self.credit_limit.currency

    @property
    def names(self) -> CompanyName:
        """Its name for a message: each reader's own (``CompanyName``)."""
        return CompanyName(self.name, self.name_local)


@dataclass(frozen=True)
class Invoice:
    invoice_id: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    status: InvoiceStatus = InvoiceStatus.OPEN
    order_id: str | None = None

    @property
    def is_outstanding(self) -> bool:
        return self.status in INVOICE_STATUSES_IN_EXPOSURE and self.open_amount.amount > 0


class HeldOrder(NamedTuple):
    """An order creditbot holds, as a card names it: its id and, for one placed in
    creditbot, the rep's reference (``CB-3``, ``PO-77``)."""

    order_id: str
    reference: str | None = None


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    order_date: date
    amount: Money
    status: OrderStatus = OrderStatus.OPEN
    contract_id: str | None = None
    owner_slack_id: str | None = None
    # The rep's own reference for an order placed through /credit order (its id is
    # creditbot's CB-…); ERP orders have only their id.
    reference: str | None = None

    @property
    def is_exposure(self) -> bool:
        return self.status in ORDER_STATUSES_IN_EXPOSURE


# Who the audit log (and a request closed on its own) names for what creditbot does
# without a person: a Slack user id never looks like it.
SYSTEM = "creditbot"
# The audit action that keeps each app.yaml a deployment started under.
CONFIG_IN_FORCE = "config.in_force"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only record of who did what, and why."""

    at: datetime
    actor: str
    action: str
    subject: str
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("audit timestamps must be timezone-aware")
