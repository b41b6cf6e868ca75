"""The portfolio through the database: one missing exchange rate spoils only the figures
that need it, and the base-currency totals say what they leave out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert

from domain.aging import AgingBuckets
from domain.lookup import normalize_name
from domain.money import Money
from domain.positions import CreditPolicyContext, portfolio_positions, portfolio_totals
from storage.models import CustomerRow, ExchangeRateRow, InvoiceRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

AS_OF = date(2026, 11, 29)
CTX = CreditPolicyContext("USD", AgingBuckets())


def _customer(cid: str, currency: str, limit: str) -> dict:
    name = f"Customer {cid}"
    return dict(customer_id=cid, name=name, name_key=normalize_name(name), currency=currency,
                credit_limit=Decimal(limit), payment_terms_days=30)


def _invoice(iid: str, cid: str, amount: str, currency: str, due: date) -> dict:
    return dict(invoice_id=iid, customer_id=cid, issue_date=date(2026, 9, 1), due_date=due,
                amount=Decimal(amount), currency=currency, open_amount=Decimal(amount),
                status="open")


def test_a_missing_rate_marks_only_the_customers_that_need_it(engine):
    overdue, current = date(2026, 10, 1), date(2026, 12, 15)
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), [
            _customer("U1", "USD", "1000.00"),   # USD only: always converts
            _customer("U2", "USD", "5000.00"),   # a GBP invoice: its position needs GBP
            _customer("E1", "EUR", "2000.00"),   # EUR has a rate
            _customer("G1", "GBP", "3000.00"),   # all GBP: a position, but not in USD
        ])
        conn.execute(insert(InvoiceRow), [
            _invoice("I1", "U1", "400.00", "USD", overdue),
            _invoice("I2", "U2", "100.00", "GBP", current),
            _invoice("I3", "E1", "500.00", "EUR", overdue),
            _invoice("I4", "G1", "700.00", "GBP", overdue),
        ])
        conn.execute(insert(ExchangeRateRow), [
            dict(date=date(2026, 11, 1), currency="EUR", rate_to_base=Decimal("1.10"))])
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        entries = {e.customer.customer_id: e for e in portfolio_positions(work, AS_OF, CTX)}

    assert entries["U2"].position is None and entries["U2"].in_base is None
    assert str(entries["U2"].missing_rate) == (
        "No exchange rate for GBP (to USD) on or before 2026-11-29: import one with "
        "`creditbot import rates FILE.csv`.")
    g1 = entries["G1"]
    assert g1.position is not None and g1.position.exposure == Money(Decimal("700.00"), "GBP")
    assert g1.in_base is None and g1.missing_rate is not None
    assert (g1.missing_rate.currency, g1.missing_rate.base) == ("GBP", "USD")
    assert entries["U1"].missing_rate is None and entries["E1"].missing_rate is None
    assert entries["E1"].in_base is not None
    assert entries["E1"].in_base.exposure == Money(Decimal("550.0000"), "USD")

    totals = portfolio_totals(entries.values(), "USD")
    assert (totals.counted, totals.left_out, totals.missing_currencies) == (2, 2, ("GBP",))
    assert totals.limit == Money(Decimal("3200.00"), "USD")      # 1000 + 2000 × 1.10
    assert totals.exposure == Money(Decimal("950.00"), "USD")    # 400 + 500 × 1.10
    assert totals.overdue == Money(Decimal("950.00"), "USD")


def test_an_empty_portfolio_totals_zero(engine):
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        entries = portfolio_positions(work, AS_OF, CTX)
    assert entries == []
    totals = portfolio_totals(entries, "USD")
    assert (totals.limit, totals.counted, totals.left_out) == (Money.zero("USD"), 0, 0)
