"""The collection metrics against examples worked by hand (the arithmetic in comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.reports.metrics import (
    CountBack,
    MonthFigures,
    Period,
    count_back_dso,
    metrics,
    periods,
    provision_lines,
    trend,
)

D = Decimal


def _series() -> list[MonthFigures]:
    """August (only its end AR counts: CEI's beginning), then September, October and
    November 2026, as of 30 November."""
    aug, sep, octo, nov = periods(date(2026, 11, 30), 4)
    return [
        MonthFigures(aug, D(0), D(400_000), D(180_000)),
        MonthFigures(sep, D(300_000), D(420_000), D(170_000)),
        MonthFigures(octo, D(250_000), D(410_000), D(160_000)),
        MonthFigures(nov, D(200_000), D(380_000), D(150_000)),
    ]


def test_periods_are_calendar_months_then_the_month_to_date() -> None:
    # On a month's last day: the calendar months ending on it.
    assert periods(date(2026, 11, 30), 3) == (
        Period(date(2026, 9, 1), date(2026, 9, 30)),
        Period(date(2026, 10, 1), date(2026, 10, 31)),
        Period(date(2026, 11, 1), date(2026, 11, 30)),
    )
    # On another day: the complete months before it, then the month to date; month ends
    # are the calendar's (30 Sep, 31 Oct, 30 Nov), not the 7th of each month.
    assert periods(date(2026, 12, 7), 3) == (
        Period(date(2026, 9, 1), date(2026, 9, 30)),
        Period(date(2026, 10, 1), date(2026, 10, 31)),
        Period(date(2026, 11, 1), date(2026, 11, 30)),
        Period(date(2026, 12, 1), date(2026, 12, 7)),
    )
    # On the 1st, the month to date is that one day.
    assert [p.days for p in periods(date(2026, 12, 1), 3)] == [30, 31, 30, 1]
    # Across a year end and a short February.
    assert periods(date(2027, 3, 29), 2) == (
        Period(date(2027, 1, 1), date(2027, 1, 31)),
        Period(date(2027, 2, 1), date(2027, 2, 28)),
        Period(date(2027, 3, 1), date(2027, 3, 29)),
    )
    assert [p.end for p in periods(date(2027, 2, 28), 3)] == [
        date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 28)]


def test_count_back_over_three_months() -> None:
    # AR 380,000 at 30 Nov.
    # November: sales 200,000 <= 380,000 -> all 30 days, 180,000 left.
    # October: sales 250,000 > 180,000 -> 31 days x 180,000 / 250,000 = 22.32 days.
    # DSO = 30 + 22.32 = 52.32 days (September is not reached).
    got = count_back_dso(D(380_000), [(D(200_000), 30), (D(250_000), 31), (D(300_000), 30)])
    assert got == CountBack(D("52.32"), True)


def test_count_back_that_outlasts_every_month_says_so() -> None:
    # AR 1,000 against 300 + 300 + 300 of sales: 90 days counted, 100 still left over.
    assert count_back_dso(D(1000), [(D(300), 30), (D(300), 30), (D(300), 30)]) == CountBack(
        D(90), False)


def test_count_back_counts_a_month_without_sales_whole() -> None:
    # November sold nothing: its 30 days count, then October's 31 x 100 / 200 = 15.5.
    assert count_back_dso(D(100), [(D(0), 30), (D(200), 31)]) == CountBack(D("45.5"), True)


def test_no_receivables_is_zero_days() -> None:
    assert count_back_dso(D(0), [(D(200), 30)]) == CountBack(D(0), True)


def test_portfolio_metrics_worked_by_hand() -> None:
    m = metrics(_series(), months=3)
    # Sales over the three months: 300,000 + 250,000 + 200,000 = 750,000, over
    # 30 + 31 + 30 = 91 days.
    assert m.sales == D(750_000)
    assert m.dso_count_back == CountBack(D("52.32"), True)
    # Simple: 380,000 / 750,000 x 91 = 46.10666… days.
    assert m.dso_simple is not None and round(m.dso_simple, 4) == D("46.1067")
    # Best possible: current AR 150,000 / 750,000 x 91 = 18.2 days.
    assert m.best_possible_dso == D("18.2")
    # ADD = 46.10666… - 18.2 = 27.90666… = overdue 230,000 / 750,000 x 91.
    assert m.add is not None and round(m.add, 4) == D("27.9067")
    assert m.overdue_ar == D(230_000)
    # CEI: beginning AR (31 Aug) 400,000; monthly sales 750,000 / 3 = 250,000;
    # (400,000 + 250,000 - 380,000) / (400,000 + 250,000 - 150,000) x 100
    # = 270,000 / 500,000 x 100 = 54 %.
    assert m.cei == D(54)
    # The other CEI, all three months' sales at once: (400,000 + 750,000 - 380,000) /
    # (400,000 + 750,000 - 150,000) = 770,000 / 1,000,000 = 77 %.
    assert m.cei_all_sales == D(77)


def test_metrics_on_a_day_inside_a_month_worked_by_hand() -> None:
    # As of Monday 7 December: the series above, then 1-7 December (sales 70,000; AR
    # 400,000 of which 160,000 current on the 7th).
    *_, dec = periods(date(2026, 12, 7), 4)
    series = [*_series(), MonthFigures(dec, D(70_000), D(400_000), D(160_000))]
    m = metrics(series, months=3)
    # Count-back from 400,000: December's 70,000 (7 days, 330,000 left), November's
    # 200,000 (30 days, 130,000 left), then 31 x 130,000 / 250,000 = 16.12 days of
    # October: 53.12 days.
    assert m.dso_count_back == CountBack(D("53.12"), True)
    # Simple and Best Possible over September to 7 December: sales 300,000 + 250,000 +
    # 200,000 + 70,000 = 820,000 over 30 + 31 + 30 + 7 = 98 days.
    assert m.sales == D(820_000)
    # 400,000 / 820,000 x 98 = 47.804…; 160,000 / 820,000 x 98 = 19.121…
    assert m.dso_simple is not None and round(m.dso_simple, 3) == D("47.805")
    assert m.best_possible_dso is not None and round(m.best_possible_dso, 3) == D("19.122")
    # ADD = overdue 240,000 / 820,000 x 98 = 28.683…
    assert m.add is not None and round(m.add, 3) == D("28.683")
    # CEI stays on the calendar months September to November: 54 % (above).
    assert m.cei == D(54)
    # The trend's points are the calendar month ends, not 7 October / 7 November.
    assert [p.end for p, _ in trend(series, 2)] == [date(2026, 10, 31), date(2026, 11, 30)]


def test_metrics_without_sales_are_not_invented() -> None:
    aug, sep = periods(date(2026, 9, 30), 2)
    m = metrics([MonthFigures(aug, D(0), D(0), D(0)), MonthFigures(sep, D(0), D(0), D(0))], 1)
    assert (m.dso_simple, m.best_possible_dso, m.add, m.cei) == (None, None, None, None)
    assert m.dso_count_back == CountBack(D(0), True)


def test_metrics_need_the_period_before_the_window() -> None:
    with pytest.raises(ValueError, match="need 4 months, got 3"):
        metrics(_series()[1:], months=3)


def test_trend_counts_back_at_each_month_end() -> None:
    points = trend(_series(), 2)
    # 31 Oct: AR 410,000; October 250,000 -> 31 days, 160,000 left; September
    # 300,000 > 160,000 -> 30 x 160/300 = 16 days; 47 days.
    # 30 Nov: 52.32 days (above).
    assert [(p.end, c) for p, c in points] == [
        (date(2026, 10, 31), CountBack(D(47), True)),
        (date(2026, 11, 30), CountBack(D("52.32"), True)),
    ]


def test_each_month_end_counts_back_one_year_as_a_report_on_that_day_would() -> None:
    """An invoice of Nov 2025 still open: a report on 30 Sep 2026 finds its sales within
    the year before (334 days), one on 30 Nov 2026 does not ("more than 365 days"). The
    trend read at 30 Nov 2026 must show each month end as that day's report did, never
    walking further back than a year from it, nor stopping short of one."""
    from domain.reports.use_cases import months_read

    as_of = date(2026, 11, 30)
    spans = periods(as_of, months_read(3))
    series = [MonthFigures(p, D(100_000) if p.start == date(2025, 11, 1) else D(0),
                           D(100_000), D(0)) for p in spans]
    # Dec 2025 to Sep 2026 without sales: 304 days; then Nov 2025's 30 days in full.
    assert [(p.end, c) for p, c in trend(series, 3)] == [
        (date(2026, 9, 30), CountBack(D(334), True)),
        (date(2026, 10, 31), CountBack(D(365), True)),
        (date(2026, 11, 30), CountBack(D(365), False)),
    ]
    assert metrics(series, 3).dso_count_back == CountBack(D(365), False)
    # However long the series, a year is as far back as anyone counts.
    thirty = periods(as_of, 30)
    longer = [MonthFigures(p, D(100_000) if p is thirty[0] else D(0), D(100_000), D(0))
              for p in thirty]
    assert [c for _, c in trend(longer, 3)] == [CountBack(D(365), False)] * 3


def test_provision_matrix_worked_by_hand() -> None:
    labels = ("current", "1-30", "31-60", "61-90", "90+")
    rates = {"current": D(1), "1-30": D(5), "31-60": D(15), "61-90": D(40), "90+": D(100)}
    open_amounts = {"current": D(150_000), "1-30": D(100_000), "31-60": D(60_000),
                    "61-90": D(40_000), "90+": D(30_000)}
    lines = provision_lines(open_amounts, rates, labels)
    # 150,000 x 1 % = 1,500; 100,000 x 5 % = 5,000; 60,000 x 15 % = 9,000;
    # 40,000 x 40 % = 16,000; 30,000 x 100 % = 30,000; in all 61,500.
    assert [(x.bucket, x.allowance) for x in lines] == [
        ("current", D(1500)), ("1-30", D(5000)), ("31-60", D(9000)), ("61-90", D(16000)),
        ("90+", D(30000))]
    assert sum(x.allowance for x in lines) == D(61_500)


def test_best_possible_dso_per_month_end_is_over_the_report_months_up_to_it():
    """The chart drew each month's own sales (1,400 / 1,400 × 30 = 30 days) beside the
    report's figure over N months (10.6): a finance director's hand check."""
    from domain.reports.metrics import MonthFigures, Period, best_possible_trend

    def month(start: date, end: date, sales: str, current: str | None = None) -> MonthFigures:
        return MonthFigures(Period(start, end), Decimal(sales),
                            None if current is None else Decimal(current) * 3,
                            None if current is None else Decimal(current))

    series = [month(date(2026, 8, 1), date(2026, 8, 31), "500"),
              month(date(2026, 9, 1), date(2026, 9, 30), "7970", "2100"),
              month(date(2026, 10, 1), date(2026, 10, 31), "2700", "1350"),
              month(date(2026, 11, 1), date(2026, 11, 30), "1400", "1400"),
              month(date(2026, 12, 1), date(2026, 12, 10), "550", "1350")]  # month to date
    sep, oct_, nov = best_possible_trend(series, 3)
    assert sep == Decimal(2100) / Decimal(500 + 7970) * 61   # Aug and Sep: all there is
    assert oct_ == Decimal(1350) / Decimal(500 + 7970 + 2700) * 92
    assert nov == Decimal(1400) / Decimal(7970 + 2700 + 1400) * 91
    assert round(nov, 2) == Decimal("10.56")


@pytest.mark.parametrize("months", range(1, 13))
def test_the_report_reads_enough_months_for_every_trend_points_window(months):
    """With reports.months 7 to 12 the first points' Best Possible DSO was over fewer
    months than N (a year of sales was read, not 2N − 1 months)."""
    from domain.reports.metrics import MonthFigures, best_possible_trend, periods
    from domain.reports.use_cases import months_read

    spans = periods(date(2026, 11, 30), months_read(months))
    series = [MonthFigures(p, Decimal(1), Decimal(1), Decimal(1)) for p in spans]
    points = best_possible_trend(series, months)
    windows = [spans[i - months + 1: i + 1] for i in range(len(spans) - months, len(spans))]
    assert all(len(w) == months for w in windows)
    assert points == [Decimal(1) / months * sum(p.days for p in w) for w in windows]
