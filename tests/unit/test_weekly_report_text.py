"""The weekly report's post as a reader sees it: every line, in English and Chinese,
for a portfolio with promises, disputes, a DSO longer than the count-back reaches and a
currency without a rate; and the charts it carries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from domain.money import Money
from domain.reports.metrics import CountBack, Metrics, Period, ProvisionLine
from domain.reports.use_cases import Book, PortfolioReport, TrendPoint, week_of
from handlers.i18n import translator
from handlers.reports.card import report_card
from handlers.reports.job import charts, summary_text

D = Decimal
# AR older than the year the count-back walks: "more than 365.0 days".
BEYOND = CountBack(D("365"), False)


def report(dso: CountBack = BEYOND, disputes: int = 2) -> PortfolioReport:
    metrics = Metrics(ar=D("250000"), current_ar=D("150000"), sales=D("300000"),
                      dso_count_back=dso, dso_simple=D("75.04"), best_possible_dso=D("45.25"),
                      add=D("29.79"), cei=D("82.46"))
    return PortfolioReport(
        as_of=date(2026, 12, 7), currency="USD", months=3,
        portfolio=Book(None, metrics, promises_kept=5, promises_broken=2,
                       disputes_resolved=disputes,
                       dispute_days=D("6.55") if disputes else None),
        collectors=(),
        trend=(TrendPoint(Period(date(2026, 10, 1), date(2026, 10, 31)), D("100000"),
                          D("240000"), D("140000"), CountBack(D("70"), True)),
               TrendPoint(Period(date(2026, 11, 1), date(2026, 11, 30)), D("0"),
                          D("0"), D("0"), CountBack(D("0"), True))),
        provision=(ProvisionLine("current", D("150000"), D("1"), D("1500")),
                   ProvisionLine("1-30", D("60000"), D("3"), D("1800")),
                   ProvisionLine("31-60", D("0"), D("10"), D("0")),
                   ProvisionLine("61-90", D("15000"), D("25"), D("3750")),
                   ProvisionLine("90+", D("25000"), D("50"), D("12500"))),
        allowances=(), missing_currencies=("GBP", "JPY"),
        left_out=(Money(D("1000"), "GBP"), Money(D("250000"), "JPY")))


def test_every_line_in_english() -> None:
    assert summary_text(report(), translator("en-US")) == (
        "*Weekly collections report*, Dec 7, 2026\n"
        "DSO (count-back): more than 365.0 days · DSO (simple, 3 months): 75.0 days · Best "
        "Possible DSO: 45.3 days\n"
        # 75.04 - 45.25 = 29.79, but as shown 75.0 - 45.3 = 29.7: a reader's subtraction
        # of the figures beside it must give it.
        "Average days delinquent: 29.7 days (ADD = DSO (simple) − Best Possible DSO)\n"
        "Collection effectiveness (CEI) from Sep 1, 2026 to Nov 30, 2026: 82.5%\n"
        "Open receivables: $250,000.00, of which overdue: $100,000.00 (40.0%)\n"
        "Promises to pay: 5 kept, 2 broken\n"
        "Disputes resolved: 2, in 6.6 days on average\n"
        "Provision for doubtful accounts: $19,550.00\n"
        "Left out for want of an exchange rate: GBP (£1,000.00 owed), JPY (¥250,000 owed)\n"
        "Charts: open receivables per days past due (USD; ≤0 is not yet due); DSO per month "
        "(line) against Best Possible DSO (dashes), in days.")


def test_every_line_in_chinese_with_no_dispute_resolved() -> None:
    assert summary_text(report(CountBack(D("58.04"), True), disputes=0),
                        translator("zh-CN")) == (
        "*每周催收报告*，2026年12月7日\n"
        "DSO（倒推法）：58.0 天 · DSO（简单法，3 个月）：75.0 天 · 最佳可能 DSO：45.3 天\n"
        "平均逾期天数：29.7 天（ADD = 简单法 DSO − 最佳可能 DSO）\n"
        "2026年9月1日至2026年11月30日回款有效性指数（CEI）：82.5%\n"
        "未结应收账款：US$250,000.00，其中逾期：US$100,000.00（40.0%）\n"
        "付款承诺：兑现 5 笔，违约 2 笔\n"
        "已解决争议：无\n"
        "坏账准备：US$19,550.00\n"
        "因缺少汇率未计入：GBP（欠 £1,000.00）、JPY（欠 JP¥250,000）\n"
        "图表：按逾期天数分组的未结应收账款（USD；≤0 表示尚未到期）；每月应收账款周转天数（实线）"
        "与最佳可能周转天数（虚线），单位为天。")


def test_figures_without_sales_read_n_a_and_one_month_is_singular() -> None:
    # No sales in the window: no simple or Best Possible DSO, so no ADD: "n/a", never
    # "n/a days".
    empty = report()
    empty = PortfolioReport(**{**empty.__dict__, "months": 1, "portfolio": Book(
        None, Metrics(**{**empty.portfolio.metrics.__dict__, "dso_simple": None,
                         "best_possible_dso": None, "add": None, "cei": None}))})
    assert summary_text(empty, translator("en-US")).splitlines()[1:4] == [
        "DSO (count-back): more than 365.0 days · DSO (simple, 1 month): n/a · Best "
        "Possible DSO: n/a",
        "Average days delinquent: n/a (ADD = DSO (simple) − Best Possible DSO)",
        "Collection effectiveness (CEI) from Nov 1, 2026 to Nov 30, 2026: n/a"]
    assert summary_text(empty, translator("zh-CN")).splitlines()[1:4] == [
        "DSO（倒推法）：超过 365.0 天 · DSO（简单法，1 个月）：不适用 · 最佳可能 DSO：不适用",
        "平均逾期天数：不适用（ADD = 简单法 DSO − 最佳可能 DSO）",
        "2026年11月1日至2026年11月30日回款有效性指数（CEI）：不适用"]


def test_more_overdue_than_receivables_says_how_it_comes_about() -> None:
    # Credit notes lower the receivables and count as current: the overdue invoices can
    # add up to more than all that is owed.
    notes = report()
    notes = PortfolioReport(**{**notes.__dict__, "provision": (
        ProvisionLine("current", D("-60000"), D("1"), D("-600")),
        ProvisionLine("90+", D("50000"), D("50"), D("25000")))})
    lines = summary_text(notes, translator("en-US")).splitlines()
    assert lines[4:6] == [
        # Not a share of receivables below zero (the metrics' 40% was of another figure).
        "Open receivables: -$10,000.00, of which overdue: $50,000.00 (n/a)",
        "Overdue is more than the receivables: credit notes, owed to customers, lower the "
        "receivables and count as not yet due, whatever their date."]
    assert summary_text(notes, translator("zh-CN")).splitlines()[5] == (
        "逾期金额大于应收账款：贷项通知单是欠客户的款项，会减少应收账款，且无论日期如何都计为"
        "未到期。")
    assert not any(line.startswith("Overdue is more")
                   for line in summary_text(report(), translator("en-US")).splitlines())


def test_the_charts_are_named_for_the_week_and_titled_in_the_readers_language() -> None:
    aging, dso = charts(report(), translator("zh-CN"))
    assert (aging.filename, aging.title, aging.alt_text) == (
        "aging-2026-W50.png", "账龄", "按逾期天数分组的未结应收账款，单位 USD")
    assert (dso.filename, dso.title, dso.alt_text) == (
        "dso-2026-W50.png", "周转天数趋势", "每月倒推法周转天数与最佳可能周转天数，单位为天")
    assert aging.content.startswith(b"\x89PNG") and dso.content.startswith(b"\x89PNG")


def test_the_dso_chart_labels_its_points_as_the_post_writes_days(monkeypatch) -> None:
    from matplotlib.axes import Axes

    labels: list[str] = []
    monkeypatch.setattr(Axes, "annotate", lambda self, text, *a, **k: labels.append(text))
    longer = report()
    longer = PortfolioReport(**{**longer.__dict__, "trend": (
        TrendPoint(Period(date(2026, 10, 1), date(2026, 10, 31)), D("100000"), D("240000"),
                   D("140000"), CountBack(D("70.25"), True)),
        TrendPoint(Period(date(2026, 11, 1), date(2026, 11, 30)), D("0"), D("240000"),
                   D("0"), CountBack(D("365"), False)))})
    charts(longer, translator("en-US"))
    # To the tenth, half up (70.25 is 70.3, as the card writes it); "more than" as ">".
    assert labels[-2:] == ["70.3", ">365.0"]  # after the aging chart's bars


def test_a_report_week_is_the_iso_week_of_its_date() -> None:
    assert week_of(date(2026, 12, 7)) == "2026-W50"
    assert week_of(date(2026, 12, 13)) == "2026-W50"  # Sunday: still that week
    assert week_of(date(2027, 1, 1)) == "2026-W53"    # a Friday of ISO 2026's last week
    assert week_of(date(2027, 1, 4)) == "2027-W01"


class Flaky:
    """A weekly report whose database is away for the first ``failures`` tries."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.tries = 0

    def post(self, now: object) -> dict[str, int]:
        from domain.errors import RecordsUnavailable

        self.tries += 1
        if self.tries <= self.failures:
            raise RecordsUnavailable()
        return {"posted": 1, "already_posted": 0}


