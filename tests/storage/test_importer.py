"""Every import kind through the real importer, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from domain.imports import KINDS, HeaderError
from storage.csv_source import CsvFile, ImportFileError
from storage.importer import CsvImporter
from storage.models import AuditRow, CustomerRow, InvoiceRow

CUSTOMERS = """customer_id,name,currency,credit_limit,payment_terms_days,group_id,revenue,equity
C1,Acme Corp,USD,100000,30,G1,5000000,-1200.50
C2,Beta GmbH,EUR,50000.50,45,G1,,
"""
INVOICES = """invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status,order_id
I1,C1,2026-10-01,2026-10-31,1000.10,USD,,,SO1
I2,C1,2026-09-01,2026-09-30,2000,EUR,500,open,
I3,C2,2026-11-01,2026-12-01,300,EUR,,paid,
"""
GOOD = {
    "customers": CUSTOMERS,
    "invoices": INVOICES,
    "orders": "order_id,customer_id,order_date,amount,currency,status,contract_id\n"
              "O1,C1,2026-11-01,5000,USD,open,K1\nO2,C2,2026-11-02,10,EUR,,\n",
    "payments": "payment_id,customer_id,date,amount,currency,invoice_id\n"
                "P1,C1,2026-11-02,250.25,USD,I1\n",
    "contracts": "contract_id,customer_id,start_date,end_date,payment_terms_days,credit_limit,"
                 "currency\nK1,C1,2026-01-01,2027-12-31,30,100000,USD\n"
                 "K2,C2,2026-01-01,2026-12-31,45,,\n",
    "rates": "date,currency,rate_to_base\n2026-11-01,EUR,1.0812345678\n2026-11-01,CNY,0.1381\n",
}
TABLE_OF = {"customers": "customers", "invoices": "invoices", "orders": "orders",
            "payments": "payments", "contracts": "contracts", "rates": "exchange_rates"}


def run(engine, write_csv, kind, content, **options):
    path = write_csv(f"{kind}.csv", content)
    with CsvFile(path) as source:
        return CsvImporter(engine, batch_size=options.pop("batch_size", 10_000)).run(
            KINDS[kind], source, **options)


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def snapshot(engine):
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                for t in TABLE_OF.values()}


@pytest.fixture
def with_customers(engine, write_csv):
    assert run(engine, write_csv, "customers", CUSTOMERS).committed
    return engine


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_each_kind_imports_and_reimports_unchanged(with_customers, write_csv, kind):
    engine = with_customers
    rows = GOOD[kind].count("\n") - 1
    first = run(engine, write_csv, kind, GOOD[kind])
    if kind != "customers":
        assert (first.inserted, first.updated, first.unchanged, first.rejected) == (rows, 0, 0, 0)
    assert first.committed
    assert count(engine, TABLE_OF[kind]) == rows
    again = run(engine, write_csv, kind, GOOD[kind])
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, rows)


def test_values_round_trip_exactly(with_customers, write_csv):
    engine = with_customers
    run(engine, write_csv, "invoices", INVOICES)
    run(engine, write_csv, "rates", GOOD["rates"])
    with engine.connect() as conn:
        invoices = {r.invoice_id: r for r in conn.execute(select(InvoiceRow.__table__))}
        customer = conn.execute(select(CustomerRow.__table__).where(
            CustomerRow.customer_id == "C1")).one()
        rate = conn.execute(text("SELECT rate_to_base FROM exchange_rates "
                                 "WHERE currency = 'EUR'")).scalar_one()
    assert invoices["I1"].amount == Decimal("1000.10")
    assert invoices["I1"].open_amount == Decimal("1000.10")  # defaults to amount
    assert invoices["I2"].open_amount == Decimal("500")
    assert invoices["I3"].open_amount == 0 and invoices["I3"].status == "paid"
    assert invoices["I1"].order_id == "SO1" and invoices["I2"].order_id is None
    assert customer.equity == Decimal("-1200.50") and customer.name_key == "acme corp"
    assert Decimal(str(rate)) == Decimal("1.0812345678")


def test_a_changed_export_updates_only_what_changed(with_customers, write_csv):
    engine = with_customers
    run(engine, write_csv, "invoices", INVOICES)
    changed = INVOICES.replace("I2,C1,2026-09-01,2026-09-30,2000,EUR,500,open,",
                               "I2,C1,2026-09-01,2026-09-30,2000,EUR,0,paid,") + \
        "I4,C2,2026-11-05,2026-12-05,70,EUR,,,\n"
    report = run(engine, write_csv, "invoices", changed)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 2)
    with engine.connect() as conn:
        assert conn.execute(select(InvoiceRow.status).where(
            InvoiceRow.invoice_id == "I2")).scalar_one() == "paid"


def test_columns_absent_from_a_reimport_are_left_alone(with_customers, write_csv):
    engine = with_customers
    slim = "customer_id,name,currency,credit_limit,payment_terms_days\n" \
           "C1,Acme Corporation,USD,150000,30\n"
    report = run(engine, write_csv, "customers", slim)
    assert report.updated == 1
    with engine.connect() as conn:
        row = conn.execute(select(CustomerRow.__table__).where(
            CustomerRow.customer_id == "C1")).one()
    assert row.credit_limit == Decimal("150000") and row.name_key == "acme corporation"
    assert row.group_id == "G1" and row.revenue == Decimal("5000000")


BAD_INVOICES = """invoice_id,customer_id,issue_date,due_date,amount,currency
I9,C1,2026-02-30,2026-03-01,1,USD
I10,C9,2026-01-01,2026-03-01,1,USD
I11,C1,2026-01-01,2026-03-01,"1,2.3",USD
I12,C1,2026-01-01,2026-03-01,5,USD
I12,C1,2026-01-01,2026-03-01,5,USD
I13,C1,2026-01-01,2026-03-01,-5,USD
I14,C1,2026-01-01,2026-03-01,7,USD
"""


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_one(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, "invoices", BAD_INVOICES)
    assert not report.committed
    assert snapshot(engine) == before
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "issue_date"), (3, "customer_id"), (4, "amount"), (6, "invoice_id"), (7, "amount")]
    messages = [str(e) for e in report.errors]
    assert "line 3, column customer_id: “C9” is not a known customer" in messages[1]
    assert "duplicate invoice_id I12 (first on line 5)" in messages[3]
    assert report.rejected == 5


def test_skip_invalid_imports_the_good_rows(with_customers, write_csv):
    engine = with_customers
    report = run(engine, write_csv, "invoices", BAD_INVOICES, skip_invalid=True)
    assert report.committed and report.rejected == 5 and report.inserted == 2
    with engine.connect() as conn:
        ids = conn.execute(select(InvoiceRow.invoice_id).order_by(InvoiceRow.invoice_id))
        assert ids.scalars().all() == ["I12", "I14"]


def test_dry_run_counts_but_changes_nothing(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, "invoices", INVOICES, dry_run=True)
    assert report.inserted == 3 and not report.committed
    assert snapshot(engine) == before


def test_an_import_is_recorded_in_the_audit_log(with_customers, write_csv):
    engine = with_customers
    run(engine, write_csv, "invoices", INVOICES)
    with engine.connect() as conn:
        entry = conn.execute(select(AuditRow.__table__).order_by(AuditRow.id.desc())).first()
    assert entry.action == "import.invoices"
    assert entry.details["inserted"] == 3 and entry.at.tzinfo is not None


def test_large_files_stream_in_batches(with_customers, write_csv):
    engine = with_customers
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency"]
    lines += [f"I{n},C{1 + n % 2},2026-01-01,2026-02-01,{n}.25,USD" for n in range(5003)]
    lines.append("I7,C1,2026-01-01,2026-02-01,1,USD")  # a duplicate far from its first
    report = run(engine, write_csv, "invoices", "\n".join(lines) + "\n", batch_size=500)
    assert [str(e) for e in report.errors] == [
        "line 5005, column invoice_id: duplicate invoice_id I7 (first on line 9)"]
    report = run(engine, write_csv, "invoices", "\n".join(lines[:-1]) + "\n", batch_size=500)
    assert report.inserted == 5003
    with engine.connect() as conn:
        total = conn.execute(select(func.sum(InvoiceRow.amount))).scalar_one()
    assert total == Decimal(sum(range(5003))) + Decimal("0.25") * 5003


def test_many_bad_rows_are_counted_beyond_those_listed(with_customers, write_csv):
    engine = with_customers
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency"]
    lines += [f"I{n},NOPE,2026-01-01,2026-02-01,1,USD" for n in range(30)]
    path = write_csv("many.csv", "\n".join(lines))
    with CsvFile(path) as source:
        report = CsvImporter(engine, error_cap=10).run(KINDS["invoices"], source)
    assert len(report.errors) == 10 and report.error_count == 30 and report.rejected == 30


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "no header row"),
        (b"PK\x03\x04\x14\x00\x06\x00binary", "Excel (.xlsx)"),
        ("invoice_id,customer_id\n".encode("utf-16"), "NUL bytes"),
        (b"invoice_id;customer_id;issue_date\nI1;C1;2026-01-01\n", "separated by “;”"),
    ],
)
def test_unreadable_files_are_refused_up_front(write_csv, content, reason):
    path = write_csv("bad.csv", content)
    with pytest.raises(ImportFileError, match=re.escape(reason)):
        CsvFile(path)


def test_a_non_utf8_file_is_refused_and_nothing_is_written(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    content = INVOICES.encode() + "I5,C1,2026-01-01,2026-02-01,1,USD,,,Müller\n".encode("latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        run(engine, write_csv, "invoices", content)
    assert snapshot(engine) == before


def test_a_wrong_header_is_refused_before_any_write(with_customers, write_csv):
    with pytest.raises(HeaderError, match="missing required column"):
        run(with_customers, write_csv, "invoices", "id,amount\n1,2\n")


def test_a_bom_and_crlf_line_endings_are_fine(with_customers, write_csv):
    content = "\ufeff" + INVOICES.replace("\n", "\r\n")
    assert run(with_customers, write_csv, "invoices", content).inserted == 3


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("orders", "order_id,customer_id,order_date,amount,currency,status\n"
                   "O1,C1,2026-11-01,10,USD,pending\n",
         ["line 2, column status: “pending” is not one of: open, shipped, invoiced, cancelled"]),
        ("payments", "payment_id,customer_id,date,amount,currency\n"
                     "P1,C1,2026-11-01,0,USD\nP2,C7,2026-11-01,5,USD\n",
         ["line 2, column amount: must be greater than 0, got 0",
          "line 3, column customer_id: “C7” is not a known customer (import customers first)"]),
        ("contracts", "contract_id,customer_id,start_date,end_date,payment_terms_days\n"
                      "K1,C1,2026-12-01,2026-01-01,30\nK2,C1,2026-01-01,2026-12-31,400\n",
         ["line 2, column end_date: is before start_date",
          "line 3, column payment_terms_days: must be between 0 and 365, got 400"]),
        ("rates", "date,currency,rate_to_base\n2026-11-01,EUR,-1\n2026-11-01,EURO,1.1\n"
                  "2026-11-02,EUR,1.1\n2026-11-02,eur,1.2\n",
         ["line 2, column rate_to_base: must be greater than 0, got -1",
          "line 3, column currency: “EURO” is not an ISO 4217 currency code (e.g. USD, EUR, "
          "CNY)",
          "line 5, column date: duplicate date/currency 2026-11-02/EUR (first on line 4)"]),
    ],
)
def test_bad_rows_of_every_kind_are_reported_and_nothing_is_written(
        with_customers, write_csv, kind, content, expected):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, kind, content)
    assert [str(e) for e in report.errors] == expected
    assert not report.committed and snapshot(engine) == before
