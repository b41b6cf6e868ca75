"""Every import kind through the real importer, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import os
import re
import shutil
import threading
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select, text

import storage.import_warnings
import storage.importer
from domain.imports import KINDS, HeaderError
from storage.csv_source import CsvFile, ImportFileError
from storage.db import SQLITE_BEGIN, make_engine
from storage.host_processes import this_host
from storage.import_open_items import OpenItemsRefused
from storage.importer import (
    IMPORT_LEASE,
    IMPORT_LEASE_TTL,
    CsvImporter,
    ImportBusy,
    ImportRefused,
)
from storage.leases import holder_of, try_acquire
from storage.models import AuditRow, CustomerRow, InvoiceRow, OrderRow, PaymentRow
from storage.write_gate import writers_gate

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
# What must be in the database before a kind's rows can refer to it.
NEEDS = {"orders": "contracts", "payments": "invoices"}


def run(engine, write_csv, kind, content, *, encoding=None, base_currency=None, **options):
    path = write_csv(f"{kind}.csv", content)
    with CsvFile(path, encoding=encoding) as source:
        return CsvImporter(engine, base_currency=base_currency,
                           organisation=options.pop("organisation", None),
                           batch_size=options.pop("batch_size", 10_000),
                           clock=options.pop("clock", None),
                           zone=options.pop("zone", UTC)).run(
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
    if kind in NEEDS:
        assert run(engine, write_csv, NEEDS[kind], GOOD[NEEDS[kind]]).committed
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


def test_the_largest_amounts_are_stored_exactly(engine, write_csv):
    # On SQLite the bulk path passed amounts through a float: 90071992547409.93 was
    # stored as …099328 and a limit of 999999999999.9999 CLF read back as 1e12.
    run(engine, write_csv, "customers",
        "customer_id,name,currency,credit_limit,payment_terms_days\n"
        "C1,Big,USD,90071992547409.93,30\nC2,Chile,CLF,999999999999.9999,30\n")
    run(engine, write_csv, "invoices",
        "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
        "I1,C1,2026-01-10,2026-02-09,99999999999999.99,USD\n")
    with engine.connect() as conn:
        limits = dict(conn.execute(select(CustomerRow.customer_id,
                                          CustomerRow.credit_limit)).tuples().all())
        amount = conn.execute(select(InvoiceRow.amount)).scalar_one()
    assert limits == {"C1": Decimal("90071992547409.93"), "C2": Decimal("999999999999.9999")}
    assert amount == Decimal("99999999999999.99")


def test_amounts_sqlite_cannot_add_up_are_refused_there_and_imported_elsewhere(
        with_customers, write_csv):
    # Ten invoices of 99,999,999,999,999.99 imported "committed"; then every check,
    # alerts scan and report on SQLite failed with "integer overflow", for all customers.
    engine = with_customers
    rows = "".join(f"B{n},C1,2026-01-10,2026-02-09,99999999999999.99,USD\n"
                   for n in range(1, 11))
    content = "invoice_id,customer_id,issue_date,due_date,amount,currency\n" + rows
    if engine.dialect.name != "sqlite":
        assert run(engine, write_csv, "invoices", content).inserted == 10
        return
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        run(engine, write_csv, "invoices", content)
    path = write_csv("invoices.csv", content)
    assert str(refused.value) == (
        f"{path}: with this file, the invoices' amounts in USD, counted without their "
        "sign, would add up to more than 900,000,000,000,000 USD, more than SQLite can add "
        "exactly (credit notes cancel out only at the end of a sum); nothing was imported. "
        "Check the file's largest amounts (line 2: 99999999999999.99, line 3: "
        "99999999999999.99, line 4: 99999999999999.99), or run creditbot on PostgreSQL for "
        "a portfolio that size.")
    assert snapshot(engine) == before
    # Nine of them add up within: imported, and summed exactly.
    assert run(engine, write_csv, "invoices", content.replace(
        "B10,C1,2026-01-10,2026-02-09,99999999999999.99,USD\n", "")).inserted == 9
    with engine.connect() as conn:
        assert conn.execute(select(func.sum(InvoiceRow.amount))).scalar_one() == Decimal(
            "899999999999999.91")
    # Beyond the cap in all currencies together, within it in each: imported.
    euros = "".join(f"E{n},C1,2026-01-10,2026-02-09,99999999999999.99,EUR\n"
                    for n in range(1, 10))
    assert run(engine, write_csv, "invoices", content.split("\n")[0] + "\n" + euros
               ).inserted == 9


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


def _invoices(engine):
    with engine.connect() as conn:
        return {r.invoice_id: (r.amount, r.open_amount, r.status) for r in conn.execute(
            select(InvoiceRow.invoice_id, InvoiceRow.amount, InvoiceRow.open_amount,
                   InvoiceRow.status))}


STATES = """invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status
I1,C1,2026-10-01,2026-10-31,1000,USD,0,paid
I2,C1,2026-09-01,2026-09-30,2000,EUR,500,open
I3,C2,2026-11-01,2026-12-01,300,EUR,300,disputed
"""
SLIM = """invoice_id,customer_id,issue_date,due_date,amount,currency
I1,C1,2026-10-01,2026-10-31,1000,USD
I2,C1,2026-09-01,2026-09-30,2000,EUR
I3,C2,2026-11-01,2026-12-01,300,EUR
I4,C2,2026-11-05,2026-12-05,70,EUR
"""


def test_an_invoice_export_without_balances_keeps_the_known_ones(with_customers, write_csv):
    """A daily export without open_amount and status reopened every paid invoice at its
    full amount, and a part-paid one at its whole: exposure, aging and alerts overstated,
    and not a word."""
    engine = with_customers
    run(engine, write_csv, "invoices", STATES)
    report = run(engine, write_csv, "invoices", SLIM)
    assert (report.inserted, report.updated, report.unchanged) == (1, 0, 3)
    assert _invoices(engine) == {
        "I1": (Decimal("1000"), Decimal("0"), "paid"),
        "I2": (Decimal("2000"), Decimal("500"), "open"),
        "I3": (Decimal("300"), Decimal("300"), "disputed"),
        # A new invoice: open for its whole amount, as the columns' defaults say.
        "I4": (Decimal("70"), Decimal("70"), "open")}


def test_a_status_without_balances_keeps_them_but_paid_owes_nothing(with_customers,
                                                                     write_csv):
    engine = with_customers
    run(engine, write_csv, "invoices", STATES)
    with_status = ("invoice_id,customer_id,issue_date,due_date,amount,currency,status\n"
                   "I1,C1,2026-10-01,2026-10-31,1000,USD,open\n"
                   "I2,C1,2026-09-01,2026-09-30,2000,EUR,paid\n"
                   "I3,C2,2026-11-01,2026-12-01,300,EUR,open\n"
                   "I5,C2,2026-11-05,2026-12-05,80,EUR,paid\n")
    report = run(engine, write_csv, "invoices", with_status)
    assert (report.inserted, report.updated, report.unchanged) == (1, 3, 0)
    assert _invoices(engine) == {
        # Paid, and the ERP reopens it without a balance: it owes its amount again (the
        # known balance, nothing, kept it out of exposure).
        "I1": (Decimal("1000"), Decimal("1000"), "open"),
        "I2": (Decimal("2000"), Decimal("0"), "paid"),
        "I3": (Decimal("300"), Decimal("300"), "open"),
        "I5": (Decimal("80"), Decimal("0"), "paid")}


def test_a_known_balance_that_no_longer_fits_the_amount_is_not_kept(with_customers,
                                                                    write_csv):
    """An export without open_amount that lowered an amount, or turned an invoice into a
    credit note, kept the old balance: 1000 open on an invoice of 500, a credit note
    owing 1000, rows the import refuses when the file says so itself."""
    engine = with_customers
    run(engine, write_csv, "invoices", STATES + "I6,C1,2026-09-01,2026-09-30,-500,USD,-500,open\n"
        "I7,C1,2026-09-01,2026-09-30,800,USD,300,open\n")
    changed = ("invoice_id,customer_id,issue_date,due_date,amount,currency\n"
               "I2,C1,2026-09-01,2026-09-30,400,EUR\n"      # below its balance of 500
               "I3,C2,2026-11-01,2026-12-01,-300,EUR\n"     # now a credit note
               "I6,C1,2026-09-01,2026-09-30,-200,USD\n"     # a smaller credit note
               "I7,C1,2026-09-01,2026-09-30,900,USD\n")     # more: its balance still fits
    run(engine, write_csv, "invoices", changed)
    found = _invoices(engine)
    assert {k: found[k] for k in ("I2", "I3", "I6", "I7")} == {
        "I2": (Decimal("400"), Decimal("400"), "open"),
        "I3": (Decimal("-300"), Decimal("-300"), "disputed"),
        "I6": (Decimal("-200"), Decimal("-200"), "open"),
        "I7": (Decimal("900"), Decimal("300"), "open")}


def test_balances_without_a_status_reopen_a_paid_invoice_given_one_again(with_customers,
                                                                         write_csv):
    # A payment returned: the ERP's balance is the word; the status follows it, or the
    # invoice would stay out of exposure as paid.
    engine = with_customers
    run(engine, write_csv, "invoices", STATES)
    balances = ("invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
                "I1,C1,2026-10-01,2026-10-31,1000,USD,1000\n"
                "I2,C1,2026-09-01,2026-09-30,2000,EUR,500\n")
    report = run(engine, write_csv, "invoices", balances)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert _invoices(engine)["I1"] == (Decimal("1000"), Decimal("1000"), "open")


def test_columns_nobody_reads_are_named_in_a_warning(with_customers, write_csv):
    """An ERP's renamed balance column was ignored like any extra column, without a
    word, and every invoice counted open for its whole amount."""
    engine = with_customers
    report = run(engine, write_csv, "invoices",
                 "Invoice_ID,customer_id,issue_date,due_date,amount,currency,Balance Due,"
                 "Invoice Status,Open Amount,order_idd,\x1b[2J\n"
                 "I9,C1,2026-10-01,2026-10-31,1000,USD,400,Open,400,SO1,x\n")
    assert report.inserted == 1
    assert report.warnings == [
        "columns not read: “Balance Due”, “Invoice Status” (is it status?), “order_idd” (is "
        "it order_id?), “\\x1b[2J”. "
        "The invoices file is read by these names only: invoice_id, customer_id, "
        "issue_date, due_date, amount, currency, open_amount, order_id, status; a column "
        "named otherwise is left out"]
    # "Open Amount" is open_amount, its words apart as a spreadsheet writes them.
    assert _invoices(engine)["I9"] == (Decimal("1000"), Decimal("400"), "open")


def test_column_names_written_as_words_are_read(with_customers, write_csv):
    # "Invoice ID,Customer ID,…" was "missing required column(s): invoice_id, …".
    engine = with_customers
    report = run(engine, write_csv, "invoices",
                 "Invoice ID,Customer-ID,Issue Date,DUE DATE,Amount,Currency,Open  Amount\n"
                 "I8,C1,2026-10-01,2026-10-31,1000,USD,250\n")
    assert (report.inserted, report.warnings) == (1, [])
    assert _invoices(engine)["I8"] == (Decimal("1000"), Decimal("250"), "open")


def test_hundreds_of_unread_columns_are_counted_past_ten(with_customers, write_csv):
    engine = with_customers
    extra = [f"x{n}" for n in range(200)]
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base," + ",".join(extra)
                 + "\n2026-11-01,EUR,1.08" + "," * 200 + "\n")
    assert report.warnings == [
        "columns not read: " + ", ".join(f"“x{n}”" for n in range(10)) + " and 190 more. "
        "The rates file is read by these names only: date, currency, rate_to_base; a "
        "column named otherwise is left out"]


def test_rows_given_to_another_customer_are_named_in_a_warning(with_customers, write_csv):
    """A re-import moved an invoice (and a contract) from one customer to another without
    a word: its overdue amount counted for the other, its payments stayed behind."""
    engine = with_customers
    run(engine, write_csv, "invoices", STATES)
    report = run(engine, write_csv, "invoices", STATES.replace(
        "I1,C1,", "I1,C2,").replace("I3,C2,", "I3,C1,"))
    assert report.updated == 2
    assert report.warnings == [
        "2 invoices move to another customer (line 2, I1 from C1 to C2; line 4, I3 from C2 "
        "to C1): each now counts for the customer the file names; if the ERP did not mean "
        "it, correct the customer_id there and import again"]
    run(engine, write_csv, "contracts", GOOD["contracts"])
    moved_contract = run(engine, write_csv, "contracts", GOOD["contracts"].replace(
        "K2,C2,", "K2,C1,"))
    assert moved_contract.warnings[0] == (
        "1 contract moves to another customer (line 3, K2 from C2 to C1): each now counts "
        "for the customer the file names; if the ERP did not mean it, correct the "
        "customer_id there and import again")


def test_departments_and_owners_app_yaml_does_not_list_are_named(engine, write_csv):
    """The ERP's department and owner pick who hears of a customer: one app.yaml lacks
    ("Sales" for sales, an id one letter short) routed its alerts elsewhere unseen."""
    from storage.import_warnings import Organisation

    listed = Organisation(frozenset({"sales", "finance"}), frozenset({"U01SALESAMY"}))
    report = run(engine, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days,department,"
                 "owner_slack_id\n"
                 "C1,Acme,USD,100,30,Sales,U01SALESAM\n"
                 "C2,Beta,USD,100,30,sales,U01SALESAMY\n"
                 "C3,Gamma,USD,100,30,Slaes,\n"
                 "C4,Delta,USD,100,30,,U0VISITOR01\n", organisation=listed)
    assert report.inserted == 4
    assert report.warnings == [
        "2 customers name a department app.yaml does not have (line 2, C1: Sales (is it "
        "sales?); line 4, C3: Slaes): their alerts go to their owner's department, or to "
        "nobody; use a key of app.yaml's departments (finance, sales)",
        "2 customers have an owner app.yaml does not list (line 2, C1: U01SALESAM; line "
        "5, C4: U0VISITOR01): an owner not among its departments' members or roles is told "
        "nothing of the customer's alerts and held orders; add them to app.yaml, or correct "
        "the id in the ERP"]
    # A file without those columns says nothing of them.
    assert run(engine, write_csv, "customers", CUSTOMERS, organisation=listed).warnings == []


def test_an_invoice_naming_an_order_still_counted_is_named(with_customers, write_csv):
    """An orders export without a status (or one that drops invoiced orders) left an
    invoiced order open: it counted in exposure beside its invoice, and nothing said so."""
    engine = with_customers
    run(engine, write_csv, "orders", "order_id,customer_id,order_date,amount,currency,status\n"
        "SO1,C1,2026-11-01,5000,USD,open\nSO2,C1,2026-11-01,10,USD,invoiced\n"
        "SO3,C2,2026-11-01,10,EUR,shipped\n")
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency,order_id\n"
                 "I7,C1,2026-11-05,2026-12-05,5000,USD,SO1\n"
                 "I8,C1,2026-11-05,2026-12-05,10,USD,SO2\n"
                 "I9,C2,2026-11-05,2026-12-05,10,EUR,SO3\n"
                 "I10,C2,2026-11-05,2026-12-05,10,EUR,SO1\n")
    assert report.warnings == [
        "2 invoices name orders still counted in exposure (line 2, I7 of SO1; line 4, I9 of "
        "SO3): each order counts beside its invoice until the orders export marks it "
        "invoiced (status invoiced); an export that leaves invoiced orders out, or has no "
        "status column, never does"]


def test_an_order_export_without_a_status_keeps_the_known_ones(with_customers, write_csv):
    engine = with_customers
    run(engine, write_csv, "orders", "order_id,customer_id,order_date,amount,currency,status\n"
        "O1,C1,2026-11-01,5000,USD,shipped\nO2,C2,2026-11-02,10,EUR,open\n")
    report = run(engine, write_csv, "orders", "order_id,customer_id,order_date,amount,currency\n"
                 "O1,C1,2026-11-01,5000,USD\nO2,C2,2026-11-02,12,EUR\n"
                 "O3,C2,2026-11-03,7,EUR\n")
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 1)
    with engine.connect() as conn:
        assert dict(conn.execute(select(OrderRow.order_id, OrderRow.status)).all()) == {
            "O1": "shipped", "O2": "open", "O3": "open"}


OPEN_ITEMS = """invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status
A1,C1,2026-09-01,2026-10-01,100,USD,100,open
A2,C1,2026-09-02,2026-10-02,200,USD,150,open
A3,C1,2026-09-03,2026-10-03,300,USD,300,disputed
A4,C1,2026-09-04,2026-10-04,-40,USD,-40,open
A5,C1,2026-09-05,2026-10-05,500,USD,0,paid
B1,C2,2026-09-01,2026-10-01,70,EUR,70,open
"""
OPEN_ITEMS_HEADER = OPEN_ITEMS.splitlines()[0] + "\n"
LEFT_OUT_ADVICE = (
    "an invoice the file leaves out keeps its balance, and counts in exposure, overdue, "
    "aging, alerts and worklists until an import says it is paid. If the ERP settled "
    "them, export paid invoices too (status paid, or open_amount 0); if the file is the "
    "ERP's whole list of open invoices, import it with --open-items, which closes every "
    "open invoice it leaves out")


def _rows(content: str, *ids: str) -> str:
    """``content``'s header and its rows of ``ids``."""
    lines = content.splitlines()
    return "\n".join([lines[0], *(line for line in lines[1:]
                                   if line.split(",")[0] in ids)]) + "\n"


