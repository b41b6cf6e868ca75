"""The credit requests port (``uow.credit_requests``): requests with their version,
decisions unique per (request, level), delegations, and the limits creditbot approved.

A lost race surfaces here as ``RequestChanged``: an update whose version moved on, or
an insert the unique indexes refuse (a second decision of a level, a second open
request about one subject, a second limit change of one request). The use case rolls
back and reads again, so the person hears who won."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.approvals.model import (
    AskedIn,
    ChangeKind,
    CreditRequest,
    Decision,
    Delegation,
    Level,
    LimitChange,
    Outcome,
    Question,
    RequestKind,
    RequestState,
    TermsChange,
    Withdrawn,
    effective_limit,
)
from domain.approvals.rules import RequestChanged
from domain.model import Order, OrderStatus
from domain.money import Money
from storage.models import (
    CreditRequestRow,
    CustomerRow,
    DeadlineMarkRow,
    DelegationRow,
    LimitChangeRow,
    OrderRow,
    RequestDecisionRow,
    RequestQuestionRow,
    TermsChangeRow,
)

_R: Table = CreditRequestRow.__table__  # type: ignore[assignment]
_D: Table = RequestDecisionRow.__table__  # type: ignore[assignment]
_Q: Table = RequestQuestionRow.__table__  # type: ignore[assignment]
_G: Table = DelegationRow.__table__  # type: ignore[assignment]
_L: Table = LimitChangeRow.__table__  # type: ignore[assignment]
_T: Table = TermsChangeRow.__table__  # type: ignore[assignment]
_CUSTOMERS: Table = CustomerRow.__table__  # type: ignore[assignment]
_O: Table = OrderRow.__table__  # type: ignore[assignment]
_M: Table = DeadlineMarkRow.__table__  # type: ignore[assignment]
# Bound parameters per IN (…): well under SQLite's and PostgreSQL's limits.
_CHUNK = 500
T = TypeVar("T")


def _money(amount: Decimal | None, currency: str | None) -> Money | None:
    return None if amount is None or currency is None else Money(amount, currency)


def _asked_in(row: Any) -> AskedIn | None:
    asked = _money(row.asked_amount, row.asked_currency)
    if asked is None or row.asked_rate is None:
        return None
    return AskedIn(asked, bool(row.asked_increase), row.asked_rate)


def _request_values(request: CreditRequest) -> dict[str, Any]:
    limits = request.new_limit or request.current_limit
    asked = request.asked_in
    return {
        "kind": request.kind.value, "state": request.state.value,
        "customer_id": request.customer_id, "customer_name": request.customer_name,
        "customer_name_local": request.customer_name_local,
        "requested_by": request.requested_by, "filed_at": request.filed_at,
        "reason": request.reason, "currency": limits.currency if limits else None,
        "current_limit": request.current_limit.amount if request.current_limit else None,
        "new_limit": request.new_limit.amount if request.new_limit else None,
        "asked_limit": request.asked_limit.amount if request.asked_limit else None,
        "increase": request.increase.amount if request.increase else None,
        "expires_on": request.expires_on, "order_id": request.order_id,
        "order_reference": request.order_reference,
        "order_amount": request.order_amount.amount if request.order_amount else None,
        "order_currency": request.order_amount.currency if request.order_amount else None,
        "current_terms_days": request.current_terms_days, "terms_days": request.terms_days,
        "asked_amount": asked.amount.amount if asked else None,
        "asked_currency": asked.amount.currency if asked else None,
        "asked_increase": asked.increase if asked else None,
        "asked_rate": asked.rate if asked else None,
        "measured": request.measured.amount, "measured_currency": request.measured.currency,
        "route": [{"role": level.role, "deadline_hours": level.deadline_hours,
                   "escalate_to": level.escalate_to, "post_to": level.post_to}
                  for level in request.route],
        "level": request.level, "level_since": request.level_since,
        "level_deadline": request.level_deadline,
        "closed_at": request.closed_at, "closed_by": request.closed_by,
        "closed_note": request.closed_note.value if request.closed_note else None,
        "open_key": request.open_key if request.is_open else None,
    }


def _request(row: Any) -> CreditRequest:
    return CreditRequest(
        kind=RequestKind(row.kind), customer_id=row.customer_id,
        customer_name=row.customer_name, requested_by=row.requested_by,
        filed_at=row.filed_at, reason=row.reason,
        measured=Money(row.measured, row.measured_currency),
        route=tuple(Level(level["role"], int(level["deadline_hours"]),
                          level.get("escalate_to"), level.get("post_to"))
                    for level in row.route),
        current_limit=_money(row.current_limit, row.currency),
        new_limit=_money(row.new_limit, row.currency),
        asked_limit=_money(row.asked_limit, row.currency),
        increase=_money(row.increase, row.currency), expires_on=row.expires_on,
        order_id=row.order_id, order_reference=row.order_reference,
        order_amount=_money(row.order_amount, row.order_currency),
        current_terms_days=row.current_terms_days, terms_days=row.terms_days,
        asked_in=_asked_in(row),
        state=RequestState(row.state), level=row.level, level_since=row.level_since,
        level_deadline=row.level_deadline,
        closed_at=row.closed_at, closed_by=row.closed_by,
        closed_note=Withdrawn(row.closed_note) if row.closed_note else None,
        customer_name_local=row.customer_name_local, id=row.id, version=row.version)


def _decision(row: Any) -> Decision:
    return Decision(row.request_id, row.level, row.role, Outcome(row.outcome), row.decided_by,
                    row.decided_at, row.comment, row.on_behalf_of, bool(row.escalated),
                    _money(row.limit_amount, row.limit_currency))


def _question(row: Any) -> Question:
    return Question(row.request_id, row.level, row.asked_by, row.asked_at, row.question,
                    row.on_behalf_of, row.id, row.answer, row.answered_at)


def _delegation(row: Any) -> Delegation:
    return Delegation(row.delegator, row.delegate, row.starts_on, row.until, row.created_at,
                      row.ended_at, row.id)


def _limit_change(row: Any) -> LimitChange:
    return LimitChange(row.customer_id, ChangeKind(row.kind),
                       Money(row.credit_limit, row.currency),
                       _money(row.previous_limit, row.previous_currency), row.effective_at,
                       row.approved_by, row.request_id, row.expires_on, row.id,
                       row.overtaken_at)


def overtake_changes(conn: Connection, at: datetime) -> None:
    """Marks the approved limits and terms the ERP no longer exports beneath them as
    overtaken, in the customers import's transaction: from its first export of another
    limit (or other terms) on, the ERP's is the record, even if it goes back to the old
    one later (terms come in a few round values; 90 → 60 → 90 must not bring back a 120
    approved on the first 90)."""
    erp = _CUSTOMERS.c
    conn.execute(update(_T).where(_T.c.overtaken_at.is_(None), exists().where(
        erp.customer_id == _T.c.customer_id,
        erp.payment_terms_days != _T.c.previous_terms_days)).values(overtaken_at=at))
    conn.execute(update(_L).where(
        _L.c.overtaken_at.is_(None), _L.c.previous_limit.is_not(None), exists().where(
            erp.customer_id == _L.c.customer_id,
            (erp.credit_limit != _L.c.previous_limit)
            | (erp.currency != _L.c.previous_currency))).values(overtaken_at=at))


class SqlCreditRequestStore:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.wrote = False

    def _execute(self, statement: Any, params: Any = None) -> Any:
        return self._session.connection().execute(statement, params)

    def _insert(self, table: Table, values: dict[str, Any]) -> int:
        self.wrote = True
        try:
            row = self._execute(insert(table).values(**values).returning(table.c.id)).first()
        except IntegrityError:
            # Someone inserted the same (request, level), open subject or request's
            # change a moment earlier.
            raise RequestChanged() from None
        return int(row.id)

    # -- requests ---------------------------------------------------------------------

    def add(self, request: CreditRequest) -> CreditRequest:
        request_id = self._insert(_R, {**_request_values(request), "version": 1})
        return dataclasses.replace(request, id=request_id, version=1)

    def get(self, request_id: int, lock: bool = False) -> CreditRequest | None:
        query = select(_R).where(_R.c.id == request_id)
        # SQLite's write lock already holds every other writer off; FOR UPDATE is left
        # out there by SQLAlchemy.
        row = self._execute(query.with_for_update() if lock else query).first()
        return None if row is None else _request(row)

    def save(self, request: CreditRequest) -> CreditRequest:
        self.wrote = True
        try:
            done = self._execute(
                update(_R).where(_R.c.id == request.id, _R.c.version == request.version)
                .values(version=request.version + 1, **_request_values(request)))
        except IntegrityError:
            raise RequestChanged() from None
        if done.rowcount != 1:
            raise RequestChanged()
        return dataclasses.replace(request, version=request.version + 1)

    def find_open(self, open_key: str) -> CreditRequest | None:
        row = self._execute(select(_R).where(_R.c.open_key == open_key)).first()
        return None if row is None else _request(row)

    def open_requests(self) -> list[CreditRequest]:
        rows = self._execute(select(_R).where(_R.c.state == RequestState.OPEN.value)
                             .order_by(_R.c.id))
        return [_request(row) for row in rows]

    def filed_by(self, user_id: str, limit: int) -> list[CreditRequest]:
        rows = self._execute(select(_R).where(_R.c.requested_by == user_id)
                             .order_by(_R.c.id.desc()).limit(limit))
        return [_request(row) for row in rows]

    def of_customer(self, customer_id: str, limit: int) -> list[CreditRequest]:
        rows = self._execute(select(_R).where(_R.c.customer_id == customer_id)
                             .order_by(_R.c.id.desc()).limit(limit))
        return [_request(row) for row in rows]

    # -- decisions --------------------------------------------------------------------

    def _of_requests(self, table: Table, request_ids: Sequence[int], order: Any,
                     made: Callable[[Any], T]) -> dict[int, list[T]]:
        """``table``'s rows of each request that has some, in ``order``, read ``_CHUNK``
        requests at a time."""
        found: dict[int, list[T]] = {}
        ids = sorted(set(request_ids))
        for start in range(0, len(ids), _CHUNK):
            rows = self._execute(select(table).where(
                table.c.request_id.in_(ids[start:start + _CHUNK]))
                .order_by(table.c.request_id, order))
            for row in rows:
                found.setdefault(row.request_id, []).append(made(row))
        return found

    def decisions(self, request_ids: Sequence[int]) -> dict[int, list[Decision]]:
        return self._of_requests(_D, request_ids, _D.c.level, _decision)

    def add_decision(self, decision: Decision) -> None:
        self._insert(_D, {
            "request_id": decision.request_id, "level": decision.level,
            "role": decision.role, "outcome": decision.outcome.value,
            "decided_by": decision.decided_by, "on_behalf_of": decision.on_behalf_of,
            "decided_at": decision.decided_at, "comment": decision.comment,
            "escalated": decision.escalated,
            "limit_amount": decision.limit.amount if decision.limit else None,
            "limit_currency": decision.limit.currency if decision.limit else None})

    # -- questions (Ask for info) -----------------------------------------------------

    def questions(self, request_ids: Sequence[int]) -> dict[int, list[Question]]:
        return self._of_requests(_Q, request_ids, _Q.c.id, _question)

    def add_question(self, question: Question) -> int:
        return self._insert(_Q, {
            "request_id": question.request_id, "level": question.level,
            "asked_by": question.asked_by, "asked_at": question.asked_at,
            "question": question.text, "on_behalf_of": question.on_behalf_of})

    def question(self, question_id: int) -> Question | None:
        row = self._execute(select(_Q).where(_Q.c.id == question_id)).first()
        return _question(row) if row is not None else None

    def answer_question(self, question_id: int, answer: str, at: datetime) -> None:
        self.wrote = True
        done = self._execute(update(_Q).where(_Q.c.id == question_id, _Q.c.answer.is_(None))
                             .values(answer=answer, answered_at=at))
        if done.rowcount != 1:
            raise RequestChanged()

    # -- delegations ------------------------------------------------------------------

    def delegations(self, user_id: str) -> list[Delegation]:
        rows = self._execute(select(_G).where(
            _G.c.ended_at.is_(None),
            (_G.c.delegator == user_id) | (_G.c.delegate == user_id)).order_by(_G.c.id))
        return [_delegation(row) for row in rows]

    def delegations_given(self, delegator: str) -> list[Delegation]:
        rows = self._execute(select(_G).where(_G.c.delegator == delegator).order_by(_G.c.id))
        return [_delegation(row) for row in rows]

    def add_delegation(self, delegation: Delegation) -> Delegation:
        delegation_id = self._insert(_G, {
            "delegator": delegation.delegator, "delegate": delegation.delegate,
            "starts_on": delegation.starts_on, "until": delegation.until,
            "created_at": delegation.created_at, "ended_at": delegation.ended_at})
        return dataclasses.replace(delegation, id=delegation_id)

    def end_delegations(self, delegator: str, at: datetime, today: date) -> int:
        done = self._execute(update(_G).where(
            _G.c.delegator == delegator, _G.c.ended_at.is_(None),
            _G.c.until >= today).values(ended_at=at))
        if done.rowcount:
            self.wrote = True
        return int(done.rowcount)

    # -- limit changes ----------------------------------------------------------------

    def add_limit_change(self, change: LimitChange) -> LimitChange:
        change_id = self._insert(_L, {
            "customer_id": change.customer_id, "request_id": change.request_id,
            "kind": change.kind.value, "credit_limit": change.limit.amount,
            "currency": change.limit.currency,
            "previous_limit": change.previous.amount if change.previous else None,
            "previous_currency": change.previous.currency if change.previous else None,
            "effective_at": change.effective_at, "expires_on": change.expires_on,
            "approved_by": change.approved_by})
        return dataclasses.replace(change, id=change_id)

    def add_terms_change(self, change: TermsChange) -> None:
        self._insert(_T, {
            "customer_id": change.customer_id, "request_id": change.request_id,
            "terms_days": change.terms_days, "previous_terms_days": change.previous,
            "effective_at": change.effective_at, "approved_by": change.approved_by})

    def limit_changes(self, customer_id: str) -> list[LimitChange]:
        rows = self._execute(select(_L).where(_L.c.customer_id == customer_id)
                             .order_by(_L.c.effective_at, _L.c.id))
        return [_limit_change(row) for row in rows]

    def effective_limits(self, customer_ids: Sequence[str] | None, on: date
                         ) -> dict[str, LimitChange]:
        # Temporary changes already over can no longer be the one in force, nor changes
        # of an ERP limit the ERP has since replaced (domain.approvals.model.stands_on).
        erp = _CUSTOMERS.c
        query = select(_L).join(_CUSTOMERS, erp.customer_id == _L.c.customer_id).where(
            _L.c.expires_on.is_(None) | (_L.c.expires_on >= on), _L.c.overtaken_at.is_(None),
            _L.c.previous_limit.is_(None) | ((_L.c.previous_limit == erp.credit_limit)
                                              & (_L.c.previous_currency == erp.currency)))
        rows: list[Any] = []
        if customer_ids is None:
            rows = list(self._execute(query))
        else:
            ids = sorted(set(customer_ids))
            for start in range(0, len(ids), _CHUNK):
                rows += self._execute(query.where(
                    _L.c.customer_id.in_(ids[start:start + _CHUNK]))).all()
        by_customer: dict[str, list[LimitChange]] = {}
        for row in rows:
            by_customer.setdefault(row.customer_id, []).append(_limit_change(row))
        found = {cid: effective_limit(changes, on) for cid, changes in by_customer.items()}
        return {cid: change for cid, change in found.items() if change is not None}

    def ended_limits(self, since: date, before: date) -> list[LimitChange]:
        rows = self._execute(select(_L).where(
            _L.c.kind == ChangeKind.TEMPORARY.value, _L.c.expires_on >= since,
            _L.c.expires_on < before).order_by(_L.c.expires_on, _L.c.id))
        return [_limit_change(row) for row in rows]

    # -- what the deadlines job did once ----------------------------------------------

    def marked(self, keys: Sequence[str]) -> set[str]:
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            found.update(self._execute(select(_M.c.key).where(
                _M.c.key.in_(wanted[start:start + _CHUNK]))).scalars())
        return found

    def mark(self, key: str, request_id: int, at: datetime) -> None:
        self.wrote = True
        try:
            self._execute(insert(_M).values(key=key, request_id=request_id, at=at))
        except IntegrityError:
            # Another run marked it a moment earlier: its unit of work did the deed.
            raise RequestChanged() from None

    def order(self, order_id: str) -> Order | None:
        row = self._execute(select(_O).where(_O.c.order_id == order_id)).first()
        if row is None:
            return None
        return Order(row.order_id, row.customer_id, row.order_date,
                     Money(row.amount, row.currency), OrderStatus(row.status),
                     row.contract_id, row.owner_slack_id)
