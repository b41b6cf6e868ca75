"""Filing a credit request: what a person typed (``Filing``) read into a request with
its figures, measured by the policy and routed to its levels. A request that cannot be
filed as given is refused with what to write instead, every wrong field at once."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.access import AccessDenied, Member
from domain.amount_text import (
    LIMIT_COMES_TO_TOO_MUCH,
    LIMIT_TOO_LARGE,
    one_currency,
    read_amount,
    within_most,
)
from domain.amounts import exact_money
from domain.approvals.context import RequestsContext, permanent_limit, request_details
from domain.approvals.deciders import undecidable
from domain.approvals.events import RequestFiled
from domain.approvals.model import (
    KIND_TITLES,
    LIMIT_KINDS,
    AskedIn,
    CreditRequest,
    RequestKind,
)
from domain.approvals.ports import Happened, RequestChange
from domain.approvals.roles import Role
from domain.currencies import canonical, is_currency
from domain.days import year_after
from domain.errors import CustomerLookupError, DomainError, SeveralProblems
from domain.fx import FxRates
from domain.lookup import resolve_customer
from domain.model import AuditEntry, Customer, OrderStatus
from domain.money import Money
from domain.orders.model import NOT_HELD
from domain.ports import UnitOfWork
from domain.refs import CustomerRef
from domain.text import N_, CommandName, Listed, Phrase, without_invisible

MAX_REASON = 2000
# Payment terms people may ask for, in days.
TERMS_RANGE = (0, 365)


class FilingRefused(DomainError):
    """A request that cannot be filed as given; the message says what to write."""


# As exchange rates are stored (storage.types.ExactDecimal): the same on both databases.
RATE_PLACES = Decimal("1e-12")


def _refused(template: str, **params: Any) -> FilingRefused:
    return FilingRefused(template, **params)


def temporary_until(expires_on: date | None, today: date) -> date:
    """A temporary limit's last day, refused unless it is from today to within a year."""
    if expires_on is None:
        raise _refused(N_("A temporary limit needs the last day it applies, e.g. {example}."),
                       example=year_after(today).isoformat())
    if expires_on < today:
        raise _refused(N_("A temporary limit must last until today ({today}) or later; {day} "
                          "is already past."), day=expires_on, today=today)
    if expires_on >= year_after(today):
        # Through 9999 it would be a permanent raise nobody decided as one.
        raise _refused(N_("A temporary limit runs for a year at most: its last day must "
                          "be before {latest}, and {day} is not. For longer, ask for a "
                          "limit increase."), day=expires_on, latest=year_after(today))
    return expires_on


SHOWN_HELD = 5


@dataclass(frozen=True)
class Filing:
    """What a person asks for, as typed (the command line or the modal's fields).

    ``amount`` (limit kinds): a new total (``250000``, ``USD 250k``, ``25万``) or an
    increase (``+100k``), parsed as ``domain.amounts`` reads amounts; in ``currency``
    (or the currency it names), else in the customer's limit currency. ``expires_on``
    (temporary limit): the last day it applies. ``order_id`` (order release),
    ``terms_days`` (terms change)."""

    customer: str
    kind: RequestKind
    reason: str
    amount: str | None = None
    currency: str | None = None
    expires_on: date | None = None
    order_id: str | None = None
    terms_days: int | None = None


