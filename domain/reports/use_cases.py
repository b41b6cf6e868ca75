"""Use cases of the reports capability: the portfolio's collection metrics and its
provision matrix (``Reports.portfolio``, what the weekly report job posts), and the
same for a person in Slack (``Reports.view``: access checked, the view recorded).

The database aggregates per collector and currency (``ReportQueries``); here they are
converted to the base currency at the rates known on the report date, summed into the
portfolio and each collector's book, and handed to ``domain.reports.metrics``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.currencies import minor_units
from domain.errors import MissingRate
from domain.fx import FxRates
from domain.messages import OutgoingMessage
from domain.model import SYSTEM, AuditEntry
from domain.money import Money
from domain.organisation_day import OrganisationDay
from domain.ports import UnitOfWork
from domain.reports.metrics import (
    COUNT_BACK_PERIODS,
    CountBack,
    Metrics,
    MonthFigures,
    Period,
    ProvisionLine,
    best_possible_trend,
    complete_months,
    is_month_end,
    metrics,
    periods,
    provision_lines,
    trend,
)
from domain.reports.ports import ReportQueries, SeriesRows
from domain.rounding import aged_shares, apportioned


def months_read(months: int) -> int:
    """The calendar months of sales a report over ``months`` reads: for the trend's
    first month end (N − 1 months before the last) a year before it for its count-back
    DSO and the N months up to it for its Best Possible DSO (with N = 7 a year left that
    first Best Possible DSO six months); N + 1 for CEI's beginning AR."""
    return max(COUNT_BACK_PERIODS + months - 1, 2 * months - 1, months + 1)
_BP = Decimal(10_000)


@dataclass(frozen=True)
class ReportSettings:
    """``provision_rates``: percent per aging bucket label; ``months``: N of CEI, of the
    simple DSO's sales and of the DSO trend."""

    provision_rates: Mapping[str, Decimal]
    months: int = 3


@dataclass(frozen=True)
class Book:
    """The metrics of the portfolio (``collector`` None) or of one collector's accounts
    (``collector`` None and ``unassigned`` True: the accounts nobody collects)."""

    collector: str | None
    metrics: Metrics
    promises_kept: int = 0
    promises_broken: int = 0
    disputes_resolved: int = 0
    dispute_days: Decimal | None = None  # average days from opened to resolved
    unassigned: bool = False
    # The collector is legal's owner of escalated accounts, not a collector: said so.
    legal: bool = False


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    sales: Decimal
    ar: Decimal
    current_ar: Decimal
    dso: CountBack
    # Over the report's N months up to this month end, as the report's own figure.
    best_possible: Decimal | None = None


@dataclass(frozen=True)
class CustomerAllowance:
    customer_id: str
    name: str
    name_local: str | None  # its legal name in the local script, when the ERP has one
    allowance: Decimal


def _named(names: Mapping[str, tuple[str, str | None]], customer_id: str
           ) -> tuple[str, str | None]:
    """A customer's names; its id for a name when it is gone from the customers."""
    return names.get(customer_id, (customer_id, None))


