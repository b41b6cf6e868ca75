"""Use cases: the credit position of a customer, a customer group, or the whole portfolio."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from domain.aging import AgingBuckets
from domain.errors import DomainError
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
from domain.ports import UnitOfWork


@dataclass(frozen=True)
class CreditPolicyContext:
    """The organisation settings a position depends on."""

    base_currency: str
    buckets: AgingBuckets


def _fx(uow: UnitOfWork, base: str, as_of: date) -> FxRates:
    return FxRates(base, as_of, uow.rates.latest(as_of))


def customer_position(
    uow: UnitOfWork, query: str, as_of: date, ctx: CreditPolicyContext
) -> tuple[Customer, CreditPosition]:
    ref = resolve_customer(query, uow.customers)
    customer = uow.customers.get(ref.customer_id)
    if customer is None:  # deleted between lookup and read
        raise DomainError(f"Customer {ref.customer_id} no longer exists.")
    ids = [customer.customer_id]
    position = credit_position(
        customer.credit_limit,
        uow.receivables.aged_balances(ids, as_of, ctx.buckets),
        uow.receivables.order_balances(ids),
        _fx(uow, ctx.base_currency, as_of),
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
    fx = _fx(uow, ctx.base_currency, as_of)
    position = credit_position(
        group_limit((m.credit_limit for m in members), currency, fx),
        uow.receivables.aged_balances(ids, as_of, ctx.buckets),
        uow.receivables.order_balances(ids),
        fx,
        ctx.buckets,
        as_of,
    )
    return members, position


def portfolio_positions(
    uow: UnitOfWork, as_of: date, ctx: CreditPolicyContext
) -> list[tuple[Customer, CreditPosition]]:
    """Every customer's position from two aggregate queries, not one query per customer."""
    balances: dict[str, list[AgedBalance]] = defaultdict(list)
    for aged in uow.receivables.aged_balances(None, as_of, ctx.buckets):
        balances[aged.customer_id].append(aged)
    orders: dict[str, list[OrderBalance]] = defaultdict(list)
    for order in uow.receivables.order_balances(None):
        orders[order.customer_id].append(order)
    fx = _fx(uow, ctx.base_currency, as_of)
    return [
        (c, credit_position(c.credit_limit, balances[c.customer_id], orders[c.customer_id],
                            fx, ctx.buckets, as_of))
        for c in uow.customers.fetch()
    ]
