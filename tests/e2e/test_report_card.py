"""``/credit report`` as people use it: signed HTTP -> bot -> Slack emulator, over a
portfolio whose figures are worked by hand (tests/unit/test_report_metrics.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import insert, select

from bot.config import load_config
from bot.local_server import LocalServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from storage.db import make_engine
from storage.models import AuditRow, CollectionAssignmentRow, DisputeRow, PromiseRow
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SECRET, STRANGER, TOKEN, World
from tests.storage.test_reports import _assign, _customer, _invoice, _load

COLLECTOR = "U04COLLECT1"
ZH = "U04COLLECT2"  # a collector whose Slack is set to Chinese
CHANNEL = "C03CREDIT00"
d = date


def _portfolio() -> tuple[list[dict], list[dict], list[dict]]:
    """As of 30 Nov 2026 (Shanghai): sales Sep 300,000, Oct 250,000, Nov 200,000; AR
    31 Aug 400,000; AR 30 Nov 380,000, of which 150,000 not yet due."""
    customers = [_customer("C1"), _customer("C2")]
    customers[0]["name"] = "Acme Industrial Supply"
    customers[1]["name"] = "Lakeside Furniture Outlet"
    invoices = [
        _invoice("A1", "C1", d(2026, 8, 1), d(2026, 8, 31), 300_000, 0),
        _invoice("A2", "C2", d(2026, 8, 1), d(2026, 8, 31), 100_000, 100_000),
        _invoice("S1", "C1", d(2026, 9, 1), d(2026, 9, 15), 300_000, 30_000),
        _invoice("O1", "C2", d(2026, 10, 10), d(2026, 11, 15), 250_000, 100_000),
        _invoice("N1", "C1", d(2026, 11, 20), d(2026, 12, 20), 200_000, 150_000),
    ]

    def paid(pid: str, cid: str, day: date, amount: int, invoice: str) -> dict:
        from decimal import Decimal
        return dict(payment_id=pid, customer_id=cid, date=day, amount=Decimal(amount),
                    currency="USD", invoice_id=invoice)

    payments = [paid("PA1", "C1", d(2026, 9, 20), 300_000, "A1"),
                paid("PS1", "C1", d(2026, 10, 5), 270_000, "S1"),
                paid("PO1", "C2", d(2026, 11, 10), 150_000, "O1"),
                paid("PN1", "C1", d(2026, 11, 25), 50_000, "N1")]
    return customers, invoices, payments


def _promise(who: str, state: str, due: date) -> dict:
    from decimal import Decimal
    return dict(customer_id="C2", amount=Decimal(10_000), currency="USD", due_on=due,
                invoice_ids=["A2"], state=state, made_by=who,
                made_at=datetime(2026, 8, 1, tzinfo=UTC), checked_at=None, version=0)


@pytest.fixture
def month_end() -> Iterator[None]:
    """10:00 in Shanghai on 30 November 2026: the hand-worked example's report date."""
    with time_machine.travel(datetime(2026, 11, 30, 2, 0, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def report_world(database_url: str, month_end: None) -> Iterator[World]:
    engine = make_engine(database_url)
    customers, invoices, payments = _portfolio()
    _load(engine, customers, invoices, payments, [_assign("C1", COLLECTOR)])
    with engine.begin() as conn:
        # Two promises of the collector's fell due in the three months: one kept, one
        # broken (and one due before them, not counted); one dispute resolved in 4.5 days.
        conn.execute(insert(PromiseRow), [
            _promise(COLLECTOR, "kept", d(2026, 10, 20)),
            _promise(COLLECTOR, "broken", d(2026, 11, 20)),
            _promise(COLLECTOR, "broken", d(2026, 8, 20))])
        conn.execute(insert(DisputeRow), [dict(
            customer_id="C2", invoice_ids=["A2"], reason="short delivery", department=None,
            owner=None, opened_by=COLLECTOR, opened_at=datetime(2026, 11, 1, 2, tzinfo=UTC),
            resolved_at=datetime(2026, 11, 5, 14, tzinfo=UTC), resolved_by=COLLECTOR,
            outcome="credit note", version=0)])
    engine.dispose()
    users = {u: User(u, name) for u, name in ((CREDIT_MANAGER, "mei"), (STRANGER, "stranger"))}
    users[ZH] = User(ZH, "lei", locale="zh-CN")
    with SlackEmulator(token=TOKEN, users=users) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=database_url)
        services = Services(settings, load_config(ROOT / "app.yaml"))
        app = create_wsgi_app(create_bolt_app(services), services.engine)
        with LocalServer(app) as server:
            yield World(SlackDriver(server.url, SECRET, emulator), emulator, services,
                        server.url)
        services.close()
        assert emulator.invalid == [], emulator.invalid


def test_the_report_card_in_english(report_world):
    reply = report_world.slack.slash(CREDIT_MANAGER, CHANNEL, "/credit report")
    assert reply.ephemeral
    assert reply.text == "Collections report"
    assert reply.blocks[0]["text"]["text"] == "Collections report"
    assert [f["text"] for f in reply.blocks[1]["fields"]] == [
        # November: 200,000 of 380,000, 30 days; October 31 x 180,000 / 250,000 = 22.32.
        "*DSO (count-back)*\n52.3 days",
        # 380,000 / 750,000 x (30 + 31 + 30) days = 46.11.
        "*DSO (simple, 3 months)*\n46.1 days",
        # 150,000 / 750,000 x 91 = 18.2; ADD 46.11 - 18.2 = 27.91.
        "*Best Possible DSO*\n18.2 days",
        "*ADD (DSO simple − Best Possible)*\n27.9 days",
        # (400,000 + 250,000 - 380,000) / (400,000 + 250,000 - 150,000) = 54 %; with all
        # sales, (400,000 + 750,000 - 380,000) / (400,000 + 750,000 - 150,000) = 77 %.
        "*CEI (3 months)*\n54.0% (with S instead of S/N: 77.0%)",
        "*Receivables*\n$380,000.00, overdue $230,000.00",
        # Due 20 Oct (kept) and 20 Nov (broken); the one due 20 Aug is before the months.
        "*Promises to pay*\n1 kept, 1 broken",
        # 1 Nov 02:00 to 5 Nov 14:00 UTC: 4.5 days.
        "*Disputes*\n1 resolved, in 4.5 days on average",
    ]
    # 30 Sep: 30 days + 31 x 100,000 / 400,000 = 37.75; 31 Oct: 31 + 30 x 130/300 = 44.
    assert reply.blocks[2]["elements"][0]["text"] == (
        "DSO at each month end: Sep 30, 2026 37.8 days  ·  Oct 31, 2026 44.0 days  ·  "
        "Nov 30, 2026 52.3 days")
    # On 30 Nov A2 (due 31 Aug) is 91 days past due, S1 (due 15 Sep) 76, O1 15.
    assert reply.blocks[3]["text"]["text"] == (
        "*Provision matrix*\n"
        "`current` $150,000.00 × 1% = $1,500.00\n"
        "`1-30 days` $100,000.00 × 3% = $3,000.00\n"
        "`31-60 days` $0.00 × 10% = $0.00\n"
        "`61-90 days` $30,000.00 × 25% = $7,500.00\n"
        "`90+ days` $100,000.00 × 50% = $50,000.00\n"
        "*Total* $380,000.00, allowance *$62,000.00*")
    assert reply.blocks[4]["text"]["text"] == (
        "*Largest allowances*\n"
        "Lakeside Furniture Outlet (C2): $53,000.00\n"   # 100,000 x 50 % + 100,000 x 3 %
        "Acme Industrial Supply (C1): $9,000.00")         # 30,000 x 25 % + 150,000 x 1 %
    assert reply.blocks[5]["text"]["text"] == (
        "*Per collector*\n"
        # C1: 30 x 180,000 / 200,000 = 27 days; CEI (300,000 + 500,000 / 3 - 180,000)
        # / (300,000 + 500,000 / 3 - 150,000) = 90.5 %.
        "<@U04COLLECT1>: $180,000.00, overdue $30,000.00 · DSO 27.0 days · CEI 90.5% · "
        "promises 1 kept, 1 broken\n"
        # C2: 30 days without sales + 31 x 200,000 / 250,000 = 54.8; CEI
        # (100,000 + 83,333.33 - 200,000) / (100,000 + 83,333.33) = -9.1 %.
        "Nobody assigned: $200,000.00, overdue $200,000.00 · DSO 54.8 days · CEI -9.1%")
    # On a month's last day there is no month to date: no note on it.
    assert [e["text"] for e in reply.blocks[6]["elements"]] == [
        "as of Nov 30, 2026 (Asia/Shanghai), in USD",
        "CEI = (B + S/N − E) / (B + S/N − Ec) over the N = 3 calendar months from Sep 1, "
        "2026 to Nov 30, 2026: B the receivables at their start, S/N their average monthly "
        "credit sales, E and Ec the receivables and the current ones at their end.",
        # The unassigned accounts' CEI is below zero (-9.1 %): how that comes about.
        "CEI below zero: the receivables at the end (E) are more than those at the start "
        "plus an average month's credit sales (B + S/N). Receivables grew by more than a "
        "month of sales over the period, or invoices issued before it are missing from the "
        "imports."]
    assert len(reply.blocks) == 7


def test_the_report_card_in_chinese(report_world):
    reply = report_world.slack.slash(ZH, CHANNEL, "/credit 报告")
    assert [f["text"] for f in reply.blocks[1]["fields"]] == [
        "*DSO（倒推法）*\n52.3 天",
        "*DSO（简单法，3 个月）*\n46.1 天",
        "*最佳可能 DSO*\n18.2 天",
        "*平均逾期天数 ADD（简单法 DSO − 最佳可能 DSO）*\n27.9 天",
        "*回款有效性指数（CEI，3 个月）*\n54.0%（以 S 代替 S/N：77.0%）",
        "*应收账款*\nUS$380,000.00，逾期 US$230,000.00",
        "*付款承诺*\n兑现 1 笔，违约 1 笔",
        "*争议*\n已解决 1 起，平均 4.5 天",
    ]
    assert reply.all_text() == "\n".join([
        "催收报告",  # the notification text
        "催收报告",
        *[f["text"] for f in reply.blocks[1]["fields"]],
        "各月末 DSO：2026年9月30日 37.8 天  ·  2026年10月31日 44.0 天  ·  2026年11月30日 52.3 天",
        "*坏账准备矩阵*\n"
        "`未到期` US$150,000.00 × 1% = US$1,500.00\n"
        "`1-30 天` US$100,000.00 × 3% = US$3,000.00\n"
        "`31-60 天` US$0.00 × 10% = US$0.00\n"
        "`61-90 天` US$30,000.00 × 25% = US$7,500.00\n"
        "`90+ 天` US$100,000.00 × 50% = US$50,000.00\n"
        "*合计* US$380,000.00，坏账准备 *US$62,000.00*",
        "*坏账准备最多的客户*\n"
        "Lakeside Furniture Outlet（C2）：US$53,000.00\n"
        "Acme Industrial Supply（C1）：US$9,000.00",
        "*按催收员*\n"
        "<@U04COLLECT1>：US$180,000.00，逾期 US$30,000.00 · DSO 27.0 天 · CEI 90.5% · "
        "承诺兑现 1 笔，违约 1 笔\n"
        "未分配：US$200,000.00，逾期 US$200,000.00 · DSO 54.8 天 · CEI -9.1%",
        "截至 2026年11月30日（北京时间），以 USD 计",
        "CEI = (B + S/N − E) / (B + S/N − Ec)，按 2026年9月1日至 2026年11月30日这 N = 3 "
        "个完整自然月计算：B 为期初应收账款，S/N 为月均赊销额，E 和 Ec 为期末应收账款及其中"
        "未到期部分。",
        "CEI 低于零：期末应收账款（E）多于期初应收账款加一个月的平均赊销额（B + S/N）。"
        "说明期内应收账款的增长超过一个月的销售额，或期初之前开具的发票没有全部导入。",
    ])


def test_legals_book_is_said_to_be_legals(report_world):
    # C2 went to legal: its owner there (the legal department's first member) holds the
    # account, and the report must not pass them off as one more collector.
    with report_world.services.engine.begin() as conn:
        conn.execute(insert(CollectionAssignmentRow), [_assign("C2", "U05LEGAL001", "escalated")])
    reply = report_world.slack.slash(CREDIT_MANAGER, CHANNEL, "/credit report")
    assert reply.blocks[5]["text"]["text"] == (
        "*Per collector*\n"
        "<@U05LEGAL001> (legal): $200,000.00, overdue $200,000.00 · DSO 54.8 days · "
        "CEI -9.1% · promises 0 kept, 0 broken\n"
        "<@U04COLLECT1>: $180,000.00, overdue $30,000.00 · DSO 27.0 days · CEI 90.5% · "
        "promises 1 kept, 1 broken")
    reply = report_world.slack.slash(ZH, CHANNEL, "/credit 报告")
    assert reply.blocks[5]["text"]["text"] == (
        "*按催收员*\n"
        "<@U05LEGAL001>（法务）：US$200,000.00，逾期 US$200,000.00 · DSO 54.8 天 · "
        "CEI -9.1% · 承诺兑现 0 笔，违约 0 笔\n"
        "<@U04COLLECT1>：US$180,000.00，逾期 US$30,000.00 · DSO 27.0 天 · CEI 90.5% · "
        "承诺兑现 1 笔，违约 1 笔")


def test_a_word_after_report_is_explained_not_ignored(report_world):
    reply = report_world.slack.slash(CREDIT_MANAGER, CHANNEL, "/credit report acme")
    assert reply.ephemeral
    assert reply.all_text() == "\n".join([
        "`/credit report` takes nothing after it: it shows the whole portfolio as of today, "
        "with a line per collector; “acme” is not part of it. Type `/credit report` alone."]
        * 2)
    reply = report_world.slack.slash(ZH, CHANNEL, "/credit 报告 本月")
    assert reply.all_text() == "\n".join([
        "`/credit 报告` 后面不接任何内容：它显示截至今天的整个应收组合，每位催收员一行；"
        "“本月”不是它的一部分。请只输入 `/credit 报告`。"] * 2)


def test_people_outside_the_configuration_see_no_figures(report_world):
    reply = report_world.slack.slash(STRANGER, CHANNEL, "/credit report")
    text = reply.all_text()
    assert text == (
        ":lock: Credit data is confidential, and you are not among the people who may see "
        "it. Ask <@U02CREDITMG> or <@U02CREDITAN> to give you access.")
    report_world.slack.slash(CREDIT_MANAGER, CHANNEL, "/credit report")
    # Confidential data: who looked, and who was refused, is on the record.
    with report_world.services.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(
            select(AuditRow.actor, AuditRow.action, AuditRow.subject)
            .where(AuditRow.action.like("reports.%")).order_by(AuditRow.id))] == [
            (STRANGER, "reports.refused", "portfolio"),
            (CREDIT_MANAGER, "reports.viewed", "portfolio")]


def test_legal_is_said_only_of_a_line_that_is_all_legals(tmp_path):
    # Legal's owner who also collects has accounts of both kinds on one line: "(legal)"
    # there would put a collector's own accounts under legal.
    from bot.wiring import build_reports
    from domain.access import CreditDataAccess

    shipped = load_config(ROOT / "app.yaml")
    assert build_reports(None, shipped, CreditDataAccess(), None).legal_owner == "U05LEGAL001"
    text = (ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "  collector: [U04COLLECT1, U04COLLECT2]",
        "  collector: [U04COLLECT1, U04COLLECT2, U05LEGAL001]")
    assert "U05LEGAL001]" in text
    (tmp_path / "app.yaml").write_text(text, encoding="utf-8")
    both = load_config(tmp_path / "app.yaml")
    assert build_reports(None, both, CreditDataAccess(), None).legal_owner is None
