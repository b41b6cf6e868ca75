"""The issue's "done when": one overdue account from its alert through assignment, a
logged call, a promise to pay broken (the collections job after the date plus grace),
a dispute on one invoice and the escalation to legal, as people do it in Slack: signed
HTTP -> bot -> use cases -> outbox -> sender -> Slack emulator, on SQLite and PostgreSQL,
on a controlled clock. Every message is asserted whole, in the channel it belongs in."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox.driver import Reply
from bot.scheduler import job_context, run_job
from handlers.collections.jobs import JOB
from handlers.delivery.sender import Sender, delivery_client
from handlers.i18n import translator
from storage.models import AuditRow, InvoiceRow
from storage.outbox import OutboxStore
from tests.e2e.alerts_world import drain
from tests.e2e.conftest import CREDIT_MANAGER, NOW, STRANGER, TOKEN
from tests.e2e.outbox_world import FakeClock

COLLECTOR = "U04COLLECT1"
COLLECTOR_DM = "D04COLLECT1"
CREDIT_CHANNEL = "C03CREDIT00"
SALES_CHANNEL = "C01SALES000"
LEGAL_CHANNEL = "C04LEGAL000"
SALES_OWNER = "U01SALESAMY"
LAWYER = "U05LEGAL001"
OWNER = "U01SALESCHO"  # Fenwick Retail Group's account owner
OTHER_COLLECTOR = "U04COLLECT2"
CUSTOMER = "C0041"  # Fenwick Retail Group: GBP, overdue in three buckets on NOW


def deliver(world: Any) -> None:
    clock = FakeClock()
    sender = Sender(OutboxStore(world.services.engine),
                    delivery_client(TOKEN, world.emulator.api_url, timeout=10),
                    owner="collections-test", clock=clock, settle=timedelta(seconds=5))
    drain(sender, clock)


def posts(world: Any, channel: str) -> list[dict[str, Any]]:
    return [c.args for c in world.emulator.calls_to("chat.postMessage")
            if c.status == 200 and c.args.get("channel") == channel]


def dms(world: Any, user: str) -> list[str]:
    return [m.get("text", "") for m in world.emulator.channels.get("D" + user[1:12], [])]


def latest_dm(world: Any, user: str, starting: str) -> str:
    """The latest direct message to ``user`` starting with ``starting``: a form's
    confirmation is sent once the form closed, so it is waited for (up to 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        found = [text for text in dms(world, user) if text.startswith(starting)]
        if found or time.monotonic() > deadline:
            return found[-1] if found else ""
        time.sleep(0.05)


def invoices(world: Any) -> list[InvoiceRow]:
    with Session(world.services.engine) as session:
        return list(session.scalars(select(InvoiceRow).where(
            InvoiceRow.customer_id == CUSTOMER, InvoiceRow.open_amount > 0)
            .order_by(InvoiceRow.due_date, InvoiceRow.invoice_id)))


def audit(world: Any) -> list[tuple[str, str, dict[str, Any]]]:
    with Session(world.services.engine) as session:
        return [(r.action, r.actor, r.details) for r in session.scalars(
            select(AuditRow).where(AuditRow.subject == CUSTOMER,
                                   AuditRow.action.like("collections.%"))
            .order_by(AuditRow.id))]


def worklist(world: Any) -> Any:
    return world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit collect")


def fill(world: Any, label: str, values: dict[str, Any]) -> Any:
    """Presses ``label`` on the collector's worklist and submits its form."""
    world.slack.click(COLLECTOR, worklist(world), label, wait=False)
    view = world.slack.modal(COLLECTOR)
    assert view["callback_id"].startswith("collect_")
    world.emulator.views.clear()
    return world.slack.submit(COLLECTOR, view, values)


def section_texts(reply: Any) -> list[str]:
    return [b["text"]["text"] for b in reply.blocks if b.get("type") == "section"]


def test_an_overdue_account_from_alert_to_legal(world):
    # The morning alerts: Fenwick Retail Group leads the sales digest, overdue.
    world.services.alerts.scan()
    deliver(world)
    digest = posts(world, SALES_CHANNEL)[0]
    assert digest["blocks"][3]["text"]["text"] == (
        "*Fenwick Retail Group* · C0041\n£483,620.18 overdue (≈ $609,422.64) · oldest 141 "
        "days past due · exposure £684,561.54\nNew")

    assigned = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL,
                                 f"/credit assign {CUSTOMER} <@{COLLECTOR}>")
    assert assigned.text == ("Fenwick Retail Group (C0041) is now collected by "
                             "<@U04COLLECT1>, who was told by direct message with the "
                             "account's card.")

    # The account owner asks for more credit meanwhile: the legal case shows it.
    world.slack.slash(OWNER, SALES_CHANNEL, f"/credit request {CUSTOMER} +100k spring orders")

    first = worklist(world)
    assert first.text == "1 account to collect"
    assert section_texts(first) == [
        "*Your collections*: 1 account, page 1 of 1. Promises due come first, then next "
        "steps due, then overdue amount × days past due.",
        "*Fenwick Retail Group* (C0041) · open · level 4: legal\n"
        "Overdue: 1-30 days: £275,756.19 · 31-60 days: £73,654.47 · 90+ days: £134,209.52\n"
        "No action recorded yet.\n"
        "Next step: legal on Nov 29, 2026"]
    assert [b["text"]["text"] for b in first.buttons()] == [
        "Log action", "Promise to pay", "Dispute", "Escalate to legal"]

    day = NOW.date()
    assert fill(world, "Log action", {"kind": "call", "outcome": "AP says payment run Friday",
                                      "next": str(day + timedelta(days=1))}).body == ""
    open_ = invoices(world)
    oldest, disputed = open_[0], open_[1]
    assert (oldest.invoice_id, disputed.invoice_id) == ("INV-0041-013", "INV-0041-022")
    assert fill(world, "Promise to pay", {"amount": "GBP 50k",
                                          "due": str(day + timedelta(days=2)),
                                          "invoices": oldest.invoice_id}).body == ""
    after = section_texts(worklist(world))[1]
    assert after == (
        "*Fenwick Retail Group* (C0041) · promised · level 4: legal\n"
        "Overdue: 1-30 days: £275,756.19 · 31-60 days: £73,654.47 · 90+ days: £134,209.52\n"
        "Last action: promise to pay £50,000.00 by Dec 1, 2026, recorded on Nov 29, 2026 by "
        "<@U04COLLECT1>\n"
        # The call planned for the 30th stays the next step, before the promise's day.
        "Next step: legal on Nov 30, 2026 · promise to pay due Dec 1, 2026")

    # The promise was due on 1 December; with three grace days it is broken on the 5th.
    with time_machine.travel(NOW + timedelta(days=6), tick=True):
        context = job_context(world.services.engine, world.services.config)
        result = run_job(world.services.engine, JOB, context, "test")
        assert result.counts == {"promises_kept": 0, "promises_broken": 1, "nudged": 1,
                                 "flagged": 0}
        again = run_job(world.services.engine, JOB, context, "test")
        assert again.counts == {"promises_kept": 0, "promises_broken": 0, "nudged": 0,
                                "flagged": 0}
        deliver(world)
        broken = (":x: *Fenwick Retail Group* (C0041) broke its promise to pay £50,000.00 by "
                  "Dec 1, 2026 for INV-0041-013: it is not paid, grace days included. The "
                  "broken promise is recorded against the customer.")
        assert dms(world, COLLECTOR) == [
            "Logged: call for *Fenwick Retail Group* (C0041). Next step on Nov 30, 2026: you "
            "are reminded that day.",
            "Promise recorded: *Fenwick Retail Group* (C0041) pays £50,000.00 by Dec 1, 2026 "
            "for INV-0041-013.",
            "You now collect Fenwick Retail Group (C0041)",
            broken,
            # Nov 30, as the Log action promised: the promise did not move it.
            ":alarm_clock: *Fenwick Retail Group* (C0041): the next step fell due on Nov 30, "
            "2026. `/credit collect` lists it among the first."]
        # The owner is told who to ask about what comes next.
        assert dms(world, OWNER) == [
            broken + f" <@{COLLECTOR}> collects the account: ask them what comes next."]

        assert fill(world, "Dispute", {"invoices": disputed.invoice_id,
                                       "reason": "two pallets arrived damaged",
                                       "department": "sales",
                                       "owner": SALES_OWNER}).body == ""
        deliver(world)
        dispute = posts(world, SALES_CHANNEL)[-1]
        assert dispute["text"] == (
            ":warning: *Fenwick Retail Group* (C0041) disputes INV-0041-022: two pallets "
            "arrived damaged\nOwner: <@U01SALESAMY>. Raised by <@U04COLLECT1> on Dec 5, "
            "2026. Reminders for these invoices are paused until the dispute is resolved.")
        assert [b["text"]["text"] for b in dispute["blocks"][1]["elements"]] == ["Resolve"]
        assert latest_dm(world, COLLECTOR, "Dispute opened") == (
            "Dispute opened for *Fenwick Retail Group* (C0041): INV-0041-022. It is posted in "
            f"<#{SALES_CHANNEL}> for Sales to resolve; reminders for these invoices are "
            "paused until then.")
        assert section_texts(worklist(world))[1] == (
            "*Fenwick Retail Group* (C0041) · disputed · level 4: legal\n"
            "Overdue: 1-30 days: £327,324.78 · 31-60 days: £73,654.47 · "
            f"90+ days: £134,209.52 (£{disputed.open_amount:,.2f} of it disputed)\n"
            "Last action: dispute over INV-0041-022 opened on Dec 5, 2026 by <@U04COLLECT1>: "
            "two pallets arrived damaged\n"
            # Five days past: said so, not read like a step to come.
            "Next step: legal on Nov 30, 2026 (5 days late) · 1 open dispute, open since "
            "Dec 5, 2026 · 1 broken promise")

        # The note's own full stop: "broken.. Legal collects" in the notes before.
        assert fill(world, "Escalate to legal", {"note": "three promises broken."}).body == ""
        deliver(world)
        case = posts(world, LEGAL_CHANNEL)[-1]
        assert case["text"] == "Legal case: Fenwick Retail Group"
        assert latest_dm(world, COLLECTOR, "*Fenwick Retail Group* (C0041) is escalated") == (
            f"*Fenwick Retail Group* (C0041) is escalated to legal: the case is posted in "
            f"<#{LEGAL_CHANNEL}> with the account's history, and legal has the account from "
            "now on.")
        # The owner heard of it only at legal's outcome, and could go on selling to the
        # account meanwhile; the collections lead did not hear of it at all. Pointed at
        # the history they may read, not at legal's channel they are seldom in.
        for person in (OWNER, CREDIT_MANAGER):
            assert latest_dm(world, person, ":scales:") == (
                f":scales: <@{COLLECTOR}> escalated *Fenwick Retail Group* (C0041) to legal "
                "on Dec 5, 2026: three promises broken. Legal collects the account from now "
                "on. `/credit history C0041` shows the account's history.")
        texts = [b["text"]["text"] for b in case["blocks"] if b["type"] == "section"]
        assert texts[0] == ("*Fenwick Retail Group* (C0041) was escalated to legal by "
                            "<@U04COLLECT1> on Dec 5, 2026: three promises broken.\n"
                            "Collector until now: <@U04COLLECT1>.")
        assert texts[1].splitlines()[:3] == [
            "*Open invoices*",
            "INV-0041-013: £91,549.78 open of £91,549.78, due Jul 11, 2026",
            "INV-0041-022: £16,967.26 open of £33,934.53, due Aug 1, 2026"]
        assert len(texts[1].splitlines()) == 1 + len(open_)
        assert texts[2:] == [
            "*Actions*\nNov 29, 2026 call by <@U04COLLECT1>: AP says payment run Friday",
            "*Promises to pay*\n£50,000.00 by Dec 1, 2026: broken",
            "*Disputes*\nINV-0041-022: two pallets arrived damaged (open)",
            "*Credit requests and decisions*\n#1 limit increase, filed Nov 29, 2026 by "
            "<@U01SALESCHO>: waiting for a decision"]
        assert case["blocks"][-2]["elements"][0]["text"] == "Status before: disputed."

        # Legal has the account now; the collector's list is empty.
        assert section_texts(worklist(world)) == [
            "You have no accounts to collect. The credit managers or the collections lead "
            "assign accounts, and the morning alerts assign newly overdue ones."]
        legal = world.slack.slash(LAWYER, "D05LEGAL001", "/credit collect")
        assert section_texts(legal)[1].startswith(
            "*Fenwick Retail Group* (C0041) · with legal · level 4: legal\n")
        # It says why it came (it said "No action recorded yet.").
        assert section_texts(legal)[1].splitlines()[-2] == (
            f"Last action: escalated to legal on Dec 5, 2026 by <@{COLLECTOR}>: three "
            "promises broken.")
        # Its dunning step (legal) is taken: what is left is legal's outcome.
        assert section_texts(legal)[1].splitlines()[-1].startswith(
            "Next step: legal's outcome (Record outcome) · ")
        # A promise, a dispute or another escalation waits for the outcome, which legal
        # may record from here as from the case's post.
        # The open dispute is resolved from here too (legal collects the account now).
        assert [b["text"]["text"] for b in legal.buttons()
                if b["action_id"] != "collect_more"] == [
            "Log action", "Record outcome", "Resolve dispute"]

        # Sales resolves the dispute from its post; legal records its outcome from the case.
        world.slack.click(SALES_OWNER, Reply(SALES_CHANNEL, dispute["text"], dispute["blocks"],
                                             ephemeral=False, ts="1.000100"),
                          "Resolve", wait=False)
        assert world.slack.submit(SALES_OWNER, world.slack.modal(SALES_OWNER),
                                  {"outcome": "credit note for the damaged pallets"}).body == ""
        # From legal's own worklist (the post's button is tested in the double submits).
        world.slack.click(LAWYER, legal, "Record outcome", wait=False)
        assert world.slack.submit(LAWYER, world.slack.modal(LAWYER),
                                  {"outcome": "settled for 80%"}).body == ""
        # The case's card is edited in place: the outcome instead of the button, and the
        # case as posted kept above it (the edit left only its first line).
        deliver(world)
        # The dispute was resolved while legal held the account: no reminders resume.
        assert latest_dm(world, COLLECTOR, ":white_check_mark:") == (
            f":white_check_mark: <@{SALES_OWNER}> resolved the dispute of *Fenwick Retail "
            "Group* (C0041) over INV-0041-022: credit note for the damaged pallets. The "
            "account is with legal: no reminders until legal records its outcome.")
        edits = [c.args for c in world.emulator.calls_to("chat.update") if c.status == 200
                 and c.args["channel"] == LEGAL_CHANNEL]
        as_posted = case["blocks"][:-1]
        assert case["blocks"][-1]["type"] == "actions" and len(as_posted) == 8
        assert [(e["text"], e["blocks"][:-2]) for e in edits] == [
            ("Legal case: Fenwick Retail Group", as_posted)]
        assert edits[0]["blocks"][-2:] == [
            {"type": "section", "text": {"type": "mrkdwn", "text": (
                f":white_check_mark: Outcome recorded by <@{LAWYER}> on Dec 5, 2026: settled "
                "for 80%")}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": (
                "The case is closed, and so is the account's assignment.")}]}]
        # Who escalated it and the account's owner hear of it: the account leaves
        # collection with the case, and only #legal heard of that.
        # The lead too, who may assign it again; the others are told whom to ask (they
        # were told to assign it, and refused when they tried).
        told = (f":scales: <@{LAWYER}> recorded legal's outcome for *Fenwick Retail Group* "
                f"(C0041), escalated by <@{COLLECTOR}> on Dec 5, 2026: settled for 80%. The "
                "account's collection is closed with the case. If money is still to come "
                "(instalments agreed), ")
        for person in (COLLECTOR, OWNER):
            assert latest_dm(world, person, ":scales:") == (
                told + f"ask <@{CREDIT_MANAGER}> to assign it again.")
        assert latest_dm(world, CREDIT_MANAGER, ":scales:") == (
            told + "assign it again with `/credit assign`.")
        # Pressed again, the post's old button says what was recorded.
        again = world.slack.click(LAWYER, Reply(LEGAL_CHANNEL, case["text"], case["blocks"],
                                                ephemeral=False, ts="1.000200"),
                                  "Record outcome")
        assert again is not None and again.all_text() == (
            "The legal case of C0041 is closed already: its outcome was recorded on Dec 5, "
            "2026: “settled for 80%”.")
        assert section_texts(world.slack.slash(LAWYER, "D05LEGAL001", "/credit collect")) == [
            "You have no accounts to collect. The credit managers or the collections lead "
            "assign accounts, and the morning alerts assign newly overdue ones."]

    # The history is all on record, in order.
    assert [(action, actor) for action, actor, _ in audit(world)] == [
        ("collections.assigned", CREDIT_MANAGER),
        ("collections.action_logged", COLLECTOR),
        ("collections.promised", COLLECTOR),
        ("collections.promise_broken", "creditbot"),
        ("collections.nudged", "creditbot"),
        ("collections.disputed", COLLECTOR),
        ("collections.escalated", COLLECTOR),
        ("collections.dispute_resolved", SALES_OWNER),
        ("collections.legal_outcome", LAWYER)]
    assert audit(world)[-3][2] == {"legal_case_id": 1, "note": "three promises broken.",
                                   "from": COLLECTOR, "to": LAWYER}
    assert audit(world)[-1][2] == {"legal_case_id": 1, "outcome": "settled for 80%"}

    # The account's owner reads it all in `/credit history` before calling the customer.
    history = world.slack.slash(OWNER, SALES_CHANNEL, f"/credit history {CUSTOMER}")
    with world.services.uow() as uow:
        [call] = uow.collections.actions(CUSTOMER)
        [promise] = uow.collections.promises(CUSTOMER)
        [opened] = uow.collections.disputes(CUSTOMER)
        [legal_case] = uow.collections.legal_cases(CUSTOMER)
    zone = world.services.config.organisation.zone

    def at(moment: Any) -> str:
        return translator("en-US").moment(moment, zone)

    assert section_texts(history)[-2] == (
        "*Collections*\nNobody collects it now.\n"
        f"• {at(legal_case.opened_at)}: escalated to legal by <@{COLLECTOR}>: three promises "
        f"broken. (outcome recorded by <@{LAWYER}> on {at(legal_case.closed_at)}: settled "
        "for 80%)\n"
        f"• {at(opened.opened_at)}: the customer disputed INV-0041-022: two pallets arrived "
        f"damaged, recorded by <@{COLLECTOR}> (resolved by <@{SALES_OWNER}> on "
        f"{at(opened.resolved_at)}: credit note for the damaged pallets)\n"
        f"• {at(promise.made_at)}: promise to pay £50,000.00 by Dec 1, 2026 for INV-0041-013, "
        f"recorded by <@{COLLECTOR}>: broken (seen unpaid on "
        f"{promise.checked_at.astimezone(zone):%b} {promise.checked_at.astimezone(zone).day}, "
        f"{promise.checked_at.astimezone(zone).year}, grace days included)\n"
        f"• {at(call.at)}: call by <@{COLLECTOR}>: AP says payment run Friday; next step on "
        "Nov 30, 2026")