def test_a_run_that_finds_the_database_away_tries_again_before_failing() -> None:
    import pytest

    from domain.errors import RecordsUnavailable
    from handlers.reports.job import run_report

    slept: list[float] = []
    twice = Flaky(failures=2)
    assert run_report({"weekly_report": twice, "now": None}, slept.append) == {
        "posted": 1, "already_posted": 0}
    assert (twice.tries, slept) == (3, [2.0, 5.0])
    always = Flaky(failures=3)
    with pytest.raises(RecordsUnavailable):
        run_report({"weekly_report": always, "now": None}, slept.append)
    assert always.tries == 3


def test_a_cei_below_zero_says_how_it_comes_about() -> None:
    below = report()
    below = PortfolioReport(**{**below.__dict__, "portfolio": Book(
        None, Metrics(**{**below.portfolio.metrics.__dict__, "cei": D("-40.52")}))})
    lines = summary_text(below, translator("en-US")).splitlines()
    assert lines[3:5] == [
        "Collection effectiveness (CEI) from Sep 1, 2026 to Nov 30, 2026: -40.5%",
        "CEI below zero: the receivables at the end (E) are more than those at the start "
        "plus an average month's credit sales (B + S/N). Receivables grew by more than a "
        "month of sales over the period, or invoices issued before it are missing from the "
        "imports."]
    # A CEI at or above zero needs no such line.
    assert not any("below zero" in line for line in summary_text(report(), translator(
        "en-US")).splitlines())


