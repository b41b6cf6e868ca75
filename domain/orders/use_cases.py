"""Use cases of order review (``OrderChecks``): check an order without recording it,
place one (recorded; held when a rule fails), review the ERP's open orders, re-check
held orders and release those that pass, release one when its order-release request is
approved. Each checks who may act (credit data is confidential), owns its unit of work,
audit entries, events and owner notes (through the outbox), and commits.

A customer is *on hold* when creditbot holds an earlier order of theirs: orders ship in
the order they came, so a held order holds the ones placed after it (``on_hold`` in
app.yaml turns this off). The ERP's customer export has no hold flag to read.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from domain.access import CreditDataAccess, Member
from domain.amount_text import has_sign, read_amount, within_most
from domain.amounts import AmountError, exact_money
from domain.approvals.model import release_key
from domain.check import CustomerCheck, GroupCheck
from domain.check.use_cases import Checked
from domain.currencies import canonical, is_currency
from domain.errors import DomainError
from domain.exposure import CreditPosition, credit_position
from domain.fx import FxRates
from domain.lookup import named_without_guessing, resolve_customer
from domain.model import AuditEntry, Customer, Order, OrderStatus
from domain.money import Money
from domain.orders.events import OrderHeld, OrderReleased
from domain.orders.model import (
    NOT_HELD,
    ORDER_ID_PREFIX,
    ContractUse,
    OrderCheck,
    OrderRules,
    OrderSource,
    OrderState,
    Verdict,
    looks_like_our_id,
)
from domain.orders.ports import NoOrderNotices, OrderChange, OrderHappened, OrderNotices
from domain.orders.rules import evaluate
from domain.orders.typed import unquoted
from domain.ports import UnitOfWork, ViewLog
from domain.positions import CreditPolicyContext
from domain.retry import retried
from domain.text import N_, CommandName, without_invisible

SYSTEM = "creditbot"
# Far above any order; keeps a typo (or 10^30) out of the amount columns.
MAX_REFERENCE = 100
MAX_QUERY = 200
NAME_THE_CUSTOMER = N_("Name the customer, e.g. `{command} acme 120k`.")  # order or check
# Control characters and line or paragraph separators part words; invisible ones
# (domain.text.INVISIBLE) are dropped, so a reference pasted with a zero-width space in
# it is the same reference.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What a rep may type after the amount meaning a date ("on 31/12/2026", "by 2026-12-31",
# "PO-8 2026-12-31", "12月31日", "tomorrow"), which would otherwise be kept as (part of)
# the order's reference, and then never meet the ERP's order of that reference.
_DATE = r"(?:\d{4}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"
_DATE_INSIDE = re.compile(
    rf"(?<!\S)(?:(?:on|by|for|until|due|dated?)\s+\d{{1,4}}[/.-]\d{{1,2}}(?:[/.-]\d{{1,4}})?"
    rf"|{_DATE}|today|tomorrow)(?!\S)|\d{{1,2}}月\d{{1,2}}[日号]|今天|明天|后天",
    re.IGNORECASE)


class OrderChanged(DomainError):
    """Another unit of work changed the order's check first (optimistic locking)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(N_("Order {order} was changed by someone else just now; try "
                            "again."), order=order_id)


class OrderRefused(DomainError):
    pass


@dataclass(frozen=True)
class OrderAnswer:
    """The verdict on an order; ``check`` is the stored record (``None`` for a check
    that records nothing)."""

    customer: Customer
    verdict: Verdict
    check: OrderCheck | None = None


def clean_reference(text: str | None) -> str | None:
    """A reference as typed, without control or invisible characters, at most 100."""
    if text is None:
        return None
    cleaned = unquoted(" ".join(_CONTROL.sub(" ", without_invisible(
        unicodedata.normalize("NFKC", text))).split()))
    if len(cleaned) > MAX_REFERENCE:
        raise OrderRefused(N_("Keep the order reference under {limit} characters, e.g. "
                              "PO-2026-118."), limit=MAX_REFERENCE)
    return cleaned or None


class Positions(Protocol):
    """Where a slash command's position comes from: the check's own read, access-checked,
    the look recorded, remembered per data version and day (``CreditChecks``)."""

    def check(self, actor: Member, query: str) -> Checked: ...