def test_a_wrong_field_is_named_beside_it_and_another_collector_is_refused(world):
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, f"/credit assign {CUSTOMER} <@{COLLECTOR}>")
    answer = fill(world, "Promise to pay", {"amount": "fifty", "due": "2026-11-01",
                                            "invoices": "INV-NOPE"})
    errors = answer.json()["errors"]
    # Every field's problem in one round, the invoice's too.
    assert set(errors) == {"amount", "due", "invoices"}
    assert errors["due"] == ("Nov 1, 2026 has passed (today is Nov 29, 2026): pick today or "
                             "a later day.")
    assert errors["invoices"] == ("INV-NOPE is not an open invoice of C0041: name invoices "
                                  "from the account's open ones, separated by commas.")
    # More decimals than the account's currency: refused beside the field, not rounded.
    answer = fill(world, "Promise to pay", {"amount": "100.001", "due": "2026-12-20"})
    assert answer.json() == {"response_action": "errors", "errors": {
        "amount": "“100.001” has more decimals than GBP has: write it like 100.00."}}
    answer = fill(world, "Promise to pay", {"amount": "50k", "due": "2026-12-20",
                                            "invoices": "INV-NOPE, INV-0041-013"})
    assert answer.json() == {"response_action": "errors", "errors": {
        "invoices": "INV-NOPE is not an open invoice of C0041: name invoices from the "
                    "account's open ones, separated by commas."}}
    # Another collector's press: refused at once, to themselves, before any form opens
    # (nobody fills in a form only to hear it is not theirs).
    opened = len(world.emulator.calls_to("views.open"))
    for label in ("Log action", "Promise to pay", "Dispute", "Escalate to legal"):
        refusal = world.slack.click(OTHER_COLLECTOR, worklist(world), label)
        assert refusal.ephemeral and refusal.text == (
            "Fenwick Retail Group (C0041) is collected by <@U04COLLECT1>; only they or the "
            "collections lead can record against it.")
    assert len(world.emulator.calls_to("views.open")) == opened
    # A form submitted by someone it was not opened for is still refused on submit.
    world.slack.click(COLLECTOR, worklist(world), "Log action", wait=False)
    view = world.slack.modal(COLLECTOR)
    refused = world.slack.submit(OTHER_COLLECTOR, view, {"kind": "call", "outcome": "hi"})
    assert "Fenwick Retail Group (C0041) is collected by <@U04COLLECT1>; only they or the " \
           "collections lead can record against it." in json.dumps(
               refused.json()["view"]["blocks"], ensure_ascii=False)
    assert [a for a, _, _ in audit(world)] == ["collections.assigned"]
    # Someone who may not see credit data gets no form, only the reason, to themselves.
    world.emulator.views.clear()
    refusal = world.slack.click(STRANGER, worklist(world), "Promise to pay")
    assert refusal.ephemeral and refusal.text == (
        ":lock: Credit data is confidential, and you are not among the people who may see "
        "it. Ask <@U02CREDITMG> or <@U02CREDITAN> to give you access.")
    assert world.emulator.views == []