def test_a_history_shorter_than_the_period_is_said_beside_the_simple_dso() -> None:
    # A report in the first weeks of data read "DSO (simple, 3 months): 112.0 days" with
    # no invoice older than 19 days, and said nothing of why.
    empty = [TrendPoint(Period(date(2026, m, 1), date(2026, m, 30)), D(0), D(0), D(0),
                        CountBack(D(0), True)) for m in (9, 10)]
    first = TrendPoint(Period(date(2026, 11, 1), date(2026, 11, 30)), D("5000"), D("4000"),
                       D("3000"), CountBack(D("24"), True))
    said = ("Simple and Best Possible DSO count every day of the period, but nothing was "
            "sold or owed before {day}: until the history covers the period they read high "
            "(the count-back DSO does not).")

    def lines(*trend: TrendPoint, as_of: date = date(2026, 12, 7)) -> list[str]:
        shown = replace(report(), trend=trend, as_of=as_of)
        return summary_text(shown, translator("en-US")).splitlines()

    assert lines(*empty, first)[3] == said.format(day="Nov 1, 2026")
    # Nothing in any complete month: the data began in the month to date.
    assert lines(*empty, replace(first, sales=D(0), ar=D(0)))[3] == said.format(
        day="Dec 1, 2026")
    assert not any(line.startswith(said[:40]) for line in lines(first, *empty))
    assert not any(line.startswith(said[:40]) for line in lines(
        *empty, replace(first, sales=D(0), ar=D(0)), as_of=date(2026, 11, 30)))
    # Nothing imported at all: every figure reads n/a, none high, and CEI's n/a needs no
    # list of causes that do not apply.
    nothing = Metrics(D(0), D(0), D(0), CountBack(D(0), True), None, None, None, None)
    bare = replace(report(), trend=(*empty, replace(first, sales=D(0), ar=D(0))),
                   portfolio=Book(None, nothing))
    assert not any(line.startswith((said[:40], "CEI n/a")) for line in
                   summary_text(bare, translator("en-US")).splitlines())
    assert not any(e["text"].startswith((said[:40], "CEI n/a")) for e in report_card(
        bare, "UTC", translator("en-US"))[1][-1]["elements"])
    card = report_card(replace(report(), trend=(*empty, first)), "UTC", translator("en-US"))
    assert said.format(day="Nov 1, 2026") in [e["text"] for e in card[1][-1]["elements"]]
