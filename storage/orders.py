"""The order review port (``uow.orders``): order checks and their holds, in creditbot's
own table, beside the ERP's orders and contracts it reads."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    Table,
    bindparam,
    exists,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.model import ORDER_STATUSES_IN_EXPOSURE, Order, OrderStatus
from domain.money import Money
from domain.orders.context import OrderChanged
from domain.orders.model import (
    ORDER_ID_PREFIX,
    WITHDRAWN_AFTER,
    Contract,
    Failure,
    OrderCheck,
    OrderSource,
    OrderState,
    reference_key,
)
from storage.models import ContractRow, OrderCheckRow, OrderRow
from storage.repositories.receivables import PLACED_STATES, same_order

_K: Table = OrderCheckRow.__table__  # type: ignore[assignment]
_O: Table = OrderRow.__table__  # type: ignore[assignment]
_C: Table = ContractRow.__table__  # type: ignore[assignment]
_CHUNK = 500
# A Slack order's id. Lookups go by customer and source too, so an ERP id that starts so
# is still told apart.
SLACK_PREFIX = ORDER_ID_PREFIX
# Built once: a statement built per call pays SQLAlchemy's cache-key walk every time
# (a third of an order's storage time in the profile).
_ADD = insert(_K).returning(_K.c.id)
_NUMBER = update(_K).where(_K.c.id == bindparam("row_id")).values(
    order_id=bindparam("new_order_id"))
_SAVE = update(_K).where(_K.c.id == bindparam("row_id"),
                         _K.c.version == bindparam("old_version"))
_HELD_IDS = select(_K.c.order_id).where(_K.c.state == OrderState.HELD.value,
                                      _K.c.customer_id == bindparam("customer")
                                      ).order_by(_K.c.id)
_HELD_IDS_BY = _HELD_IDS.where(_K.c.order_date <= bindparam("day"))
# The customer's references (an index-only read of ix_order_checks_customer_reference),
# compared in Python (``reference_key``): case is folded the same on both databases and
# in every script (SQLite's lower() folds ASCII only).
# A withdrawn order's reference is free again: the rep places the order as it should
# have been, under its own PO number.
_REFERENCES = select(_K.c.id, _K.c.reference).where(
    _K.c.customer_id == bindparam("customer"), _K.c.source == OrderSource.SLACK.value,
    _K.c.reference.is_not(None), _K.c.state != OrderState.WITHDRAWN.value).order_by(_K.c.id)
_BY_ROW = select(_K).where(_K.c.id == bindparam("row_id"))
_HELD_OF = select(_K).where(_K.c.state == OrderState.HELD.value,
                            _K.c.customer_id.in_(bindparam("ids", expanding=True)))


def _values(check: OrderCheck) -> dict[str, Any]:
    return {
        "source": check.source.value, "order_id": check.order_id,
        "customer_id": check.customer_id, "customer_name": check.customer_name,
        "customer_name_local": check.customer_name_local,
        "amount": check.amount.amount, "currency": check.amount.currency,
        "order_date": check.order_date, "reference": check.reference,
        "contract_id": check.contract_id, "state": check.state.value,
        "failures": [f.as_json() for f in check.failures], "checked_at": check.checked_at,
        "checked_by": check.checked_by, "released_at": check.released_at,
        "released_by": check.released_by, "release_note": check.release_note,
    }


def _check(row: Any) -> OrderCheck:
    return OrderCheck(
        OrderSource(row.source), row.order_id, row.customer_id, row.customer_name,
        Money(row.amount, row.currency), row.order_date, OrderState(row.state),
        tuple(Failure.from_json(f) for f in row.failures or ()), row.checked_at,
        row.checked_by, row.reference, row.contract_id, row.released_at, row.released_by,
        row.release_note, row.id, row.version, row.customer_name_local)


def pick(found: Sequence[OrderCheck], order_id: str) -> OrderCheck | None:
    """Of a customer's checks with one id (a Slack and an ERP order can share it), the
    Slack order's when the id is creditbot's, else the ERP's."""
    slack = order_id.startswith(SLACK_PREFIX)
    for check in sorted(found, key=lambda c: (c.source is OrderSource.SLACK) != slack):
        return check
    return None


