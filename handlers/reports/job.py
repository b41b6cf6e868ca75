"""The weekly ``report`` job: the portfolio's collection metrics posted to the finance
channel (``reports.post_to`` in app.yaml) in that channel's language, with two charts:
aging (open amount per days-past-due bucket) and the DSO trend (count-back DSO and Best
Possible DSO per month).

It goes out as one Slack post: the summary is the comment of the two charts' file share
(Slack's file shares take text, not blocks). The post goes through the outbox with its
PNGs (``domain.messages.Attachment``), so a Slack outage delays it and a retry never
doubles it; its dedup key names the channel and the ISO week of the report date, so a
second run in the same week (a retried job, a standby that took over) queues nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.errors import RecordsUnavailable
from domain.messages import Attachment, OutgoingMessage
from domain.money import Money
from domain.reports.use_cases import WEEKLY, PortfolioReport, Reports, week_of
from domain.retry import retried_after_pauses
from handlers.i18n import N_, Translator
from handlers.registry import JobCannotRun
from handlers.reports.card import (
    CEI_BELOW_ZERO,
    CEI_NOT_AVAILABLE,
    OVERDUE_ABOVE_AR,
    SHORT_HISTORY,
    add_as_shown,
    below_zero,
    cei_months,
    cei_unexplained,
    data_start,
    days_text,
    left_out_text,
    measured_dso,
    percent,
)
from handlers.reports.charts import AgingBar, DsoPoint, aging_chart, dso_chart

log = logging.getLogger("creditbot.reports")

TITLE = N_("*Weekly collections report*, {date}")
# Said with its formula: ADD comes from the simple DSO, not the count-back one above it.
ADD_LINE = N_("Average days delinquent: {add} (ADD = DSO (simple) − Best Possible DSO)")
CEI_LINE = N_("Collection effectiveness (CEI) from {first} to {last}: {cei}")
OPEN_LINE = N_("Open receivables: {open}, of which overdue: {overdue} ({share})")
PROMISES_LINE = N_("Promises to pay: {kept} kept, {broken} broken")
DISPUTES_LINE = N_("Disputes resolved: {count}, in {days} on average")
NO_DISPUTES = N_("Disputes resolved: none")
PROVISION_LINE = N_("Provision for doubtful accounts: {allowance}")
CHARTS_LINE = N_("Charts: open receivables per days past due ({currency}; ≤0 is not yet "
                 "due); DSO per month (line) against Best Possible DSO (dashes), in days.")
AGING_TITLE = N_("Aging")
AGING_ALT = N_("Open receivables per days past due, in {currency}")
DSO_TITLE = N_("DSO trend")
DSO_ALT = N_("Count-back DSO and Best Possible DSO per month, in days")


def summary_text(report: PortfolioReport, tr: Translator) -> str:
    """The whole post's text, in the reader's language."""
    metrics = report.portfolio.metrics
    lines = [
        tr._(TITLE, date=report.as_of),
        # Each figure with its unit, or n/a without one.
        tr.ngettext("DSO (count-back): {dso} · DSO (simple, {n} month): {simple} · Best "
                    "Possible DSO: {best}",
                    "DSO (count-back): {dso} · DSO (simple, {n} months): {simple} · Best "
                    "Possible DSO: {best}", report.months,
                    dso=measured_dso(metrics.dso_count_back, metrics.ar, metrics.sales, tr),
                    simple=days_text(metrics.dso_simple, tr),
                    best=days_text(metrics.best_possible_dso, tr)),
        tr._(ADD_LINE, add=days_text(add_as_shown(metrics), tr)),
        *([tr._(SHORT_HISTORY, day=began)] if (began := data_start(report)) else []),
        tr._(CEI_LINE, cei=percent(metrics.cei, tr), **cei_months(report)),
        *([tr._(CEI_BELOW_ZERO)] if below_zero(metrics.cei) else []),
        *([tr._(CEI_NOT_AVAILABLE)] if cei_unexplained(metrics) else []),
        # As the report card shows them: its provision matrix's lines added up.
        tr._(OPEN_LINE, open=Money(report.open_total, report.currency),
             overdue=Money(report.overdue_total, report.currency),
             # Of the figures beside it; none of receivables that are none or negative
             # (credit notes above the debts): "0.0%" of -1,250 read as all paid.
             share=percent(report.overdue_total / report.open_total * 100
                           if report.open_total > 0 else None, tr)),
        *([tr._(OVERDUE_ABOVE_AR)] if report.overdue_total > report.open_total else []),
        tr._(PROMISES_LINE, kept=report.portfolio.promises_kept,
             broken=report.portfolio.promises_broken),
    ]
    book = report.portfolio
    if book.disputes_resolved:
        lines.append(tr._(DISPUTES_LINE, count=book.disputes_resolved,
                          days=days_text(book.dispute_days, tr)))
    else:
        lines.append(tr._(NO_DISPUTES))
    lines.append(tr._(PROVISION_LINE, allowance=Money(report.allowance_total, report.currency)))
    if report.missing_currencies:
        lines.append(left_out_text(report, tr))
    lines.append(tr._(CHARTS_LINE, currency=report.currency))
    return "\n".join(lines)


def charts(report: PortfolioReport, tr: Translator) -> tuple[Attachment, Attachment]:
    """The aging and DSO charts as files named for the report's week."""
    week = week_of(report.as_of)
    bars = [AgingBar(line.bucket, line.open_amount) for line in report.provision]
    points = [DsoPoint(p.period.start, p.dso.days if p.sales > 0 or p.ar > 0 else None,
                       p.best_possible, not p.dso.exhausted) for p in report.trend]
    return (Attachment(f"aging-{week}.png", tr._(AGING_TITLE),
                       aging_chart(bars, report.currency),
                       tr._(AGING_ALT, currency=report.currency)),
            Attachment(f"dso-{week}.png", tr._(DSO_TITLE), dso_chart(points), tr._(DSO_ALT)))


