"""Reports.portfolio and Reports.view over fake aggregates: conversion to the base
currency, the books per collector, promises and disputes, access."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.money import Money
from domain.reports.metrics import CountBack, Period
from domain.reports.ports import (
    AllowanceRow,
    BucketTotals,
    CurrencySeries,
    PromiseCount,
    ResolvedDispute,
    SeriesRows,
)
from domain.reports.use_cases import PortfolioReport, Reports, ReportSettings
from domain.rounding import aged_shares, apportioned
from tests.fakes import FakeUnitOfWork

D = Decimal
AS_OF = date(2026, 11, 30)
RATES = {"current": D(1), "1-30": D(5), "31-60": D(15), "61-90": D(40), "90+": D(100)}
EARLIER = (D(0),) * 10  # the months before August: 14 read in all


class FakeQueries:
    def __init__(self, series: list[CurrencySeries], buckets: list[BucketTotals],
                 allowances: list[AllowanceRow], promises: list[PromiseCount] = (),
                 disputes: list[ResolvedDispute] = ()) -> None:
        self._series, self._buckets, self._allowances = series, buckets, allowances
        self._promises, self._disputes = list(promises), list(disputes)
        self.asked: list[tuple[int, int]] = []

    def series(self, periods: Sequence[Period], ar_points: int, aging: AgingBuckets
               ) -> SeriesRows:
        self.asked.append((len(periods), ar_points))
        assert aging.labels == ("current", "1-30", "31-60", "61-90", "90+")
        portfolio: dict[str, CurrencySeries] = {}
        for row in self._series:  # the portfolio: every book's rows, per currency
            seen = portfolio.get(row.currency)
            portfolio[row.currency] = row if seen is None else CurrencySeries(
                None, row.currency, *(tuple(a + b for a, b in zip(x, y, strict=True))
                                      for x, y in ((seen.sales, row.sales), (seen.ar, row.ar),
                                                   (seen.current_ar, row.current_ar))))
        return SeriesRows([CurrencySeries(None, r.currency, r.sales, r.ar, r.current_ar)
                           for r in portfolio.values()],
                          [r for r in self._series if r.collector is not None],
                          self._buckets)

    def names(self) -> dict[str, tuple[str, str | None]]:
        return {"C1": ("Acme", None), "C2": ("Beta", "贝塔")}

    def allowances(self, as_of, buckets, rates_bp, posted_ahead=True, paid_ahead=False):  # type: ignore[no-untyped-def]
        assert list(rates_bp) == [100, 500, 1500, 4000, 10000]
        return self._allowances

    def promises(self, due_from, due_to):  # type: ignore[no-untyped-def]
        assert (due_from, due_to) == (date(2026, 9, 1), AS_OF)
        return self._promises

    def resolved_disputes(self, since, until):  # type: ignore[no-untyped-def]
        return self._disputes


def _series(collector: str | None, currency: str, sep: int, oct_: int, nov: int,
            ar: tuple[int, int, int, int], current: tuple[int, int, int, int]
            ) -> CurrencySeries:
    return CurrencySeries(collector, currency, (*EARLIER, D(0), D(sep), D(oct_), D(nov)),
                          tuple(D(x) for x in ar), tuple(D(x) for x in current))


def _reports(queries: FakeQueries, uow: FakeUnitOfWork,
             access: CreditDataAccess | None = None) -> Reports:
    return Reports(uow, lambda _uow: queries, access or CreditDataAccess(), "USD", AgingBuckets(),
                   ReportSettings(RATES, 3), lambda: datetime(2026, 11, 30, 1, tzinfo=UTC),
                   ZoneInfo("Asia/Shanghai"))


def test_books_in_the_base_currency_per_collector() -> None:
    queries = FakeQueries(
        [
            # U1's USD book: the hand-worked portfolio's halves.
            _series("U1", "USD", 150_000, 125_000, 100_000, (200_000, 210_000, 205_000,
                    190_000), (0, 0, 0, 75_000)),
            # U1's EUR book at 1.25: the other halves (120,000 EUR = 150,000 USD …).
            _series("U1", "EUR", 120_000, 100_000, 80_000, (160_000, 168_000, 164_000,
                    152_000), (0, 0, 0, 60_000)),
            # Nobody's, in GBP without a rate: left out everywhere.
            _series(None, "GBP", 1, 1, 1, (1, 1, 1, 250), (0, 0, 0, 0)),
            # In CHF without a rate either, but nothing in it by the report date: no
            # figure is left out, so it is not named.
            _series(None, "CHF", 0, 0, 0, (0, 0, 0, 0), (0, 0, 0, 0)),
        ],
        [BucketTotals("USD", (D(75_000), D(0), D(0), D(0), D(115_000))),
         BucketTotals("EUR", (D(60_000), D(0), D(0), D(0), D(92_000)))],
        [AllowanceRow("C1", "USD", D(75_000) * 100 + D(115_000) * 10_000),
         AllowanceRow("C1", "EUR", D(60_000) * 100),
         AllowanceRow("C2", "EUR", D(92_000) * 10_000)],
        # Open and replaced promises are neither kept nor broken, whoever lists them.
        [PromiseCount("U1", "kept", 3), PromiseCount("U1", "broken", 1),
         PromiseCount("U9", "broken", 2), PromiseCount("U1", "open", 5),
         PromiseCount("U9", "replaced", 7)],
        [ResolvedDispute("U1", datetime(2026, 11, 1, tzinfo=UTC),
                         datetime(2026, 11, 3, tzinfo=UTC)),
         ResolvedDispute("U1", datetime(2026, 11, 1, tzinfo=UTC),
                         datetime(2026, 11, 6, tzinfo=UTC))])
    uow = FakeUnitOfWork([], rates={"EUR": D("1.25")})
    report = _reports(queries, uow).portfolio(AS_OF)
    # A year of sales up to the trend's first month end (30 Sep), then Oct and Nov; AR at
    # four month ends.
    assert queries.asked == [(14, 4)]
    m = report.portfolio.metrics
    # USD + EUR x 1.25: sales 300,000 / 250,000 / 200,000; AR at the end 190,000 +
    # 190,000 = 380,000, current 150,000: the hand-worked portfolio again.
    assert (m.ar, m.current_ar, m.sales) == (D(380_000), D(150_000), D(750_000))
    assert m.dso_count_back == CountBack(D("52.32"), True)
    assert m.cei == D(54)
    # The trend's last point, at the report's own date (a month end), has the report's
    # Best Possible DSO: 150,000 / 750,000 × 91 days.
    assert report.trend[-1].period.end == AS_OF
    assert report.trend[-1].best_possible == m.best_possible_dso == D(150_000) / 750_000 * 91
    assert report.missing_currencies == ("GBP",)
    assert report.left_out == (Money(D(250), "GBP"),)  # its receivables on the report date
    assert [(b.collector, b.metrics.ar, b.promises_kept, b.promises_broken,
             b.disputes_resolved, b.dispute_days) for b in report.collectors] == [
        ("U1", D(380_000), 3, 1, 2, D("3.5")),    # (2 + 5) / 2 days
        ("U9", D(0), 0, 2, 0, None),              # promises only: still shown
    ]
    # The portfolio counts every promise and dispute.
    assert (report.portfolio.promises_kept, report.portfolio.promises_broken) == (3, 3)
    # Provision: current 75,000 + 60,000 x 1.25 = 150,000 at 1 %; 90+ 115,000 +
    # 92,000 x 1.25 = 230,000 at 100 %.
    assert [(x.bucket, x.open_amount, x.allowance) for x in report.provision] == [
        ("current", D(150_000), D(1500)), ("1-30", D(0), D(0)), ("31-60", D(0), D(0)),
        ("61-90", D(0), D(0)), ("90+", D(230_000), D(230_000))]
    # C1: 750 + 115,000 + 600 x 1.25 = 116,500; C2: 92,000 x 1.25 = 115,000.
    # Each with its local name too, for a reader of that language.
    assert [(a.customer_id, a.name, a.name_local, a.allowance)
            for a in report.allowances] == [
        ("C1", "Acme", None, D(116_500)), ("C2", "Beta", "贝塔", D(115_000))]
    assert report.allowance_total == D(231_500)


def test_a_person_not_listed_is_refused_and_recorded() -> None:
    uow = FakeUnitOfWork([])
    reports = _reports(FakeQueries([], [], []), uow,
                       CreditDataAccess(roles=frozenset({"credit_manager"})))
    with pytest.raises(AccessDenied):
        reports.view(Member("U0SALES0001", frozenset({"sales"})))
    report = reports.view(Member("U0CM0000001", frozenset({"credit_manager"})))
    assert report.as_of == date(2026, 11, 30)  # 09:00 in Shanghai
    assert [(e.actor, e.action) for e in uow.audit.entries] == [
        ("U0SALES0001", "reports.refused"), ("U0CM0000001", "reports.viewed")]
    # An empty portfolio: zeros, and no ratio invented.
    m = report.portfolio.metrics
    assert (m.ar, m.dso_simple, m.cei) == (D(0), None, None)
    assert report.collectors == () and report.allowances == ()


def test_the_provision_totals_are_the_sums_of_the_lines_as_shown() -> None:
    # Three lines of 0.335 each show as 0.34 (half up): the total reads 1.02, their sum,
    # not 1.005 rounded to 1.01, a cent off what a reader adds up.
    from domain.reports.metrics import Metrics, ProvisionLine
    from domain.reports.use_cases import Book, PortfolioReport

    figures = Metrics(D(0), D(0), D(0), CountBack(D(0), True), None, None, None, None)
    lines = tuple(ProvisionLine(label, D("33.5"), D(1), D("0.335"))
                  for label in ("current", "1-30", "31-60"))
    report = PortfolioReport(date(2026, 11, 30), "USD", 3, Book(None, figures), (), (),
                             lines, ())
    assert (report.allowance_total, report.open_total) == (D("1.02"), D("100.50"))


def test_the_collectors_lines_add_up_to_the_totals_as_shown() -> None:
    # A new user added the lines of a report up: $4,914,948.68 + $2,333,953.07 +
    # $3,503,620.29 is $10,752,522.04, a cent short of the total shown. Three books of
    # 100.005 EUR at 1.1 (110.0055 USD each) and 100.004 unassigned: rounded one by one
    # they would read 110.01 × 3 + 110.00 = 440.03 against 440.02 shown above them.
    def book(collector: str | None) -> CurrencySeries:
        amount = D("100.004") if collector is None else D("100.005")
        return CurrencySeries(collector, "EUR", (D(0),) * 12, (amount,) * 4,
                              (D(0),) * 3 + (D("0.001"),))
    queries = FakeQueries(
        [book("U1"), book("U2"), book("U3"), book(None)],
        [BucketTotals("EUR", (D("0.001"), D(0), D(0), D(0), D("400.018")))], [])
    report = _reports(queries, FakeUnitOfWork([], rates={"EUR": D("1.1")})).portfolio(AS_OF)
    assert (report.open_total, report.overdue_total) == (D("440.02"), D("440.02"))
    shown = report.collector_figures()
    assert [b.collector for b in report.collectors] == ["U1", "U2", "U3", None]
    assert shown == [(D("110.01"), D("110.01")), (D("110.01"), D("110.01")),
                     (D("110.00"), D("110.00")), (D("110.00"), D("110.00"))]
    assert sum(ar for ar, _ in shown) == report.open_total
    assert sum(overdue for _, overdue in shown) == report.overdue_total


def test_the_total_stays_put_while_invoices_only_age_from_bucket_to_bucket() -> None:
    # A new user saw the receivables read $10,752,522.05 one day and .04 a week later,
    # with no new data: each bucket was rounded on its own. The same 100.008 open, spread
    # over the buckets two ways, totals 100.01 both times, and the lines add up to it.
    def report(buckets: tuple[str, ...]) -> PortfolioReport:
        queries = FakeQueries([], [BucketTotals("USD", tuple(D(b) for b in buckets))], [])
        return _reports(queries, FakeUnitOfWork([])).portfolio(AS_OF)

    early = report(("0.004", "0.004", "0", "0", "100"))
    later = report(("0", "0.008", "0", "0", "100"))
    assert [line.open_amount for line in early.provision] == [
        D("0.01"), D("0.00"), D("0.00"), D("0.00"), D("100.00")]
    assert [line.open_amount for line in later.provision] == [
        D("0.00"), D("0.01"), D("0.00"), D("0.00"), D("100.00")]
    assert early.open_total == later.open_total == D("100.01")


@pytest.mark.parametrize(("total", "parts", "shares"), [
    ("3.02", ["1.005", "1.005", "1.005"], ["1.01", "1.01", "1.00"]),
    ("3.01", ["1.005", "1.005", "1.005"], ["1.01", "1.00", "1.00"]),
    # The new user's report: the largest remainder (.684) takes the cent.
    ("10752522.05", ["4914948.684", "2333953.074", "3503620.294"],
     ["4914948.69", "2333953.07", "3503620.29"]),
    # Below zero (credit notes): rounded down is away from zero.
    ("-0.01", ["-0.004", "-0.004"], ["0.00", "-0.01"]),
    # Parts that are not the total's lines: rounded only, not bent toward it.
    ("100.00", ["1", "2.005"], ["1.00", "2.01"]),
])
def test_apportioned_shares_add_up_to_the_total(total: str, parts: list[str],
                                                shares: list[str]) -> None:
    got = apportioned(D(total), [D(p) for p in parts], D("0.01"))
    assert got == [D(s) for s in shares]
    assert [str(g) for g in got] == shares  # two decimals, as money is shown


@pytest.mark.parametrize(("buckets", "shares"), [
    # An analyst's portfolio: overdue 38,329.4432 in all, 1,744.4432 of it 90+. The
    # buckets apportioned against the whole gave the cent to 90+, and the report's
    # overdue read $38,329.45 where the portfolio's read .44.
    (["114416.3668", "11000", "2085.01", "23499.99", "0", "1744.4432"],
     ["114416.37", "11000.00", "2085.01", "23499.99", "0.00", "1744.44"]),
    # Every overdue bucket rounding up: the overdue is its exact sum rounded once, and
    # the current takes what is left of the total.
    (["0.004", "0.005", "0.005", "0.005"], ["0.00", "0.01", "0.01", "0.00"]),
    (["-0.004", "0", "0"], ["0.00", "0.00", "0.00"]),  # never "-0.00"
])
def test_aged_shares_keep_the_total_and_the_overdue_rounded_once(
        buckets: list[str], shares: list[str]) -> None:
    exact = [D(b) for b in buckets]
    got = aged_shares(exact, D("0.01"))
    assert [str(g) for g in got] == shares
    assert sum(got) == sum(exact).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert sum(got[1:]) == sum(exact[1:]).quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_a_provision_line_is_its_open_amount_as_shown_times_its_rate() -> None:
    # A trial worked lines out by hand and found some a cent off: the allowance was the
    # unrounded amount's. 1,000.095 shows as $1,000.10, and 15% of that is $150.02, where
    # 15% of 1,000.095 rounds to $150.01.
    queries = FakeQueries([], [BucketTotals("USD", (D(0), D(0), D("1000.095"), D(0),
                                                    D(0)))], [])
    report = _reports(queries, FakeUnitOfWork([])).portfolio(AS_OF)
    line = report.provision[2]
    assert (line.bucket, line.open_amount, line.rate) == ("31-60", D("1000.10"), D(15))
    assert Money(line.allowance, "USD").rounded().amount == D("150.02")
    assert report.allowance_total == D("150.02")
