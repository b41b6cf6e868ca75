"""The reports' SQL against a plain Python reading of the same rows, on SQLite and
PostgreSQL, and the whole report against a portfolio worked by hand."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, String, column, event, insert, table, text

from domain.access import CreditDataAccess
from domain.aging import AgingBuckets
from domain.lookup import normalize_name
from domain.reports.metrics import CountBack, periods
from domain.reports.use_cases import Reports, ReportSettings
from storage.models import CustomerRow, ExchangeRateRow, InvoiceRow, PaymentRow
from storage.reports import SqlReportQueries
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

AS_OF = date(2026, 11, 30)
BUCKETS = AgingBuckets()
RATES = {"current": Decimal(1), "1-30": Decimal(5), "31-60": Decimal(15),
         "61-90": Decimal(40), "90+": Decimal(100)}
_ASSIGNMENTS = table("collection_assignments", column("customer_id", String),
                     column("collector", String), column("status", String),
                     column("assigned_by", String), column("assigned_at"),
                     column("version", Integer), column("next_action_on", Date))


def _customer(cid: str, currency: str = "USD") -> dict:
    name = f"Customer {cid}"
    return dict(customer_id=cid, name=name, name_key=normalize_name(name), currency=currency,
                credit_limit=Decimal("1000000"), payment_terms_days=30)


def _assign(customer: str, collector: str, status: str = "open") -> dict:
    return dict(customer_id=customer, collector=collector, status=status, assigned_by="U0",
                assigned_at=datetime(2026, 8, 1, tzinfo=UTC), version=0, next_action_on=None)


def _random_portfolio(rng: random.Random) -> tuple[list[dict], list[dict], list[dict]]:
    customers = [_customer(f"C{n}") for n in range(12)]
    invoices, payments = [], []
    for n in range(300):
        # A few issued after the report date (an ERP that posts ahead): owed by no date
        # the report shows.
        issue = AS_OF - timedelta(days=rng.randint(0, 420) if n % 20 else -rng.randint(1, 9))
        amount = Decimal(rng.randint(100, 900_000)) / 100
        status = rng.choice(("open", "open", "paid", "disputed"))
        open_amount = Decimal(0) if status == "paid" else (
            amount if rng.random() < 0.6 else (amount / 2).quantize(Decimal("0.01")))
        invoices.append(dict(
            invoice_id=f"I{n}", customer_id=f"C{rng.randrange(12)}", issue_date=issue,
            due_date=issue + timedelta(days=rng.choice((0, 30, 60))), amount=amount,
            currency=rng.choice(("USD", "EUR", "CNY")), open_amount=open_amount,
            status=status))
        if open_amount < amount:
            payments.append(dict(
                payment_id=f"P{n}", customer_id=invoices[-1]["customer_id"],
                date=min(AS_OF + timedelta(days=3), issue + timedelta(days=rng.randint(0, 200))),
                amount=amount - open_amount, currency=invoices[-1]["currency"],
                invoice_id=f"I{n}"))
        if status == "paid" and n % 5 == 0:
            # An ERP that marks an invoice paid and leaves its balance: settled all the
            # same, in no bucket and no AR.
            invoices[-1]["open_amount"] = amount
    return customers, invoices, payments


def _load(engine, customers, invoices, payments, assignments=()) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), customers)
        if invoices:
            conn.execute(insert(InvoiceRow), invoices)
        if payments:
            conn.execute(insert(PaymentRow), payments)
        if assignments:
            conn.execute(insert(_ASSIGNMENTS), list(assignments))
        conn.execute(insert(ExchangeRateRow), [
            dict(date=date(2026, 11, 1), currency="EUR", rate_to_base=Decimal("1.10")),
            dict(date=date(2026, 11, 1), currency="CNY", rate_to_base=Decimal("0.14"))])


def test_the_sql_aggregates_equal_a_plain_reading_of_the_rows(engine):
    rng = random.Random(7)
    customers, invoices, payments = _random_portfolio(rng)
    collectors = {"C0": "U0COLLECT1", "C1": "U0COLLECT1", "C2": "U0COLLECT2"}
    _load(engine, customers, invoices, payments,
          [_assign(c, who) for c, who in collectors.items()] + [_assign("C3", "U0GONE", "closed")])
    spans = periods(AS_OF, 12)
    ends = [p.end for p in spans[-4:]]

    # The definitions (domain.reports.metrics), row by row.
    # The portfolio per currency (collector None); the assigned customers per collector.
    want: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 20)
    want_collectors: dict[tuple, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 20)
    paid_after: dict[str, list] = defaultdict(list)
    for p in payments:
        paid_after[p["invoice_id"]].append(p)
    for inv in invoices:
        books = [want[(None, inv["currency"])]]
        if inv["customer_id"] in collectors:
            books.append(want_collectors[(collectors[inv["customer_id"]], inv["currency"])])
        for sums in books:
            for i, span in enumerate(spans):
                if span.start <= inv["issue_date"] <= span.end:
                    sums[i] += inv["amount"]
            for k, end in enumerate(ends):
                if inv["issue_date"] > end:
                    continue
                owed = inv["open_amount"] if inv["status"] != "paid" else Decimal(0)
                owed += sum((p["amount"] for p in paid_after[inv["invoice_id"]]
                             if p["date"] > end), Decimal(0))
                sums[12 + k] += owed
                if inv["due_date"] >= end:
                    sums[16 + k] += owed
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        got = SqlReportQueries(work.session).series(spans, 4, BUCKETS)
        allowances = SqlReportQueries(work.session).allowances(
            AS_OF, BUCKETS, [100, 500, 1500, 4000, 10000], got.posted_ahead, got.paid_ahead)
    assert got.posted_ahead  # the invoices issued after AS_OF
    assert got.paid_ahead  # the payments dated after it
    assert {(s.collector, s.currency): [*s.sales, *s.ar, *s.current_ar]
            for s in got.portfolio} == {k: v for k, v in want.items() if any(v)}
    assert {(s.collector, s.currency): [*s.sales, *s.ar, *s.current_ar]
            for s in got.collectors} == {k: v for k, v in want_collectors.items() if any(v)}

    by_bucket: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 5)
    weighted: dict[tuple, Decimal] = defaultdict(Decimal)
    bp = [100, 500, 1500, 4000, 10000]
    for inv in invoices:
        # Owed on AS_OF: open now, and what was paid after it (as in the AR).
        owed = (inv["open_amount"] if inv["status"] != "paid" else Decimal(0)) + sum(
            (p["amount"] for p in paid_after[inv["invoice_id"]] if p["date"] > AS_OF),
            Decimal(0))
        if owed <= 0 or inv["issue_date"] > AS_OF:
            continue
        index = BUCKETS.index_of((AS_OF - inv["due_date"]).days)
        by_bucket[inv["currency"]][index] += owed
        weighted[(inv["customer_id"], inv["currency"])] += owed * bp[index]
    # The aging adds up to the AR on the report date, currency by currency.
    assert {c: sum(v) for c, v in by_bucket.items()} == {
        currency: sums[15] for (_, currency), sums in want.items() if sums[15]}
    assert {b.currency: list(b.open_by_bucket) for b in got.open_by_bucket} == dict(by_bucket)
    assert {(a.customer_id, a.currency): a.weighted for a in allowances} == dict(weighted)
    with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
        assert SqlReportQueries(work.session).names() == {
            c["customer_id"]: (c["name"], c.get("name_local")) for c in customers}


def _reports(engine, months: int = 3) -> Reports:
    return Reports(_uow_of(engine), _queries_of,
                   CreditDataAccess(), "USD", BUCKETS, ReportSettings(RATES, months),
                   lambda: datetime(2026, 11, 30, 10, tzinfo=UTC), ZoneInfo("UTC"))


def _uow_of(engine):
    factory = unit_of_work_factory(engine)
    return lambda: SqlUnitOfWork(factory)


def _queries_of(uow):
    return SqlReportQueries(uow.session)


def _invoice(iid: str, cid: str, issued: date, due: date, amount: int, open_amount: int,
             currency: str = "USD") -> dict:
    return dict(invoice_id=iid, customer_id=cid, issue_date=issued, due_date=due,
                amount=Decimal(amount), currency=currency, open_amount=Decimal(open_amount),
                status="open" if open_amount else "paid")


def test_the_report_of_a_portfolio_worked_by_hand(engine):
    # The hand-worked example of tests/unit/test_report_metrics.py, as invoices:
    # sales Sep 300,000, Oct 250,000, Nov 200,000; AR 31 Aug 400,000; at 30 Nov AR
    # 380,000 of which 150,000 current.
    d = date
    invoices = [
        # August's 400,000, all open on 31 Aug: 300,000 paid in September (payments),
        # 100,000 still open now and 90+ days overdue (due 31 Aug).
        _invoice("A1", "C1", d(2026, 8, 1), d(2026, 8, 31), 300_000, 0),
        _invoice("A2", "C2", d(2026, 8, 1), d(2026, 8, 31), 100_000, 100_000),
        # September: 300,000, all paid in October but 30,000 (61-90 days overdue).
        _invoice("S1", "C1", d(2026, 9, 1), d(2026, 9, 15), 300_000, 30_000),
        # October: 250,000, of which 100,000 still open, due 15 Nov (1-30 days).
        _invoice("O1", "C2", d(2026, 10, 10), d(2026, 11, 15), 250_000, 100_000),
        # November: 200,000; 150,000 open and not yet due; 50,000 paid.
        _invoice("N1", "C1", d(2026, 11, 20), d(2026, 12, 20), 200_000, 150_000),
    ]
    payments = [
        dict(payment_id="PA1", customer_id="C1", date=d(2026, 9, 20), amount=Decimal(300_000),
             currency="USD", invoice_id="A1"),
        dict(payment_id="PS1", customer_id="C1", date=d(2026, 10, 5), amount=Decimal(270_000),
             currency="USD", invoice_id="S1"),
        dict(payment_id="PO1", customer_id="C2", date=d(2026, 11, 10), amount=Decimal(150_000),
             currency="USD", invoice_id="O1"),
        dict(payment_id="PN1", customer_id="C1", date=d(2026, 11, 25), amount=Decimal(50_000),
             currency="USD", invoice_id="N1"),
    ]
    _load(engine, [_customer("C1"), _customer("C2")], invoices, payments,
          [_assign("C1", "U0COLLECT1")])
    report = _reports(engine).portfolio(AS_OF)
    m = report.portfolio.metrics
    # AR at 30 Nov: 100,000 + 30,000 + 100,000 + 150,000 = 380,000; current 150,000.
    assert (m.ar, m.current_ar, m.sales) == (Decimal(380_000), Decimal(150_000),
                                             Decimal(750_000))
    assert m.dso_count_back == CountBack(Decimal("52.32"), True)
    assert m.best_possible_dso == Decimal("18.2")
    assert m.cei is not None and m.cei.quantize(Decimal("0.01")) == Decimal("54.00")
    assert [(p.period.end, p.ar, p.current_ar) for p in report.trend] == [
        # 30 Sep: A2 100,000 + S1 (30,000 open + 270,000 paid 5 Oct) = 400,000; current
        # nothing (S1 due 15 Sep). 31 Oct: 100,000 + 30,000 + O1 (100,000 + 150,000
        # paid 10 Nov) = 380,000, O1 current.
        (d(2026, 9, 30), Decimal(400_000), Decimal(0)),
        (d(2026, 10, 31), Decimal(380_000), Decimal(250_000)),
        (d(2026, 11, 30), Decimal(380_000), Decimal(150_000)),
    ]
    # Provision: current 150,000 × 1 % = 1,500; 1-30 100,000 × 5 % = 5,000;
    # 61-90 30,000 × 40 % = 12,000; 90+ 100,000 × 100 % = 100,000: 118,500.
    assert [(x.bucket, x.open_amount, x.allowance) for x in report.provision] == [
        ("current", Decimal(150_000), Decimal(1500)), ("1-30", Decimal(100_000), Decimal(5000)),
        ("31-60", Decimal(0), Decimal(0)), ("61-90", Decimal(30_000), Decimal(12_000)),
        ("90+", Decimal(100_000), Decimal(100_000))]
    assert report.allowance_total == Decimal(118_500)
    # Per customer: C2 100,000 + 5,000; C1 1,500 + 12,000.
    assert [(a.customer_id, a.allowance) for a in report.allowances] == [
        ("C2", Decimal(105_000)), ("C1", Decimal(13_500))]
    # C1 is U0COLLECT1's: AR 30,000 + 150,000 = 180,000; C2 nobody's.
    assert [(b.collector, b.unassigned, b.metrics.ar) for b in report.collectors] == [
        ("U0COLLECT1", False, Decimal(180_000)), (None, True, Decimal(200_000))]


def test_a_report_for_a_day_before_the_latest_payments_counts_them_as_owed_then(engine):
    # The report for 30 Nov, with a payment of 2 Dec already imported (a report for a
    # past day; the sandbox's clock turned back): the AR added it back, the aging and
    # the provision did not, so the collectors' lines did not add up to the total.
    d = date
    _load(engine, [_customer("C1"), _customer("C2")], [
        _invoice("O1", "C2", d(2026, 10, 10), d(2026, 11, 15), 250_000, 80_000),
        _invoice("N1", "C1", d(2026, 11, 20), d(2026, 12, 20), 200_000, 0),
    ], [
        dict(payment_id="PO1", customer_id="C2", date=d(2026, 11, 10),
             amount=Decimal(150_000), currency="USD", invoice_id="O1"),
        dict(payment_id="PO2", customer_id="C2", date=d(2026, 12, 2),
             amount=Decimal(20_000), currency="USD", invoice_id="O1"),
        dict(payment_id="PN1", customer_id="C1", date=d(2026, 12, 1),
             amount=Decimal(200_000), currency="USD", invoice_id="N1"),
    ], [_assign("C1", "U0COLLECT1")])
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = _reports(engine).portfolio(AS_OF)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    # The payments after the day are read once, for the aging and the allowances both.
    assert sum("payments.date >" in s and "GROUP BY payments.customer_id" in s
               for s in statements) == 1
    # Owed on 30 Nov: O1 100,000 (1-30 days overdue), N1 200,000 (current, paid since).
    assert report.portfolio.metrics.ar == Decimal(300_000)
    assert [(x.bucket, x.open_amount, x.allowance) for x in report.provision] == [
        ("current", Decimal(200_000), Decimal(2000)), ("1-30", Decimal(100_000),
                                                       Decimal(5000)),
        ("31-60", Decimal(0), Decimal(0)), ("61-90", Decimal(0), Decimal(0)),
        ("90+", Decimal(0), Decimal(0))]
    assert [(a.customer_id, a.allowance) for a in report.allowances] == [
        ("C2", Decimal(5000)), ("C1", Decimal(2000))]
    assert [(b.collector, b.unassigned, b.metrics.ar) for b in report.collectors] == [
        ("U0COLLECT1", False, Decimal(200_000)), (None, True, Decimal(100_000))]
    # The day after the payments: what is open now, as before.
    later = _reports(engine).portfolio(d(2026, 12, 3))
    assert later.portfolio.metrics.ar == sum(x.open_amount for x in later.provision) == \
        Decimal(80_000)


def test_a_payment_above_its_invoice_counts_as_the_invoice_at_most(engine):
    # An ERP typo: 2,700,000 paid on an invoice of 300,000 (30,000 still open). Counted
    # whole, AR at 30 Sep would be 2,730,000, nine times anything ever billed. It counts
    # as what the invoice shows settled (270,000): the invoice, owed whole on 30 Sep.
    _load(engine, [_customer("C1")],
          [_invoice("S1", "C1", date(2026, 9, 1), date(2026, 9, 15), 300_000, 30_000)],
          [dict(payment_id="PS1", customer_id="C1", date=date(2026, 10, 5),
                amount=Decimal(2_700_000), currency="USD", invoice_id="S1")])
    report = _reports(engine).portfolio(AS_OF)
    assert [(p.period.end, p.ar) for p in report.trend] == [
        (date(2026, 9, 30), Decimal(300_000)), (date(2026, 10, 31), Decimal(30_000)),
        (date(2026, 11, 30), Decimal(30_000))]


def test_a_payment_the_invoices_export_does_not_show_yet_never_rebuilds_more_than_billed(
        engine):
    # The payments were imported before the invoices exported after them: S1 still shows
    # 5,000 open of 5,000, yet a payment of 5,000 on 5 Nov names it. Counted in full it
    # made S1 owe 10,000 at 31 Oct (twice what it billed) and moved the report's past
    # while every other figure stayed put. S2's payments are both in its export.
    _load(engine, [_customer("C1")],
          [_invoice("S1", "C1", date(2026, 9, 1), date(2026, 9, 15), 5_000, 5_000),
           _invoice("S2", "C1", date(2026, 9, 1), date(2026, 9, 15), 6_000, 1_000)],
          [dict(payment_id="P1", customer_id="C1", date=date(2026, 11, 5),
                amount=Decimal(5_000), currency="USD", invoice_id="S1"),
           dict(payment_id="P2", customer_id="C1", date=date(2026, 10, 5),
                amount=Decimal(3_000), currency="USD", invoice_id="S2"),
           dict(payment_id="P3", customer_id="C1", date=date(2026, 11, 5),
                amount=Decimal(2_000), currency="USD", invoice_id="S2")])
    report = _reports(engine).portfolio(AS_OF)
    # 30 Sep: S1 5,000; S2 1,000 open + 3,000 + 2,000 paid after = 6,000.
    # 31 Oct: S1 5,000; S2 1,000 + 2,000 (P3). 30 Nov: what is open.
    assert [(p.period.end, p.ar) for p in report.trend] == [
        (date(2026, 9, 30), Decimal(11_000)), (date(2026, 10, 31), Decimal(8_000)),
        (date(2026, 11, 30), Decimal(6_000))]


def test_a_payment_in_another_currency_counts_as_what_its_invoice_shows_settled(engine):
    # 5,000 USD dated after the report on E1 (1,000 EUR, unpaid) made the day's
    # receivables 6,080 USD and the allowances with them; E2's USD payment, which the
    # export shows settled 600 EUR of, rebuilds 600 EUR owed before it.
    d = date
    _load(engine, [_customer("C1", "EUR")], [
        _invoice("E1", "C1", d(2026, 10, 1), d(2026, 10, 31), 1000, 1000, "EUR"),
        _invoice("E2", "C1", d(2026, 10, 1), d(2026, 12, 31), 1000, 400, "EUR"),
    ], [dict(payment_id="P3", customer_id="C1", date=d(2026, 12, 20),
             amount=Decimal(5000), currency="USD", invoice_id="E1"),
        dict(payment_id="P4", customer_id="C1", date=d(2026, 11, 10),
             amount=Decimal(650), currency="USD", invoice_id="E2")])
    report = _reports(engine).portfolio(AS_OF)
    # At 1.10 USD a euro: 30 Nov, E1 1,000 + E2 400 = 1,540 USD; 31 Oct, E2 whole.
    assert report.portfolio.metrics.ar == Decimal("1540.00")
    assert [(x.bucket, x.open_amount) for x in report.provision if x.open_amount] == [
        ("current", Decimal("440.00")), ("1-30", Decimal("1100.00"))]
    assert [(p.period.end, p.ar) for p in report.trend][1:] == [
        (d(2026, 10, 31), Decimal("2200.00")), (d(2026, 11, 30), Decimal("1540.00"))]


def test_amounts_in_other_currencies_count_at_the_days_rate(engine):
    _load(engine, [_customer("C1", "EUR"), _customer("C2", "GBP")], [
        _invoice("E1", "C1", date(2026, 11, 2), date(2026, 12, 2), 1000, 1000, "EUR"),
        _invoice("G1", "C2", date(2026, 11, 2), date(2026, 12, 2), 500, 500, "GBP"),
    ], [])
    report = _reports(engine).portfolio(AS_OF)
    # EUR at 1.10: 1,100 USD; GBP has no rate: left out, and said so.
    assert report.portfolio.metrics.ar == Decimal("1100.00")
    assert report.missing_currencies == ("GBP",)


def test_a_report_may_take_longer_than_a_check_on_postgresql(database_url):
    from storage.db import make_engine

    # The server's connections cancel statements after 5 s; a report's transaction gets
    # a minute, and the pooled connection gets its 5 s back afterwards.
    engine = make_engine(database_url, statement_timeout=5)
    try:
        with SqlUnitOfWork(unit_of_work_factory(engine)) as work:
            SqlReportQueries(work.session).names()
            if engine.dialect.name == "postgresql":
                assert work.session.execute(text("SHOW statement_timeout")).scalar() == "1min"
                # The series' groupings get more memory, and give back what the session
                # had (its own setting, not the server's default).
                work.session.execute(text("SET work_mem = '8MB'"))
                SqlReportQueries(work.session).series(periods(AS_OF, 3), 2, BUCKETS)
                assert work.session.execute(text("SHOW work_mem")).scalar() == "8MB"
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                assert conn.execute(text("SHOW statement_timeout")).scalar() == "5s"
    finally:
        engine.dispose()


def test_a_report_the_database_stops_says_the_records_are_not_answering(
        engine, monkeypatch):
    import storage.reports
    from domain.errors import RecordsUnavailable

    _load(engine, [_customer("C1")], [_invoice("I1", "C1", date(2026, 10, 1),
                                                date(2026, 10, 31), 100, 100)], [])
    monkeypatch.setattr(storage.reports, "REPORT_STATEMENT_TIMEOUT", "300ms")
    with engine.connect() as writer:
        if engine.dialect.name == "postgresql":
            # The series' statement waits on the lock past the report's timeout: the
            # error is the database's, not a second one from giving work_mem back.
            writer.execute(text("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE"))
            try:
                _reports(engine).portfolio(AS_OF)
            except RecordsUnavailable:
                pass
            else:
                raise AssertionError("the report ran under an exclusive lock")
        else:
            # SQLite: a writer in the middle of its transaction does not stop a reader.
            writer.execute(text("UPDATE invoices SET open_amount = 50"))
            assert _reports(engine).portfolio(AS_OF).open_total == Decimal(100)
        writer.rollback()
