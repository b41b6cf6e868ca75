"""`/credit order` and `/credit check <customer> <amount>` as people use them: signed
HTTP → bot → Slack emulator, on SQLite and PostgreSQL. An order passes; one is held with
its failed rules; a held order is released by an approved order-release request filed
from its *Request release* button; another is released on its own when the next
invoices import shows the customer's overdue invoices paid, and its owner is told."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.cli import main
from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind
from domain.orders.model import OrderState
from handlers.delivery.sender import Sender, delivery_client
from storage.models import AuditRow, InvoiceRow, OrderCheckRow
from storage.outbox import OutboxStore
from tests.conftest import ROOT
from tests.e2e.alerts_world import add_rate, drain
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL, STRANGER, TOKEN
from tests.e2e.outbox_world import FakeClock
from tests.e2e.test_approval_decisions import FINANCE_DIRECTOR, block_texts, shown

OWNER_C0013 = "U01SALESBEN"   # Lakeside Furniture Outlet's owner
OWNER_C0001 = "U01SALESBEN"   # Acme Industrial Supply's owner
OWNER_C0002 = "U01SALESCHO"   # Acme Packaging's owner


def checks(world: Any) -> dict[str, OrderCheckRow]:
    with Session(world.services.engine) as session:
        return {row.order_id: row for row in session.scalars(select(OrderCheckRow))}


def audit(world: Any, action: str) -> list[AuditRow]:
    with Session(world.services.engine) as session:
        return list(session.scalars(select(AuditRow).where(AuditRow.action == action)
                                    .order_by(AuditRow.id)))


def deliver(world: Any) -> None:
    clock = FakeClock()
    sender = Sender(OutboxStore(world.services.engine),
                    delivery_client(TOKEN, world.emulator.api_url, timeout=10),
                    owner="orders-test", clock=clock, settle=timedelta(seconds=5))
    drain(sender, clock)


def direct_messages(world: Any, user: str) -> list[str]:
    return [m.get("text", "") for m in world.emulator.channels.get("D" + user[1:12], [])]


def sections(reply: Any) -> list[str]:
    return [b["text"]["text"] for b in reply.blocks if b.get("type") == "section"]


def test_an_order_within_the_rules_is_ok_to_ship_with_the_headroom(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 20k PO-7")
    assert reply.ephemeral
    assert sections(reply) == [
        ":white_check_mark: *OK to ship*: order CB-1 (PO-7) of $20,000.00 for Acme Industrial "
        "Supply (C0001).\nAvailable credit after this order: $1,341,977.28 (limit "
        "$1,700,000.00, exposure before it $338,022.72)."]
    # A typed mistake is taken back here (tests/e2e/test_order_withdraw.py).
    assert [b["text"]["text"] for b in reply.buttons()] == ["Withdraw order"]
    [row] = checks(world).values()
    assert (row.state, row.reference, row.checked_by, row.customer_id) == (
        "passed", "PO-7", SALES, "C0001")
    assert [a.actor for a in audit(world, "orders.placed")] == [SALES]


def test_an_order_line_sent_twice_places_one_order(world):
    line = "/credit order Acme Industrial 20k PO-7"
    world.slack.slash(SALES, SALES_CHANNEL, line)
    again = world.slack.slash(SALES, SALES_CHANNEL, line)
    assert again.ephemeral
    assert sections(again) == [
        "“PO-7” is already order CB-1 of Acme Industrial Supply ($20,000.00, Nov 29, "
        "2026), OK to ship. An order is placed once; give a new order a reference of its "
        "own."]
    # Retyped by its rep, perhaps to mend the amount: the first may be taken back.
    assert [b["text"]["text"] for b in again.buttons()] == ["Withdraw order"]
    assert list(checks(world)) == ["CB-1"]
    # Retyped in lower case: still the same order, on both databases, in every script.
    lower = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 20k po-7")
    assert lower.all_text() == again.all_text()
    # In quotes, as pasted from a mail or a document: still the same order.
    for quoted in ("“PO-7”", "'PO-7'", '"po-7"', "‘PO-7’", "「PO-7」"):
        said = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order Acme Industrial 20k "
                                                       f"{quoted}")
        assert said.all_text() == again.all_text(), quoted
    # With other separators, as the rep's own order book or the ERP writes it: it was a
    # second order, counted twice once the ERP exported the first as PO-7.
    # In brackets, as an aside: "CB-35 ((PO 7))", never the ERP's PO-7.
    for separated in ("PO 7", "PO/7", "po.7", "PO#7", "(PO-7)", "（PO 7）", "PO - 7",
                      "PO #7", "PO-7."):
        said = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order Acme Industrial 20k "
                                                       f"{separated}")
        assert said.all_text() == again.all_text(), separated
    # Parts kept apart: PO-1-23 and PO-12-3 are two orders (read without separators,
    # the second was refused as the first, and the ERP's PO-12-3 took the first's place
    # in the exposure).
    for number in ("PO-1-23", "PO-12-3", "PO72"):
        said = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order Acme Industrial 1k "
                                                       f"{number}")
        assert said.all_text().startswith(":white_check_mark: *OK to ship*"), number
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 1k STRASSE-Ж")
    folded = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 1k straße-ж")
    assert sections(folded) == [
        "“STRASSE-Ж” is already order CB-5 of Acme Industrial Supply ($1,000.00, Nov 29, "
        "2026), OK to ship. An order is placed once; give a new order a reference of its "
        "own."]
    # Another script's letters, another reference.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order Acme Industrial 1k ı-1")
    assert list(checks(world)) == ["CB-1", "CB-2", "CB-3", "CB-4", "CB-5", "CB-6"]
    assert [a.actor for a in audit(world, "orders.placed")] == [SALES] * 6


def test_an_order_failing_rules_is_held_with_each_rule_and_its_figures(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k")
    assert sections(reply) == [
        ":no_entry: *Held*: order CB-1 of $10,000.00 for Lakeside Furniture Outlet (C0013) "
        "is not OK to ship. It is recorded as held; the account owner is told.",
        "• Exposure $37,697.78 + this order $10,000.00 = $47,697.78 is above the "
        "limit $35,000.00.\n"
        "• An invoice is 136 days overdue, more than the 30 days allowed ($24,024.89 "
        "overdue in all).",
        "To ship it anyway, ask for a release: the approvers its amount calls for decide, "
        "and the answer to your request names them."]
    assert [b["text"]["text"] for b in reply.buttons()] == ["Request release",
                                                            "Withdraw order"]
    row = checks(world)["CB-1"]
    assert row.state == "held"
    assert [f["rule"] for f in row.failures] == ["limit", "overdue"]
    [held] = audit(world, "orders.held")
    assert (held.actor, held.subject) == (SALES, "C0013")
    deliver(world)
    [note] = direct_messages(world, OWNER_C0013)
    assert note == (":no_entry: Order CB-1 of $10,000.00 for Lakeside Furniture Outlet "
                    f"(C0013), placed by <@{SALES}>, is held: it is not to ship until it is "
                    "released.")


def test_check_with_an_amount_answers_without_recording(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check lakeside furniture 1k")
    assert sections(reply) == [
        ":no_entry: *Not OK to ship*: an order of $1,000.00 for Lakeside Furniture Outlet "
        "(C0013) would be held.",
        "• Exposure $37,697.78 + this order $1,000.00 = $38,697.78 is above the "
        "limit $35,000.00.\n"
        "• An invoice is 136 days overdue, more than the 30 days allowed ($24,024.89 "
        "overdue in all)."]
    assert reply.buttons() == []
    ok = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0019 EUR 2k")
    assert sections(ok) == [
        ":white_check_mark: *OK to ship*: an order of €2,000.00 for Dupont &amp; Fils SARL "
        "(C0019) passes the order rules.\nAvailable credit after this order: €31,692.07 "
        "(limit €46,000.00, exposure before it €12,307.93)."]
    assert checks(world) == {}
    world.services.views.flush()  # looks are written in batches, shortly after
    assert [a.subject for a in audit(world, "orders.checked")] == ["C0013", "C0019"]


@pytest.mark.parametrize(("line", "said"), [
    ("/credit order acme industrial -5", "“-5” is not an amount greater than zero: write "
     "it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit order C0001 5k " + "R" * 101, "An order reference takes at most 100 "
     "characters; this one has 101. Give the order's number, e.g. PO-2026-118."),
    # "Which acme?" gives the line as typed with the id, its amount unchanged though it
    # will be refused in turn: "`/credit order C0001 120k`" looked like the rep's line
    # corrected, and placed an order of 120,000 with no reference when copied.
    ("/credit order acme -5k", "“acme” matches several customers: Acme Industrial Supply "
     "(C0001), Acme Packaging (C0002). Use the id, e.g. `/credit order C0001 -5k`."),
    ("/credit order acm ¥20000 PO-5502", "“acm” matches several customers: Acme "
     "Industrial Supply (C0001), Acme Packaging (C0002). Use the id, e.g. `/credit order "
     "C0001 ¥20000 PO-5502`."),
    ("/credit order C0001 1e9999", "“1e9999” is more than creditbot takes for one order "
     "(at most 10,000,000,000,000): write it like 120000, 120,000, 120000.50, 120k, 1.2m, "
     "USD 120k or 120k EUR."),
    ("/credit order C0001 1e6 PO-1", "“1e6” is written with an exponent: write the digits "
     "out, e.g. 1000000."),
    ("/credit check C0001 1.5e3", "“1.5e3” is written with an exponent: write the digits "
     "out, e.g. 1500."),
    ("/credit order C0001 abc", "“abc” is not an amount: write it like 120000, 120,000, "
     "120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit order C0001 99999999999999999", "“99999999999999999” is more than creditbot "
     "takes for one order (at most 10,000,000,000,000): write it like 120000, 120,000, "
     "120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit check C0001 -5", "“-5” is not an amount greater than zero: write it like "
     "120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    # A minus typed apart from its number, or on the currency code, is still the
    # amount's: a regression trial booked "acme industrial -" an order of $5,000.00.
    ("/credit order acme industrial - 5k", "“-5k” is not an amount greater than zero: "
     "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
     "EUR."),
    ("/credit order acme industrial − 5k PO-9", "“−5k” is not an amount greater than zero: "
     "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
     "EUR."),
    ("/credit order C0001 -USD 5", "“-5” is not an amount greater than zero: write it "
     "like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit order C0001 USD -5", "“-5” is not an amount greater than zero: write it "
     "like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    # The en dash a Mac or a phone types for " - ".
    ("/credit order acme industrial – 5k", "“–5k” is not an amount greater than zero: "
     "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
     "EUR."),
    # Thousands grouped by a space, or a unit creditbot does not take: one amount that
    # it cannot read, never 10 with the reference "000" (an order of $10.00).
    ("/credit order acme industrial 10 000 PO-7", "“10 000” groups its digits with "
     "spaces: write it without them, like 10000."),
    ("/credit order acme industrial 1\u202f200\u202f000", "“1 200 000” groups its digits "
     "with spaces: write it without them, like 1200000."),
    # With decimals after a comma, as much of Europe writes them: it was an order of
    # $50.00 whose reference was "000,00".
    ("/credit order acme industrial 50 000,00", "“50 000,00” groups its digits with "
     "spaces: write it without them, like 50000.00."),
    ("/credit order acme industrial 1 234.56 PO-1", "“1 234.56” groups its digits with "
     "spaces: write it without them, like 1234.56."),
    ("/credit order acme industrial 5 mn", "“5 mn” uses “mn”, which creditbot does not "
     "read: write the amount in digits or with k or m, like 5000000 or 5m."),
    ("/credit check acme industrial 10 000", "“10 000” groups its digits with spaces: "
     "write it without them, like 10000."),
    # A code only the common ones are read as in lower case: asked about, not booked in
    # dollars with the reference "cad".
    ("/credit order acme industrial 5k cad", "“cad” after the amount: for CAD, write the "
     "code in capitals, e.g. `/credit order acme 120k CAD`; to give “cad” as the order's "
     "reference, put it in quotes: `/credit order acme 120k \"cad\"`."),
    # With the euro sign after it: €50.00 with the reference "000€ X3".
    ("/credit order acme industrial 50 000 € X3", "“50 000€” groups its digits with "
     "spaces: write it without them, like 50000 EUR."),
    # A unit or currency glued to the last group: $5.00 with the reference "000k", $250.00
    # with "000元 合同A".
    ("/credit order acme industrial 5 000k", "“5 000k” groups its digits with spaces: "
     "write it without them, like 5000k."),
    ("/credit order acme industrial 250 000元 合同A", "“250 000元” groups its digits with "
     "spaces: write it without them, like 250000元."),
    ("/credit order acme industrial 5 Tausend", "“5 Tausend” uses “Tausend”, which "
     "creditbot does not read: write the amount in digits or with k or m, like 5000 or 5k."),
    ("/credit order acme industrial 5 TCNY", "“5 TCNY” uses “TCNY”, which creditbot does "
     "not read: write the amount in digits or with k or m, like 5000 CNY or 5k CNY."),
    # Before a reference too: $5,000.00 with the reference "cad PO-7".
    ("/credit order acme industrial 5k cad PO-7", "“cad” after the amount: for CAD, write "
     "the code in capitals, e.g. `/credit order acme 120k CAD`; to give “cad” as the "
     "order's reference, put it in quotes: `/credit order acme 120k \"cad\"`."),
    # Business shorthand for thousands: €20.00 with the reference "TEUR Angebot", $50.00.
    ("/credit order acme industrial 20 TEUR Angebot", "“20 TEUR” uses “TEUR”, which "
     "creditbot does not read: write the amount in digits or with k or m, like 20000 EUR "
     "or 20k EUR."),
    # "grand" is an everyday word too ("+5000 grand opening"): not multiplied out, but
    # both ways asked about (it was "is not an amount").
    ("/credit order acme industrial 50 grand PO-32", "“50 grand”: creditbot does not read "
     "“grand” in an amount. For 50000, write it so; if “grand” begins the words after the "
     "amount, put them in quotes: 50 \"grand …\"."),
    # A unit with a sentence's comma after it was an order of $50.00 "(K, PO-62)".
    ("/credit order acme industrial 50 k, PO-62", "“50k,” is not an amount: write it like "
     "120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    # With a sentence's comma after it, it was an order of $50.00 "(grand, PO-41)".
    ("/credit order acme industrial 50 grand, PO-41", "“50 grand,” is not an amount: write "
     "it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit request acme industrial +5000 grand opening", "“+5000 grand”: creditbot does "
     "not read “grand” in an amount. For +5000000, write it so; if “grand” begins the words "
     "after the amount, put them in quotes: +5000 \"grand …\"."),
    # With a decimal comma: it was told "like 1.5 Mio.", refused in its turn; then "like
    # 1500000", booked in the customer's dollars.
    ("/credit order acme industrial 1,5 Mio. EUR PO-9", "“1,5 Mio. EUR” uses “Mio.”, which "
     "creditbot does not read: write the amount in digits or with k or m, like 1500000 EUR "
     "or 1.5m EUR."),
    ("/credit check acme industrial 2 lakh INR", "“2 lakh INR” uses “lakh”, which creditbot "
     "does not read: write the amount in digits or with k or m, like 200000 INR or 200k "
     "INR."),
    # A code with a capital first only: booked in dollars with the reference "Cad PO-41".
    ("/credit order acme industrial 50k Cad PO-41", "“Cad” after the amount: for CAD, write "
     "the code in capitals, e.g. `/credit order acme 120k CAD`; to give “Cad” as the "
     "order's reference, put it in quotes: `/credit order acme 120k \"Cad\"`."),
    # A second amount after the currency: an order of 1,000 with the reference "5k".
    ("/credit order acme industrial 1000 EUR 5k", "“1000 EUR 5k” is two amounts: an order "
     "has one, e.g. `/credit order acme 120k EUR PO-2026-118`."),
    # A check has no reference: the whole line was looked up as a name.
    ("/credit check acme industrial 5k cad", "“cad” after the amount: for CAD, write the "
     "code in capitals, e.g. `/credit check acme 120k CAD`."),
    # A second amount or currency is refused, not kept as the reference or dropped.
    ("/credit order acme industrial 5k 10k", "“5k 10k” is two amounts: an order has one, "
     "e.g. `/credit order acme 120k EUR PO-2026-118`."),
    # Its example as the command was typed.
    ("/credit 订单 acme industrial 5k 10k", "“5k 10k” is two amounts: an order has one, "
     "e.g. `/credit 订单 acme 120k EUR PO-2026-118`."),
    ("/credit order acme industrial usd5k EUR", "“usd5k EUR” names two currencies, USD and "
     "EUR: write one, e.g. 5,000 USD or 5,000 EUR."),
    ("/credit check acme industrial USD 5k EUR", "“USD 5k EUR” names two currencies, USD "
     "and EUR: write one, e.g. 5,000 USD or 5,000 EUR."),
    # Two codes after the amount: the second was the order's reference, and the check
    # looked for a customer named "acme industrial 5k USD EUR".
    ("/credit order acme industrial 5k USD EUR", "“5k USD EUR” names two currencies, USD "
     "and EUR: write one, e.g. 5,000 USD or 5,000 EUR."),
    ("/credit check acme industrial 5k 人民币 美元", "“5k 人民币 美元” names two currencies, "
     "CNY and USD: write one, e.g. 5,000 CNY or 5,000 USD."),
    # A dollar sign for a customer billed in pounds: which dollar is asked.
    ("/credit order fenwick 5k $ R9", "“5k$”: write the currency's code after the amount "
     "instead of its sign, e.g. 5k USD."),
    # A thousands point, as much of Europe writes it: 1,500 or 1.50, not a guess.
    ("/credit order acme industrial 1.500", "“1.500” could be 1500 or 1.50: write 1500 "
     "without the point, or 1.50."),
    # A date after the amount was kept as the order's reference: "CB-6 (on 31/12/2026)".
    ("/credit order acme industrial 5k on 31/12/2026", "“on 31/12/2026” reads as a date, not "
     "an order reference: an order is dated the day it is placed. Give your own reference "
     "(your PO number, say), or none."),
    ("/credit order acme industrial 5k 2026-12-31", "“2026-12-31” reads as a date, not an "
     "order reference: an order is dated the day it is placed. Give your own reference "
     "(your PO number, say), or none."),
    # A date beside the reference: "CB-33 (PO-8 2026-12-31)" never met the ERP's PO-8.
    ("/credit order acme industrial 1k PO-8 2026-12-31", "“PO-8 2026-12-31” has a date in it "
     "(2026-12-31): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    ("/credit order acme industrial 1k “PO-9” on 31/12", "““PO-9” on 31/12” has a date in "
     "it (on 31/12): an order is dated the day it is placed. Give your reference alone "
     "(your PO number, say), or none."),
    ("/credit order acme industrial 1k PO-13 tomorrow", "“PO-13 tomorrow” has a date in it "
     "(tomorrow): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    # A day and a month without a year, in English, German and Chinese ways: each was
    # kept as the reference ("CB-38 (ship 12/31)") and never met the ERP's order.
    ("/credit order acme industrial 1k 12/15", "“12/15” reads as a date, not an order "
     "reference: an order is dated the day it is placed. Give your own reference (your PO "
     "number, say), or none."),
    ("/credit order acme industrial 1k Dec 31, 2026", "“Dec 31, 2026” reads as a date, not "
     "an order reference: an order is dated the day it is placed. Give your own reference "
     "(your PO number, say), or none."),
    ("/credit order acme industrial 1k ship 12/31", "“ship 12/31” has a date in it "
     "(12/31): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    ("/credit order acme industrial 1k Lieferung 15.12.", "“Lieferung 15.12.” has a date in "
     "it (15.12.): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    ("/credit order acme industrial 1k PO-4 31 Dec", "“PO-4 31 Dec” has a date in it "
     "(31 Dec): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    ("/credit order acme industrial 1k 12.31发货", "“12.31发货” has a date in it (12.31): an "
     "order is dated the day it is placed. Give your reference alone (your PO number, "
     "say), or none."),
    ("/credit order acme industrial 1k 采购单 2026年12月", "“采购单 2026年12月” has a date in it "
     "(2026年12月): an order is dated the day it is placed. Give your reference alone (your "
     "PO number, say), or none."),
    # A decimal comma, pointed out with the amount as creditbot reads it.
    ("/credit order acme industrial 12.000,50", "“12.000,50” has a decimal comma: write "
     "decimals after a point and no point between thousands, like 12000.50."),
    ("/credit request acme industrial +1,5k more stock", "“+1,5k” has a decimal comma: "
     "write decimals after a point, like +1.5k."),
    # A superscript is no digit: "5²k" was an order of $52,000.00.
    ("/credit order acme industrial 5²k", "“5²k” is not an amount: write it like 120000, "
     "120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."),
    ("/credit check acme industrial - 5k", "“-5k” is not an amount greater than zero: "
     "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
     "EUR."),
    ("/credit order HUAXIA 10k", "“HUAXIA” is a customer group; an order is for one "
     "customer: name one of its members."),
    # A sign typed apart from its number is still the amount's: never read as part of the
    # name, with the number counted in the limit's currency.
    ("/credit order acme industrial ¥ 5000 R22", "“¥5000”: ¥ is both the yuan and the yen; "
     "write the currency's code after the amount instead, e.g. 5000 CNY or 5000 JPY."),
    ("/credit check fenwick $ 12", "“$12”: write the currency's code after the "
     "amount instead of its sign, e.g. 12 USD."),
    # A sign and a code: two currencies, neither taken over the other, both ways shown
    # (as for "usd5k EUR").
    ("/credit order acme industrial $12 EUR R4", "“$12 EUR” names two currencies, $ and "
     "EUR: write one, e.g. 12 USD or 12 EUR."),
    ("/credit check acme industrial $12 EUR", "“$12 EUR” names two currencies, $ and EUR: "
     "write one, e.g. 12 USD or 12 EUR."),
    ("/credit order acme industrial US$5k EUR R4", "“US$5k EUR” names two currencies, USD "
     "and EUR: write one, e.g. 5,000 USD or 5,000 EUR."),
    # Chinese numerals: said as such, not as an amount missing after the name.
    ("/credit order acme packaging 五万", "“五万” is written in Chinese numerals: write the "
     "number in digits, e.g. 5万 or 50000."),
    ("/credit check acme packaging 三百万元", "“三百万元” is written in Chinese numerals: write "
     "the number in digits, e.g. 5万 or 50000."),
    # The capitals of cheques and contracts: "“合同B” is not an amount" named the reference.
    ("/credit order acme packaging 叁拾万 合同B", "“叁拾万” is written in Chinese numerals: "
     "write the number in digits, e.g. 5万 or 50000."),
    # A check with no customer names the check as typed (it pointed to /credit order).
    ("/credit check \"\" 5k", "Name the customer, e.g. `/credit check acme 120k`."),
    ("/credit 查询 \"\" 5k", "Name the customer, e.g. `/credit 查询 acme 120k`."),
    ("/credit order \"\" 5k", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit 订单 \"\" 5k EUR", "Name the customer, e.g. `/credit 订单 acme 120k`."),
    # Only currencies where the customer goes: no customer "€" looked up (it answered
    # "No customer matches “€”" of a line that names none).
    ("/credit check € $ 5k", "Name the customer, e.g. `/credit check acme 120k`."),
    ("/credit 查询 CNY 5k", "Name the customer, e.g. `/credit 查询 acme 120k`."),
    ("/credit check 5k USD", "Name the customer, e.g. `/credit check acme 120k`."),
    ("/credit order € $ 5k", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit order USD 5k PO-1", "Name the customer, e.g. `/credit order acme 120k`."),
    # An amount alone: it was "the amount is missing after “5k”" (and "“5k” is not an
    # amount" after a sign).
    ("/credit order 5k", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit 订单 € 5k", "Name the customer, e.g. `/credit 订单 acme 120k`."),
    ("/credit check € 5k", "Name the customer, e.g. `/credit check acme 120k`."),
    # An amount first and a reference after it, or a dollar sign: no customer either
    # (it was "“PO-1” is not an amount" and "the amount is missing after “$5k”").
    ("/credit order 5k PO-1", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit order € 5k PO-1", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit order USD 5k", "Name the customer, e.g. `/credit order acme 120k`."),
    ("/credit order $5k", "Name the customer, e.g. `/credit order acme 120k`."),
    # The customer named after the amount: "Name the customer" read as if none was.
    ("/credit order 5k acme packaging", "Write the customer first, then the amount: "
     "`/credit order acme packaging 5k`."),
    ("/credit 订单 €5k 华夏物流", "Write the customer first, then the amount: "
     "`/credit 订单 华夏物流 €5k`."),
])
def test_bad_amounts_are_explained_and_nothing_is_recorded(world, line, said):
    reply = world.slack.slash(SALES, SALES_CHANNEL, line)
    assert reply.all_text() == said
    assert checks(world) == {}


def test_a_long_reference_is_shown_whole(world):
    """Cut at 63 characters, mid-word ("second deliver…"), on every message naming it."""
    reference = ("Purchase order for the Christmas showroom refit, second delivery to "
                 "Hamburg gate & dock 7")
    reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order lakeside 10k {reference}")
    assert sections(reply)[0].startswith(
        f":no_entry: *Held*: order CB-1 ({reference.replace('&', '&amp;')}) of $10,000.00 ")


def test_a_reference_with_mentions_and_controls_pings_nobody(world):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 1k <!channel> *PO*\u202e")
    [row] = checks(world).values()
    assert row.reference == "<!channel> *PO*"


def test_a_lower_case_word_after_the_amount_is_no_currency_but_a_common_code_is(world):
    # With the lira's and the lek's rates imported, "5k try again" was an order of
    # TRY5,000.00 ($145.00) and "5k all" of ALL5,000: a code counts in lower case only
    # when common (usd, eur, cny…); otherwise in capitals.
    for code in ("TRY", "ALL"):
        add_rate(world.services.engine, code, "0.03", NOW.date() - timedelta(days=1))
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5k try again")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5k all")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5k eur PO-E")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5k TRY PO-T")
    assert sorted((row.amount, row.currency, row.reference)
                  for row in checks(world).values()) == [
        (Decimal(5000), "EUR", "PO-E"), (Decimal(5000), "TRY", "PO-T"),
        (Decimal(5000), "USD", "all"), (Decimal(5000), "USD", "try again")]


def test_a_currency_named_in_chinese_is_the_orders_currency_not_its_reference(world):
    # "5000 人民币" was an order of $5,000.00 referenced "人民币": 7× what was meant.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5000 人民币")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5千美元 PO-U")
    # 元 alone is the renminbi: for this customer billed in dollars it was $5,000.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5000元 PO-Y")
    assert sorted((row.amount, row.currency, row.reference or "")
                  for row in checks(world).values()) == [
        (Decimal(5000), "CNY", ""), (Decimal(5000), "CNY", "PO-Y"),
        (Decimal(5000), "USD", "PO-U")]


def test_a_full_stop_copied_with_an_example_is_no_part_of_the_reference(world):
    # Copied from "…例如 `/credit 订单 C0027 5万 PO-2`。", the order was recorded as
    # "PO-2。", which never matches the ERP's PO-2.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 C0001 5000 PO-2。")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5000 PO。3")
    assert sorted(row.reference or "" for row in checks(world).values()) == ["PO-2", "PO。3"]


def test_someone_without_access_is_refused_and_nothing_is_recorded(world):
    reply = world.slack.slash(STRANGER, SALES_CHANNEL, "/credit order C0001 1k")
    assert reply.all_text() == (":lock: Credit data is confidential, and you are not among "
                                "the people who may see it. Ask <@U02CREDITMG> or "
                                "<@U02CREDITAN> to give you access.")
    assert checks(world) == {}


def test_a_held_order_is_released_when_its_release_request_is_approved(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k")
    world.slack.click(SALES, reply, "Request release", wait=False)
    view = world.slack.modal(SALES)
    answer = world.slack.submit(SALES, view, {"reason": "long-standing customer, paying "
                                                        "this week"})
    assert answer.status == 200, answer
    [request] = _requests_of(world, SALES)
    assert (request.kind, request.order_id) == (RequestKind.ORDER_RELEASE, "CB-1")
    manager = _member(world, CREDIT_MANAGER)
    world.services.requests.decide(manager, request.id, 1, Outcome.APPROVED)
    row = checks(world)["CB-1"]
    assert (row.state, row.released_by, row.release_note) == (
        OrderState.RELEASED.value, CREDIT_MANAGER, f"request:{request.id}")
    # The decided card keeps the figures the approver saw: the exposure without the
    # order it released ($37,697.78, not $47,697.78).
    texts = block_texts(shown(world, request.id, 1, CREDIT_MANAGER))
    assert texts[3:6] == ["*Credit limit*\n$35,000.00", "*Exposure*\n$37,697.78",
                          "*Available credit*\n:red_circle: *-$2,697.78* — over the limit"]
    deliver(world)
    # The approval's own note tells the owner (once: order review adds none of its own).
    assert direct_messages(world, OWNER_C0013)[1:] == [
        ":white_check_mark: On an account you own, request #1 · order release · Lakeside "
        "Furniture Outlet by <@U01SALESAMY> is approved. Order CB-1 is released."]


def test_a_release_card_says_why_the_order_was_held_in_the_limits_currency(world):
    """The card said "release order CB-1 (PO-FW1) of $2,000,000.00" beside pound figures
    and not why it was held: the approver converted, and guessed."""
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order fenwick 2m USD PO-FW1")
    held = [line for text in block_texts(reply) for line in text.split("\n")
            if line.startswith("• ")]
    request = _release_asked(world, reply, "truck waiting")
    texts = block_texts(shown(world, request.id, 1, CREDIT_MANAGER))
    [why] = [text for text in texts if text.startswith("*Held because*")]
    # The rep's own lines, word for word: the order in pounds among them.
    assert why == "*Held because*\n" + "\n".join(held)
    assert len(held) == 2 and "this order £1,587,142.14" in held[0]


def test_credit_orders_lists_mine_newest_first_as_each_stands(world):
    """A rep had no way to list the orders they placed: `/credit orders` was unknown."""
    empty = world.slack.slash(SALES, SALES_CHANNEL, "/credit orders")
    assert sections(empty) == [
        "You have placed no order in creditbot yet. `/credit order acme 120k` checks one "
        "against the order rules and records it."]
    held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-77")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 5k")
    # A second order held: two Request release buttons, each in a block of its own id
    # (Slack refuses a message whose block ids repeat; the driver checks each message).
    also_held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 1k PO-76")
    asked = world.slack.slash(SALES, SALES_CHANNEL, "/credit order fenwick 2m USD PO-FW1")
    request = _release_asked(world, asked, "truck waiting")
    # Someone else's order is not mine.
    world.slack.slash(OWNER_C0013, SALES_CHANNEL, "/credit order C0001 1k")
    listing = world.slack.slash(SALES, SALES_CHANNEL, "/credit orders")
    assert sections(listing) == [
        "*Your orders*, newest first",
        # In dollars for a customer whose limit is in pounds: what it takes of it too.
        f"*CB-4 (PO-FW1)* · Fenwick Retail Group (C0041) · $2,000,000.00 (£1,587,142.14) · "
        f"Nov 29, 2026: "
        f"held: not to ship until released; its release is asked for in request "
        f"#{request.id}",
        "*CB-3 (PO-76)* · Lakeside Furniture Outlet (C0013) · $1,000.00 · Nov 29, 2026: "
        "held: not to ship until released",
        "*CB-2* · Acme Industrial Supply (C0001) · $5,000.00 · Nov 29, 2026: OK to ship",
        "*CB-1 (PO-77)* · Lakeside Furniture Outlet (C0013) · $10,000.00 · Nov 29, 2026: "
        "held: not to ship until released"]
    # The held orders without a release asked for offer it, as their answers did; each
    # order that still counts may be withdrawn.
    assert [(b["text"]["text"], b["value"]) for b in listing.buttons()] == [
        ("Request release", also_held.buttons()[0]["value"]),
        ("Withdraw order", also_held.buttons()[0]["value"]),
        ("Withdraw order", '{"order":"CB-2","customer":"C0001"}'),
        ("Request release", held.buttons()[0]["value"]),
        ("Withdraw order", held.buttons()[0]["value"])]
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit orders all").text == (
        "`/credit orders` takes nothing after it; “all” is not needed.")
    assert world.slack.slash(STRANGER, SALES_CHANNEL, "/credit orders").all_text(
        ).startswith(":lock: Credit data is confidential")


def test_credit_orders_of_long_references_stays_within_slacks_size(world):
    """Twenty references of a hundred & (each &amp; when escaped) passed the 50 blocks
    but not Slack's size: whole orders are shown while they fit, the rest counted."""
    for n in range(21):
        world.slack.slash(SALES, SALES_CHANNEL, f"/credit order C0001 1k {'&' * 98}{n:02d}")
    # The driver checks every answer against Block Kit's limits, its size included.
    listing = world.slack.slash(SALES, SALES_CHANNEL, "/credit orders")
    shown = [text for text in sections(listing) if text.startswith("*CB-")]
    assert 0 < len(shown) < 20
    assert shown[0].startswith(f"*CB-21 ({'&amp;' * 98}20)*")
    assert listing.blocks[-1]["elements"][0]["text"] == (
        f"Only your {len(shown)} latest orders are shown; `/credit history` and a customer "
        "show its held orders.")