@dataclass(frozen=True)
class PortfolioReport:
    """Every amount is in ``currency`` (the base currency), not yet rounded."""

    as_of: date
    currency: str
    months: int
    portfolio: Book
    collectors: tuple[Book, ...]  # by AR, largest first; the unassigned last
    trend: tuple[TrendPoint, ...]  # the last ``months`` calendar month ends, oldest first
    provision: tuple[ProvisionLine, ...]
    allowances: tuple[CustomerAllowance, ...]  # every customer with one, largest first
    # Currencies without a rate on the day: their amounts are left out of every figure.
    missing_currencies: tuple[str, ...] = ()
    # What each of them leaves out: the receivables in it on the report date.
    left_out: tuple[Money, ...] = ()

    # The totals add up the lines as they are shown, each rounded to the currency's minor
    # unit: a total rounded on its own can differ from its lines' sum by a cent, which a
    # reader adding the matrix up takes for an error.
    @property
    def cei_months(self) -> Period:
        """From the first day of the N calendar months CEI is over to the last."""
        spans = periods(self.as_of, self.months)
        return Period(spans[0].start, spans[self.months - 1].end)

    @property
    def allowance_total(self) -> Decimal:
        return self._shown_sum(line.allowance for line in self.provision)

    @property
    def open_total(self) -> Decimal:
        return self._shown_sum(line.open_amount for line in self.provision)

    @property
    def overdue_total(self) -> Decimal:
        """The matrix's lines past the first (current) bucket, as shown."""
        return self._shown_sum(line.open_amount for line in self.provision[1:])

    def collector_figures(self) -> list[tuple[Decimal, Decimal]]:
        """Each of ``collectors``' receivables and overdue as shown, to the minor unit:
        apportioned so that the lines add up to ``open_total`` and ``overdue_total``
        (each line rounded on its own could be a cent off their sum)."""
        unit = Decimal(1).scaleb(-minor_units(self.currency))
        books = [b.metrics for b in self.collectors]
        return list(zip(apportioned(self.open_total, [m.ar for m in books], unit),
                        apportioned(self.overdue_total, [m.overdue_ar for m in books], unit),
                        strict=True))

    def _shown_sum(self, amounts: Iterable[Decimal]) -> Decimal:
        return sum((Money(a, self.currency).rounded().amount for a in amounts), Decimal(0))


@dataclass
class _Sums:
    sales: list[Decimal]
    ar: list[Decimal]
    current: list[Decimal]


# The weekly post's outbox kind, and the start of its dedup key.
WEEKLY = "reports.weekly"


