"""A credit note from the ERP, through the real import, then signed HTTP -> bot ->
emulator: the report's receivables count it (it is owed to the customer), the check
card's exposure does not (credit is not lent against a note the ERP has not applied)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL
from tests.e2e.test_collector_day import (
    COLLECTOR,
    CREDIT_CHANNEL,
    CUSTOMER,
    LEGAL_CHANNEL,
    deliver,
    fill,
    invoices,
    posts,
)
from tests.e2e.test_erp_ids import _import


def _receivables(world: Any) -> str:
    text = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit report",
                             timeout=30).all_text()
    found = re.search(r"\*Receivables\*\n(\$[\d,]+\.\d\d)", text)
    assert found, text
    return found[1]


def test_an_imported_credit_note_lowers_the_receivables_not_the_exposure(world, tmp_path):
    check_before = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002").all_text()
    before = _receivables(world)
    day = NOW.date() - timedelta(days=3)
    report = _import(world, tmp_path, "invoices",
                     ["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                      "currency"],
                     [["CN-7", "C0002", str(day), str(day), "-300.00", "USD"]])
    assert report.committed and report.inserted == 1
    after = _receivables(world)
    as_number = lambda money: float(money.strip("$").replace(",", ""))  # noqa: E731
    assert round(as_number(before) - as_number(after), 2) == 300.00
    # The card's figures are as before; a line of its own says why they read higher than
    # the ERP's balance.
    note = ("Open credit notes: $300.00 owed to the customer, not counted here until the "
            "ERP applies them to invoices.")
    shown = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002").all_text()
    assert note not in check_before
    assert shown.replace(note + "\n", "") == check_before


def test_a_legal_case_sets_the_credit_notes_beside_the_invoices(world, tmp_path):
    # Legal claims the open invoices; a note the ERP has not applied yet is owed back.
    day = NOW.date() - timedelta(days=3)
    report = _import(world, tmp_path, "invoices",
                     ["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                      "currency"],
                     [["CN-8", CUSTOMER, str(day), str(day), "-40.00", "USD"],
                      ["CN-9", CUSTOMER, str(day), str(day), "-1250.00", "GBP"]])
    assert report.committed and report.inserted == 2
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, f"/credit assign {CUSTOMER} <@{COLLECTOR}>")
    assert fill(world, "Escalate to legal", {"note": "no payment since July"}).body == ""
    deliver(world)
    case = posts(world, LEGAL_CHANNEL)[-1]
    owed = [b["text"]["text"] for b in case["blocks"] if b["type"] == "section"][1]
    lines = owed.splitlines()
    assert lines[0] == "*Open invoices*" and len(lines) == 2 + len(invoices(world))
    # The customer's own currency first, as on the check card.
    assert lines[-1] == ("Open credit notes: £1,250.00, $40.00 owed to the customer, not "
                         "counted here until the ERP applies them to invoices.")
