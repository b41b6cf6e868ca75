"""What a scan finds: every alert condition in the portfolio on one date.

The figures come from the portfolio's positions (two aggregate queries for every
customer) and two narrow lists storage selects in SQL: overdue invoices at or above the
large-invoice threshold, and contracts ending within the notice period. Nothing here
reads the database or knows what was announced before; ``dedup`` decides that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from domain.aging import AgingBuckets, days_past_due
from domain.alerts.model import Alert, AlertType, Severity, Subject
from domain.model import Customer
from domain.money import Money
from domain.positions import PortfolioEntry


@dataclass(frozen=True)
class Threshold:
    """Exposure at or above ``share`` of the limit (1 = the whole limit) is ``severity``."""

    share: Decimal
    severity: Severity


DEFAULT_THRESHOLDS = (Threshold(Decimal("0.8"), Severity.WARNING),
                      Threshold(Decimal("1"), Severity.CRITICAL))


@dataclass(frozen=True)
class WatchSettings:
    """What counts as an alert. ``large_invoice`` is in the base currency (None: not
    watched); overdue severity follows the aging bucket of the oldest overdue invoice:
    the last bucket (90+ by default) is critical, the first overdue bucket info, those
    between warning."""

    buckets: AgingBuckets
    thresholds: tuple[Threshold, ...] = DEFAULT_THRESHOLDS
    large_invoice: Money | None = None
    contract_notice_days: int = 30
    # A contract this close to its end is a warning rather than information.
    contract_warning_days: int = 7

    def __post_init__(self) -> None:
        shares = [t.share for t in self.thresholds]
        if shares != sorted(set(shares)) or any(s <= 0 for s in shares):
            raise ValueError("utilisation thresholds must be positive and increasing")

    def overdue_severity(self, bucket: int) -> Severity:
        last = len(self.buckets.edges) + 1
        if bucket >= last:
            return Severity.CRITICAL
        return Severity.INFO if bucket <= 1 else Severity.WARNING

    def severities(self) -> dict[AlertType, frozenset[Severity]]:
        """The severities each type of alert can have under these settings (none for a
        type not watched): a route waiting for another waits for ever."""
        overdue = frozenset(self.overdue_severity(bucket)
                            for bucket in range(1, len(self.buckets.edges) + 2))
        near = frozenset({Severity.WARNING} | (
            {Severity.INFO} if self.contract_notice_days > self.contract_warning_days else
            set()))
        return {
            AlertType.OVERDUE: overdue,
            AlertType.UTILISATION: frozenset(t.severity for t in self.thresholds),
            AlertType.LARGE_INVOICE: frozenset() if self.large_invoice is None else
            frozenset(max(Severity.WARNING, s) for s in overdue),
            AlertType.CONTRACT_EXPIRING: near,
        }


@dataclass(frozen=True)
class LargeInvoice:
    """An overdue invoice storage found at or above the threshold."""

    invoice_id: str
    customer_id: str
    due_date: date
    open_amount: Money
    in_base: Decimal


@dataclass(frozen=True)
class ExpiringContract:
    contract_id: str
    customer_id: str
    end_date: date
    credit_limit: Money | None


def subject_of(customer: Customer, collecting: tuple[str, str] | None = None) -> Subject:
    """``collecting``: who collects the account and how far it has gone, if anyone does."""
    collector, collection = collecting or (None, None)
    return Subject(customer.customer_id, customer.name, customer.owner_slack_id,
                   customer.department, customer.group_id, customer.country, collector,
                   collection, customer.name_local, customer.currency)


def detect(entries: Iterable[PortfolioEntry], large: Sequence[LargeInvoice],
           contracts: Sequence[ExpiringContract], settings: WatchSettings,
           as_of: date, collectors: Mapping[str, tuple[str, str]] | None = None
           ) -> list[Alert]:
    """Every condition on ``as_of``. A customer whose figures need an exchange rate that
    is missing is left out of the overdue and limit alerts (its card says why).
    ``collectors``: customer → who collects it, and the assignment's status."""
    alerts: list[Alert] = []
    subjects: dict[str, Subject] = {}
    collectors = collectors or {}
    for entry in entries:
        customer_id = entry.customer.customer_id
        subject = subjects[customer_id] = subject_of(entry.customer,
                                                     collectors.get(customer_id))
        if entry.position is None:
            continue
        base = entry.in_base
        overdue = _overdue(entry, subject, settings, base.overdue.amount if base else None)
        if overdue is not None:
            alerts.append(overdue)
        used = _utilisation(entry, subject, settings,
                            base.exposure.amount if base else None)
        if used is not None:
            alerts.append(used)
    if settings.large_invoice is not None:
        alerts.extend(_large(invoice, subjects, settings, as_of) for invoice in large
                      if invoice.customer_id in subjects
                      and invoice.in_base >= settings.large_invoice.amount
                      and invoice.due_date < as_of)
    alerts.extend(_contract(contract, subjects[contract.customer_id], settings, as_of)
                  for contract in contracts if contract.customer_id in subjects
                  and 0 <= (contract.end_date - as_of).days <= settings.contract_notice_days)
    return alerts


