"""A check answered from what the bot remembers is never older than the data: an import
(from another process) or the organisation's midnight shows at the next check."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine

from domain.imports import KINDS
from storage.csv_source import CsvFile
from storage.db import make_engine
from storage.importer import CsvImporter
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL


def _card(world, query: str, user: str = SALES):
    reply = world.slack.slash(user, SALES_CHANNEL, f"/credit check {query}")
    assert reply.blocks and reply.blocks[0]["type"] == "header", reply.all_text()
    return reply.all_text()


def test_an_import_from_another_process_shows_at_the_next_check(world, tmp_path):
    before = _card(world, "C0001")
    assert _card(world, "C0001") == before  # remembered, and the same
    invoices = tmp_path / "invoices.csv"
    invoices.write_text(
        "invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status,"
        "order_id\nFRESH-1,C0001,2026-11-01,2026-11-20,123456.78,USD,,open,\n")
    other = make_engine(world.services.settings.database_url)  # `creditbot import`
    try:
        with CsvFile(invoices) as source:
            assert CsvImporter(other).run(KINDS["invoices"], source).committed
    finally:
        other.dispose()
    after = _card(world, "C0001")
    assert _open_invoices(after) == _open_invoices(before) + 1
    assert _card(world, "C0001") == after


def _open_invoices(card: str) -> int:
    found = re.search(r"(\d+) open invoices?\b", card)
    assert found, card
    return int(found.group(1))


def test_after_midnight_in_the_organisations_zone_the_invoices_are_a_day_older(world):
    # NOW is 10:00 in Shanghai; 16:30 UTC is half past midnight there, the next day.
    before = _card(world, "C0013")
    with time_machine.travel(NOW.replace(hour=16, minute=30), tick=True):
        after = _card(world, "C0013")
    assert before != after
    day = NOW.date()
    assert f"as of {day:%b} {day.day}, {day.year}" in before
    later = day + timedelta(days=1)
    assert f"as of {later:%b} {later.day}, {later.year}" in after


def test_every_check_is_recorded_even_when_remembered(world):
    for user in (SALES, SALES, CREDIT_MANAGER):
        _card(world, "C0001", user)
    world.services.views.flush()
    with world.services.uow() as uow:
        checked = [(e.actor, e.subject) for e in uow.audit.recent(10)
                   if e.action == "credit.checked"]
    assert sorted(checked) == sorted([(SALES, "C0001"), (SALES, "C0001"),
                                      (CREDIT_MANAGER, "C0001")])
