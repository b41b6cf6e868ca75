"""`:import` in the sandbox: an ERP file imported into the sandbox's database within the
session, so a new user sees a month's invoices and payments move the figures (a trial had
to start a second sandbox from a copy, and lost the first one's alerts and orders)."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT
from tests.e2e.test_sandbox_alerts import sandbox, still

__all__ = ["still"]


def _exposure(lines: list[str]) -> list[str]:
    """The card's exposure, available credit and the exposure's parts."""
    at = next(i for i, line in enumerate(lines) if line.startswith("Exposure"))
    return [" ".join(line.split()) for line in lines[at + 1:at + 3]]


def _said(lines: list[str]) -> str:
    """Lines wrapped at the terminal's width, as one text."""
    return " ".join(lines)


def test_an_import_moves_the_card_within_the_session(monkeypatch, still, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "invoices.csv").write_text(
        "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
        "X1,C0013,2026-11-01,2026-12-31,5000.00,USD,5000.00\n")
    (tmp_path / "payments.csv").write_text(
        "payment_id,customer_id,date,amount,currency,invoice_id\n"
        "P1,C0013,2026-11-20,5000.00,USD,X1\n")
    answers = [lines for _, lines in sandbox(
        monkeypatch, "/credit check lakeside", ":import invoices invoices.csv",
        "/credit check lakeside", ":import payments payments.csv --dry-run",
        ":import payments payments.csv")]
    assert _exposure(answers[0]) == ["$37,697.78 🔴 -$2,697.78 — over the limit",
                                     "invoices $35,305.69 + orders $2,392.09"]
    # What creditbot import prints, and nothing else: the demo's ERP orders were
    # reviewed as the sandbox loaded them (Lakeside's SO-0013-901 is held from the start).
    # The first import of any file held two dozen of them and messaged every owner.
    assert "⛔ 1 held order: SO-0013-901. Not to ship until it is released." in answers[0]
    # A file of Lakeside's new invoice alone (a delta) is not warned about the open ones
    # it leaves out: it lists nothing again as it was.
    assert _said(answers[1]) == (
        "invoices: 1 row read — 1 inserted, 0 updated, 0 unchanged, 0 rejected (committed)")
    assert _exposure(answers[2]) == ["$42,697.78 🔴 -$7,697.78 — over the limit",
                                     "invoices $40,305.69 + orders $2,392.09"]
    warning = (
        "payments.csv: warning: 1 invoice shows less settled than the file's payments on "
        "it (X1 of 5000.00 USD shows 5000.00 open, the file pays 5000.00 on it): the "
        "invoices export is older than the payments, or a payment names the wrong invoice. "
        "Import the invoices exported after these payments: until then the check card, "
        "alerts and worklists show what the invoices show open, and the collection "
        "metrics count each payment at most as what its invoice shows settled")
    assert _said(answers[3]) == (
        warning + " payments: 1 row read — 1 inserted, 0 updated, 0 unchanged, 0 rejected "
        "(dry run, nothing changed, 1 warning)")
    # The payment alone moves no figure, and the import says why.
    assert _said(answers[4]) == (
        warning + " payments: 1 row read — 1 inserted, 0 updated, 0 unchanged, 0 rejected "
        "(committed, 1 warning)")


