"""`creditbot import` as an operator uses it: encodings, warnings, one import at a time;
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from storage.importer import IMPORT_LEASE, IMPORT_LEASE_TTL
from storage.leases import holder_of, try_acquire
from storage.models import CustomerRow, InvoiceRow
from tests.conftest import ROOT

CUSTOMERS = ("customer_id,name,currency,credit_limit,payment_terms_days\n"
             "C1,Acme,USD,1000,30\nC2,Beta,USD,2000,30\n")


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))  # base currency USD
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def chinese_customers() -> str:
    rows = [f"C{n},Customer number {n} Trading,USD,1000,30\n" for n in range(2, 451)]
    return ("customer_id,name,currency,credit_limit,payment_terms_days\n" + "".join(rows)
            + "C451,华夏机械制造有限公司,CNY,1000,30\nC452,华夏物流有限公司,CNY,500,30\n")


def test_a_gbk_file_is_refused_with_its_line_then_imports_with_encoding(cli, write_csv,
                                                                        engine):
    path = write_csv("customers.csv", chinese_customers().encode("gbk"))
    refused = cli("import", "customers", str(path))
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: {path}, line 451: byte 0xbb is not UTF-8 text; this looks like GB18030/GBK "
        "(Chinese): re-run with --encoding gb18030 (shift_jis or euc_jp if it is Japanese, "
        "cp949 if Korean)\n")
    result = cli("import", "customers", str(path), "--encoding", "gb18030")
    assert result.exit_code == 0
    assert result.stdout == ("customers: 451 rows read — 451 inserted, 0 updated, 0 unchanged, "
                             "0 rejected (committed, 1 warning)\n")
    assert result.stderr == (
        f"{path}: warning: 2 customers are in CNY, which has no exchange rate to USD: amounts "
        "in CNY are computed as they are, but converting them into USD (portfolio totals, "
        "group positions, a customer whose limit is in another currency) needs one; import "
        "it, e.g. `creditbot import rates rates.csv`\n")
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name).where(CustomerRow.customer_id == "C452")
                            ).scalar_one() == "华夏物流有限公司"


def test_an_unknown_encoding_is_one_line(cli, write_csv):
    result = cli("import", "customers", str(write_csv("c.csv", CUSTOMERS)), "--encoding", "nope")
    assert result.exit_code == 1
    assert result.stderr == ("error: “nope” is not an encoding Python knows; name one such as "
                             "utf-8, gb18030, cp1252 or latin-1\n")


def test_standard_input_is_said_not_to_be_read(cli, tmp_path, monkeypatch):
    # `creditbot import rates -` said "-: no such file", which read as a bug.
    monkeypatch.chdir(tmp_path)
    result = cli("import", "rates", "-")
    assert result.exit_code == 1
    assert result.stderr == ("error: -: creditbot imports a file, not standard input: save it "
                             "to a file and give its path\n")


def test_a_header_only_file_succeeds_with_a_warning(cli, write_csv):
    path = write_csv("payments.csv", "payment_id,customer_id,date,amount,currency\n")
    result = cli("import", "payments", str(path))
    assert result.exit_code == 0
    # The file named once (it was "f.csv: warning: f.csv has a header…").
    assert result.stderr == (f"{path}: warning: the file has a header but no data rows: "
                             "nothing to import\n")
    assert result.stdout == ("payments: 0 rows read — 0 inserted, 0 updated, 0 unchanged, "
                             "0 rejected (committed, 1 warning)\n")


def test_every_problem_of_every_row_is_listed(cli, write_csv):
    assert cli("import", "customers", str(write_csv("c.csv", CUSTOMERS))).exit_code == 0
    assert cli("import", "invoices", str(write_csv(
        "i.csv", "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                 "I1,C1,2026-01-01,2026-02-01,10,USD\n"))).exit_code == 0
    path = write_csv("payments.csv", "payment_id,customer_id,date,amount,currency,invoice_id\n"
                                     "P1,C2,2026-13-01,10,USD,I1\nP2,C9,2026-01-05,5,USD,I7\n")
    result = cli("import", "payments", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{path}: line 2, column date: “2026-13-01” is not a real calendar date",
        f"{path}: line 2, column invoice_id: invoice I1 belongs to customer C1, not C2",
        f"{path}: line 3, column customer_id: “C9” is not a known customer (import customers "
        "first)",
        f"{path}: line 3, column invoice_id: “I7” is not a known invoice (import invoices first)",
        "error: nothing was imported: 2 row(s) have problems. Fix them, or re-run with "
        "--skip-invalid to import the good rows.",
    ]


def test_skip_invalid_with_every_row_rejected_exits_1_and_says_nothing_was_imported(
        cli, write_csv):
    # An ERP that changed its date format overnight: "(committed)" and exit 0, which cron
    # read as success while nothing was imported.
    assert cli("import", "customers", str(write_csv("c.csv", CUSTOMERS))).exit_code == 0
    path = write_csv("payments.csv", "payment_id,customer_id,date,amount,currency\n"
                                     "P1,C1,02/11/2026,10,USD\nP2,C1,03/11/2026,5,USD\n")
    result = cli("import", "payments", str(path), "--skip-invalid", "--show-errors", "0")
    assert result.exit_code == 1
    assert result.stdout == ("payments: 2 rows read — 0 inserted, 0 updated, 0 unchanged, "
                             "2 rejected (committed)\n")
    assert result.stderr.splitlines() == [
        "2 problem(s), not listed (--show-errors 0)",
        "error: nothing was imported: all 2 row(s) have problems, and --skip-invalid imports "
        "only the good rows. Fix them and import the file again."]
    # Some rows imported: the summary counts the rejected, and the import succeeded.
    path = write_csv("payments.csv", "payment_id,customer_id,date,amount,currency\n"
                                     "P1,C1,2026-11-02,10,USD\nP2,C1,03/11/2026,5,USD\n")
    result = cli("import", "payments", str(path), "--skip-invalid", "--show-errors", "0")
    assert result.exit_code == 0
    assert result.stdout == ("payments: 2 rows read — 1 inserted, 0 updated, 0 unchanged, "
                             "1 rejected (committed)\n")
    # A file with no data rows has nothing to reject: a warning, and exit 0.
    empty = write_csv("empty.csv", "payment_id,customer_id,date,amount,currency\n")
    assert cli("import", "payments", str(empty), "--skip-invalid").exit_code == 0


def test_a_base_currency_rate_other_than_1_is_refused(cli, write_csv):
    path = write_csv("rates.csv", "date,currency,rate_to_base\n2026-11-01,USD,1.2\n"
                                  "2026-11-01,EUR,1.08\n")
    result = cli("import", "rates", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{path}: line 2, column rate_to_base: USD is the base currency; its rate is always 1, "
        "not 1.2: leave USD out of the rates file")


def test_invoices_in_a_currency_without_a_rate_import_with_a_warning(cli, write_csv):
    assert cli("import", "customers", str(write_csv("c.csv", CUSTOMERS))).exit_code == 0
    path = write_csv("invoices.csv", "invoice_id,customer_id,issue_date,due_date,amount,"
                                     "currency\nI1,C1,2026-01-01,2026-02-01,10,GBP\n"
                                     "I2,C2,2026-01-01,2026-02-01,10,USD\n")
    result = cli("import", "invoices", str(path))
    assert result.exit_code == 0
    assert result.stderr == (
        f"{path}: warning: 1 invoice is in GBP, which has no exchange rate to USD: amounts in "
        "GBP are computed as they are, but converting them into USD (portfolio totals, group "
        "positions, a customer whose limit is in another currency) needs one; until it is "
        "imported, the checks, orders and requests of C1 (whose own currency is not GBP) "
        "answer only that the GBP rate is missing; import it, e.g. `creditbot import rates "
        "rates.csv`\n")
    assert "2 inserted" in result.stdout and "(committed, 1 warning)" in result.stdout


OPEN_HEADER = "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
OPEN = (OPEN_HEADER + "I1,C1,2026-01-01,2026-02-01,10,USD\nI2,C1,2026-01-01,2026-02-01,20,USD\n"
        "I3,C2,2026-01-01,2026-02-01,30,USD\n")


def test_an_invoice_an_open_items_export_stopped_listing_is_warned_of_then_closed(
        cli, write_csv, engine):
    """An ERP's daily export of open items stops listing a paid invoice: it stayed open in
    creditbot for good, without a word. Now the import says so, and --open-items closes
    it; the guard refuses a file that would close most of them."""
    assert cli("import", "customers", str(write_csv("c.csv", CUSTOMERS))).exit_code == 0
    assert cli("import", "invoices", str(write_csv("all.csv", OPEN))).exit_code == 0
    path = write_csv("open.csv", OPEN.replace("I1,C1,2026-01-01,2026-02-01,10,USD\n", ""))
    warned = cli("import", "invoices", str(path))
    assert warned.exit_code == 0
    assert warned.stderr == (
        f"{path}: warning: 1 open invoice of the file's customers is not in the file (I1 of "
        "C1: 10.00 USD open): an invoice the file leaves out keeps its balance, and counts in "
        "exposure, overdue, aging, alerts and worklists until an import says it is paid. If "
        "the ERP settled them, export paid invoices too (status paid, or open_amount 0); if "
        "the file is the ERP's whole list of open invoices, import it with --open-items, "
        "which closes every open invoice it leaves out\n")
    assert warned.stdout == ("invoices: 2 rows read — 0 inserted, 0 updated, 2 unchanged, "
                             "0 rejected (committed, 1 warning)\n")
    dry = cli("import", "invoices", str(path), "--open-items", "--dry-run")
    assert (dry.exit_code, dry.stderr) == (0, "")
    assert dry.stdout == ("invoices: 2 rows read — 0 inserted, 0 updated, 2 unchanged, "
                          "0 rejected, 1 closed: not in the open-items file (dry run, "
                          "nothing changed)\n")
    closed = cli("import", "invoices", str(path), "--open-items")
    assert (closed.exit_code, closed.stderr) == (0, "")
    assert closed.stdout == ("invoices: 2 rows read — 0 inserted, 0 updated, 2 unchanged, "
                             "0 rejected, 1 closed: not in the open-items file (committed)\n")
    with engine.connect() as conn:
        assert conn.execute(select(InvoiceRow.open_amount, InvoiceRow.status).where(
            InvoiceRow.invoice_id == "I1")).one() == (0, "paid")
    assert cli("import", "invoices", str(path)).stderr == ""  # nothing left out now
    twelve = cli("import", "invoices", str(write_csv("twelve.csv", OPEN_HEADER + "".join(
        f"N{n},C2,2026-01-01,2026-02-01,1,USD\n" for n in range(12)))))
    assert twelve.exit_code == 0
    cut = write_csv("cut.csv", OPEN_HEADER + "N0,C2,2026-01-01,2026-02-01,1,USD\n")
    refused = cli("import", "invoices", str(cut), "--open-items")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        f"error: {cut}: as the ERP's whole list of open invoices, this file would close 13 "
        "of the 14 open invoices, more than half of them: a file cut short, or another "
        "export than the open items? Nothing was imported. If the ERP did settle them, "
        "import it again with --force-close.\n")
    forced = cli("import", "invoices", str(cut), "--open-items", "--force-close")
    assert forced.stdout == ("invoices: 1 row read — 0 inserted, 0 updated, 1 unchanged, "
                             "0 rejected, 13 closed: not in the open-items file (committed)\n")
    wrong_kind = cli("import", "orders", str(cut), "--open-items")
    assert (wrong_kind.exit_code, wrong_kind.stderr) == (
        1, "error: --open-items is for invoices files: it closes the open invoices the file "
           "leaves out; nothing was imported.\n")


def test_an_import_while_another_runs_is_one_line_and_changes_nothing(cli, write_csv, engine):
    path = write_csv("c.csv", CUSTOMERS)
    with time_machine.travel(datetime(2026, 11, 30, 10, 2, 11, tzinfo=UTC), tick=False) as clock:
        try_acquire(engine, IMPORT_LEASE, "invoices import by erp-7:4242", IMPORT_LEASE_TTL)
        clock.shift(timedelta(seconds=30))
        result = cli("import", "customers", str(path))
        assert holder_of(engine, IMPORT_LEASE) is not None  # still the other import's
    assert result.exit_code == 1
    assert result.stderr == (
        "error: another import is running (invoices, started 10:02:11 UTC by erp-7:4242); wait "
        "for it to finish and try again (if it was stopped, its claim runs out at 10:04:11 "
        "UTC)\n")
    assert result.stdout == ""
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.customer_id)).all() == []


def test_a_japanese_file_named_gb18030_is_told_its_encoding_not_big5(cli, write_csv,
                                                                      engine):
    # Four EUC-JP lines were told "mixes two encodings: line 2 reads as Big5 text … with
    # --encoding cp950", which would have stored トヨタ自動車 as 玄亥正憤が樂.
    names = ["トヨタ自動車株式会社", "大阪製鋼", "ソニー", "山田太郎"]
    path = write_csv("customers.csv", (
        "customer_id,name,currency,credit_limit,payment_terms_days,name_local\n"
        + "".join(f"J{n},Company {n},JPY,1000,30,{name}\n" for n, name in enumerate(names))
    ).encode("euc_jp"))
    refused = cli("import", "customers", str(path), "--encoding", "gb18030")
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: {path} looks like EUC-JP text (Japanese), which --encoding gb18030 would "
        "store as other characters; re-run with --encoding euc_jp (cp949 if it is Korean)\n")
    assert cli("import", "customers", str(path), "--encoding", "euc_jp").exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name_local).order_by(CustomerRow.customer_id)
                            ).scalars().all() == names


CHINESE_NAMES = ("customer_id,name,currency,credit_limit,payment_terms_days\n"
                 "C1,杭州西湖丝绸有限公司,CNY,1000,30\n")


@pytest.mark.parametrize("encoding", ["gb18030", "GBK", "cp1252", "latin-1"])
def test_utf8_text_read_as_a_legacy_encoding_is_refused_before_anything_is_written(
        cli, write_csv, engine, encoding):
    path = write_csv("customers.csv", CHINESE_NAMES.encode("utf-8"))
    result = cli("import", "customers", str(path), "--encoding", encoding)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path} is UTF-8 text (it decodes as UTF-8 and contains non-ASCII "
        f"characters); leave out --encoding {encoding}\n")
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name)).scalars().all() == []


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-8-sig"])
def test_utf8_named_explicitly_imports(cli, write_csv, engine, encoding):
    path = write_csv("customers.csv", CHINESE_NAMES.encode("utf-8"))
    assert cli("import", "customers", str(path), "--encoding", encoding).exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(select(CustomerRow.name)).scalars().all() == ["杭州西湖丝绸有限公司"]


def test_ascii_text_imports_under_any_encoding_named(cli, write_csv):
    path = write_csv("customers.csv", CUSTOMERS.encode("ascii"))
    assert cli("import", "customers", str(path), "--encoding", "gb18030").exit_code == 0


def test_one_row_is_one_row(cli, write_csv):
    result = cli("import", "customers", str(write_csv(
        "one.csv", "customer_id,name,credit_limit,currency,payment_terms_days\n"
                   "C1,Acme,1000,USD,30\n")))
    assert result.exit_code == 0
    assert result.stdout == ("customers: 1 row read — 1 inserted, 0 updated, 0 unchanged, "
                             "0 rejected (committed)\n")


def test_an_order_review_the_database_breaks_off_says_the_file_is_in(cli, write_csv,
                                                                     monkeypatch):
    # "customers: … (committed)" then "error: … nothing was changed": the rows were in.
    from domain.errors import RecordsUnavailable
    from domain.orders.use_cases import OrderChecks

    def unavailable(self: OrderChecks) -> dict[str, int]:
        raise RecordsUnavailable()

    monkeypatch.setattr(OrderChecks, "review_imported", unavailable)
    result = cli("import", "customers", str(write_csv(
        "one.csv", "customer_id,name,credit_limit,currency,payment_terms_days\n"
                   "C1,Acme,1000,USD,30\n")))
    assert result.exit_code == 1
    assert result.stdout == ("customers: 1 row read — 1 inserted, 0 updated, 0 unchanged, "
                             "0 rejected (committed)\n")
    assert result.stderr == (
        "error: the file is imported, but the database did not answer while its orders were "
        "reviewed and the held ones checked again; `creditbot jobs run orders` finishes "
        "that (the orders job does every 15 minutes).\n")


def test_a_killed_import_rolls_back_gives_its_claim_back_and_says_so(cli, write_csv, engine,
                                                                     monkeypatch):
    # SIGTERM (a cron's timeout, a stopped container) ended it with exit 143 and not a
    # word, and its claim kept every other host's import out for two minutes.
    import os
    import signal
    import time

    import storage.importer

    path = write_csv("customers.csv", CUSTOMERS)
    merge = storage.importer.CsvImporter._merge
    handler = signal.getsignal(signal.SIGTERM)

    def killed_in_the_merge(*args, **kwargs):
        merge(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises here

    monkeypatch.setattr(storage.importer.CsvImporter, "_merge", staticmethod(
        killed_in_the_merge))
    result = cli("import", "customers", str(path))
    assert (result.exit_code, result.stderr) == (1, (
        f"error: {path}: the import was interrupted before it finished; nothing was "
        "imported: run it again\n"))
    with engine.connect() as conn:
        assert list(conn.execute(select(CustomerRow.customer_id))) == []
    assert holder_of(engine, IMPORT_LEASE) is None
    assert signal.getsignal(signal.SIGTERM) is handler


def test_the_database_lost_mid_import_says_nothing_is_in_and_gives_the_claim_back(
        cli, write_csv, engine, monkeypatch):
    # PostgreSQL restarted under an import: "cannot use the database: the connection is
    # lost" and psycopg's "error ignored terminating <psycopg.Copy [BAD]>", its claim kept.
    from sqlalchemy.exc import OperationalError

    import storage.importer

    path = write_csv("customers.csv", CUSTOMERS)

    def lost(*args, **kwargs):
        raise OperationalError("COPY", {}, Exception("the connection is lost"))

    monkeypatch.setattr(storage.importer.CsvImporter, "_merge", staticmethod(lost))
    monkeypatch.setattr(storage.importer, "RELEASE_PAUSES", (0.0,))
    result = cli("import", "customers", str(path))
    assert (result.exit_code, result.stderr) == (1, (
        f"error: {path}: cannot use the database: the connection is lost; nothing was "
        "imported: run it again\n"))
    with engine.connect() as conn:
        assert list(conn.execute(select(CustomerRow.customer_id))) == []
    assert holder_of(engine, IMPORT_LEASE) is None


def test_a_kill_after_the_commit_says_the_file_is_in_and_gives_the_claim_back(
        cli, write_csv, engine, monkeypatch):
    # Killed as its claim was given back, after the commit: it said "nothing was
    # imported" of rows that were in, and its claim stayed for two minutes.
    import os
    import signal
    import time

    from storage.leases import Lease

    path = write_csv("customers.csv", CUSTOMERS)
    release = Lease.release

    def killed_in_the_release(self):
        if self.name == IMPORT_LEASE:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here
        release(self)

    monkeypatch.setattr(Lease, "release", killed_in_the_release)
    result = cli("import", "customers", str(path))
    assert (result.exit_code, result.stderr) == (1, (
        f"error: {path}: interrupted after the file was imported (its rows are in); its "
        "orders may not have been reviewed nor the held ones checked again: `creditbot "
        "jobs run orders` finishes that (the orders job does every 15 minutes)\n"))
    with engine.connect() as conn:
        assert sorted(conn.scalars(select(CustomerRow.customer_id))) == ["C1", "C2"]
    assert holder_of(engine, IMPORT_LEASE) is None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_import_waiting_on_another_sessions_lock_says_whose(cli, write_csv, engine,
                                                               database_url, monkeypatch):
    # Behind a psql session's LOCK TABLE it printed nothing until cron's timeout killed it:
    # "interrupted before it finished", with no cause.
    import threading
    import time

    from sqlalchemy import create_engine, text

    from bot.cli import imports

    monkeypatch.setattr(imports, "LOCK_LOOK_SECONDS", 0.2)
    path = write_csv("customers.csv", CUSTOMERS)
    other = create_engine(engine.url, connect_args={"application_name": "psql"})
    with other.connect() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
        session.execute(text("LOCK TABLE customers IN SHARE MODE"))
        # Released a while after the import began to wait for it.
        threading.Timer(2.0, session.rollback).start()
        started = time.monotonic()
        result = cli("import", "customers", str(path))
    other.dispose()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 1.5
    assert result.stderr.splitlines()[0] == (
        f"waiting for a lock on customers held by PostgreSQL session {pid} (psql, idle in "
        "transaction: LOCK TABLE customers IN SHARE MODE): the import goes on once that "
        "session commits or ends")
    assert result.stdout.startswith("customers: 2 rows read — 2 inserted")


def test_an_import_cut_off_by_the_database_says_so_in_one_sentence(cli, write_csv,
                                                                  monkeypatch):
    # "…processing the request.; nothing was imported": the driver's full stop kept.
    from sqlalchemy.exc import OperationalError

    import bot.cli.imports as imports

    def cut_off(*_args, **_kwargs):
        raise OperationalError("COPY", {}, Exception(
            "consuming input failed: server closed the connection unexpectedly\n\tThis "
            "probably means the server terminated abnormally\n\tbefore or while processing "
            "the request."))

    monkeypatch.setattr(imports, "_import_and_review", cut_off)
    monkeypatch.setattr(imports, "after_interruption", lambda *_args: False)
    path = write_csv("customers.csv", CUSTOMERS.encode())
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {path}: cannot use the database: consuming input failed: server closed the "
        "connection unexpectedly. This probably means the server terminated abnormally "
        "before or while processing the request; nothing was imported: run it again\n")
