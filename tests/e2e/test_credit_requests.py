"""Filing credit requests from Slack, as people do it: ``/credit request`` (the line and
the form), *Request more credit* on the check card, ``/credit requests`` and its Cancel
button, ``/credit delegate`` and ``/credit history``; signed HTTP -> bot -> use case ->
the Slack emulator, on SQLite and PostgreSQL.

The demo organisation: Acme Packaging (C0002) has a limit of $100,000; a total up to
$500,000 is decided by the credit manager (24 h), then the finance director (48 h)."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import insert, select

from bot.sandbox.driver import Reply
from bot.sandbox.emulator import User
from domain.approvals.filing import Filing
from domain.approvals.model import CreditRequest, Outcome, RequestKind, RequestState
from domain.lookup import normalize_name
from handlers.approvals.request_modal import RequestForm
from handlers.i18n import translator
from storage.models import AuditRow, CustomerRow
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, STRANGER, World

ZONE = ZoneInfo("Asia/Shanghai")
EN = translator("en-US")
ANALYST = "U02CREDITAN"
# The name of a customer an ERP export could carry: mrkdwn, a ping, a mention, entities.
HOSTILE = "*Bold* _it_ ~x~ <!channel> <@U02CREDITMG> & <http://evil|co>"


def requests_of(world: World) -> list[CreditRequest]:
    with world.services.uow() as uow:
        return uow.credit_requests.filed_by(SALES, 50)


def audit(world: World, action: str) -> list[AuditRow]:
    with world.services.engine.connect() as conn:
        return list(conn.execute(select(AuditRow).where(AuditRow.action == action)))


def deadline(request: CreditRequest) -> str:
    return EN.moment(request.deadline(), ZONE)


def then(world: World, request: CreditRequest, levels: str) -> str:
    """The filing's word on the levels after the first, and the last one's latest day."""
    latest = EN.moment(world.services.requests.latest_decision(request), ZONE)
    return f" Then {levels}; if each takes its full time, the last decides by {latest}."


def add_customer(world: World, customer_id: str, name: str, limit: str) -> None:
    with world.services.engine.begin() as conn:
        conn.execute(insert(CustomerRow), [dict(
            customer_id=customer_id, name=name, name_key=normalize_name(name),
            currency="USD", credit_limit=Decimal(limit), payment_terms_days=30,
            owner_slack_id=SALES, country="US")])


def speaks_chinese(world: World, user: str) -> None:
    world.emulator.users[user] = User(user, "zh", locale="zh-CN")


def shown(reply: Reply) -> str:
    """What the person reads: the blocks, or the text of an answer without blocks."""
    return mrkdwn(reply) if reply.blocks else reply.text


def mrkdwn(reply: Reply) -> str:
    """The message's blocks as the person reads them (without the notification text)."""
    return "\n".join(reply.texts("mrkdwn")[1:])


# -- the command line -------------------------------------------------------------------

def test_a_line_files_a_limit_increase_and_says_who_decides_by_when(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging +100k larger Q1 orders")
    [request] = requests_of(world)
    assert (request.kind, request.customer_id, request.new_limit.amount, request.reason,
            request.state) == (RequestKind.LIMIT_INCREASE, "C0002", Decimal("200000.00"),
                               "larger Q1 orders", RequestState.OPEN)
    assert reply.ephemeral
    assert mrkdwn(reply) == (
        f":inbox_tray: *Request #{request.id} filed: limit increase for Acme Packaging "
        "(C0002)*\n$100,000.00 → $200,000.00\n"
        "Now waiting for level 1 of 2: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}. Then level 2 (finance director); if each takes its full "
        # Level 1 ends on Wednesday at 15:00; level 2's 48 working hours (09:00-18:00,
        # Monday to Friday) run 3 + 9 + 9, then 9 + 9 + 9 from Monday: Wednesday 18:00.
        f"time, the last decides by {EN.moment(datetime(2026, 12, 9, 18, tzinfo=ZONE), ZONE)}."
        "\nReason: larger Q1 orders\n"
        "`/credit requests` shows where it stands; you can cancel it there while it is open.")
    assert reply.text == (f"Request #{request.id} filed: limit increase for Acme Packaging "
                          "(C0002)")
    assert [a.subject for a in audit(world, "requests.filed")] == ["C0002"]
    # Filed as 申请, the list is named as it would be typed the same way.
    other = world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请 C0003 +5k more orders")
    assert mrkdwn(other).endswith(
        "`/credit 我的申请` shows where it stands; you can cancel it there while it is open.")


def test_a_new_total_in_another_currency_and_a_first_limit(world):
    add_customer(world, "C9NEW", "Newco Trading", "0")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request newco 50000 first order")
    first = requests_of(world)[0]
    assert first.kind is RequestKind.FIRST_LIMIT
    assert mrkdwn(reply).startswith(
        f":inbox_tray: *Request #{first.id} filed: first limit for Newco Trading (C9NEW)*\n"
        "$0.00 → $50,000.00\n")
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              '/credit request "Acme Packaging" USD 250k new warehouse')
    second = requests_of(world)[0]
    assert (second.kind, second.new_limit.amount, second.reason) == (
        RequestKind.LIMIT_INCREASE, Decimal("250000.00"), "new warehouse")
    assert "$100,000.00 → $250,000.00" in mrkdwn(reply)


