"""Any id an ERP import takes comes back through the buttons that carry it: an id such as
``=1+1`` or ``A&B 01`` once made a collector's whole worklist fail to render (its buttons'
values allowed letters, digits and ``.-/`` only). Through the real import, then signed
HTTP -> bot -> emulator."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.imports import KINDS
from storage.csv_source import CsvFile
from storage.importer import CsvImporter
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL
from tests.e2e.test_collection_fixes import confirmed
from tests.e2e.test_collector_day import COLLECTOR, CREDIT_CHANNEL, dms, fill, worklist


def _import(world: Any, directory: Path, kind: str, header: list[str],
            rows: list[list[str]]) -> Any:
    path = directory / f"{kind}.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows)
    with CsvFile(path) as source:
        return CsvImporter(world.services.engine).run(KINDS[kind], source)


def _customer(world: Any, directory: Path, customer_id: str) -> None:
    report = _import(world, directory, "customers",
                     ["customer_id", "name", "currency", "credit_limit",
                      "payment_terms_days"],
                     [[customer_id, "Odd Ids Trading", "USD", "50000", "30"]])
    assert report.committed and report.inserted == 1
    issued, due = NOW.date() - timedelta(days=75), NOW.date() - timedelta(days=45)
    report = _import(world, directory, "invoices",
                     ["invoice_id", "customer_id", "issue_date", "due_date", "amount",
                      "currency"],
                     [[f"{customer_id}/1", customer_id, str(issued), str(due), "12000.00",
                       "USD"]])
    assert report.committed and report.inserted == 1


@pytest.mark.parametrize("customer_id, shown", [
    ("=1+1", "=1+1"),
    ("-2+3", "-2+3"),
    ("A&B 01", "A&amp;B 01"),
    ("#7 Müller+Søn", "#7 Müller+Søn"),
])
def test_an_odd_customer_id_is_collected_through_the_worklists_buttons(world, tmp_path,
                                                                       customer_id, shown):
    _customer(world, tmp_path, customer_id)
    assigned = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL,
                                 f"/credit assign {customer_id} <@{COLLECTOR}>")
    assert assigned.text == (f"Odd Ids Trading ({shown}) is now collected by <@{COLLECTOR}>, "
                             "who was told by direct message with the account's card.")
    assert worklist(world).text == "1 account to collect"
    assert fill(world, "Log action", {"kind": "call", "outcome": "AP clerk pays Friday",
                                      "next": str(NOW.date() + timedelta(days=3))}).body == ""
    confirmed(world, COLLECTOR)
    day = NOW.date() + timedelta(days=3)
    assert dms(world, COLLECTOR)[-1] == (
        f"Logged: call for *Odd Ids Trading* ({shown}). Next step on {day:%b} {day.day}, "
        f"{day.year}: you are reminded that day.")
    # The card's buttons carry it too: Share opens its form.
    card = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {customer_id}")
    assert card.blocks[0]["text"]["text"] == "Odd Ids Trading"


def test_an_id_with_a_tab_is_refused_where_it_enters(world, tmp_path):
    report = _import(world, tmp_path, "customers",
                     ["customer_id", "name", "currency", "credit_limit",
                      "payment_terms_days"],
                     [["C77\t01", "Tabbed Ltd", "USD", "1000", "30"]])
    assert not report.committed
    assert [str(error) for error in report.errors] == [
        "line 2, column customer_id: contains a tab; write the id without one"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ids_that_read_alike_are_told_apart_where_both_are_offered(world, tmp_path):
    """C0001 and С0001 (a Cyrillic Es) were offered as "Acme Industrial Supply (C0001)"
    and "Acme Industrial Supply (С0001)": a rep could not tell which one to pick."""
    twin = "\u04210001"
    report = _import(world, tmp_path, "customers",
                     ["customer_id", "name", "currency", "credit_limit", "payment_terms_days"],
                     [["C0001", "Twin Supply", "USD", "50000", "30"],
                      [twin, "Twin Supply", "USD", "9000000", "30"]])
    assert report.committed
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check twin supply")
    buttons = [e["text"] for b in reply.blocks if b["type"] == "actions"
               for e in b["elements"]]
    # ERP text on a button: its ":warning:" would show as the emoji.
    assert buttons == [
        {"type": "plain_text", "text": "Twin Supply (C0001)", "emoji": False},
        {"type": "plain_text", "text": f"Twin Supply ({twin}, with Cyrillic {twin[0]})",
         "emoji": False}]
    order = world.slack.slash(SALES, SALES_CHANNEL, "/credit order twin supply 500k")
    assert order.all_text() == (
        f"“twin supply” matches several customers: Twin Supply (C0001), Twin Supply ({twin}, "
        f"with Cyrillic {twin[0]}). Use the id, e.g. `/credit order C0001 500k`.")
