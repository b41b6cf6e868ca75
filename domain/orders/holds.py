"""Holds reviewed without anyone asking: the ERP's open orders checked after an import
and by the ``orders`` job, held orders re-checked (after payments, a raised limit) and
released when they pass, a release approved or refused by a credit request."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from domain.errors import DomainError
from domain.model import AuditEntry, Customer, Order, OrderStatus
from domain.money import Money
from domain.orders.context import (
    SYSTEM,
    OrderChanged,
    OrderRefused,
    OrdersContext,
    clean_reference,
    order_details,
)
from domain.orders.events import OrderReleased
from domain.orders.model import (
    ORDER_ID_PREFIX,
    OrderCheck,
    OrderSource,
    OrderState,
    Verdict,
    looks_like_our_id,
)
from domain.orders.ports import OrderChange, OrderHappened
from domain.ports import UnitOfWork
from domain.retry import retried


def _lock_customers(uow: UnitOfWork, customer_ids: Iterable[str]) -> None:
    """Takes the customers' order locks (``lock_customer``) in one order, before any of
    their rows is written: a re-check over many customers, an approval releasing one
    order and a rep's order each change a customer's holds, and taken in different
    orders their row locks deadlocked on PostgreSQL ("not answering" to five of six
    approvals at once). Taken again in the same transaction, a lock is already held."""
    for customer_id in sorted(set(customer_ids)):
        uow.orders.lock_customer(customer_id)


def _held_customers(uow: UnitOfWork, holds: Sequence[OrderCheck]) -> set[str]:
    """The customers a re-check of ``holds`` writes for: each hold's, and for an ERP
    order's hold the customer the ERP has the order under now (it moves there)."""
    customers = {hold.customer_id for hold in holds}
    for hold in holds:
        erp = uow.orders.erp_order(hold.order_id) if hold.source is OrderSource.ERP else None
        if erp is not None:
            customers.add(erp.customer_id)
    return customers


def _dated_after(counted: Sequence[Order], day: date, order_id: str) -> list[Money]:
    """Of the orders the exposure counts, the amounts of those dated after ``day``."""
    return [o.amount for o in counted if o.order_date > day and o.order_id != order_id]


def _erp_copy(uow: UnitOfWork, hold: OrderCheck) -> Order | None:
    """The ERP's order a hold is about: an ERP order's own, or the copy the ERP exported
    of a rep's order (``in_erp_as``)."""
    if hold.source is OrderSource.ERP:
        return uow.orders.erp_order(hold.order_id)
    return in_erp_as(uow, hold)


def in_erp_as(uow: UnitOfWork, placed: OrderCheck) -> Order | None:
    """The ERP's order a rep's order placed in creditbot has become: the customer's ERP
    order whose id is the reference she typed (the ERP exported it under it)."""
    if placed.source is not OrderSource.SLACK or not placed.reference:
        return None
    return uow.orders.erp_order_named(placed.customer_id, placed.reference)


def released_details(order: OrderCheck, why: str, passed: Verdict | None
                     ) -> dict[str, object]:
    """A release as the audit log keeps it: the rules the order failed when it was held
    under ``held_for`` (read as ``failures`` on a release, they said it failed and went
    anyway), and, released because it passes now, the figures it passed with."""
    details = order_details(order)
    details["held_for"] = details.pop("failures")
    details["why"] = why
    if passed is not None:
        details["passed_with"] = {
            "currency": passed.limit.currency, "exposure": str(passed.exposure.amount),
            "order": str(passed.order.amount), "limit": str(passed.limit.amount),
            "ceiling": str(passed.ceiling.amount), "headroom": str(passed.headroom.amount)}
    return details


