"""The digest as people read it in Slack: every page within Block Kit's limits, the
lines grouped and in the domain's order, each what-changed in words, the answers shown,
hostile ERP names harmless, and the page count fixed by the number of lines."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.sandbox import blockkit
from domain.alerts.dedup import Announcement
from domain.alerts.digest import DigestLine, Page, ordered
from domain.alerts.model import Alert, AlertState, AlertType, Change, Severity, Subject
from domain.money import Money
from handlers.alerts.blocks import (
    DETAILED,
    LINES_PER_PAGE,
    MESSAGE_BUDGET,
    DigestBlocks,
    compact,
    number_pages,
    size,
)
from handlers.alerts.payloads import AlertValue, SnoozeValue
from handlers.check.payloads import SubjectValue
from handlers.i18n import translator

AT = datetime(2026, 11, 29, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai
CHANNEL = "C0FINANCE01"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ACK = "U02CREDITMG"


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def overdue(customer: str = "C0001", name: str = "Acme Industrial Supply",
            amount: str = "12345.6", days: int = 45, bucket: str = "31-60",
            severity: Severity = Severity.WARNING, level: int = 2) -> Alert:
    return Alert(AlertType.OVERDUE, customer, Subject(customer, name), severity, level,
                 usd(amount), Decimal(amount), days, {"bucket": bucket, "exposure": "40000"})


def utilisation(customer: str = "C0002", name: str = "Acme Packaging",
                share: str | None = "1.125", over_by: str | None = "5000") -> Alert:
    facts = {"limit": "40000"}
    if share is not None:
        facts["utilisation"] = share
    if over_by is not None:
        facts["over_by"] = over_by
    return Alert(AlertType.UTILISATION, customer, Subject(customer, name), Severity.CRITICAL,
                 2, usd("45000"), Decimal("45000"), None, facts)


def large_invoice() -> Alert:
    return Alert(AlertType.LARGE_INVOICE, "INV-0042", Subject("C0003", "Blue Harbor Foods"),
                 Severity.WARNING, 1, Money(Decimal("880000"), "CNY"), Decimal("123000"), 40,
                 {"invoice": "INV-0042", "due": "2026-10-20"})


def contract(days: int = 12) -> Alert:
    return Alert(AlertType.CONTRACT_EXPIRING, "K-7", Subject("C0004", "Summit Outdoor Gear"),
                 Severity.INFO, 1, usd("50000"), None, days,
                 {"contract": "K-7", "ends": (AT.date() + timedelta(days=days)).isoformat()})


def line(alert: Alert, change: Change = Change.NEW, before: Alert | None = None,
         state: AlertState | None = None) -> DigestLine:
    return DigestLine(Announcement(alert, change, before), state)


def state_of(alert: Alert, **answers: Any) -> AlertState:
    return dataclasses.replace(
        AlertState(alert.condition, alert.type, alert.subject.customer_id, alert.level,
                   alert.severity, alert.level, first_seen=AT, last=alert), **answers)


def render(lines: list[DigestLine], locale: str = "en-US", digest_id: int = 7) -> list[Page]:
    return DigestBlocks(lambda destination: locale, "Asia/Shanghai").render(
        CHANNEL, digest_id, lines, AT)


def mrkdwn_texts(page: Page) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(page.blocks)
    return found


def assert_within_limits(pages: list[Page]) -> None:
    for page in pages:
        assert blockkit.problems(page.blocks) == []
        assert len(page.blocks) <= 50
        # Slack's msg_blocks_too_long, at about 13,000 characters in all.
        assert size(page.blocks) <= MESSAGE_BUDGET < 13_000
        assert 0 < len(page.text) <= 3000
        for text in mrkdwn_texts(page):
            assert len(text) <= 3000


def buttons(page: Page) -> list[tuple[str, str, str]]:
    """Each button, and the Share menu as its one option (label, action, value)."""
    return [(b["text"]["text"], b["action_id"], b["value"]) if b["type"] == "button" else
            (b["options"][0]["text"]["text"], b["action_id"], b["options"][0]["value"])
            for block in page.blocks if block["type"] == "actions" for b in block["elements"]]


# -- one line, whole text ----------------------------------------------------------------

def test_one_new_line_is_the_whole_first_page():
    [page] = render([line(overdue())])
    assert page.text == "Credit alerts · Nov 29, 2026: 1 alert  ·  1 warning"
    assert page.blocks[:4] == [
        {"type": "header", "text": {"type": "plain_text", "text": "Credit alerts · Nov 29, 2026",
                                    "emoji": False}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
                                          "1 alert  ·  :large_orange_circle: 1 warning"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text":
                                     ":large_orange_circle: *Warning · Overdue accounts* (1)"}},
        {"type": "section", "text": {"type": "mrkdwn", "text":
                                     "*Acme Industrial Supply* · C0001\n"
                                     "$12,345.60 overdue · oldest 45 days past due · "
                                     "exposure $40,000.00\nNew"}},
    ]
    assert page.blocks[4]["type"] == "actions" and len(page.blocks) == 5
    value = '{"digest":7,"condition":"overdue:C0001"}'
    assert buttons(page) == [
        ("Acknowledge", "alerts_acknowledge", value),
        ("Snooze 1 day", "alerts_snooze_1d", '{"digest":7,"condition":"overdue:C0001","days":1}'),
        ("Snooze 7 days", "alerts_snooze_7d",
         '{"digest":7,"condition":"overdue:C0001","days":7}'),
        ("Credit check", "alerts_credit_check", '{"kind":"customer","id":"C0001"}'),
        ("Assign collector", "collections_assign", '{"kind":"customer","id":"C0001"}'),
        ("Share with another department…", "share_card",
         '{"kind":"alert","id":"overdue:C0001"}'),
    ]
    # The values are the ones the listeners parse.
    assert AlertValue.decode(value) == AlertValue(digest=7, condition="overdue:C0001")
    assert SnoozeValue.decode(buttons(page)[2][2]).days == 7
    assert SubjectValue.decode(buttons(page)[3][2]).ref().customer_id == "C0001"
    assert_within_limits([page])


# -- what each type says, and what changed ------------------------------------------------

def detailed_text(digest_line: DigestLine, locale: str = "en-US") -> str:
    [page] = render([digest_line], locale)
    return page.blocks[3]["text"]["text"]


@pytest.mark.parametrize(("digest_line", "text"), [
    (line(overdue(), Change.WORSE, overdue(days=20, bucket="1-30", level=1)),
     "*Acme Industrial Supply* · C0001\n$12,345.60 overdue · oldest 45 days past due · "
     "exposure $40,000.00\nMoved from 1-30 days to 31-60 days"),
    (line(utilisation(), Change.WORSE, utilisation(share="0.85", over_by=None)),
     "*Acme Packaging* · C0002\nexposure $45,000.00 of a $40,000.00 limit (112% used) · "
     "over the limit by $5,000.00\nUp from 85% of the limit"),
    (line(utilisation(share=None, over_by=None), Change.BACK),
     "*Acme Packaging* · C0002\nexposure $45,000.00 with no credit limit\nBack again"),
    (line(large_invoice(), Change.SNOOZE_ENDED),
     "*Blue Harbor Foods* · C0003\ninvoice INV-0042: CN¥880,000.00 open · due Oct 20, 2026 · "
     "40 days past due\nSnooze ended"),
    (line(contract(), Change.WORSE, contract(days=20)),
     "*Summit Outdoor Gear* · C0004\ncontract K-7 ends Dec 11, 2026 · in 12 days · "
     "credit limit $50,000.00\nNearer its end than when last announced"),
    (line(contract(days=0)),
     "*Summit Outdoor Gear* · C0004\ncontract K-7 ends Nov 29, 2026 · today · "
     "credit limit $50,000.00\nNew"),
])
def test_each_type_and_change_in_words(digest_line, text):
    assert detailed_text(digest_line) == text


@pytest.mark.parametrize(("alert", "locale", "figures"), [
    # Ordered by dollars, shown in yuan: the dollars beside them say why it comes first.
    (large_invoice(), "en-US", "invoice INV-0042: CN¥880,000.00 open (≈ $123,000.00) · due "
     "Oct 20, 2026 · 40 days past due"),
    (large_invoice(), "zh-CN", "发票 INV-0042：未付 ¥880,000.00（约 US$123,000.00） · 到期日 "
     "2026年10月20日 · 已逾期 40 天"),
    (dataclasses.replace(overdue(), amount=Money(Decimal("12345.6"), "EUR"),
                         amount_in_base=Decimal("13580.16")), "en-US",
     "€12,345.60 overdue (≈ $13,580.16) · oldest 45 days past due · exposure €40,000.00"),
    # In the base currency already: the amount alone.
    (overdue(), "en-US",
     "$12,345.60 overdue · oldest 45 days past due · exposure $40,000.00"),
    # With no rate to convert it: why it comes last of its group.
    (dataclasses.replace(overdue(), amount=Money(Decimal("12345.6"), "EUR"),
                         amount_in_base=None), "en-US",
     "€12,345.60 overdue (no USD rate) · oldest 45 days past due · exposure €40,000.00"),
    (dataclasses.replace(overdue(), amount=Money(Decimal("12345.6"), "EUR"),
                         amount_in_base=None), "zh-CN",
     "逾期 €12,345.60（无USD汇率） · 最早一笔已逾期 45 天 · 敞口 €40,000.00"),
    # A contract's limit is never converted: no "(no USD rate)" for a rate that exists.
    (dataclasses.replace(contract(), amount=Money(Decimal("50000"), "EUR")), "en-US",
     "contract K-7 ends Dec 11, 2026 · in 12 days · credit limit €50,000.00"),
    # Too little in the base currency to show: not "(≈ $0.00)".
    (dataclasses.replace(overdue(), amount=Money(Decimal("100"), "VND"),
                         amount_in_base=Decimal("0.004")), "en-US",
     "₫100 overdue · oldest 45 days past due · exposure ₫40,000"),
])
def test_an_amount_in_another_currency_shows_the_base_amount_it_is_ordered_by(
        alert, locale, figures):
    [page] = DigestBlocks(lambda destination: locale, "Asia/Shanghai", "USD").render(
        CHANNEL, 7, [line(alert)], AT)
    assert page.blocks[3]["text"]["text"].split("\n")[1] == figures


def euro_overdue(name: str = "Bolt & Nut GmbH", days: int = 45) -> Alert:
    return dataclasses.replace(overdue(name=name, days=days),
                               amount=Money(Decimal("12345.6"), "EUR"),
                               amount_in_base=Decimal("13580.16"))


def test_a_thread_line_and_better_now_show_the_base_amount_while_there_is_room():
    # The thread's lines are ordered by dollars too, and showed only the euros.
    en = translator("en-US")
    assert compact(en, line(euro_overdue()), SHANGHAI, base="USD") == (
        "• *Bolt &amp; Nut GmbH* (C0001) — €12,345.60 overdue (≈ $13,580.16) · oldest 45 "
        "days past due · New")
    # A line too long for both gives up the base amount before the customer's name.
    long_name = "Nordic Industrial Fasteners and Precision Bolts Manufacturing Company GmbH"
    crowded = euro_overdue(name=long_name)
    crowded = dataclasses.replace(crowded, subject=dataclasses.replace(
        crowded.subject, collector="U04COLLECT1"))
    answered = state_of(crowded, acknowledged_by=ACK, acknowledged_at=AT,
                        snoozed_until=AT + timedelta(days=7), snoozed_by=ACK)
    assert compact(en, line(crowded, state=answered), SHANGHAI, base="USD") == (
        "• *Nordic Industrial Fasteners and Precision Bolts Manufacturi…* (C0001) — "
        "€12,345.60 overdue · oldest 45 days past due · collector assigned · New  "
        ":white_check_mark: Acknowledged by <@U02CREDITMG>  :zzz: Snoozed until Dec 6, 2026 "
        "by <@U02CREDITMG>")
    # Better now, in the base currency's terms too, on the thread's lines as on the first
    # page's.
    was = dataclasses.replace(euro_overdue(days=95), level=4)
    assert compact(en, line(was, state=state_of(dataclasses.replace(
        euro_overdue(days=20), level=1))), SHANGHAI, base="USD").endswith(
        ":arrow_down: Better now: €12,345.60 overdue (≈ $13,580.16) · oldest 20 days past "
        "due")
    # Better now, in the base currency's terms too.
    was = euro_overdue(days=95)
    better = dataclasses.replace(euro_overdue(days=20), level=1)
    paid_down = line(dataclasses.replace(was, level=4), state=state_of(better))
    [page] = DigestBlocks(lambda destination: "en-US", "Asia/Shanghai", "USD").render(
        CHANNEL, 7, [paid_down], AT)
    assert page.blocks[3]["text"]["text"].splitlines()[-1] == (
        ":arrow_down: Better now: €12,345.60 overdue (≈ $13,580.16) · oldest 20 days past "
        "due")


def test_chinese_readers_get_the_digest_in_chinese():
    # A customer with a Chinese legal name is named by it (its card and worklist do).
    packaging = utilisation()
    packaging = dataclasses.replace(packaging, subject=dataclasses.replace(
        packaging.subject, name_local="艾克美包装有限公司"))
    [page] = render(ordered([line(overdue(), Change.WORSE,
                                  overdue(days=20, bucket="1-30", level=1)),
                             line(packaging)]), "zh-CN")
    assert page.text == "信用提醒 · 2026年11月29日：2 条提醒  ·  严重 1 条  ·  警告 1 条"
    assert [b["text"]["text"] for b in page.blocks if b["type"] == "section"] == [
        ":red_circle: *严重 · 信用额度使用*（1）",
        "*艾克美包装有限公司* · C0002\n敞口 US$45,000.00 / 额度 US$40,000.00（已用 112%） · "
        "超出额度 US$5,000.00\n新增",
        ":large_orange_circle: *警告 · 逾期账户*（1）",
        "*Acme Industrial Supply* · C0001\n逾期 US$12,345.60 · 最早一笔已逾期 45 天 · "
        "敞口 US$40,000.00\n从 1-30 天升至 31-60 天",
    ]
    assert [label for label, _, _ in buttons(page)][:4] == [
        "确认", "延后 1 天提醒", "延后 7 天提醒", "信用查询"]


# -- grouping and order -------------------------------------------------------------------

def test_lines_are_grouped_by_severity_and_type_in_the_order_given():
    lines = ordered([line(overdue("C1", "Small", "100", severity=Severity.INFO, level=1)),
                     line(contract()),
                     line(overdue("C2", "Big", "90000")),
                     line(utilisation()),
                     line(overdue("C3", "Middle", "5000")),
                     line(large_invoice())])
    [page] = render(lines)
    assert [b["text"]["text"].split("\n")[0] for b in page.blocks
            if b["type"] == "section"] == [
        ":red_circle: *Critical · Credit limit use* (1)", "*Acme Packaging* · C0002",
        ":large_orange_circle: *Warning · Overdue accounts* (2)", "*Big* · C2", "*Middle* · C3",
        ":large_orange_circle: *Warning · Large overdue invoices* (1)",
        "*Blue Harbor Foods* · C0003",
        ":large_blue_circle: *Info · Overdue accounts* (1)", "*Small* · C1",
        ":large_blue_circle: *Info · Contracts expiring* (1)", "*Summit Outdoor Gear* · C0004",
    ]
    assert page.blocks[1]["elements"][0]["text"] == (
        "6 alerts  ·  :red_circle: 1 critical  ·  :large_orange_circle: 3 warnings  ·  "
        ":large_blue_circle: 2 info")
    # Each line's buttons sit under it: block ids are unique in the message.
    ids = [b["block_id"] for b in page.blocks if b["type"] == "actions"]
    assert ids == [f"alert_{i}" for i in range(6)]


# -- sizes --------------------------------------------------------------------------------

def many(n: int, name: str = "Customer {i}") -> list[DigestLine]:
    severities = [Severity.CRITICAL, Severity.WARNING, Severity.INFO]
    return ordered(line(overdue(f"C{i:05d}", name.format(i=i), str(1000 + i),
                                severity=severities[i % 3], level=1 + i % 3))
                   for i in range(n))


@pytest.mark.parametrize(("n", "pages"), [(0, 1), (1, 1), (10, 1), (11, 2), (110, 2),
                                          (111, 3), (500, 6), (5000, 51)])
def test_every_page_stays_within_block_kits_limits(n, pages):
    rendered = render(many(n))
    assert len(rendered) == pages == number_pages(n)
    assert_within_limits(rendered)
    detailed = sum(1 for b in rendered[0].blocks if b["type"] == "actions")
    assert detailed == min(n, DETAILED)
    assert detailed + bullets(rendered) == n


def bullets(pages: list[Page]) -> int:
    """Lines without buttons: one bullet each, on page 1 or in the thread."""
    return sum(text.count("\n• ") + text.startswith("• ")
               for page in pages for text in mrkdwn_texts(page))


def test_page_one_says_how_many_more_are_in_the_thread_and_the_thread_says_which():
    rendered = render(many(500))
    assert rendered[0].blocks[-1] == {"type": "context", "elements": [{
        "type": "mrkdwn", "text": ":thread: 490 more alerts in the thread of this message."}]}
    assert rendered[1].text == f"Credit alerts · Nov 29, 2026 · 11–{10 + LINES_PER_PAGE} of 500"
    assert rendered[2].text == (f"Credit alerts · Nov 29, 2026 · {11 + LINES_PER_PAGE}–"
                                f"{10 + 2 * LINES_PER_PAGE} of 500")
    assert rendered[-1].text == "Credit alerts · Nov 29, 2026 · 411–500 of 500"
    assert rendered[-1].blocks[0]["elements"][0]["text"] == rendered[-1].text


def test_a_thread_line_is_compact_and_its_group_is_named_at_the_top_of_each_page():
    lines = many(11)
    rendered = render(lines)
    last = lines[-1].announcement.alert
    assert rendered[1].blocks[1] == {"type": "section", "text": {"type": "mrkdwn", "text": (
        f":large_blue_circle: *Info · Overdue accounts* (3)\n• *{last.subject.name}* "
        f"({last.subject.customer_id}) — $1,{last.amount.amount - 1000:03}.00 overdue · oldest "
        "45 days past due · New")}}


def test_answers_change_no_page_count():
    lines = many(5000, name="{i}" + "&" * 300)
    before = render(lines)
    answered = [dataclasses.replace(
        digest_line, state=state_of(digest_line.announcement.alert, acknowledged_by=ACK,
                                    acknowledged_at=AT, snoozed_by="U0SOMEONE1",
                                    snoozed_until=AT + timedelta(days=7)))
        for digest_line in lines]
    after = render(answered)
    assert len(after) == len(before) == 51
    assert [len(p.blocks) for p in after[1:]] == [len(p.blocks) for p in before[1:]]
    assert_within_limits(after)


# -- answers ------------------------------------------------------------------------------

def test_an_acknowledged_line_says_who_and_loses_its_acknowledge_button():
    alert = overdue()
    [page] = render([line(alert, state=state_of(alert, acknowledged_by=ACK,
                                                 acknowledged_at=AT))])
    assert page.blocks[3]["text"]["text"] == (
        "*Acme Industrial Supply* · C0001\n$12,345.60 overdue · oldest 45 days past due · "
        f"exposure $40,000.00\nNew\n:white_check_mark: Acknowledged by <@{ACK}>")
    assert [label for label, _, _ in buttons(page)] == [
        "Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector",
        "Share with another department…"]
    assert page.blocks[1]["elements"][0]["text"] == (
        "1 alert  ·  :large_orange_circle: 1 warning  ·  1 acknowledged")


def test_a_line_acknowledged_and_snoozed_counts_once_in_the_summary():
    # "3 alerts · 2 acknowledged · 2 snoozed": more answers than lines.
    first, second = overdue(), overdue(customer="C0009", name="Birch Mills")
    [page] = render([
        line(first, state=state_of(first, acknowledged_by=ACK, acknowledged_at=AT,
                                   snoozed_until=AT + timedelta(days=1), snoozed_by=ACK)),
        line(second, state=state_of(second, snoozed_until=AT + timedelta(days=1),
                                    snoozed_by=ACK))])
    assert page.blocks[1]["elements"][0]["text"] == (
        "2 alerts  ·  :large_orange_circle: 2 warnings  ·  1 acknowledged  ·  1 snoozed")


def test_a_snoozed_line_says_until_when_and_by_whom():
    alert = overdue()
    until = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    [page] = render([line(alert, state=state_of(alert, snoozed_by=ACK, snoozed_until=until))])
    assert page.blocks[3]["text"]["text"] == (
        "*Acme Industrial Supply* · C0001\n$12,345.60 overdue · oldest 45 days past due · "
        f"exposure $40,000.00\nNew\n:zzz: Snoozed until <!date^{int(until.timestamp())}"
        "^{date_short_pretty} {time}|Dec 6, 2026, 9:00\u202fAM> by <@U02CREDITMG>")
    assert len(buttons(page)) == 6


def test_a_contract_past_its_end_is_said_to_have_ended_not_to_be_resolved():
    # "Resolved: no longer found" said of a contract that lapsed unrenewed.
    lapsed = contract(days=2)
    ended = state_of(lapsed, resolved_at=AT + timedelta(days=3))
    assert detailed_text(line(lapsed, state=ended)).endswith(
        "\n:heavy_check_mark: Contract ended on Dec 1, 2026")
    # Renewed (a later end date, so no longer within the notice period): resolved.
    renewed = state_of(lapsed, resolved_at=AT + timedelta(days=1))
    assert detailed_text(line(lapsed, state=renewed)).endswith(
        "\n:heavy_check_mark: Resolved: no longer found on Nov 30, 2026")


def test_a_resolved_line_says_so_and_offers_nothing_to_answer():
    # It kept Acknowledge and Snooze, which were refused when pressed.
    # Nor its "New": resolved is the news.
    alert = overdue()
    resolved = state_of(alert, resolved_at=AT)
    assert detailed_text(line(alert, state=resolved)) == (
        "*Acme Industrial Supply* · C0001\n$12,345.60 overdue · oldest 45 days past due · "
        "exposure $40,000.00\n:heavy_check_mark: Resolved: no longer found on Nov 29, 2026")
    [page] = render([line(alert, state=resolved), line(utilisation())])
    # The summary counts it, as it counts the acknowledged ones.
    assert page.blocks[1]["elements"][0]["text"] == (
        "2 alerts  ·  :red_circle: 1 critical  ·  :large_orange_circle: 1 warning  ·  "
        "1 resolved")
    # Acknowledged before it was resolved: counted once, as resolved (the counts add up).
    answered = state_of(alert, resolved_at=AT, acknowledged_by=ACK, acknowledged_at=AT)
    other = utilisation()
    [page] = render([line(alert, state=answered),
                     line(other, state=state_of(other, acknowledged_by=ACK,
                                                acknowledged_at=AT))])
    assert page.blocks[1]["elements"][0]["text"] == (
        "2 alerts  ·  :red_circle: 1 critical  ·  :large_orange_circle: 1 warning  ·  "
        "1 resolved  ·  1 acknowledged")


def test_a_resolved_thread_line_says_so_without_what_changed():
    lines = many(11)
    alert = lines[-1].announcement.alert
    lines[-1] = line(alert, state=state_of(alert, resolved_at=AT))
    pages = render(lines)
    text = pages[1].blocks[1]["text"]["text"]
    assert text.endswith("· oldest 45 days past due  :heavy_check_mark: Resolved: no longer "
                         "found on Nov 29, 2026"), text
    assert pages[0].blocks[1]["elements"][0]["text"].endswith("  ·  1 resolved")
    assert render(lines, "zh-CN")[0].blocks[1]["elements"][0]["text"].endswith(
        "  ·  已解决 1 项")


def test_thread_lines_show_answers_too():
    lines = many(11)
    alert = lines[-1].announcement.alert
    until = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    lines[-1] = line(alert, state=state_of(alert, acknowledged_by=ACK, acknowledged_at=AT,
                                           snoozed_by=ACK, snoozed_until=until))
    text = render(lines)[1].blocks[1]["text"]["text"]
    # A date rather than Slack's date token: a thread line has less room.
    assert text.endswith(f"· New  :white_check_mark: Acknowledged by <@{ACK}>  :zzz: Snoozed "
                         f"until Dec 6, 2026 by <@{ACK}>")


# -- hostile ERP data ---------------------------------------------------------------------

HOSTILE = ["<!channel> *URGENT* <@U0VICTIM01> <https://evil.example|click>",
           "\u202eevil\u200b\u200bname\u2066",
           "line one\nline two\r\n> quote\t_tab_ ~strike~ `code`",
           "W" * 5000,
           "&" * 5000]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_ping_nobody_format_nothing_and_fit(name):
    lines = many(30, name=name + "{i}")
    rendered = render(lines)
    assert_within_limits(rendered)
    for page in rendered:
        everything = json.dumps([page.text, page.blocks], ensure_ascii=False)
        for forbidden in ("<!channel>", "<@U0VICTIM01>", "<https://", "\u202e", "\u200b",
                          "\u2066", "*URGENT*", "_tab_", "~strike~", "`code`"):
            assert forbidden not in everything
    first = rendered[0].blocks[3]["text"]["text"]
    assert first.count("\n") == 2  # name, figures, change: no line of the name's own


def test_a_hostile_name_is_shown_escaped_in_look_alikes():
    [page] = render([line(overdue(name=HOSTILE[0]))])
    assert page.blocks[3]["text"]["text"].split("\n")[0] == (
        "*&lt;!channel&gt; ∗URGENT∗ &lt;@U0VICTIM01&gt; &lt;https://evil.example|click&gt;* · "
        "C0001")
    [page] = render([line(overdue(name=HOSTILE[2]))])
    assert page.blocks[3]["text"]["text"].split("\n")[0] == (
        "*line one line two &gt; quote ＿tab＿ ∼strike∼ ˋcodeˋ* · C0001")


def test_an_id_our_buttons_cannot_carry_gets_no_buttons_rather_than_a_refused_click():
    alert = dataclasses.replace(overdue(), key="x" * 300)
    [page] = render([line(alert)])
    assert buttons(page) == []
    assert_within_limits([page])


def test_a_page_too_heavy_for_slack_is_written_shorter_not_split():
    # Ids and names as long and as escape-heavy as the ERP's columns allow.
    lines = [line(utilisation(customer=f"C{i:05d}" + "<" * 30, name="<" * 80))
             for i in range(120)]
    rendered = render(lines)
    assert len(rendered) == number_pages(120) == 3
    assert_within_limits(rendered)
    # Fewer lines with buttons on page 1, the others of its first ten compact there.
    detailed = sum(1 for b in rendered[0].blocks if b["type"] == "actions")
    assert detailed == 6
    assert detailed + bullets(rendered) == 120
    # The thread down to ids and amounts.
    assert mrkdwn_texts(rendered[1])[1].split("\n")[:3] == [
        ":red_circle: *Critical · Credit limit use* (120)",
        "• C00010&lt;&lt;… — $45,000.00", "• C00011&lt;&lt;… — $45,000.00"]


def test_long_names_are_clipped_harder_before_any_line_loses_its_buttons():
    rendered = render(many(20, name="W" * 5000 + "{i}"))
    assert_within_limits(rendered)
    assert sum(1 for b in rendered[0].blocks if b["type"] == "actions") == 10
    first = rendered[0].blocks[3]["text"]["text"]
    assert first.split("\n")[0] == "*" + "W" * 59 + "…* · C00018"  # the largest critical


@pytest.mark.parametrize(("status", "en", "zh"), [
    ("open", "collector assigned", "已分配催收员"),
    ("promised", "collector assigned · payment promised", "已分配催收员 · 已承诺付款"),
    ("disputed", "collector assigned · invoices disputed", "已分配催收员 · 发票有争议"),
    ("escalated", "with legal", "法务处理中"),
])
def test_an_accounts_line_says_how_far_collecting_it_has_gone(
        status: str, en: str, zh: str) -> None:
    # A sales channel reading "overdue" should know the account is promised, disputed
    # or with legal before it chases the customer itself.
    collected = dataclasses.replace(overdue(), subject=Subject(
        "C0001", "Acme Industrial Supply", collector="U04COLLECT1", collection=status))
    assert detailed_text(line(collected)).splitlines()[0] == (
        f"*Acme Industrial Supply* · C0001 · {en}")
    assert detailed_text(line(collected), "zh-CN").splitlines()[0] == (
        f"*Acme Industrial Supply* · C0001 · {zh}")


@pytest.mark.parametrize(("status", "en", "zh"), [
    ("promised", "collector assigned · payment promised", "已分配催收员 · 已承诺付款"),
    ("escalated", "with legal", "法务处理中"),
])
def test_a_thread_line_says_how_far_collecting_it_has_gone_too(
        status: str, en: str, zh: str) -> None:
    # The eleventh line on is read in the thread: it says it as the first ten do.
    lines = many(11)
    last = lines[-1].announcement.alert
    lines[-1] = line(dataclasses.replace(last, subject=dataclasses.replace(
        last.subject, collector="U04COLLECT1", collection=status)))
    amount = f"1,{last.amount.amount - 1000:03}.00"
    who = f"• *{last.subject.name}* ({last.subject.customer_id}) — "
    assert mrkdwn_texts(render(lines)[1])[1].split("\n")[-1] == (
        f"{who}${amount} overdue · oldest 45 days past due · {en} · New")
    # In the reader's brackets, as the digest's top writes them: （C0011）.
    assert mrkdwn_texts(render(lines, "zh-CN")[1])[1].split("\n")[-1] == (
        f"• *{last.subject.name}*（{last.subject.customer_id}） — 逾期 US${amount} · 最早一笔"
        f"已逾期 45 天 · {zh} · 新增")


def test_a_crowded_first_page_gives_up_share_menus_before_assign_collector():
    def extras(page: Page) -> list[tuple[bool, bool]]:
        return [("Assign collector" in labels, "Share with another department…" in labels)
                for labels in ([label for label, _, _ in buttons(Page("", [b]))]
                               for b in page.blocks if b["type"] == "actions")]

    assert extras(render(many(3))[0]) == [(True, True)] * 3
    # Nine lines fit with every Assign collector, and menus on the top four only.
    assert extras(render(many(9))[0]) == [(True, True)] * 4 + [(True, False)] * 5
    # Ten do not even fit every Assign collector: no line keeps a menu.
    assert not any(share for _, share in extras(render(many(10))[0]))


def test_an_account_someone_collects_says_so_instead_of_offering_to_assign_one():
    collected = dataclasses.replace(overdue(), subject=Subject(
        "C0001", "Acme Industrial Supply", collector="U04COLLECT1"))
    [page] = render([line(collected)])
    assert page.blocks[3]["text"]["text"] == (
        "*Acme Industrial Supply* · C0001 · collector assigned\n"
        "$12,345.60 overdue · oldest 45 days past due · exposure $40,000.00\nNew")
    assert [label for label, _, _ in buttons(page)] == [
        "Acknowledge", "Snooze 1 day", "Snooze 7 days", "Credit check",
        "Share with another department…"]
    assert detailed_text(line(collected), "zh-CN").splitlines()[0] == (
        "*Acme Industrial Supply* · C0001 · 已分配催收员")
    # Not a mention: a channel post would notify the collector for every line.
    assert "<@" not in json.dumps(page.blocks)
    # Every line of the account says so, its limit's use too; only the alerts of money
    # owed offer to assign a collector, so none is offered here either way.
    used = dataclasses.replace(utilisation(), subject=Subject(
        "C0002", "Acme Packaging", collector="U05LEGAL001", collection="escalated"))
    assert detailed_text(line(used)).splitlines()[0] == "*Acme Packaging* · C0002 · with legal"
    assert "Assign collector" not in [label for label, _, _ in buttons(render([line(used)])[0])]


def test_a_long_name_and_id_give_way_before_the_status_and_the_change():
    # The line was cut at its end: "· collector assigned · payment promise…", no "New".
    lines = many(11)
    last = lines[-1].announcement.alert
    long = dataclasses.replace(last, subject=dataclasses.replace(
        last.subject, name="Guangdong Provincial Light Industry Import & Export Corporation "
                           "Limited", customer_id="C" + "9" * 39,
        collector="U04COLLECT1", collection="promised"))
    lines[-1] = line(long, state=state_of(long, acknowledged_by=ACK, acknowledged_at=AT,
                                          snoozed_by="U0SOMEONE1",
                                          snoozed_until=AT + timedelta(days=7)))
    text = mrkdwn_texts(render(lines)[1])[1].split("\n")[-1]
    assert text == (
        "• *Guangdong Provincial Li…* (C99999999999999…) — $1,002.00 overdue · oldest 45 "
        "days past due · collector assigned · payment promised · New  :white_check_mark: "
        "Acknowledged by <@U02CREDITMG>  :zzz: Snoozed until Dec 6, 2026 by <@U0SOMEONE1>")
    assert len(text) <= 260