def test_a_long_worklist_pages_in_place_and_reads_in_chinese(world):
    from bot.sandbox.emulator import User
    from domain.collections.model import Assignment, AssignmentStatus

    with Session(world.services.engine) as session:
        from storage.models import CustomerRow
        ids = list(session.scalars(select(CustomerRow.customer_id)
                                   .order_by(CustomerRow.customer_id).limit(24)))
    zh_collector = "U03FINDIR01"  # listed in app.yaml (finance), so may see credit data
    # Slack says which language a person reads; set before they first ask.
    world.emulator.users[zh_collector] = User(zh_collector, "zh", locale="zh-CN")
    with world.services.uow() as uow:
        for n, cid in enumerate(ids):
            uow.collections.add_assignment(Assignment(
                cid, OTHER_COLLECTOR if n < 12 else zh_collector, AssignmentStatus.OPEN,
                "rules", NOW))
        uow.commit()
    ids = ids[:12]
    first = world.slack.slash(OTHER_COLLECTOR, "D04COLLECT2", "/credit collect")
    assert first.text == "12 accounts to collect"
    assert section_texts(first)[0] == (
        "*Your collections*: 12 accounts, page 1 of 2. Promises due come first, then next "
        "steps due, then overdue amount × days past due.")
    assert len(section_texts(first)) == 11
    assert first.buttons()[-1]["text"]["text"] == "More (2 of 2)"
    second = world.slack.click(OTHER_COLLECTOR, first, "More")
    assert second.raw.get("replace_original") is True
    assert section_texts(second)[0].startswith("*Your collections*: 12 accounts, page 2 of 2.")
    assert len(section_texts(second)) == 3
    shown = {t.split("(")[1].split(")")[0] for t in section_texts(first)[1:]
             + section_texts(second)[1:]}
    assert shown == set(ids)
    assert world.slack.slash(OTHER_COLLECTOR, "D04COLLECT2", "/credit collect 2").blocks \
        == second.blocks
    # Past the end: the last page, said to be the last (it was shown as if asked for).
    past = world.slack.slash(OTHER_COLLECTOR, "D04COLLECT2", "/credit collect 5")
    assert section_texts(past)[0] == "There are only 2 pages; here is the last."
    assert past.blocks[1:] == second.blocks
    assert world.slack.slash(OTHER_COLLECTOR, "D04COLLECT2", "/credit collect two").text == (
        "`/credit collect` takes a page number or nothing, e.g. `/credit collect 2`; the "
        "collections lead names a collector too, e.g. `/credit collect @maria`. “two” is not "
        "one.")

    chinese = world.slack.slash(zh_collector, "D03FINDIR01", "/credit 催收 2")
    assert chinese.text == "12 个账户待催收"
    assert section_texts(chinese)[0] == (
        "*您的催收*：12 个账户，第 2 页，共 2 页。先列付款承诺到期的，再列下一步已到期的，"
        "其余按逾期金额 × 逾期天数排序。")
    assert [b["text"]["text"] for b in chinese.buttons()[:4]] == [
        "记录行动", "付款承诺", "争议", "移交法务"]