@pytest.mark.parametrize("scan_from_rows", [10_000, 0])  # SQLite: through the index, or not
def test_open_invoices_of_the_files_customers_it_leaves_out_are_named(with_customers,
                                                                     write_csv, monkeypatch,
                                                                     scan_from_rows):
    """An ERP that exports only open items stops listing a paid invoice: upserted by id,
    it stayed open in creditbot for good, counted everywhere, and nothing said so."""
    monkeypatch.setattr(storage.import_warnings, "SCAN_FROM_ROWS", scan_from_rows)
    engine = with_customers
    run(engine, write_csv, "invoices", OPEN_ITEMS)
    # A5 is listed (paid); A1-A4 of C1 are not. C2 is not in the file: not looked at.
    report = run(engine, write_csv, "invoices", _rows(OPEN_ITEMS, "A5"))
    assert report.committed and (report.updated, report.unchanged) == (0, 1)
    assert report.warnings == [
        "4 open invoices of the file's customers are not in the file (A1 of C1: 100.00 USD "
        "open; A2 of C1: 150.00 USD open; A3 of C1: 300.00 USD open and 1 more): "
        + LEFT_OUT_ADVICE]
    # Only said: each keeps its balance, as before.
    assert _invoices(engine)["A2"] == (Decimal("200"), Decimal("150"), "open")
    one = run(engine, write_csv, "invoices", _rows(OPEN_ITEMS, "A1", "A2", "A3", "A5", "B1"))
    assert one.warnings == [
        "1 open invoice of the file's customers is not in the file (A4 of C1: -40.00 USD "
        "open): " + LEFT_OUT_ADVICE]
    assert run(engine, write_csv, "invoices", OPEN_ITEMS).warnings == []
    # A delta export (a new invoice, a changed one) lists nothing again as it was: it
    # leaves out every other invoice of its customers, and is not warned about them.
    delta = (_rows(OPEN_ITEMS, "A2").replace(",150", ",120")
             + "A9,C1,2026-11-01,2026-12-01,50,USD,50,open\n")
    assert OPEN_ITEMS.count(",150") == 1
    report = run(engine, write_csv, "invoices", delta)
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 0)
    assert report.warnings == []


def test_a_bad_row_skipped_still_lists_its_invoice(with_customers, write_csv):
    engine = with_customers
    run(engine, write_csv, "invoices", OPEN_ITEMS)
    report = run(engine, write_csv, "invoices", OPEN_ITEMS.replace(
        "A4,C1,2026-09-04", "A4,C1,2026-02-30"), skip_invalid=True)
    assert report.committed and report.rejected == 1 and report.warnings == []


def test_an_open_items_file_closes_every_open_invoice_it_leaves_out(with_customers,
                                                                   write_csv):
    """--open-items: the file is the ERP's whole list of open invoices. What it leaves out
    is closed as paid in the import's own transaction, of any customer: a disputed invoice
    (the ERP settled it) and a credit note (used) too; a paid one is left as it is."""
    engine = with_customers
    run(engine, write_csv, "invoices", OPEN_ITEMS)
    listed = _rows(OPEN_ITEMS, "A1", "A2").replace("200,USD,150", "200,USD,120")
    before = snapshot(engine)
    dry = run(engine, write_csv, "invoices", listed, open_items=True, dry_run=True)
    assert (dry.closed, dry.updated, dry.unchanged, dry.committed) == (3, 1, 1, False)
    assert snapshot(engine) == before
    report = run(engine, write_csv, "invoices", listed, open_items=True)
    assert report.committed and report.open_items and report.warnings == []
    assert (report.inserted, report.updated, report.unchanged, report.closed) == (0, 1, 1, 3)
    assert _invoices(engine) == {
        "A1": (Decimal("100"), Decimal("100"), "open"),
        "A2": (Decimal("200"), Decimal("120"), "open"),
        "A3": (Decimal("300"), Decimal("0"), "paid"),
        "A4": (Decimal("-40"), Decimal("0"), "paid"),
        "A5": (Decimal("500"), Decimal("0"), "paid"),
        "B1": (Decimal("70"), Decimal("0"), "paid")}
    with engine.connect() as conn:
        entry = conn.execute(select(AuditRow.__table__).order_by(AuditRow.id.desc())).first()
    assert entry.action == "import.invoices"
    assert entry.details == {"file": str(report.file), "rows": 2, "inserted": 0,
                             "updated": 1, "unchanged": 1, "rejected": 0,
                             "open_items": True, "closed": 3}
    again = run(engine, write_csv, "invoices", listed, open_items=True)
    assert (again.closed, again.unchanged) == (0, 2)


def test_an_open_items_file_keeps_open_what_its_skipped_bad_rows_name(with_customers,
                                                                     write_csv, tmp_path):
    engine = with_customers
    run(engine, write_csv, "invoices", OPEN_ITEMS)
    bad = _rows(OPEN_ITEMS, "A1", "A2", "A3", "A4", "B1").replace("A2,C1,2026-09-02",
                                                                  "A2,C1,2026-02-30")
    report = run(engine, write_csv, "invoices", bad, open_items=True, skip_invalid=True)
    assert (report.rejected, report.closed) == (1, 0)
    assert _invoices(engine)["A2"] == (Decimal("200"), Decimal("150"), "open")
    # A bad row whose invoice cannot be told: whichever it is would be closed.
    before = snapshot(engine)
    with pytest.raises(OpenItemsRefused) as refused:
        run(engine, write_csv, "invoices", bad.replace("A2,C1", ",C1"), open_items=True,
            skip_invalid=True)
    assert str(refused.value) == (
        f"{tmp_path / 'invoices.csv'}: line 3 has no invoice_id creditbot can read, so what "
        "an open-items file leaves out cannot be told (that invoice would be closed); "
        "nothing was imported. Fix the row, then import the file again.")
    assert snapshot(engine) == before


def test_an_open_items_file_that_would_close_most_open_invoices_is_refused_unless_forced(
        with_customers, write_csv, tmp_path):
    """A file cut short, or the wrong export, would have closed the whole ledger."""
    engine = with_customers
    run(engine, write_csv, "invoices", OPEN_ITEMS_HEADER + "".join(
        f"N{n},C1,2026-09-01,2026-10-01,10,USD,10,open\n" for n in range(22)))
    before = snapshot(engine)
    # Half of them is an ordinary day's payments (dry run: nothing changes).
    half = run(engine, write_csv, "invoices", OPEN_ITEMS_HEADER + "".join(
        f"N{n},C1,2026-09-01,2026-10-01,10,USD,10,open\n" for n in range(11)),
        open_items=True, dry_run=True)
    assert half.closed == 11
    cut_short = OPEN_ITEMS_HEADER + "N0,C1,2026-09-01,2026-10-01,10,USD,10,open\n"
    for dry_run in (True, False):
        with pytest.raises(OpenItemsRefused) as refused:
            run(engine, write_csv, "invoices", cut_short, open_items=True, dry_run=dry_run)
        assert str(refused.value) == (
            f"{tmp_path / 'invoices.csv'}: as the ERP's whole list of open invoices, this "
            "file would close 21 of the 22 open invoices, more than half of them: a file cut "
            "short, or another export than the open items? Nothing was imported. If the ERP "
            "did settle them, import it again with --force-close.")
    assert snapshot(engine) == before
    forced = run(engine, write_csv, "invoices", cut_short, open_items=True, force_close=True)
    assert forced.committed and forced.closed == 21
    # A handful is no sign of a wrong file, whatever its share.
    run(engine, write_csv, "invoices", OPEN_ITEMS_HEADER + "".join(
        f"N{n},C1,2026-09-01,2026-10-01,10,USD,10,open\n" for n in range(11)))
    few = run(engine, write_csv, "invoices", cut_short, open_items=True)
    assert few.closed == 10


LOCAL_NAMES = """customer_id,name,name_local,currency,credit_limit,payment_terms_days
C1,Acme Corp,阿克米（中国）有限公司,USD,100000,30
C2,Beta GmbH,,EUR,50000.50,45
"""


def _names(engine):
    with engine.connect() as conn:
        return conn.execute(select(CustomerRow.customer_id, CustomerRow.name_local,
                                   CustomerRow.name_local_key).order_by(CustomerRow.customer_id)
                            ).all()


def test_local_names_import_with_their_lookup_keys(with_customers, write_csv):
    engine = with_customers
    report = run(engine, write_csv, "customers", LOCAL_NAMES)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    assert _names(engine) == [("C1", "阿克米（中国）有限公司", "阿克米 中国 有限公司"),
                              ("C2", None, None)]
    again = run(engine, write_csv, "customers", LOCAL_NAMES)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)


def test_a_reimport_without_local_names_leaves_them_and_their_keys_alone(with_customers,
                                                                          write_csv):
    engine = with_customers
    run(engine, write_csv, "customers", LOCAL_NAMES)
    report = run(engine, write_csv, "customers", CUSTOMERS)
    assert (report.updated, report.unchanged) == (0, 2)
    assert _names(engine)[0] == ("C1", "阿克米（中国）有限公司", "阿克米 中国 有限公司")
    # A blank cell in the column, though, says the customer has none.
    run(engine, write_csv, "customers", LOCAL_NAMES.replace("阿克米（中国）有限公司", ""))
    assert _names(engine) == [("C1", None, None), ("C2", None, None)]