def test_credit_orders_names_a_customer_as_a_chinese_reader_knows_it(world):
    """The list said Shenzhen Brightstar Electronics where the order's answer said
    深圳明亮之星电子有限公司: the name stored with the order, not the reader's."""
    world.emulator.users[SALES].locale = "zh-CN"
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 C0029 1万 PO-8")
    listing = world.slack.slash(SALES, SALES_CHANNEL, "/credit 我的订单")
    assert sections(listing)[1].startswith(
        "*CB-1（PO-8）* · 深圳明亮之星电子有限公司（C0029） · ¥10,000.00 · 2026年11月29日：")


def _member(world: Any, user: str) -> Any:
    return world.services.config.roster().member(user)


def _requests_of(world: Any, user: str) -> list[Any]:
    return [r.request for r in world.services.requests.mine(_member(world, user))]


def _release_form(world: Any, order: str) -> Any:
    """The rep files an order release for Lakeside from `/credit request`'s form, naming
    the order as typed: the bot's HTTP answer."""
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request")
    return world.slack.submit(SALES, world.slack.modal(SALES), {
        "customer": "C0013", "kind": "order_release", "order": order,
        "reason": "paying this week"})


def _release_asked(world: Any, reply: Any, reason: str = "paying this week") -> Any:
    """The rep presses the answer's *Request release* and files the form with a reason:
    the request filed."""
    world.slack.click(SALES, reply, "Request release", wait=False)
    view = world.slack.modal(SALES)
    assert world.slack.submit(SALES, view, {"reason": reason}).status == 200
    return max(_requests_of(world, SALES), key=lambda r: r.id)


