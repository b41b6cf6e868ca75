"""The collection metrics, as pure functions over monthly aggregates.

Definitions (all amounts in the base currency; the SQL in ``storage/reports.py``
produces the aggregates, these functions do the arithmetic):

* **Periods.** Calendar months: the last complete ones before the report date, then the
  month to date (the 1st to the report date) unless the report date is a month's last
  day. A period's *days* are its calendar days; its *end* is the day the AR is rebuilt
  at: a calendar month end, or the report date.
* **AR** (accounts receivable): the open amount of invoices whose status counts in the
  exposure (open, disputed), each converted to the base currency at the rates known on
  the report date (``domain.fx``). One set of rates for the whole series, so a currency
  moving does not show as collection getting better or worse.
* **Credit sales** of a period: the invoice amounts (``amount``, not what is still open)
  of invoices issued in it, whatever their status now.
* **AR at a past period end** ``e`` is rebuilt backwards from today's open amounts,
  which are the ERP's truth: ``AR(e)`` = the open amount today of invoices issued on or
  before ``e`` + the payments dated after ``e`` on those invoices (the payments import,
  matched by ``invoice_id``). It assumes payments are imported with their invoice; a
  payment without one, a credit note or a write-off after ``e`` is not seen, and makes
  ``AR(e)`` that much too low. Rebuilding forwards (amounts issued minus everything paid
  since the first invoice) would need the whole payment history and carry every missing
  adjustment for ever; backwards, an error only reaches back to its own date.
* **Current AR** at ``e``: the same, for invoices not yet due on ``e`` (due on or after
  ``e``, as the aging's ``current`` bucket) and credit notes (a negative open amount:
  owed to the customer, never overdue, as in the aging); **overdue AR** is the rest.
* **DSO, count-back**: start from AR at the latest period end; walk back period by
  period from the latest, subtracting each period's sales while AR covers them, counting
  that period's days; in the period whose sales AR no longer covers, count the fraction
  ``AR left / sales`` of its days, and stop. If AR outlasts every period looked at, the
  DSO is at least all their days (``exhausted`` is False).
* **DSO, simple**: AR on the report date / credit sales over the last N calendar months
  and the month to date × their days.
* **Best Possible DSO**: current AR on the report date / the same sales × the same days.
* **ADD** (average days delinquent) = simple DSO − Best Possible DSO: both on the same
  sales and days, so it is overdue AR / sales × days, never negative.
* **CEI** (collection effectiveness index) over the last N calendar months:
  ``(B + S/N − E) / (B + S/N − Ec) × 100`` with ``B`` the AR at the end of the month
  before the N, ``S`` the credit sales of the N months, ``E`` the AR at the end of the
  last of them and ``Ec`` its current AR. 100 % means everything collectable was
  collected. This is the variant that spreads the period's sales over its months (S/N,
  the average month), as the Credit Research Foundation defines it for a multi-month
  CEI; the other common one, ``(B + S − E) / (B + S − Ec)``, counts all N months' sales
  at once and reads higher the longer the period. Calendar months, not the month to
  date: CEI measures whole months' collection.
* A ratio whose denominator is zero (no sales, nothing collectable) is ``None``: the
  card says "n/a" rather than inventing a figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Period:
    """One month of the series: ``start`` .. ``end`` inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class MonthFigures:
    """A period's credit sales, and the AR (total and current) at its end. The AR of the
    older periods, which only count back, is not read (``None``)."""

    period: Period
    sales: Decimal
    ar: Decimal | None = None
    current_ar: Decimal | None = None

    @property
    def balances(self) -> tuple[Decimal, Decimal]:
        """(AR, current AR) at the period's end."""
        if self.ar is None or self.current_ar is None:
            raise ValueError(f"the AR at {self.period.end} was not read")
        return self.ar, self.current_ar


@dataclass(frozen=True)
class CountBack:
    days: Decimal
    # False when AR outlasted every period given: the DSO is at least ``days``.
    exhausted: bool


# Count-back walks back at most a year: a DSO longer than that reads "more than …".
COUNT_BACK_PERIODS = 12


def is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def periods(as_of: date, count: int) -> tuple[Period, ...]:
    """The ``count`` calendar months before ``as_of``, oldest first, then the month to
    date (its 1st to ``as_of``) unless ``as_of`` is a month's last day, when its month is
    the last of the ``count``: month ends are the calendar's, as a credit manager's
    month-end figures are."""
    end = as_of if is_month_end(as_of) else as_of.replace(day=1) - timedelta(days=1)
    months = []
    for _ in range(count):
        start = end.replace(day=1)
        months.append(Period(start, end))
        end = start - timedelta(days=1)
    months.reverse()
    if not is_month_end(as_of):
        months.append(Period(as_of.replace(day=1), as_of))
    return tuple(months)


def complete_months(series: Sequence[MonthFigures]) -> Sequence[MonthFigures]:
    """The series without its month to date, if it has one."""
    return series[:-1] if series and not is_month_end(series[-1].period.end) else series


def year_back(upto: Sequence[MonthFigures]) -> list[tuple[Decimal, int]]:
    """(credit sales, days) of the periods a count-back at the end of ``upto`` walks,
    newest first: its month to date, if any, and the ``COUNT_BACK_PERIODS`` calendar
    months before it; never more, so that each month end's figure is counted as it
    would be on that day (the trend's first points, with fewer months read before them,
    read "more than" what a report on that day would show)."""
    complete = complete_months(upto)
    recent = upto[max(0, len(complete) - COUNT_BACK_PERIODS):]
    return [(f.sales, f.period.days) for f in reversed(recent)]