BAD_INVOICES = """invoice_id,customer_id,issue_date,due_date,amount,currency
I9,C1,2026-02-30,2026-03-01,1,USD
I10,C9,2026-01-01,2026-03-01,1,USD
I11,C1,2026-01-01,2026-03-01,"1,2.3",USD
I12,C1,2026-01-01,2026-03-01,5,USD
I12,C1,2026-01-01,2026-03-01,5,USD
I13,C1,2026-01-01,2026-03-01,5.555,USD
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
    assert ("duplicate invoice_id I12 (the same as line 5 in every column read: if it was "
            "exported twice, delete one)") in messages[3]
    assert report.rejected == 5


# U+2028 and U+2029: a line break by another name, which a log line or a terminal broke at.
@pytest.mark.parametrize("control", ["\x1b", "\x07", "\x01", "\n", "\r", "\x7f", "\x85",
                                     "\x9b", "\u2028", "\u2029"])
def test_a_text_cell_with_a_control_character_is_a_bad_row(engine, write_csv, control):
    content = ("customer_id,name,currency,credit_limit,payment_terms_days\n"
               f'C1,"Acme{control}[31mRed",USD,1000,30\nC2,Tab\tCo,USD,1000,30\n')
    report = run(engine, write_csv, "customers", content)
    assert not report.committed
    assert [str(e) for e in report.errors] == [
        f"line 2, column name: contains a control character (U+{ord(control):04X}); "
        "remove it"]


def test_a_row_exported_twice_is_said_to_be_the_same_row(with_customers, write_csv):
    # An ERP that wrote a row twice: deleting either is the whole fix, and said so. A row
    # that differs, or whose first is itself bad, keeps the plain wording.
    content = ("invoice_id,customer_id,issue_date,due_date,amount,currency\n"
               "I1,C1,2026-01-01,2026-02-01,10.00,USD\n"
               "I2,C1,2026-01-01,2026-02-01,10.00,USD\n"
               "I1,C1,2026-01-01,2026-02-01,10,USD\n"
               "I2,C1,2026-01-01,2026-02-01,11.00,USD\n"
               "I3,C1,2026-01-01,2026-02-01,x,USD\n"
               "I3,C1,2026-01-01,2026-02-01,x,USD\n")
    report = run(with_customers, write_csv, "invoices", content)
    assert [str(e) for e in report.errors] == [
        "line 4, column invoice_id: duplicate invoice_id I1 (the same as line 2 in every "
        "column read: if it was exported twice, delete one)",
        "line 5, column invoice_id: duplicate invoice_id I2 (first on line 3)",
        "line 6, column amount: “x” is not an amount: write digits with an optional “.” and "
        "decimals, no thousands separators or currency signs (e.g. 1234.50)",
        "line 7, column invoice_id: duplicate invoice_id I3 (first on line 6)",
        "line 7, column amount: “x” is not an amount: write digits with an optional “.” and "
        "decimals, no thousands separators or currency signs (e.g. 1234.50)"]


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
        # Said to lack every column but the first, whose name held the tabs.
        (b"invoice_id\tcustomer_id\tissue_date\nI1\tC1\t2026-01-01\n",
         "the columns are separated by tabs, creditbot reads “,”. Export it from the ERP or "
         "spreadsheet as “CSV UTF-8 (comma delimited)”."),
    ],
)
def test_unreadable_files_are_refused_up_front(write_csv, content, reason):
    path = write_csv("bad.csv", content)
    with pytest.raises(ImportFileError, match=re.escape(reason)):
        CsvFile(path)


def test_excels_separator_line_is_no_header(with_customers, write_csv):
    # "sep=," (Excel's hint, written first) was the header: "this header has: sep=".
    engine = with_customers
    report = run(engine, write_csv, "invoices",
                 "sep=,\r\n" + INVOICES.replace("\n", "\r\n"))
    assert report.committed and report.inserted == len(INVOICES.splitlines()) - 1
    path = write_csv("semi.csv", "sep=;\ninvoice_id;customer_id\nI1;C1\n")
    with pytest.raises(ImportFileError) as refused:
        CsvFile(path)
    assert str(refused.value) == (
        f"{path}: its first line, sep=;, says the columns are separated by “;”; creditbot "
        "reads “,”. Export it from the ERP or spreadsheet as “CSV UTF-8 (comma delimited)”.")


def test_a_non_utf8_file_is_refused_and_nothing_is_written(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    content = INVOICES.encode() + "I5,C1,2026-01-01,2026-02-01,1,USD,,,Müller\n".encode("latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        run(engine, write_csv, "invoices", content)
    assert snapshot(engine) == before


def test_a_value_over_the_csv_limit_is_refused_with_what_it_means(with_customers, write_csv,
                                                                  tmp_path):
    # Python's "field larger than field limit (131072)" said neither what nor why.
    engine = with_customers
    before = snapshot(engine)
    content = ("invoice_id,customer_id,issue_date,due_date,amount,currency,memo\n"
               f"I1,C1,2026-10-01,2026-10-31,100,USD,{'x' * 200_000}\n")
    with pytest.raises(ImportFileError) as refused:
        run(engine, write_csv, "invoices", content)
    assert str(refused.value) == (
        f"{tmp_path / 'invoices.csv'}, line 2: a value is longer than 131,072 characters, "
        "more than any column of an ERP export holds: a quote left open, or a file that is "
        "not this kind's CSV export; check the line in the file")
    assert snapshot(engine) == before


@pytest.mark.parametrize("skip_invalid", [False, True])
def test_a_quote_left_open_in_a_column_nobody_imports_refuses_the_file(
        with_customers, write_csv, tmp_path, skip_invalid):
    # The memo's ""48"" x 40"" lost its closing quote: the five rows after it would be
    # read as the rest of that memo and vanish, the import saying "1 row read".
    engine = with_customers
    before = snapshot(engine)
    content = ("invoice_id,customer_id,issue_date,due_date,amount,currency,memo\n"
               'I1,C1,2026-10-01,2026-10-31,100,USD,"pallets 48"" x 40""\n'
               + "".join(f"I{n},C1,2026-10-01,2026-10-31,50000,USD,\n" for n in range(2, 6))
               + 'I6,C1,2026-10-01,2026-10-31,100,USD,"ok"\n')
    with pytest.raises(ImportFileError) as refused:
        run(engine, write_csv, "invoices", content, skip_invalid=skip_invalid)
    assert str(refused.value) == (
        f"{tmp_path / 'invoices.csv'}, line 2: a quoted value opens on this line and runs on "
        "to line 7, over 5 lines shaped like rows of their own, which would be lost if its "
        "quote (\") was left open. If so, close it, or write a quote inside a value twice, "
        "as in \"48\"\" x 40\"\"\"; if the value does hold those lines, leave its column "
        "out of the export. Nothing was imported")
    assert snapshot(engine) == before
    # Rows that stop after their last required column are rows too.
    short = ("invoice_id,customer_id,issue_date,due_date,amount,currency,status,memo\n"
             'I1,C1,2026-10-01,2026-10-31,100,USD,open,"pallets 48 x 40\n'
             "I2,C1,2026-10-01,2026-10-31,50000,USD\n")
    with pytest.raises(ImportFileError, match="over 1 line shaped like a row of its own"):
        run(engine, write_csv, "invoices", short, skip_invalid=skip_invalid)
    assert snapshot(engine) == before
    # A value that only holds a line break (an address, a note) is still a value.
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency,memo\n"
                 'I1,C1,2026-10-01,2026-10-31,100,USD,"Room 5, Bldg 2\nShanghai, China"\n'
                 "I2,C1,2026-10-01,2026-10-31,100,USD,\n")
    assert (report.inserted, report.rejected) == (2, 0)


def test_a_file_cut_off_as_it_was_written_is_refused_or_warned_of(with_customers, write_csv,
                                                                  tmp_path):
    # Read by cron while the ERP still wrote it: "Acme, Inc" and payment terms 3 for 30
    # were imported without a word.
    engine = with_customers
    before = snapshot(engine)
    with pytest.raises(ImportFileError) as cut:
        run(engine, write_csv, "customers",
            "customer_id,currency,credit_limit,payment_terms_days,name\n"
            'Z1,USD,1000,30,Zed Ltd\nZ2,USD,1000,30,"Acme, Inc')
    assert str(cut.value) == (
        f"{tmp_path / 'customers.csv'}, line 3: a quoted value opens here and the file ends "
        "before it closes: was the file still being written when it was read? Import it "
        "again once the export is complete. Nothing was imported")
    assert snapshot(engine) == before
    # A last row without its line break cannot be told from a whole one: said, imported.
    report = run(engine, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days\n"
                 "Z3,Zed Three,USD,250000,3")
    # (The CLI says the file before each warning: not said twice.)
    assert report.committed and report.warnings == [
        "line 2: the file ends without a line break after this row; if the export was "
        "still being written when it was read, its last value may be cut short: check it"]
    report = run(engine, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days\r\n"
                 "Z3,Zed Three,USD,250000,30\r\n")
    assert report.committed and report.warnings == []
    # Cut inside a character: it was told to export as CSV UTF-8.
    with pytest.raises(ImportFileError) as cut:
        run(engine, write_csv, "customers",
            ("customer_id,currency,credit_limit,payment_terms_days,name\n"
             "Z4,CNY,1000,30,深圳明亮之星电子有限公司").encode()[:-2])
    assert str(cut.value) == (
        f"{tmp_path / 'customers.csv'}, line 2: the file ends in the middle of a character: "
        "was it still being written when it was read? Import it again once the export is "
        "complete. Nothing was imported")


def test_a_wrong_header_is_refused_before_any_write(with_customers, write_csv):
    with pytest.raises(HeaderError) as refused:
        run(with_customers, write_csv, "invoices", "id,amount\n1,2\n")
    # It said "A invoices file needs".
    assert str(refused.value) == (
        "missing required column(s): invoice_id, customer_id, issue_date, due_date, "
        "currency. The invoices file needs invoice_id, customer_id, issue_date, due_date, "
        "amount, currency; this header has: id, amount")


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


# --- every problem of a row, in one pass -------------------------------------------

ALL_AT_ONCE = """invoice_id,customer_id,issue_date,due_date,amount,currency
I1,C1,2026-01-01,2026-02-01,10,USD
I1,C9,2026-02-30,2026-01-01,1.234,USD
I2,C1,2026-03-01,2026-02-01,x,EURO
"""


def test_a_customer_id_in_other_capitals_names_the_one_the_erp_has(with_customers,
                                                                     write_csv):
    """"c1" was "not a known customer (import customers first)": C1 is there."""
    report = run(with_customers, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                 "I1,c1,2026-01-01,2026-02-01,10,USD\n")
    assert [str(e) for e in report.errors] == [
        "line 2, column customer_id: “c1” is not a known customer; C1 is: ids are matched "
        "exactly, capitals included"]


def test_each_bad_row_lists_all_its_problems_with_the_file_and_database_ones(
        with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, "invoices", ALL_AT_ONCE)
    assert [str(e) for e in report.errors] == [
        "line 3, column invoice_id: duplicate invoice_id I1 (first on line 2)",
        "line 3, column customer_id: “C9” is not a known customer (import customers first)",
        "line 3, column issue_date: “2026-02-30” is not a real calendar date",
        "line 3, column amount: “1.234” has more decimals than USD allows (2); round it to 1.23",
        "line 4, column due_date: is before issue_date",
        "line 4, column amount: “x” is not an amount: write digits with an optional “.” and "
        "decimals, no thousands separators or currency signs (e.g. 1234.50)",
        "line 4, column currency: “EURO” is not an ISO 4217 currency code (e.g. USD, EUR, CNY)",
    ]
    assert (report.rejected, report.error_count, report.committed) == (2, 7, False)
    assert snapshot(engine) == before
    skipped = run(engine, write_csv, "invoices", ALL_AT_ONCE, skip_invalid=True)
    assert skipped.committed and (skipped.inserted, skipped.rejected) == (1, 2)


def test_an_erp_placeholder_for_an_empty_date_is_refused_not_aged(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                 "I1,C1,0001-01-01,1900-01-01,10,USD\n"
                 "I2,C1,1970-01-01,1970-01-02,10,USD\n")
    assert [str(e) for e in report.errors] == [
        "line 2, column issue_date: 0001-01-01 is not after 1970-01-01: an ERP's "
        "placeholder for an empty date, not a date; export the real date",
        "line 2, column due_date: 1900-01-01 is not after 1970-01-01: an ERP's placeholder "
        "for an empty date, not a date; export the real date",
        "line 3, column issue_date: 1970-01-01 is not after 1970-01-01: an ERP's "
        "placeholder for an empty date, not a date; export the real date"]
    assert snapshot(engine) == before


def test_the_first_problems_are_listed_in_line_order_and_all_are_counted(
        with_customers, write_csv):
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency"]
    lines += [f"I{n},NOPE,2026-01-01,2026-02-01,x,USD" for n in range(30)]
    path = write_csv("many.csv", "\n".join(lines))
    with CsvFile(path) as source:
        report = CsvImporter(with_customers, error_cap=5).run(KINDS["invoices"], source)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "customer_id"), (2, "amount"), (3, "customer_id"), (3, "amount"), (4, "customer_id")]
    assert (report.error_count, report.rejected) == (60, 30)


# --- references to other rows --------------------------------------------------------

def test_a_payment_must_name_a_known_invoice_of_its_own_customer(with_customers, write_csv):
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed  # I1, I2: C1; I3: C2
    content = ("payment_id,customer_id,date,amount,currency,invoice_id\n"
               "P1,C1,2026-11-02,10,USD,I1\n"
               "P2,C1,2026-11-02,10,USD,I9\n"
               "P3,C1,2026-11-02,10,EUR,I3\n"
               "P4,C2,2026-11-02,10,EUR,\n"
               "P5,C2,2026-11-02,-3,EUR,I404\n")
    before = snapshot(engine)
    report = run(engine, write_csv, "payments", content)
    assert [str(e) for e in report.errors] == [
        "line 3, column invoice_id: “I9” is not a known invoice (import invoices first)",
        "line 4, column invoice_id: invoice I3 belongs to customer C2, not C1",
        "line 6, column amount: must be greater than 0, got -3",
        "line 6, column invoice_id: “I404” is not a known invoice (import invoices first)",
    ]
    assert report.rejected == 3 and not report.committed and snapshot(engine) == before
    skipped = run(engine, write_csv, "payments", content, skip_invalid=True)
    assert skipped.committed and skipped.inserted == 2
    with engine.connect() as conn:
        assert conn.execute(select(PaymentRow.payment_id).order_by(PaymentRow.payment_id)
                            ).scalars().all() == ["P1", "P4"]


def test_a_new_customer_id_differing_only_in_case_is_imported_with_a_warning(
        with_customers, write_csv):
    # C1 is known: "c1" is a second customer, which an ERP rarely means.
    report = run(with_customers, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days\n"
                 "C1,Acme Corp,USD,100000,30\n"     # itself: no twin
                 "c1,lower-case Acme,USD,5,30\n"
                 "C3,Gamma,USD,5,30\n"
                 "c3,gamma again,USD,5,30\n"
                 "B2,Beta again,EUR,5,30\n"      # C2's digit, not its case: no twin
                 "Ｃ3,full-width Gamma,USD,5,30\n")  # typed as C3 by anyone: a twin too
    assert report.committed and report.inserted == 5
    assert report.warnings == [
        "3 new customer ids differ from another only in letter case, width or look-alike "
        "letters (line 3, c1 beside C1; line 5, c3 beside C3; line 7, Ｃ3 beside C3): "
        "creditbot keeps them as separate customers; if they are one, correct the id in "
        "the ERP"]
    again = run(with_customers, write_csv, "customers",
                "customer_id,name,currency,credit_limit,payment_terms_days\n"
                "c1,lower-case Acme,USD,5,30\n")
    assert again.warnings == []  # known now: told once, when it came


def test_a_new_customer_id_of_another_alphabets_look_alike_letters_is_named(
        with_customers, write_csv):
    # "С2" with a Cyrillic Es went in silently beside C2: every card shows it as C2.
    report = run(with_customers, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days\n"
                 "\u04212,Cyrillic Beta,EUR,5,30\n"
                 "AB,Latin AB,USD,5,30\n"
                 "\u0391\ua4d0,Greek and Lisu AB,USD,5,30\n"  # a Greek Alpha, a Lisu Be
                 # One alphabet's own, or words of two: they read as nothing else.
                 "Ромашка-7,Romashka,USD,5,30\n"
                 "RU-Ромашка-7,Romashka RU,USD,5,30\n"
                 "ΩmegaCorp,Omega,USD,5,30\n")
    assert report.committed and report.inserted == 6
    assert report.warnings == [
        "2 new customer ids differ from another only in letter case, width or look-alike "
        "letters (line 2, \u04212 beside C2; line 4, \u0391\ua4d0 beside AB): creditbot "
        "keeps them as separate customers; if they are one, correct the id in the ERP"]


def test_a_customer_named_with_another_customers_id_is_named(with_customers, write_csv):
    # X005 named "C2" came in silently; the digest's "• C2 (X005) — $5,000.00 overdue"
    # read as the real C2's line.
    header = "customer_id,name,currency,credit_limit,payment_terms_days\n"
    report = run(with_customers, write_csv, "customers", header +
                 "X005,C2,USD,5,30\n"        # a stored customer's id
                 "X006, c1 ,USD,5,30\n"      # as people type it: read case-blind
                 "X007,X008,USD,5,30\n"      # an id of the same file
                 "X008,Acme Corp,USD,5,30\n"
                 "X009,X009,USD,5,30\n")     # its own id: nobody else's
    assert report.committed and report.inserted == 5
    assert report.warnings == [
        "3 customers are named with another customer's id (line 2, X005 named C2; line 3, "
        "X006 named c1; line 4, X007 named X008): lists and digests show the name first, "
        "and read as that customer; give it its company name in the ERP"]
    # Known and not renamed: told once, when it came.
    assert run(with_customers, write_csv, "customers", header + "X005,C2,USD,5,30\n"
               ).warnings == []


def test_overlapping_contracts_of_one_customer_are_imported_with_a_warning(
        with_customers, write_csv):
    header = "contract_id,customer_id,start_date,end_date,payment_terms_days\n"
    assert run(with_customers, write_csv, "contracts",
               header + "K1,C1,2026-01-01,2026-12-31,30\n").warnings == []
    report = run(with_customers, write_csv, "contracts", header +
                 "K2,C1,2026-12-01,2027-12-31,30\n"    # overlaps K1 (stored) in December
                 "K3,C1,2028-01-01,2028-12-31,30\n"    # after both: fine
                 "K4,C2,2026-01-01,2026-12-31,30\n"    # another customer: fine
                 "K5,C2,2026-06-01,2026-06-30,30\n")   # inside K4, in the same file
    assert report.committed and report.inserted == 4
    assert report.warnings == [
        "2 overlaps between contracts of the same customer (line 2, K2 with K1; line 4, K4 "
        "with K5): an order that names no contract is checked against the one valid on its "
        "date that ends last; check the dates in the ERP"]
    # One contract of the file overlapping two stored ones: two overlaps (it said "2
    # contracts overlap" of a file of one).
    assert run(with_customers, write_csv, "contracts", header +
               "K6,C1,2026-06-01,2027-06-30,30\n").warnings == [
        "2 overlaps between contracts of the same customer (line 2, K6 with K1; line 2, K6 "
        "with K2): an order that names no contract is checked against the one valid on its "
        "date that ends last; check the dates in the ERP"]
    # Imported again unchanged: still two in force at once, still said.
    assert len(run(with_customers, write_csv, "contracts", header +
                   "K2,C1,2026-12-01,2027-12-31,30\n").warnings) == 1


def test_a_payment_above_its_invoice_is_imported_with_a_warning(with_customers, write_csv):
    # A digit too many in the ERP: imported (the ERP is the record), but never unseen.
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed  # I1 1000.10 USD, I2 2000 EUR
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 "P1,C1,2026-11-02,1000.10,USD,I1\n"   # exactly the invoice: fine
                 "P2,C1,2026-11-02,10001.00,USD,I1\n"
                 "P3,C1,2026-11-02,2000.01,EUR,I2\n"
                 "P4,C1,2026-11-02,5000,USD,I2\n"      # another currency: named apart
                 "P5,C1,2026-11-02,99999999,USD,I1\n"
                 "P6,C1,2026-11-02,1000.11,USD,I1\n")
    assert report.committed and report.inserted == 6
    assert report.warnings == [
        "4 payments are more than the invoices they pay (line 3, P2 of 10001.00 USD for I1 "
        "of 1000.10 USD; line 4, P3 of 2000.01 EUR for I2 of 2000.00 EUR; line 6, P5 of "
        "99999999.00 USD for I1 of 1000.10 USD and 1 more): check them in the ERP; the "
        "collection metrics count each payment at most as its invoice's amount",
        "1 payment is in another currency than the invoice it pays (line 5, P4 of 5000.00 "
        "USD for I2 in EUR): check them in the ERP; the collection metrics count each as "
        "what the invoices export shows settled of its invoice, in the invoice's currency"]
    one = run(engine, write_csv, "payments",
              "payment_id,customer_id,date,amount,currency,invoice_id\n"
              "P1,C1,2026-11-02,1000.10,USD,I1\nP2,C1,2026-11-02,1000.20,USD,I1\n")
    assert one.warnings == [
        "1 payment is more than the invoice it pays (line 3, P2 of 1000.20 USD for I1 of "
        "1000.10 USD): check them in the ERP; the collection metrics count each payment at "
        "most as its invoice's amount"]


def test_a_credit_note_is_imported_and_a_refund_above_it_is_named(with_customers,
                                                                  write_csv):
    # A credit note was refused as "is negative": the reports' rules for them (current,
    # in the AR, at the current rate) could not be reached from an ERP at all.
    engine = with_customers
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
                 "CN1,C1,2026-11-20,2026-11-20,-300.00,USD,-300.00\n"
                 "CN2,C1,2026-11-21,2026-11-21,-50.00,USD,0\n")
    assert report.committed and report.inserted == 2
    with engine.connect() as conn:
        assert conn.execute(select(InvoiceRow.invoice_id, InvoiceRow.amount,
                                   InvoiceRow.open_amount).order_by(InvoiceRow.invoice_id)
                            ).all() == [("CN1", Decimal("-300.00"), Decimal("-300.00")),
                                        ("CN2", Decimal("-50.00"), Decimal("0.00"))]
    refunds = run(engine, write_csv, "payments",
                  "payment_id,customer_id,date,amount,currency,invoice_id\n"
                  "R1,C1,2026-11-25,300.00,USD,CN1\nR2,C1,2026-11-25,500.00,USD,CN2\n")
    assert refunds.committed
    assert refunds.warnings == [
        "1 payment is more than the invoice it pays (line 3, R2 of 500.00 USD for CN2 of "
        "-50.00 USD): check them in the ERP; the collection metrics count each payment at "
        "most as its invoice's amount",
        # CN1 is still open in full: the invoices export has not seen its refund.
        "1 invoice shows less settled than the file's payments on it (CN1 of -300.00 USD "
        "shows -300.00 open, the file pays 300.00 on it): the invoices export is older "
        "than the payments, or a payment names the wrong invoice. Import the invoices "
        "exported after these payments: until then the check card, alerts and worklists "
        "show what the invoices show open, and the collection metrics count each payment "
        "at most as what its invoice shows settled"]


def test_a_payment_in_another_currency_than_its_invoice_is_named(with_customers, write_csv):
    # 5,000 EUR on an invoice of 1,000.10 USD passed both payment warnings unseen.
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed  # I1 1000.10 USD, I2 2000 EUR
    assert run(engine, write_csv, "rates", GOOD["rates"]).committed
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 "P1,C1,2026-11-21,5000,EUR,I1\nP2,C1,2026-11-21,100,EUR,I2\n")
    assert report.committed
    assert report.warnings == [
        "1 payment is in another currency than the invoice it pays (line 2, P1 of 5000.00 "
        "EUR for I1 in USD): check them in the ERP; the collection metrics count each as "
        "what the invoices export shows settled of its invoice, in the invoice's currency"]


def test_an_invoice_turned_into_a_credit_note_or_back_is_named(with_customers, write_csv):
    # Silent before: the payments on it turned into refunds in the collection metrics.
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed  # I1 1000.10 USD, I2 2000 EUR
    assert run(engine, write_csv, "invoices",
               "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
               "CN1,C1,2026-11-20,2026-11-20,-300.00,USD\n").committed
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                 "I1,C1,2026-01-01,2026-03-01,-1000.10,USD\n"
                 "CN1,C1,2026-11-20,2026-11-20,300.00,USD\n"
                 "I9,C1,2026-11-20,2026-12-20,-5.00,USD\n"   # new: nothing to compare
                 "I2,C1,2026-09-01,2026-09-30,2000,EUR\n")   # as it was
    assert report.committed
    assert report.warnings == [
        "2 invoices change sign (line 2, I1 from 1000.10 to -1000.10 USD; line 3, CN1 from "
        "-300.00 to 300.00 USD): an invoice became a credit note or the reverse, and the "
        "payments on it now count the other way in the collection metrics; check them in "
        "the ERP"]


def test_a_date_decades_ahead_is_named_as_a_likely_placeholder(with_customers, write_csv):
    # 9999-12-31, an ERP's "no date", was taken silently: an invoice due then never
    # becomes overdue and no alert or collector ever sees it. Still imported: a contract
    # or a plan may mean it.
    engine = with_customers
    report = run(engine, write_csv, "invoices",
                 "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                 "I1,C1,2026-11-01,9999-12-31,100,USD\n"
                 "I2,C1,2026-11-01,2026-12-01,100,USD\n"
                 "I3,C1,2099-01-01,2099-02-01,100,USD\n")
    assert report.committed and report.inserted == 3
    assert report.warnings == [
        "1 invoice has its issue_date more than 10 years ahead (line 4, I3: 2099-01-01): an "
        "ERP's placeholder for an empty date? Issued after the report date, it is in no "
        "aging, report or provision; export the real date",
        "2 invoices have their due_date more than 10 years ahead (line 2, I1: 9999-12-31; "
        "line 4, I3: 2099-02-01): an ERP's placeholder for an empty date? An invoice due "
        "then never becomes overdue, and no alert or collector will see it; export the real "
        "date"]
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 "P1,C1,9999-12-31,10,USD,\n")
    assert report.committed and report.warnings == [
        "1 payment has its date more than 10 years ahead (line 2, P1: 9999-12-31): an ERP's "
        "placeholder for an empty date? A payment dated then counts in no month the "
        "collection reports show; export the real date"]
    report = run(engine, write_csv, "contracts",
                 "contract_id,customer_id,start_date,end_date,payment_terms_days\n"
                 "K9,C1,2026-01-01,9999-12-31,30\n")
    assert report.committed and report.warnings == []  # "no end", on purpose


def test_an_order_must_name_a_known_contract_of_its_own_customer(with_customers, write_csv):
    engine = with_customers
    assert run(engine, write_csv, "contracts", GOOD["contracts"]).committed  # K1: C1, K2: C2
    content = ("order_id,customer_id,order_date,amount,currency,contract_id\n"
               "O1,C1,2026-11-01,5,USD,K1\n"
               "O2,C1,2026-11-01,5,USD,K2\n"
               "O3,C2,2026-11-01,5,EUR,K7\n"
               "O4,C2,2026-11-01,5,EUR,\n")
    report = run(engine, write_csv, "orders", content)
    assert [str(e) for e in report.errors] == [
        "line 3, column contract_id: contract K2 belongs to customer C2, not C1",
        "line 4, column contract_id: “K7” is not a known contract (import contracts first)",
    ]
    assert report.rejected == 2 and not report.committed
    skipped = run(engine, write_csv, "orders", content, skip_invalid=True)
    assert skipped.inserted == 2
    with engine.connect() as conn:
        assert conn.execute(select(OrderRow.order_id).order_by(OrderRow.order_id)
                            ).scalars().all() == ["O1", "O4"]


# --- files with nothing in them ------------------------------------------------------

@pytest.mark.parametrize("content", [
    "payment_id,customer_id,date,amount,currency\n",
    "payment_id,customer_id,date,amount,currency\r\n\r\n,,,,\n",
])
def test_a_header_without_rows_is_a_warning_not_a_failure(with_customers, write_csv, tmp_path,
                                                           content):
    report = run(with_customers, write_csv, "payments", content)
    assert report.committed and (report.rows_read, report.inserted, report.rejected) == (0, 0, 0)
    assert report.warnings == [
        "the file has a header but no data rows: nothing to import"]


# --- exchange rates ------------------------------------------------------------------

def test_rows_in_a_currency_without_a_rate_are_imported_with_a_warning(with_customers,
                                                                       write_csv):
    engine = with_customers
    assert run(engine, write_csv, "rates", "date,currency,rate_to_base\n2026-11-01,EUR,1.08\n"
               ).committed
    content = ("invoice_id,customer_id,issue_date,due_date,amount,currency\n"
               "I1,C1,2026-11-01,2026-12-01,10,USD\n"
               "I2,C1,2026-11-01,2026-12-01,10,EUR\n"
               "I3,C1,2026-11-01,2026-12-01,10,GBP\n"
               "I4,C2,2026-11-01,2026-12-01,10,GBP\n"
               "I5,C2,2026-11-01,2026-12-01,1200,JPY\n")
    report = run(engine, write_csv, "invoices", content, base_currency="USD")
    assert report.committed and report.inserted == 5
    assert report.warnings == [
        "2 invoices are in GBP, which has no exchange rate to USD: "
        + without_rate("GBP", "C1; C2"),
        "1 invoice is in JPY, which has no exchange rate to USD: " + without_rate("JPY", "C2"),
    ]
    assert run(engine, write_csv, "invoices", content).warnings == []  # no base currency given
    assert run(engine, write_csv, "rates", "date,currency,rate_to_base\n2026-11-01,GBP,1.27\n"
               "2026-11-01,JPY,0.0066\n").committed
    assert run(engine, write_csv, "invoices", content, base_currency="USD").warnings == []


def test_the_warning_counts_only_the_rows_imported(with_customers, write_csv):
    content = ("invoice_id,customer_id,issue_date,due_date,amount,currency\n"
               "I1,C1,2026-11-01,2026-12-01,10,GBP\n"
               "I1,C1,2026-11-01,2026-12-01,10,GBP\n"  # a duplicate: dropped
               "I2,C9,2026-11-01,2026-12-01,10,GBP\n"  # an unknown customer: dropped
               "I3,C1,2026-11-01,2026-12-01,x,GBP\n"  # not an amount: dropped
               "I4,C2,2026-11-01,2026-12-01,10,GBP\n")
    report = run(with_customers, write_csv, "invoices", content, base_currency="USD",
                 skip_invalid=True)
    assert report.committed and (report.inserted, report.rejected) == (2, 3)
    assert report.warnings == [
        "2 invoices are in GBP, which has no exchange rate to USD: "
        + without_rate("GBP", "C1; C2")]


def test_the_warning_names_three_customers_and_counts_the_rest():
    from domain.imports import KINDS
    from storage.import_warnings import no_rate_warning

    ids = [f"C{n}" for n in range(1, 7)]
    assert no_rate_warning(KINDS["invoices"], "GBP", 9, "USD", ids) == (
        "9 invoices are in GBP, which has no exchange rate to USD: "
        + without_rate("GBP", "C1; C2; C3 and 3 more"))


def test_customers_in_a_currency_without_a_rate_get_a_warning(engine, write_csv):
    report = run(engine, write_csv, "customers", CUSTOMERS, base_currency="USD")
    assert report.committed and report.warnings == [
        "1 customer is in EUR, which has no exchange rate to USD: " + without_rate("EUR")]


def without_rate(currency: str, stopped: str = "") -> str:
    """The warning's advice; ``stopped``: the customers whose own checks need the rate."""
    if stopped:
        stopped = (f"; until it is imported, the checks, orders and requests of {stopped} "
                   f"(whose own currency is not {currency}) answer only that the {currency} "
                   "rate is missing")
    return (f"amounts in {currency} are computed as they are, but converting them into USD "
            "(portfolio totals, group positions, a customer whose limit is in another "
            f"currency) needs one{stopped}; import it, e.g. `creditbot import rates rates.csv`")