class Filings(RequestsContext):
    """File a request, or check one as filing would, writing nothing."""

    def customer(self, actor: Member, query: str, currency: str | None = None, *,
                 close: bool = False) -> CustomerRef:
        """The customer ``query`` names, for a form that checks every field before it
        files; ``CustomerLookupError`` (with candidates) when unknown or unclear. With
        ``currency`` (an amount's), ``MissingRate`` when filing would find no rate for
        it, to the customer's limit currency or to the base currency the policy measures
        in. ``close``: as ``domain.lookup.resolve_customer`` takes it (False: a request is
        filed on the customer named, never on one a typo comes close to)."""
        self._require(actor, "requests.file_refused", query[:200])
        with self.unit_of_work() as uow:
            ref = resolve_customer(query, uow.customers, close=close)
            customer = uow.customers.get(ref.customer_id) if currency else None
            if customer is not None and currency is not None:
                today = self.today()
                fx = FxRates.on_record(uow.rates, self.policy.base_currency, today)
                fx.factor(currency, customer.credit_limit.currency)
                fx.factor(currency, self.policy.base_currency)
            return ref

    def file(self, actor: Member, filing: Filing) -> CreditRequest:
        """Files a request and routes it by the policy (its first level waits).

        Refused with a ``DomainError`` saying what to write: no reason, a limit not
        above the current one, a temporary limit without a future last day, an order
        that is not the customer's open order, terms unchanged, a currency without an
        exchange rate (``MissingRate``), or an open request about the same thing already
        (one per customer's limit, per order, per customer's terms): filing twice gives
        one request. Audited ``requests.filed``; event ``RequestFiled``."""
        self._require(actor, "requests.file_refused", filing.customer[:200])
        reason = " ".join((filing.reason or "").split())
        wrong_reason = None
        if not reason:
            wrong_reason = _refused(N_("Say why: a request needs a reason, e.g. “larger "
                                       "orders for the Q1 season”."))
        elif len(reason) > MAX_REASON:
            wrong_reason = _refused(N_("A reason takes at most {limit} characters; this one "
                                       "has {length}. Give the details in a thread."),
                                    limit=MAX_REASON, length=len(reason))
        if wrong_reason is not None:
            # Said with whatever else is wrong (checked writing nothing), in one round.
            try:
                self.check(actor, filing)
            except (AccessDenied, CustomerLookupError):
                raise
            except DomainError as more:
                others = more.problems if isinstance(more, SeveralProblems) else (more,)
                raise SeveralProblems([*others, wrong_reason]) from None
            raise wrong_reason
        return self._retried(lambda: self._file(actor, filing, reason))

    def _file(self, actor: Member, filing: Filing, reason: str) -> CreditRequest:
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            ref = resolve_customer(filing.customer, uow.customers, close=False)
            customer = uow.customers.get(ref.customer_id)
            if customer is None:
                raise _refused(N_("Customer {customer} no longer exists."),
                               customer=ref.customer_id)
            if filing.kind is RequestKind.ORDER_RELEASE:
                # The order's rep withdrawing it at this moment takes this lock too: on
                # PostgreSQL each missed the other's write, and an order withdrawn got a
                # release request nobody could approve.
                uow.orders.lock_customer(customer.customer_id)
            fx = FxRates.on_record(uow.rates, self.policy.base_currency, today)
            current = self._current(uow, customer, filing.kind, today)
            request = self._draft(uow, actor, filing, reason, customer, current, fx, now,
                                  today)
            holders = self.roster.holders()
            stuck = undecidable(request.route, actor.user_id, holders)
            if stuck is not None and not holders.get(request.route[stuck - 1].role):
                # "The CFO is you …" of a role nobody holds: app.yaml's to mend.
                raise _refused(N_("Nobody could decide level {level} ({role}) of this "
                                  "request: app.yaml names nobody as {role}. Ask the credit "
                                  "team to name one under roles, or to route such requests "
                                  "to a role someone holds."),
                               level=stuck, role=Role(request.route[stuck - 1].role))
            if stuck is not None:
                # Filed, it would stay open for ever, refused to everyone.
                raise _refused(N_("Nobody could decide level {level} ({role}) of this "
                                  "request: the {role} is you, someone standing in for "
                                  "you, or someone who decides another level of it. Ask "
                                  "another {role} to file it, or the credit team to name "
                                  "one in app.yaml."),
                               level=stuck, role=Role(request.route[stuck - 1].role))
            existing = store.find_open(request.open_key)
            if existing is not None and existing.kind is RequestKind.ORDER_RELEASE:
                # One open release per order, not per customer: say which order (and so
                # the form shows it beside its Order field).
                raise _refused(N_("There is already an open release request for order "
                                  "{order} of {customer} (#{request}): it must be decided "
                                  "or cancelled first."),
                               order=existing.order_id or "",
                               customer=existing.customer_names, request=existing.id)
            if existing is not None and existing.requested_by == actor.user_id:
                # Said without a mention: a form shows its errors as plain text.
                # The customer is named: a name typed loosely may have matched another.
                raise _refused(N_("You already filed an open {kind} request for {customer} "
                                  "(#{request}): it must be decided or cancelled first "
                                  "(`{requests}` lists it)."), requests=CommandName("requests"),
                               kind=Phrase(KIND_TITLES[existing.kind]),
                               customer=existing.customer_names, request=existing.id)
            if existing is not None:
                raise _refused(N_("There is already an open {kind} request for {customer} "
                                  "(#{request}, filed by <@{who}>): it must be decided or "
                                  "cancelled first."),
                               kind=Phrase(KIND_TITLES[existing.kind]),
                               customer=existing.customer_names, request=existing.id,
                               who=existing.requested_by)
            stored = store.add(request)
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.filed",
                                        stored.customer_id, {
                                            **request_details(stored),
                                            "policy": self.policy.evidence(
                                                stored.kind, stored.measured.amount)}))
            uow.events.record(RequestFiled(occurred_at=now, actor=actor.user_id,
                                           subject=stored.customer_id, request_id=stored.id,
                                           kind=stored.kind.value,
                                           levels=len(stored.route)))
            self._audit_escalated_at_once(uow, stored, (), now)
            self.notices.queue(uow.outbox, RequestChange(
                Happened.FILED, stored, (),
                standing=self.standing(uow, stored.customer_id, stored.order_id),
                stand_ins=self._stand_ins(uow, stored)))
            uow.commit()
        return stored

    def check(self, actor: Member, filing: Filing) -> None:
        """Refuses ``filing`` as ``file`` would, writing nothing, for a form that shows
        every wrong field at once: the customer (``CustomerLookupError``), then the kind's
        own fields (``SeveralProblems`` when the amount and the last day are both wrong,
        ``MissingRate`` for an amount with no rate). Not checked here: the reason (the
        form checks it) and another open request (that is the filing's race)."""
        self._require(actor, "requests.file_refused", filing.customer[:200])
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            ref = resolve_customer(filing.customer, uow.customers, close=False)
            customer = uow.customers.get(ref.customer_id)
            if customer is None:
                return  # gone since the look-up: filing says so
            fx = FxRates.on_record(uow.rates, self.policy.base_currency, today)
            current = self._current(uow, customer, filing.kind, today)
            self._draft(uow, actor, filing, filing.reason or "", customer, current, fx, now,
                        today)

    def _current(self, uow: UnitOfWork, customer: Customer, kind: RequestKind,
                 today: date) -> Money:
        """The limit a request of ``kind`` starts from: a temporary one from the limit in
        force today (an approved override included), the others from the permanent."""
        if kind is RequestKind.TEMPORARY_LIMIT:
            override = uow.credit_requests.effective_limits(
                [customer.customer_id], today).get(customer.customer_id)
            return override.limit if override else customer.credit_limit
        return permanent_limit(uow, customer, today)

    def _draft(self, uow: UnitOfWork, actor: Member, filing: Filing, reason: str,
               customer: Customer, current: Money, fx: FxRates, now: datetime,
               today: date) -> CreditRequest:
        kind = filing.kind
        new_limit = increase = order_amount = asked_in = None
        expires_on = order_id = order_reference = None
        terms_days = current_terms = None
        if kind in LIMIT_KINDS:
            # The amount and the last day are wrong or right each on its own: both are
            # said at once, not one per try.
            problems: list[DomainError] = []
            try:
                new_limit, asked_in = self._raise_of(filing, customer, current, fx)
                increase = Money(new_limit.amount - current.amount, current.currency)
            except DomainError as wrong:
                problems.append(wrong)
            if kind is RequestKind.TEMPORARY_LIMIT:
                try:
                    expires_on = temporary_until(filing.expires_on, today)
                except DomainError as wrong:
                    problems.append(wrong)
            if problems:
                raise problems[0] if len(problems) == 1 else SeveralProblems(problems)
        elif kind is RequestKind.ORDER_RELEASE:
            # As typed, without the invisible characters a paste brings along (a text of
            # nothing else was quoted back as “”).
            order_id = " ".join(without_invisible(filing.order_id or "").split())
            if not order_id:
                # ``order`` (unused in the words) tells a form which field it is about.
                raise _refused(N_("An order release needs the held order's id (CB-…) or "
                                  "its reference."), order="")
            # A held order placed through /credit order (CB-…) as well as an ERP order.
            order = (self.held_orders.find(uow, customer.customer_id, order_id)
                     if self.held_orders is not None else None)
            placed = (self.held_orders.named(uow, customer.customer_id, order_id)
                      if order is None and self.held_orders is not None else None)
            if placed is not None:
                raise _refused(NOT_HELD[placed.state], order=placed.order_id)
            if order is None:
                erp = uow.credit_requests.order(order_id)
                if erp is not None and erp.customer_id == customer.customer_id and (
                        self.held_orders is not None or erp.status is not OrderStatus.OPEN):
                    # An order creditbot does not hold ships without anyone's release.
                    raise _refused(N_("Order {order} is not held ({status}): there is "
                                      "nothing to release."), order=order_id,
                                   status=erp.status.value)
                order = erp
            if order is None or order.customer_id != customer.customer_id:
                # The ones it could be, since the rep rarely has creditbot's ids at hand.
                held = uow.orders.held_ids(customer.customer_id)
                if not held:
                    raise _refused(N_("{customer} has no order “{order}”, and no held "
                                      "order to release."),
                                   customer=customer.names, order=order_id)
                shown = Listed((*held[:SHOWN_HELD], "…") if len(held) > SHOWN_HELD
                               else held)
                raise _refused(N_("{customer} has no order “{order}”: give one of its held "
                                  "orders ({held}), or the reference it was placed under."),
                               customer=customer.names, order=order_id, held=shown)
            # Named by its reference, it is filed under its id all the same.
            order_id, order_amount, order_reference = (order.order_id, order.amount,
                                                       order.reference)
        else:
            terms_days = filing.terms_days
            current_terms = customer.payment_terms_days
            low, high = TERMS_RANGE
            if terms_days is None or not low <= terms_days <= high:
                raise _refused(N_("Give the new payment terms in days, from {low} to "
                                  "{high}, e.g. 60."), low=low, high=high)
            if terms_days == current_terms:
                raise _refused(N_("{customer}'s terms are already {days} days."),
                               customer=customer.names, days=terms_days)
        measure = self.policy.measure(kind, fx, new_limit=new_limit, increase=increase,
                                      order_amount=order_amount, current_limit=current)
        if new_limit is not None:  # measured in the base currency, it may be more still
            within_most(filing.amount or "", measure.amount, LIMIT_COMES_TO_TOO_MUCH)
        request = CreditRequest(
            kind=kind, customer_id=customer.customer_id, customer_name=customer.name,
            customer_name_local=customer.name_local,
            requested_by=actor.user_id, filed_at=now, reason=reason,
            measured=measure.amount, route=measure.route, current_limit=current,
            new_limit=new_limit, increase=increase, expires_on=expires_on,
            order_id=order_id, order_reference=order_reference, order_amount=order_amount,
            current_terms_days=current_terms,
            terms_days=terms_days, asked_in=asked_in, level_since=now)
        return replace(request, level_deadline=self.level_deadline(request, now, 1))

    def _raise_of(self, filing: Filing, customer: Customer, current: Money, fx: FxRates
                  ) -> tuple[Money, AskedIn | None]:
        """The limit asked for, refused unless it raises the current one."""
        kind = filing.kind
        new_limit, asked_in = self._new_limit(filing, current, fx)
        if kind is RequestKind.FIRST_LIMIT and current.amount > 0:
            raise _refused(N_("{customer} already has a limit of {current}: ask for a "
                              "limit increase instead."),
                           customer=customer.names, current=current)
        typed = unicodedata.normalize("NFKC", filing.amount or "").strip()
        if new_limit.amount <= current.amount and not typed.startswith("+"):
            # "USD 10k" meant as ten thousand more: say how to write that.
            raise _refused(N_("{new} is not above the current limit of {current}: a "
                              "{kind} must raise it. For an increase of that much, "
                              "write +{typed}."), new=new_limit, current=current,
                           kind=Phrase(KIND_TITLES[kind]), typed=typed)
        if new_limit.amount <= current.amount:
            raise _refused(N_("{new} is not above the current limit of {current}: a "
                              "{kind} must raise it."), new=new_limit,
                           current=current, kind=Phrase(KIND_TITLES[kind]))
        return new_limit, asked_in

    @staticmethod
    def _new_limit(filing: Filing, current: Money, fx: FxRates
                   ) -> tuple[Money, AskedIn | None]:
        text = unicodedata.normalize("NFKC", filing.amount or "").strip()
        if not text:
            raise _refused(N_("Give the new limit or the increase, e.g. 250000 or +100k."))
        relative = text.startswith("+")
        given = canonical(filing.currency) if filing.currency else None
        typed = read_amount(text, LIMIT_TOO_LARGE, increase=True,
                            implied=given or current.currency,
                            base=None if given else fx.base,
                            customers=None if given else current.currency)
        one_currency(text, typed, given)
        currency = typed.currency or given or current.currency
        # The limit stays in the currency the ERP keeps it in; an amount typed in
        # another is converted at the day's rate.
        typed_money = exact_money(text, typed.value, currency, "+" if relative else "") \
            if is_currency(currency) else Money(typed.value, currency)
        factor = fx.factor(currency, current.currency)
        asked = Money(typed_money.amount * factor, current.currency).rounded()
        # The approvers decide on the conversion and see what was typed beside it.
        asked_in = AskedIn(typed_money, relative, factor.quantize(RATE_PLACES)) \
            if currency != current.currency else None
        new_limit = current + asked if relative else asked
        within_most(text, new_limit, LIMIT_COMES_TO_TOO_MUCH)
        return new_limit, asked_in