def test_the_release_form_asks_only_for_the_reason_and_says_a_refusal_beside_it(world):
    # Opened from the held order, the form showed all eight fields of a credit request
    # (limit, currency, last day, terms…), too many on a phone for one reason to write.
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-9")
    world.slack.click(SALES, reply, "Request release", wait=False)
    view = world.slack.modal(SALES)
    assert view["title"]["text"] == "Request release"
    assert [(b["type"], b.get("block_id")) for b in view["blocks"]] == [
        ("section", None), ("input", "reason")]
    assert view["blocks"][0]["text"]["text"] == (
        "Release order CB-1 of Lakeside Furniture Outlet (C0013): the approvers its "
        "amount calls for decide.")
    # Released meanwhile (the ERP showed it paid): the refusal is beside the reason, the
    # only field there is.
    with Session(world.services.engine) as session:
        session.execute(update(OrderCheckRow).where(OrderCheckRow.order_id == "CB-1")
                        .values(state="released", release_note="recheck"))
        session.commit()
    refused = world.slack.submit(SALES, view, {"reason": "pays on delivery"})
    assert refused.json() == {"response_action": "errors", "errors": {
        "reason": "Order CB-1 is not held any more: it was released, so there is nothing to "
                  "release."}}
    assert _requests_of(world, SALES) == []
    # Held again, the same form files the release.
    with Session(world.services.engine) as session:
        session.execute(update(OrderCheckRow).where(OrderCheckRow.order_id == "CB-1")
                        .values(state="held", release_note=None))
        session.commit()
    # A reason of spaces only: the release's own example, not a limit request's.
    blank = world.slack.submit(SALES, view, {"reason": "   "})
    assert blank.json() == {"response_action": "errors", "errors": {
        "reason": "Say why: a release needs a reason, e.g. the customer pays on delivery."}}
    assert world.slack.submit(SALES, view, {"reason": "pays on delivery"}).status == 200
    [request] = _requests_of(world, SALES)
    assert (request.kind.value, request.customer_id, request.order_id, request.reason) == (
        "order_release", "C0013", "CB-1", "pays on delivery")


