"""Credit notes (invoices with a negative open amount) in the report's aging and
provision: owed to the customer, never overdue, so they lower the current bucket
whatever their due date, at the current bucket's provision rate; the buckets then add
up to the AR. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from domain.reports.metrics import periods
from storage.reports import SqlReportQueries
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.storage.test_reports import AS_OF, BUCKETS, _customer, _load

RATES_BP = [100, 500, 1500, 4000, 10000]


def _invoice(iid: str, open_amount: str, days_late: int) -> dict:
    due = AS_OF - timedelta(days=days_late)
    amount = Decimal(open_amount)
    return dict(invoice_id=iid, customer_id="C1", issue_date=due - timedelta(days=30),
                due_date=due, amount=amount, currency="USD", open_amount=amount,
                status="open")


def test_a_credit_note_lowers_the_current_bucket_and_the_provision(engine):
    _load(engine, [_customer("C1"), _customer("C2")], [
        _invoice("I1", "1000", 100),         # 90+
        _invoice("CN1", "-300", 100),        # a credit note, "due" long ago
        _invoice("I2", "200", -5),           # current
        {**_invoice("CN2", "-50", 40), "customer_id": "C2"},  # C2 owes nothing
    ], [])
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        reads = SqlReportQueries(work.session)
        series = reads.series(periods(AS_OF, 3), 2, BUCKETS)
        buckets = series.open_by_bucket
        # Nothing issued after AS_OF: the allowances need not look at the issue dates.
        assert not series.posted_ahead
        allowances = reads.allowances(AS_OF, BUCKETS, RATES_BP, series.posted_ahead)
    assert [(b.currency, list(b.open_by_bucket)) for b in buckets] == [
        ("USD", [Decimal(-150), Decimal(0), Decimal(0), Decimal(0), Decimal(1000)])]
    assert sum(buckets[0].open_by_bucket) == Decimal(850)  # = the open amounts' sum
    assert {(a.customer_id, a.currency): a.weighted for a in allowances} == {
        ("C1", "USD"): Decimal(1000 * 10000 + 200 * 100 - 300 * 100),
        ("C2", "USD"): Decimal(-50 * 100)}


def test_a_credit_note_is_current_in_the_series_too(engine):
    # Issued before each of the last two month ends, still open: at both ends it lowers
    # the AR and its current part alike, so the current AR never exceeds the AR.
    _load(engine, [_customer("C1")], [
        {**_invoice("I1", "1000", 100)},     # due long ago: overdue at both ends
        {**_invoice("CN1", "-300", 100)},    # a credit note "due" long ago
        {**_invoice("I2", "200", -5)},       # due after the report date: current
    ], [])
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        series = SqlReportQueries(work.session).series(periods(AS_OF, 3), 2, BUCKETS)
    [usd] = series.portfolio
    # I2 is issued (due - 30 days) on Nov 4: after Oct 31, by Nov 30.
    assert (usd.ar, usd.current_ar) == ((Decimal(700), Decimal(900)),
                                         (Decimal(-300), Decimal(-100)))


def test_a_refunded_credit_note_was_open_at_the_month_ends_before_its_refund(engine):
    # Issued Sep 20 (due "long ago", as credit notes are never overdue), refunded on
    # Nov 10: open (-300) at the end of October, settled by November's. A refund of a
    # digit too many (3000.00) counts as the note's size. Each ERP payment is positive.
    note = {**_invoice("CN1", "-300", 70), "issue_date": AS_OF - timedelta(days=71),
            "open_amount": Decimal(0), "status": "paid"}
    invoice = {**_invoice("I1", "1000", 100)}
    _load(engine, [_customer("C1")], [invoice, note], [
        dict(payment_id="R1", customer_id="C1", date=AS_OF - timedelta(days=20),
             amount=Decimal("3000.00"), currency="USD", invoice_id="CN1")])
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        series = SqlReportQueries(work.session).series(periods(AS_OF, 3), 2, BUCKETS)
    [usd] = series.portfolio
    # October's end: I1 (overdue) 1000 and the note -300, current; November's: I1 alone.
    assert (usd.ar, usd.current_ar) == ((Decimal(700), Decimal(1000)),
                                         (Decimal(-300), Decimal(0)))
