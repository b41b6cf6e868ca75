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
from domain.refs import CustomerRef
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
        assert work.rates.latest(AS_OF, "USD") == {
            "EUR": Decimal("1.0850"), "JPY": Decimal("0.0066")}
        assert work.rates.latest(AS_OF - timedelta(days=5), "USD") == {"EUR": Decimal("1.05")}


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


# Customers with a legal name in the local script beside the ERP's name.
LOCAL_NAMES = [("L1", "Hangzhou Red Falcon Trading", "杭州红隼贸易有限公司"),
               ("L2", "Hangzhou Silk Road Textiles", "杭州丝绸之路纺织品有限公司"),
               ("L3", "Nordlicht GmbH", "Nordlicht Handels GmbH"),
               ("L4", "Acme Trading", None)]


def _local_customer(cid, name, name_local, currency="CNY"):
    from domain.lookup import normalize_name

    return dict(_customer(cid, name, currency), name_local=name_local,
                name_local_key=None if name_local is None else normalize_name(name_local))


@pytest.fixture
def local_names(engine):
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), [_local_customer(*c) for c in LOCAL_NAMES])
    return engine


def test_lookup_by_either_name_through_the_repository(local_names):
    from domain.lookup import resolve_customer

    with uow(local_names) as work:
        def resolve(query):
            return resolve_customer(query, work.customers).customer_id

        assert resolve("杭州红隼贸易有限公司") == "L1"
        assert resolve("Hangzhou Red Falcon Trading") == "L1"
        assert resolve("杭州红隼") == "L1"
        assert resolve("hangzhou red") == "L1"
        assert resolve("杭州红隼贸意有限公司") == "L1"  # a typo: a close match
        assert resolve("nordlicht") == "L3"  # a prefix of both its names
        assert resolve("nordlict") == "L3"  # close to both its names: no rival
        with pytest.raises(AmbiguousCustomer) as raised:
            resolve("杭州")
        assert str(raised.value) == (
            "“杭州” matches several customers: "
            "Hangzhou Red Falcon Trading / 杭州红隼贸易有限公司 (L1), "
            "Hangzhou Silk Road Textiles / 杭州丝绸之路纺织品有限公司 (L2). Which one?")
        found = work.customers.get("L1")  # from the rows the lookup read
    with uow(local_names) as work:
        fresh = work.customers.get("L1")
        assert [c.name_local for c in work.customers.fetch(["L1", "L4"])] == [
            "杭州红隼贸易有限公司", None]
    assert found is not None and found == fresh
    assert (found.name, found.name_local) == ("Hangzhou Red Falcon Trading", "杭州红隼贸易有限公司")


def test_the_repository_answers_as_the_in_memory_directory(local_names):
    from tests.fakes import FakeCustomers

    with uow(local_names) as work:
        sql = work.customers
        fake = FakeCustomers(sql.fetch())
        for key in ("杭州红隼贸易有限公司", "hangzhou red falcon trading", "nordlicht handels gmbh",
                    "acme trading", "杭州"):
            assert sql.by_name_key(key) == fake.by_name_key(key), key
        for prefix in ("杭州", "杭州红", "hangzhou", "nordlicht", "acme", "a", "zz"):
            assert sorted(sql.by_name_prefix(prefix, 11)) == sorted(
                fake.by_name_prefix(prefix, 11)), prefix
        assert sorted(sql.all_name_keys()) == sorted(fake.all_name_keys())
        assert ((CustomerRef("L1", "Hangzhou Red Falcon Trading", "杭州红隼贸易有限公司"),
                 "杭州红隼贸易有限公司") in sql.all_name_keys())


def test_a_prefix_search_stops_at_its_limit_in_name_key_order(engine):
    # F00-F07 start with "firm" by their name (F00 and F01 by their local name too),
    # G00-G07 by their local name only.
    customers = [_local_customer(f"F{n:02d}", f"Firm {n:02d}", f"Firm {n:02d} Ltd" if n < 2
                                 else f"公司{n:02d}") for n in range(8)]
    customers += [_local_customer(f"G{n:02d}", f"Group {n:02d}", f"Firm {n + 8:02d}")
                  for n in range(8)]
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), customers)
    with uow(engine) as work:
        first = work.customers.by_name_prefix("firm", 11)
        assert [r.customer_id for r in first] == [f"F{n:02d}" for n in range(8)] + [
            "G00", "G01", "G02"]
        assert [r.customer_id for r in work.customers.by_name_prefix("firm 01", 11)] == ["F01"]
        assert len(work.customers.by_name_prefix("公司", 3)) == 3


def test_each_name_lookup_is_one_statement_on_the_indexes(local_names):
    from sqlalchemy import event

    executed = []

    def record(conn, cursor, statement, parameters, context, executemany):
        executed.append((statement, parameters))

    event.listen(local_names, "before_cursor_execute", record)
    try:
        with uow(local_names) as work:
            work.customers.by_name_key("杭州红隼贸易有限公司")
            work.customers.by_name_prefix("杭州红", 11)
    finally:
        event.remove(local_names, "before_cursor_execute", record)
    lookups = [(s, p) for s, p in executed if "customers" in s]
    assert len(lookups) == 2
    with local_names.connect() as conn:
        for statement, parameters in lookups:
            if conn.dialect.name == "sqlite":
                plan = "\n".join(row[-1] for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters))
                assert "SCAN customers" not in plan, plan
            else:
                # Four rows: left alone, PostgreSQL would rightly read the table.
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(row[0] for row in conn.exec_driver_sql(
                    f"EXPLAIN {statement}", parameters))
            assert "ix_customers_name_key" in plan and "ix_customers_name_local_key" in plan, plan