def test_a_held_order_is_released_on_its_own_after_the_invoices_import_shows_them_paid(
        world, monkeypatch, tmp_path: Path):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 5k")
    assert checks(world)["CB-1"].state == "held"
    assert "• An invoice is 31 days overdue" in reply.all_text()
    today = world.services.today()
    with Session(world.services.engine) as session:
        overdue = list(session.scalars(select(InvoiceRow).where(
            InvoiceRow.customer_id == "C0002", InvoiceRow.status == "open",
            InvoiceRow.due_date < today)))
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status"]
    lines += [f"{i.invoice_id},{i.customer_id},{i.issue_date},{i.due_date},{i.amount},"
              f"{i.currency},0,paid" for i in overdue]
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    result = CliRunner().invoke(main, ["import", "invoices", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].endswith("held order(s) released")
    row = checks(world)["CB-1"]
    assert (row.state, row.released_by, row.release_note) == ("released", "creditbot",
                                                              "recheck")
    [released] = [a for a in audit(world, "orders.released") if a.details["order"] == "CB-1"]
    assert released.actor == "creditbot"
    deliver(world)
    assert (":white_check_mark: Order CB-1 of $5,000.00 for Acme Packaging (C0002) passes "
            "the order rules now and is released: no approval is needed any more."
            ) in direct_messages(world, OWNER_C0002)


def test_the_orders_job_reviews_the_erps_open_orders_once(world):
    from bot.scheduler import job_context, run_job
    from handlers.orders import FEATURE

    [job] = FEATURE.jobs
    engine = world.services.engine
    first = run_job(engine, job, job_context(engine, world.services.config), "orders-test")
    stored = checks(world)
    held = [row for row in stored.values() if row.state == "held"]
    assert first.outcome == "ok", first
    assert first.counts == {"reviewed": len(stored), "held": len(held), "released": 0}
    assert held and all(row.source == "erp" and row.checked_by == "creditbot"
                        for row in stored.values())
    assert len(audit(world, "orders.held")) == len(held)
    again = run_job(engine, job, job_context(engine, world.services.config), "orders-test")
    assert again.counts == {"reviewed": 0, "held": 0, "released": 0}


def test_an_order_is_answered_in_the_persons_language(world):
    world.emulator.users[CREDIT_MANAGER].locale = "zh-CN"
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 订单 lakeside 1万")
    assert sections(reply) == [
        ":no_entry: *已暂停*：Lakeside Furniture Outlet（C0013）的订单 CB-1，金额 US$10,000.00，"
        "不能发货。已记录为暂停发货，并已通知客户负责人。",
        "• 风险敞口 US$37,697.78 + 本订单 US$10,000.00 = US$47,697.78，超过信用额度 "
        "US$35,000.00。\n"
        "• 有一张发票已逾期 136 天，超过允许的 30 天（逾期合计 US$24,024.89）。",
        "如仍需发货，请申请放行：由其金额对应的审批人决定，提交申请后的回复会列出他们。"]
    assert [b["text"]["text"] for b in reply.buttons()] == ["申请放行", "撤回订单"]
    # Two sentences in Chinese run on, with no space after the 。.
    missing = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 订单 lakeside")
    assert sections(missing) == [
        "“lakeside”后缺少金额。先写客户，再写金额，例如 `/credit 订单 acme 120k`、"
        "`/credit 订单 华夏物流 25万 CNY PO-2026-118`（金额后可跟币种和您的订单编号；"
        "名称中带数字的客户请加引号）。"]


def test_an_amount_written_as_chinese_writes_it_is_the_order(world):
    """12万5千 was "not an amount" where 12万 and 125000 were; 12万5 is asked about, as
    said it is 125,000 and as written 120,005."""
    world.emulator.users[CREDIT_MANAGER].locale = "zh-CN"
    asked = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 订单 lakeside 1万2千5 PO-3")
    assert asked.all_text() == "“1万2千5”可能是 12500，也可能是 12005：请写明您指的是哪一个。"
    assert checks(world) == {}
    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 订单 lakeside 1万2千5百 PO-3")
    [order] = checks(world).values()
    assert (order.amount, order.currency, order.reference) == (Decimal(12_500), "USD", "PO-3")
    # Its items parted with ， as Chinese writes them: it was "the amount is missing".
    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 订单 lakeside，1万，PO-4")
    assert [(o.amount, o.reference) for o in checks(world).values()] == [
        (Decimal(12_500), "PO-3"), (Decimal(10_000), "PO-4")]


def test_a_rejected_release_refuses_the_order_and_frees_the_orders_after_it(world):
    first = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme industrial 2m PO-1")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme industrial 1k PO-2")
    assert {k: r.state for k, r in checks(world).items()} == {"CB-1": "held", "CB-2": "held"}
    world.slack.click(SALES, first, "Request release", wait=False)
    answer = world.slack.submit(SALES, world.slack.modal(SALES),
                                {"reason": "season order, customer pays early"})
    assert answer.status == 200, answer
    [request] = _requests_of(world, SALES)
    world.services.requests.decide(_member(world, CREDIT_MANAGER), request.id, 1,
                                   Outcome.REJECTED, "too large for now")
    rows = checks(world)
    # CB-1 does not ship; CB-2 was held only behind it, and passes now.
    assert (rows["CB-1"].state, rows["CB-1"].released_by, rows["CB-1"].release_note) == (
        "refused", CREDIT_MANAGER, f"refused:request:{request.id}")
    assert (rows["CB-2"].state, rows["CB-2"].release_note) == ("released", "recheck")
    [refused] = audit(world, "orders.refused")
    assert (refused.actor, refused.subject, refused.details["order"]) == (
        CREDIT_MANAGER, "C0001", "CB-1")
    deliver(world)
    freed = ("Order CB-2 (PO-2) of $1,000.00 for Acme Industrial Supply (C0001) passes the "
             "order rules now and is released: no approval is needed any more.")
    assert direct_messages(world, SALES) == [
        ":x: Your request #1 · order release · Acme Industrial Supply was rejected at level 1 "
        f"by <@{CREDIT_MANAGER}>. Order CB-1 (PO-1) will not ship, and no longer holds the "
        "customer's later orders.\n> too large for now",
        ":white_check_mark: " + freed]
    # The owner heard of both holds; now of the refusal and the release.
    assert direct_messages(world, "U01SALESBEN")[-2:] == [
        ":x: On an account you own, request #1 · order release · Acme Industrial Supply by "
        f"<@{SALES}> was rejected by <@{CREDIT_MANAGER}>. Order CB-1 (PO-1) will not ship, and no "
        "longer holds the customer's later orders.\n> too large for now",
        ":white_check_mark: " + freed]
    # The same reference again names the refused order.
    day = rows["CB-1"].order_date
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme industrial 2m PO-1")
    assert again.all_text() == (
        "“PO-1” is already order CB-1 of Acme Industrial Supply ($2,000,000.00, "
        f"{day:%b} {day.day}, {day.year}), refused: its release was rejected, so it will "
        "not ship. Give a new order a reference of its own.")