def test_a_rate_that_jumps_from_the_last_is_warned_about(engine, write_csv):
    # TRY moves too fast for a rough worth (domain.rough_rates): the last rate is the only
    # measure; JPY at a fifth of its last is still within its rough worth.
    assert run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
               "2026-10-01,TRY,0.03\n2026-10-01,JPY,0.0066\n2026-10-01,EUR,1.08\n",
               base_currency="USD").warnings == []
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                 "2026-11-01,TRY,0.2\n2026-11-01,JPY,0.00131\n2026-11-01,EUR,1.10\n",
                 base_currency="USD")
    assert report.committed and report.warnings == [
        "the JPY rate 0.00131 is 1/5 of the last one (0.0066): rates are USD per 1 JPY",
        "the TRY rate 0.2 is 7× the last one (0.03): rates are USD per 1 TRY"]
    # The next day's rates compare with the ones just imported: nothing to say.
    assert run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
               "2026-11-02,TRY,0.21\n2026-11-02,EUR,1.11\n",
               base_currency="USD").warnings == []


def test_a_rate_far_from_what_its_currency_is_worth_is_a_bad_row(engine, write_csv):
    # Nothing to compare with on a fresh database: "3 inserted (committed)", and every
    # conversion off 50× to 22,000×; then, with the warning beside it, a group's pooled
    # limit of $57,630,400.00 and 38 alerts more.
    rates = ("date,currency,rate_to_base\n2026-11-01,CNY,7.1\n2026-11-01,EUR,0.92\n"
             "2026-11-01,JPY,150\n")
    report = run(engine, write_csv, "rates", rates, base_currency="USD")
    assert [str(e) for e in report.errors] == [
        "line 2, column rate_to_base: 7.1 says 1 CNY = 7.1 USD, 51× what 1 CNY is roughly "
        "worth (0.14 USD): write what 1 CNY is worth in USD; if the file means 1 USD = 7.1 "
        "CNY, write 0.1408",
        "line 4, column rate_to_base: 150 says 1 JPY = 150 USD, 22,388× what 1 JPY is "
        "roughly worth (0.0067 USD): write what 1 JPY is worth in USD; if the file means "
        "1 USD = 150 JPY, write 0.006667"]
    assert not report.committed and count(engine, "exchange_rates") == 0
    # Against EUR, USD is worth about 0.91: 1.1 is right, 0.01 is not; ARS, which moves
    # too fast for a rough worth, is taken as written.
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                 "2026-11-01,USD,0.91\n2026-11-01,KRW,1450\n2026-11-01,ARS,1000\n",
                 base_currency="EUR")
    assert [str(e) for e in report.errors] == [
        "line 3, column rate_to_base: 1450 says 1 KRW = 1450 EUR, 2,215,278× what 1 KRW is "
        "roughly worth (0.0006545 EUR): write what 1 KRW is worth in EUR; if the file means "
        "1 EUR = 1450 KRW, write 0.0006897"]
    skipped = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                  "2026-11-01,USD,0.91\n2026-11-01,KRW,1450\n2026-11-01,ARS,1000\n",
                  base_currency="EUR", skip_invalid=True)
    assert skipped.inserted == 2