class HoldReview(OrdersContext):
    """Review the ERP's orders, re-check held ones, release or refuse them."""

    def review_imported(self) -> dict[str, int]:
        """Checks the ERP's open orders no check was made of yet; those failing are held
        and their owner told (once: one note per hold). For after an import and the
        ``orders`` job, so no access check."""
        # Another process (the job, an import) may review the same order first.
        return retried(self._review_imported, OrderChanged)

    def _review_imported(self) -> dict[str, int]:
        now, today = self.clock(), self.today()
        counts = {"reviewed": 0, "held": 0}
        with self.unit_of_work() as uow:
            uow.begin_write()
            pending = uow.orders.unreviewed_erp_orders()
            _lock_customers(uow, [o.customer_id for o in pending])
            by_customer: dict[str, list[Order]] = {}
            for order in pending:
                by_customer.setdefault(order.customer_id, []).append(order)
            for customer_id, orders in by_customer.items():
                customer = uow.customers.get(customer_id)
                if customer is None:
                    continue
                # An order is held behind the customer's held orders placed on or before
                # its day, not behind those placed after it: an ERP order of last week,
                # reviewed now, is not held by an order a rep placed this morning.
                holds = [(h.order_id, h.order_date) for h in uow.orders.held([customer_id])]
                counted = uow.orders.exposure_orders(customer_id,
                                                     self.policy.placed_since(today))
                for index, order in enumerate(orders):
                    held = [i for i, day in holds if day <= order.order_date]
                    try:
                        money = self._convert(uow, order.amount, customer.credit_limit.currency,
                                              today)
                        # First come, first served: the orders after this one are not
                        # in yet when it is checked: those dated after it, and those of
                        # its day that come after it in this import.
                        later = [*_dated_after(counted, order.order_date, order.order_id),
                                 *(o.amount for o in orders[index + 1:]
                                   if o.is_exposure and o.order_date == order.order_date)]
                        verdict = self._verdict(uow, customer, money, order.order_date,
                                                order, held, later)
                    except DomainError:
                        continue  # a missing rate: reviewed once one is imported
                    state = OrderState.PASSED if verdict.passed else OrderState.HELD
                    stored = uow.orders.add(OrderCheck(
                        OrderSource.ERP, order.order_id, customer_id, customer.name,
                        order.amount, order.order_date, state, verdict.failures, now, SYSTEM,
                        contract_id=order.contract_id, customer_name_local=customer.name_local))
                    counts["reviewed"] += 1
                    if stored.is_held:
                        holds.append((stored.order_id, stored.order_date))
                        counts["held"] += 1
                        self._held(uow, stored, customer, SYSTEM, now,
                                   extra=(order.owner_slack_id,))
            if counts["reviewed"]:
                uow.commit()
        return counts

    def recheck(self, customer_ids: Sequence[str] | None = None) -> list[OrderCheck]:
        """Checks the held orders (of these customers, or all) again; each that passes
        now is released, audited ``orders.released`` by creditbot, and its owner told
        that no approval is needed any more."""
        def attempt() -> list[OrderCheck]:
            with self.unit_of_work() as uow:
                uow.begin_write()
                released = self.recheck_in(uow, customer_ids, self.clock())
                if released or uow.orders.wrote:  # a hold moved, or its failures now
                    uow.commit()
            return released

        return retried(attempt, OrderChanged)

    # -- inside another use case's unit of work (approvals) ---------------------------

    def recheck_in(self, uow: UnitOfWork, customer_ids: Sequence[str] | None,
                   now: datetime) -> list[OrderCheck]:
        """``recheck`` in the caller's transaction (a limit just approved)."""
        today = now.astimezone(self.zone).date()
        released: list[OrderCheck] = []
        by_customer: dict[str, list[tuple[OrderCheck, Order | None]]] = {}
        changed: list[tuple[str, OrderCheck]] = []  # (customer before, the hold now)
        locked = _held_customers(uow, uow.orders.held(customer_ids))
        _lock_customers(uow, locked)
        # Read again under the locks: what was read before them may have been released or
        # changed by the transaction that held one.
        for hold in uow.orders.held(customer_ids):
            erp = _erp_copy(uow, hold)
            if hold.customer_id not in locked or (erp is not None
                                                  and erp.customer_id not in locked):
                # Held, or moved by an import, by a transaction that committed after the
                # first read: checked there, under that customer's lock; checked here
                # without it, another order for the customer could take the same
                # headroom. The next re-check takes it under its lock.
                continue
            now_held = self._as_the_erp_has_it(uow, hold, erp, now)
            if now_held is not hold:
                changed.append((hold.customer_id, now_held))
            by_customer.setdefault(now_held.customer_id, []).append((now_held, erp))
        for customer_id, holds in by_customer.items():
            customer = uow.customers.get(customer_id)
            if customer is None:
                continue
            still: list[str] = []
            counted = uow.orders.exposure_orders(customer_id, self.policy.placed_since(today))
            # Oldest order first, by its date (then as checked): each is checked against
            # the holds before it, and takes the headroom before the ones after it.
            for hold, erp in sorted(holds, key=lambda pair: (pair[0].order_date,
                                                              pair[0].id)):
                # An ERP order's hold, or a rep's order the ERP has exported under her
                # reference (the same order: its hold stands for the ERP's, which is not
                # reviewed again), goes as the ERP has the order now.
                if (hold.source is OrderSource.ERP or erp is not None) and (
                        erp is None or erp.status is not OrderStatus.OPEN):
                    released.append(self._release(uow, hold, customer, SYSTEM, now,
                                                  "closed", None))
                    continue
                try:
                    money = self._convert(uow, hold.amount, customer.credit_limit.currency,
                                          today)
                    verdict = self._verdict(uow, customer, money, hold.order_date, erp,
                                            still, _dated_after(counted, hold.order_date,
                                                                hold.order_id))
                except DomainError:
                    still.append(hold.order_id)
                    continue
                if verdict.passed:
                    released.append(self._release(uow, hold, customer, SYSTEM, now,
                                                  "recheck", OrderHappened.PASSED_NOW,
                                                  passed=verdict,
                                                  also=self._told_of_hold(uow, hold, erp,
                                                                          changed)))
                else:
                    still.append(hold.order_id)
                    if verdict.failures != hold.failures:
                        uow.orders.save(dataclasses.replace(hold, failures=verdict.failures))
        if self.release_requests is not None:
            # Still held as the ERP has it now: a request to release it as it was filed
            # may ask for less than approving it would release (released orders' requests
            # were closed as released, above).
            gone = {r.order_id for r in released}
            for before, hold in changed:
                if hold.order_id not in gone:
                    self.release_requests.order_changed(uow, before, hold, now)
                elif before != hold.customer_id:  # its request is filed under the first
                    self.release_requests.withdraw(uow, before, hold.order_id, now)
        return released

    def _as_the_erp_has_it(self, uow: UnitOfWork, hold: OrderCheck, erp: Order | None,
                           now: datetime) -> OrderCheck:
        """An ERP order's hold (or a rep's order the ERP exported under her reference) as
        the ERP's latest import has the order, which is checked again below as it is now.
        Its amount and date: a corrected re-import was checked at the old ones, held for
        ever, and shown, released and asked about at them. Its customer: re-imported
        under another, the hold left on the first blocked that customer's later orders
        (held behind it) and said nothing to the customer it is now."""
        if erp is None:
            return hold
        moved = hold.customer_id != erp.customer_id
        customer = uow.customers.get(erp.customer_id) if moved else None
        if moved and customer is None:
            return hold
        if not moved and (erp.amount, erp.order_date) == (hold.amount, hold.order_date):
            return hold
        saved = uow.orders.save(dataclasses.replace(
            hold, amount=erp.amount, order_date=erp.order_date,
            customer_id=customer.customer_id if customer else hold.customer_id,
            customer_name=customer.name if customer else hold.customer_name,
            customer_name_local=customer.name_local if customer else hold.customer_name_local))
        if customer is not None:
            uow.audit.append(AuditEntry(now, SYSTEM, "orders.moved", customer.customer_id,
                                        {"order": hold.order_id, "from": hold.customer_id}))
        return saved

    def release_approved(self, uow: UnitOfWork, customer_id: str, order_id: str,
                         request_id: int, actor: str, now: datetime) -> OrderCheck | None:
        """An order-release request was approved (in the approval's transaction): the
        order's hold, when it has one, is released and its owner told; then the
        customer's later held orders are checked again (this one no longer holds them).
        The approval writes the ``orders.released`` audit entry and tells the owner;
        ``None`` when the order is not held (any more): nothing released."""
        hold = uow.orders.find(customer_id, order_id)
        if hold is None or not hold.is_held:
            return None
        customer = uow.customers.get(hold.customer_id)
        # The approval's own notes tell the requester and the owner: none of ours.
        released = self._release(uow, hold, customer, actor, now, f"request:{request_id}",
                                 None, audit=False)
        self.recheck_in(uow, [hold.customer_id], now)
        return released

    def refuse_rejected(self, uow: UnitOfWork, customer_id: str, order_id: str,
                        request_id: int, actor: str, now: datetime) -> OrderCheck | None:
        """An order-release request was rejected (in the rejection's transaction): the
        order is refused, audited ``orders.refused``, and the customer's later held
        orders are checked again, since it no longer holds them. The rejection's own
        notes tell the requester and the owner."""
        hold = uow.orders.find(customer_id, order_id)
        if hold is None or not hold.is_held:
            return None
        refused = uow.orders.save(dataclasses.replace(
            hold, state=OrderState.REFUSED, released_at=now, released_by=actor,
            release_note=f"refused:request:{request_id}"))
        uow.audit.append(AuditEntry(now, actor, "orders.refused", customer_id,
                                    {**order_details(refused), "request": request_id}))
        self.recheck_in(uow, [customer_id], now)
        return refused

    def find(self, uow: UnitOfWork, customer_id: str, order_id: str) -> Order | None:
        """The customer's held order ``order_id`` names (``named``), as an order."""
        hold = self.named(uow, customer_id, order_id)
        if hold is None or not hold.is_held:
            return None
        return Order(hold.order_id, hold.customer_id, hold.order_date, hold.amount,
                     OrderStatus.OPEN, hold.contract_id, reference=hold.reference)

    def named(self, uow: UnitOfWork, customer_id: str, order_id: str) -> OrderCheck | None:
        """The customer's order checked in creditbot that ``order_id`` names, held or
        not: its id, or the reference it was placed under."""
        # The rep knows the order by the reference they typed (PO-77) more than by CB-1.
        # An id wins when it names a held order; else the reference, written as the
        # order was placed (case, width and invisible characters aside), may: a rep's
        # reference can be an ERP order's id too (an order the ERP already passed).
        try:
            reference = clean_reference(order_id)
        except OrderRefused:
            reference = None
        if reference is not None and looks_like_our_id(reference):
            # creditbot's own ids as typed any way (cb-2, ＣＢ-２): as it writes them.
            order_id = ORDER_ID_PREFIX + reference[len(ORDER_ID_PREFIX):]
        by_id = uow.orders.find(customer_id, order_id)
        if by_id is not None and by_id.is_held:
            return by_id
        by_reference = (uow.orders.placed_with_reference(customer_id, reference)
                        if reference is not None else None)
        if by_reference is not None and by_reference.is_held:
            return by_reference
        return by_id or by_reference

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _told_of_hold(uow: UnitOfWork, hold: OrderCheck, erp: Order | None,
                      changed: Sequence[tuple[str, OrderCheck]]) -> tuple[str | None, ...]:
        """Who heard of ``hold`` besides its customer's owner and its placer, to hear of
        its release too: the ERP order's owner, and the owner of the customer the ERP had
        the order under before it moved it (told of the hold, they heard nothing)."""
        before = next((was for was, now in changed if now.id == hold.id
                       and was != hold.customer_id), None)
        moved_from = uow.customers.get(before) if before is not None else None
        return (erp.owner_slack_id if erp is not None else None,
                moved_from.owner_slack_id if moved_from is not None else None)

    def _release(self, uow: UnitOfWork, hold: OrderCheck, customer: Customer | None,
                 actor: str, now: datetime, why: str, tell: OrderHappened | None,
                 audit: bool = True, passed: Verdict | None = None,
                 also: Sequence[str | None] = ()) -> OrderCheck:
        if actor == SYSTEM and self.release_requests is not None:
            # Released on its own: a request to release it has nothing left to decide.
            # Withdrawn first, so that its card keeps the figures it was decided on, as
            # an approved one does: after the release, its exposure counted the order
            # and its "Held because" added the order again.
            self.release_requests.withdraw(uow, hold.customer_id, hold.order_id, now)
        saved = uow.orders.save(dataclasses.replace(
            hold, state=OrderState.RELEASED, released_at=now, released_by=actor,
            release_note=why))
        if audit:
            uow.audit.append(AuditEntry(now, actor, "orders.released", hold.customer_id,
                                        released_details(saved, why, passed)))
        uow.events.record(OrderReleased(occurred_at=now, actor=actor,
                                        subject=hold.customer_id, order_id=hold.order_id,
                                        why=why))
        if tell is not None:
            self.notices.queue(uow.outbox, OrderChange(
                tell, saved, self.told(customer, saved.checked_by, *also),
                self._in_limit(uow, saved.amount, customer)))
        return saved