@pytest.mark.parametrize("outcome", [Outcome.APPROVED, Outcome.REJECTED])
def test_the_rep_who_placed_the_order_hears_how_a_release_the_owner_asked_for_ended(
        world, outcome):
    # The owner pressed Request release in the hold's note; the rep with the truck
    # waiting heard nothing of the decision, only /credit orders showed it.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme industrial 2m PO-1")
    filed = world.services.requests.file(_member(world, OWNER_C0001), Filing(
        "C0001", RequestKind.ORDER_RELEASE, "big season order", order_id="CB-1"))
    # 2m is over 50k: the credit manager, then the finance director.
    world.services.requests.decide(_member(world, CREDIT_MANAGER), filed.id, 1, outcome,
                                   "split it" if outcome is Outcome.REJECTED else None)
    if outcome is Outcome.APPROVED:
        world.services.requests.decide(_member(world, FINANCE_DIRECTOR), filed.id, 2,
                                       outcome)
    deliver(world)
    subject = f"request #{filed.id} · order release · Acme Industrial Supply"
    if outcome is Outcome.REJECTED:
        said = (f":x: On an order you placed, {subject} by <@{OWNER_C0001}> was rejected by "
                f"<@{CREDIT_MANAGER}>. Order CB-1 (PO-1) will not ship, and no longer holds "
                "the customer's later orders.\n> split it")
    else:
        said = (f":white_check_mark: On an order you placed, {subject} by <@{OWNER_C0001}> "
                "is approved. Order CB-1 (PO-1) is released.")
    assert direct_messages(world, SALES) == [said]
    # The owner, who asked, hears it as the requester, not twice.
    held = (":no_entry: Order CB-1 (PO-1) of $2,000,000.00 for Acme Industrial Supply "
            f"(C0001), placed by <@{SALES}>, is held: it is not to ship until it is released.")
    if outcome is Outcome.REJECTED:
        assert direct_messages(world, OWNER_C0001) == [
            held, f":x: Your {subject} was rejected at level 1 by <@{CREDIT_MANAGER}>. Order "
            "CB-1 (PO-1) will not ship, and no longer holds the customer's later orders.\n"
            "> split it"]
    else:
        assert direct_messages(world, OWNER_C0001) == [
            held, f":arrow_forward: Level 1 of your {subject} was approved by "
            f"<@{CREDIT_MANAGER}>. It now waits for level 2 of 2: finance director.",
            f":white_check_mark: Your {subject} is approved: <@{FINANCE_DIRECTOR}> approved "
            "its last level. Order CB-1 (PO-1) is released."]


