"""The database's aggregates agree with the domain's in-memory arithmetic."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert

from domain.aging import AgingBuckets
from domain.errors import AmbiguousCustomer, MissingRate
from domain.exposure import aged_balances, order_balances
from domain.model import Invoice, InvoiceStatus, Order, OrderStatus
from domain.money import Money
from domain.positions import (
    CreditPolicyContext,
    customer_position,
    group_position,
    portfolio_positions,
)
from storage.models import CustomerRow, ExchangeRateRow, InvoiceRow, OrderRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

AS_OF = date(2024, 3, 1)  # the day after a leap day
CTX = CreditPolicyContext("USD", AgingBuckets())


def _customer(cid, name, currency="USD", limit="10000", group=None):
    from domain.lookup import normalize_name

    return dict(customer_id=cid, name=name, name_key=normalize_name(name), currency=currency,
                credit_limit=Decimal(limit), payment_terms_days=30, group_id=group)


@pytest.fixture
def portfolio(engine):
    rng = random.Random(7)
    customers = [_customer("C1", "Acme Industrial", group="G"),
                 _customer("C2", "Acme Packaging", "EUR", "5000", group="G"),
                 _customer("C3", "Blue 100% Harbor_Foods", "JPY", "900000")]
    invoices, orders = [], []
    for n in range(400):
        cid = rng.choice(["C1", "C2", "C3"])
        currency = rng.choice(["USD", "EUR", "JPY"])
        places = 0 if currency == "JPY" else 2
        amount = Decimal(rng.randint(1, 10**6)).scaleb(-places)
        status = rng.choice(list(InvoiceStatus))
        open_amount = Decimal(0) if status == InvoiceStatus.PAID else amount * rng.choice(
            [Decimal(1), Decimal("0.5"), Decimal(0)])
        due = AS_OF - timedelta(days=rng.randint(-60, 200))
        invoices.append(Invoice(f"I{n}", cid, due - timedelta(days=30), due,
                                Money(amount, currency), Money(open_amount, currency), status))
    for n in range(60):
        orders.append(Order(f"O{n}", rng.choice(["C1", "C2", "C3"]), AS_OF,
                            Money(Decimal(rng.randint(1, 10**5)), rng.choice(["USD", "EUR"])),
                            rng.choice(list(OrderStatus))))
    rates = [
        dict(date=AS_OF - timedelta(days=10), currency="EUR", rate_to_base=Decimal("1.05")),
        dict(date=AS_OF, currency="EUR", rate_to_base=Decimal("1.0850")),
        dict(date=AS_OF + timedelta(days=1), currency="EUR", rate_to_base=Decimal("9")),
        dict(date=AS_OF - timedelta(days=3), currency="JPY", rate_to_base=Decimal("0.0066")),
    ]
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), customers)
        conn.execute(insert(InvoiceRow), [dict(
            invoice_id=i.invoice_id, customer_id=i.customer_id, issue_date=i.issue_date,
            due_date=i.due_date, amount=i.amount.amount, currency=i.amount.currency,
            open_amount=i.open_amount.amount, status=i.status.value) for i in invoices])
        conn.execute(insert(OrderRow), [dict(
            order_id=o.order_id, customer_id=o.customer_id, order_date=o.order_date,
            amount=o.amount.amount, currency=o.amount.currency, status=o.status.value)
            for o in orders])
        conn.execute(insert(ExchangeRateRow), rates)
    return engine, invoices, orders


def uow(engine):
    return SqlUnitOfWork(unit_of_work_factory(engine))


@pytest.mark.parametrize("edges", [(30, 60, 90), (15, 45), (7,)])
def test_sql_aging_equals_the_in_memory_aging(portfolio, edges):
    engine, invoices, orders = portfolio
    buckets = AgingBuckets(edges)
    with uow(engine) as work:
        from_sql = work.receivables.aged_balances(None, AS_OF, buckets)
        orders_sql = work.receivables.order_balances(None)
        one = work.receivables.aged_balances(["C2"], AS_OF, buckets)
    expected = aged_balances(invoices, AS_OF, buckets)
    key = lambda b: (b.customer_id, b.currency)  # noqa: E731
    assert sorted(from_sql, key=key) == sorted(expected, key=key)
    assert sorted(one, key=key) == [b for b in sorted(expected, key=key) if b.customer_id == "C2"]
    assert sorted(orders_sql, key=lambda o: (o.customer_id, o.currency)) == order_balances(orders)


def test_latest_rate_on_or_before_the_date(portfolio):
    engine, *_ = portfolio
    with uow(engine) as work:
        assert work.rates.latest(AS_OF) == {"EUR": Decimal("1.0850"), "JPY": Decimal("0.0066")}
        assert work.rates.latest(AS_OF - timedelta(days=5)) == {"EUR": Decimal("1.05")}


def test_customer_position_through_the_database(portfolio):
    engine, invoices, _orders = portfolio
    with uow(engine) as work:
        customer, position = customer_position(work, "acme pack", AS_OF, CTX)
    assert customer.customer_id == "C2" and position.limit.currency == "EUR"
    fx = {"USD": Decimal(1), "EUR": Decimal("1.0850"), "JPY": Decimal("0.0066")}
    open_eur = sum(i.open_amount.amount * fx[i.open_amount.currency] / fx["EUR"]
                   for i in invoices if i.customer_id == "C2" and i.is_outstanding)
    assert abs(position.open_invoices.amount - open_eur) <= Decimal("0.05")
    assert position.invoice_count == sum(1 for i in invoices
                                         if i.customer_id == "C2" and i.is_outstanding)


def test_missing_rate_surfaces_through_the_use_case(portfolio):
    engine, *_ = portfolio
    with uow(engine) as work, pytest.raises(MissingRate, match="JPY"):
        customer_position(work, "C1", AS_OF - timedelta(days=5), CTX)


def test_group_and_portfolio(portfolio):
    engine, *_ = portfolio
    with uow(engine) as work:
        members, group = group_position(work, "G", "USD", AS_OF, CTX)
        everyone = {e.customer.customer_id: e.position
                    for e in portfolio_positions(work, AS_OF, CTX)}
        singles = [customer_position(work, cid, AS_OF, CTX)[1] for cid in ("C1", "C2")]
    assert [m.customer_id for m in members] == ["C1", "C2"]
    assert group.limit == Money(Decimal("15425.00"), "USD")  # 10000 + 5000 * 1.085
    assert set(everyone) == {"C1", "C2", "C3"}
    assert everyone["C1"] == singles[0] and everyone["C2"] == singles[1]
    converted = singles[0].exposure.amount + singles[1].exposure.amount * Decimal("1.085")
    assert abs(group.exposure.amount - converted) <= Decimal("0.05")


def test_lookup_through_the_repository(portfolio):
    engine, *_ = portfolio
    with uow(engine) as work:
        from domain.lookup import resolve_customer

        assert resolve_customer("c3", work.customers).customer_id == "C3"
        assert resolve_customer("blue 100", work.customers).customer_id == "C3"
        assert resolve_customer("blue 1", work.customers).customer_id == "C3"
        with pytest.raises(AmbiguousCustomer):
            resolve_customer("acme", work.customers)
        # "_" and "%" are literal characters, not LIKE wildcards
        assert work.customers.by_name_prefix("blue 100 harbor_", 5)[0].customer_id == "C3"
        assert work.customers.by_name_prefix("blue 1_0", 5) == []