def test_rates_against_another_base_are_not_read_and_an_import_against_the_new_one_says_so(
        engine, write_csv):
    # The base in app.yaml changed from EUR to USD after the rates were imported: read as
    # prices in USD, 1 CNY was 0.128 USD and every converted figure was wrong, unsaid.
    run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
        "2026-10-01,USD,0.92\n2026-10-01,CNY,0.128\n2026-11-01,USD,0.93\n",
        base_currency="EUR")
    day = date(2026, 11, 29)
    assert _rates(engine, day, "EUR") == {"USD": Decimal("0.93"), "CNY": Decimal("0.128")}
    assert _rates(engine, day, "USD") == {}
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                 "2026-11-01,CNY,0.1389\n", base_currency="USD")
    assert report.committed and report.warnings == [
        "3 rate(s) on record, up to 2026-11-01, were imported against EUR, not USD "
        "(app.yaml's base currency): they are not read, so a currency priced only in them "
        "has no rate; import its rates against USD"]
    assert _rates(engine, day, "USD") == {"CNY": Decimal("0.1389")}
    # An invoice in EUR now has no rate to USD: said at the import, not converted at 0.93.
    assert run(engine, write_csv, "customers", CUSTOMERS, base_currency="USD").warnings == [
        "1 customer is in EUR, which has no exchange rate to USD: " + without_rate("EUR")]


def test_rates_imported_before_their_base_was_recorded_are_read_until_the_base_changes(
        engine, write_csv):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO exchange_rates (date, currency, rate_to_base) "
                          "VALUES ('2026-09-01', 'CNY', 0.128)"))
    day = date(2026, 11, 29)
    assert _rates(engine, day, "EUR") == {"CNY": Decimal("0.128")}
    run(engine, write_csv, "rates", "date,currency,rate_to_base\n2026-10-01,CNY,0.129\n",
        base_currency="EUR")
    assert _rates(engine, day, "EUR") == {"CNY": Decimal("0.129")}
    # The base changed to USD: the newer CNY rate, against EUR, is not read, and the
    # older one, of before the base was recorded, must not take its place.
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                 "2026-11-01,JPY,0.0066\n", base_currency="USD")
    assert _rates(engine, day, "USD") == {"JPY": Decimal("0.0066")}
    assert report.warnings == [
        "1 rate(s) on record, up to 2026-09-01, were imported before their base was "
        "recorded, and rates against another base than USD (app.yaml's base currency) "
        "since: they are not read, so a currency priced only in them has no rate; import "
        "its rates against USD",
        "1 rate(s) on record, up to 2026-10-01, were imported against EUR, not USD "
        "(app.yaml's base currency): they are not read, so a currency priced only in them "
        "has no rate; import its rates against USD"]


def _rates(engine, day: date, base: str) -> dict[str, Decimal]:
    from sqlalchemy.orm import Session

    from storage.repositories.rates import SqlRateRepository, forget_cached_rates

    forget_cached_rates()
    with Session(engine) as session:
        return SqlRateRepository(session).latest(day, base)


def test_rates_dated_after_today_are_named(engine, write_csv):
    # A rate dated 2026-12-10 for 2026-10-12 took over, unsaid, on 10 December.
    moment = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
    report = run(engine, write_csv, "rates", "date,currency,rate_to_base\n"
                 "2026-12-05,EUR,1.085\n2026-12-10,EUR,1.09\n2026-12-06,GBP,1.27\n",
                 base_currency="USD", clock=lambda: moment, zone=ZoneInfo("UTC"))
    assert report.committed and report.warnings == [
        "2 rates are dated after today (line 3, EUR: 2026-12-10; line 4, GBP: 2026-12-06): "
        "a date written wrong? A rate converts from its date on, and until then the one "
        "before it does: check the date, or leave it if it is a rate already fixed"]


def test_a_rate_for_the_base_currency_other_than_1_is_a_bad_row(engine, write_csv):
    content = ("date,currency,rate_to_base\n2026-11-01,USD,1.2\n2026-11-02,usd,1.000\n"
               "2026-11-01,EUR,1.08\n")
    report = run(engine, write_csv, "rates", content, base_currency="USD")
    assert [str(e) for e in report.errors] == [
        "line 2, column rate_to_base: USD is the base currency; its rate is always 1, not 1.2: "
        "leave USD out of the rates file"]
    assert not report.committed and count(engine, "exchange_rates") == 0
    skipped = run(engine, write_csv, "rates", content, base_currency="USD", skip_invalid=True)
    assert skipped.inserted == 2


# --- values that do not fit their columns --------------------------------------------

@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("customers", "customer_id,name,currency,credit_limit,payment_terms_days,revenue\n"
                      "C5,Big,USD,100000000000000,30,1.123456\nC6,Fine,USD,99999999999999,30,\n",
         ["line 2, column credit_limit: “100000000000000” is too large: at most 14 digits fit "
          "before the “.”",
          "line 2, column revenue: “1.123456” has more decimals than USD allows (2); round it to "
          "1.12"]),
        ("rates", "date,currency,rate_to_base\n2026-11-01,EUR,1000000000000\n"
                  "2026-11-01,CNY,0.1234567890123\n",
         ["line 2, column rate_to_base: “1000000000000” is too large: at most 12 digits fit "
          "before the “.”",
          "line 3, column rate_to_base: “0.1234567890123” has more than 12 decimals; round it "
          "to 12"]),
        ("orders", "order_id,customer_id,order_date,amount,currency,owner_slack_id\n"
                   f"O1,C1,2026-11-01,5,USD,U{'1' * 40}\n",
         [f"line 2, column owner_slack_id: “U{'1' * 40}” is not a Slack user id (they look like "
          "U012AB3CD)"]),
    ],
)
def test_values_too_big_for_their_column_are_bad_rows_not_crashes(
        with_customers, write_csv, kind, content, expected):
    engine = with_customers
    before = snapshot(engine)
    report = run(engine, write_csv, kind, content)
    assert [str(e) for e in report.errors] == expected
    assert not report.committed and snapshot(engine) == before


# --- encodings -----------------------------------------------------------------------

CUSTOMER_HEADER = "customer_id,name,currency,credit_limit,payment_terms_days\n"


def chinese_customers() -> str:
    """449 ASCII rows, then Chinese names from line 451: far beyond the first chunk the
    text layer decodes ahead."""
    rows = [f"C{n},Customer number {n} Trading,USD,1000,30\n" for n in range(2, 451)]
    return (CUSTOMER_HEADER + "".join(rows) + "C451,华夏机械制造有限公司,CNY,1000,30\n"
            "C452,华夏物流有限公司,CNY,500,30\n")


def test_a_gbk_file_is_refused_at_the_line_of_its_first_chinese_byte(engine, write_csv,
                                                                     tmp_path):
    before = snapshot(engine)
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", chinese_customers().encode("gbk"))
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}, line 451: byte 0xbb is not UTF-8 text; this looks "
        "like GB18030/GBK (Chinese): re-run with --encoding gb18030 (shift_jis or euc_jp if "
        "it is Japanese, cp949 if Korean)")
    assert snapshot(engine) == before


@pytest.mark.parametrize("line_end", ["\r\n", "\r"])
def test_the_line_is_right_whatever_the_line_endings(write_csv, line_end):
    path = write_csv("c.csv", chinese_customers().replace("\n", line_end).encode("gbk"))
    with pytest.raises(ImportFileError, match=r", line 451: byte 0xbb is not UTF-8 text; "), \
            CsvFile(path) as source:
        list(source.rows())


def test_a_gbk_file_imports_when_its_encoding_is_named(engine, write_csv):
    report = run(engine, write_csv, "customers", chinese_customers().encode("gb18030"),
                 encoding="gb18030")
    assert report.committed and report.inserted == 451
    with engine.connect() as conn:
        names = conn.execute(select(CustomerRow.name).where(
            CustomerRow.customer_id.in_(["C451", "C452"])).order_by(CustomerRow.customer_id))
        assert names.scalars().all() == ["华夏机械制造有限公司", "华夏物流有限公司"]


# 𬱖 (U+2CC56) is four bytes in GB18030, \x99\x33\xc3\x36: ASCII digits among them.
FOUR_BYTE_CUSTOMERS = (CUSTOMER_HEADER.rstrip("\n") + ",name_local\n"
                       "Z1,Zhejiang Tianyu Trading,CNY,1000,30,浙江天宇贸易有限公司\n"
                       "Z2,Wu Trading,CNY,1000,30,吴𬱖商贸有限公司\n")


@pytest.mark.parametrize(("named", "said"), [
    (None, ", line 2: byte 0xd5 is not UTF-8 text; this looks like GB18030/GBK (Chinese): "
           "re-run with --encoding gb18030 (shift_jis or euc_jp if it is Japanese, cp949 if "
           "Korean)"),
    ("cp1252", " looks like GB18030/GBK text (Chinese), which --encoding cp1252 would store "
               "as other characters; re-run with --encoding gb18030 (shift_jis or euc_jp if "
               "it is Japanese, cp949 if Korean)"),
    ("gbk", ", line 3: byte 0x99 is not gbk text, but gb18030 reads it (GBK and GB2312 with "
            "the characters they lack): re-run with --encoding gb18030")])
def test_a_gb18030_file_with_a_four_byte_character_is_named_gb18030(
        engine, write_csv, tmp_path, named, said):
    # The four-byte character's digits cut its bytes into single ones, as Latin-1's é
    # among ASCII: the file was told "e.g. --encoding cp1252", which stored mojibake.
    before = snapshot(engine)
    content = FOUR_BYTE_CUSTOMERS.encode("gb18030")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == f"{tmp_path / 'customers.csv'}{said}"
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding="gb18030").committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name_local).where(CustomerRow.customer_id == "Z2")
                            ).scalar_one() == "吴𬱖商贸有限公司"


@pytest.mark.parametrize("named", ["gb18030", "cp1252"])
def test_a_file_mixing_utf8_rows_with_another_encoding_is_refused_not_garbled(
        engine, write_csv, tmp_path, named):
    # Rows joined from two systems: imported with --encoding gb18030, as the refusal of
    # its GBK line advised, "Café Ltd" was stored as "Caf茅 Ltd" without a word.
    before = snapshot(engine)
    legacy = "C2,杭州红隼贸易有限公司,CNY,100,30\r\n" if named == "gb18030" \
        else "C2,Müller Straße GmbH,EUR,100,30\r\n"
    content = (CUSTOMER_HEADER.encode() + "M1,Café Ltd,EUR,100,30\r\n".encode()
               + legacy.encode(named) + "M3,Zoë Ltd,EUR,100,30\r\n".encode())
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    garbled = "M1,Café Ltd,EUR,100,30".encode().decode(named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} mixes two encodings: lines 2, 4 are UTF-8 text, "
        f"which --encoding {named} would store as other letters (line 2: “M1,Café Ltd,EUR,"
        f"100,30” as “{garbled}”). Export it from the ERP or spreadsheet as “CSV UTF-8 "
        "(comma delimited)”.")
    assert snapshot(engine) == before


@pytest.mark.parametrize(("utf8", "end"), [
    ("M2,Café Ltd,EUR,100,30", "\r"),          # CR-only, as old Mac Excel writes
    ("M2,ООО Ромашка,RUB,100,30", "\n"),        # another alphabet
    ("M2,Αθήνα Εμπορική,EUR,100,30", "\r\n"),
    ("M2,شركة النور,AED,100,30", "\n")])
def test_utf8_rows_in_a_gb18030_file_are_refused_whatever_their_script_and_line_ends(
        engine, write_csv, tmp_path, utf8, end):
    # Each was stored garbled without a word (Caf茅, 袨袨袨 袪芯屑邪褕泻邪…).
    content = (CUSTOMER_HEADER.replace("\n", end).encode()
               + f"C1,杭州红隼贸易有限公司,CNY,100,30{end}".encode("gb18030")
               + f"{utf8}{end}".encode())
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding="gb18030")
    assert str(raised.value).startswith(
        f"{tmp_path / 'customers.csv'} mixes two encodings: line 3 is UTF-8 text, which "
        f"--encoding gb18030 would store as other letters (line 3: “{utf8}” as “")


def test_a_utf8_row_among_gb18030_rows_that_are_valid_utf8_too_is_refused_as_mixed(
        engine, write_csv, tmp_path):
    # Every GB18030 name here is valid UTF-8 bytes (伟业 reads "ΰҵ"): the file was called
    # UTF-8 text, told to leave out --encoding, and then stored ΰҵ, ȫ, Эͬ…
    content = (CUSTOMER_HEADER.encode() + "".join(
        f"G{n},{name},CNY,100,30\n" for n, name in enumerate(("伟业", "全", "协同", "原"))
    ).encode("gb18030") + "G8,北京,CNY,100,30\n".encode())
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding="gb18030")
    assert str(raised.value).startswith(
        f"{tmp_path / 'customers.csv'} mixes two encodings: line 6 is UTF-8 text")


def test_a_row_with_a_utf8_name_beside_a_gb18030_local_name_is_refused(engine, write_csv,
                                                                      tmp_path):
    header = "customer_id,name,currency,credit_limit,payment_terms_days,name_local\n"
    content = (header.encode() + "M7,Café Lyon,EUR,1000,30,".encode()
               + "杭州红隼贸易有限公司\n".encode("gb18030"))
    with pytest.raises(ImportFileError, match=r" mixes two encodings: line 2 is UTF-8 text"):
        run(engine, write_csv, "customers", content, encoding="gb18030")


def test_a_line_without_breaks_is_looked_at_in_part():
    from storage.csv_source import _LONGEST_LINE, _lines

    lines = list(_lines(io.BytesIO(b"a" * (3 << 20) + b"\rb\r\nc\nd")))
    assert [(n, len(line)) for n, line in lines] == [(1, _LONGEST_LINE), (2, 1), (3, 1),
                                                     (4, 1)]


@pytest.mark.parametrize("names", [["伟业"], ["伟业", "全", "协同", "原司"],
                                   ["华夏物流有限公司", "伟业"]])
def test_a_gbk_file_whose_names_happen_to_be_valid_utf8_imports_as_named(engine, write_csv,
                                                                       names):
    # 伟业's GB18030 bytes (ce b0 d2 b5) are valid UTF-8 ("ΰҵ"): a correct file was
    # refused as "mixing two encodings", and one whose only name was so told to leave
    # out --encoding, which stored "ΰҵ".
    rows = "".join(f"G{n},{name},CNY,100,30\r\n" for n, name in enumerate(names))
    report = run(engine, write_csv, "customers",
                 (CUSTOMER_HEADER + "A1,Acme,USD,100,30\r\n" + rows).encode("gb18030"),
                 encoding="gb18030")
    assert report.committed
    with engine.connect() as conn:
        stored = conn.execute(select(CustomerRow.name).where(
            CustomerRow.customer_id.like("G%")).order_by(CustomerRow.customer_id))
        assert stored.scalars().all() == names


@pytest.mark.parametrize("named", ["latin-1", "cp1252", "iso8859-15"])
def test_a_gbk_file_named_as_western_european_is_refused_not_garbled(engine, write_csv,
                                                                    tmp_path, named):
    # Every byte decodes in latin-1: 杭州红隼贸易有限公司 was stored as “º¼ÖÝºìöÀÃ³Ò×ÓÐÏÞ¹«Ë¾”.
    before = snapshot(engine)
    content = (CUSTOMER_HEADER + "C1,Acme,USD,1000,30\nC2,杭州红隼贸易有限公司,CNY,1000,30\n"
               ).encode("gb18030")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} looks like GB18030/GBK text (Chinese), which "
        f"--encoding {named} would store as other characters; re-run with --encoding "
        "gb18030 (shift_jis or euc_jp if it is Japanese, cp949 if Korean)")
    assert snapshot(engine) == before