def test_each_refusal_of_the_line_says_what_to_write(world):
    def answer(line: str, user: str = SALES) -> str:
        return world.slack.slash(user, SALES_CHANNEL, f"/credit request {line}").all_text()

    assert answer("acme packaging +100k") == (
        "Say why: a request needs a reason, e.g. “larger orders for the Q1 season”.")
    # Zero-width characters are no reason (it was filed, its reason showing blank).
    assert answer("acme packaging +100k \u200b\u2060") == (
        "Say why: a request needs a reason, e.g. “larger orders for the Q1 season”.")
    assert answer("acme packaging +abc more") == (
        "“+abc” is not an amount: write it like 120000, 120,000, 120000.50, 120k, 1.2m, "
        "USD 120k or 120k EUR.")
    assert answer("acme packaging 五万 备货") == (
        "“五万” is written in Chinese numerals: write the number in digits, e.g. 5万 or 50000.")
    assert answer("Zyxw Qvvv +100k more") == (
        "No customer matches “Zyxw Qvvv”. Try part of the name or the customer id, e.g. "
        "`/credit request C0001 +100k more`.")
    assert answer("acme packaging 50000 smaller") == (
        "$50,000.00 is not above the current limit of $100,000.00: a limit increase "
        "must raise it. For an increase of that much, write +50000.")
    assert answer("acme packaging larger orders") == (
        "Give the customer, the new limit or the increase, and why: `/credit request acme "
        "+100k larger Q1 orders` (a new total such as `250000` or `USD 250k`, or an "
        "increase such as `+100k`).")
    assert answer("C0002 +100k first").startswith("Request #1 filed")
    assert answer("C0002 +200k again") == (
        "You already filed an open limit increase request for Acme Packaging (#1): it must be "
        "decided or cancelled first (`/credit requests` lists it).")
    # Typed in Chinese, the command that lists it is named in Chinese too.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请 C0002 +200k 再次"
                             ).all_text() == (
        "You already filed an open limit increase request for Acme Packaging (#1): it must be "
        "decided or cancelled first (`/credit 我的申请` lists it).")
    # In Traditional characters too (it was "/credit 申請 is not something I know").
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit 申請 C0002 +200k 再次"
                             ).all_text() == (
        "You already filed an open limit increase request for Acme Packaging (#1): it must be "
        "decided or cancelled first (`/credit 我的申请` lists it).")
    assert answer("C0002 +200k again", "U01SALESCHO") == (
        "There is already an open limit increase request for Acme Packaging (#1, filed by "
        "<@U01SALESAMY>): it must be decided or cancelled first.")
    assert answer("C0002 +100k let me in", STRANGER).startswith(
        ":lock: Credit data is confidential, and you are not among the people who may see "
        "it.")
    assert len(requests_of(world)) == 1
    assert len(audit(world, "requests.file_refused")) == 1  # the outsider's try


def test_a_refusal_reads_in_the_persons_language(world):
    speaks_chinese(world, SALES)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request acme packaging +100k")
    assert reply.all_text() == "请说明理由：申请需要理由，例如“第一季度订单增加”。"
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k 春节备货")
    [request] = requests_of(world)
    assert mrkdwn(reply).startswith(
        f":inbox_tray: *已提交申请 #{request.id}：Acme Packaging（C0002）的提高额度*\n")


def test_a_hostile_customer_name_and_reason_ping_nobody(world):
    add_customer(world, "C9HOSTILE", HOSTILE, "1000")
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request C9HOSTILE +10k <!here> *now* <@U02CREDITMG>")
    [request] = requests_of(world)
    assert request.customer_name == HOSTILE and request.reason == (
        "<!here> *now* <@U02CREDITMG>")
    # Escaped, and formatting nothing: inside the bold title, *Bold* ended it early.
    escaped = ("∗Bold∗ ＿it＿ ∼x∼ &lt;!channel&gt; &lt;@U02CREDITMG&gt; &amp; "
               "&lt;http://evil|co&gt;")
    assert mrkdwn(reply) == (
        f":inbox_tray: *Request #{request.id} filed: limit increase for {escaped} "
        "(C9HOSTILE)*\n$1,000.00 → $11,000.00\n"
        "Now waiting for level 1 of 1: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}.\n"
        "Reason: &lt;!here&gt; ∗now∗ &lt;@U02CREDITMG&gt;\n"
        "`/credit requests` shows where it stands; you can cancel it there while it is open.")
    # Named again in the refusal of a second request: escaped there too.
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit request C9HOSTILE +20k more")
    assert again.text == (
        f"You already filed an open limit increase request for {escaped} (#{request.id}): "
        "it must be decided or cancelled first (`/credit requests` lists it).")


# -- the form ---------------------------------------------------------------------------

def open_form(world: World, user: str = SALES) -> dict:
    reply = world.slack.slash(user, SALES_CHANNEL, "/credit request")
    assert reply.text == "" and reply.blocks == []
    assert reply.raw["view"] == world.slack.modal(user)
    return reply.raw["view"]


def errors(result) -> dict[str, str]:
    assert result.status == 200, result
    answer = result.json()
    assert answer["response_action"] == "errors", answer
    return answer["errors"]


def test_a_form_slack_opens_late_leaves_no_empty_message(world):
    # Slack opened the form past the ack's 2 s budget (at first on a retry after a
    # 429): the form was followed by an empty message on the response_url.
    world.emulator.fail("views.open", "slow", delay=2.3)
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit request")
    assert world.slack.post(body).status == 200
    world.emulator.wait_for("views.open", timeout=8)
    assert [c.status for c in world.emulator.calls_to("views.open")] == [200]
    time.sleep(0.5)  # the follow-up, had there been one, went out with the open
    assert [c.args for c in world.emulator.calls_to("response_url")] == []


def test_the_form_shows_every_field_of_every_kind(world):
    view = open_form(world)
    assert view["callback_id"] == "credit_request"
    assert json.loads(view["private_metadata"]) == {"channel": SALES_CHANNEL}
    assert [(b["block_id"], b["label"]["text"], b["optional"]) for b in view["blocks"]] == [
        ("customer", "Customer", False), ("kind", "Kind of request", False),
        ("amount", "New limit or increase", True), ("currency", "Currency", True),
        ("expires", "Last day of a temporary limit", True), ("order", "Order id", True),
        ("terms", "New payment terms (days)", True), ("reason", "Reason", False)]
    kinds = view["blocks"][1]["element"]
    assert [o["text"]["text"] for o in kinds["options"]] == [
        "limit increase", "temporary limit", "first limit", "order release",
        "payment terms change"]
    assert kinds["initial_option"]["value"] == "limit_increase"