def test_an_owner_placing_a_held_order_is_not_told_again_by_direct_message(world):
    reply = world.slack.slash(OWNER_C0013, SALES_CHANNEL, "/credit order lakeside 10k")
    assert sections(reply)[0] == (
        ":no_entry: *Held*: order CB-1 of $10,000.00 for Lakeside Furniture Outlet (C0013) "
        "is not OK to ship. It is recorded as held.")
    assert checks(world)["CB-1"].state == "held"
    deliver(world)
    assert direct_messages(world, OWNER_C0013) == []


def test_ok_to_ship_says_what_the_contract_leaves_when_it_binds_before_the_limit(world):
    # A limit approved above the contract's own: the customer's headroom alone told the
    # rep three times what the contract had room for.
    filed = world.services.requests.file(_member(world, SALES), Filing(
        "C0019", RequestKind.LIMIT_INCREASE, "bigger season", "+50k"))
    world.services.requests.decide(_member(world, CREDIT_MANAGER), filed.id, 1,
                                   Outcome.APPROVED)
    world.services.requests.decide(_member(world, FINANCE_DIRECTOR), filed.id, 2,
                                   Outcome.APPROVED)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0019 20k EUR PO-8")
    # Limit €46,000 + €50,000 approved; exposure €12,307.93: €63,692.07 left. Contract
    # K0019 keeps its own €46,000, of which its open orders use €4,944.13.
    assert sections(reply) == [
        ":white_check_mark: *OK to ship*: order CB-1 (PO-8) of €20,000.00 for Dupont &amp; Fils "
        "SARL (C0019).\nAvailable credit after this order: €63,692.07 (limit €96,000.00, "
        "exposure before it €12,307.93).\nContract K0019: €21,055.87 of its limit €46,000.00 left "
        "after this order."]


def test_a_release_of_an_order_in_another_currency_shows_what_it_was_measured_at(world):
    # The approvers read "release order CB-1 of €10,000.00" on a dollar account and had
    # to convert it in their heads.
    request = _release_asked(world, world.slack.slash(
        SALES, SALES_CHANNEL, "/credit order lakeside 10k EUR PO-E"), "trade fair stock")
    assert request.measured.currency == "USD"
    # Order releases go to the credit managers by direct message (app.yaml).
    card = shown(world, request.id, 1, CREDIT_MANAGER)
    assert block_texts(card)[2] == (
        f"*Requested*\nrelease order CB-1 (PO-E) of €10,000.00 (${request.measured.amount:,.2f} at "
        "the day's rate when filed)")