LOCAL_HEADER = CUSTOMER_HEADER.rstrip("\n") + ",name_local\n"
JAPANESE = " (gb18030 if it is Chinese, cp949 if Korean)"
KOREAN = " (gb18030 if it is Chinese, shift_jis or euc_jp if Japanese)"
ANY_OF_THEM = "gb18030 if it is Chinese, shift_jis or euc_jp if Japanese, cp949 if Korean"


@pytest.mark.parametrize(("names", "codec", "byte", "looks", "advice"), [
    # A legal form in the decoding: 삼성무역 was told gb18030, which stored 伙己公开.
    (["삼성무역주식회사"], "cp949", "0xbb", "EUC-KR/cp949 (Korean)", "cp949" + KOREAN),
    # Hangul throughout, eight syllables or more.
    (["삼성전자", "현대자동차", "엘지화학"], "cp949", "0xbb", "EUC-KR/cp949 (Korean)",
     "cp949" + KOREAN),
    # Told "e.g. --encoding cp1252"; under gb18030 stored as 戝嶃惢峾姅幃夛幮.
    (["大阪製鋼株式会社"], "shift_jis", "0x91", "Shift-JIS (Japanese)", "shift_jis" + JAPANESE),
    # No legal form or kana: kanji Shift-JIS writes with lead bytes GB18030 has rare ones at.
    (["三菱商事", "日立製作所"], "shift_jis", "0x8e", "Shift-JIS (Japanese)",
     "shift_jis" + JAPANESE),
    # ㈱ is Windows' Shift-JIS (cp932) only.
    (["㈱大阪製鋼"], "cp932", "0x87", "Shift-JIS (Japanese)", "cp932" + JAPANESE),
    # Told gb18030, then "reads as Big5": EUC-JP's kana rows are Big5's commonest.
    (["大阪製鋼株式会社"], "euc_jp", "0xc2", "EUC-JP (Japanese)", "euc_jp" + JAPANESE),
    (["トウキョウ商事株式会社"], "euc_jp", "0xa5", "EUC-JP (Japanese)", "euc_jp" + JAPANESE),
    # Four Hangul syllables read as common Chinese too (伙己傈磊): any of the three.
    (["삼성전자"], "cp949", "0xbb", "Chinese, Japanese or Korean text", ANY_OF_THEM)])
def test_japanese_and_korean_files_are_named_so_and_import_in_their_encoding(
        engine, write_csv, tmp_path, names, codec, byte, looks, advice):
    before = snapshot(engine)
    content = (LOCAL_HEADER + "".join(f"J{n},Company {n},JPY,1000,30,{name}\n"
                                      for n, name in enumerate(names))).encode(codec)
    path = tmp_path / "customers.csv"
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content)
    assert str(raised.value) == (f"{path}, line 2: byte {byte} is not UTF-8 text; this looks "
                                 f"like {looks}: re-run with --encoding {advice}")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding="cp1252")
    text = looks if looks.endswith("text") else looks.replace(" (", " text (")
    assert str(raised.value) == (f"{path} looks like {text}, which --encoding cp1252 would "
                                 f"store as other characters; re-run with --encoding {advice}")
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding=codec).committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name_local).where(
            CustomerRow.customer_id.like("J%")).order_by(CustomerRow.customer_id)
        ).scalars().all() == names


@pytest.mark.parametrize("named", ["gb18030", "gbk"])
def test_japanese_kana_in_euc_jp_under_a_chinese_codec_are_not_called_big5(
        engine, write_csv, tmp_path, named):
    # Read as Big5's commonest characters, the file was told cp950, which stored 玄它平亦它.
    # The codec named is no alternative ("gb18030 if it is Chinese" under gb18030 or gbk).
    content = (LOCAL_HEADER + "J1,Tokyo Trading,JPY,1000,30,トウキョウ商事株式会社\n"
               ).encode("euc_jp")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} looks like EUC-JP text (Japanese), which --encoding "
        f"{named} would store as other characters; re-run with --encoding euc_jp (cp949 if "
        "it is Korean)")


# Toyota, Osaka Steel, Sony, Yamada Taro: kana, kanji and a legal form.
JAPANESE_NAMES = ["トヨタ自動車株式会社", "大阪製鋼", "ソニー", "山田太郎"]


@pytest.mark.parametrize("lines", [1, 4])
def test_a_japanese_file_under_a_chinese_codec_is_refused_as_japanese_however_long(
        engine, write_csv, tmp_path, lines):
    # With four lines each line was judged apart from the file, without the Japanese
    # check: told it mixed Big5 rows in, to import with cp950, which stored 玄亥正憤.
    before = snapshot(engine)
    names = JAPANESE_NAMES[:lines]
    content = (LOCAL_HEADER + "".join(f"J{n},Company {n},JPY,1000,30,{name}\n"
                                      for n, name in enumerate(names))).encode("euc_jp")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding="gb18030")
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} looks like EUC-JP text (Japanese), which --encoding "
        "gb18030 would store as other characters; re-run with --encoding euc_jp (cp949 if it "
        "is Korean)")
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding="euc_jp").committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name_local).where(
            CustomerRow.customer_id.like("J%")).order_by(CustomerRow.customer_id)
        ).scalars().all() == names


@pytest.mark.parametrize(("names", "codec", "named", "looks", "advice"), [
    # A legal form: imported as 戝嶃惢峾姅幃夛幮, 伙己公开林侥雀荤, 釐箏擠奩堪摯莘模.
    (["大阪製鋼株式会社"], "shift_jis", "gb18030", "Shift-JIS text (Japanese)",
     "shift_jis (cp949 if it is Korean)"),
    (["삼성무역주식회사"], "cp949", "gb18030", "EUC-KR/cp949 text (Korean)",
     "cp949 (shift_jis or euc_jp if it is Japanese)"),
    (["大阪製鋼株式会社"], "euc_jp", "cp950", "EUC-JP text (Japanese)",
     "euc_jp (gb18030 if it is Chinese, cp949 if Korean)"),
    (["삼성무역주식회사"], "cp949", "cp950", "EUC-KR/cp949 text (Korean)",
     "cp949 (gb18030 if it is Chinese, shift_jis or euc_jp if Japanese)"),
    # Shift-JIS's kana, rare characters in GBK: imported as 僩儓僞帺摦幵.
    (["トヨタ自動車", "ソニー"], "shift_jis", "gb18030", "Shift-JIS text (Japanese)",
     "shift_jis (cp949 if it is Korean)")])
def test_japanese_and_korean_under_a_chinese_codec_are_refused_on_decisive_evidence(
        engine, write_csv, tmp_path, names, codec, named, looks, advice):
    before = snapshot(engine)
    content = (LOCAL_HEADER + "".join(f"J{n},Company {n},JPY,1000,30,{name}\n"
                                      for n, name in enumerate(names))).encode(codec)
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} looks like {looks}, which --encoding {named} would "
        f"store as other characters; re-run with --encoding {advice}")
    assert snapshot(engine) == before


@pytest.mark.parametrize(("names", "codec", "named"), [
    # Kanji whose Shift-JIS lead bytes are GBK's rare characters'; Hangul throughout.
    (["三菱商事", "日立製作所"], "shift_jis", "gb18030"),
    (["삼성전자", "현대자동차", "엘지화학"], "cp949", "gb18030"),
    # EUC-JP's kana are Big5's commonest characters (and GB2312's own kana).
    (["トヨタ自動車"], "euc_jp", "cp950"),
    # A Big5 name that reads as EUC-JP kana (ゅてい地): one line in a few hundred.
    (["文化中華", "港灣貿易有限公司"], "cp950", "cp950")])
def test_a_file_whose_evidence_is_only_statistical_imports_as_named(
        engine, write_csv, names, codec, named):
    # A name or two read either way: the codec named is not overruled by a likelihood.
    content = (LOCAL_HEADER + "".join(f"J{n},Company {n},JPY,1000,30,{name}\n"
                                      for n, name in enumerate(names))).encode(codec)
    assert run(engine, write_csv, "customers", content, encoding=named).committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name_local).where(
            CustomerRow.customer_id.like("J%")).order_by(CustomerRow.customer_id)
        ).scalars().all() == [name.encode(codec).decode(named) for name in names]


@pytest.mark.parametrize(("row", "named", "looks"), [
    (("大阪製鋼株式会社", "euc_jp"), "gb18030", "EUC-JP text (Japanese)"),
    (("삼성무역주식회사", "cp949"), "gb18030", "EUC-KR/cp949 text (Korean)"),
    (("大阪製鋼株式会社", "euc_jp"), "cp950", "EUC-JP text (Japanese)")])
def test_japanese_or_korean_rows_in_a_chinese_file_are_refused_as_a_file_mixing_encodings(
        engine, write_csv, tmp_path, row, named, looks):
    # Each line gets the file's verdict: 公司 beside 株式会社 is Chinese rows beside
    # Japanese ones, not a Japanese file.
    before = snapshot(engine)
    chinese = "杭州红隼贸易有限公司" if named == "gb18030" else "臺灣精密工業股份有限公司"
    content = (CUSTOMER_HEADER.encode() + f"C1,{chinese},CNY,1000,30\n".encode(named)
               + f"C2,{row[0]},JPY,1000,30\n".encode(row[1]))
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    line = f"C2,{row[0]},JPY,1000,30".encode(row[1])
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} mixes two encodings: line 3 reads as {looks}, which "
        f"--encoding {named} would store as other characters (line 3: “C2,{row[0]},JPY,1000,"
        f"30” as “{line.decode(named, 'replace')}”). Export the whole file again in one "
        "encoding (CSV UTF-8 holds both), or import those rows from a file of their own with "
        f"--encoding {row[1]}")
    assert snapshot(engine) == before


BIG5_NAMES = ["港灣貿易有限公司", "臺灣精密機械股份有限公司", "華聯超市（香港）有限公司"]


@pytest.mark.parametrize("named", [None, "cp1252", "gb18030", "gbk"])
def test_a_big5_file_is_named_so_and_imports_as_cp950(engine, write_csv, tmp_path, named):
    # A Taiwan or Hong Kong ERP writes Big5: told "export as CSV UTF-8 … e.g. cp1252", and
    # under cp1252 or gb18030 stored as other characters (臺灣精密 as 籓芖弘盞) unwarned.
    # cp950 is advised: Windows' Big5, a superset that reads 恒 (below) too.
    before = snapshot(engine)
    content = (CUSTOMER_HEADER + "".join(f"B{n},{name},HKD,1000,30\n"
                                         for n, name in enumerate(BIG5_NAMES))
               ).encode("big5")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    path = tmp_path / "customers.csv"
    assert str(raised.value) == (
        f"{path}, line 2: byte 0xb4 is not UTF-8 text; this looks like Big5: re-run with "
        "--encoding cp950" if named is None else
        f"{path} looks like Big5 text (Chinese), which --encoding {named} would store as "
        "other characters; re-run with --encoding cp950")
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding="cp950").committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(
            CustomerRow.customer_id.like("B%")).order_by(CustomerRow.customer_id)
        ).scalars().all() == BIG5_NAMES


# 恒 (Hang Seng, Hang Lung) is F9DA, in Windows' Big5 (cp950) and Big5-HKSCS, not in
# plain Big5; 堃 only in Big5-HKSCS.
HK_NAMES = ["恒生貿易有限公司", "恒隆地產股份有限公司", "臺灣精密工業股份有限公司"]


@pytest.mark.parametrize(("names", "codec", "named", "said"), [
    (HK_NAMES, "cp950", None, "line 2: byte 0xf9 is not UTF-8 text; this looks like Big5: "
     "re-run with --encoding cp950"),
    (HK_NAMES, "cp950", "big5", "line 2: byte 0xf9 is not big5 text, but cp950 reads it "
     "(Big5 as Windows writes it, with characters plain Big5 lacks): re-run with --encoding "
     "cp950"),
    (HK_NAMES, "cp950", "gb18030", "looks like Big5 text (Chinese), which --encoding "
     "gb18030 would store as other characters; re-run with --encoding cp950"),
    (HK_NAMES, "cp950", "latin-1", "looks like Big5 text (Chinese), which --encoding "
     "latin-1 would store as other characters; re-run with --encoding cp950"),
    (["堃成貿易有限公司", "港灣貿易有限公司", "華聯超市有限公司"], "big5hkscs", "cp950",
     "line 2: byte 0xfb is not cp950 text, but big5hkscs reads it (Big5 with Hong Kong's "
     "characters): re-run with --encoding big5hkscs")])
def test_big5_beyond_plain_big5_is_named_with_the_codec_that_reads_it(
        engine, write_csv, tmp_path, names, codec, named, said):
    # One such character scored the whole sample as no Big5: told "e.g. cp1252", and under
    # gb18030, cp1252 or latin-1 stored as ネ禩Τそ without a word.
    before = snapshot(engine)
    content = (CUSTOMER_HEADER + "".join(f"H{n},{name},HKD,1000,30\n"
                                         for n, name in enumerate(names))).encode(codec)
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    path = tmp_path / "customers.csv"
    assert str(raised.value) == (f"{path}, {said}" if said.startswith("line") else
                                 f"{path} {said}")
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding=codec).committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(
            CustomerRow.customer_id.like("H%")).order_by(CustomerRow.customer_id)
        ).scalars().all() == names


@pytest.mark.parametrize(("named", "said"), [
    (None, "line 2: byte 0xf9 is not UTF-8 text; this looks like Big5: re-run with "
           "--encoding cp950"),
    ("gb18030", "looks like Big5 text (Chinese), which --encoding gb18030 would store as "
                "other characters; re-run with --encoding cp950")])
def test_a_short_big5_file_is_told_so_and_imports_as_named(engine, write_csv, tmp_path,
                                                          named, said):
    # One name or two (恒生銀行): cp950, named, was refused as "looks like GB18030", whose
    # advice stored ネ蝗︽; left out, the advice was cp1252.
    content = (CUSTOMER_HEADER + "H1,恒生銀行,HKD,1000,30\nH2,恒隆地產,HKD,1000,30\n"
               ).encode("cp950")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    path = tmp_path / "customers.csv"
    assert str(raised.value) == (f"{path}, {said}" if said.startswith("line") else
                                 f"{path} {said}")
    assert run(engine, write_csv, "customers", content, encoding="cp950").committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(CustomerRow.customer_id == "H1")
                            ).scalar_one() == "恒生銀行"


@pytest.mark.parametrize(("names", "named"), [
    (["格力电器", "济南钢铁"], "cp1252"), (["北京建工"], "latin-1")])
def test_common_chinese_names_under_a_one_byte_codec_are_refused(engine, write_csv,
                                                                 tmp_path, names, named):
    # Common characters' first bytes are frequent in Big5 too: no clear verdict, and a
    # one-byte codec's file was imported as ¸ñÁ¦µçÆ÷ (a clear verdict is for a Chinese
    # codec named). Without a legal form (公司) such bytes could be Japanese or Korean too.
    before = snapshot(engine)
    content = (CUSTOMER_HEADER + "".join(f"G{n},{name},CNY,1000,30\n"
                                         for n, name in enumerate(names))).encode("gb18030")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} looks like Chinese, Japanese or Korean text, which "
        f"--encoding {named} would store as other characters; re-run with --encoding gb18030 "
        "if it is Chinese, shift_jis or euc_jp if Japanese, cp949 if Korean")
    assert snapshot(engine) == before