def count_back_dso(ar: Decimal, sales: Sequence[tuple[Decimal, int]]) -> CountBack:
    """``sales``: (credit sales, days) of each period, newest first."""
    left = ar
    days = Decimal(0)
    if left <= 0:
        return CountBack(Decimal(0), True)
    for amount, period_days in sales:
        if amount <= 0:  # a month without sales is a month AR is older than
            days += period_days
            continue
        if left <= amount:
            return CountBack(days + Decimal(period_days) * left / amount, True)
        left -= amount
        days += period_days
    return CountBack(days, False)


def _days_of(figures: Sequence[MonthFigures]) -> tuple[Decimal, int]:
    return sum((f.sales for f in figures), Decimal(0)), sum(f.period.days for f in figures)


def simple_dso(ar: Decimal, figures: Sequence[MonthFigures]) -> Decimal | None:
    sales, days = _days_of(figures)
    return None if sales <= 0 else ar / sales * days


def best_possible_dso(current_ar: Decimal, figures: Sequence[MonthFigures]) -> Decimal | None:
    return simple_dso(current_ar, figures)


def cei(beginning_ar: Decimal, figures: Sequence[MonthFigures]) -> Decimal | None:
    """CEI over ``figures`` (the N periods, oldest first); ``beginning_ar`` is the AR at
    the end of the period before them."""
    if not figures:
        return None
    sales, _ = _days_of(figures)
    monthly = sales / len(figures)
    ending, ending_current = figures[-1].balances
    collectable = beginning_ar + monthly - ending_current
    if collectable <= 0:
        return None
    return (beginning_ar + monthly - ending) / collectable * _HUNDRED


def cei_all_sales(beginning_ar: Decimal, figures: Sequence[MonthFigures]) -> Decimal | None:
    """The other CEI in common use, ``(B + S − E) / (B + S − Ec) × 100``: all N months'
    sales at once. Shown beside ``cei`` for comparison only; it reads higher the longer
    the period, so two reports over different N do not compare."""
    if not figures:
        return None
    sales, _ = _days_of(figures)
    ending, ending_current = figures[-1].balances
    collectable = beginning_ar + sales - ending_current
    if collectable <= 0:
        return None
    return (beginning_ar + sales - ending) / collectable * _HUNDRED


@dataclass(frozen=True)
class Metrics:
    """The figures of one book of accounts (the portfolio, or one collector's)."""

    ar: Decimal
    current_ar: Decimal
    sales: Decimal  # over the N periods
    dso_count_back: CountBack
    dso_simple: Decimal | None
    best_possible_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    cei_all_sales: Decimal | None = None

    @property
    def overdue_ar(self) -> Decimal:
        return self.ar - self.current_ar


def metrics(series: Sequence[MonthFigures], months: int) -> Metrics:
    """``series``: every period looked at, oldest first (``periods``): at least ``months``
    + 1 calendar months (the one before the N gives CEI its beginning AR), then the month
    to date if the report date is not a month end. The AR is the report date's; the simple
    and Best Possible DSO take the sales of the N months and the month to date over their
    days; CEI is over the N calendar months; count-back walks back a year."""
    complete = complete_months(series)
    if len(complete) < months + 1:
        raise ValueError(f"metrics over {months} months need {months + 1} months, "
                         f"got {len(complete)}")
    window = series[len(complete) - months:]
    ar, current_ar = series[-1].balances
    simple = simple_dso(ar, window)
    best = best_possible_dso(current_ar, window)
    return Metrics(
        ar=ar,
        current_ar=current_ar,
        sales=_days_of(window)[0],
        dso_count_back=count_back_dso(ar, year_back(series)),
        dso_simple=simple,
        best_possible_dso=best,
        add=None if simple is None or best is None else simple - best,
        cei=cei(complete[-months - 1].balances[0], complete[-months:]),
        cei_all_sales=cei_all_sales(complete[-months - 1].balances[0], complete[-months:]),
    )


def trend(series: Sequence[MonthFigures], months: int) -> list[tuple[Period, CountBack]]:
    """The count-back DSO at the end of each of the last ``months`` calendar months (not
    the month to date), each counted back over the year up to it (``year_back``)."""
    complete = complete_months(series)
    return [(complete[i].period, count_back_dso(complete[i].balances[0],
                                                year_back(complete[: i + 1])))
            for i in range(len(complete) - months, len(complete))]


def best_possible_trend(series: Sequence[MonthFigures], months: int
                        ) -> list[Decimal | None]:
    """Best Possible DSO at the end of each of the last ``months`` calendar months, each
    as the report's figure is at its date: that month end's current AR over the sales
    and days of the ``months`` months up to it (not that month's alone, which made a
    chart of about 30 days beside a report's 10)."""
    complete = complete_months(series)
    points: list[Decimal | None] = []
    for i in range(len(complete) - months, len(complete)):
        current = complete[i].current_ar
        points.append(None if current is None else best_possible_dso(
            current, complete[max(0, i - months + 1): i + 1]))
    return points


@dataclass(frozen=True)
class ProvisionLine:
    bucket: str
    open_amount: Decimal
    rate: Decimal  # percent
    allowance: Decimal


def provision_lines(open_by_bucket: Mapping[str, Decimal], rates: Mapping[str, Decimal],
                    labels: Sequence[str]) -> list[ProvisionLine]:
    """The provision matrix: per aging bucket, open amount × its rate (percent)."""
    lines = []
    for label in labels:
        amount = open_by_bucket.get(label, Decimal(0))
        rate = rates[label]
        lines.append(ProvisionLine(label, amount, rate, amount * rate / _HUNDRED))
    return lines
