"""Exposure, available credit and aging: the numbers every credit conversation starts from.

Exposure = open invoice balances + open (not yet invoiced) orders, converted into the
credit currency. The database aggregates invoices into ``BucketBalance`` rows (one per
customer, currency and aging bucket); the functions here turn those into a position.
``bucket_balances`` builds the same rows from invoices in memory, so both paths agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.aging import AgingBuckets, days_past_due
from domain.fx import FxRates
from domain.model import Invoice, Order
from domain.money import Money


@dataclass(frozen=True)
class BucketBalance:
    customer_id: str
    currency: str
    bucket: int
    amount: Decimal
    invoices: int
    oldest_due: date


@dataclass(frozen=True)
class OrderBalance:
    customer_id: str
    currency: str
    amount: Decimal
    orders: int


@dataclass(frozen=True)
class Aging:
    labels: tuple[str, ...]
    amounts: tuple[Money, ...]
    oldest_overdue_days: int | None

    @property
    def overdue(self) -> Money:
        total = Money.zero(self.amounts[0].currency)
        for amount in self.amounts[1:]:
            total = total + amount
        return total

    @property
    def total(self) -> Money:
        return self.amounts[0] + self.overdue


@dataclass(frozen=True)
class CreditPosition:
    as_of: date
    limit: Money
    open_invoices: Money
    open_orders: Money
    aging: Aging
    invoice_count: int
    order_count: int

    @property
    def exposure(self) -> Money:
        return self.open_invoices + self.open_orders

    @property
    def available(self) -> Money:
        return self.limit - self.exposure

    @property
    def over_limit(self) -> bool:
        return self.available.is_negative

    @property
    def utilisation(self) -> Decimal | None:
        """Exposure as a fraction of the limit; None when there is no limit to measure by."""
        if self.limit.amount <= 0:
            return None
        return self.exposure.amount / self.limit.amount


def bucket_balances(
    invoices: Iterable[Invoice], as_of: date, buckets: AgingBuckets
) -> list[BucketBalance]:
    """Group outstanding invoices by customer, currency and bucket (the in-memory path)."""
    groups: dict[tuple[str, str, int], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        if invoice.is_outstanding:
            bucket = buckets.index_of(days_past_due(invoice.due_date, as_of))
            groups[(invoice.customer_id, invoice.open_amount.currency, bucket)].append(invoice)
    return [
        BucketBalance(
            customer_id=customer_id,
            currency=currency,
            bucket=bucket,
            amount=sum((i.open_amount.amount for i in items), Decimal(0)),
            invoices=len(items),
            oldest_due=min(i.due_date for i in items),
        )
        for (customer_id, currency, bucket), items in sorted(groups.items())
    ]


def order_balances(orders: Iterable[Order]) -> list[OrderBalance]:
    groups: dict[tuple[str, str], list[Order]] = defaultdict(list)
    for order in orders:
        if order.is_exposure:
            groups[(order.customer_id, order.amount.currency)].append(order)
    return [
        OrderBalance(customer_id, currency, sum((o.amount.amount for o in items), Decimal(0)),
                     len(items))
        for (customer_id, currency), items in sorted(groups.items())
    ]


def _converted_total(pairs: Iterable[tuple[str, Decimal]], currency: str, fx: FxRates) -> Money:
    """Add per currency first, convert each sum once, round once: no accumulated drift."""
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for cur, amount in pairs:
        per_currency[cur] += amount
    total = Money.zero(currency)
    for cur, amount in sorted(per_currency.items()):
        total = total + fx.convert(Money(amount, cur), currency)
    return total.rounded()


def credit_position(
    limit: Money,
    balances: Iterable[BucketBalance],
    orders: Iterable[OrderBalance],
    fx: FxRates,
    buckets: AgingBuckets,
    as_of: date,
) -> CreditPosition:
    """The position of one customer, or of a group when given all its members' balances.

    Every amount is in the limit's currency; the open-invoice total is the sum of the
    rounded aging buckets, so the card's figures add up to the cent.
    """
    currency = limit.currency
    balances = list(balances)
    orders = list(orders)
    labels = buckets.labels
    per_bucket = [
        _converted_total(((b.currency, b.amount) for b in balances if b.bucket == i), currency, fx)
        for i in range(len(labels))
    ]
    overdue_dues = [b.oldest_due for b in balances if b.bucket > 0]
    oldest = days_past_due(min(overdue_dues), as_of) if overdue_dues else None
    aging = Aging(labels, tuple(per_bucket), oldest)
    return CreditPosition(
        as_of=as_of,
        limit=limit,
        open_invoices=aging.total,
        open_orders=_converted_total(((o.currency, o.amount) for o in orders), currency, fx),
        aging=aging,
        invoice_count=sum(b.invoices for b in balances),
        order_count=sum(o.orders for o in orders),
    )


def group_limit(limits: Iterable[Money], currency: str, fx: FxRates) -> Money:
    """A group's limit is the sum of its members' limits, in one currency."""
    return _converted_total(((m.currency, m.amount) for m in limits), currency, fx)