class NoReportChannel(JobCannotRun):
    """app.yaml names no department for the weekly report: said by the job's run."""


@dataclass(frozen=True)
class WeeklyReport:
    """Queues the week's report for the channel, once per ISO week
    (``Reports.queue_weekly``). ``channel`` None: ``department`` (reports.post_to) is
    not under departments in app.yaml."""

    reports: Reports
    channel: str | None
    translate: Translator
    department: str = "finance"

    def post(self, now: datetime) -> dict[str, int]:
        if self.channel is None:
            raise NoReportChannel(
                f"the weekly report goes to the channel of departments.{self.department} "
                "(reports.post_to in app.yaml), which is not there: add that department, "
                "or set reports.post_to to one that is")
        channel = self.channel

        def message(report: PortfolioReport, key: str) -> OutgoingMessage:
            return OutgoingMessage(channel=channel, kind=WEEKLY,
                                   text=summary_text(report, self.translate),
                                   files=charts(report, self.translate), dedup_key=key)

        report = self.reports.queue_weekly(now, channel, message)
        if report is None:
            return {"posted": 0, "already_posted": 1}
        if report.missing_currencies:
            log.warning("weekly report: %s left out, no exchange rate on %s",
                        ", ".join(report.missing_currencies), report.as_of)
        return {"posted": 1, "already_posted": 0}


def run_report(context: Mapping[str, Any],
               sleep: Callable[[float], None] = time.sleep) -> dict[str, int]:
    """The scheduler's entry point."""
    weekly: WeeklyReport = context["weekly_report"]
    # A failed run is made up by `creditbot jobs run report` any day of the same week,
    # which posts the week's report once.
    posted, _ = retried_after_pauses(
        lambda: weekly.post(context["now"]), RecordsUnavailable,
        lambda tried, pause: log.warning("weekly report: the credit records did not answer "
                                         "(try %d); trying again in %.0f s", tried, pause),
        sleep)
    return posted

