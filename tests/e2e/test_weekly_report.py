"""The weekly ``report`` job end to end: the real job through the scheduler's
``run_job`` and ``job_context``, the outbox, the real sender, and the Slack emulator's
file upload calls. The post's whole text and its two charts (valid PNGs of 800 x 450
pixels) arrive in the finance channel once a week, in that channel's language."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import Engine, insert

from bot.config import AppConfig, load_config
from bot.sandbox.emulator import SlackEmulator, UploadedFile
from bot.scheduler import job_context, run_job
from domain.lookup import normalize_name
from handlers.delivery.sender import Sender, delivery_client
from handlers.registry import Job
from storage.models import CustomerRow, InvoiceRow
from storage.outbox import OutboxStore
from tests.e2e.alerts_world import audit, outbox
from tests.e2e.outbox_world import FakeClock

TOKEN = "xoxb-report-e2e"
FINANCE = "C0FINANCE01"
SALES = "C0SALES0001"
ADMINS = "C0ADMINS001"
# Monday 7 December 2026, 09:00 in Shanghai: the job's default schedule.
MONDAY = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

APP_YAML = f"""\
organisation:
  name: Report Test Trading
  base_currency: USD
  timezone: Asia/Shanghai
  locale: en-US
  admin_channel: {ADMINS}
departments:
  sales:
    name: Sales
    channel: {SALES}
    members: [U0SALESAMY1]
  finance:
    name: Finance
    channel: {FINANCE}
    members: [U0FINANCE01]
aging:
  bucket_edges: [30, 60, 90]