def test_a_promise_or_dispute_form_names_the_account_and_lists_its_open_invoices(world):
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, f"/credit assign {CUSTOMER} <@{COLLECTOR}>")
    for label in ("Promise to pay", "Dispute"):
        world.emulator.views.clear()
        world.slack.click(COLLECTOR, worklist(world), label, wait=False)
        view = world.slack.modal(COLLECTOR)
        assert [b["text"]["text"] for b in view["blocks"][:2]] == [
            "Customer: *Fenwick Retail Group* (C0041)",
            "*Open invoices*\n"
            "`INV-0041-013` £91,549.78, due Jul 11, 2026\n"
            "`INV-0041-022` £16,967.26, due Aug 1, 2026\n"
            "`INV-0041-015` £25,692.48, due Aug 30, 2026\n"
            "`INV-0041-004` £22,375.28, due Oct 18, 2026\n"
            "`INV-0041-014` £51,279.19, due Oct 22, 2026\n"
            "`INV-0041-008` £67,497.91, due Nov 7, 2026\n"
            "`INV-0041-009` £72,967.22, due Nov 11, 2026\n"
            "`INV-0041-005` £81,765.19, due Nov 23, 2026\n"
            "`INV-0041-001` £53,525.87, due Nov 26, 2026\n"
            "`INV-0041-000` £51,568.59, due Nov 29, 2026\n"
            "`INV-0041-016` £75,830.20, due Dec 24, 2026\n"
            "`INV-0041-011` £43,712.68, due Dec 25, 2026\n"
            "`INV-0041-017` £29,829.89, due Dec 25, 2026"]
