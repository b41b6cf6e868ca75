"""The report card keeps within Block Kit's limits however many collectors and
customers there are, and says how many it leaves out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.sandbox import blockkit
from domain.money import Money
from domain.reports.metrics import CountBack, Metrics, Period, ProvisionLine
from domain.reports.use_cases import Book, CustomerAllowance, PortfolioReport, TrendPoint
from handlers.i18n import translator
from handlers.reports.card import report_card

D = Decimal


def _metrics(ar: int) -> Metrics:
    return Metrics(D(ar), D(ar) / 2, D(ar) * 2, CountBack(D(400), False), None, None, None,
                   None)


def test_many_collectors_and_customers_fit_and_are_counted() -> None:
    books = tuple(Book(f"U0COLL{n:05d}", _metrics(1_000_000 - n), 12, 3) for n in range(60))
    report = PortfolioReport(
        as_of=date(2026, 11, 30), currency="USD", months=3,
        portfolio=Book(None, _metrics(50_000_000)),
        collectors=(*books, Book(None, _metrics(5), unassigned=True)),
        trend=tuple(TrendPoint(Period(date(2026, m, 1), date(2026, m, 28)), D(1), D(1), D(1),
                               CountBack(D(30), True)) for m in (9, 10, 11)),
        provision=tuple(ProvisionLine(b, D(10**9), D("12.5"), D(125_000_000))
                        for b in ("current", "1-30", "31-60", "61-90", "90+")),
        allowances=tuple(CustomerAllowance(f"C{n:05d}", "Very Long Customer Name " * 6,
                                           None, D(n)) for n in range(20_000)),
        missing_currencies=("GBP", "JPY"),
        left_out=(Money(D("1000"), "GBP"), Money(D("250000"), "JPY")))
    text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
    assert blockkit.problems(blocks) == []
    assert text == "Collections report"
    collectors = blocks[5]["text"]["text"]
    assert len(collectors) <= 3000
    # Fifteen collectors at most, the rest counted (the unassigned among them).
    assert collectors.count("<@U0COLL") == 15
    assert collectors.endswith("\nand 46 more")
    assert "more than 400.0 days" in collectors
    assert blocks[4]["text"]["text"].endswith("\nand 19,995 more customers")
    assert blocks[3]["text"]["text"].splitlines()[1] == (
        "`current` $1,000,000,000.00 × 12.5% = $125,000,000.00")
    assert blocks[-1]["elements"][-1]["text"] == (
        "Left out for want of an exchange rate: GBP (£1,000.00 owed), JPY (¥250,000 owed)")
    assert [f["text"] for f in blocks[1]["fields"]][:2] == [
        "*DSO (count-back)*\nmore than 400.0 days", "*DSO (simple, 3 months)*\nn/a"]


def test_receivables_are_the_matrix_total_to_the_cent_and_days_keep_one_decimal() -> None:
    # Three buckets of $1.004 each: every line shows $1.00, so the matrix adds up to
    # $3.00, while the AR rounded on its own would show $3.01 above it.
    ar = D("3.012")
    metrics = Metrics(ar, D("1.004"), D(10), CountBack(D(90), True), D(90), D(30), D(60),
                      D(100))
    report = PortfolioReport(
        as_of=date(2026, 11, 30), currency="USD", months=3, portfolio=Book(None, metrics),
        collectors=(), trend=(),
        provision=tuple(ProvisionLine(b, D("1.004") if b in ("current", "1-30", "90+")
                                      else D(0), D(10), D(0))
                        for b in ("current", "1-30", "31-60", "61-90", "90+")),
        allowances=())
    _text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
    fields = [f["text"] for f in blocks[1]["fields"]]
    assert fields[:6] == [
        "*DSO (count-back)*\n90.0 days", "*DSO (simple, 3 months)*\n90.0 days",
        "*Best Possible DSO*\n30.0 days", "*ADD (DSO simple − Best Possible)*\n60.0 days",
        "*CEI (3 months)*\n100.0%", "*Receivables*\n$3.00, overdue $2.00"]
    matrix = next(b["text"]["text"] for b in blocks
                  if b.get("text", {}).get("text", "").startswith("*Provision matrix*"))
    assert matrix.endswith("\n*Total* $3.00, allowance *$0.00*")


def test_a_collectors_cei_below_zero_is_explained_under_the_card() -> None:
    def book(collector: str | None, cei: str | None) -> Book:
        return Book(collector, Metrics(D(100), D(50), D(200), CountBack(D(30), True), D(30),
                                       D(10), D(20), None if cei is None else D(cei)))

    def notes(*collector_ceis: str | None) -> list[str]:
        report = PortfolioReport(
            as_of=date(2026, 11, 30), currency="USD", months=3, portfolio=book(None, "12.5"),
            collectors=tuple(book(f"U0COLL{n}", cei) for n, cei in enumerate(collector_ceis)),
            trend=(), provision=(), allowances=())
        _text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
        assert blockkit.problems(blocks) == []
        return [element["text"] for element in blocks[-1]["elements"]]

    assert notes("0", "80") == [
        "as of Nov 30, 2026 (Asia/Shanghai), in USD",
        "CEI = (B + S/N − E) / (B + S/N − Ec) over the N = 3 calendar months from Sep 1, "
        "2026 to Nov 30, 2026: B the receivables at their start, S/N their average monthly "
        "credit sales, E and Ec the receivables and the current ones at their end."]
    # A collector's n/a is explained as the portfolio's is; a line with nothing in it
    # (a lead's, on the card for a promise they recorded) needs no reason.
    na = notes("80", None)
    assert len(na) == 3 and na[2].startswith("CEI n/a: the receivables at the start plus ")
    lead = Book("U0LEAD", Metrics(D(0), D(0), D(0), CountBack(D(0), True), None, None, None,
                                  None))
    report = PortfolioReport(as_of=date(2026, 11, 30), currency="USD", months=3,
                             portfolio=book(None, "12.5"), collectors=(lead,), trend=(),
                             provision=(), allowances=())
    _text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
    assert len(blocks[-1]["elements"]) == 2
    assert notes("80", "-3.5")[2] == (
        "CEI below zero: the receivables at the end (E) are more than those at the start "
        "plus an average month's credit sales (B + S/N). Receivables grew by more than a "
        "month of sales over the period, or invoices issued before it are missing from the "
        "imports.")


def test_a_cei_that_cannot_be_computed_says_why_and_one_month_shows_it_once() -> None:
    # "CEI (12 months) n/a" came with no reason; over one month "0.0% (with S instead of
    # S/N: 0.0%)" said one figure twice.
    def card(months: int, cei: str | None, all_sales: str | None) -> tuple[str, list[str]]:
        metrics = Metrics(D(100), D(50), D(200), CountBack(D(30), True), D(30), D(10), D(20),
                          None if cei is None else D(cei),
                          None if all_sales is None else D(all_sales))
        report = PortfolioReport(
            as_of=date(2026, 11, 30), currency="USD", months=months,
            portfolio=Book(None, metrics), collectors=(), trend=(), provision=(),
            allowances=())
        _text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
        [shown] = [f["text"] for f in blocks[1]["fields"] if f["text"].startswith("*CEI")]
        return shown, [element["text"] for element in blocks[-1]["elements"]]

    shown, notes = card(12, None, "80.8")
    # The other CEI has a figure: shown beside the n/a as beside a headline (it was
    # hidden, though the README says the card shows it in brackets).
    assert shown == "*CEI (12 months)*\nn/a (with S instead of S/N: 80.8%)"
    assert notes[2] == (
        "CEI n/a: the receivables at the start plus an average month's credit sales (B + "
        "S/N) are no more than those not yet due at the end (Ec), so there is nothing "
        "collectable to measure against: the history is shorter than the period, more than "
        "a month of sales is not yet due (payment terms longer than a month, or sales "
        "growing fast), or credit notes outweigh the sales.")
    shown, notes = card(1, "54", "54")
    assert shown == "*CEI (1 month)*\n54.0%"
    assert not any(note.startswith("CEI n/a") for note in notes)
    assert card(3, "54", "77")[0] == "*CEI (3 months)*\n54.0% (with S instead of S/N: 77.0%)"


def test_a_chinese_reader_sees_the_allowances_under_the_customers_chinese_names() -> None:
    # The card's other lines named 青岛海洋渔业有限公司; its allowances said Qingdao Ocean
    # Fisheries.
    report = PortfolioReport(
        as_of=date(2026, 11, 30), currency="USD", months=3,
        portfolio=Book(None, _metrics(1000)), collectors=(), trend=(), provision=(),
        allowances=(CustomerAllowance("C0033", "Qingdao Ocean Fisheries", "青岛海洋渔业有限公司",
                                      D("48172.64")),
                    CustomerAllowance("C0041", "Fenwick Retail Group", None, D(100))),
        missing_currencies=(), left_out=())
    found = {tag: next(b["text"]["text"] for b in report_card(report, "Asia/Shanghai",
                                                              translator(tag))[1]
                       if b["type"] == "section" and "C0033" in b.get("text", {}).get("text", ""))
             for tag in ("zh-CN", "en-US")}
    assert found["zh-CN"].splitlines()[1:] == [
        "青岛海洋渔业有限公司（C0033）：US$48,172.64", "Fenwick Retail Group（C0041）：US$100.00"]
    assert found["en-US"].splitlines()[1:] == [
        "Qingdao Ocean Fisheries (C0033): $48,172.64", "Fenwick Retail Group (C0041): $100.00"]


def test_a_collector_with_nothing_owed_nor_sold_has_no_dso() -> None:
    # A lead holding no accounts, on the card for a promise recorded, read "$0.00,
    # overdue $0.00 · DSO 0.0 days · CEI n/a": a DSO of nothing measured.
    def book(collector: str, ar: int, sales: int) -> Book:
        return Book(collector, Metrics(D(ar), D(0), D(sales), CountBack(D(0), True), None,
                                       None, None, None), 1, 0)

    report = PortfolioReport(
        as_of=date(2026, 11, 30), currency="USD", months=3, portfolio=book("", 0, 500),
        collectors=(book("U0LEAD0001", 0, 0), book("U0COLL0001", 0, 500)),
        trend=(), provision=(), allowances=())
    _text, blocks = report_card(report, "Asia/Shanghai", translator("en-US"))
    [collectors] = [b["text"]["text"] for b in blocks if b["type"] == "section"
                    and b.get("text", {}).get("text", "").startswith("*Per collector*")]
    assert collectors.splitlines()[1:] == [
        "<@U0LEAD0001>: $0.00, overdue $0.00 · DSO n/a · CEI n/a · promises 1 kept, 0 broken",
        # Everything sold was collected: no days outstanding, which is a measure.
        "<@U0COLL0001>: $0.00, overdue $0.00 · DSO 0.0 days · CEI n/a · promises 1 kept, "
        "0 broken"]


def test_a_portfolio_with_nothing_owed_nor_sold_has_no_dso_on_the_card_or_in_the_post() -> None:
    # A new deployment's first months read "DSO (count-back) 0.0 days" and "Nov 30, 2026
    # 0.0 days" beside n/a for every other figure (the chart already left them out).
    from handlers.reports.job import summary_text

    nothing = Metrics(D(0), D(0), D(0), CountBack(D(0), True), None, None, None, None)
    report = PortfolioReport(
        as_of=date(2026, 11, 30), currency="USD", months=3, portfolio=Book(None, nothing),
        collectors=(), trend=(TrendPoint(Period(date(2026, 11, 1), date(2026, 11, 30)),
                                         D(0), D(0), D(0), CountBack(D(0), True)),),
        provision=(), allowances=())
    tr = translator("en-US")
    _text, blocks = report_card(report, "Asia/Shanghai", tr)
    assert blocks[1]["fields"][0]["text"] == "*DSO (count-back)*\nn/a"
    assert blocks[2]["elements"][0]["text"] == "DSO at each month end: Nov 30, 2026 n/a"
    assert summary_text(report, tr).splitlines()[1] == (
        "DSO (count-back): n/a · DSO (simple, 3 months): n/a · Best Possible DSO: n/a")