class ReleaseRequests(Protocol):
    """The approvals side of a re-check (domain.approvals.withdraw), in its transaction:
    the open release request of an order creditbot released on its own is closed, and
    so is one the ERP's changes to its order made wrong to approve."""

    def withdraw(self, uow: UnitOfWork, customer_id: str, order_id: str,
                 now: datetime) -> object: ...

    def order_changed(self, uow: UnitOfWork, customer_id: str, order: OrderCheck,
                      now: datetime) -> object: ...


def _lock_customers(uow: UnitOfWork, customer_ids: Iterable[str]) -> None:
    """Takes the customers' order locks (``lock_customer``) in one order, before any of
    their rows is written: a re-check over many customers, an approval releasing one
    order and a rep's order each change a customer's holds, and taken in different
    orders their row locks deadlocked on PostgreSQL ("not answering" to five of six
    approvals at once). Taken again in the same transaction, a lock is already held."""
    for customer_id in sorted(set(customer_ids)):
        uow.orders.lock_customer(customer_id)


def _dated_after(counted: Sequence[Order], day: date, order_id: str) -> list[Money]:
    """Of the orders the exposure counts, the amounts of those dated after ``day``."""
    return [o.amount for o in counted if o.order_date > day and o.order_id != order_id]


def _erp_copy(uow: UnitOfWork, hold: OrderCheck) -> Order | None:
    """The ERP's order a hold is about: an ERP order's own, or the copy the ERP exported
    of a rep's order (``_in_erp_as``)."""
    if hold.source is OrderSource.ERP:
        return uow.orders.erp_order(hold.order_id)
    return _in_erp_as(uow, hold)


def _in_erp_as(uow: UnitOfWork, placed: OrderCheck) -> Order | None:
    """The ERP's order a rep's order placed in creditbot has become: the customer's ERP
    order whose id is the reference she typed (the ERP exported it under it)."""
    if placed.source is not OrderSource.SLACK or not placed.reference:
        return None
    return uow.orders.erp_order_named(placed.customer_id, placed.reference)


class RepeatedOrder(OrderRefused):
    """An order under a reference the customer's earlier order has: a rep retyping the
    line would otherwise count the order twice in the exposure."""

    def __init__(self, placed: OrderCheck, release_request: int | None = None) -> None:
        self.placed = placed
        # The open request to release it: nothing more to ask for (no button).
        self.release_request = release_request
        if placed.is_held and release_request is not None:
            template = N_("“{reference}” is already order {order} of {customer} ({amount}, "
                          "{day}), which is held; its release is asked for in request "
                          "#{request}, which waits for a decision (`{requests}` shows it). "
                          "Give a new order a reference of its own.")
        elif placed.is_held:
            # Answered with the order's Request release button (handlers.orders).
            template = N_("“{reference}” is already order {order} of {customer} ({amount}, "
                          "{day}), which is held. Ask for its release with the button "
                          "below, or give a new order a reference of its own.")
        elif placed.state is OrderState.REFUSED:
            template = N_("“{reference}” is already order {order} of {customer} ({amount}, "
                          "{day}), refused: its release was rejected, so it will not ship. "
                          "Give a new order a reference of its own.")
        elif placed.state is OrderState.RELEASED:
            template = N_("“{reference}” is already order {order} of {customer} ({amount}, "
                          "{day}), held and since released. An order is placed once; give "
                          "a new order a reference of its own.")
        else:
            template = N_("“{reference}” is already order {order} of {customer} ({amount}, "
                          "{day}), OK to ship. An order is placed once; give a new order a "
                          "reference of its own.")
        pending = {} if release_request is None else {"request": release_request,
                                                       "requests": CommandName("requests")}
        super().__init__(template, reference=placed.reference or "", order=placed.order_id,
                         customer=placed.customer_name, amount=placed.amount,
                         day=placed.order_date, **pending)


class NotOneCustomer(OrderRefused):
    def __init__(self, group: str) -> None:
        super().__init__(N_("“{group}” is a customer group; an order is for one customer: "
                            "name one of its members."), group=group)