def test_the_form_puts_each_mistake_beside_its_field(world):
    view = open_form(world)
    assert errors(world.slack.submit(SALES, view, {})) == {
        "customer": "Which customer? Give an id or a name, e.g. acme.",
        "amount": "Give the new limit or the increase, e.g. 250000 or +100k.",
        "reason": "Say why: a request needs a reason, e.g. larger orders for the Q1 season."}
    filled = {"customer": "acme packaging", "reason": "Q1"}
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "temporary_limit", "amount": "+50k", "currency": "usdx"})) == {
        "currency": "“USDX” is not a currency code creditbot knows: write one such as USD, "
                    "EUR or CNY, or leave it empty.",
        "expires": "A temporary limit needs its last day: pick it here."}
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "temporary_limit", "amount": "+50k", "expires": "2026-11-01"})) == {
        "expires": "Nov 1, 2026 has passed (today is Nov 29, 2026): pick today or a later day."}
    # The amount and the last day, each wrong on its own, are said at once: the amount
    # was said on the submission after the date was mended, then the year's limit.
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "temporary_limit", "amount": "¥5万", "expires": "2026-11-01"})) == {
        "amount": "“¥5万”: ¥ is both the yuan and the yen; write the currency's code after "
                  "the amount instead, e.g. 5万 CNY or 5万 JPY.",
        "expires": "Nov 1, 2026 has passed (today is Nov 29, 2026): pick today or a later day."}
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "temporary_limit", "amount": "50k", "expires": "2028-01-31"})) == {
        "amount": "$50,000.00 is not above the current limit of $100,000.00: a temporary "
                  "limit must raise it. For an increase of that much, write +50k.",
        "expires": "A temporary limit runs for a year at most: its last day must be before "
                   "Nov 29, 2027, and Jan 31, 2028 is not. For longer, ask for a limit increase."}
    # A last day on a permanent increase was dropped without a word: the limit meant for
    # a few days would have been raised for good.
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "limit_increase", "amount": "+50k", "expires": "2026-12-05"})) == {
        "expires": "A last day is only for a temporary limit: pick “temporary limit” as the "
                   "kind, or clear the last day."}
    assert errors(world.slack.submit(SALES, view, {**filled, "amount": "+abc"})) == {
        "amount": "“+abc” is not an amount: write it like 120000, 120,000, 120000.50, 120k, "
                  "1.2m, USD 120k or 120k EUR."}
    # A currency without a rate is said with the rest, not on the submission after.
    no_rate = ("No exchange rate for CHF (to USD) on or before Nov 29, 2026: ask the "
               "credit team to import the exchange rates.")
    assert errors(world.slack.submit(SALES, view, {
        **filled, "kind": "temporary_limit", "amount": "+50k", "currency": "chf",
        "expires": "2026-11-01"})) == {
        "currency": no_rate,
        "expires": "Nov 1, 2026 has passed (today is Nov 29, 2026): pick today or a later day."}
    # Beside the amount when the amount named it.
    assert errors(world.slack.submit(SALES, view, {**filled, "amount": "+CHF 50k"})) == {
        "amount": no_rate}
    assert errors(world.slack.submit(SALES, view, {**filled, "customer": "Zyxw Qvvv",
                                                   "amount": "+1k"})) == {
        "customer": "No customer matches “Zyxw Qvvv”. Try part of the name or the customer "
                    "id, e.g. C0002."}
    # Beside a field Slack writes plain text: what was typed reads as typed.
    assert errors(world.slack.submit(SALES, view, {**filled, "customer": "Zy & <xw>_q*",
                                                   "amount": "+1k"})) == {
        "customer": "No customer matches “Zy & <xw>_q*”. Try part of the name or the "
                    "customer id, e.g. C0002."}
    # Several: how to name the one meant, not "Which one?", which a field cannot answer.
    assert errors(world.slack.submit(SALES, view, {**filled, "customer": "acme",
                                                   "amount": "+1k"})) == {
        "customer": "“acme” matches several customers: Acme Industrial Supply (C0001), Acme "
                    "Packaging (C0002). Use the id, e.g. C0001."}
    assert errors(world.slack.submit(SALES, view, {**filled, "kind": "terms_change",
                                                   "terms": "sixty"})) == {
        "terms": "Write the new payment terms as a whole number of days, e.g. 60."}
    assert errors(world.slack.submit(SALES, view, {**filled, "kind": "order_release"})) == {
        "order": "An order release needs the held order's id (CB-…) or its reference."}
    assert errors(world.slack.submit(SALES, view, {**filled, "kind": "order_release",
                                                   "order": "SO-NOPE"})) == {
        "order": "Acme Packaging has no order “SO-NOPE”, and no held order to release."}
    assert errors(world.slack.submit(SALES, view, {**filled, "kind": "first_limit",
                                                   "amount": "300k"})) == {
        "kind": "Acme Packaging already has a limit of $100,000.00: ask for a limit "
                "increase instead."}
    assert errors(world.slack.submit(SALES, view, {**filled, "kind": "bogus",
                                                   "amount": "+1k"})) == {
        "kind": "Pick the kind of request."}
    assert requests_of(world) == [] and world.emulator.calls_to("chat.postEphemeral") == []


def test_the_forms_errors_read_in_the_persons_language(world):
    speaks_chinese(world, SALES)
    view = open_form(world)
    assert view["title"]["text"] == "信用申请"
    assert errors(world.slack.submit(SALES, view, {"customer": "C0002", "reason": "春节",
                                                   "kind": "temporary_limit",
                                                   "amount": "+50k"})) == {
        "expires": "临时额度需要最后生效日：请在此选择。"}


