"""Use cases of order review (``OrderChecks``): check an order without recording it,
place one (recorded; held when a rule fails), review the ERP's open orders, re-check
held orders and release those that pass, release one when its order-release request is
approved. Each checks who may act (credit data is confidential), owns its unit of work,
audit entries, events and owner notes (through the outbox), and commits.

Asked in Slack here; reviewing holds in ``holds``, on what both share in ``context``.

A customer is *on hold* when creditbot holds an earlier order of theirs: orders ship in
the order they came, so a held order holds the ones placed after it (``on_hold`` in
app.yaml turns this off). The ERP's customer export has no hold flag to read.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.access import Member
from domain.amount_text import has_sign, read_amount
from domain.amounts import AmountError, exact_money
from domain.approvals.model import release_key
from domain.check import CustomerCheck, GroupCheck
from domain.currencies import canonical, is_currency
from domain.errors import DomainError
from domain.lookup import named_without_guessing, resolve_customer
from domain.model import AuditEntry, Customer
from domain.money import Money
from domain.orders.context import (
    MAX_QUERY,
    OrderAnswer,
    OrderRefused,
    clean_reference,
    order_details,
)
from domain.orders.dates import date_in
from domain.orders.holds import HoldReview, in_erp_as
from domain.orders.model import (
    NOT_HELD,
    NOT_WITHDRAWABLE,
    OrderCheck,
    OrderSource,
    OrderState,
    looks_like_our_id,
    withdrawn_record,
)
from domain.orders.ports import OrderChange, OrderHappened
from domain.orders.typed import NoCustomer
from domain.ports import UnitOfWork
from domain.refs import CustomerRef
from domain.text import N_, CommandName


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
                         customer=placed.customer_names, amount=placed.amount,
                         day=placed.order_date, **pending)


@dataclass(frozen=True)
class PlacedOrder:
    """An order a person placed, with its open release request when one waits."""

    check: OrderCheck
    release_request: int | None = None
    # The customer as the ERP has it now (renamed since, with its local-script name);
    # None when the ERP no longer has it.
    customer: CustomerRef | None = None
    # The order in the customer's limit currency at today's rate, when it is in another
    # (as the notes of a hold show it): what it takes of the customer's credit.
    in_limit: Money | None = None


class NotOneCustomer(OrderRefused):
    def __init__(self, group: str) -> None:
        super().__init__(N_("“{group}” is a customer group; an order is for one customer: "
                            "name one of its members."), group=group)


class OrderChecks(HoldReview):
    """Every use case of order review, on one ``OrdersContext``."""

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
        dated = date_in(ref) if ref is not None else None
        if dated is not None and dated == ref:
            raise OrderRefused(N_("“{reference}” reads as a date, not an order reference: an "
                                  "order is dated the day it is placed. Give your own "
                                  "reference (your PO number, say), or none."), reference=ref)
        if dated is not None:
            raise OrderRefused(N_("“{reference}” has a date in it ({date}): an order is dated "
                                  "the day it is placed. Give your reference alone (your PO "
                                  "number, say), or none."), reference=ref, date=dated)
        now, today = self.clock(), self.today()
        known = self._known(actor, query, close=False, command="order")
        # The customer and the amount are read before the write lock is taken (SQLite has
        # one writer at a time), to refuse a bad one without waiting for it. The verdict
        # is worked out under the lock only, from the data as committed: an order placed
        # or released just before counts in the exposure this one is checked against, so
        # orders at once cannot each take the same headroom, nor miss a hold.
        if known is not None:
            customer = known.customer
        else:
            with self.unit_of_work() as uow:
                customer = self._customer(uow, query, close=False, command="order")
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
                # Named as the ERP writes it: "PO 2026/118" is its PO-2026-118.
                raise OrderRefused(N_("“{reference}” is already the ERP's order {order} of "
                                      "{customer} ({amount}, {day}): creditbot checks the "
                                      "ERP's orders as they are imported. Give a new order "
                                      "a reference of its own."), reference=ref,
                                   order=erp.order_id, customer=customer.names,
                                   amount=erp.amount, day=erp.order_date)
            held = uow.orders.held_ids(customer.customer_id, today)
            verdict = self._verdict(uow, customer, money, today, None, held)
            state = OrderState.PASSED if verdict.passed else OrderState.HELD
            stored = uow.orders.add(OrderCheck(
                OrderSource.SLACK, "", customer.customer_id, customer.name, money, today,
                state, verdict.failures, now, actor.user_id, reference=ref,
                contract_id=verdict.contract_id, customer_name_local=customer.name_local))
            uow.audit.append(AuditEntry(now, actor.user_id, "orders.placed",
                                        customer.customer_id, order_details(stored)))
            if stored.is_held:
                self._held(uow, stored, customer, actor.user_id, now)
            uow.commit()
        return OrderAnswer(customer, verdict, stored)

    def withdraw(self, actor: Member, customer_id: str, order_id: str) -> OrderCheck:
        """Takes back an order ``actor`` placed in creditbot (a mistyped amount, an order
        the customer cancelled): it no longer counts in the exposure nor holds the
        customer's later orders, which are checked again. Refused while its release is
        asked for (the request is cancelled first, by its requester). Audited
        ``orders.withdrawn``."""
        self._require(actor, "orders.withdraw_refused", customer_id)
        now = self.clock()
        with self.write_gate, self.unit_of_work() as uow:
            uow.begin_write()
            uow.orders.lock_customer(customer_id)
            order = self.named(uow, customer_id, order_id)
            if order is None or order.source is not OrderSource.SLACK:
                raise OrderRefused(N_("No order {order} was placed in creditbot for this "
                                      "customer: nothing was withdrawn."), order=order_id)
            if order.checked_by != actor.user_id:
                raise OrderRefused(N_("Order {order} was placed by <@{who}>: only they can "
                                      "withdraw it."), order=order.order_id,
                                   who=order.checked_by)
            if order.state in NOT_WITHDRAWABLE:
                raise OrderRefused(NOT_WITHDRAWABLE[order.state], order=order.order_id)
            erp = in_erp_as(uow, order)
            if erp is not None:
                # The ERP's copy counts and ships whatever creditbot's says.
                raise OrderRefused(N_("Order {order} is in the ERP now, as its order "
                                      "{erp}: cancel it there; creditbot follows the ERP's "
                                      "orders as they are imported."),
                                   order=order.order_id, erp=erp.order_id)
            pending = uow.credit_requests.find_open(release_key(customer_id, order.order_id))
            if pending is not None:
                # Its approvers would decide a release of an order that no longer is.
                raise OrderRefused(N_("The release of order {order} is asked for in request "
                                      "#{request}: cancel the request first (`{requests}` "
                                      "lists it), then withdraw the order."),
                                   order=order.order_id, request=pending.id,
                                   requests=CommandName("requests"))
            withdrawn = uow.orders.save(withdrawn_record(order, actor.user_id, now))
            uow.audit.append(AuditEntry(now, actor.user_id, "orders.withdrawn", customer_id,
                                        order_details(withdrawn)))
            customer = uow.customers.get(customer_id)
            told = tuple(p for p in self.told(customer) if p != actor.user_id) \
                if customer is not None and order.is_held else ()
            if told:  # the owner heard of the hold, and would chase its release
                self.notices.queue(uow.outbox, OrderChange(
                    OrderHappened.WITHDRAWN, withdrawn, told,
                    self._in_limit(uow, withdrawn.amount, customer)))
            # What it took of the headroom, or its hold, may have held later orders.
            self.recheck_in(uow, [customer_id], now)
            uow.commit()
        return withdrawn

    def mine(self, actor: Member, limit: int = 20) -> list[PlacedOrder]:
        """The orders ``actor`` placed in Slack, newest first, each with its open release
        request if one waits. Their own record: the access check alone."""
        self._require(actor, "orders.list_refused", "")
        with self.unit_of_work() as uow:
            placed = uow.orders.placed_by(actor.user_id, limit)
            customers = {c.customer_id: c for c in
                         uow.customers.fetch(sorted({p.customer_id for p in placed}))}
            listed = []
            for check in placed:
                request = uow.credit_requests.find_open(release_key(
                    check.customer_id, check.order_id)) if check.is_held else None
                customer = customers.get(check.customer_id)
                listed.append(PlacedOrder(
                    check, request.id if request is not None else None,
                    CustomerRef(customer.customer_id, customer.name, customer.name_local)
                    if customer is not None else None,
                    self._in_limit(uow, check.amount, customer)))
        return listed

    def names_a_customer(self, actor: Member, query: str) -> bool:
        """Whether ``query`` names one customer: an order line without an amount is then
        missing it, rather than ending in a mistyped one."""
        return self.customer_named(actor, query) is not None

    def customer_named(self, actor: Member, query: str, close: bool = True
                       ) -> CustomerRef | None:
        """The one customer ``query`` names, if any (``close``: or comes close to, see
        ``domain.lookup.resolve_customer``)."""
        self._require(actor, "orders.check_refused", query)
        if not query.strip() or len(query) > MAX_QUERY:
            return None
        with self.unit_of_work() as uow:
            try:
                return resolve_customer(query.strip(), uow.customers, close=close)
            except DomainError:
                return None

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

    def _customer(self, uow: UnitOfWork, query: str, close: bool = True,
                  command: str = "check") -> Customer:
        """``close``: see ``domain.lookup.resolve_customer`` (False for an order placed);
        ``command``: the one a refusal to name the customer shows (check or order)."""
        query = query.strip()
        if not query:
            raise NoCustomer(CommandName(command))
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
        # "$5k" for a customer billed in USD: the dollars it is billed in; and "$5k EUR"
        # for one billed in CAD is refused with 5,000 CAD as one way, as a request is.
        given = canonical(currency) if currency and not has_sign(text) else None
        # "$10k" for a customer billed in pesos, at a dollar company: asked, not guessed.
        implied, base = given or customer.credit_limit.currency, \
            None if given else self.policy.base_currency
        try:
            typed = read_amount(text, implied=implied, base=base,
                                customers=None if given else implied)
        except AmountError as wrong:
            if currency is not None and "unit" in wrong.params:
                # "1,5 Mio. EUR": its ways of writing it name the euros typed apart, or
                # "like 1500000" booked $1,500,000 for a customer billed in dollars.
                read_amount(f"{text} {currency}", implied=implied, base=base)
            raise
        code = typed.currency or canonical(currency or "") or customer.credit_limit.currency
        if not is_currency(code):
            raise AmountError(text, N_("“{text}” is not an amount in a currency creditbot "
                                       "knows ({code} is not an ISO 4217 code): write it "
                                       "like {examples}."), code=code)
        return exact_money(text, typed.value, code)

    def _known(self, actor: Member, query: str, close: bool = True,
               command: str = "check") -> CustomerCheck | None:
        """The customer and position through ``positions`` (access checked there).
        ``close``: see ``domain.lookup.resolve_customer`` (False for an order placed)."""
        if self.positions is None:
            return None
        if not query.strip():
            raise NoCustomer(CommandName(command))
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