def test_the_check_card_shows_the_accounts_held_orders(world):
    # A rep placed a few orders, each held behind the one before, and the card said
    # "0 open orders": nothing told her why her customer was on hold.
    def held_lines() -> list[str]:
        card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check lakeside")
        return [t for t in card.texts("mrkdwn") if "held order" in t]

    assert held_lines() == []
    for n in (1, 2, 3):
        reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order lakeside 10k PO-H{n}")
    assert held_lines() == [
        ":no_entry: 3 held orders: CB-1 (PO-H1), CB-2 (PO-H2), CB-3 (PO-H3). Not to ship "
        "until they are released."]
    # One released: the card says so at the next check (an order's change is a new
    # version of what the check remembers).
    world.slack.click(SALES, reply, "Request release", wait=False)
    view = world.slack.modal(SALES)
    assert world.slack.submit(SALES, view, {"reason": "paid today"}).status == 200
    [request] = _requests_of(world, SALES)
    world.services.requests.decide(_member(world, CREDIT_MANAGER), request.id, 1,
                                   Outcome.APPROVED)
    assert held_lines() == [
        ":no_entry: 2 held orders: CB-1 (PO-H1), CB-2 (PO-H2). Not to ship until they are "
        "released."]


def test_a_shared_card_shows_the_held_orders_and_the_collector_too(world):
    # Share in channel read the position alone: the channel saw credit available and
    # nothing of the orders held, nor who collects the account.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-S1")
    world.slack.slash(CREDIT_MANAGER, "C03CREDIT00", "/credit assign lakeside <@U04COLLECT1>")
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check lakeside")
    world.slack.click(SALES, card, "Share in channel")
    posted = world.emulator.channels[SALES_CHANNEL][-1]
    texts = [b["text"]["text"] for b in posted["blocks"] if b.get("type") == "section"
             and "text" in b]
    fields = [f["text"] for b in posted["blocks"] for f in b.get("fields", [])]
    assert ":no_entry: 1 held order: CB-1 (PO-S1). Not to ship until it is released." in texts
    assert fields[0] == "*Customer*\nC0013 · owner <@U01SALESBEN>\nCollector: <@U04COLLECT1>"