@dataclass(frozen=True)
class OrderChecks:
    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: CreditPolicyContext
    rules: OrderRules
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: OrderNotices = field(default_factory=NoOrderNotices)
    # The fast path of slash commands: positions from the check's remembered read (a
    # check with an amount costs little more than a check) and looks recorded in
    # batches. Without them everything is read in the use case's unit of work.
    positions: Positions | None = None
    views: ViewLog | None = None
    # Held around an order's write transaction. SQLite lets one writer in at a time and
    # makes the others sleep and retry in steps of up to 100 ms; threads of one process
    # queueing on a lock instead cut an order's p99 (bench_orders). Nothing elsewhere.
    write_gate: AbstractContextManager[object] = field(default_factory=nullcontext)
    release_requests: ReleaseRequests | None = None

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    # -- asked in Slack ----------------------------------------------------------------

    def check(self, actor: Member, query: str, amount: str,
              currency: str | None = None) -> OrderAnswer:
        """Would an order of ``amount`` for the customer ``query`` names pass the rules
        today? Nothing is recorded but the look (audited ``orders.checked``)."""
        self._require(actor, "orders.check_refused", query)
        today, now = self.today(), self.clock()
        known = self._known(actor, query)
        with self.unit_of_work() as uow:
            customer = known.customer if known else self._customer(uow, query)
            money = self._amount(amount, currency, customer)
            held = uow.orders.held_ids(customer.customer_id, today)
            verdict = self._verdict(uow, customer, money, today, None, held, known=known)
            entry = AuditEntry(now, actor.user_id, "orders.checked", customer.customer_id, {
                "amount": str(money.amount), "currency": money.currency,
                "passed": verdict.passed})
            if self.views is None:
                uow.audit.append(entry)
                uow.commit()
        if self.views is not None:
            self.views.record(entry)
        return OrderAnswer(customer, verdict)

    def place(self, actor: Member, query: str, amount: str, currency: str | None = None,
              reference: str | None = None) -> OrderAnswer:
        """Records an order of ``amount`` for the customer ``query`` names, checked
        against the rules: passed (OK to ship) or held, with the failed rules. Audited
        ``orders.placed`` (and ``orders.held``); a hold tells the customer's owner."""
        self._require(actor, "orders.place_refused", query)
        ref = clean_reference(reference)
        if ref is not None and looks_like_our_id(ref):
            # A release asked for by it would find creditbot's order of that id instead.
            raise OrderRefused(N_("“{reference}” is how creditbot numbers its orders: give "
                                  "the order a reference of your own (your PO number, "
                                  "say), or none."), reference=ref)
        dated = _DATE_INSIDE.search(ref) if ref is not None else None
        if dated is not None and dated[0] == ref:
            raise OrderRefused(N_("“{reference}” reads as a date, not an order reference: an "
                                  "order is dated the day it is placed. Give your own "
                                  "reference (your PO number, say), or none."), reference=ref)
        if dated is not None:
            raise OrderRefused(N_("“{reference}” has a date in it ({date}): an order is dated "
                                  "the day it is placed. Give your reference alone (your PO "
                                  "number, say), or none."), reference=ref, date=dated[0])
        now, today = self.clock(), self.today()
        known = self._known(actor, query, close=False)
        # The customer and the amount are read before the write lock is taken (SQLite has
        # one writer at a time), to refuse a bad one without waiting for it. The verdict
        # is worked out under the lock only, from the data as committed: an order placed
        # or released just before counts in the exposure this one is checked against, so
        # orders at once cannot each take the same headroom, nor miss a hold.
        if known is not None:
            customer = known.customer
        else:
            with self.unit_of_work() as uow:
                customer = self._customer(uow, query, close=False)
        money = self._amount(amount, currency, customer)
        with self.write_gate, self.unit_of_work() as uow:
            uow.begin_write()
            uow.orders.lock_customer(customer.customer_id)
            # Under the lock: two rushed retypes of one line cannot both get in.
            placed = (uow.orders.placed_with_reference(customer.customer_id, ref)
                      if ref is not None else None)
            if placed is not None:
                pending = (uow.credit_requests.find_open(release_key(
                    placed.customer_id, placed.order_id)) if placed.is_held else None)
                raise RepeatedOrder(placed, pending.id if pending is not None else None)
            erp = (uow.orders.erp_order_named(customer.customer_id, ref)
                   if ref is not None else None)
            if erp is not None:
                # Already in the ERP under that id: creditbot checks it as imported, and
                # a release asked for by the reference would find the ERP's order.
                raise OrderRefused(N_("“{reference}” is already the ERP's order of {customer} "
                                      "({amount}, {day}): creditbot checks the ERP's orders "
                                      "as they are imported. Give a new order a reference "
                                      "of its own."), reference=ref,
                                   customer=customer.name, amount=erp.amount,
                                   day=erp.order_date)
            held = uow.orders.held_ids(customer.customer_id, today)
            verdict = self._verdict(uow, customer, money, today, None, held)
            state = OrderState.PASSED if verdict.passed else OrderState.HELD
            stored = uow.orders.add(OrderCheck(
                OrderSource.SLACK, "", customer.customer_id, customer.name, money, today,
                state, verdict.failures, now, actor.user_id, reference=ref,
                contract_id=verdict.contract_id))
            uow.audit.append(AuditEntry(now, actor.user_id, "orders.placed",
                                        customer.customer_id, _details(stored)))
            if stored.is_held:
                self._held(uow, stored, customer, actor.user_id, now)
            uow.commit()
        return OrderAnswer(customer, verdict, stored)

    def names_a_customer(self, actor: Member, query: str) -> bool:
        """Whether ``query`` names one customer: an order line without an amount is then
        missing it, rather than ending in a mistyped one."""
        self._require(actor, "orders.check_refused", query)
        if not query.strip() or len(query) > MAX_QUERY:
            return False
        with self.unit_of_work() as uow:
            try:
                resolve_customer(query.strip(), uow.customers)
            except DomainError:
                return False
        return True

    def release_refusal(self, actor: Member, customer_id: str, order_id: str
                        ) -> OrderRefused | None:
        """Why there is no release to ask for of the customer's order (a *Request
        release* button pressed after the order was released, refused, or its release
        asked for), or ``None``: the form may open. The form's filing checks it all again."""
        self._require(actor, "orders.check_refused", customer_id)
        with self.unit_of_work() as uow:
            order = self.named(uow, customer_id, order_id)
            if order is None:
                return None
            if not order.is_held:
                return OrderRefused(NOT_HELD[order.state], order=order.order_id)
            pending = uow.credit_requests.find_open(release_key(customer_id, order.order_id))
        if pending is None:
            return None
        return OrderRefused(N_("The release of order {order} is already asked for in request "
                               "#{request}, which waits for a decision (`{requests}` shows "
                               "it)."), order=order.order_id, request=pending.id,
                            requests=CommandName("requests"))

    # -- on its own ---------------------------------------------------------------------

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
                        contract_id=order.contract_id))
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
        _lock_customers(uow, [h.customer_id for h in uow.orders.held(customer_ids)])
        # Read again under the locks: what was read before them may have been released or
        # changed by the transaction that held one.
        for hold in uow.orders.held(customer_ids):
            erp = _erp_copy(uow, hold)
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
                                                  "recheck", OrderHappened.PASSED_NOW))
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
            customer_name=customer.name if customer else hold.customer_name))
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
                                    {**_details(refused), "request": request_id}))
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

    def _release(self, uow: UnitOfWork, hold: OrderCheck, customer: Customer | None,
                 actor: str, now: datetime, why: str, tell: OrderHappened | None,
                 audit: bool = True) -> OrderCheck:
        saved = uow.orders.save(dataclasses.replace(
            hold, state=OrderState.RELEASED, released_at=now, released_by=actor,
            release_note=why))
        if actor == SYSTEM and self.release_requests is not None:
            # Released on its own: a request to release it has nothing left to decide.
            self.release_requests.withdraw(uow, hold.customer_id, hold.order_id, now)
        if audit:
            uow.audit.append(AuditEntry(now, actor, "orders.released", hold.customer_id,
                                        {**_details(saved), "why": why}))
        uow.events.record(OrderReleased(occurred_at=now, actor=actor,
                                        subject=hold.customer_id, order_id=hold.order_id,
                                        why=why))
        if tell is not None:
            self.notices.queue(uow.outbox, OrderChange(
                tell, saved, _recipients(customer, saved.checked_by),
                self._in_limit(uow, saved.amount, customer)))
        return saved

    def _held(self, uow: UnitOfWork, stored: OrderCheck, customer: Customer, actor: str,
              now: datetime, extra: Iterable[str | None] = ()) -> None:
        uow.audit.append(AuditEntry(now, actor, "orders.held", customer.customer_id,
                                    _details(stored)))
        uow.events.record(OrderHeld(occurred_at=now, actor=actor,
                                    subject=customer.customer_id, order_id=stored.order_id,
                                    rules=tuple(f.rule.value for f in stored.failures)))
        # The rep who placed it saw the answer (an owner placing an order too); the owner
        # (and an ERP order's owner) hear.
        told = tuple(p for p in _recipients(customer, *extra) if p != actor)
        if told:
            self.notices.queue(uow.outbox, OrderChange(
                OrderHappened.HELD, stored, told,
                self._in_limit(uow, stored.amount, customer)))

    def _in_limit(self, uow: UnitOfWork, amount: Money, customer: Customer | None
                  ) -> Money | None:
        """``amount`` in the customer's limit currency, for a note that shows both."""
        if customer is None or amount.currency == customer.credit_limit.currency:
            return None
        try:
            return self._convert(uow, amount, customer.credit_limit.currency,
                                 self.today()).rounded()
        except DomainError:
            return None  # no rate: the note shows the order as typed

    def _customer(self, uow: UnitOfWork, query: str, close: bool = True) -> Customer:
        """``close``: see ``domain.lookup.resolve_customer`` (False for an order placed)."""
        query = query.strip()
        if not query:
            raise OrderRefused(NAME_THE_CUSTOMER, command=CommandName("order"))
        if len(query) > MAX_QUERY:
            raise OrderRefused(N_("That is {length} characters long, too long to be a "
                                  "customer's name or id (at most {limit})."),
                               length=len(query), limit=MAX_QUERY)
        ref = resolve_customer(query, uow.customers, close=close)
        customer = uow.customers.get(ref.customer_id)
        if customer is None:
            raise OrderRefused(N_("Customer {customer} no longer exists."),
                               customer=ref.customer_id)
        return customer

    def _amount(self, text: str, currency: str | None, customer: Customer) -> Money:
        if currency is not None and has_sign(text):
            # "$12 EUR": read whole, so that the answer is about both currencies rather
            # than suggesting "12 USD" and dropping the EUR typed after it.
            text = f"{text} {currency}"
        # "$5k" for a customer billed in USD: the dollars it is billed in.
        typed = read_amount(text, implied=canonical(currency) if currency
                            else customer.credit_limit.currency)
        code = typed.currency or canonical(currency or "") or customer.credit_limit.currency
        if not is_currency(code):
            raise AmountError(text, N_("“{text}” is not an amount in a currency creditbot "
                                       "knows ({code} is not an ISO 4217 code): write it "
                                       "like {examples}."), code=code)
        return exact_money(text, typed.value, code)

    def _convert(self, uow: UnitOfWork, money: Money, currency: str, day: date) -> Money:
        if money.currency == currency:
            return money
        fx = FxRates(self.policy.base_currency, day, uow.rates.latest(day))
        return Money(money.amount * fx.factor(money.currency, currency), currency)

    def _position(self, uow: UnitOfWork, customer: Customer, as_of: date
                  ) -> tuple[CreditPosition, Money]:
        ids = [customer.customer_id]
        position = credit_position(
            customer.credit_limit,
            uow.receivables.aged_balances(ids, as_of, self.policy.buckets),
            uow.receivables.order_balances(ids, self.policy.placed_since(as_of)),
            FxRates(self.policy.base_currency, as_of, uow.rates.latest(as_of)),
            self.policy.buckets, as_of)
        # A limit creditbot approved replaces the ERP's, which an import overwrites.
        override = uow.credit_requests.effective_limits(ids, as_of).get(customer.customer_id)
        limit = override.limit if override is not None else position.limit
        return position, limit

    def _known(self, actor: Member, query: str, close: bool = True) -> CustomerCheck | None:
        """The customer and position through ``positions`` (access checked there).
        ``close``: see ``domain.lookup.resolve_customer`` (False for an order placed)."""
        if self.positions is None:
            return None
        if not query.strip():
            raise OrderRefused(NAME_THE_CUSTOMER, command=CommandName("check"))
        found = self.positions.check(actor, query.strip())
        if isinstance(found, GroupCheck):
            raise NotOneCustomer(found.group_id)
        customer = found.customer
        if not close and not named_without_guessing(
                query, customer.customer_id, (customer.name, customer.name_local)):
            # The check's look-up took a close name as the customer; an order is not
            # placed on one: the look-up again, refusing the guess with the closest.
            with self.unit_of_work() as uow:
                resolve_customer(query.strip(), uow.customers, close=False)
        return found

    def _verdict(self, uow: UnitOfWork, customer: Customer, order: Money, order_date: date,
                 erp: Order | None, held_before: Sequence[str],
                 later: Sequence[Money] = (), known: CustomerCheck | None = None) -> Verdict:
        """``later``: orders the exposure counts that came after this one (dated after
        it): taken out of the exposure it is checked against."""
        today = self.today()
        if known is not None:
            position, limit = known.position, known.position.limit
        else:
            position, limit = self._position(uow, customer, today)
        in_limit = self._convert(uow, order, limit.currency, today)
        within_most(str(order), in_limit)
        in_exposure = None
        if erp is not None and erp.is_exposure:
            in_exposure = self._convert(uow, erp.amount, limit.currency, today)
        for amount in later:
            in_exposure = self._convert(uow, amount, limit.currency, today) + (
                in_exposure or Money.zero(limit.currency))
        use, wanted, starts_later = (None, False, False)
        if self.rules.contracts:
            use, wanted, starts_later = self._contract(uow, customer, order, order_date, erp,
                                                       today)
        verdict = evaluate(in_limit, order_date, position, limit, self.rules,
                           held_before=held_before, contract=use, contract_wanted=wanted,
                           contracts_valid_later=starts_later, in_exposure=in_exposure)
        return dataclasses.replace(
            verdict, typed=None if order.currency == limit.currency else order,
            contract_id=use.contract.contract_id if use is not None else None)

    def _contract(self, uow: UnitOfWork, customer: Customer, order: Money, order_date: date,
                  erp: Order | None, today: date) -> tuple[ContractUse | None, bool, bool]:
        contracts = uow.orders.contracts(customer.customer_id)
        if erp is not None and erp.contract_id:
            chosen = next((c for c in contracts if c.contract_id == erp.contract_id), None)
            wanted = True
        else:
            chosen = next((c for c in contracts if c.valid_on(order_date)), None)
            wanted = bool(contracts)
        later = any(c.start_date > order_date for c in contracts)
        if chosen is None:
            return None, wanted, later
        limit = chosen.credit_limit
        if limit is None:
            return ContractUse(chosen), wanted, later
        used = Money.zero(limit.currency)
        for other in uow.orders.contract_orders(chosen.contract_id,
                                                self.policy.placed_since(today)):
            if erp is not None and other.order_id == erp.order_id:
                continue
            used += self._convert(uow, other.amount, limit.currency, today)
        return (ContractUse(chosen, used.rounded(),
                            self._convert(uow, order, limit.currency, today).rounded()),
                wanted, later)

    def _require(self, actor: Member, refused: str, subject: str) -> None:
        if self.access.allows(actor):
            return
        with self.unit_of_work() as uow:
            uow.audit.append(AuditEntry(self.clock(), actor.user_id, refused,
                                        subject[:MAX_QUERY]))
            uow.commit()
        self.access.require(actor)


def _recipients(customer: Customer | None, *others: str | None) -> tuple[str, ...]:
    found = [customer.owner_slack_id if customer else None, *others]
    return tuple(dict.fromkeys(p for p in found if p and p != SYSTEM))


def _details(check: OrderCheck) -> dict[str, object]:
    return {"order": check.order_id, "source": check.source.value,
            "amount": str(check.amount.amount), "currency": check.amount.currency,
            "state": check.state.value, "reference": check.reference,
            "contract": check.contract_id, "failures": [f.as_json() for f in check.failures]}