def test_the_form_files_closes_and_confirms_in_the_channel(world):
    view = open_form(world)
    result = world.slack.submit(SALES, view, {
        "customer": "acme packaging", "kind": "temporary_limit", "amount": "150000",
        "expires": "2027-01-31", "reason": "Chinese New Year stock"})
    assert result.status == 200 and result.body == ""  # the modal closes
    [posted] = world.emulator.wait_for("chat.postEphemeral")
    [request] = requests_of(world)
    assert (request.kind, request.expires_on.isoformat(), request.new_limit.amount) == (
        RequestKind.TEMPORARY_LIMIT, "2027-01-31", Decimal("150000.00"))
    assert (posted.args["channel"], posted.args["user"]) == (SALES_CHANNEL, SALES)
    shown = Reply(SALES_CHANNEL, posted.text, posted.blocks, True)
    assert mrkdwn(shown) == (
        f":inbox_tray: *Request #{request.id} filed: temporary limit for Acme Packaging "
        "(C0002)*\n$100,000.00 → $150,000.00 through Jan 31, 2027\n"
        "Now waiting for level 1 of 2: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}.{then(world, request, 'level 2 (finance director)')}\n"
        "Reason: Chinese New Year stock\n"
        "`/credit requests` shows where it stands; you can cancel it there while it is open.")


def test_a_form_opened_by_the_chinese_command_names_commands_in_chinese(world):
    # Opened by `/credit 申请`, its field errors and its confirmation named
    # `/credit requests`, as if the person had typed the English command.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k first")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit 申请")
    view = reply.raw["view"]
    assert json.loads(view["private_metadata"]) == {"channel": SALES_CHANNEL,
                                                   "typed": "申请"}
    assert errors(world.slack.submit(SALES, view, {
        "customer": "C0002", "amount": "+50k", "reason": "again"})) == {
        "customer": "You already filed an open limit increase request for Acme Packaging "
                    "(#1): it must be decided or cancelled first (/credit 我的申请 lists "
                    "it)."}
    result = world.slack.submit(SALES, view, {
        "customer": "C0001", "amount": "+5k", "reason": "one more pallet"})
    assert result.status == 200 and result.body == ""
    [posted] = world.emulator.wait_for("chat.postEphemeral")
    request = max(requests_of(world), key=lambda r: r.id)
    assert mrkdwn(Reply(SALES_CHANNEL, posted.text, posted.blocks, True)) == (
        f":inbox_tray: *Request #{request.id} filed: limit increase for Acme Industrial "
        "Supply (C0001)*\n$1,700,000.00 → $1,705,000.00\n"
        "Now waiting for level 1 of 3: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}."
        f"{then(world, request, 'level 2 (finance director), level 3 (CFO)')}\n"
        "Reason: one more pallet\n"
        "`/credit 我的申请` shows where it stands; you can cancel it there while it is open.")
    # A form opened from a button carries no word: its commands are the English ones.
    assert "typed" not in json.loads(open_form(world)["private_metadata"])


def test_a_form_opened_nowhere_to_answer_confirms_by_direct_message(world):
    view = open_form(world)
    result = world.slack.submit(SALES, view, {"customer": "C0002", "amount": "+1k",
                                              "reason": "one more pallet"},
                                private_metadata=RequestForm(channel=None).encode())
    assert result.status == 200 and result.body == ""
    [posted] = world.emulator.wait_for("chat.postMessage")
    assert world.emulator.direct_messages[posted.args["channel"]] == SALES
    assert posted.text.startswith("Request #")


def test_a_confirmation_slack_refuses_everywhere_is_sent_again_by_direct_message(
        world, monkeypatch, caplog):
    # Slack refused the confirmation beside the form and by DM: the request was filed
    # and its requester never heard of it.
    monkeypatch.setattr("handlers.after_form.PAUSES_SECONDS", (0.3, 0.3))
    caplog.set_level(logging.INFO, logger="creditbot.after_form")
    view = open_form(world)
    world.emulator.fail("chat.postEphemeral", "http500", times=3)
    world.emulator.fail("conversations.open", "http500", times=3)
    result = world.slack.submit(SALES, view, {"customer": "C0002", "amount": "+1k",
                                              "reason": "one more pallet"})
    assert result.status == 200 and result.body == ""
    [posted] = world.emulator.wait_for("chat.postMessage", timeout=15)
    assert world.emulator.direct_messages[posted.args["channel"]] == SALES
    [request] = requests_of(world)
    assert posted.text == (
        f"Request #{request.id} filed: limit increase for Acme Packaging (C0002)")
    assert mrkdwn(Reply(SALES_CHANNEL, posted.text, posted.blocks, True)) == (
        f":inbox_tray: *Request #{request.id} filed: limit increase for Acme Packaging "
        "(C0002)*\n$100,000.00 → $101,000.00\n"
        "Now waiting for level 1 of 2: credit manager (<@U02CREDITMG>) decides by "
        f"{deadline(request)}.{then(world, request, 'level 2 (finance director)')}\n"
        "Reason: one more pallet\n"
        "`/credit requests` shows where it stands; you can cancel it there while it is open.")
    # The try that reached them logs it once Slack answered, after the emulator saw it.
    until = time.monotonic() + 10
    while not any("reached" in r.getMessage() for r in caplog.records) and \
            time.monotonic() < until:
        time.sleep(0.05)
    assert [r.getMessage() for r in caplog.records if r.name == "creditbot.after_form"] == [
        "a form's answer not shown in C01SALES000 (fatal_error): sent by DM",
        f"Slack refused a form's answer to {SALES} (fatal_error); trying again in 0 s",
        f"a form's answer reached {SALES} at try 2"]


