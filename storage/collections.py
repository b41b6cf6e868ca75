"""The collections port (``uow.collections``): assignments, actions, promises, disputes
and legal cases in creditbot's own tables (migration 0010)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    CollectionChanged,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.money import Money
from storage.models import (
    CollectionActionRow,
    CollectionAssignmentRow,
    DisputeRow,
    LegalCaseRow,
    ProcessedRequestRow,
    PromiseRow,
)
from storage.versioned import VersionedStore

_A: Table = CollectionAssignmentRow.__table__  # type: ignore[assignment]
_N: Table = CollectionActionRow.__table__  # type: ignore[assignment]
_P: Table = PromiseRow.__table__  # type: ignore[assignment]
_D: Table = DisputeRow.__table__  # type: ignore[assignment]
_L: Table = LegalCaseRow.__table__  # type: ignore[assignment]
_R: Table = ProcessedRequestRow.__table__  # type: ignore[assignment]
_CHUNK = 500
_CLOSED = AssignmentStatus.CLOSED.value



def _assignment_values(a: Assignment) -> dict[str, Any]:
    return {"customer_id": a.customer_id, "collector": a.collector,
            "status": a.status.value, "next_action_on": a.next_action_on,
            "assigned_by": a.assigned_by, "assigned_at": a.assigned_at,
            "closed_at": a.closed_at, "closed_by": a.closed_by,
            "reminded_for": a.reminded_for, "flagged_since": a.flagged_since}


def _assignment(r: Any) -> Assignment:
    return Assignment(r.customer_id, r.collector, AssignmentStatus(r.status), r.assigned_by,
                      r.assigned_at, r.next_action_on, r.closed_at, r.closed_by, r.id,
                      r.version, r.reminded_for, r.flagged_since)


def _promise_values(p: Promise) -> dict[str, Any]:
    return {"customer_id": p.customer_id, "amount": p.amount.amount,
            "currency": p.amount.currency, "due_on": p.due_on,
            "invoice_ids": list(p.invoice_ids), "state": p.state.value,
            "made_by": p.made_by, "made_at": p.made_at, "checked_at": p.checked_at,
            **_paid_before_values(p),
            "paid_when_checked": p.paid_when_checked}


def _paid_before_values(p: Promise) -> dict[str, Any]:
    if p.paid_before_converted:
        # Made before migration 0037: its one figure, unchanged.
        return {"paid_before": p.paid_before_converted, "paid_before_by_currency": None}
    return {"paid_before": sum((m.amount for m in p.paid_before
                                if m.currency == p.amount.currency), Decimal(0)),
            "paid_before_by_currency": {m.currency: str(m.amount) for m in p.paid_before}}


def _promise(r: Any) -> Promise:
    return Promise(r.customer_id, Money(r.amount, r.currency), r.due_on,
                   tuple(r.invoice_ids or ()), PromiseState(r.state), r.made_by, r.made_at,
                   r.checked_at, r.id, r.version, _paid_before(r),
                   None if r.paid_when_checked is None else Decimal(r.paid_when_checked),
                   # Made before migration 0037: converted into its own currency then.
                   Decimal(r.paid_before or 0) if r.paid_before_by_currency is None
                   else Decimal(0))


def _paid_before(r: Any) -> tuple[Money, ...]:
    return tuple(Money(Decimal(amount), currency)
                 for currency, amount in sorted((r.paid_before_by_currency or {}).items()))


def _dispute_values(d: Dispute) -> dict[str, Any]:
    return {"customer_id": d.customer_id, "invoice_ids": list(d.invoice_ids),
            "reason": d.reason, "department": d.department, "owner": d.owner,
            "opened_by": d.opened_by, "opened_at": d.opened_at,
            "resolved_at": d.resolved_at, "resolved_by": d.resolved_by,
            "outcome": d.outcome}


def _dispute(r: Any) -> Dispute:
    return Dispute(r.customer_id, tuple(r.invoice_ids or ()), r.reason, r.department,
                   r.owner, r.opened_by, r.opened_at, r.resolved_at, r.resolved_by,
                   r.outcome, r.id, r.version)


def _legal_values(c: LegalCase) -> dict[str, Any]:
    return {"customer_id": c.customer_id, "opened_by": c.opened_by,
            "opened_at": c.opened_at, "note": c.note, "outcome": c.outcome,
            "closed_at": c.closed_at, "closed_by": c.closed_by}


def _legal(r: Any) -> LegalCase:
    return LegalCase(r.customer_id, r.opened_by, r.opened_at, r.note, r.outcome,
                     r.closed_at, r.id, r.version, r.closed_by)


def _action(r: Any) -> CollectionAction:
    return CollectionAction(r.customer_id, ActionKind(r.kind), r.outcome, r.by, r.at,
                            r.next_action_on, r.id)


class SqlCollectionStore(VersionedStore):
    changed = CollectionChanged

    # Assignments
    def add_assignment(self, assignment: Assignment) -> Assignment:
        try:
            return self._add(_A, _assignment_values(assignment), assignment)
        except IntegrityError:
            raise CollectionChanged(f"assignment of {assignment.customer_id}") from None

    def save_assignment(self, assignment: Assignment) -> Assignment:
        try:
            return self._save(_A, _assignment_values(assignment), assignment,
                              f"assignment of {assignment.customer_id}")
        except IntegrityError:  # reopening one while another is open
            raise CollectionChanged(f"assignment of {assignment.customer_id}") from None

    def open_assignment(self, customer_id: str) -> Assignment | None:
        row = self._execute(select(_A).where(_A.c.customer_id == customer_id,
                                             _A.c.status != _CLOSED)).first()
        return None if row is None else _assignment(row)

    def open_assignments(self, collector: str | None = None,
                         customer_ids: Sequence[str] | None = None) -> list[Assignment]:
        query = select(_A).where(_A.c.status != _CLOSED)
        if collector is not None:
            query = query.where(_A.c.collector == collector)
        if customer_ids is None:
            rows = list(self._execute(query.order_by(_A.c.customer_id)))
        else:
            ids, rows = list(customer_ids), []
            chunked = query.where(_A.c.customer_id.in_(bindparam("ids", expanding=True)))
            for start in range(0, len(ids), _CHUNK):
                rows += list(self._execute(chunked, {"ids": ids[start:start + _CHUNK]}))
            rows.sort(key=lambda r: r.customer_id)
        return [_assignment(r) for r in rows]

    def last_closed(self) -> dict[str, datetime]:
        still_open = select(_A.c.customer_id).where(_A.c.status != _CLOSED)
        rows = self._execute(
            select(_A.c.customer_id, func.max(_A.c.closed_at).label("closed_at"))
            .where(_A.c.status == _CLOSED, _A.c.closed_at.is_not(None),
                   _A.c.customer_id.not_in(still_open))
            .group_by(_A.c.customer_id))
        return {r.customer_id: r.closed_at for r in rows}

    def with_legal_case(self) -> set[str]:
        return {r.customer_id for r in self._execute(select(_L.c.customer_id).distinct())}

    # Actions
    def add_action(self, action: CollectionAction) -> CollectionAction:
        self.wrote = True
        row = self._execute(insert(_N).returning(_N.c.id), {
            "customer_id": action.customer_id, "kind": action.kind.value,
            "outcome": action.outcome, "next_action_on": action.next_action_on,
            "by": action.by, "at": action.at}).first()
        return dataclasses.replace(action, id=int(row.id))

    def actions(self, customer_id: str, limit: int = 50) -> list[CollectionAction]:
        rows = self._execute(select(_N).where(_N.c.customer_id == customer_id)
                             .order_by(_N.c.at.desc(), _N.c.id.desc()).limit(limit))
        return [_action(r) for r in rows]

    def action_count(self, customer_id: str) -> int:
        return int(self._execute(select(func.count()).select_from(_N)
                                 .where(_N.c.customer_id == customer_id)).scalar_one())

    # Promises
    def add_promise(self, promise: Promise) -> Promise:
        return self._add(_P, _promise_values(promise), promise)

    def save_promise(self, promise: Promise) -> Promise:
        return self._save(_P, _promise_values(promise), promise, f"promise {promise.id}")

    def promises(self, customer_id: str) -> list[Promise]:
        rows = self._execute(select(_P).where(_P.c.customer_id == customer_id)
                             .order_by(_P.c.made_at.desc(), _P.c.id.desc()))
        return [_promise(r) for r in rows]

    def promises_due(self, on_or_before: date) -> list[Promise]:
        rows = self._execute(select(_P).where(_P.c.state == PromiseState.OPEN.value,
                                              _P.c.due_on <= on_or_before)
                             .order_by(_P.c.due_on, _P.c.id))
        return [_promise(r) for r in rows]

    # Disputes
    def add_dispute(self, dispute: Dispute) -> Dispute:
        return self._add(_D, _dispute_values(dispute), dispute)

    def save_dispute(self, dispute: Dispute) -> Dispute:
        return self._save(_D, _dispute_values(dispute), dispute, f"dispute {dispute.id}")

    def disputes(self, customer_id: str) -> list[Dispute]:
        rows = self._execute(select(_D).where(_D.c.customer_id == customer_id)
                             .order_by(_D.c.opened_at.desc(), _D.c.id.desc()))
        return [_dispute(r) for r in rows]

    def open_disputes(self, customer_ids: Sequence[str] | None = None) -> list[Dispute]:
        query = select(_D).where(_D.c.resolved_at.is_(None))
        if customer_ids is not None:
            query = query.where(_D.c.customer_id.in_(list(customer_ids)))
        return [_dispute(r) for r in self._execute(query.order_by(_D.c.opened_at, _D.c.id))]

    # Legal
    def add_legal_case(self, case: LegalCase) -> LegalCase:
        return self._add(_L, _legal_values(case), case)

    def save_legal_case(self, case: LegalCase) -> LegalCase:
        return self._save(_L, _legal_values(case), case, f"legal case {case.id}")

    def legal_cases(self, customer_id: str) -> list[LegalCase]:
        rows = self._execute(select(_L).where(_L.c.customer_id == customer_id)
                             .order_by(_L.c.opened_at.desc(), _L.c.id.desc()))
        return [_legal(r) for r in rows]

    def claim_submission(self, key: str, at: datetime) -> bool:
        # In the record's own transaction: a form refused (rolled back) can be sent
        # again; a second identical one waits for the first (PostgreSQL's unique key,
        # SQLite's write lock) and then inserts nothing.
        dialect = self._session.get_bind().dialect.name
        insert_ = pg_insert if dialect == "postgresql" else sqlite_insert
        done = self._execute(insert_(_R).values(key=key[:200], seen_at=at)
                             .on_conflict_do_nothing(index_elements=["key"])
                             .returning(_R.c.key))
        self.wrote = True
        return done.first() is not None
