"""An alert is a condition of one customer's credit that someone should act on, with the
figures that triggered it. Its *condition* (type and subject) is what de-duplication
follows from one scan to the next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import IntEnum, StrEnum

from domain.money import Money
from domain.text import N_


class AlertType(StrEnum):
    # An account with overdue invoices; its level is the aging bucket of the oldest.
    OVERDUE = "overdue"
    # Exposure against the limit; its level counts the thresholds reached (the last,
    # 100 % by default, means at or over the limit).
    UTILISATION = "utilisation"
    # One overdue invoice worth at least the configured amount in the base currency.
    LARGE_INVOICE = "large_invoice"
    # A contract whose end date falls within the notice period.
    CONTRACT_EXPIRING = "contract_expiring"


# How each type is named in a digest's group heading.
TYPE_TITLES: dict[AlertType, str] = {
    AlertType.OVERDUE: N_("Overdue accounts"),
    AlertType.UTILISATION: N_("Credit limit use"),
    AlertType.LARGE_INVOICE: N_("Large overdue invoices"),
    AlertType.CONTRACT_EXPIRING: N_("Contracts expiring"),
}


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    CRITICAL = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def named(cls, label: str) -> Severity:
        return cls[label.upper()]


SEVERITY_TITLES: dict[Severity, str] = {
    Severity.CRITICAL: N_("Critical"),
    Severity.WARNING: N_("Warning"),
    Severity.INFO: N_("Info"),
}


class Change(StrEnum):
    """Why a condition is announced in this run."""

    NEW = "new"            # first seen
    WORSE = "worse"        # a later bucket, a higher threshold or severity
    BACK = "back"          # resolved since it was last announced, and here again
    SNOOZE_ENDED = "snooze_ended"


@dataclass(frozen=True)
class Subject:
    """The customer an alert is about, with what routing rules match on."""

    customer_id: str
    name: str
    owner: str | None = None
    department: str | None = None
    group: str | None = None
    country: str | None = None
    # Who collects the account (collections), when someone does: a digest line says so
    # rather than offering to assign one; ``collection``, how far collecting has gone (the
    # assignment's status: a promise, a dispute, legal), which the line says too.
    collector: str | None = None
    collection: str | None = None
    # Its legal name in the local script, when the ERP has one: a Chinese reader's name
    # for it on the digest and the Home.
    name_local: str | None = None
    # Its credit currency, which a route may match on.
    currency: str | None = None


@dataclass(frozen=True)
class Alert:
    """One condition found by a scan.

    ``key`` names the subject of the condition within its type (a customer, invoice or
    contract id); ``level`` orders how bad it is within its type, so that a higher level
    than the one last announced is "worse". ``amount`` is what a digest orders lines by
    (the overdue total, the exposure, the invoice's open amount), ``amount_in_base`` the
    same in the base currency so that lines in different currencies compare (None when
    there is no amount, or no rate to convert it). ``facts``
    are the other figures a reader needs, as text (JSON-safe, stored with the state)."""

    type: AlertType
    key: str
    subject: Subject
    severity: Severity
    level: int
    amount: Money | None
    amount_in_base: Decimal | None
    days: int | None = None
    facts: dict[str, str] = field(default_factory=dict)

    @property
    def condition(self) -> str:
        return condition_of(self.type, self.key)


def condition_of(kind: AlertType | str, key: str) -> str:
    return f"{AlertType(kind).value}:{key}"


# ``type:key`` as ``condition_of`` writes it, for a value that comes back from Slack. ERP
# ids are free text of up to 64 characters and may hold inner spaces ("INV 0001"), so a
# key may too; never a control character, nor a space at either end (the import strips
# cells).
CONDITION_PATTERN = (f"^({'|'.join(kind.value for kind in AlertType)}):"
                     r"[^\x00-\x20\x7f]([^\x00-\x1f\x7f]{0,198}[^\x00-\x20\x7f])?$")


@dataclass(frozen=True)
class AlertState:
    """What creditbot remembers of a condition between scans.

    ``announced_level`` is the highest level announced since the condition (re)opened;
    ``resolved_at`` is set when a scan no longer finds it. ``acknowledged_by`` and
    ``snoozed_until`` are people's answers; a worse level clears both."""

    condition: str
    type: AlertType
    customer_id: str
    level: int
    severity: Severity
    announced_level: int
    first_seen: datetime
    last_announced_at: datetime | None = None
    resolved_at: datetime | None = None
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    snoozed_until: datetime | None = None
    snoozed_by: str | None = None
    # The alert as last found: what the App Home and a re-rendered digest show.
    last: Alert | None = None
    version: int = 0
    # Who was told of it: each destination (channel or person) with the digest showing
    # its latest line there (0: told before creditbot kept this), edited when it is
    # answered, resolved or better; one a later announcement no longer reaches stays.
    # A destination a route sends it to now and not here, or whose digest Slack refused
    # for good, is told at the next run. None: a state from before this was kept.
    told: Mapping[str, int] | None = None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def snoozed_at(self, now: datetime) -> bool:
        return self.snoozed_until is not None and now < self.snoozed_until
