"""``/credit report``: the portfolio's collection metrics, the provision matrix and a
line per collector, as one card in the reader's language."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import takewhile

from slack_bolt import BoltContext

from domain.money import Money
from domain.reports.metrics import CountBack, Metrics, is_month_end
from domain.reports.use_cases import Book, PortfolioReport
from handlers.check.blocks import bucket_label
from handlers.deps import Deps
from handlers.i18n import N_, Translator
from handlers.render import (
    SECTION_TEXT,
    Block,
    Message,
    context,
    erp_text,
    fields,
    fitting,
    header,
    mention,
    message,
    section,
    user_text,
)

# Collectors listed on the card; the rest are counted (the weekly report has them all).
COLLECTORS_SHOWN = 15
# Customers with the largest allowances listed under the matrix.
ALLOWANCES_SHOWN = 5

TITLE = N_("Collections report")
NOT_AVAILABLE = N_("n/a")


def days_text(value: Decimal | None, tr: Translator) -> str:
    """Days to one decimal with their unit; n/a, without one, when there is no figure."""
    if value is None:
        return tr._(NOT_AVAILABLE)
    return tr._("{days} days", days=tr.tenths(value))


def add_as_shown(m: Metrics) -> Decimal | None:
    """ADD as the card and the post write it: the simple DSO less Best Possible DSO as
    each is shown, to the tenth, so that a reader's subtraction gives the figure beside
    them (52.5 − 28.9 = 23.6, where the exact 52.452 − 28.904 shows as 23.5)."""
    if m.dso_simple is None or m.best_possible_dso is None:
        return None
    tenth = Decimal("0.1")
    return (m.dso_simple.quantize(tenth, ROUND_HALF_UP)
            - m.best_possible_dso.quantize(tenth, ROUND_HALF_UP))


def measured_dso(dso: CountBack, ar: Decimal, sales: Decimal, tr: Translator) -> str:
    """The count-back DSO, or n/a with nothing owed and nothing sold to measure it by
    (a new deployment's first months, a lead on the card for a promise alone read "0.0
    days" beside every other figure's n/a); as the DSO chart leaves such a month out."""
    if ar <= 0 and sales <= 0:
        return tr._(NOT_AVAILABLE)
    return count_back_text(dso, tr)


def count_back_text(dso: CountBack, tr: Translator) -> str:
    days = tr.tenths(dso.days)
    if dso.exhausted:
        return tr._("{days} days", days=days)
    return tr._("more than {days} days", days=days)


def cei_months(report: PortfolioReport) -> dict[str, date]:
    """The first and last day of the calendar months CEI is over, as a message's values."""
    return {"first": report.cei_months.start, "last": report.cei_months.end}


MISSING_LINE = N_("Left out for want of an exchange rate: {currencies}")


def left_out_text(report: PortfolioReport, tr: Translator) -> str:
    """The currencies without a rate, each with what it leaves out of the figures."""
    each = [tr._("{currency} ({owed} owed)", currency=owed.currency, owed=tr.money(owed))
            for owed in report.left_out]
    return tr._(MISSING_LINE, currencies=tr.listing(each))


def percent(value: Decimal | None, tr: Translator) -> str:
    """A percentage (0-100) to one decimal; n/a when there is none (the card and the
    weekly post write them alike)."""
    if value is None:
        return tr._(NOT_AVAILABLE)
    return tr._("{value}%", value=tr.tenths(value))


def _percent(rate: Decimal, tr: Translator) -> str:
    # A rate is written with its decimals (12.5 %), never rounded to a whole percent.
    return tr._("{value}%", value=rate)


def _promises(book: Book, tr: Translator) -> str:
    return tr._("{kept} kept, {broken} broken", kept=book.promises_kept,
                broken=book.promises_broken)


def _disputes(book: Book, tr: Translator) -> str:
    if not book.disputes_resolved or book.dispute_days is None:
        return tr._("none resolved")
    return tr.ngettext("{n} resolved, in {days} days on average",
                       "{n} resolved, in {days} days on average", book.disputes_resolved,
                       days=tr.tenths(book.dispute_days))


def _portfolio(report: PortfolioReport, tr: Translator) -> Block:
    m = report.portfolio.metrics
    money = lambda amount: tr.money(Money(amount, report.currency))  # noqa: E731
    return fields(
        (tr._("DSO (count-back)"), measured_dso(m.dso_count_back, m.ar, m.sales, tr)),
        (tr.ngettext("DSO (simple, {n} month)", "DSO (simple, {n} months)", report.months),
         days_text(m.dso_simple, tr)),
        (tr._("Best Possible DSO"), days_text(m.best_possible_dso, tr)),
        (tr._("ADD (DSO simple − Best Possible)"),
         days_text(add_as_shown(m), tr)),
        # Over one month S and S/N are one figure: said once. The other stands when the
        # headline has no figure (B + S/N − Ec not above zero), as it does beside one.
        (tr.ngettext("CEI ({n} month)", "CEI ({n} months)", report.months), percent(m.cei, tr)
         if m.cei_all_sales is None or report.months == 1 else tr._(
             "{cei} (with S instead of S/N: {other})", cei=percent(m.cei, tr),
             other=percent(m.cei_all_sales, tr))),
        # As the provision matrix below adds them up, to the cent.
        (tr._("Receivables"), tr._("{ar}, overdue {overdue}", ar=money(report.open_total),
                                   overdue=money(report.overdue_total))),
        (tr._("Promises to pay"), _promises(report.portfolio, tr)),
        (tr._("Disputes"), _disputes(report.portfolio, tr)),
    )


def _trend(report: PortfolioReport, tr: Translator) -> str:
    points = "  ·  ".join(
        f"{tr.date(p.period.end)} {measured_dso(p.dso, p.ar, p.sales, tr)}"
        for p in report.trend)
    return tr._("DSO at each month end: {points}", points=points)


def _provision(report: PortfolioReport, tr: Translator) -> Block:
    money = lambda amount: tr.money(Money(amount, report.currency))  # noqa: E731
    lines = ["*" + tr._("Provision matrix") + "*"]
    for line in report.provision:
        lines.append(tr._("`{bucket}` {open} × {rate} = {allowance}",
                          bucket=bucket_label(line.bucket, tr), open=money(line.open_amount),
                          rate=_percent(line.rate, tr), allowance=money(line.allowance)))
    lines.append(tr._("*Total* {open}, allowance *{allowance}*", open=money(report.open_total),
                      allowance=money(report.allowance_total)))
    return section("\n".join(lines))


def _allowances(report: PortfolioReport, tr: Translator) -> Block | None:
    if not report.allowances:
        return None
    money = lambda amount: tr.money(Money(amount, report.currency))  # noqa: E731
    shown = report.allowances[:ALLOWANCES_SHOWN]
    lines = ["*" + tr._("Largest allowances") + "*"]
    lines += [tr._("{name} ({customer}): {allowance}",
                   name=erp_text(tr.name_of(a.name, a.name_local), 80),
                   customer=erp_text(a.customer_id, 40), allowance=money(a.allowance))
              for a in shown]
    rest = len(report.allowances) - len(shown)
    if rest:
        lines.append(tr.ngettext("and {n} more customer", "and {n} more customers", rest))
    return section("\n".join(lines))


def _collector_line(book: Book, shown: tuple[Decimal, Decimal], report: PortfolioReport,
                    tr: Translator) -> str:
    """``shown``: its receivables and overdue as the card shows them (adding up to the
    totals, PortfolioReport.collector_figures)."""
    m = book.metrics
    money = lambda amount: tr.money(Money(amount, report.currency))  # noqa: E731
    who = tr._("Nobody assigned") if book.collector is None else mention(book.collector)
    if book.legal:
        who = tr._("{who} (legal)", who=who)
    ar, overdue = shown
    figures = tr._("{ar}, overdue {overdue} · DSO {dso} · CEI {cei}", ar=money(ar),
                   overdue=money(overdue),
                   dso=measured_dso(m.dso_count_back, m.ar, m.sales, tr),
                   cei=percent(m.cei, tr))
    if not book.unassigned:
        figures += " · " + tr._("promises {promises}", promises=_promises(book, tr))
    return tr._("{who}: {figures}", who=who, figures=figures)


def _collectors(report: PortfolioReport, tr: Translator) -> Block:
    lines = ["*" + tr._("Per collector") + "*"]
    if not report.collectors:
        lines.append(tr._("No accounts are assigned to collectors yet."))
    # Lines while they fit in one section (a long list is counted, not cut mid-line).
    books = [_collector_line(book, figures, report, tr) for book, figures in list(zip(
        report.collectors, report.collector_figures(), strict=True))[:COLLECTORS_SHOWN]]
    shown = fitting(books, SECTION_TEXT - 100 - len("\n".join(lines)))
    lines += books[:shown]
    rest = len(report.collectors) - shown
    if rest:
        lines.append(tr.ngettext("and {n} more", "and {n} more", rest))
    return section("\n".join(lines))


# Which CEI: there are two in common use, and they differ by tens of points.
# So does more overdue than is owed in all.
OVERDUE_ABOVE_AR = N_("Overdue is more than the receivables: credit notes, owed to customers, "
                      "lower the receivables and count as not yet due, whatever their date.")
# A CEI below zero reads as a bug unless the card says how it comes about.
CEI_BELOW_ZERO = N_("CEI below zero: the receivables at the end (E) are more than those at "
                    "the start plus an average month's credit sales (B + S/N). Receivables "
                    "grew by more than a month of sales over the period, or invoices issued "
                    "before it are missing from the imports.")


# An "n/a" with no reason read as a bug (a short history, or credit notes above sales).
CEI_NOT_AVAILABLE = N_("CEI n/a: the receivables at the start plus an average month's "
                       "credit sales (B + S/N) are no more than those not yet due at the end "
                       "(Ec), so there is nothing collectable to measure against: the "
                       "history is shorter than the period, more than a month of sales is "
                       "not yet due (payment terms longer than a month, or sales growing "
                       "fast), or credit notes outweigh the sales.")


# Simple DSO counts the period's every day: months before the data began made a report
# in its first weeks read 112 days of DSO with no invoice older than 19.
SHORT_HISTORY = N_("Simple and Best Possible DSO count every day of the period, but nothing "
                   "was sold or owed before {day}: until the history covers the period "
                   "they read high (the count-back DSO does not).")


def data_start(report: PortfolioReport) -> date | None:
    """The first day with sales or receivables in the simple DSO's period, when months
    at its start have neither (the data began after them); else None."""
    empty = list(takewhile(lambda p: p.sales == 0 and p.ar == 0, report.trend))
    if not empty:
        return None
    if len(empty) < len(report.trend):
        return report.trend[len(empty)].period.start
    # Only the month to date is left; nothing in it either (nothing imported yet, a
    # report on a month end): every DSO reads n/a, none high.
    m = report.portfolio.metrics
    has_data = not is_month_end(report.as_of) and bool(m.sales or m.ar)
    return report.as_of.replace(day=1) if has_data else None


def cei_unexplained(m: Metrics) -> bool:
    """A CEI of n/a on a book with something in it: its causes are said under it (a book
    with nothing owed nor sold, nothing imported yet, says its own n/a)."""
    return m.cei is None and bool(m.ar or m.sales)


def below_zero(cei: Decimal | None) -> bool:
    return cei is not None and cei < 0


def report_card(report: PortfolioReport, timezone: str, tr: Translator) -> Message:
    blocks: list[Block] = [
        header(tr._(TITLE)),
        _portfolio(report, tr),
        context(_trend(report, tr)),
        _provision(report, tr),
    ]
    allowances = _allowances(report, tr)
    if allowances is not None:
        blocks.append(allowances)
    blocks.append(_collectors(report, tr))
    notes = [tr._("as of {day} ({zone}), in {currency}", day=report.as_of, zone=timezone,
                  currency=report.currency),
             tr.ngettext("CEI = (B + S/N − E) / (B + S/N − Ec) over the N = {n} calendar "
                         "month from {first} to {last}: B the receivables at its start, S/N "
                         "its credit sales, E and Ec the receivables and the current ones at "
                         "its end.",
                         "CEI = (B + S/N − E) / (B + S/N − Ec) over the N = {n} calendar "
                         "months from {first} to {last}: B the receivables at their start, "
                         "S/N their average monthly credit sales, E and Ec the receivables "
                         "and the current ones at their end.",
                         report.months, **cei_months(report))]
    if any(below_zero(book.metrics.cei) for book in (report.portfolio, *report.collectors)):
        notes.append(tr._(CEI_BELOW_ZERO))
    # A collector's n/a too (it came with no reason when the portfolio's had a figure).
    if any(cei_unexplained(book.metrics) for book in (report.portfolio, *report.collectors)):
        notes.append(tr._(CEI_NOT_AVAILABLE))
    if report.overdue_total > report.open_total:
        notes.append(tr._(OVERDUE_ABOVE_AR))
    if (began := data_start(report)) is not None:
        notes.append(tr._(SHORT_HISTORY, day=began))
    if not is_month_end(report.as_of):
        notes.append(tr.ngettext("Simple and Best Possible DSO: sales of that month and of "
                                 "the month to date, over their days.",
                                 "Simple and Best Possible DSO: sales of those months and of "
                                 "the month to date, over their days.", report.months))
    if report.missing_currencies:
        notes.append(left_out_text(report, tr))
    blocks.append(context(*notes))
    return message(tr._(TITLE), blocks)


NO_WORDS = N_("`{command}` takes nothing after it: it shows the whole portfolio as of "
              "today, with a line per collector; “{typed}” is not part of it. Type "
              "`{command}` alone.")


def report(context_: BoltContext, text: str) -> Message:
    deps: Deps = context_["deps"]
    if text.strip():
        # A word ignored reads as a filter that worked ("report acme" showing everything).
        said = context_["tr"]._(NO_WORDS, typed=user_text(text.strip(), 100),
                                command=context_["catalogue"].as_typed(context_, "report"))
        return message(said, [section(said)])
    found = deps.reports.view(context_["member"])
    return report_card(found, deps.timezone, context_["tr"])
