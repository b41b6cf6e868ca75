"""The alerts port (``uow.alerts``): condition states, digests, and the two narrow
selections a scan needs besides the portfolio (large overdue invoices, contracts
ending). Alerts are stored as JSON with their figures as text, so a Decimal never
passes through a float."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Float, Table, and_, case, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.alerts.dedup import Announcement
from domain.alerts.detect import ExpiringContract, LargeInvoice
from domain.alerts.digest import DigestLine
from domain.alerts.model import Alert, AlertState, AlertType, Change, Severity, Subject
from domain.alerts.ports import Digest
from domain.alerts.use_cases import AlertChanged
from domain.messages import MessageId
from domain.model import INVOICE_STATUSES_IN_EXPOSURE
from domain.money import Money
from storage.models import AlertDigestRow, AlertStateRow, ContractRow, InvoiceRow, OutboxRow

_STATES: Table = AlertStateRow.__table__  # type: ignore[assignment]
_DIGESTS: Table = AlertDigestRow.__table__  # type: ignore[assignment]
_I: Table = InvoiceRow.__table__  # type: ignore[assignment]
_C: Table = ContractRow.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxRow.__table__  # type: ignore[assignment]
T = TypeVar("T")
# The refusal that inviting the bot fixes (handlers.delivery.sender gives the fix).
INVITE_FIXES = "not_in_channel"
_OPEN_INVOICE = [s.value for s in INVOICE_STATUSES_IN_EXPOSURE]
# Bound parameters per IN (…): well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


def alert_to_json(alert: Alert) -> dict[str, Any]:
    subject = alert.subject
    subject_json = {"customer_id": subject.customer_id, "name": subject.name,
                    "owner": subject.owner, "department": subject.department,
                    "group": subject.group, "country": subject.country}
    if subject.collector is not None:
        # Only when there is one: stored alerts stay readable by a release before it.
        subject_json["collector"] = subject.collector
    if subject.collection is not None:
        subject_json["collection"] = subject.collection
    if subject.name_local is not None:
        subject_json["name_local"] = subject.name_local
    if subject.currency is not None:
        subject_json["currency"] = subject.currency
    return {
        "type": alert.type.value, "key": alert.key, "severity": int(alert.severity),
        "level": alert.level,
        "amount": None if alert.amount is None else str(alert.amount.amount),
        "currency": None if alert.amount is None else alert.amount.currency,
        "in_base": None if alert.amount_in_base is None else str(alert.amount_in_base),
        "days": alert.days, "facts": dict(alert.facts),
        "subject": subject_json,
    }


def alert_from_json(data: Mapping[str, Any]) -> Alert:
    amount = data.get("amount")
    in_base = data.get("in_base")
    return Alert(
        AlertType(data["type"]), data["key"], Subject(**data["subject"]),
        Severity(data["severity"]), int(data["level"]),
        None if amount is None else Money(Decimal(amount), data["currency"]),
        None if in_base is None else Decimal(in_base), data.get("days"),
        dict(data.get("facts") or {}))


def _line_to_json(line: DigestLine) -> dict[str, Any]:
    announcement = line.announcement
    before = announcement.before
    return {"alert": alert_to_json(announcement.alert), "change": announcement.change.value,
            "before": None if before is None else alert_to_json(before)}


def _line_from_json(data: Mapping[str, Any]) -> DigestLine:
    before = data.get("before")
    return DigestLine(Announcement(alert_from_json(data["alert"]), Change(data["change"]),
                                   None if before is None else alert_from_json(before)))


def _state_values(state: AlertState) -> dict[str, Any]:
    return {
        "type": state.type.value, "customer_id": state.customer_id, "level": state.level,
        "severity": int(state.severity), "announced_level": state.announced_level,
        "first_seen": state.first_seen, "last_announced_at": state.last_announced_at,
        "resolved_at": state.resolved_at, "acknowledged_by": state.acknowledged_by,
        "acknowledged_at": state.acknowledged_at, "snoozed_until": state.snoozed_until,
        "snoozed_by": state.snoozed_by,
        "last": {} if state.last is None else alert_to_json(state.last),
        "told": None if state.told is None else dict(state.told),
    }


def _state_from_row(row: Any) -> AlertState:
    return AlertState(
        row.condition, AlertType(row.type), row.customer_id, row.level,
        Severity(row.severity), row.announced_level, row.first_seen, row.last_announced_at,
        row.resolved_at, row.acknowledged_by, row.acknowledged_at, row.snoozed_until,
        row.snoozed_by, alert_from_json(row.last) if row.last else None, row.version,
        None if row.told is None else {str(k): int(v) for k, v in row.told.items()})


def _chunks(items: Sequence[T]) -> list[Sequence[T]]:
    return [items[i:i + _CHUNK] for i in range(0, len(items), _CHUNK)]


class SqlAlertStore:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.wrote = False

    def _execute(self, statement: Any, params: Any = None) -> Any:
        return self._session.connection().execute(statement, params)

    def open_states(self) -> dict[str, AlertState]:
        rows = self._execute(select(_STATES).where(_STATES.c.resolved_at.is_(None)))
        return {row.condition: _state_from_row(row) for row in rows}

    def states(self, conditions: Collection[str]) -> dict[str, AlertState]:
        found: dict[str, AlertState] = {}
        for chunk in _chunks(sorted(set(conditions))):
            rows = self._execute(select(_STATES).where(_STATES.c.condition.in_(chunk)))
            found.update((row.condition, _state_from_row(row)) for row in rows)
        return found

    def save(self, states: Sequence[AlertState]) -> None:
        if not states:
            return
        self.wrote = True
        new = [{"condition": s.condition, "version": 1, **_state_values(s)}
               for s in states if s.version == 0]
        if new:
            # Another scan inserted the same condition first (a run by hand during the
            # scheduled one): the caller decides again from the states as they are now.
            try:
                with self._session.begin_nested():
                    self._execute(insert(_STATES), new)
            except IntegrityError:
                raise AlertChanged() from None
        for state in states:
            if state.version == 0:
                continue
            done = self._execute(
                update(_STATES)
                .where(_STATES.c.condition == state.condition,
                       _STATES.c.version == state.version)
                .values(version=state.version + 1, **_state_values(state)))
            if done.rowcount != 1:
                raise AlertChanged()

    def large_overdue_invoices(self, as_of: date, minimum: Mapping[str, Decimal],
                               limit: int) -> list[LargeInvoice]:
        if not minimum:
            return []
        at_least = or_(*(and_(_I.c.currency == currency, _I.c.open_amount >= amount)
                         for currency, amount in sorted(minimum.items())))
        # Largest in the base currency: the amount over the threshold in its own
        # currency (500 invoices of ¥20M came before $1M ones by their figures).
        # A float weight: SQLite keeps amounts as integers, and divides them as such.
        times = case(*((_I.c.currency == currency,
                        _I.c.open_amount * literal(float(1 / amount), Float))
                       for currency, amount in sorted(minimum.items()) if amount > 0),
                     else_=_I.c.open_amount)
        rows = self._execute(
            select(_I.c.invoice_id, _I.c.customer_id, _I.c.due_date, _I.c.open_amount,
                   _I.c.currency)
            .where(_I.c.status.in_(_OPEN_INVOICE), _I.c.due_date < as_of, at_least)
            .order_by(times.desc(), _I.c.invoice_id).limit(limit))
        return [LargeInvoice(row.invoice_id, row.customer_id, row.due_date,
                             Money(row.open_amount, row.currency), Decimal(0))
                for row in rows]

    def contracts_ending(self, first: date, last: date) -> list[ExpiringContract]:
        rows = self._execute(
            select(_C).where(_C.c.end_date >= first, _C.c.end_date <= last)
            .order_by(_C.c.end_date, _C.c.contract_id))
        return [ExpiringContract(
            row.contract_id, row.customer_id, row.end_date,
            Money(row.credit_limit, row.currency)
            if row.credit_limit is not None and row.currency else None) for row in rows]

    def add_digest(self, run_at: datetime, destination: str,
                   lines: Sequence[DigestLine]) -> int:
        self.wrote = True
        row = self._execute(insert(_DIGESTS).values(
            run_at=run_at, destination=destination,
            lines=[_line_to_json(line) for line in lines], pages=[]
        ).returning(_DIGESTS.c.id)).first()
        return int(row.id)

    def set_pages(self, digest_id: int, pages: Sequence[MessageId]) -> None:
        self.wrote = True
        self._execute(update(_DIGESTS).where(_DIGESTS.c.id == digest_id)
                      .values(pages=list(pages)))

    def digest(self, digest_id: int) -> Digest | None:
        row = self._execute(select(_DIGESTS).where(_DIGESTS.c.id == digest_id)).first()
        return None if row is None else _digest(row)

    def lock_run(self, run_at: datetime) -> None:
        # Row locks on PostgreSQL; SQLite has none to take (and needs none: a writing
        # unit of work holds the database's write lock from its first read).
        self._execute(select(_DIGESTS.c.id).where(_DIGESTS.c.run_at == run_at)
                      .with_for_update()).all()

    def still_overdue(self, invoice_ids: Sequence[str], as_of: date) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(invoice_ids))):
            found.update(self._execute(select(_I.c.invoice_id).where(
                _I.c.invoice_id.in_(chunk), _I.c.status.in_(_OPEN_INVOICE),
                _I.c.due_date < as_of)).scalars())
        return found

    def refused_digests(self, digest_ids: Collection[int]) -> set[int]:
        # The first page carries the digest: a channel Slack refuses refuses it first.
        # Only what an invite fixes: an archived channel or a person who left would be
        # tried, and the admins told, every day for nothing.
        refused: set[int] = set()
        for chunk in _chunks(sorted(set(digest_ids))):
            rows = self._execute(select(_DIGESTS.c.id, _DIGESTS.c.pages)
                                 .where(_DIGESTS.c.id.in_(chunk)))
            firsts = {int(row.pages[0]): row.id for row in rows if row.pages}
            if firsts:
                failed = self._execute(select(_OUTBOX.c.id).where(
                    _OUTBOX.c.id.in_(sorted(firsts)), _OUTBOX.c.failed_at.is_not(None),
                    _OUTBOX.c.last_error == INVITE_FIXES))
                refused.update(firsts[row.id] for row in failed)
        return refused

    def digests_with(self, conditions: Collection[str], run_at: datetime) -> list[Digest]:
        rows = self._execute(select(_DIGESTS).where(_DIGESTS.c.run_at == run_at)
                             .order_by(_DIGESTS.c.id))
        digests = [_digest(row) for row in rows]
        return [d for d in digests if any(line.condition in conditions for line in d.lines)]


def _digest(row: Any) -> Digest:
    return Digest(row.id, row.run_at, row.destination,
                  [_line_from_json(line) for line in row.lines], [int(p) for p in row.pages])