def test_a_confirmation_whose_conversation_opened_too_slowly_is_tried_again(
        world, monkeypatch):
    # Opening a conversation posts nothing, yet its timeout was taken for "the answer
    # may have arrived": nothing was sent, and nothing tried again.
    monkeypatch.setattr("handlers.after_form.PAUSES_SECONDS", (0.3, 0.3))
    view = open_form(world)
    world.emulator.fail("chat.postEphemeral", "http500", times=3)
    world.emulator.fail("conversations.open", "slow", times=1, delay=7)
    result = world.slack.submit(SALES, view, {"customer": "C0002", "amount": "+1k",
                                              "reason": "one more pallet"})
    assert result.status == 200 and result.body == ""
    [posted] = world.emulator.wait_for("chat.postMessage", timeout=20)
    assert world.emulator.direct_messages[posted.args["channel"]] == SALES
    assert posted.text == "Request #1 filed: limit increase for Acme Packaging (C0002)"


def test_a_forged_or_garbled_form_is_refused_and_files_nothing(world):
    view = open_form(world)
    values = {"customer": "C0002", "amount": "+1k", "reason": "forged"}
    for metadata in ("", "{", '{"channel": "C01SALES000", "admin": true}',
                     '{"channel": "<!channel>"}', '{"channel": 12}',
                     '{"channel": null, "channel": "C01SALES000"}'):
        assert world.slack.submit(SALES, view, values, private_metadata=metadata
                                  ).status == 400, metadata
    assert requests_of(world) == []


def test_an_outsider_cannot_open_the_form(world):
    reply = world.slack.slash(STRANGER, SALES_CHANNEL, "/credit request")
    assert reply.all_text().startswith(":lock: Credit data is confidential")
    assert world.emulator.calls_to("views.open") == []


# -- the check card's button ------------------------------------------------------------

def test_request_more_credit_on_the_check_card_opens_the_form_for_that_customer(world):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    assert [b["text"]["text"] for b in card.buttons()] == ["Share in channel",
                                                           "Request more credit"]
    world.slack.click(SALES, card, "Request more credit", wait=False)
    view = world.slack.modal(SALES)
    assert view["blocks"][0]["element"]["initial_value"] == "C0002"
    assert json.loads(view["private_metadata"]) == {"channel": SALES_CHANNEL}
    result = world.slack.submit(SALES, view, {"amount": "+20k", "reason": "a new line"})
    assert result.body == ""
    [posted] = world.emulator.wait_for("chat.postEphemeral")
    assert posted.text.startswith("Request #1 filed: limit increase for Acme Packaging")


def test_a_shared_card_and_its_receipt_offer_no_request(world):
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    receipt = world.slack.click(SALES, card, "Share in channel")
    [posted] = world.emulator.wait_for("chat.postMessage")
    assert receipt.buttons() == []
    assert Reply(SALES_CHANNEL, posted.text, posted.blocks, False).buttons() == []


def test_a_group_card_has_no_request_button(world):
    with world.services.engine.connect() as conn:
        group = conn.scalar(select(CustomerRow.group_id).where(
            CustomerRow.group_id.is_not(None)).limit(1))
    card = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {group}")
    assert "Request more credit" not in [b["text"]["text"] for b in card.buttons()]


# -- /credit requests -------------------------------------------------------------------

def test_a_level_past_its_deadline_is_listed_as_overdue(world):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k larger Q1 orders")
    [request] = requests_of(world)
    # A new user's list still said "decides by" a day that had passed.
    with time_machine.travel(request.deadline() + timedelta(hours=1), tick=True):
        mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(mine).splitlines()[5] == (
        "open, level 1 of 2: credit manager (<@U02CREDITMG>), overdue since "
        f"{deadline(request)}")


