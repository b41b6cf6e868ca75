"""Assignments as people make them: signed HTTP → bot → Slack emulator, on SQLite and
PostgreSQL. `/credit assign` with a mention and with a bare id, a reassignment that tells
both collectors, the *Assign collector* button on the check card and on a digest line
with its person picker, refusals that say why, hostile names that ping nobody; and the
alerts job assigning newly overdue accounts by app.yaml's rules, then to the least loaded
collector, each told by direct message."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config.collections import AssignmentRuleSetting, CollectionSettings
from bot.config.customer_match import CustomerMatchSetting
from bot.sandbox.emulator import User
from bot.scheduler import job_context
from domain.positions import portfolio_positions
from handlers.alerts import run_alerts
from handlers.render import erp_text
from storage.models import AuditRow, CollectionAssignmentRow, CustomerRow
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL, STRANGER
from tests.e2e.test_alert_actions import first_page
from tests.e2e.test_orders import deliver

ANNA, BEN = "U04COLLECT1", "U04COLLECT2"   # the demo's collectors (role collector)
ACME = "C0002"                              # Acme Packaging, overdue on NOW
FINANCE_CHANNEL = "C02FINANCE0"


def sections(reply: Any) -> list[str]:
    return [b["text"]["text"] for b in reply.blocks if b.get("type") == "section"]


def dms(world: Any, user: str) -> list[dict[str, Any]]:
    return list(world.emulator.channels.get("D" + user[1:12], []))


def open_assignments(world: Any) -> dict[str, str]:
    with Session(world.services.engine) as session:
        return {r.customer_id: r.collector for r in session.scalars(
            select(CollectionAssignmentRow).where(CollectionAssignmentRow.status != "closed"))}


def audit(world: Any, prefix: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    with Session(world.services.engine) as session:
        return [(r.actor, r.action, r.subject, r.details) for r in session.scalars(
            select(AuditRow).where(AuditRow.action.startswith(prefix)).order_by(AuditRow.id))]


def context_texts(message: dict[str, Any]) -> list[str]:
    return [e["text"] for b in message.get("blocks", []) if b["type"] == "context"
            for e in b["elements"]]


def test_assigning_an_account_with_nothing_overdue_says_so(world):
    # Assigned without a word: "Its next step is due today" for money nobody owes yet.
    with world.services.uow() as uow:
        open_ = uow.receivables.open_invoices(["C0024"])
    assert all(i.due_date >= NOW.date() for i in open_)  # the demo's: none past due
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign C0024 <@{ANNA}>")
    assert sections(reply) == [
        f"Lindqvist Papper AB (C0024) is now collected by <@{ANNA}>, who was told by direct "
        "message with the account's card. Nothing of it is overdue now: `/credit unassign "
        "C0024` takes it off their list if it was a slip."]
    # The collector hears it too: "Its next step is due today" alone sent them to call
    # about money nobody owes yet (and beside it said two things at once).
    deliver(world)
    assert context_texts(dms(world, ANNA)[-1])[-1] == (
        f"You now collect this account (assigned by <@{CREDIT_MANAGER}>). Nothing of it is "
        "overdue now: there is nothing to collect until an invoice falls due.")
    # Typed by their Chinese names, every command the answers name is written so.
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 取消分配 C0024")
    assert sections(reply) == [
        f"Nobody collects Lindqvist Papper AB (C0024) now; <@{ANNA}> was told. The morning "
        "alerts leave it unassigned until one of its invoices falls due again; `/credit 分配` "
        "gives it a collector before that."]
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit 取消分配 C0024")
    assert reply.all_text() == (
        "Nobody collects Lindqvist Papper AB (C0024) now, so there is nothing to unassign; "
        "`/credit 分配 C0024 @collector` gives it a collector.")
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit 分配 C0024 <@{ANNA}>")
    assert sections(reply) == [
        f"Lindqvist Papper AB (C0024) is now collected by <@{ANNA}>, who was told by direct "
        "message with the account's card. Nothing of it is overdue now: `/credit 取消分配 "
        "C0024` takes it off their list if it was a slip."]


def test_assign_by_mention_then_reassign_by_bare_id_tells_both(world):
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                              f"/credit assign acme packaging <@{ANNA}|anna>")
    assert sections(reply) == [
        f"Acme Packaging ({ACME}) is now collected by <@{ANNA}>, who was told by direct "
        "message with the account's card."]
    deliver(world)
    [card] = dms(world, ANNA)
    assert card["text"] == f"You now collect Acme Packaging ({ACME})"
    assert card["blocks"][0]["text"]["text"] == "Acme Packaging"
    assert context_texts(card)[-1] == (
        f"You now collect this account (assigned by <@{CREDIT_MANAGER}>). Its next step is "
        "due today.")
    # The card a collector gets has no buttons to share or file from a DM.
    assert not [b for b in card["blocks"] if b["type"] == "actions"]

    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign {ACME} {BEN}")
    assert sections(reply) == [
        f"Acme Packaging ({ACME}) is now collected by <@{BEN}> instead of <@{ANNA}>; both "
        "were told by direct message."]
    deliver(world)
    assert dms(world, ANNA)[-1]["text"] == (
        f"<@{CREDIT_MANAGER}> reassigned Acme Packaging ({ACME}) to <@{BEN}>: you no longer "
        "collect it.")
    assert context_texts(dms(world, BEN)[-1])[-1] == (
        f"You now collect this account instead of <@{ANNA}> (assigned by "
        f"<@{CREDIT_MANAGER}>). Its next step is due today.")
    assert open_assignments(world) == {ACME: BEN}
    assert audit(world, "collections.") == [
        (CREDIT_MANAGER, "collections.assigned", ACME, {"collector": ANNA}),
        (CREDIT_MANAGER, "collections.reassigned", ACME, {"collector": BEN,
                                                          "previous": ANNA})]

    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit unassign {ACME}")
    assert sections(reply) == [
        f"Nobody collects Acme Packaging ({ACME}) now; <@{BEN}> was told. The morning "
        "alerts leave it unassigned until one of its invoices falls due again; "
        "`/credit assign` gives it a collector before that."]
    deliver(world)
    assert dms(world, BEN)[-1]["text"] == (
        f"<@{CREDIT_MANAGER}> took Acme Packaging ({ACME}) off your collections: nobody "
        "collects it now.")
    assert open_assignments(world) == {}


def test_refusals_say_why_and_assign_nothing(world):
    def answer(user: str, line: str) -> str:
        reply = world.slack.slash(user, SALES_CHANNEL, line)
        return "\n".join(sections(reply)) if reply.blocks else reply.text

    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign {ACME} <@{ANNA}>")
    assert answer(CREDIT_MANAGER, f"/credit assign acme packaging <@{ANNA}|anna>") == (
        f"Acme Packaging is already assigned to <@{ANNA}>.")
    assert answer(SALES, f"/credit assign {ACME} <@{BEN}|ben>") == (
        f":lock: Only the credit managers and collections leads assign collectors; ask "
        f"<@{CREDIT_MANAGER}>.")
    assert answer(STRANGER, f"/credit assign {ACME} <@{BEN}|ben>") == (
        ":lock: Credit data is confidential, and you are not among the people who may see "
        "it. Ask <@U02CREDITMG> or <@U02CREDITAN> to give you access.")
    assert answer(CREDIT_MANAGER, f"/credit assign {ACME} <@{STRANGER}|stranger>") == (
        f"<@{STRANGER}> may not see credit data, so cannot collect an account. Pick someone "
        "listed under access.credit_data in app.yaml, or ask a credit manager to give them "
        "access.")
    assert answer(CREDIT_MANAGER, f"/credit assign {ACME} @maria") == (
        "“@maria” is not a person. Name the collector with @, e.g. `/credit assign acme "
        "@maria`, or give their Slack user id such as U0123ABCDE.")
    # No person at all, or a name Slack did not make a mention of: said so, with what
    # was typed.
    assert answer(CREDIT_MANAGER, "/credit assign acme packaging") == (
        "“acme packaging” names no collector: after the customer, type @ and pick the "
        "person from Slack's list, e.g. `/credit assign acme @maria`, or give their Slack "
        "user id such as U0123ABCDE.")
    assert answer(CREDIT_MANAGER, "/credit assign C0041 maria *bold*") == (
        "“C0041 maria ∗bold∗” names no collector: after the customer, type @ and pick the "
        "person from Slack's list, e.g. `/credit assign acme @maria`, or give their Slack "
        "user id such as U0123ABCDE.")
    assert answer(CREDIT_MANAGER, "/credit unassign C0001") == (
        "Nobody collects Acme Industrial Supply (C0001) now, so there is nothing to "
        "unassign; `/credit assign C0001 @collector` gives it a collector.")
    assert open_assignments(world) == {ACME: ANNA}
    assert len(audit(world, "collections.")) == 1


def test_hostile_names_ping_nobody(world):
    with world.services.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == ACME)
                     .values(name="Acme <!channel> *Packaging*"))
    reply = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                              f"/credit assign {ACME} <@{ANNA}|*anna* &lt;!here&gt;>")
    assert sections(reply) == [
        f"Acme &lt;!channel&gt; ∗Packaging∗ ({ACME}) is now collected by <@{ANNA}>, who was "
        "told by direct message with the account's card."]
    nobody = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                               f"/credit assign <!channel> <@{ANNA}>")
    assert "<!channel>" not in nobody.all_text()
    # A mention is no customer: nothing like one is offered (it offered Hofmann Elektro).
    assert nobody.all_text() == (
        "No customer matches “&lt;!channel&gt;”. Try part of the name or the customer id, "
        "e.g. `/credit assign C0001 @maria`.")
    deliver(world)
    [card] = dms(world, ANNA)
    assert card["text"] == f"You now collect Acme &lt;!channel&gt; ∗Packaging∗ ({ACME})"


def test_the_check_cards_button_opens_a_person_picker_that_assigns(world):
    card = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit check acme packaging")
    assert [b["text"]["text"] for b in card.buttons()] == [
        "Share in channel", "Request more credit", "Assign collector"]
    world.slack.click(CREDIT_MANAGER, card, "Assign collector", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    assert view["title"]["text"] == "Assign collector"
    assert view["blocks"][0]["text"]["text"] == (
        f"Who collects *Acme Packaging* ({ACME}) from now on? They get the account's card "
        "by direct message.\nNobody collects it yet.")
    assert view["blocks"][1]["element"]["type"] == "users_select"
    empty = world.slack.submit(CREDIT_MANAGER, view, {})
    assert empty.json() == {"response_action": "errors", "errors": {
        "collector": "Pick the person who collects this account."}}
    outsider = world.slack.submit(CREDIT_MANAGER, view, {"collector": STRANGER})
    assert outsider.json()["errors"] == {"collector": (
        f"<@{STRANGER}> may not see credit data, so cannot collect an account. Pick someone "
        "listed under access.credit_data in app.yaml, or ask a credit manager to give them "
        "access.")}
    done = world.slack.submit(CREDIT_MANAGER, view, {"collector": ANNA})
    assert (done.status, done.body) == (200, "")
    [shown] = world.emulator.wait_for("chat.postEphemeral")
    assert (shown.args["channel"], shown.args["user"]) == (SALES_CHANNEL, CREDIT_MANAGER)
    assert shown.text == (
        f"Acme Packaging ({ACME}) is now collected by <@{ANNA}>, who was told by direct "
        "message with the account's card.")
    assert open_assignments(world) == {ACME: ANNA}
    # Pressed again: the form says who collects it now.
    world.emulator.views.clear()
    world.slack.click(CREDIT_MANAGER, card, "Assign collector", wait=False)
    assert world.slack.modal(CREDIT_MANAGER)["blocks"][0]["text"]["text"] == (
        f"Who collects *Acme Packaging* ({ACME}) from now on? They get the account's card "
        f"by direct message.\nCollected now by <@{ANNA}>.")


def test_a_digest_lines_button_assigns_and_a_rep_is_told_who_may(world):
    world.services.alerts.scan()
    _, page = first_page(world, FINANCE_CHANNEL)
    # A crowded first page gives the button up from its last lines: the top ones keep it.
    per_line = ["Assign collector" in [e.get("text", {}).get("text") for e in b["elements"]]
                for b in page.blocks if b["type"] == "actions"]
    kept = per_line.count(True)
    assert len(per_line) == 10 and kept >= 1 and per_line == [True] * kept + [False] * (
        10 - kept)
    line = next(b for b in page.buttons() if b["text"]["text"] == "Assign collector")
    customer = line["value"]
    refused = world.slack.click(SALES, page, "Assign collector")
    assert refused is not None and refused.text == (
        f":lock: Only the credit managers and collections leads assign collectors; ask "
        f"<@{CREDIT_MANAGER}>.")
    world.slack.click(CREDIT_MANAGER, page, "Assign collector", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    assert world.slack.submit(CREDIT_MANAGER, view, {"collector": BEN}).status == 200
    assigned = open_assignments(world)
    assert list(assigned.values()) == [BEN]
    assert f'"id":"{next(iter(assigned))}"' in customer


def overdue_in_base(world: Any) -> dict[str, Decimal]:
    with world.services.uow() as uow:
        entries = portfolio_positions(uow, NOW.date(), world.services.policy)
    return {e.customer.customer_id: e.in_base.overdue.amount for e in entries
            if e.in_base is not None and e.in_base.overdue.amount > 0}


def customer_names(world) -> list[tuple[str, str]]:
    with world.services.engine.connect() as conn:
        return [(r.customer_id, r.name) for r in conn.execute(
            select(CustomerRow.customer_id, CustomerRow.name))]


def test_the_alerts_job_assigns_new_overdue_accounts_by_rules_then_least_loaded(world):
    config = world.services.config
    rules = config.model_copy(update={"collections": CollectionSettings(rules=[
        AssignmentRuleSetting(when=CustomerMatchSetting(group=["HUAXIA"]), collector=BEN)])})
    with world.services.engine.connect() as conn:
        huaxia = {r.customer_id for r in conn.execute(
            select(CustomerRow.customer_id).where(CustomerRow.group_id == "HUAXIA"))}
    overdue = overdue_in_base(world)
    assert huaxia & set(overdue)
    # A held order on one account: its line in the list says so.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-7")
    counts = run_alerts(job_context(world.services.engine, rules, lambda: NOW))
    assigned = open_assignments(world)
    assert counts["assigned"] == len(overdue) == len(assigned)
    assert set(assigned) == set(overdue)
    assert {c for c in huaxia & set(overdue) if assigned[c] != BEN} == set()
    # The rest went to whoever had the least: the loads end within one account of each
    # other, however the rule's accounts weighed Ben down.
    rest = {c: a for c, a in overdue.items() if c not in huaxia}
    loads = {who: sum((a for c, a in overdue.items() if assigned[c] == who), Decimal(0))
             for who in (ANNA, BEN)}
    assert abs(loads[ANNA] - loads[BEN]) <= max(rest.values())
    assert {who for c, who in assigned.items() if c in rest} == {ANNA, BEN}
    assert all(actor == "creditbot" for actor, *_ in audit(world, "collections."))
    deliver(world)
    # One message each for the run, not a card per account: a list, largest first.
    names = dict(customer_names(world))
    held: dict[str, str] = {}
    for who, by in ((ANNA, "the rotation to the collector with the least overdue to collect, "
                           "as no assignment rule matched"),
                    (BEN, "the assignment rules, and where none matched the rotation to the "
                          "collector with the least overdue to collect")):
        [note] = dms(world, who)
        mine = sorted(c for c, w in assigned.items() if w == who)
        title, *lines = note["blocks"][0]["text"]["text"].split("\n")
        assert title == (f"You now collect {len(mine)} overdue accounts (assigned by {by}); "
                         "their next step is due today:")
        assert note["text"] == title.removesuffix(":")
        listed = lines[:20]
        assert lines[20:] == ([f"and {len(mine) - 20} more"] if len(mine) > 20 else [])
        shown = []
        for line in listed:
            match = re.fullmatch(r"• (.+) \((C\d{4})\) · \S+ overdue, oldest (1 day|\d+ days)"
                                 r"(?: · (.+))?", line)
            assert match and match[2] in mine and erp_text(names[match[2]], 200) == match[1], line
            shown.append(match[2])
            if match[4]:
                held[match[2]] = match[4]
        # Largest overdue in the base currency first, whatever currency each is billed in.
        assert shown == sorted(mine, key=lambda c: (-overdue[c], c))[:20]
        assert note["blocks"][1]["elements"][0]["text"] == (
            "Your worklist, with a card per account: `/credit collect`")
    assert held == {"C0013": "1 held order"}
    # The next run finds nothing new to assign, and tells nobody again.
    assert run_alerts(job_context(world.services.engine, rules, lambda: NOW))[
        "assigned"] == 0


def test_a_collector_whose_slack_is_in_chinese_gets_the_card_in_chinese(world):
    # The bot learns Anna's Slack language when she uses it; DMs follow it from then on.
    world.emulator.users[ANNA] = User(ANNA, "anna", locale="zh-CN")
    world.slack.slash(ANNA, SALES_CHANNEL, "/credit help")
    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign {ACME} <@{ANNA}|anna>")
    deliver(world)
    [card] = dms(world, ANNA)
    assert card["text"] == f"您现在负责催收 Acme Packaging（{ACME}）"
    assert context_texts(card)[-1] == (
        f"您现在负责催收此账户（由 <@{CREDIT_MANAGER}> 分配）。下一步行动今天到期。")


def test_the_new_collectors_card_shows_the_accounts_held_orders(world):
    # Lakeside is over its limit: the rep's order is held behind the account's payment,
    # which makes the account worth a call; the card says so, as the check card does.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-7")
    world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, f"/credit assign lakeside {ANNA}")
    deliver(world)
    [card] = dms(world, ANNA)
    assert card["text"] == "You now collect Lakeside Furniture Outlet (C0013)"
    shown = [b["text"]["text"] for b in card["blocks"] if "text" in b]
    assert ":no_entry: 1 held order: CB-1 (PO-7). Not to ship until it is released." in shown