def _overdue(entry: PortfolioEntry, subject: Subject, settings: WatchSettings,
             in_base: Decimal | None) -> Alert | None:
    assert entry.position is not None
    aging = entry.position.aging
    if aging.oldest_overdue_days is None or aging.overdue.amount <= 0:
        return None
    bucket = settings.buckets.index_of(aging.oldest_overdue_days)
    return Alert(AlertType.OVERDUE, entry.customer.customer_id, subject,
                 settings.overdue_severity(bucket), bucket, aging.overdue.rounded(), in_base,
                 aging.oldest_overdue_days,
                 {"bucket": aging.labels[bucket],
                  "exposure": str(entry.position.exposure.rounded().amount)})


def _utilisation(entry: PortfolioEntry, subject: Subject, settings: WatchSettings,
                 in_base: Decimal | None) -> Alert | None:
    position = entry.position
    assert position is not None
    exposure = position.exposure
    if exposure.amount <= 0:
        return None
    used = position.utilisation
    # No limit at all, yet exposure: over every threshold.
    reached = (list(settings.thresholds) if used is None else
               [t for t in settings.thresholds if used >= t.share])
    if not reached:
        return None
    facts = {"limit": str(position.limit.rounded().amount)}
    if used is not None:
        # Toward zero, as the share is shown: 99.996 % rounded to even read "100% used"
        # in a digest with no over-the-limit line, where the card said 99 %. But never
        # down to 100 % from over it: $50 over a million read "100% used" beside "over
        # the limit".
        shown = used.quantize(Decimal("0.0001"), rounding=ROUND_DOWN)
        facts["utilisation"] = str(max(shown, Decimal("1.0001")) if used > 1 else shown)
    if position.over_limit:
        facts["over_by"] = str((-position.available).rounded().amount)
    return Alert(AlertType.UTILISATION, entry.customer.customer_id, subject,
                 max(t.severity for t in reached), len(reached), exposure.rounded(), in_base,
                 None, facts)


def _large(invoice: LargeInvoice, subjects: dict[str, Subject], settings: WatchSettings,
           as_of: date) -> Alert:
    days = days_past_due(invoice.due_date, as_of)
    severity = max(Severity.WARNING,
                   settings.overdue_severity(settings.buckets.index_of(days)))
    # Its level rises with its severity, so that turning critical is announced again.
    return Alert(AlertType.LARGE_INVOICE, invoice.invoice_id, subjects[invoice.customer_id],
                 severity, severity - Severity.INFO, invoice.open_amount.rounded(),
                 invoice.in_base, days,
                 {"invoice": invoice.invoice_id, "due": invoice.due_date.isoformat()})


def _contract(contract: ExpiringContract, subject: Subject, settings: WatchSettings,
              as_of: date) -> Alert:
    left = (contract.end_date - as_of).days
    near = left <= settings.contract_warning_days
    limit = contract.credit_limit
    return Alert(AlertType.CONTRACT_EXPIRING, contract.contract_id, subject,
                 Severity.WARNING if near else Severity.INFO, 2 if near else 1,
                 limit.rounded() if limit is not None else None, None, left,
                 {"contract": contract.contract_id, "ends": contract.end_date.isoformat()})
