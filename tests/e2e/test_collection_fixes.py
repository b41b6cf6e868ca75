"""What a new user found in collections, through signed HTTP -> bot -> emulator: a promise
in a currency the account isn't billed in, above what is open, or years ahead is refused
beside its field; a kept promise is told to the collector."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import time_machine
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.sandbox.driver import Reply
from bot.scheduler import job_context, run_job
from handlers.alerts import run_alerts
from handlers.collections.jobs import JOB, run
from storage.models import InvoiceRow
from tests.e2e.conftest import CREDIT_MANAGER, NOW
from tests.e2e.test_collection_assign import ACME, open_assignments
from tests.e2e.test_collector_day import (
    COLLECTOR,
    CREDIT_CHANNEL,
    CUSTOMER,
    LEGAL_CHANNEL,
    audit,
    deliver,
    dms,
    fill,
    invoices,
    posts,
    section_texts,
    worklist,
)


def assign(world: Any) -> None:
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, f"/credit assign {CUSTOMER} <@{COLLECTOR}>")


def confirmed(world: Any, user: str, count: int = 1) -> None:
    """Waits for a form's confirmation (the ``count``-th direct message to ``user``): it
    is sent by DM once the form closed."""
    deadline = time.monotonic() + 5
    while len(dms(world, user)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def errors(answer: Any) -> dict[str, str]:
    body = answer.json()
    assert body["response_action"] == "errors"
    return dict(body["errors"])


def test_a_promise_in_another_currency_above_the_open_amount_or_years_ahead_is_refused(world):
    assign(world)
    oldest = invoices(world)[0]
    day = NOW.date()
    soon = str(day + timedelta(days=2))
    # The invoice named is, whatever else the account is billed in.
    assert errors(fill(world, "Promise to pay", {"amount": "EUR 5k", "due": soon,
                                                 "invoices": oldest.invoice_id})) == {
        "amount": f"The invoices named ({oldest.invoice_id}) are billed in GBP, not EUR: "
                  "write the amount in GBP, e.g. GBP 25k."}
    assert errors(fill(world, "Promise to pay", {"amount": "EUR 5k", "due": soon})) == {
        "amount": "C0041 is billed in GBP, not EUR: write the amount in GBP, e.g. GBP 25k."}
    open_ = f"£{oldest.open_amount:,.2f}"
    assert errors(fill(world, "Promise to pay", {"amount": "999999999", "due": soon,
                                                 "invoices": oldest.invoice_id})) == {
        "amount": f"£999,999,999.00 is more than {oldest.invoice_id} has open ({open_}): "
                  "promise at most that, or name more invoices."}
    assert errors(fill(world, "Promise to pay", {"amount": "GBP 1k",
                                                 "due": "2036-12-03"})) == {
        "due": "Dec 3, 2036 is more than a year ahead: pick a day on or before "
               f"{(day + timedelta(days=365)):%b} {(day + timedelta(days=365)).day}, "
               f"{(day + timedelta(days=365)).year}."}
    assert errors(fill(world, "Log action", {"kind": "call", "outcome": "AP clerk away",
                                             "next": "2040-01-01"})) == {
        "next": "Jan 1, 2040 is more than a year ahead: pick a day on or before "
                f"{(day + timedelta(days=365)):%b} {(day + timedelta(days=365)).day}, "
                f"{(day + timedelta(days=365)).year}."}


def test_every_problem_of_a_promise_form_is_told_in_one_round(world):
    # A new user's form: the currency, an invoice and the date all wrong, told one at a
    # time in four rounds; now beside their fields at once, and nothing recorded.
    assign(world)
    past = str(NOW.date() - timedelta(days=5))
    assert errors(fill(world, "Promise to pay", {"amount": "EUR 10k", "due": past,
                                                 "invoices": "INV-9999"})) == {
        "amount": "C0041 is billed in GBP, not EUR: write the amount in GBP, e.g. GBP 25k.",
        "due": f"{(NOW.date() - timedelta(days=5)):%b} {(NOW.date() - timedelta(days=5)).day}"
               f", {(NOW.date() - timedelta(days=5)).year} has passed (today is "
               f"{NOW.date():%b} {NOW.date().day}, {NOW.date().year}): pick today or a later day.",
        "invoices": "INV-9999 is not an open invoice of C0041: name invoices from the "
                    "account's open ones, separated by commas."}
    # The date right: the invoice and the amount still together.
    soon = str(NOW.date() + timedelta(days=2))
    assert errors(fill(world, "Promise to pay", {"amount": "999999999", "due": soon,
                                                 "invoices": "INV-9999"})) == {
        "amount": f"£999,999,999.00 is more than C0041 has open (£{_open(world):,.2f}): "
                  "promise at most the open amount.",
        "invoices": "INV-9999 is not an open invoice of C0041: name invoices from the "
                    "account's open ones, separated by commas."}
    assert [a for a, _, _ in audit(world) if a == "collections.promised"] == []


def test_every_problem_of_a_dispute_form_is_told_in_one_round(world):
    # A new user's dispute: a mistyped invoice, then the owner's department, told one
    # round after the other; now together, and nothing recorded.
    assign(world)
    disputed = invoices(world)[1].invoice_id
    assert errors(fill(world, "Dispute", {"invoices": f"{disputed}, inv-0041-15",
                                          "reason": "short delivery",
                                          "department": "logistics",
                                          "owner": "U01SALESAMY"})) == {
        "invoices": "inv-0041-15 is not an open invoice of C0041: name invoices from the "
                    "account's open ones, separated by commas.",
        "owner": "@U01SALESAMY is not in Logistics: pick a member of the department the "
                 "dispute goes to, or leave the owner empty."}
    assert errors(fill(world, "Dispute", {"invoices": "INV-9", "reason": "short delivery",
                                          "department": "nowhere",
                                          "owner": "Maria"})) == {
        "invoices": "INV-9 is not an open invoice of C0041: name invoices from the account's "
                    "open ones, separated by commas.",
        "department": "Pick the department that resolves the dispute from the list (Credit "
                      "Management, Finance & Accounts Receivable, Legal, Logistics, Sales).",
        "owner": "Pick the dispute's owner from the list of people, or leave it empty."}
    assert [a for a, _, _ in audit(world) if a == "collections.disputed"] == []


def test_a_call_logged_without_a_next_date_keeps_the_step_due(world):
    # A new user's "12/5" was no date; the field is optional, so the call was logged with
    # none: the step due (legal, today) lost its date and went to the end of the list,
    # and the answer did not say so. The date in force stays, and the answer says it.
    assign(world)
    assert fill(world, "Log action", {"kind": "call", "outcome": "AP clerk away"}).body == ""
    confirmed(world, COLLECTOR)
    assert dms(world, COLLECTOR)[-1] == (
        "Logged: call for *Fenwick Retail Group* (C0041). The next step stays due on Nov 29, "
        "2026; give a new date with Log action when you know it.")
    assert section_texts(worklist(world))[1].splitlines()[-1] == (
        "Next step: legal on Nov 29, 2026")
    # Today's date: the day's reminders may have gone, so none is promised.
    assert fill(world, "Log action", {"kind": "call", "outcome": "call back at five",
                                      "next": str(NOW.date())}).body == ""
    confirmed(world, COLLECTOR, 2)
    assert dms(world, COLLECTOR)[-1] == (
        "Logged: call for *Fenwick Retail Group* (C0041). The next step is due today; "
        "`/credit collect` lists it among the first.")


def test_a_promise_before_the_collectors_own_next_step_says_it_moved(world):
    # A call set for Dec 5, then a promise by Dec 1: the worklist showed Dec 1, and the
    # collector's own date was gone without a word.
    assign(world)
    day = NOW.date()
    assert fill(world, "Log action", {"kind": "call", "outcome": "payment run on Friday",
                                      "next": str(day + timedelta(days=6))}).body == ""
    confirmed(world, COLLECTOR)
    assert fill(world, "Promise to pay", {"amount": "GBP 10k",
                                          "due": str(day + timedelta(days=2))}).body == ""
    confirmed(world, COLLECTOR, 3)
    assert dms(world, COLLECTOR)[-1] == (
        "Promise recorded: *Fenwick Retail Group* (C0041) pays £10,000.00 by Dec 1, 2026. "
        "Your next step on Dec 5, 2026 moves to the promise's day, Dec 1, 2026.")


def _open(world: Any) -> Decimal:
    return sum((i.open_amount for i in invoices(world)), Decimal(0))


def test_an_amount_above_the_named_invoices_names_them_not_the_account(world):
    # "more than C0013 has open ($798.45)" was the one invoice named, not the account.
    assign(world)
    first, second = invoices(world)[:2]
    together = f"£{first.open_amount + second.open_amount:,.2f}"
    soon = str(NOW.date() + timedelta(days=2))
    assert errors(fill(world, "Promise to pay", {
        "amount": "999999999", "due": soon,
        "invoices": f"{first.invoice_id}, {second.invoice_id}, INV-9999"})) == {
        "amount": f"£999,999,999.00 is more than {first.invoice_id}, {second.invoice_id} "
                  f"have open together ({together}): promise at most that, or name more "
                  "invoices.",
        "invoices": "INV-9999 is not an open invoice of C0041: name invoices from the "
                    "account's open ones, separated by commas."}


def test_a_chinese_confirmation_runs_its_sentences_on_after_the_full_stop(world):
    # "…HK$500,000.00。 它取代了…": a space after a full-width stop shows as a gap.
    from bot.sandbox.emulator import User

    world.emulator.users[COLLECTOR] = User(COLLECTOR, "collector", locale="zh-CN")
    assign(world)
    oldest = invoices(world)[0]
    terms = {"amount": "GBP 50k", "due": str(NOW.date() + timedelta(days=2)),
             "invoices": oldest.invoice_id}
    assert fill(world, "付款承诺", terms).body == ""
    confirmed(world, COLLECTOR)
    assert fill(world, "付款承诺", terms).body == ""
    confirmed(world, COLLECTOR, 2)
    assert dms(world, COLLECTOR)[1] == (
        "已记录承诺：*Fenwick Retail Group*（C0041）将在 2026年12月1日前支付 £50,000.00"
        f"（{oldest.invoice_id}）。它取代了此前未结的付款承诺：2026年12月1日前支付 "
        f"£50,000.00（由 <@{COLLECTOR}> 于 2026年11月29日记录）；只有这条新承诺会被检查和"
        "计入。")


def test_a_second_promise_for_the_same_money_replaces_the_first(world):
    # The same promise recorded from two forms was checked twice: two broken promises,
    # two messages to the owner, "1 kept, 2 broken" in the report for one promise.
    assign(world)
    oldest, other = invoices(world)[:2]
    due = str(NOW.date() + timedelta(days=2))
    terms = {"amount": "GBP 50k", "due": due, "invoices": oldest.invoice_id}
    # 02:00 on Nov 29 in Shanghai, the 28th in UTC: "recorded on" is the organisation's day.
    with time_machine.travel(datetime(2026, 11, 28, 18, 0, tzinfo=UTC), tick=True):
        assert fill(world, "Promise to pay", terms).body == ""
        confirmed(world, COLLECTOR)
    assert fill(world, "Promise to pay", terms).body == ""
    # Another invoice's promise is money of its own: it replaces nothing.
    assert fill(world, "Promise to pay", {"amount": "GBP 1k", "due": due,
                                          "invoices": other.invoice_id}).body == ""
    confirmed(world, COLLECTOR, 3)
    assert dms(world, COLLECTOR) == [
        "Promise recorded: *Fenwick Retail Group* (C0041) pays £50,000.00 by Dec 1, 2026 for "
        f"{oldest.invoice_id}.",
        "Promise recorded: *Fenwick Retail Group* (C0041) pays £50,000.00 by Dec 1, 2026 for "
        f"{oldest.invoice_id}. It replaces the open promise of £50,000.00 by Dec 1, 2026 "
        f"(recorded by <@{COLLECTOR}> on Nov 29, 2026): only the new one is checked and counted.",
        "Promise recorded: *Fenwick Retail Group* (C0041) pays £1,000.00 by Dec 1, 2026 for "
        f"{other.invoice_id}."]
    replaced = [details["replaces"] for action, _, details in audit(world)
                if action == "collections.promised"]
    assert len(replaced) == 3 and replaced[0] == replaced[2] == [] and len(replaced[1]) == 1
    with time_machine.travel(NOW + timedelta(days=6), tick=True):
        context = job_context(world.services.engine, world.services.config)
        assert run_job(world.services.engine, JOB, context, "test").counts[
            "promises_broken"] == 2  # the second £50k and the £1k, not the first
    # The account's history for legal says what became of each (escalating crashed on
    # the replaced one's state).
    assert fill(world, "Escalate to legal", {"note": "no payment"}).body == ""
    deliver(world)
    case = json.dumps(posts(world, LEGAL_CHANNEL)[-1]["blocks"], ensure_ascii=False)
    assert case.count("£50,000.00 by Dec 1, 2026: broken") == 1
    assert case.count("£50,000.00 by Dec 1, 2026: replaced by a later promise") == 1
    assert case.count("£1,000.00 by Dec 1, 2026: broken") == 1


def test_a_kept_promise_is_told_to_the_collector(world):
    assign(world)
    oldest = invoices(world)[0]
    day = NOW.date()
    assert fill(world, "Promise to pay", {"amount": "GBP 50k",
                                          "due": str(day + timedelta(days=2)),
                                          "invoices": oldest.invoice_id}).body == ""
    confirmed(world, COLLECTOR)  # the form's confirmation first: the order is then fixed
    with Session(world.services.engine) as session:
        session.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == oldest.invoice_id)
                        .values(open_amount=Decimal(0), status="paid"))
        session.commit()
    with time_machine.travel(NOW + timedelta(days=2), tick=True):
        context = job_context(world.services.engine, world.services.config)
        result = run_job(world.services.engine, JOB, context, "test")
        assert result.counts["promises_kept"] == 1
        deliver(world)
    # The account's other invoices are still overdue: its next step stays due.
    assert dms(world, COLLECTOR)[-2:] == [
        ":white_check_mark: *Fenwick Retail Group* (C0041) kept its promise to pay "
        f"£50,000.00 by Dec 1, 2026 for {oldest.invoice_id}: the ERP shows it paid. The "
        "promise is closed and noted on the account.",
        ":alarm_clock: *Fenwick Retail Group* (C0041): the next step fell due on Dec 1, "
        "2026. `/credit collect` lists it among the first."]


def test_assign_names_one_person_and_one_customer(world):
    def answer(line: str) -> str:
        return world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, line).text

    one = ("Name one person: an account has one collector, e.g. `/credit assign acme "
           "@maria`.")
    assert answer("/credit assign acme packaging U04COLLECT1 U04COLLECT2") == one
    assert answer("/credit assign acme packaging <@U04COLLECT1> and <@U04COLLECT2>") == one
    assert answer("/credit assign acme @U04COLLECT1") == (
        "“acme” matches several customers: Acme Industrial Supply (C0001), Acme Packaging "
        "(C0002). Use the id, e.g. `/credit assign C0001 @maria`.")
    assert answer("/credit assign nosuchco U04COLLECT1") == (
        "No customer matches “nosuchco”. Try part of the name or the customer id, e.g. "
        "`/credit assign C0001 @maria`.")
    assert answer("/credit assign acme packaging u04collect1") == (
        "Acme Packaging (C0002) is now collected by <@U04COLLECT1>, who was told by direct "
        "message with the account's card.")


def test_an_unassigned_account_stays_unassigned_through_the_morning_alerts(world):
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, f"/credit assign {ACME} <@{COLLECTOR}>")
    reply = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit unassign acme packaging")
    assert reply.text == (
        f"Nobody collects Acme Packaging ({ACME}) now; <@{COLLECTOR}> was told. The morning "
        "alerts leave it unassigned until one of its invoices falls due again; "
        "`/credit assign` gives it a collector before that.")
    counts = run_alerts(job_context(world.services.engine, world.services.config, lambda: NOW))
    assert counts["assigned"] > 0
    assert ACME not in open_assignments(world)


LOGISTICS_CHANNEL, LOGISTICIAN = "C05LOGISTIC", "U06LOGIST01"


def test_the_department_a_dispute_goes_to_resolves_it_and_others_get_no_form(world):
    assign(world)
    disputed = invoices(world)[1].invoice_id
    # The owner must be of the department the dispute goes to.
    assert errors(fill(world, "Dispute", {"invoices": disputed, "reason": "short delivery",
                                          "department": "logistics",
                                          "owner": "U01SALESAMY"})) == {
        "owner": "@U01SALESAMY is not in Logistics: pick a member of the department the "
                 "dispute goes to, or leave the owner empty."}
    assert fill(world, "Dispute", {"invoices": disputed, "reason": "short delivery",
                                   "department": "logistics"}).body == ""
    deliver(world)
    post = posts(world, LOGISTICS_CHANNEL)[-1]
    shown = Reply(LOGISTICS_CHANNEL, post["text"], post["blocks"], ephemeral=False,
                  ts="1.000100")
    # Someone else with credit data: refused at the press, to themselves, with no form.
    world.emulator.views.clear()
    refusal = world.slack.click("U01SALESAMY", shown, "Resolve")
    # Named: the account as people know it, and who may (a raw id sent them looking).
    assert refusal.ephemeral and refusal.text == (
        "Only the Logistics department, the dispute's owner, the account's collector or "
        f"the collections lead (<@{COLLECTOR}> or <@{CREDIT_MANAGER}>) can resolve this "
        "dispute of Fenwick Retail Group (C0041).")
    assert world.emulator.views == []
    world.slack.click(LOGISTICIAN, shown, "Resolve", wait=False)
    assert world.slack.submit(LOGISTICIAN, world.slack.modal(LOGISTICIAN),
                              {"outcome": "missing cartons found"}).body == ""
    assert audit(world)[-1][:2] == ("collections.dispute_resolved", LOGISTICIAN)
    # Answered where the form was opened, as the README says forms are: the collector's
    # forms alone answered by direct message.
    deadline = time.monotonic() + 5
    while not world.emulator.calls_to("chat.postEphemeral") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(c.args["channel"], c.args["user"], c.args["text"])
            for c in world.emulator.calls_to("chat.postEphemeral")] == [
        (LOGISTICS_CHANNEL, LOGISTICIAN,
         "Dispute resolved for *Fenwick Retail Group* (C0041).")]
    assert dms(world, LOGISTICIAN) == []
    # The post is edited in place: who resolved it and how, instead of the button.
    deliver(world)
    edits = [c.args for c in world.emulator.calls_to("chat.update") if c.status == 200]
    # No longer "paused until the dispute is resolved" above its resolution.
    # Nor "Owner: nobody yet." above who resolved it.
    resolved = post["text"].removesuffix(
        " Reminders for these invoices are paused until the dispute is resolved.").replace(
        "\nOwner: nobody yet. Raised", "\nRaised")
    assert resolved != post["text"] and "Owner: nobody yet." in post["text"]
    assert [(e["channel"], e["text"]) for e in edits] == [(LOGISTICS_CHANNEL, resolved)]
    assert [b["type"] for b in edits[0]["blocks"]] == ["section", "section"]
    assert edits[0]["blocks"][1]["text"]["text"] == (
        ":white_check_mark: Resolved by <@U06LOGIST01> on Nov 29, 2026: missing cartons "
        "found\nReminders for these invoices resume.")
    # The collector who opened it hears of it: their reminders for it resume.
    assert dms(world, COLLECTOR)[-1] == (
        ":white_check_mark: <@U06LOGIST01> resolved the dispute of *Fenwick Retail Group* "
        f"(C0041) over {disputed}: missing cartons found. Reminders for these invoices "
        "resume.")


def test_the_shipped_app_yaml_flags_stale_accounts_to_its_lead(world):
    assign(world)
    with time_machine.travel(NOW + timedelta(days=15), tick=True):
        context = job_context(world.services.engine, world.services.config)
        assert run_job(world.services.engine, JOB, context, "test").counts["flagged"] == 1
        deliver(world)
    # Assigned on Nov 29 (NOW in Shanghai), nothing done since: 15 days on Dec 14.
    assert dms(world, CREDIT_MANAGER) == [
        ":hourglass: *Fenwick Retail Group* (C0041), collected by <@U04COLLECT1>, has had "
        "no action for 15 days."]


def test_the_job_says_each_run_that_flags_are_off_without_a_lead(caplog):
    class Job:
        day = SimpleNamespace(policy=SimpleNamespace(lead=None))

        def run(self, on_holiday: bool = False) -> Any:
            return SimpleNamespace(as_dict=lambda: {"flagged": 0})

    with caplog.at_level("WARNING", logger="creditbot.collections"):
        assert run({"collections_job": Job()}) == {"flagged": 0}
    assert [r.getMessage() for r in caplog.records] == [
        "stale-account flags are off: app.yaml sets no collections.lead"]


def test_only_someone_who_may_assign_is_pointed_at_credit_assign(world):
    def empty(user: str) -> list[str]:
        reply = world.slack.slash(user, "D" + user[1:], "/credit collect")
        return [b["text"]["text"] for b in reply.blocks if b.get("type") == "section"]

    assert empty(COLLECTOR) == [
        "You have no accounts to collect. The credit managers or the collections lead "
        "assign accounts, and the morning alerts assign newly overdue ones."]
    assert empty(CREDIT_MANAGER) == [
        "You have no accounts to collect. Accounts are assigned with "
        "`/credit assign &lt;customer&gt; @collector`."]


def test_a_promise_is_the_last_action_on_the_worklist_line(world):
    assign(world)
    oldest = invoices(world)[0]
    assert fill(world, "Promise to pay", {"amount": "GBP 20k",
                                          "due": str(NOW.date() + timedelta(days=3)),
                                          "invoices": oldest.invoice_id}).body == ""
    line = world.slack.slash(COLLECTOR, "D04COLLECT1", "/credit collect").blocks[1]
    assert line["text"]["text"].splitlines()[2] == (
        "Last action: promise to pay £20,000.00 by Dec 2, 2026, recorded on Nov 29, 2026 by "
        "<@U04COLLECT1>")


def test_the_check_card_shows_who_collects_the_account(world):
    def customer_field() -> str:
        card = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit check C0041")
        return next(b for b in card.blocks if b["type"] == "section" and "fields" in b)[
            "fields"][0]["text"]

    before = customer_field()
    assert before == "*Customer*\nC0041 · owner <@U01SALESCHO>"
    assign(world)
    assert customer_field() == before + "\nCollector: <@U04COLLECT1>"
    # And how far it has gone: a rep calling the customer should know of a promise, a
    # dispute or legal first (the morning digest said it, the card did not).
    oldest, other = invoices(world)[:2]
    assert fill(world, "Promise to pay", {"amount": "GBP 1k",
                                          "due": str(NOW.date() + timedelta(days=2)),
                                          "invoices": oldest.invoice_id}).body == ""
    assert customer_field() == before + "\nCollector: <@U04COLLECT1> · payment promised"
    assert fill(world, "Dispute", {"invoices": other.invoice_id, "reason": "damaged",
                                   "department": "sales", "owner": "U01SALESAMY"}).body == ""
    assert customer_field() == before + "\nCollector: <@U04COLLECT1> · invoices disputed"
    assert fill(world, "Escalate to legal", {"note": "no answer"}).body == ""
    # The case is legal's now: the lawyer is named as such, not as the collector.
    assert customer_field() == before + "\nWith legal: <@U05LEGAL001>"


def test_a_dispute_opened_then_resolved_is_the_last_action_on_the_worklist_line(world):
    assign(world)
    disputed = invoices(world)[1].invoice_id

    def last_action() -> str:
        line = world.slack.slash(COLLECTOR, "D04COLLECT1", "/credit collect").blocks[1]
        return next(row for row in line["text"]["text"].splitlines()
                    if row.startswith(("Last action", "No action")))

    assert fill(world, "Log action", {"kind": "call", "outcome": "AP clerk away"}).body == ""
    assert last_action() == (
        "Last action: call on Nov 29, 2026 by <@U04COLLECT1>: AP clerk away")
    assert fill(world, "Dispute", {"invoices": disputed, "reason": "short delivery",
                                   "department": "logistics"}).body == ""
    assert last_action() == (
        f"Last action: dispute over {disputed} opened on Nov 29, 2026 by <@U04COLLECT1>: "
        "short delivery")
    deliver(world)
    post = posts(world, LOGISTICS_CHANNEL)[-1]
    shown = Reply(LOGISTICS_CHANNEL, post["text"], post["blocks"], ephemeral=False,
                  ts="1.000100")
    world.slack.click(LOGISTICIAN, shown, "Resolve", wait=False)
    assert world.slack.submit(LOGISTICIAN, world.slack.modal(LOGISTICIAN),
                              {"outcome": "missing cartons found"}).body == ""
    assert last_action() == (
        f"Last action: dispute over {disputed} resolved on Nov 29, 2026 by <@U06LOGIST01>: "
        "missing cartons found")


def test_a_form_sent_while_the_records_are_busy_stays_open_with_what_was_typed(
        world, monkeypatch):
    # The form was replaced by "not answering … try again", and the collector had to
    # type the call's outcome again for a lock gone a second later.
    from domain.collections.work import CollectorsDay
    from domain.errors import RecordsUnavailable
    from storage.models import CollectionActionRow

    assign(world)

    def busy(*_args: Any, **_kwargs: Any) -> None:
        raise RecordsUnavailable()

    monkeypatch.setattr(CollectorsDay, "log_action", busy)
    answer = fill(world, "Log action", {"kind": "call", "outcome": "AP says Friday"})
    assert answer.json() == {"response_action": "errors", "errors": {
        "kind": "The credit records are not answering just now, so nothing was changed. "
                "Please try again in a minute."}}
    with Session(world.services.engine) as session:
        assert session.query(CollectionActionRow).count() == 0


def test_the_collector_resolves_a_dispute_from_the_worklist_line(world):
    # Only the post in the department's channel had Resolve: the collector, not in
    # #logistics, left the dispute open (and its invoice undunned) for weeks.
    assign(world)
    disputed = invoices(world)[1].invoice_id
    assert fill(world, "Dispute", {"invoices": disputed, "reason": "short delivery",
                                   "department": "logistics"}).body == ""
    line = world.slack.slash(COLLECTOR, "D04COLLECT1", "/credit collect")
    assert [b["text"]["text"] for b in line.buttons() if b["action_id"] != "collect_more"] \
        == ["Log action", "Promise to pay", "Dispute", "Escalate to legal", "Resolve dispute"]
    world.slack.click(COLLECTOR, line, "Resolve dispute", wait=False)
    view = world.slack.modal(COLLECTOR)
    # The form says which dispute it resolves.
    assert [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"][1] == (
        f"Dispute over {disputed}, opened on Nov 29, 2026 by <@{COLLECTOR}>: short delivery")
    world.emulator.views.clear()
    assert world.slack.submit(COLLECTOR, view, {"outcome": "cartons found"}).body == ""
    with world.services.uow() as uow:
        [resolved] = uow.collections.disputes(CUSTOMER)
    assert (resolved.is_open, resolved.resolved_by, resolved.outcome) == (
        False, COLLECTOR, "cartons found")
    # Resolved, the line has no Resolve any more; pressed on the list kept open, it says
    # so.
    kept_open = line
    line = world.slack.slash(COLLECTOR, "D04COLLECT1", "/credit collect")
    assert "Resolve dispute" not in [b["text"]["text"] for b in line.buttons()]
    pressed = world.slack.click(COLLECTOR, kept_open, "Resolve dispute")
    assert pressed is not None and pressed.all_text() == (
        f"Fenwick Retail Group ({CUSTOMER}) has no open dispute: nothing was changed.")


def test_a_worklist_kept_open_resolves_the_dispute_still_open(world):
    # Two disputes; the first resolved from its post meanwhile: the list's button named it
    # and said it was resolved already, nothing of the other one still open.
    assign(world)
    first, second = invoices(world)[1].invoice_id, invoices(world)[2].invoice_id
    for invoice, reason in ((first, "short delivery"), (second, "wrong price")):
        assert fill(world, "Dispute", {"invoices": invoice, "reason": reason,
                                       "department": "logistics"}).body == ""
    kept_open = world.slack.slash(COLLECTOR, "D04COLLECT1", "/credit collect")
    deliver(world)
    post = posts(world, LOGISTICS_CHANNEL)[-2]
    world.slack.click(LOGISTICIAN, Reply(LOGISTICS_CHANNEL, post["text"], post["blocks"],
                                         ephemeral=False, ts="1.000100"), "Resolve",
                      wait=False)
    assert world.slack.submit(LOGISTICIAN, world.slack.modal(LOGISTICIAN),
                              {"outcome": "cartons found"}).body == ""
    world.emulator.views.clear()
    world.slack.click(COLLECTOR, kept_open, "Resolve dispute", wait=False)
    view = world.slack.modal(COLLECTOR)
    assert [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"][1] == (
        f"Dispute over {second}, opened on Nov 29, 2026 by <@{COLLECTOR}>: wrong price")


def test_a_dispute_whose_invoice_the_erp_settles_is_pointed_out_under_its_post(world):
    # The dispute stayed open, aging, after the ERP showed its invoice paid; nobody was
    # told, and its post's button had long scrolled away.
    assign(world)
    disputed = invoices(world)[1].invoice_id
    assert fill(world, "Dispute", {"invoices": disputed, "reason": "short delivery",
                                   "department": "logistics",
                                   "owner": LOGISTICIAN}).body == ""
    deliver(world)
    [post] = world.emulator.channels[LOGISTICS_CHANNEL]
    with Session(world.services.engine) as session:
        session.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == disputed)
                        .values(open_amount=Decimal(0), status="paid"))
        session.commit()
    with time_machine.travel(NOW + timedelta(days=1), tick=True):
        context = job_context(world.services.engine, world.services.config)
        assert run_job(world.services.engine, JOB, context, "test").counts[
            "disputes_settled"] == 1
        assert "disputes_settled" not in run_job(world.services.engine, JOB, context,
                                                 "test").counts
        deliver(world)
    reply = posts(world, LOGISTICS_CHANNEL)[-1]
    said = (f":information_source: The ERP now shows {disputed} settled (paid, or "
            "credited), which *Fenwick Retail Group* (C0041) disputed on Nov 29, 2026. If "
            "that ends the dispute, press *Resolve* and say how it was settled; until then "
            "it stays open and its days count.")
    # Under the post, to its owner; the collector, seldom in that channel, by DM.
    assert (reply["thread_ts"], reply["text"]) == (post["ts"], f"<@{LOGISTICIAN}>: {said}")
    assert reply["blocks"][0]["text"]["text"] == f"<@{LOGISTICIAN}>: {said}"
    assert dms(world, COLLECTOR)[-1] == said
    # Resolved from the reply's own button, the post above is edited as from its own.
    shown = Reply(LOGISTICS_CHANNEL, reply["text"], reply["blocks"], ephemeral=False,
                  ts="1.000200")
    world.slack.click(LOGISTICIAN, shown, "Resolve", wait=False)
    assert world.slack.submit(LOGISTICIAN, world.slack.modal(LOGISTICIAN),
                              {"outcome": "paid in full, cartons found"}).body == ""
    with world.services.uow() as uow:
        [resolved] = uow.collections.disputes(CUSTOMER)
    assert (resolved.is_open, resolved.resolved_by) == (False, LOGISTICIAN)
    assert [(actor, details) for action, actor, details in audit(world)
            if action == "collections.dispute_settled"] == [
        ("creditbot", {"dispute_id": resolved.id, "invoices": [disputed]})]