def test_open_items_are_an_option_of_import_as_in_the_cli(monkeypatch, still, tmp_path):
    """`:import invoices FILE --open-items` passes the mode (and --force-close) on: a file of
    one new invoice taken for the whole list of open invoices is refused by the guard,
    and closes them all when forced."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "i.csv").write_text(
        "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount\n"
        "X1,C0013,2026-11-01,2026-12-31,5000.00,USD,5000.00\n")
    answers = [_said(lines) for _, lines in sandbox(
        monkeypatch, ":import invoices i.csv --open-items --dry-run",
        ":import orders i.csv --open-items",
        ":import invoices i.csv --force-close",
        ":import invoices i.csv --open-items --force-close")]
    assert answers[:3] == [
        "i.csv: as the ERP's whole list of open invoices, this file would close "
        "487 of the 487 open invoices, more than half of them: a file cut short, or another "
        "export than the open items? Nothing was imported. If the ERP did settle them, "
        "import it again with --force-close.",
        "i.csv: --open-items is for invoices files: it closes the open invoices the "
        "file leaves out; nothing was imported.",
        "i.csv: --force-close goes with --open-items: it closes the open invoices the "
        "file leaves out even when they are most of them; nothing was imported."]
    # Forced, it closes them all, and the held orders they kept held are released.
    assert answers[3].startswith(
        "invoices: 1 row read — 1 inserted, 0 updated, 0 unchanged, 0 rejected, 487 closed: "
        "not in the open-items file (committed) orders: 0 open ERP order(s) of any customer "
        "reviewed for the first time, 0 held; 22 held order(s) released creditbot sent a "
        "direct message to ")


def test_a_bad_import_line_says_what_was_wrong(monkeypatch, still, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.csv").write_text("payment,customer_id\nP1,C0013\n")
    answers = [lines for _, lines in sandbox(
        monkeypatch, ":import", ":import payment bad.csv", ":import payments",
        ":import payments bad.csv --dryrun", ":import payments missing.csv",
        ":import payments .", ":import payments /dev/zero", ":import payments bad.csv")]
    assert [_said(lines) for lines in answers] == [
        "Write :import KIND FILE, KIND one of contracts, customers, invoices, orders, "
        "payments, rates: e.g. :import invoices invoices.csv.",
        "“payment” is not a kind of ERP file: write one of contracts, customers, invoices, "
        "orders, payments, rates, e.g. :import invoices invoices.csv.",
        "Name the file to import, e.g. :import payments payments.csv.",
        "“--dryrun” is not an option of :import; it takes --dry-run, --skip-invalid, "
        "--encoding NAME, --show-errors N, --open-items and --force-close, as creditbot "
        "import does.",
        "missing.csv: no such file. Nothing was imported.",
        ".: is a folder; name the CSV file in it. Nothing was imported.",
        "/dev/zero: is not a regular file; name a CSV file. Nothing was imported.",
        "bad.csv: missing required column(s): payment_id, date, amount, currency. The "
        "payments file needs payment_id, customer_id, date, amount, currency; this header "
        "has: payment, customer_id. Nothing was imported."]


def test_a_name_too_long_for_the_file_system_is_refused_and_the_session_goes_on(
        monkeypatch, still):
    # It ended the sandbox with a traceback (OSError: File name too long).
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "1000")
    name = "Z" * 300 + ".csv"
    result = CliRunner().invoke(main, ["sandbox"], input=f":import payments {name}\n:who\n")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert (f"{name}: cannot read it (File name too long). Nothing was imported."
            in result.output.splitlines())
    assert "U01SALESAMY" in result.output.split(name)[-1]  # :who answered after it


def test_a_line_that_fails_unexpectedly_is_said_and_the_session_goes_on(monkeypatch, still):
    def broken(argument: str) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("bot.sandbox.import_line.read_import_line", broken)
    answers = dict(sandbox(monkeypatch, ":import payments p.csv", ":channels"))
    assert answers[":import payments p.csv"] == [
        "That failed: RuntimeError: disk on fire. The sandbox goes on."]
    assert answers[":channels"][0].startswith("  1. #")


def test_a_file_sqlite_cannot_sum_is_refused_once(monkeypatch, still, tmp_path):
    # "…nothing was imported. …, or run creditbot on PostgreSQL for a portfolio that
    # size. Nothing was imported.": the sandbox added its own ending to one that had it.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.csv").write_text(
        "invoice_id,customer_id,issue_date,due_date,amount,currency\n" + "".join(
            f"B{n},C0001,2026-01-10,2026-02-09,99999999999999.99,USD\n" for n in range(10)))
    [(_, lines)] = sandbox(monkeypatch, ":import invoices big.csv")
    assert _said(lines) == (
        "big.csv: with this file, the invoices' amounts in USD, counted without their sign, "
        "would add up to more than 900,000,000,000,000 USD, more than SQLite can add exactly "
        "(credit notes cancel out only at the end of a sum); nothing was imported. Check the "
        "file's largest amounts (line 2: 99999999999999.99, line 3: 99999999999999.99, line "
        "4: 99999999999999.99), or run creditbot on PostgreSQL for a portfolio that size.")


def test_an_import_is_dated_by_the_sandbox_clock(monkeypatch, still, tmp_path):
    # The sandbox moved a week on: a payment dated two days ago there was warned about as
    # "dated after today", and the audit log dated the import by the machine's clock.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "payments.csv").write_text(
        "payment_id,customer_id,date,amount,currency\nP1,C0013,2026-12-17,10.00,USD\n")
    answers = [lines for _, lines in sandbox(
        monkeypatch, ":clock 2026-12-19 10:00", ":import payments payments.csv",
        ":audit 1")]
    assert _said(answers[1]) == (
        "payments: 1 row read — 1 inserted, 0 updated, 0 unchanged, 0 rejected (committed)")
    assert answers[2][-1].split() == [
        "2026-12-19", "10:00:00", "cli", "import.payments", "payments.csv",
        '{"file":', '"payments.csv",', '"inserted":', '1,', '"rejected":', '0,', '"rows":',
        '1,', '"unchanged":', '0,', '"updated":', '0}']


def test_skip_invalid_with_every_row_rejected_says_nothing_was_imported(monkeypatch, still,
                                                                          tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "payments.csv").write_text(
        "payment_id,customer_id,date,amount,currency\nP1,C0013,20/11/2026,10.00,USD\n")
    answers = [lines for _, lines in sandbox(
        monkeypatch, ":import payments payments.csv --skip-invalid")]
    assert _said(answers[0]) == (
        "payments.csv: line 2, column date: “20/11/2026” is not a date in YYYY-MM-DD form "
        "(e.g. 2026-03-31); write 2026-11-20 payments: 1 row read — 0 inserted, 0 "
        "updated, 0 unchanged, 1 rejected (committed) nothing was imported: all 1 row(s) "
        "have problems, and --skip-invalid imports only the good rows. Fix them and import "
        "the file again.")
