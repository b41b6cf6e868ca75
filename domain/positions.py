"""Use cases: the credit position of a customer, a customer group, or the whole portfolio.

A customer's limit is the ERP's, unless creditbot approved one that is in force on the
day (``domain.approvals.model.effective_limit``): then that one counts, everywhere a
position is computed (the check, the alerts scan, ``creditbot positions``). The ERP's
limit stays the customer's record (``Customer.credit_limit``); the next import cannot
undo an approval, and a temporary limit falls back to it after its last day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from domain.aging import AgingBuckets
from domain.approvals.model import LimitChange
from domain.errors import DomainError, MissingRate
from domain.exposure import (
    AgedBalance,
    CreditPosition,
    OrderBalance,
    credit_position,
    group_limit,
)
from domain.fx import FxRates
from domain.lookup import resolve_customer
from domain.model import Customer
from domain.money import Money
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class CreditPolicyContext:
    """The organisation settings a position depends on."""

    base_currency: str
    buckets: AgingBuckets
    # app.yaml orders.pending_days: how long an order placed in creditbot counts in
    # exposure while the ERP has not exported it yet.
    pending_days: int = 30

    def placed_since(self, as_of: date) -> date:
        """The first order date of creditbot's orders that still count on ``as_of``."""
        return as_of - timedelta(days=self.pending_days)


class ApprovedLimits(Protocol):
    def effective_limits(self, customer_ids: Sequence[str] | None, on: date
                         ) -> dict[str, LimitChange]:
        """Per customer (all when ``None``), the approved limit in force on ``on``;
        customers without one are left out."""
        ...


def limit_in_force(customer: Customer, approved: Mapping[str, LimitChange]) -> Money:
    """The approved limit while it is in force, else the ERP's."""
    change = approved.get(customer.customer_id)
    return change.limit if change is not None else customer.credit_limit


def customer_position(
    uow: UnitOfWork, query: str, as_of: date, ctx: CreditPolicyContext
) -> tuple[Customer, CreditPosition]:
    ref = resolve_customer(query, uow.customers)
    customer = uow.customers.get(ref.customer_id)
    if customer is None:  # deleted between lookup and read
        raise DomainError(f"Customer {ref.customer_id} no longer exists.")
    ids = [customer.customer_id]
    approved = uow.credit_requests.effective_limits(ids, as_of)
    position = credit_position(
        limit_in_force(customer, approved),
        uow.receivables.aged_balances(ids, as_of, ctx.buckets),
        uow.receivables.order_balances(ids, ctx.placed_since(as_of)),
        FxRates.on_record(uow.rates, ctx.base_currency, as_of),
        ctx.buckets,
        as_of,
    )
    return customer, position


def group_position(
    uow: UnitOfWork, group_id: str, currency: str, as_of: date, ctx: CreditPolicyContext
) -> tuple[list[Customer], CreditPosition]:
    """A group's exposure is the sum of its members' exposures, against their summed limits."""
    members = uow.customers.group_members(group_id)
    if not members:
        raise DomainError(f"No customer belongs to group “{group_id}”.")
    ids = [m.customer_id for m in members]
    fx = FxRates.on_record(uow.rates, ctx.base_currency, as_of)
    approved = uow.credit_requests.effective_limits(ids, as_of)
    position = credit_position(
        group_limit((limit_in_force(m, approved) for m in members), currency, fx),
        uow.receivables.aged_balances(ids, as_of, ctx.buckets),
        uow.receivables.order_balances(ids, ctx.placed_since(as_of)),
        fx,
        ctx.buckets,
        as_of,
    )
    return members, position


@dataclass(frozen=True)
class BaseFigures:
    """A customer's limit, exposure and overdue in the base currency (not yet rounded:
    totals round once)."""

    limit: Money
    exposure: Money
    overdue: Money


@dataclass(frozen=True)
class PortfolioEntry:
    """One customer's line of the portfolio. A missing exchange rate spoils only the
    figures that need it: ``position`` (in the credit currency) when an invoice or order
    is in a currency without a rate, ``in_base`` when the credit currency has none."""

    customer: Customer
    position: CreditPosition | None
    in_base: BaseFigures | None
    missing_rate: MissingRate | None = None
    # The approved limit the position counts instead of the ERP's, while in force.
    approved: LimitChange | None = None


@dataclass(frozen=True)
class PortfolioTotals:
    """The portfolio in the base currency, over the customers whose figures convert."""

    limit: Money
    exposure: Money
    overdue: Money
    counted: int
    left_out: int
    missing_currencies: tuple[str, ...]


@dataclass(frozen=True)
class Portfolio:
    """Every customer's position on ``as_of``, read once for work that all starts from
    it (the alerts job assigns collectors, then scans)."""

    as_of: date
    entries: list[PortfolioEntry]


def portfolio_positions(
    uow: UnitOfWork, as_of: date, ctx: CreditPolicyContext
) -> list[PortfolioEntry]:
    """Every customer's position from two aggregate queries, not one query per customer."""
    balances: dict[str, list[AgedBalance]] = defaultdict(list)
    for aged in uow.receivables.aged_balances(None, as_of, ctx.buckets):
        balances[aged.customer_id].append(aged)
    orders: dict[str, list[OrderBalance]] = defaultdict(list)
    for order in uow.receivables.order_balances(None, ctx.placed_since(as_of)):
        orders[order.customer_id].append(order)
    fx = FxRates.on_record(uow.rates, ctx.base_currency, as_of)
    # One read of every approved limit in force (a few rows), not one per customer.
    approved = uow.credit_requests.effective_limits(None, as_of)
    entries = []
    for customer in uow.customers.fetch():
        change = approved.get(customer.customer_id)
        limit = customer.credit_limit if change is None else change.limit
        try:
            position = credit_position(limit, balances[customer.customer_id],
                                       orders[customer.customer_id], fx, ctx.buckets, as_of)
        except MissingRate as missing:
            entries.append(PortfolioEntry(customer, None, None, missing, change))
            continue
        try:
            factor = fx.factor(position.limit.currency, ctx.base_currency)
        except MissingRate as missing:
            entries.append(PortfolioEntry(customer, position, None, missing, change))
            continue
        entries.append(PortfolioEntry(customer, position, BaseFigures(*(
            Money(figure.amount * factor, ctx.base_currency)
            for figure in (position.limit, position.exposure, position.aging.overdue))),
            approved=change))
    return entries


def portfolio_totals(entries: Iterable[PortfolioEntry], base_currency: str) -> PortfolioTotals:
    """Sums of the base-currency figures, and what they leave out for want of a rate."""
    limit = exposure = overdue = Money.zero(base_currency)
    counted = left_out = 0
    missing: set[str] = set()
    for entry in entries:
        if entry.in_base is None:
            left_out += 1
            if entry.missing_rate is not None:
                missing.add(entry.missing_rate.currency)
            continue
        counted += 1
        limit += entry.in_base.limit
        exposure += entry.in_base.exposure
        overdue += entry.in_base.overdue
    return PortfolioTotals(limit.rounded(), exposure.rounded(), overdue.rounded(), counted,
                           left_out, tuple(sorted(missing)))