def test_requests_lists_mine_and_those_waiting_and_cancels(world):
    empty = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(empty) == (
        "*Waiting for you*\nNothing waits for your decision.\n*Yours*\n"
        "You have filed no credit request. File one with `/credit request acme +100k "
        "larger Q1 orders`, or `/credit request` for the form.")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k larger Q1 orders")
    [request] = requests_of(world)
    line = ("*#1* Acme Packaging (C0002) · limit increase\n$100,000.00 → $200,000.00\n"
            "open, level 1 of 2: credit manager (<@U02CREDITMG>) decides by "
            f"{deadline(request)}\nfiled by <@U01SALESAMY> just now")
    mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(mine) == ("*Waiting for you*\nNothing waits for your decision.\n*Yours*\n"
                            + line)
    waiting = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(waiting) == (
        "*Waiting for you*\n" + line + "\n*Yours*\nYou have filed no credit request. File "
        "one with `/credit request acme +100k larger Q1 orders`, or `/credit request` for "
        "the form.")
    # The decider gets the card's own buttons on the line; only the requester cancels.
    assert [(b["text"]["text"], b["action_id"], b["value"]) for b in waiting.buttons()] == [
        ("Approve", "approvals_approve", '{"request":1,"level":1}'),
        ("Reject", "approvals_reject", '{"request":1,"level":1}'),
        ("Ask for info", "approvals_ask_info", '{"request":1,"level":1}')]
    # Asking from the list opens the card's own question form.
    ask = next(b for b in waiting.buttons() if b["action_id"] == "approvals_ask_info")
    opened = len(world.emulator.calls_to("views.open"))
    pressed, _ = world.slack.press(CREDIT_MANAGER, SALES_CHANNEL, ask)
    assert pressed.status == 200
    view = world.emulator.wait_for("views.open", count=opened + 1)[-1].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert (view["callback_id"], view["title"]["text"]) == (
        "approvals_ask_info_view", "Ask for info")
    # Someone else pressing a forged Cancel is told who may.
    [cancel] = mine.buttons()
    # Asked first: pressed by mistake beside an Answer button, it undid a level approved.
    assert cancel["confirm"] == {
        "title": {"type": "plain_text", "text": "Cancel request #1?"},
        "text": {"type": "plain_text", "text": (
            "Its approvers' cards close and nobody can decide it any more; what was "
            "decided so far stays in its history. To ask again, you file a new request.")},
        "confirm": {"type": "plain_text", "text": "Cancel the request"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger"}
    refused, url = world.slack.press(CREDIT_MANAGER, SALES_CHANNEL, cancel)
    assert refused.status == 200
    assert world.slack.reply_at(url, SALES_CHANNEL).all_text() == (
        "Only <@U01SALESAMY>, who filed request #1, can cancel it.")
    after = world.slack.click(SALES, mine, "Cancel request")
    assert after.raw.get("replace_original") is True
    assert mrkdwn(after) == (
        ":white_check_mark: Request #1 for Acme Packaging is cancelled.\n"
        "*Waiting for you*\nNothing waits for your decision.\n*Yours*\n"
        "*#1* Acme Packaging (C0002) · limit increase\n$100,000.00 → $200,000.00\n"
        "cancelled just now")
    assert after.buttons() == []
    again = world.slack.click(SALES, mine, "Cancel request")
    assert again.all_text() == (
        "Request #1 is already cancelled: only an open request can be cancelled.")
    assert requests_of(world)[0].state is RequestState.CANCELLED
    assert len(audit(world, "requests.cancelled")) == 1


def test_a_rejected_request_says_why_in_the_list(world):
    # The rejection's comment reached the requester only in a direct message.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k larger Q1 orders")
    [request] = requests_of(world)
    member = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(member, request.id, 1, Outcome.REJECTED,
                                   "Too much *overdue* <!here>\nfor now")
    mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(mine) == (
        "*Waiting for you*\nNothing waits for your decision.\n*Yours*\n"
        "*#1* Acme Packaging (C0002) · limit increase\n$100,000.00 → $200,000.00\n"
        "rejected just now\nby <@U02CREDITMG>:\n> Too much ∗overdue∗ &lt;!here&gt;\n"
        "> for now")


def test_a_forged_cancel_value_is_refused(world):
    # A key given twice: pydantic kept the last, a check of the first vouched for it.
    for value in ('{"request": "1"}', '{"request": 0}', '{"request": 99999999999}', "x",
                  '{"request": 1, "request": 2}'):
        result, _ = world.slack.press(SALES, SALES_CHANNEL, {
            "action_id": "credit_request_cancel", "value": value})
        assert result.status == 400, value


def test_many_requests_stay_within_slacks_limits(world):
    with world.services.engine.connect() as conn:
        customers = list(conn.scalars(select(CustomerRow.customer_id).order_by(
            CustomerRow.customer_id).limit(14)))
    for customer in customers:
        world.slack.slash(SALES, SALES_CHANNEL, f"/credit request {customer} +1k "
                                                + "a long reason " * 100)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert len(reply.blocks) <= 50
    assert mrkdwn(reply).endswith("Only your 10 latest requests are shown.")
    manager = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit requests")
    # Each waiting line carries its Approve, Reject and Ask for info buttons: fewer
    # lines fit (reasons of 1,400 characters here), the rest counted.
    assert len(manager.blocks) <= 50
    assert mrkdwn(manager).count("*#") == 6
    # Said where the rest are: the list had no way to them.
    assert ("… and 8 more, oldest first: each one's card, in its channel or your direct "
            "messages, has the same buttons, and they come here as these are decided."
            ) in mrkdwn(manager)
    assert len(manager.buttons()) == 18  # three on each of the six


# -- /credit delegate -------------------------------------------------------------------

def test_delegating_showing_and_ending(world):
    def say(line: str, user: str = CREDIT_MANAGER) -> str:
        return shown(world.slack.slash(user, SALES_CHANNEL, f"/credit delegate {line}"))

    assert mrkdwn(world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit delegate")) == (
        "No delegation from or to you is in force.\n"
        "Hand your approvals to a stand-in with `/credit delegate @mei until 2026-12-31`; "
        "`/credit delegate end` ends yours.")
    granted = say(f"<@{ANALYST}|an> until 2026-12-31")
    assert granted == (
        ":white_check_mark: <@U02CREDITAN> decides your credit requests from Nov 29, 2026 "
        "through Dec 31, 2026. `/credit delegate end` ends it sooner.")
    assert mrkdwn(world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit delegate")) == (
        "*You delegated*\n• to <@U02CREDITAN> from Nov 29, 2026 through Dec 31, 2026\n"
        "Hand your approvals to a stand-in with `/credit delegate @mei until 2026-12-31`; "
        "`/credit delegate end` ends yours.")
    assert mrkdwn(world.slack.slash(ANALYST, SALES_CHANNEL, "/credit delegate")).startswith(
        "*You stand in for*\n• <@U02CREDITMG> from Nov 29, 2026 through Dec 31, 2026\n")
    [entry] = audit(world, "delegations.granted")
    assert entry.subject == CREDIT_MANAGER
    # Booking a later absence ends today's cover, and the answer says so.
    assert say("<@U03FINDIR01> from 2027-01-10 until 2027-01-20") == (
        ":white_check_mark: <@U03FINDIR01> decides your credit requests from Jan 10, 2027 "
        "through Jan 20, 2027. `/credit delegate end` ends it sooner. Note: <@U03FINDIR01> "
        "also decides a later level of some requests (as finance director); one person "
        "decides one level of a request, so on those they can only reject your level, not "
        "approve it: a stand-in who decides no later level can approve them all. This "
        "replaces your delegation to <@U02CREDITAN> until Dec 31, 2026. Until Jan 10, 2027 "
        "nobody stands "
        "in for you: you have one delegation at a time, and the new one replaces the one "
        "running today.")
    assert say("end") == (
        ":white_check_mark: Your delegation has ended: your credit requests come to you "
        "again.")
    assert say("end") == "You have no delegation in force, so there is nothing to end."
    # Each entry names whom it replaced or ended, and their days: the count alone sent
    # an auditor back through the earlier entries.
    replacing = audit(world, "delegations.granted")[-1]
    assert (replacing.details["replaced"], replacing.details["replaced_delegations"]) == (
        1, [{"delegate": ANALYST, "starts_on": "2026-11-29", "until": "2026-12-31"}])
    [ended] = audit(world, "delegations.ended")
    assert (ended.actor, ended.details) == (CREDIT_MANAGER, {"ended": 1, "delegations": [
        {"delegate": "U03FINDIR01", "starts_on": "2027-01-10", "until": "2027-01-20"}]})


def test_a_delegation_that_ran_out_is_neither_replaced_nor_ended_again(world):
    """A delegation ended on its own (its last day past) was counted "replaced" by the
    next one, and its end rewritten to that day: the audit said the delegator cut it
    short three days after it had ended."""
    from storage.models import DelegationRow

    def say(line: str) -> str:
        return shown(world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                                       f"/credit delegate {line}"))

    say("<@U03FINDIR01> until 2026-11-30")
    with time_machine.travel(datetime(2026, 12, 3, 2, tzinfo=ZoneInfo("UTC")), tick=True):
        assert say(f"<@{ANALYST}|an> until 2026-12-04") == (
            f":white_check_mark: <@{ANALYST}> decides your credit requests from Dec 3, "
            "2026 through Dec 4, 2026. `/credit delegate end` ends it sooner.")
        assert say("end") == (
            ":white_check_mark: Your delegation has ended: your credit requests come to "
            "you again.")
    granted = audit(world, "delegations.granted")[-1]
    assert (granted.details["replaced"], granted.details["replaced_delegations"]) == (0, [])
    [ended] = audit(world, "delegations.ended")
    assert ended.details["ended"] == 1
    with world.services.engine.connect() as conn:
        ends = {row.delegate: row.ended_at for row in conn.execute(
            select(DelegationRow.delegate, DelegationRow.ended_at))}
    assert ends["U03FINDIR01"] is None and ends[ANALYST] is not None


def test_each_refusal_of_a_delegation_says_why(world):
    def say(line: str, user: str = CREDIT_MANAGER) -> str:
        return shown(world.slack.slash(user, SALES_CHANNEL, f"/credit delegate {line}"))

    assert say(f"<@{CREDIT_MANAGER}|mei> until 2026-12-31") == (
        "You can't delegate to yourself: name the person who stands in for you.")
    assert say(f"<@{ANALYST}> until 2026-11-01") == (
        "The last day Nov 1, 2026 is already past: a delegation runs up to today or a later "
        "day, e.g. `/credit delegate @mei until 2026-12-31`.")
    assert say(f"<@{ANALYST}> until 2026-12-31", SALES) == (
        "You hold no role that decides credit requests, so there is nothing to delegate.")
    assert say(f"<@{STRANGER}|stranger> until 2026-12-31") == (
        "<@U9STRANGER1> may not see credit data, so they can't decide credit requests for "
        "you. Ask a credit manager to give them access first.")
    assert say("@mei until 2026-12-31") == (
        "I can't tell who “@mei” is: pick the person from the list Slack shows as you type "
        "@, e.g. `/credit delegate @mei until 2026-12-31`.")
    assert say(f"<@{ANALYST}> until next friday") == (
        "Write whom and until when: `/credit delegate @mei until 2026-12-31` (pick the "
        "person from the list Slack shows as you type @).")
    # "end" with a day: not a person called "end".
    assert say("end 2026-12-31") == (
        "`/credit delegate end` ends your delegation now, and takes nothing after it; to "
        "end it on a later day, hand it over again with that day: `/credit delegate @mei "
        "until 2026-12-31`.")
    # Both were written; the reason after the day is what is too much.
    assert say(f"<@{ANALYST}> until 2026-12-31 because I am away") == (
        "Write nothing after the last day: “because I am away” is not needed, e.g. "
        "`/credit delegate @mei until 2026-12-31`.")
    assert say(f"<@{ANALYST}> until 31.12.2026") == (
        "“31.12.2026” is not a date: write it as YYYY-MM-DD, e.g. `/credit delegate @mei "
        "until 2026-12-31`.")
    assert say(f"<@{ANALYST}> until 2026-12-31", STRANGER).startswith(":lock: ")
    assert audit(world, "delegations.granted") == []


# -- /credit history --------------------------------------------------------------------

def test_history_shows_requests_with_decisions_newest_first(world):
    empty = world.slack.slash(SALES, SALES_CHANNEL, "/credit history acme packaging")
    assert mrkdwn(empty) == (
        "No credit request was filed for this customer yet. File one with `/credit request "
        "C0002 +100k &lt;reason&gt;`.")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +100k first try")
    mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    world.slack.click(SALES, mine, "Cancel request")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +20k second try")
    cancelled, second = sorted(requests_of(world), key=lambda r: r.id)
    member = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(member, second.id, 1, Outcome.APPROVED,
                                    "fine by me <!here>")
    director = world.services.config.roster().member("U03FINDIR01")
    world.services.requests.decide(director, second.id, 2, Outcome.APPROVED)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history acme packaging")
    [decided] = [r for r in requests_of(world) if r.id == second.id]

    def when(moment) -> str:
        return EN.moment(moment, ZONE)

    with world.services.uow() as uow:
        first, last = uow.credit_requests.decisions([second.id])[second.id]
        [change] = uow.credit_requests.limit_changes("C0002")
    assert reply.blocks[0]["text"]["text"] == "History of Acme Packaging (C0002)"
    assert mrkdwn(reply) == (
        "*Credit requests*\n"
        "*#2* limit increase · $100,000.00 → $120,000.00 · approved\n"
        f"filed by <@U01SALESAMY> on {when(decided.filed_at)}:\n> second try\n"
        f"  ↳ level 1 (credit manager) approved by <@U02CREDITMG> on "
        f"{when(first.decided_at)}\n> fine by me &lt;!here&gt;\n"
        f"  ↳ level 2 (finance director) approved by <@U03FINDIR01> on "
        f"{when(last.decided_at)}\n"
        "*#1* limit increase · $100,000.00 → $200,000.00 · cancelled\n"
        f"filed by <@U01SALESAMY> on {when(cancelled.filed_at)}:\n> first try\n"
        f"cancelled by <@U01SALESAMY> on {when(requests_of(world)[1].closed_at)}\n"
        "*Approved limit changes*\n"
        f"• {when(change.effective_at)}: $100,000.00 → $120,000.00, approved by "
        "<@U03FINDIR01> (request #2)")
    # A second raise reads from the first one's limit, not from the ERP's beneath both.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +30k third try")
    third = max(requests_of(world), key=lambda r: r.id)
    # Undecided, it waits for a decision ("open" read in Chinese as an unsettled invoice).
    assert mrkdwn(world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002")).startswith(
        f"*Credit requests*\n*#{third.id}* limit increase · $120,000.00 → $150,000.00 · "
        "waiting for a decision\n")
    world.services.requests.decide(member, third.id, 1, Outcome.APPROVED)
    world.services.requests.decide(director, third.id, 2, Outcome.APPROVED)
    with world.services.uow() as uow:
        later = max(uow.credit_requests.limit_changes("C0002"), key=lambda c: c.id)
    again = mrkdwn(world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002"))
    assert again.endswith(
        "*Approved limit changes*\n"
        f"• {when(later.effective_at)}: $120,000.00 → $150,000.00, approved by "
        f"<@U03FINDIR01> (request #{third.id})\n"
        f"• {when(change.effective_at)}: $100,000.00 → $120,000.00, approved by "
        "<@U03FINDIR01> (request #2)")


def test_history_of_an_unknown_customer_or_for_an_outsider(world):
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit history Zyxw Qvvv"
                             ).all_text() == (
        "No customer matches “Zyxw Qvvv”. Try part of the name or the customer id, e.g. "
        "`/credit history C0001`.")
    assert world.slack.slash(STRANGER, SALES_CHANNEL, "/credit history C0002"
                             ).all_text().startswith(":lock: Credit data is confidential")
    assert "needs a customer id or name" in world.slack.slash(
        SALES, SALES_CHANNEL, "/credit history").all_text()


def test_a_long_history_stays_within_slacks_limits(world):
    member = world.services.config.roster().member(SALES)
    hostile = "<!channel> " + "a very long reason with *stars* & <tags> " * 48
    for n in range(14):
        filed = world.services.requests.file(member, Filing(
            "C0002", RequestKind.LIMIT_INCREASE, f"{n} {hostile}", f"+{n + 1}k"))
        world.services.requests.cancel(member, filed.id)
    # The driver refuses any answer Slack would refuse (blocks, size).
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002")
    text = mrkdwn(reply)
    assert "*#14* limit increase · $100,000.00 → $114,000.00 · cancelled" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    shown = text.count("filed by <@U01SALESAMY>")
    assert 1 <= shown < 14
    assert f"Only the {shown} latest requests are shown." in text
    assert text.endswith("*Approved limit changes*\nNone yet.")
    mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    assert mrkdwn(mine).endswith("Only your 10 latest requests are shown.")


def test_an_outsider_gets_no_list_and_no_form_from_a_forged_button(world):
    reply = world.slack.slash(STRANGER, SALES_CHANNEL, "/credit requests")
    assert reply.all_text().startswith(":lock: Credit data is confidential")
    result, url = world.slack.press(STRANGER, SALES_CHANNEL, {
        "action_id": "credit_request_more", "value": '{"kind":"customer","id":"C0002"}'})
    assert result.status == 200
    assert world.slack.reply_at(url, SALES_CHANNEL).all_text().startswith(
        ":lock: Credit data is confidential")
    assert world.emulator.calls_to("views.open") == []


def test_a_limit_asked_in_another_currency_reads_in_chinese_with_full_width_brackets(world):
    speaks_chinese(world, SALES)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request C0002 +€50k 春节备货")
    [request] = requests_of(world)
    # €50,000 at the demo's day rate (54,309.78 / 50,000 = 1.0861956): the figures line.
    assert mrkdwn(reply).split("\n")[1] == (
        "US$100,000.00 → US$154,309.78（填写为 +€50,000.00，按 1 EUR = 1.0862 USD 换算）")
    assert request.asked_in is not None


def test_a_field_error_quoting_a_huge_amount_is_clipped(world):
    # Slack's max_length keeps people from it; a forged form got back 60 KB beside the
    # field, the refusal quoting every digit.
    view = open_form(world)
    said = errors(world.slack.submit(SALES, view, {
        "customer": "C0002", "amount": "9" * 60_000, "reason": "more"}))
    assert list(said) == ["amount"]
    assert len(said["amount"]) == 2000 and said["amount"].endswith("…")
    assert said["amount"].startswith("“999")
    assert requests_of(world) == []


def test_tries_again_do_not_outlive_the_services_they_were_for(world, caplog):
    # A DM Slack refused was tried again minutes later against a Slack long gone, in the
    # log of whatever ran then (the next test's, in a test run).
    from handlers import replies

    view = open_form(world)
    world.emulator.fail("chat.postEphemeral", "http500", times=3)
    world.emulator.fail("conversations.open", "http500", times=3)
    world.slack.submit(SALES, view, {"customer": "C0002", "amount": "+1k",
                                     "reason": "one more pallet"})
    deadline = time.monotonic() + 15
    while not (replies._scheduler and replies._scheduler._due):
        assert time.monotonic() < deadline, "no try again was scheduled"
        time.sleep(0.05)
    caplog.set_level(logging.INFO, logger="creditbot.wiring")
    world.services.close()
    assert replies._scheduler._due == []
    assert "1 answer(s) Slack had refused are not tried again: closing" in [
        r.getMessage() for r in caplog.records]
