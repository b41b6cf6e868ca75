"""The collections job's reminder: one message for every account whose next step fell
due, in the collector's language, within Block Kit's limits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.collections.model import Assignment, AssignmentStatus
from domain.model import Customer
from domain.money import Money
from handlers.collections.blocks import NAME_LENGTH
from handlers.collections.blocks_notices import nudges_text, stale_text
from handlers.i18n import translator
from handlers.render import erp_text

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def due(n: int, name: str | None = None) -> tuple[Assignment, Customer]:
    customer = Customer(f"C{n:04d}", name or f"Customer {n}", Money(Decimal(1000), "USD"), 30)
    return (Assignment(customer.customer_id, "U04COLLECT1", AssignmentStatus.OPEN, "rules",
                       NOW, next_action_on=date(2026, 11, 20 + n % 10)), customer)


def test_a_few_accounts_in_english_and_chinese():
    accounts = [due(1), due(2, "Evil *bold* <!here>")]
    assert nudges_text(accounts, translator("en-US")) == (
        ":alarm_clock: Next steps are due on 2 of your accounts:\n"
        "• *Customer 1* (C0001): due Nov 21, 2026\n"
        "• *Evil ∗bold∗ &lt;!here&gt;* (C0002): due Nov 22, 2026\n"
        "`/credit collect` lists them first.")
    assert nudges_text(accounts, translator("zh-CN")).split("\n")[0] == (
        ":alarm_clock: 您有 2 个账户的下一步已到期：")


def test_many_long_names_list_fewer_and_count_the_rest():
    accounts = [due(n, "&" * 300 + str(n)) for n in range(40)]
    text = nudges_text(accounts, translator("en-US"))
    lines = text.split("\n")
    assert len(text) <= 3000
    shown = len(lines) - 3  # the title, the count and the last line
    assert 1 <= shown < 20 and lines[-2] == f"and {40 - shown} more"
    name = erp_text("&" * 300 + "0", NAME_LENGTH)
    assert lines[1] == f"• *{name}* (C0000): due Nov 20, 2026"


def test_the_leads_message_lists_the_accounts_without_action_longest_first():
    stale = [(*due(1), 30), (*due(2, "Evil _co_"), 14)]
    assert stale_text(stale, translator("en-US")) == (
        ":hourglass: 2 accounts have had no action for a while:\n"
        "• *Customer 1* (C0001), collected by <@U04COLLECT1>: 30 days without action\n"
        "• *Evil ＿co＿* (C0002), collected by <@U04COLLECT1>: 14 days without action")
    assert stale_text(stale, translator("zh-CN")).split("\n")[0] == (
        ":hourglass: 有 2 个账户一段时间没有催收行动：")


def test_a_broken_promise_is_told_to_whoever_recorded_it_as_the_owner_is():
    from zoneinfo import ZoneInfo

    from domain.collections.model import Promise, PromiseState
    from handlers.collections.blocks_notices import CollectionNotices
    from tests.fakes import FakeOutbox

    outbox = FakeOutbox()
    customer = Customer("C0041", "Fenwick", Money(Decimal(1000), "GBP"), 30)
    promise = Promise("C0041", Money(Decimal(9000), "GBP"), date(2026, 12, 31), (),
                      PromiseState.BROKEN, "U02CREDITMG", NOW)
    notices = CollectionNotices(lambda user: "en-US", ZoneInfo("Asia/Shanghai"))
    notices.promise_broken(outbox, promise, customer, "U04COLLECT1", "U01SALESCHO",
                           recorder="U02CREDITMG")
    told = {m.channel: m.text for m in outbox.staged.values()}
    broken = (":x: *Fenwick* (C0041) broke its promise to pay £9,000.00 by Dec 31, 2026: it "
              "is not paid, grace days included. The broken promise is recorded against the "
              "customer.")
    also = broken + " <@U04COLLECT1> collects the account: ask them what comes next."
    assert told == {"U04COLLECT1": broken, "U01SALESCHO": also, "U02CREDITMG": also}
