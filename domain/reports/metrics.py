"""The collection metrics, as pure functions over monthly aggregates.

Definitions (all amounts in the base currency; the SQL in ``storage/reports.py``
produces the aggregates, these functions do the arithmetic):

* **Periods.** The report looks back over whole months ending on the report date: on a
  month's last day, calendar months; on another day, months from the day after the
  same day of the month before (30 Oct - 29 Nov, 30 Sep - 29 Oct, …). A period's *days*
  are its calendar days; its *end* is the "month end" the AR is rebuilt at.
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
  ``e``, as the aging's ``current`` bucket); **overdue AR** is the rest.
* **DSO, count-back**: start from AR at the latest period end; walk back period by
  period from the latest, subtracting each period's sales while AR covers them, counting
  that period's days; in the period whose sales AR no longer covers, count the fraction
  ``AR left / sales`` of its days, and stop. If AR outlasts every period looked at, the
  DSO is at least all their days (``exhausted`` is False).
* **DSO, simple**: AR at the end / credit sales over the last N periods × their days.
* **Best Possible DSO**: current AR at the end / credit sales over the N periods × days.
* **ADD** (average days delinquent) = simple DSO − Best Possible DSO: both on the same
  sales and days, so it is overdue AR / sales × days, never negative.
* **CEI** (collection effectiveness index) over N periods:
  ``(B + S/N − E) / (B + S/N − Ec) × 100`` with ``B`` the AR at the end of the period
  before the N, ``S`` the credit sales of the N periods, ``E`` the AR at the end and
  ``Ec`` the current AR at the end. 100 % means everything collectable was collected.
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


def _months_back(day: date, months: int, month_end: bool) -> date:
    """``day`` moved back ``months`` months: to the month's last day if ``month_end``,
    else to the same day of the month (its last day when the month is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, last if month_end else min(day.day, last))


def periods(as_of: date, count: int) -> tuple[Period, ...]:
    """The ``count`` months ending on ``as_of``, oldest first. On a month's last day they
    are calendar months; on another day each runs from the day after the same day of the
    month before (30 Oct - 29 Nov), so every period is a whole month: a report on the
    1st does not count a one-day month as one of its N."""
    month_end = (as_of + timedelta(days=1)).day == 1
    ends = [_months_back(as_of, k, month_end) for k in range(count + 1)]
    return tuple(Period(ends[k + 1] + timedelta(days=1), ends[k])
                 for k in range(count - 1, -1, -1))


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

    @property
    def overdue_ar(self) -> Decimal:
        return self.ar - self.current_ar


def metrics(series: Sequence[MonthFigures], months: int) -> Metrics:
    """``series``: every period looked at, oldest first, at least ``months`` + 1 of them
    (the one before the N gives CEI its beginning AR); count-back walks the whole
    series."""
    if len(series) < months + 1:
        raise ValueError(f"metrics over {months} months need {months + 1} periods, "
                         f"got {len(series)}")
    window = series[-months:]
    ar, current_ar = series[-1].balances
    simple = simple_dso(ar, window)
    best = best_possible_dso(current_ar, window)
    return Metrics(
        ar=ar,
        current_ar=current_ar,
        sales=_days_of(window)[0],
        dso_count_back=count_back_dso(ar, [(f.sales, f.period.days)
                                           for f in reversed(series)]),
        dso_simple=simple,
        best_possible_dso=best,
        add=None if simple is None or best is None else simple - best,
        cei=cei(series[-months - 1].balances[0], window),
    )


def trend(series: Sequence[MonthFigures], months: int) -> list[tuple[Period, CountBack]]:
    """The count-back DSO at the end of each of the last ``months`` periods, each counted
    back over the periods up to it."""
    points = []
    for i in range(len(series) - months, len(series)):
        upto = series[: i + 1]
        points.append((series[i].period, count_back_dso(
            series[i].balances[0], [(f.sales, f.period.days) for f in reversed(upto)])))
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