def _order(row: Any) -> Order:
    return Order(row.order_id, row.customer_id, row.order_date,
                 Money(row.amount, row.currency), OrderStatus(row.status), row.contract_id,
                 row.owner_slack_id)


class SqlOrderStore:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.wrote = False

    def _execute(self, statement: Any, params: Any = None) -> Any:
        return self._session.connection().execute(statement, params)

    def add(self, check: OrderCheck) -> OrderCheck:
        self.wrote = True
        slack = check.source is OrderSource.SLACK
        # A Slack order's id is its row's: a unique stand-in until the id is known.
        order_id = f"new:{uuid.uuid4().hex}" if slack else check.order_id
        try:
            row = self._execute(_ADD, {**_values(check), "order_id": order_id,
                                       "version": 1}).first()
        except IntegrityError:
            raise OrderChanged(check.order_id) from None
        if slack:
            order_id = f"{SLACK_PREFIX}{row.id}"
            self._execute(_NUMBER, {"row_id": row.id, "new_order_id": order_id})
        return dataclasses.replace(check, order_id=order_id, id=int(row.id), version=1)

    def save(self, check: OrderCheck) -> OrderCheck:
        self.wrote = True
        done = self._execute(_SAVE, {**_values(check), "version": check.version + 1,
                                     "row_id": check.id, "old_version": check.version})
        if done.rowcount != 1:
            raise OrderChanged(check.order_id)
        return dataclasses.replace(check, version=check.version + 1)

    def find(self, customer_id: str, order_id: str,
             source: OrderSource | None = None) -> OrderCheck | None:
        query = select(_K).where(_K.c.customer_id == customer_id, _K.c.order_id == order_id)
        if source is not None:
            query = query.where(_K.c.source == source.value)
        found = [_check(row) for row in self._execute(query)]
        return pick(found, order_id)

    def held(self, customer_ids: Sequence[str] | None = None) -> list[OrderCheck]:
        query = select(_K).where(_K.c.state == OrderState.HELD.value)
        if customer_ids is None:
            return [_check(r) for r in self._execute(query.order_by(_K.c.id))]
        found: list[OrderCheck] = []
        ids = list(customer_ids)
        for start in range(0, len(ids), _CHUNK):
            found += [_check(r) for r in self._execute(
                _HELD_OF, {"ids": ids[start:start + _CHUNK]})]
        return sorted(found, key=lambda c: c.id)

    def lock_customer(self, customer_id: str) -> None:
        # SQLite: the unit of work's BEGIN IMMEDIATE already lets one writer in at a
        # time. PostgreSQL: a transaction-scoped advisory lock per customer (not a row
        # lock on customers, which the next import must be free to update).
        connection = self._session.connection()
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                               {"key": f"creditbot.orders:{customer_id}"})

    def held_ids(self, customer_id: str, dated_by: date | None = None) -> list[str]:
        if dated_by is None:
            return [r.order_id for r in self._execute(_HELD_IDS, {"customer": customer_id})]
        return [r.order_id for r in self._execute(
            _HELD_IDS_BY, {"customer": customer_id, "day": dated_by})]

    def ever_held(self, customer_id: str, limit: int) -> list[OrderCheck]:
        states = [OrderState.HELD.value, OrderState.RELEASED.value, OrderState.REFUSED.value]
        held = or_(_K.c.state.in_(states), _K.c.release_note.startswith(WITHDRAWN_AFTER))
        return [_check(row) for row in self._execute(
            select(_K).where(_K.c.customer_id == customer_id, held)
            .order_by(_K.c.id.desc()).limit(limit))]

    def placed_by(self, user_id: str, limit: int) -> list[OrderCheck]:
        return [_check(row) for row in self._execute(
            select(_K).where(_K.c.checked_by == user_id,
                             _K.c.source == OrderSource.SLACK.value)
            .order_by(_K.c.id.desc()).limit(limit))]

    def placed_with_reference(self, customer_id: str, reference: str) -> OrderCheck | None:
        wanted = reference_key(reference)
        found = next((r.id for r in self._execute(_REFERENCES, {"customer": customer_id})
                      if reference_key(r.reference) == wanted), None)
        if found is None:
            return None
        return _check(self._execute(_BY_ROW, {"row_id": found}).one())

    def unreviewed_erp_orders(self) -> list[Order]:
        checked = exists().where(_K.c.source == OrderSource.ERP.value,
                                 _K.c.order_id == _O.c.order_id)
        # A rep's order exported under her reference was checked when she placed it,
        # unless the ERP has it at more than she placed (the rest was never checked). A
        # held one is re-checked as the ERP has it (OrderChecks.recheck_in): reviewed as
        # an order of its own too, it was held twice, and its release freed one hold.
        # A withdrawn one checked nothing the ERP went on to have.
        placed = exists().where(_K.c.source == OrderSource.SLACK.value,
                                _K.c.customer_id == _O.c.customer_id,
                                _K.c.state != OrderState.WITHDRAWN.value,
                                same_order(_O.c.order_id, _K.c.reference),
                                or_(_K.c.currency != _O.c.currency,
                                    _K.c.amount >= _O.c.amount,
                                    _K.c.state == OrderState.HELD.value))
        rows = self._execute(select(_O).where(_O.c.status == OrderStatus.OPEN.value,
                                              ~checked, ~placed)
                             .order_by(_O.c.order_date, _O.c.order_id))
        return [_order(r) for r in rows]

    def contracts(self, customer_id: str) -> list[Contract]:
        rows = self._execute(select(_C).where(_C.c.customer_id == customer_id)
                             .order_by(_C.c.end_date.desc(), _C.c.contract_id))
        return [Contract(r.contract_id, r.customer_id, r.start_date, r.end_date,
                         Money(r.credit_limit, r.currency)
                         if r.credit_limit is not None and r.currency else None)
                for r in rows]

    def contract_orders(self, contract_id: str, placed_since: date | None = None
                        ) -> list[Order]:
        rows = self._execute(select(_O).where(
            _O.c.contract_id == contract_id,
            _O.c.status.in_([s.value for s in ORDER_STATUSES_IN_EXPOSURE])))
        found = [_order(r) for r in rows]
        if placed_since is not None:
            # creditbot's orders under the contract, as they count in exposure
            # (storage.repositories.receivables: passed or released, not in the ERP yet).
            in_erp = exists().where(_O.c.customer_id == _K.c.customer_id,
                                    same_order(_O.c.order_id, _K.c.reference))
            found += [Order(r.order_id, r.customer_id, r.order_date,
                            Money(r.amount, r.currency), OrderStatus.OPEN, r.contract_id)
                      for r in self._execute(select(_K).where(
                          _K.c.contract_id == contract_id,
                          _K.c.source == OrderSource.SLACK.value,
                          _K.c.state.in_(PLACED_STATES), _K.c.order_date >= placed_since,
                          ~in_erp))]
        return found

    def erp_order(self, order_id: str) -> Order | None:
        row = self._execute(select(_O).where(_O.c.order_id == order_id)).first()
        return None if row is None else _order(row)

    def exposure_orders(self, customer_id: str, placed_since: date) -> list[Order]:
        erp = [_order(r) for r in self._execute(select(_O).where(
            _O.c.customer_id == customer_id,
            _O.c.status.in_([s.value for s in ORDER_STATUSES_IN_EXPOSURE])))]
        in_erp = exists().where(_O.c.customer_id == _K.c.customer_id,
                                same_order(_O.c.order_id, _K.c.reference))
        placed = [Order(r.order_id, r.customer_id, r.order_date, Money(r.amount, r.currency))
                  for r in self._execute(select(_K).where(
                      _K.c.customer_id == customer_id,
                      _K.c.source == OrderSource.SLACK.value,
                      _K.c.state.in_(PLACED_STATES), _K.c.order_date >= placed_since,
                      ~in_erp))]
        return erp + placed

    def erp_order_named(self, customer_id: str, name: str) -> Order | None:
        row = self._execute(select(_O).where(
            _O.c.customer_id == customer_id, same_order(_O.c.order_id, literal(name)))
            .order_by(_O.c.order_id != name, _O.c.order_id)).first()
        return None if row is None else _order(row)
