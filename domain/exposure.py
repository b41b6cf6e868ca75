"""Exposure, available credit and aging: the numbers every credit conversation starts from.

Exposure = open invoice balances + open (not yet invoiced) orders, converted into the
credit currency. The database aggregates invoices into ``AgedBalance`` rows (one per
customer and currency, summed per aging bucket); the functions here turn those into a
position. ``aged_balances`` builds the same rows from invoices in memory, so both paths
agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from domain.aging import AgingBuckets, days_past_due
from domain.currencies import minor_units
from domain.fx import FxRates
from domain.model import Invoice, Order
from domain.money import Money
from domain.rounding import aged_shares


@dataclass(frozen=True)
class AgedBalance:
    """A customer's open invoices in one currency, summed per aging bucket."""

    customer_id: str
    currency: str
    by_bucket: tuple[Decimal, ...]
    invoices: int
    oldest_overdue_due: date | None


@dataclass(frozen=True)
class OrderBalance:
    customer_id: str
    currency: str
    amount: Decimal
    orders: int
    # Orders placed in creditbot (/credit order) the ERP does not have yet: they count
    # like the ERP's open orders (domain.orders.model.PendingOrders).
    placed: bool = False


@dataclass(frozen=True)
class Aging:
    labels: tuple[str, ...]
    amounts: tuple[Money, ...]
    oldest_overdue_days: int | None

    # Cached: a scan reads each of these several times per customer (20,000 of them).
    @cached_property
    def overdue(self) -> Money:
        total = Money.zero(self.amounts[0].currency)
        for amount in self.amounts[1:]:
            total = total + amount
        return total

    @cached_property
    def total(self) -> Money:
        return self.amounts[0] + self.overdue


# At or above this share of the limit, the headroom is flagged before it runs out.
HIGH_UTILISATION = Decimal("0.9")


@dataclass(frozen=True)
class CreditPosition:
    as_of: date
    limit: Money
    open_invoices: Money
    open_orders: Money
    aging: Aging
    invoice_count: int
    order_count: int
    # The part of ``open_orders`` placed in creditbot and not in the ERP yet.
    placed_orders: Money | None = None

    @cached_property
    def exposure(self) -> Money:
        return self.open_invoices + self.open_orders

    @cached_property
    def available(self) -> Money:
        return self.limit - self.exposure

    @property
    def over_limit(self) -> bool:
        return self.available.is_negative

    @property
    def nearly_full(self) -> bool:
        """Not over the limit yet, but at or above HIGH_UTILISATION of it."""
        used = self.utilisation
        return not self.over_limit and used is not None and used >= HIGH_UTILISATION

    @property
    def utilisation(self) -> Decimal | None:
        """Exposure as a fraction of the limit; None when there is no limit to measure by."""
        if self.limit.amount <= 0:
            return None
        return self.exposure.amount / self.limit.amount


def aged_balances(
    invoices: Iterable[Invoice], as_of: date, buckets: AgingBuckets
) -> list[AgedBalance]:
    """Group outstanding invoices by customer and currency (the in-memory path)."""
    width = len(buckets.labels)
    groups: dict[tuple[str, str], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        if invoice.is_outstanding:
            groups[(invoice.customer_id, invoice.open_amount.currency)].append(invoice)
    result = []
    for (customer_id, currency), items in sorted(groups.items()):
        sums = [Decimal(0)] * width
        overdue = []
        for invoice in items:
            late = days_past_due(invoice.due_date, as_of)
            sums[buckets.index_of(late)] += invoice.open_amount.amount
            if late > 0:
                overdue.append(invoice.due_date)
        result.append(AgedBalance(customer_id, currency, tuple(sums), len(items),
                                  min(overdue) if overdue else None))
    return result


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


def _converted(pairs: Iterable[tuple[str, Decimal]], currency: str, fx: FxRates) -> Money:
    """Amounts already summed per currency, converted once each and rounded once."""
    total = sum((amount * fx.factor(source, currency) for source, amount in pairs), Decimal(0))
    return Money(total, currency).rounded()


def credit_position(
    limit: Money,
    balances: Iterable[AgedBalance],
    orders: Iterable[OrderBalance],
    fx: FxRates,
    buckets: AgingBuckets,
    as_of: date,
) -> CreditPosition:
    """The position of one customer, or of a group when given all its members' balances.

    Every amount is in the limit's currency; the open-invoice total and the overdue are
    each their exact amount rounded once, and the aging buckets add up to them
    (``aged_shares``).
    """
    currency = limit.currency
    labels = buckets.labels
    totals = [Decimal(0)] * len(labels)
    invoice_count = 0
    oldest_due: date | None = None
    for b in balances:
        factor = fx.factor(b.currency, currency)
        for i, amount in enumerate(b.by_bucket):
            if amount:
                totals[i] += amount * factor
        invoice_count += b.invoices
        if b.oldest_overdue_due is not None and (oldest_due is None
                                                  or b.oldest_overdue_due < oldest_due):
            oldest_due = b.oldest_overdue_due
    orders = list(orders)
    unit = Decimal(1).scaleb(-minor_units(currency))
    aging = Aging(
        labels,
        tuple(Money(share, currency) for share in aged_shares(totals, unit)),
        days_past_due(oldest_due, as_of) if oldest_due is not None else None,
    )
    return CreditPosition(
        as_of=as_of,
        limit=limit,
        open_invoices=aging.total,
        open_orders=_converted(_per_currency((o.currency, o.amount) for o in orders).items(),
                               currency, fx),
        aging=aging,
        invoice_count=invoice_count,
        order_count=sum(o.orders for o in orders),
        placed_orders=_converted(
            _per_currency((o.currency, o.amount) for o in orders if o.placed).items(),
            currency, fx) if any(o.placed for o in orders) else None,
    )


def _per_currency(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for source, amount in pairs:
        totals[source] += amount
    return totals


def group_limit(limits: Iterable[Money], currency: str, fx: FxRates) -> Money:
    """A group's limit is the sum of its members' limits, in one currency."""
    return _converted(_per_currency((m.currency, m.amount) for m in limits).items(),
                      currency, fx)