"""


def write_config(directory: Path, extra: str = "") -> AppConfig:
    path = directory / "app.yaml"
    path.write_text(APP_YAML + extra, encoding="utf-8")
    return load_config(path)


def seed(engine: Engine) -> None:
    """One customer, USD: sales every month since June, some paid, some open and late.

    Open on 7 December: 30,000 not due, 20,000 due 7 November (30 days: 1-30), 10,000
    due 20 August (109 days: 90+)."""
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), [dict(
            customer_id="C-ACME", name="Acme Industrial Supply",
            name_key=normalize_name("Acme Industrial Supply"), currency="USD",
            credit_limit=Decimal("200000.00"), payment_terms_days=30, department="sales",
            owner_slack_id="U0SALESAMY1", country="US")])

        def invoice(iid: str, issued: date, amount: str, open_amount: str) -> dict[str, object]:
            return dict(invoice_id=iid, customer_id="C-ACME", issue_date=issued,
                        due_date=issued + timedelta(days=30), amount=Decimal(amount),
                        currency="USD", open_amount=Decimal(open_amount),
                        status="open" if Decimal(open_amount) else "paid")

        conn.execute(insert(InvoiceRow), [
            invoice("INV-06", date(2026, 6, 15), "40000.00", "0"),
            invoice("INV-07", date(2026, 7, 21), "10000.00", "10000.00"),
            invoice("INV-08", date(2026, 8, 10), "45000.00", "0"),
            invoice("INV-09", date(2026, 9, 12), "50000.00", "0"),
            invoice("INV-10", date(2026, 10, 8), "20000.00", "20000.00"),
            invoice("INV-11", date(2026, 11, 20), "30000.00", "30000.00"),
        ])


def report_job() -> Job:
    from handlers.reports import FEATURE

    [job] = [j for j in FEATURE.jobs if j.name == "report"]
    return job


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator(token=TOKEN) as emulator:
        yield emulator


def deliver(engine: Engine, emulator: SlackEmulator, passes: int = 20) -> None:
    """The real sender on a fake clock, until the outbox is empty."""
    clock = FakeClock()
    sender = Sender(OutboxStore(engine), delivery_client(TOKEN, emulator.api_url, timeout=2),
                    admin_channel=ADMINS, owner="report-test", clock=clock)
    for _ in range(passes):
        sender.deliver_due()
        clock.advance(700)  # past any backoff


def run(engine: Engine, config: AppConfig, at: datetime = MONDAY) -> dict[str, int]:
    result = run_job(engine, report_job(), job_context(engine, config, clock=lambda: at),
                     "test-host")
    assert result.outcome == "ok", result.error
    return result.counts


def assert_png(uploaded: UploadedFile) -> None:
    assert uploaded.content is not None and uploaded.content.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(uploaded.content))
    image.load()  # every pixel decoded: a truncated upload fails here
    assert (image.format, image.size) == ("PNG", (800, 450))
    assert uploaded.length == len(uploaded.content)


ENGLISH = (
    "*Weekly collections report*, Dec 7, 2026\n"
    "DSO (count-back): 74.0 days · DSO (simple, 3 months): 58.8 days · Best Possible DSO: "
    "29.4 days\n"
    "Average days delinquent: 29.4 days (ADD = DSO (simple) − Best Possible DSO)\n"
    "Collection effectiveness (CEI) from Sep 1, 2026 to Nov 30, 2026: -125.0%\n"
    "CEI below zero: the receivables at the end (E) are more than those at the start plus "
    "an average month's credit sales (B + S/N). Receivables grew by more than a month of "
    "sales over the period, or invoices issued before it are missing from the imports.\n"
    "Open receivables: $60,000.00, of which overdue: $30,000.00 (50.0%)\n"
    "Promises to pay: 0 kept, 0 broken\n"
    "Disputes resolved: none\n"
    "Provision for doubtful accounts: $5,900.00\n"
    "Charts: open receivables per days past due (USD; ≤0 is not yet due); DSO per month "
    "(line) against Best Possible DSO (dashes), in days.")


def shared(emulator: SlackEmulator) -> list[tuple[str, list[UploadedFile]]]:
    return [(share.initial_comment, files) for share, files in emulator.shared_in(FINANCE)]


def test_the_weekly_report_arrives_in_finance_with_its_two_charts(engine, emulator, tmp_path):
    # 60,000 open on 7 December counts back over December (7 days, no sales), November
    # (30,000: 37 days), October (20,000: 68 days) and a fifth of September's 50,000 (6
    # days): 74.0 days. Simple DSO: 60,000 / the sales of September to 7 December (50,000 +
    # 20,000 + 30,000 + 0 = 100,000) x their 30 + 31 + 30 + 7 = 98 days = 58.8 days; Best
    # Possible: 30,000 current / 100,000 x 98 = 29.4; ADD = 58.8 - 29.4 = 29.4 (the
    # overdue 30,000 happens to equal the current). CEI over the calendar months September
    # to November, no payment imported: B (31 Aug) = 10,000, S/N = 100,000 / 3, E (30 Nov)
    # = 60,000, Ec = 30,000: (10,000 + 33,333.33 - 60,000) / (10,000 + 33,333.33 - 30,000)
    # = -125 %. Provision: 1 % of 30,000 current, 3 % of 20,000, 50 % of 10,000.
    config = write_config(tmp_path)
    seed(engine)
    assert run(engine, config) == {"posted": 1, "already_posted": 0}
    deliver(engine, emulator)
    [(text, files)] = shared(emulator)
    assert text == ENGLISH
    assert [(f.filename, f.title) for f in files] == [("aging-2026-W50.png", "Aging"),
                                                      ("dso-2026-W50.png", "DSO trend")]
    for uploaded in files:
        assert_png(uploaded)
    assert [c.args["alt_txt"] for c in emulator.calls_to("files.getUploadURLExternal")] == [
        "Open receivables per days past due, in USD",
        "Count-back DSO and Best Possible DSO per month, in days"]
    # One post: the summary is the charts' comment, nothing else went to the channel.
    assert emulator.calls_to("chat.postMessage") == []
    assert [m["text"] for m in emulator.channels[FINANCE]] == [ENGLISH]
    [entry] = audit(engine, "reports.weekly_queued")
    assert (entry.subject, entry.details) == ("2026-W50", {"channel": FINANCE,
                                                           "as_of": "2026-12-07"})


def test_the_job_run_again_the_same_week_posts_nothing_more(engine, emulator, tmp_path):
    config = write_config(tmp_path)
    seed(engine)
    assert run(engine, config) == {"posted": 1, "already_posted": 0}
    # A retried run the same hour, and a standby's run on Sunday: the same ISO week.
    assert run(engine, config) == {"posted": 0, "already_posted": 1}
    assert run(engine, config, MONDAY + timedelta(days=6, hours=14)) == {
        "posted": 0, "already_posted": 1}
    deliver(engine, emulator)
    assert len(shared(emulator)) == 1
    assert len([r for r in outbox(engine) if r.kind == "reports.weekly"]) == 1
    # The next Monday is the next week's report.
    assert run(engine, config, MONDAY + timedelta(days=7)) == {"posted": 1, "already_posted": 0}
    deliver(engine, emulator)
    assert [f.filename for _, files in shared(emulator) for f in files] == [
        "aging-2026-W50.png", "dso-2026-W50.png", "aging-2026-W51.png", "dso-2026-W51.png"]
    assert shared(emulator)[1][0].startswith("*Weekly collections report*, Dec 14, 2026\n")


def test_slack_refusing_the_upload_for_a_while_delays_the_report_once(engine, emulator,
                                                                     tmp_path):
    config = write_config(tmp_path)
    seed(engine)
    emulator.fail("files.getUploadURLExternal", "ratelimited", retry_after=5)
    emulator.fail("upload_url", "http500")
    emulator.fail("files.completeUploadExternal", "http500")
    run(engine, config)
    deliver(engine, emulator)
    [(text, files)] = shared(emulator)
    assert text == ENGLISH
    for uploaded in files:
        assert_png(uploaded)
    assert [c.status for c in emulator.calls_to("files.completeUploadExternal")] == [500, 200]
    assert [c.status for c in emulator.calls_to("upload_url")] == [500, 200, 200, 200, 200]
    [row] = [r for r in outbox(engine) if r.kind == "reports.weekly"]
    assert row.sent_at is not None and row.attempts == 4


def test_a_finance_channel_set_to_chinese_gets_the_report_in_chinese(engine, emulator,
                                                                     tmp_path):
    config = write_config(tmp_path)
    path = tmp_path / "app.yaml"
    path.write_text(APP_YAML.replace(f"    channel: {FINANCE}\n",
                                     f"    channel: {FINANCE}\n    locale: zh-CN\n"),
                    encoding="utf-8")
    config = load_config(path)
    seed(engine)
    run(engine, config)
    deliver(engine, emulator)
    [(text, files)] = shared(emulator)
    assert text == (
        "*每周催收报告*，2026年12月7日\n"
        "DSO（倒推法）：74.0 天 · DSO（简单法，3 个月）：58.8 天 · 最佳可能 DSO：29.4 天\n"
        "平均逾期天数：29.4 天（ADD = 简单法 DSO − 最佳可能 DSO）\n"
        "2026年9月1日至2026年11月30日回款有效性指数（CEI）：-125.0%\n"
        "CEI 低于零：期末应收账款（E）多于期初应收账款加一个月的平均赊销额（B + S/N）。"
        "说明期内应收账款的增长超过一个月的销售额，或期初之前开具的发票没有全部导入。\n"
        "未结应收账款：US$60,000.00，其中逾期：US$30,000.00（50.0%）\n"
        "付款承诺：兑现 0 笔，违约 0 笔\n"
        "已解决争议：无\n"
        "坏账准备：US$5,900.00\n"
        "图表：按逾期天数分组的未结应收账款（USD；≤0 表示尚未到期）；每月应收账款周转天数（实线）"
        "与最佳可能周转天数（虚线），单位为天。")
    assert [f.title for f in files] == ["账龄", "周转天数趋势"]
    for uploaded in files:
        assert_png(uploaded)


def test_a_report_department_that_is_not_there_fails_the_run_saying_what_to_fix(
        engine, emulator, tmp_path, caplog):
    config = write_config(tmp_path)
    path = tmp_path / "app.yaml"
    path.write_text(APP_YAML.split("  finance:")[0] + "aging:\n  bucket_edges: [30, 60, 90]\n",
                    encoding="utf-8")
    config = load_config(path)
    seed(engine)
    result = run_job(engine, report_job(), job_context(engine, config, clock=lambda: MONDAY),
                     "test-host")
    said = ("the weekly report goes to the channel of departments.finance "
            "(reports.post_to in app.yaml), which is not there: add that department, or set "
            "reports.post_to to one that is")
    assert (result.outcome, result.error) == ("failed", said)
    assert outbox(engine) == []
    # One line at ERROR, no traceback: a setting to change every Monday, not a bug.
    [record] = [r for r in caplog.records if r.name == "creditbot.scheduler"
                and r.levelname == "ERROR"]
    assert (record.getMessage(), record.exc_info) == (f"job report failed: {said}", None)


def test_the_sandbox_runs_the_weekly_report_on_the_demo_portfolio(monkeypatch):
    import time_machine

    from tests.e2e.conftest import NOW
    from tests.e2e.test_sandbox_alerts import message_after, sandbox

    with time_machine.travel(NOW, tick=False):
        [(_, lines)] = sandbox(monkeypatch, ":run report")
    assert lines[0] == "Ran report: 1 posted, 0 already posted."
    post = message_after(lines, "creditbot posted in #finance")
    # ADD is the simple DSO less Best Possible as shown (82.4 - 55.4), not the count-back
    # DSO above it. The charts' lines (whole, with their sizes)
    # are tests/e2e/test_sandbox_files.py's.
    assert post[:-3] == [
        "Weekly collections report, Nov 29, 2026",
        "DSO (count-back): 81.4 days · DSO (simple, 3 months): 82.4 days · Best Possible",
        "DSO: 55.4 days",
        "Average days delinquent: 27.0 days (ADD = DSO (simple) − Best Possible DSO)",
        "Collection effectiveness (CEI) from Aug 1, 2026 to Oct 31, 2026: 24.4%",
        "Open receivables: $10,752,522.05, of which overdue: $3,517,343.51 (32.7%)",
        "Promises to pay: 0 kept, 0 broken",
        "Disputes resolved: none",
        "Provision for doubtful accounts: $644,970.98",
        "Charts: open receivables per days past due (USD; ≤0 is not yet due); DSO per",
        "month (line) against Best Possible DSO (dashes), in days."]
    assert [line.split(" — ")[0] for line in post[-3:-1]] == ["📎 aging-2026-W48.png",
                                                              "📎 dso-2026-W48.png"]


def test_creditbot_jobs_run_report_queues_the_week_once(engine, database_url, monkeypatch,
                                                        tmp_path):
    from click.testing import CliRunner

    from bot.cli import main

    write_config(tmp_path)
    seed(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(tmp_path / "app.yaml"))
    runner = CliRunner()
    first = runner.invoke(main, ["jobs", "run", "report"], catch_exceptions=False)
    again = runner.invoke(main, ["jobs", "run", "report"], catch_exceptions=False)
    assert (first.exit_code, first.stdout) == (
        0, "report: ok — posted 1, already_posted 0\n1 message queued; SLACK_BOT_TOKEN is "
        "not set here, so the running bot (creditbot serve or creditbot scheduler) delivers "
        "it\n")
    # The first run's week, still undelivered, is counted: not queued a second time.
    assert (again.exit_code, again.stdout) == (
        0, "report: ok — posted 0, already_posted 1\n1 message queued before this run is "
        "still to be delivered: the running bot (creditbot serve or creditbot scheduler) "
        "delivers it; if none is running, start one\n")
    [row] = outbox(engine)
    assert (row.kind, row.channel, row.sent_at) == ("reports.weekly", FINANCE, None)
    assert [f["filename"][:6] for f in row.payload["files"]] == ["aging-", "dso-20"]