@pytest.mark.parametrize(("first", "second", "named", "other"), [
    (("杭州红隼贸易有限公司", "gb18030"), ("臺灣精密工業股份有限公司", "cp950"), "gb18030",
     "Big5"),
    (("臺灣精密工業股份有限公司", "cp950"), ("杭州红隼贸易有限公司", "gb18030"), "cp950",
     "GB18030/GBK")])
def test_rows_of_the_other_chinese_family_are_refused_as_a_file_mixing_encodings(
        engine, write_csv, tmp_path, first, second, named, other):
    # Rows joined from a mainland and a Taiwan system: Big5 bytes decode as GBK, and
    # 臺灣精密 was stored as 籓芖弘盞 (only the file's first stretch was judged).
    before = snapshot(engine)
    content = (CUSTOMER_HEADER.encode() + f"C1,{first[0]},CNY,1000,30\n".encode(first[1])
               + f"C2,{second[0]},TWD,1000,30\n".encode(second[1]))
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    line = f"C2,{second[0]},TWD,1000,30".encode(second[1])
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'} mixes two encodings: line 3 reads as {other} text "
        "(Chinese), "
        f"which --encoding {named} would store as other characters (line 3: "
        f"“C2,{second[0]},TWD,1000,30” as “{line.decode(named, 'replace')}”). Export the "
        "whole file again in one encoding (CSV UTF-8 holds both), or import those rows from "
        f"a file of their own with --encoding {second[1]}")
    assert snapshot(engine) == before


@pytest.mark.parametrize(("content", "named", "said"), [
    # A cp1252 file whose last value ends in é, read as GB18030: its encoding, not a cut.
    ((CUSTOMER_HEADER + "C1,Acme,EUR,1000,30\nC2,Café").encode("cp1252"), "gb18030",
     "line 3: byte 0xe9 is not gb18030 text; check which encoding the ERP writes and name "
     "it with --encoding"),
    # Read as UTF-8: the first bad byte is on line 2, not the end ("cut off, line 2").
    ((CUSTOMER_HEADER + "C1,Müller,EUR,1000,30\nC2,Café").encode("cp1252"), None,
     "line 2: byte 0xfc is not UTF-8 text. Export it from the ERP or spreadsheet as “CSV "
     "UTF-8 (comma delimited)”. Or name its encoding with --encoding (e.g. --encoding "
     "cp1252)"),
    # UTF-8 cut inside its first character beyond ASCII (a two-byte one's first byte): a
    # cut, as it was before the rule above, not "e.g. --encoding cp1252", which stored CafÃ.
    (CUSTOMER_HEADER.encode() + b"C2,Caf\xc3", None,
     "line 2: the file ends in the middle of a character: was it still being written when "
     "it was read? Import it again once the export is complete. Nothing was imported")])
def test_a_file_in_another_encoding_is_not_told_it_was_cut_off(engine, write_csv, tmp_path,
                                                                content, named, said):
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == f"{tmp_path / 'customers.csv'}, {said}"


@pytest.mark.parametrize("codec", ["gb18030", "cp950"])
def test_a_chinese_file_cut_inside_a_character_is_told_so_in_its_encoding(
        engine, write_csv, tmp_path, codec):
    # "byte 0xd2 is not gb18030 text; check which encoding the ERP writes": the encoding
    # was right, the export still being written.
    content = (CUSTOMER_HEADER + "Z1,華夏物流,CNY,1000,30\nZ2,深圳明亮,CNY,1000,30\n"
               "Z3,精密").encode(codec)[:-1]
    with pytest.raises(ImportFileError) as cut:
        run(engine, write_csv, "customers", content, encoding=codec)
    assert str(cut.value) == (
        f"{tmp_path / 'customers.csv'}, line 4: the file ends in the middle of a character: "
        "was it still being written when it was read? Import it again once the export is "
        "complete. Nothing was imported")


def test_a_western_european_file_gets_a_hint_and_imports_when_named(engine, write_csv,
                                                                    tmp_path):
    content = (CUSTOMER_HEADER + "C1,Acme,USD,1000,30\nC2,Müller Straße GmbH,EUR,1000,30\n"
               ).encode("cp1252")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}, line 3: byte 0xfc is not UTF-8 text. Export it from the "
        "ERP or spreadsheet as “CSV UTF-8 (comma delimited)”. Or name its encoding with "
        "--encoding (e.g. --encoding cp1252)")
    for name in ("cp1252", "latin-1"):
        assert run(engine, write_csv, "customers", content, encoding=name).committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(CustomerRow.customer_id == "C2")
                            ).scalar_one() == "Müller Straße GmbH"


@pytest.mark.parametrize("named", ["latin-1", "iso8859-15"])
def test_a_windows_file_named_latin1_is_told_cp1252(engine, write_csv, tmp_path, named):
    # Its curly quotes, dash and Œ were each "a control character (U+0093); remove it",
    # though nothing in the file looks like one.
    before = snapshot(engine)
    content = (CUSTOMER_HEADER + "K1,Acme,EUR,1000,30\nK2,“Delta” Handel – Süd,EUR,1000,30\n"
               "K3,Œuvre d’Art,EUR,1000,30\n").encode("cp1252")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}, line 3: byte 0x93 is a control character in {named}, "
        "and ““” in cp1252, which Windows and Excel write: re-run with --encoding cp1252")
    assert snapshot(engine) == before
    assert run(engine, write_csv, "customers", content, encoding="cp1252").committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(CustomerRow.customer_id == "K3")
                            ).scalar_one() == "Œuvre d’Art"


@pytest.mark.parametrize(("named", "written", "windows", "byte", "meant"), [
    ("iso-8859-2", "cp1250", "cp1250", "0x9f", "ź"), ("iso8859-5", "cp1251", "cp1251", "0x8e",
                                                    "Ћ")])
def test_an_iso_alphabet_is_told_the_windows_page_of_its_own_letters(
        engine, write_csv, tmp_path, named, written, windows, byte, meant):
    # Every such file was told cp1252, which stored Łódź as £ódŸ.
    name = "Łódź Spółka" if written == "cp1250" else "Ћирилица"
    content = (CUSTOMER_HEADER + f"P1,{name},PLN,1000,30\n").encode(written)
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content, encoding=named)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}, line 2: byte {byte} is a control character in "
        f"{named}, and “{meant}” in {windows}, which Windows and Excel write: re-run with "
        f"--encoding {windows}")
    assert run(engine, write_csv, "customers", content, encoding=windows).committed


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_a_german_file_in_its_own_encoding_is_not_taken_for_chinese(engine, write_csv, codec):
    # "üß" is a pair of high bytes, as a GB18030 character is: the file was refused as
    # GB18030 text, and following the advice stored "Swaren Mig GmbH".
    content = (CUSTOMER_HEADER + "C1,Süßwaren Müßig GmbH,EUR,1000,30\n").encode(codec)
    assert run(engine, write_csv, "customers", content, encoding=codec).committed
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(CustomerRow.customer_id == "C1")
                            ).scalar_one() == "Süßwaren Müßig GmbH"


def test_a_byte_cp1252_lacks_is_refused_as_any_other_under_it(write_csv):
    # 0x81 is none of cp1252's characters: the check for latin-1's control characters
    # crashed on it with a traceback.
    path = write_csv("c.csv", CUSTOMER_HEADER.encode() + b"C1,Caf\xe9 \x81 Co,EUR,1000,30\n")
    with pytest.raises(ImportFileError) as raised:
        CsvFile(path, encoding="cp1252")
    assert str(raised.value) == (
        f"{path}, line 2: byte 0x81 is not cp1252 text; check which encoding the ERP "
        "writes and name it with --encoding")


def test_a_byte_the_named_encoding_cannot_read_is_reported_with_its_line(write_csv):
    path = write_csv("c.csv", CUSTOMER_HEADER.encode() + b"C1,Acme\x80,USD,1000,30\n")
    with pytest.raises(ImportFileError) as raised:
        CsvFile(path, encoding="gb18030")
    # The header reads fine; the bad byte is on line 2, found when the row is read.
    assert str(raised.value) == (
        f"{path}, line 2: byte 0x80 is not gb18030 text; check which encoding the ERP "
        "writes and name it with --encoding")


def test_utf16_is_read_when_named_and_recognised_when_not(engine, write_csv, tmp_path):
    content = CUSTOMERS.encode("utf-16")
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", content)
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}: the file contains NUL bytes: it is UTF-16 text. Re-run "
        "with --encoding utf-16, or export it as “CSV UTF-8 (comma delimited)”.")
    assert run(engine, write_csv, "customers", content, encoding="utf-16").inserted == 2
    # Excel's "Unicode Text" separates its columns by tabs too: both said at once (the
    # advice to name the encoding then met "the columns are separated by tabs").
    with pytest.raises(ImportFileError) as raised:
        run(engine, write_csv, "customers", CUSTOMERS.replace(",", "\t").encode("utf-16"))
    assert str(raised.value) == (
        f"{tmp_path / 'customers.csv'}: the file is UTF-16 text with its columns separated "
        "by tabs, as Excel's “Unicode Text” writes: export it as “CSV UTF-8 (comma "
        "delimited)”.")


@pytest.mark.parametrize(("written", "name", "codec", "why"), [
    ("utf-16-le", "utf-16", "utf-16", "UTF-16 stream does not start with BOM"),
    ("ascii", "undefined", "undefined", "undefined encoding")])
def test_a_codec_that_cannot_start_on_the_file_is_one_line(write_csv, written, name, codec,
                                                           why):
    # UTF-16 written without a byte order mark, read as "utf-16": a traceback.
    path = write_csv("c.csv", CUSTOMERS.encode(written))
    with pytest.raises(ImportFileError) as raised:
        CsvFile(path, encoding=name)
    assert str(raised.value) == (
        f"{path}: {codec} cannot read this file ({why}); check which encoding the ERP "
        "writes and name it with --encoding (UTF-16 without a byte order mark is "
        "utf-16-le or utf-16-be)")


def test_utf8_named_explicitly_still_accepts_a_bom(engine, write_csv):
    content = "\ufeff" + CUSTOMERS
    for name in ("utf-8", "UTF8", "utf-8-sig"):
        assert run(engine, write_csv, "customers", content, encoding=name).committed


@pytest.mark.parametrize(
    ("name", "expected"),
    [("gbk2312", "“gbk2312” is not an encoding Python knows; name one such as utf-8, gb18030, "
                 "cp1252 or latin-1"),
     ("base64", "“base64” is not a text encoding; name one such as utf-8, gb18030, cp1252 or "
                "latin-1")],
)
def test_an_unknown_encoding_is_one_line(write_csv, name, expected):
    path = write_csv("c.csv", CUSTOMERS)
    with pytest.raises(ImportFileError) as raised:
        CsvFile(path, encoding=name)
    assert str(raised.value) == expected


# --- one import at a time ------------------------------------------------------------

STARTED = datetime(2026, 11, 30, 10, 2, 11, tzinfo=UTC)


def test_an_import_is_refused_up_front_while_another_runs(with_customers, write_csv):
    engine = with_customers
    before = snapshot(engine)
    # Its last row cannot even be read (beyond what opening the file decodes): the
    # refusal comes before the rows are read.
    content = big_invoices(1000).encode() + b"I9,C1,2026-01-01,2026-02-01,1,USD\xff\n"
    with time_machine.travel(STARTED, tick=False) as clock:
        assert try_acquire(engine, IMPORT_LEASE, "invoices import by erp-7:4242",
                           IMPORT_LEASE_TTL)
        clock.shift(timedelta(seconds=50))
        with pytest.raises(ImportBusy) as raised:
            run(engine, write_csv, "invoices", content)
        assert holder_of(engine, IMPORT_LEASE).holder == "invoices import by erp-7:4242"
    assert str(raised.value) == (
        "another import is running (invoices, started 10:02:11 UTC by erp-7:4242); wait for it "
        "to finish and try again (if it was stopped, its claim runs out at 10:04:11 UTC)")
    assert snapshot(engine) == before


def test_the_claim_of_an_import_killed_on_this_host_is_taken_over_at_once(with_customers,
                                                                          write_csv, caplog):
    # kill -9 left its claim behind: every import was refused for two minutes, naming a
    # pid of this host that no longer ran.
    import subprocess

    engine = with_customers
    ended = subprocess.Popen(["true"])
    ended.wait()
    host = this_host()
    assert try_acquire(engine, IMPORT_LEASE, f"invoices import by {host}:{ended.pid}",
                       IMPORT_LEASE_TTL)
    assert run(engine, write_csv, "invoices", INVOICES).committed
    assert holder_of(engine, IMPORT_LEASE) is None
    assert caplog.messages == [f"took over the import claim of invoices import by "
                               f"{host}:{ended.pid}, which no longer runs"]
    # A process that still runs (here, the one that started the tests) keeps its claim.
    alive = try_acquire(engine, IMPORT_LEASE, f"invoices import by {host}:{os.getppid()}",
                        IMPORT_LEASE_TTL)
    assert alive
    with pytest.raises(ImportBusy):
        run(engine, write_csv, "invoices", INVOICES)
    # So does one of a container sharing this host's name, whose process ids are not
    # ours: its live import was taken over and lost, "stalled" said falsely.
    alive.release()
    assert try_acquire(engine, IMPORT_LEASE,
                       f"invoices import by {host}#4026532512:{ended.pid}", IMPORT_LEASE_TTL)
    with pytest.raises(ImportBusy):
        run(engine, write_csv, "invoices", INVOICES)


def test_the_import_lease_is_released_after_success_failure_and_bad_rows(with_customers,
                                                                         write_csv):
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed
    assert holder_of(engine, IMPORT_LEASE) is None
    with pytest.raises(ImportFileError):
        run(engine, write_csv, "invoices", INVOICES.encode() + b"I9,C1,\xff\n")
    assert holder_of(engine, IMPORT_LEASE) is None
    assert run(engine, write_csv, "invoices", BAD_INVOICES).rejected
    assert run(engine, write_csv, "invoices", INVOICES, dry_run=True).inserted == 0
    assert holder_of(engine, IMPORT_LEASE) is None


def test_a_killed_imports_lease_runs_out(with_customers, write_csv):
    engine = with_customers
    with time_machine.travel(STARTED, tick=False) as clock:
        try_acquire(engine, IMPORT_LEASE, "invoices import by gone:1", IMPORT_LEASE_TTL)
        clock.shift(IMPORT_LEASE_TTL)
        assert run(engine, write_csv, "invoices", INVOICES).committed


def big_invoices(rows: int) -> str:
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency"]
    lines += [f"I{n},C{1 + n % 2},2026-01-01,2026-02-01,{n}.25,USD" for n in range(rows)]
    return "\n".join(lines) + "\n"


def test_the_lease_is_renewed_while_the_file_streams(with_customers, write_csv):
    engine = with_customers
    seen = []
    with time_machine.travel(STARTED, tick=False) as clock:

        def on_batch(_rows: int, _bytes: int) -> None:
            # Each batch "takes" 50 s: without renewals the 2-minute lease would lapse
            # by the third batch.
            clock.shift(timedelta(seconds=50))
            seen.append(holder_of(engine, IMPORT_LEASE))

        report = run(engine, write_csv, "invoices", big_invoices(3000), batch_size=500,
                     progress=on_batch)
    assert report.committed and report.inserted == 3000
    assert len(seen) == 7 and all(state is not None for state in seen)
    expiries = [state.expires_at for state in seen]
    assert expiries == sorted(expiries) and expiries[-1] > STARTED + timedelta(minutes=6)
    assert holder_of(engine, IMPORT_LEASE) is None