def test_an_erp_order_reimported_under_another_customer_takes_its_hold_along(
        world, monkeypatch, tmp_path: Path):
    # The hold stayed on the first customer: its card listed an order no longer its own,
    # its later orders were held behind it, and the customer the order now belongs to
    # heard nothing.
    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    today = world.services.today()

    def import_order(customer: str) -> None:
        path = tmp_path / f"orders-{customer}.csv"
        path.write_text("order_id,customer_id,order_date,amount,currency,status\n"
                        f"SO-MOVE-1,{customer},{today},50000,USD,open\n", encoding="utf-8")
        result = CliRunner().invoke(main, ["import", "orders", str(path)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output

    def held_lines() -> list[str]:
        card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check lakeside")
        return [t for t in card.texts("mrkdwn") if "held order" in t]

    import_order("C0013")  # Lakeside, over its limit: held
    assert (checks(world)["SO-MOVE-1"].state, checks(world)["SO-MOVE-1"].customer_id) == (
        "held", "C0013")
    assert held_lines() == [":no_entry: 2 held orders: SO-0013-901, SO-MOVE-1. Not to ship "
                            "until they are released."]
    import_order("C0001")  # the ERP corrects the customer: Acme Industrial, well within
    row = checks(world)["SO-MOVE-1"]
    assert (row.customer_id, row.state, row.release_note) == ("C0001", "released", "recheck")
    [moved] = audit(world, "orders.moved")
    assert (moved.subject, moved.details) == ("C0001", {"order": "SO-MOVE-1",
                                                         "from": "C0013"})
    # Lakeside's card, remembered before, lists its own held order only.
    assert held_lines() == [
        ":no_entry: 1 held order: SO-0013-901. Not to ship until it is released."]


def test_a_release_request_names_the_order_by_the_reps_reference_too(world):
    # The approvers' card and the notes said "CB-1" only: the rep, the owner and the
    # customer know the order as PO-77, which the rep typed.
    request = _release_asked(
        world, world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-77"))
    assert (request.order_id, request.order_reference) == ("CB-1", "PO-77")
    card = shown(world, request.id, 1, CREDIT_MANAGER)
    assert block_texts(card)[2] == "*Requested*\nrelease order CB-1 (PO-77) of $10,000.00"
    listed = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert any("order CB-1 (PO-77) of $10,000.00" in t for t in listed.texts("mrkdwn")), \
        listed.texts("mrkdwn")
    world.services.requests.decide(_member(world, CREDIT_MANAGER), request.id, 1,
                                   Outcome.APPROVED)
    deliver(world)
    assert direct_messages(world, OWNER_C0013)[1:] == [
        ":white_check_mark: On an account you own, request #1 · order release · Lakeside "
        "Furniture Outlet by <@U01SALESAMY> is approved. Order CB-1 (PO-77) is released."]


def test_a_hostile_reference_on_a_release_request_formats_and_pings_nothing(world):
    request = _release_asked(world, world.slack.slash(
        SALES, SALES_CHANNEL, "/credit order lakeside 10k <!channel>*PO*"))
    world.services.requests.decide(_member(world, CREDIT_MANAGER), request.id, 1,
                                   Outcome.REJECTED, "not before they pay")
    deliver(world)
    # Escaped (no @channel) and with look-alike stars (no bold), as on the rep's answer.
    order = "CB-1 (&lt;!channel&gt;\u2217PO\u2217)"
    card = shown(world, request.id, 1, CREDIT_MANAGER)
    assert block_texts(card)[2] == f"*Requested*\nrelease order {order} of $10,000.00"
    assert direct_messages(world, OWNER_C0013)[-1] == (
        ":x: On an account you own, request #1 · order release · Lakeside Furniture Outlet "
        f"by <@U01SALESAMY> was rejected by <@U02CREDITMG>. Order {order} will not ship, "
        "and no longer holds the customer's later orders.\n> not before they pay")


def test_a_release_can_be_asked_for_by_the_orders_reference(world):
    # A rep filing from /credit request typed the order as she knows it, PO-77, and was
    # told the customer had no such order.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-77")
    answer = _release_form(world, "po-77")
    assert answer.status == 200, answer
    [request] = _requests_of(world, SALES)
    assert (request.order_id, request.order_reference) == ("CB-1", "PO-77")


def test_a_held_order_retyped_is_answered_with_its_release_button(world):
    # The answer said "Ask for its release with /credit request", which as typed files
    # only limit requests.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-5")
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-5")
    day = checks(world)["CB-1"].order_date
    assert sections(again) == [
        "“PO-5” is already order CB-1 of Lakeside Furniture Outlet ($10,000.00, "
        f"{day:%b} {day.day}, {day.year}), which is held. Ask for its release with the "
        "button below, or give a new order a reference of its own."]
    assert [b["text"]["text"] for b in again.buttons()] == ["Request release",
                                                            "Withdraw order"]
    request = _release_asked(world, again)
    assert (request.order_id, request.order_reference) == ("CB-1", "PO-5")
    assert list(checks(world)) == ["CB-1"]
    # Its release asked for, the button would only open a form refused on submit.
    pending = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-5")
    assert pending.all_text() == (
        "“PO-5” is already order CB-1 of Lakeside Furniture Outlet ($10,000.00, "
        f"{day:%b} {day.day}, {day.year}), which is held; its release is asked for in "
        f"request #{request.id}, which waits for a decision (`/credit requests` shows it). "
        "Give a new order a reference of its own.")
    assert pending.buttons() == []


def test_a_release_of_an_order_the_customer_lacks_names_its_held_orders(world):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-1")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-2")
    assert _release_form(world, "PO-9").json()["errors"] == {
        "order": "Lakeside Furniture Outlet has no order “PO-9”: give one of its held "
                 "orders (CB-1, CB-2), or the reference it was placed under."}


def test_history_shows_the_orders_held_and_what_became_of_them(world):
    # /credit history showed requests and limits only: an order held, released or
    # refused was audited and nowhere to be read.
    def held_then_request(reference: str) -> Any:
        return _release_asked(world, world.slack.slash(
            SALES, SALES_CHANNEL, f"/credit order lakeside 10k {reference}"))

    manager = _member(world, CREDIT_MANAGER)
    first = held_then_request("PO-1")
    world.services.requests.decide(manager, first.id, 1, Outcome.APPROVED)
    second = held_then_request("PO-2")
    world.services.requests.decide(manager, second.id, 1, Outcome.REJECTED, "not now")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-3")
    texts = [re.sub(r"<!date\^\d+\^", "<!date^…^", text) for text in world.slack.slash(
        CREDIT_MANAGER, SALES_CHANNEL, "/credit history lakeside").texts("mrkdwn")]
    # The clock runs on from NOW (a second may pass between the orders).
    at = "<!date^…^{date_short_pretty} {time}|Nov 29, 2026, 10:00\u202fAM>"
    assert texts[4:] == [
        "*Held orders*\n"
        f"• CB-3 (PO-3) of $10,000.00, held on {at}: not to ship until released\n"
        f"• CB-2 (PO-2) of $10,000.00, held on {at}: refused by <@{CREDIT_MANAGER}> on {at} "
        "(request #2), it will not ship\n"
        f"• CB-1 (PO-1) of $10,000.00, held on {at}: released by <@{CREDIT_MANAGER}> on "
        f"{at} (request #1)",
        "*Approved limit changes*\nNone yet."]


def test_history_keeps_its_held_orders_within_one_section(world):
    # Twelve refused orders with long references passed Slack's 3,000 characters a
    # section, and the last line was cut in the middle of its date.
    with Session(world.services.engine) as session:
        for n in range(1, 13):
            session.add(OrderCheckRow(
                source="erp", order_id=f"SO-{n:02d}-" + "9" * 58, customer_id="C0013",
                customer_name="Lakeside Furniture Outlet", amount=Decimal("10000"),
                currency="USD", order_date=NOW.date(), reference=None, state="refused",
                failures=[], checked_at=NOW, checked_by="creditbot", released_at=NOW,
                released_by=CREDIT_MANAGER, release_note=f"refused:request:{n}"))
        session.commit()
    texts = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                              "/credit history lakeside").texts("mrkdwn")
    held = next(t for t in texts if t.startswith("*Held orders*"))
    lines = held.split("\n")[1:]
    assert len(held) <= 3000 and 0 < len(lines) < 12
    # Newest first, each line whole.
    assert [line[:8] for line in lines] == [
        f"• SO-{n:02d}-" for n in range(12, 12 - len(lines), -1)]
    assert all(line.endswith("), it will not ship") for line in lines)
    assert f"Only the {len(lines)} latest held orders are shown." in texts


def test_a_release_is_refused_for_an_order_creditbot_does_not_hold(world):
    # The demo's SO-0005-900 passed the review: a release request was filed for it all
    # the same, and went to the approvers.
    world.services.orders.review_imported()
    passed = checks(world)["SO-0005-900"]
    assert passed.state == "passed"
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request")
    answer = world.slack.submit(SALES, world.slack.modal(SALES), {
        "customer": "C0005", "kind": "order_release", "order": "SO-0005-900",
        "reason": "ship it"})
    assert answer.json()["errors"] == {
        "order": "Order SO-0005-900 passed the order rules when it was checked: it is not "
                 "held, so there is nothing to release."}
    # Nothing but invisible characters is no order at all.
    answer = _release_form(world, "\u200b\u200b")
    assert answer.json()["errors"] == {
        "order": "An order release needs the held order's id (CB-…) or its reference."}
    assert _requests_of(world, SALES) == []


def test_a_release_of_an_order_released_or_refused_says_what_became_of_it(world):
    # The form answered "Lakeside Furniture Outlet has no order “CB-1”, and no held order
    # to release" for an order it had just released.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-1")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-2")
    first = _release_asked(world, world.slack.slash(SALES, SALES_CHANNEL,
                                                    "/credit order lakeside 10k PO-1"))
    member = _member(world, CREDIT_MANAGER)
    world.services.requests.decide(member, first.id, 1, Outcome.APPROVED)
    assert checks(world)["CB-1"].state == "released"
    for typed in ("CB-1", "po-1"):
        assert _release_form(world, typed).json()["errors"] == {
            "order": "Order CB-1 is not held any more: it was released, so there is "
                     "nothing to release."}
    second = _release_asked(world, world.slack.slash(SALES, SALES_CHANNEL,
                                                     "/credit order lakeside 10k PO-2"))
    world.services.requests.decide(member, second.id, 1, Outcome.REJECTED, "no")
    assert _release_form(world, "PO-2").json()["errors"] == {
        "order": "Order CB-2 was refused when its release was rejected: it will not ship. "
                 "Place it as a new order if it should."}


def test_request_release_pressed_when_there_is_none_to_ask_says_so_at_the_press(world):
    # The form opened all the same, and said so only once filled in and submitted.
    held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-1")
    request = _release_asked(world, held)
    asked = world.slack.click(SALES, held, "Request release")
    assert asked is not None and asked.all_text() == (
        f"The release of order CB-1 is already asked for in request #{request.id}, which "
        "waits for a decision (`/credit requests` shows it).")
    world.services.requests.decide(_member(world, CREDIT_MANAGER), request.id, 1,
                                   Outcome.APPROVED)
    released = world.slack.click(SALES, held, "Request release")
    assert released is not None and released.all_text() == (
        "Order CB-1 is not held any more: it was released, so there is nothing to release.")
    assert len(world.emulator.views) == 1  # the first press's form only


def test_a_second_release_for_one_order_names_the_order_beside_its_field(world):
    # The error sat under Customer and read as one request per customer, while the
    # customer's other orders were accepted.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-1")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-2")
    assert _release_form(world, "PO-1").status == 200
    assert _release_form(world, "po-1").json()["errors"] == {
        "order": "There is already an open release request for order CB-1 of Lakeside "
                 "Furniture Outlet (#1): it must be decided or cancelled first."}
    assert _release_form(world, "PO-2").status == 200


def test_a_reference_with_numbers_that_are_no_day_and_month_is_taken(world):
    # Refused as "has a date in it" once day-and-month references were: a part, a
    # calendar week, a fraction, a quantity, a position or section, a version.
    for number, reference in enumerate(("PO-118 part 1/2", "KW 12/26", "Lot 45/67",
                                        "PO-7 周一批", "年底备货单",
                                        "Lieferung 1/2", "PO-7 shipment 2/3",
                                        "钢材2.5吨", "PO-9 24/7", "Pos. 1.2.", "V1.2.",
                                        "Abschnitt 2.3.", "PO-5 for 2.5 tons",
                                        "PO-6 by 1-2 days", "PO-7 for 2.5 MT",
                                        "PO-8 by 1-2 business days"), 1):
        said = world.slack.slash(SALES, SALES_CHANNEL,
                                 f"/credit order acme industrial 1k {reference}")
        assert said.all_text().startswith(
            f":white_check_mark: *OK to ship*: order CB-{number} ({reference}) of "), reference


@pytest.mark.parametrize(("reference", "date"), [
    ("12/31/26", None), ("31-Dec-2026", None), ("ship 12.31", "12.31"),
    ("ship: 12/31", "12/31"), ("deadline 12/31", "12/31"), ("12/31发货", "12/31"),
    ("PO-8 Dec-31", "Dec-31"), ("周五发货", "周五"), ("采购单 下周二到货", "下周二"),
    ("月底交货", "月底"),
    # A T-shirt is no tonne: "by 12/31" before it is the date.
    ("by 12/31 T-shirts", "by 12/31")])
def test_a_date_written_other_ways_in_a_reference_is_refused(world, reference, date):
    said = world.slack.slash(SALES, SALES_CHANNEL,
                             f"/credit order acme industrial 1k {reference}")
    assert said.all_text() == (
        f"“{reference}” reads as a date, not an order reference: an order is dated the day "
        "it is placed. Give your own reference (your PO number, say), or none."
        if date is None else
        f"“{reference}” has a date in it ({date}): an order is dated the day it is placed. "
        "Give your reference alone (your PO number, say), or none.")
    assert checks(world) == {}