def week_of(day: date) -> str:
    """The ISO week a report date falls in, e.g. 2026-W49: one weekly report each."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Reports(OrganisationDay):
    unit_of_work: Callable[[], UnitOfWork]
    queries: Callable[[UnitOfWork], ReportQueries]
    access: CreditDataAccess
    base_currency: str
    buckets: AgingBuckets
    settings: ReportSettings
    clock: Callable[[], datetime]
    zone: tzinfo
    # Who owns the accounts escalated to legal (their book is legal's, not a collector's).
    legal_owner: str | None = None

    def view(self, actor: Member) -> PortfolioReport:
        """The report as of today, for a person: confidential credit data."""
        now = self.clock()
        if not self.access.allows(actor):
            self._record(AuditEntry(now, actor.user_id, "reports.refused", "portfolio"))
            self.access.require(actor)
        report = self.portfolio(self.today())
        self._record(AuditEntry(now, actor.user_id, "reports.viewed", "portfolio",
                                {"as_of": report.as_of.isoformat()}))
        return report

    def _record(self, entry: AuditEntry) -> None:
        with self.unit_of_work() as uow:
            uow.audit.append(entry)
            uow.commit()

    def queue_weekly(self, now: datetime, channel: str,
                     message_of: Callable[[PortfolioReport, str], OutgoingMessage]
                     ) -> PortfolioReport | None:
        """Queues the week's report for ``channel`` once per ISO week of ``now``'s day:
        the report, or None when that week's was queued already (a retried job, a
        standby that took over). ``message_of`` draws the post; its dedup key is the one
        given. Audited ``reports.weekly_queued``; a job, so no access check."""
        as_of = now.astimezone(self.zone).date()
        key = f"{WEEKLY}:{channel}:{week_of(as_of)}"
        with self.unit_of_work() as uow:
            if uow.outbox.id_of(key) is not None:
                return None
        # Read and drawn outside the transaction that queues it: the post is the only write.
        report = self.portfolio(as_of)
        message = message_of(report, key)
        with self.unit_of_work() as uow:
            uow.begin_write()
            # A second run at the same moment drew the same report: only the one whose post
            # is queued first counts and audits it.
            if uow.outbox.add_new(message) is None:
                return None
            uow.audit.append(AuditEntry(now, SYSTEM, "reports.weekly_queued", week_of(as_of),
                                        {"channel": channel, "as_of": as_of.isoformat()}))
            uow.commit()
        return report

    def portfolio(self, as_of: date) -> PortfolioReport:
        months = self.settings.months
        spans = periods(as_of, months_read(months))
        ar_points = months + 1 + (not is_month_end(as_of))
        labels = self.buckets.labels
        rates_bp = [int(self.settings.provision_rates[label] * 100) for label in labels]
        with self.unit_of_work() as uow:
            reads = self.queries(uow)
            fx = FxRates.on_record(uow.rates, self.base_currency, as_of)
            # AR at the N month ends, the one before them and the report date.
            series = reads.series(spans, ar_points, self.buckets)
            allowance_rows = reads.allowances(as_of, self.buckets, rates_bp,
                                              series.posted_ahead, series.paid_ahead)
            names = reads.names()
            window = spans[len(spans) - ar_points + 1]
            promises = reads.promises(window.start, as_of)
            zone_start = datetime.combine(window.start, time(), self.zone)
            zone_end = datetime.combine(as_of + timedelta(days=1), time(), self.zone)
            disputes = reads.resolved_disputes(zone_start, zone_end)
        missing: set[str] = set()

        def factor(currency: str) -> Decimal | None:
            try:
                return fx.factor(currency, self.base_currency)
            except MissingRate:
                missing.add(currency)
                return None

        books = self._books(series, spans, ar_points, factor)
        kept: dict[str | None, int] = defaultdict(int)
        broken: dict[str | None, int] = defaultdict(int)
        for promise in promises:
            if promise.state not in ("kept", "broken"):
                continue  # still open, or replaced by a later one: not settled
            counts = kept if promise.state == "kept" else broken
            for who in (None, promise.made_by):
                counts[who] += promise.count
        resolved: dict[str | None, list[Decimal]] = defaultdict(list)
        for dispute in disputes:
            took = dispute.resolved_at - dispute.opened_at
            days = Decimal(took.total_seconds()) / Decimal(86_400)
            for who in (None, dispute.opened_by):
                resolved[who].append(days)

        def book(collector: str | None, figures: Sequence[MonthFigures],
                 unassigned: bool = False) -> Book:
            days = resolved.get(collector, []) if not unassigned else []
            return Book(collector, metrics(figures, months),
                        kept.get(collector, 0) if not unassigned else 0,
                        broken.get(collector, 0) if not unassigned else 0,
                        len(days), sum(days, Decimal(0)) / len(days) if days else None,
                        unassigned, collector is not None and collector == self.legal_owner)

        portfolio_figures = books.pop("", None) or self._empty(spans, ar_points)
        unassigned = books.pop(None, None)
        collectors = sorted((book(c, f) for c, f in books.items()),
                            key=lambda b: (-b.metrics.ar, b.collector or ""))
        # A collector with promises or disputes but no open accounts left still shows.
        for who in sorted({w for w in (*kept, *broken, *resolved) if w is not None}
                          - {c for c in books}):
            collectors.append(book(who, self._empty(spans, ar_points)))
        if unassigned is not None:
            collectors.append(book(None, unassigned, unassigned=True))
        open_by_bucket: dict[str, Decimal] = defaultdict(Decimal)
        for row in series.open_by_bucket:
            f = factor(row.currency)
            if f is None:
                continue
            for label, amount in zip(labels, row.open_by_bucket, strict=True):
                open_by_bucket[label] += amount * f
        allowances: dict[str, Decimal] = defaultdict(Decimal)
        for line in allowance_rows:
            f = factor(line.currency)
            if f is None:
                continue
            allowances[line.customer_id] += line.weighted / _BP * f
        # A currency with no figure at all (its customers' invoices all later than the
        # report date) leaves nothing out: not named.
        owed = {row.currency: row.ar[-1] for row in series.portfolio
                if any(row.sales) or any(row.ar)}
        owed.update({row.currency: owed.get(row.currency, Decimal(0))
                     for row in series.open_by_bucket if any(row.open_by_bucket)})
        left_out = tuple(Money(owed[c], c) for c in sorted(missing) if c in owed)
        portfolio_trend = tuple(
            TrendPoint(period, figures.sales, *figures.balances, dso, best)
            for (period, dso), figures, best in zip(
                trend(portfolio_figures, months),
                complete_months(portfolio_figures)[-months:],
                best_possible_trend(portfolio_figures, months), strict=True))
        return PortfolioReport(
            as_of=as_of,
            currency=self.base_currency,
            months=months,
            portfolio=book(None, portfolio_figures),
            collectors=tuple(collectors),
            trend=portfolio_trend,
            # Each line from its open amount as shown, so that it reads right by hand:
            # $2,216,364.35 × 10% is $221,636.44, not the .43 of the unrounded amount.
            provision=tuple(provision_lines(
                self._shown_buckets(open_by_bucket, labels),
                self.settings.provision_rates, labels)),
            allowances=tuple(sorted(
                (CustomerAllowance(c, *_named(names, c), a) for c, a in allowances.items()),
                key=lambda x: (-x.allowance, x.customer_id))),
            missing_currencies=tuple(c.currency for c in left_out),
            left_out=left_out,
        )

    def _shown_buckets(self, open_by_bucket: Mapping[str, Decimal],
                       labels: Sequence[str]) -> dict[str, Decimal]:
        """Each bucket's open amount to the cent, apportioned so that they add up to the
        whole and the overdue each rounded once (``aged_shares``): each bucket rounded on
        its own moved the total a cent when invoices only aged from one bucket into the
        next ($10,752,522.05 one day, .04 a week later, with no new data), and the
        overdue apportioned with the current was a cent off the portfolio's."""
        exact = [open_by_bucket.get(label, Decimal(0)) for label in labels]
        unit = Decimal(1).scaleb(-minor_units(self.base_currency))
        return dict(zip(labels, aged_shares(exact, unit), strict=True))

    @staticmethod
    def _empty(spans: Sequence[Period], ar_points: int) -> list[MonthFigures]:
        zero = Decimal(0)
        first_ar = len(spans) - ar_points
        return [MonthFigures(p, zero, *((zero, zero) if i >= first_ar else (None, None)))
                for i, p in enumerate(spans)]

    @staticmethod
    def _books(series: SeriesRows, spans: Sequence[Period], ar_points: int,
               factor: Callable[[str], Decimal | None]
               ) -> dict[str | None, list[MonthFigures]]:
        """Per collector, the series in the base currency; ``""``: the whole portfolio;
        ``None``: the accounts nobody is assigned (the portfolio less the collectors')."""
        sums: dict[str | None, _Sums] = {}

        def book(key: str | None) -> _Sums:
            found = sums.get(key)
            if found is None:
                zero = [Decimal(0)]
                found = sums[key] = _Sums(zero * len(spans), zero * ar_points,
                                          zero * ar_points)
            return found

        for rows, sign in ((series.portfolio, 1), (series.collectors, -1)):
            for row in rows:
                f = factor(row.currency)
                if f is None:
                    continue
                keys: tuple[tuple[str | None, int], ...] = (
                    (("", 1), (None, 1)) if sign > 0 else ((row.collector, 1), (None, -1)))
                for key, times in keys:
                    into = book(key)
                    for i, amount in enumerate(row.sales):
                        into.sales[i] += amount * f * times
                    for i, amount in enumerate(row.ar):
                        into.ar[i] += amount * f * times
                    for i, amount in enumerate(row.current_ar):
                        into.current[i] += amount * f * times
        unassigned = sums.get(None)
        if unassigned is not None and not any((*unassigned.sales, *unassigned.ar)):
            del sums[None]
        first_ar = len(spans) - ar_points
        books: dict[str | None, list[MonthFigures]] = {}
        for key, s in sums.items():
            books[key] = [
                MonthFigures(p, s.sales[i], *(
                    (s.ar[i - first_ar], s.current[i - first_ar]) if i >= first_ar
                    else (None, None)))
                for i, p in enumerate(spans)]
        return books