def test_a_second_import_while_one_streams_is_refused_and_the_first_finishes(
        with_customers, write_csv):
    engine = with_customers
    path = write_csv("big.csv", big_invoices(3000))
    streaming, carry_on = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def on_batch(_rows: int, _bytes: int) -> None:
        streaming.set()
        carry_on.wait(20)

    def first() -> None:
        try:
            with CsvFile(path) as source:
                outcome["report"] = CsvImporter(engine, batch_size=500).run(
                    KINDS["invoices"], source, progress=on_batch)
        except BaseException as problem:  # reported by the assertion below
            outcome["error"] = problem

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert streaming.wait(20)
        with pytest.raises(ImportBusy) as raised:
            run(engine, write_csv, "payments", GOOD["payments"])
    finally:
        carry_on.set()
        thread.join(60)
    assert re.fullmatch(
        r"another import is running \(invoices, started \d\d:\d\d:\d\d UTC by "
        + re.escape(f"{this_host()}:{os.getpid()}")
        + r"\); wait for it to finish and try again \(if it was stopped, its claim runs out at "
          r"\d\d:\d\d:\d\d UTC\)", str(raised.value))
    assert "error" not in outcome, outcome.get("error")
    assert outcome["report"].committed and outcome["report"].inserted == 3000
    assert run(engine, write_csv, "invoices", INVOICES).committed


def test_a_write_from_elsewhere_during_the_merge_does_not_fail_the_import(
        with_customers, write_csv, monkeypatch):
    """On SQLite a transaction that read, then finds another connection committed before
    its first write, fails with "database is locked". The bot writes (its audit log)
    while imports run; the merge takes the write lock before it reads anything."""
    engine = with_customers
    writers: list[threading.Thread] = []
    outcome: list[object] = []
    missing_rates = storage.importer.missing_rates

    def audit_elsewhere() -> None:
        try:
            with engine.begin() as conn:
                conn.execute(AuditRow.__table__.insert().values(
                    at=datetime.now(UTC), actor="U01", action="check", subject="C1",
                    details={}))
            outcome.append("written")
        except BaseException as problem:  # reported by the assertion below
            outcome.append(problem)

    def reads_then_someone_writes(conn, stage, kind, base, currencies):
        found = missing_rates(conn, stage, kind, base, currencies)  # reads exchange_rates
        writers.append(threading.Thread(target=audit_elsewhere))
        writers[-1].start()
        writers[-1].join(0.3)  # lets it commit, unless the import holds the write lock
        return found

    monkeypatch.setattr(storage.importer, "missing_rates", reads_then_someone_writes)
    report = run(engine, write_csv, "invoices", INVOICES, base_currency="USD")
    writers[0].join(10)
    assert report.committed and report.inserted == 3
    assert outcome == ["written"]


def test_payments_the_invoices_export_does_not_show_yet_are_named(with_customers,
                                                                   write_csv):
    # The payments were imported before the invoices exported after them: nothing moved
    # on the check card, and the person took the payment for lost.
    engine = with_customers
    assert run(engine, write_csv, "invoices",
               "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
               "A1,C1,2026-10-01,2026-10-31,5000.00,USD,5000.00\n"
               "A2,C1,2026-10-01,2026-10-31,6000.00,USD,3000.00\n"
               "A3,C1,2026-10-01,2026-10-31,800.00,USD,0\n").committed
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 "P1,C1,2026-11-20,5000.00,USD,A1\n"
                 "P2,C1,2026-11-01,3000.00,USD,A2\nP3,C1,2026-11-20,3000.00,USD,A2\n"
                 "P4,C1,2026-11-01,800.00,USD,A3\n")
    assert report.committed and report.inserted == 4
    assert report.warnings == [
        "2 invoices show less settled than the file's payments on them (A1 of 5000.00 USD "
        "shows 5000.00 open, the file pays 5000.00 on it; A2 of 6000.00 USD shows 3000.00 "
        "open, the file pays 6000.00 on it): the invoices export is older than the "
        "payments, or a payment names the wrong invoice. Import the invoices exported "
        "after these payments: until then the check card, alerts and worklists show what "
        "the invoices show open, and the collection metrics count each payment at most as "
        "what its invoice shows settled"]
    # Once the invoices export has them, the same payments are quiet.
    assert run(engine, write_csv, "invoices",
               "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
               "A1,C1,2026-10-01,2026-10-31,5000.00,USD,0\n"
               "A2,C1,2026-10-01,2026-10-31,6000.00,USD,0\n"
               "A3,C1,2026-10-01,2026-10-31,800.00,USD,0\n").committed
    assert run(engine, write_csv, "payments",
               "payment_id,customer_id,date,amount,currency,invoice_id\n"
               "P1,C1,2026-11-20,5000.00,USD,A1\n"
               "P2,C1,2026-11-01,3000.00,USD,A2\nP3,C1,2026-11-20,3000.00,USD,A2\n"
               ).warnings == []


def test_ten_years_after_a_day_is_the_same_day_then():
    from domain.days import years_after
    # Every month's day was cut to the 28th: the 29th to the 31st warned days early.
    assert years_after(date(2026, 12, 31), 10) == date(2036, 12, 31)
    assert years_after(date(2028, 2, 29), 10) == date(2038, 2, 28)
    assert years_after(date(2028, 2, 29), 8) == date(2036, 2, 29)


def test_a_line_cut_short_is_refused_not_read_as_an_open_invoice(with_customers, write_csv):
    # Its missing status and balance read as empty, so the defaults applied: a paid
    # invoice came back open for its whole amount, 136 days overdue.
    engine = with_customers
    header = "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status\n"
    assert run(engine, write_csv, "invoices",
               header + "I1,C1,2026-01-01,2026-01-31,500.00,USD,0,paid\n").committed
    before = snapshot(engine)
    report = run(engine, write_csv, "invoices",
                 header + "I1,C1,2026-01-01,2026-01-31,500.00,USD\n")
    assert not report.committed
    assert snapshot(engine) == before
    assert [str(e) for e in report.errors] == [
        "line 2: has 6 cells but the header has 8 (a line cut short?)"]


def test_payments_dated_after_today_are_named(with_customers, write_csv):
    # One dated ahead (5,000 USD on an unpaid invoice) moved a report for today's
    # receivables, and nothing said it was not received yet.
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed
    soon = datetime.now(UTC).date() + timedelta(days=16)
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 f"P1,C2,2026-11-02,1.00,EUR,I3\nP2,C2,{soon},1.00,EUR,I3\n")
    assert report.committed
    assert report.warnings == [
        f"1 payment is dated after today (line 3, P2: {soon}): money not received yet? The "
        "collection reports count a payment from its date: until then it is owed; export "
        "payments once they are received"]


@pytest.mark.parametrize(("zone", "warned"), [("Asia/Shanghai", False), ("UTC", True)])
def test_today_is_the_organisations_day_and_the_import_is_dated_by_its_clock(
        with_customers, write_csv, zone, warned):
    # 07:30 on 7 December in Shanghai is still the 6th in UTC: a payment the ERP dated
    # that morning was called "dated after today", and the sandbox's moved clock was not
    # the import's.
    engine = with_customers
    assert run(engine, write_csv, "invoices", INVOICES).committed
    moment = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    report = run(engine, write_csv, "payments",
                 "payment_id,customer_id,date,amount,currency,invoice_id\n"
                 "P1,C2,2026-12-07,1.00,EUR,I3\n", clock=lambda: moment, zone=ZoneInfo(zone))
    assert report.committed
    assert report.warnings == ([
        "1 payment is dated after today (line 2, P1: 2026-12-07): money not received yet? "
        "The collection reports count a payment from its date: until then it is owed; "
        "export payments once they are received"] if warned else [])
    with engine.connect() as conn:
        entry = conn.execute(select(AuditRow).where(AuditRow.action == "import.payments")
                             ).one()
    assert entry.at.replace(tzinfo=entry.at.tzinfo or UTC) == moment


def test_new_customers_whose_names_read_as_anothers_are_named(engine, write_csv):
    # 华联超市（上海）and 华联超市(上海): one could not be named apart from the other, and
    # the import said nothing. Names written exactly alike are the ERP's business.
    header = "customer_id,name,currency,credit_limit,payment_terms_days\n"
    assert run(engine, write_csv, "customers",
               header + "H003,华联超市(上海)有限公司,CNY,1,30\n").warnings == []
    report = run(engine, write_csv, "customers", header +
                 "H002,华联超市（上海）有限公司,CNY,1,30\nH009,Blue Harbor,USD,1,30\n"
                 "H010,Blue Harbor,USD,1,30\nH011,BLUE harbor.,USD,1,30\n"
                 "H012,華聯超市(上海)有限公司,CNY,1,30\n"
                 # Simplified characters GB2312 has are not folded: two names.
                 "H013,乾元贸易,CNY,1,30\nH014,干元贸易,CNY,1,30\n")
    assert report.committed
    assert report.warnings == [
        "3 new customers' names read as another's but for letter case, width, accents, "
        "punctuation or Traditional and Simplified Chinese characters (line 2, H002 "
        "华联超市（上海）有限公司 beside H003 华联超市(上海)有限公司; line 5, H011 BLUE harbor. "
        "beside H009 Blue Harbor; line 6, H012 華聯超市(上海)有限公司 beside H003 "
        "华联超市(上海)有限公司): whoever types either is asked which one; if they are two "
        "companies, give them names that differ in the ERP"]
    # Local names too, on either side: a person may type either name.
    report = run(engine, write_csv, "customers",
                 "customer_id,name,currency,credit_limit,payment_terms_days,name_local\n"
                 "H020,Huaxia Building,CNY,1,30,華聯超市（上海）有限公司\n"
                 "H021,Blue Harbour,USD,1,30,華夏物流\nH022,华夏物流,CNY,1,30,\n")
    assert report.warnings == [
        "2 new customers' names read as another's but for letter case, width, accents, "
        "punctuation or Traditional and Simplified Chinese characters (line 2, H020 "
        "華聯超市（上海）有限公司 beside H002 华联超市（上海）有限公司; line 4, H022 华夏物流 "
        "beside H021 華夏物流): whoever types either is asked which one; if they are two "
        "companies, give them names that differ in the ERP"]


def test_a_customer_renamed_under_an_open_credit_request_is_named(with_customers, write_csv):
    # C1's id given to another company while a request for Acme Corp waited: approvers
    # would decide on the other company's figures, and the import said nothing.
    from sqlalchemy import insert

    from storage.models import CreditRequestRow

    def request(state, name):
        return {"kind": "limit_increase", "state": state, "customer_id": "C1",
                "customer_name": name, "requested_by": "U1",
                "filed_at": datetime(2026, 11, 30, tzinfo=UTC), "reason": "r",
                "measured": Decimal(1), "measured_currency": "USD", "level": 1}

    with with_customers.begin() as conn:
        conn.execute(insert(CreditRequestRow), [
            request("open", "Acme Corp"), request("rejected", "Acme Corp"),
            request("open", "Acme Corp")])
    # Another spelling of the same name is no rename.
    respelt = run(with_customers, write_csv, "customers",
                  CUSTOMERS.replace("C1,Acme Corp,", "C1,ACME corp.,"))
    assert respelt.committed and respelt.warnings == []
    renamed = run(with_customers, write_csv, "customers",
                  CUSTOMERS.replace("C1,Acme Corp,", "C1,Zenith \u202eMining,"))
    assert renamed.committed
    assert renamed.warnings == [
        "2 open credit requests are for a customer the file gives another name (line 2, "
        "C1 from “Acme Corp” to “Zenith \\u202eMining” under request #1; line 2, C1 from "
        "“Acme Corp” to “Zenith \\u202eMining” under request #3): the approvers now see "
        "that name and its figures; if the id now belongs to another company, its "
        "approvers reject it or its requester cancels it"]


def test_a_claim_whose_pid_a_later_process_was_given_is_taken_over(with_customers, write_csv):
    # The importer read any process with the pid as the claimer; the scheduler's check,
    # now shared, knows a process started after the claim is another.
    import subprocess

    from sqlalchemy import update

    from storage.models import LeaseRow

    engine = with_customers
    host = this_host()
    assert try_acquire(engine, IMPORT_LEASE, f"invoices import by {host}:1", IMPORT_LEASE_TTL)
    time.sleep(4)  # past the 2 s the check allows a clock's seconds
    later = subprocess.Popen(["sleep", "30"])
    try:
        with engine.begin() as conn:
            conn.execute(update(LeaseRow.__table__).values(
                holder=f"invoices import by {host}:{later.pid}"))
        assert run(engine, write_csv, "invoices", INVOICES).committed
    finally:
        later.kill()
        later.wait()


def test_an_import_waits_its_turn_behind_a_writer_longer_than_sqlite_waits(
        tmp_path, sqlite_template, write_csv):
    """A burst of approvals held SQLite's write lock, one after another, past the one
    second its busy handler waits: the import failed "database is locked". It queues in
    the writers' gate as they do, and goes in when they are done. (SQLite's alone: on
    PostgreSQL writers wait for each other row by row.)"""
    path = tmp_path / "gated.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    held, done = threading.Event(), threading.Event()

    def approvals() -> None:
        with writers_gate(engine.url.database), engine.connect().execution_options(
                **{SQLITE_BEGIN: "IMMEDIATE"}) as conn, conn.begin():
            held.set()
            time.sleep(1.5)  # longer than SQLite's busy timeout (1 s)
        done.set()

    writer = threading.Thread(target=approvals)
    writer.start()
    try:
        assert held.wait(5)
        report = run(engine, write_csv, "customers", CUSTOMERS)
    finally:
        writer.join(5)
    assert done.is_set() and report.committed
    assert count(engine, "customers") == 2
    engine.dispose()


def test_a_claim_the_first_release_could_not_free_is_given_back_once_it_answers(
        with_customers, write_csv, monkeypatch):
    # PostgreSQL restarted under an import: the release met a dead pooled connection, was
    # given up at once, and another host's import was told "another import is running"
    # for two minutes.
    from sqlalchemy.exc import OperationalError

    from storage.leases import Lease

    engine = with_customers
    release, tries = Lease.release, []

    def flaky(lease):
        tries.append(lease.holder)
        if len(tries) == 1:
            raise OperationalError("DELETE FROM leases", {}, Exception("the connection is lost"))
        release(lease)

    monkeypatch.setattr(Lease, "release", flaky)
    monkeypatch.setattr(storage.importer, "RELEASE_PAUSES", (0.0, 0.01, 0.01))
    assert run(engine, write_csv, "invoices", INVOICES).committed
    assert len(tries) == 2
    assert holder_of(engine, IMPORT_LEASE) is None


def test_orders_imported_before_any_invoice_are_warned_about(with_customers, write_csv):
    # The demo's files in their own order: every order reviewed against no receivables,
    # passed, and never reviewed again; none of the 22 the sandbox holds was held.
    engine = with_customers
    orders = ("order_id,customer_id,order_date,amount,currency,status\n"
              "SO1,C1,2026-11-01,5000,USD,open\n")
    assert run(engine, write_csv, "orders", orders).warnings == [
        "no invoice is imported yet: each new order is reviewed once, when it is imported, "
        "so these are checked against no receivables and not again (an order the overdue "
        "invoices would hold passes); import the invoices before the orders, and for a "
        "first load begin again on an empty database in that order"]
    assert run(engine, write_csv, "invoices", INVOICES).committed
    assert run(engine, write_csv, "orders", orders.replace("SO1", "SO2")).warnings == []
