"""Use cases of credit requests (``CreditRequests``): file, decide, cancel, list, history,
delegate. Each checks who may act (credit data is confidential: only those who may see
it file, decide or read requests), opens its own unit of work, writes its audit entry
and events, queues its Slack notices through ``RequestNotices`` and commits: a button, a
modal, a job or the CLI cannot skip a step, and a refusal changes nothing.

Exactly one decision per level, however many clicks arrive at once: a deciding unit of
work takes the write lock first (``uow.begin_write``, SQLite), the request row carries
a version (optimistic locking) and a level's decision is unique in storage. The loser
of a race is retried once from fresh records and so hears who decided, never a 500.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, TypeVar

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.amount_text import (
    LIMIT_COMES_TO_TOO_MUCH,
    LIMIT_TOO_LARGE,
    one_currency,
    read_amount,
    within_most,
)
from domain.amounts import exact_money
from domain.approvals.deciders import undecidable
from domain.approvals.delegation import DelegationRefused, check_period
from domain.approvals.events import (
    DelegationGranted,
    InfoAsked,
    LevelApproved,
    LimitChanged,
    OrderReleaseApproved,
    RequestCancelled,
    RequestFiled,
    RequestRejected,
    TermsChangeApproved,
)
from domain.approvals.model import (
    KIND_TITLES,
    LIMIT_KINDS,
    AskedIn,
    ChangeKind,
    CreditRequest,
    Decision,
    Delegation,
    LimitChange,
    Outcome,
    RequestKind,
    RequestRecord,
    RequestState,
    effective_limit,
    stands_on,
)
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.ports import (
    Happened,
    NoNotices,
    RequestChange,
    RequestNotices,
    Standing,
    route_roles,
    stand_ins,
)
from domain.approvals.roles import Role
from domain.approvals.rules import (
    RequestChanged,
    RequestNotFound,
    authority,
    is_expired,
    may_decide,
    require_comment,
)
from domain.approvals.standing import customer_standing
from domain.collections.record import CollectionRecord, collection_record
from domain.currencies import canonical, is_currency
from domain.days import year_after
from domain.errors import CustomerLookupError, DomainError, SeveralProblems
from domain.fx import FxRates
from domain.lookup import resolve_customer
from domain.model import AuditEntry, Customer, OrderStatus
from domain.money import Money
from domain.orders.model import NOT_HELD, OrderCheck
from domain.orders.ports import HeldOrders
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext
from domain.refs import CustomerRef
from domain.retry import retried
from domain.text import N_, CommandName, Listed, Phrase, without_invisible

MAX_REASON = 2000
MAX_COMMENT = 2000
MAX_QUESTION = 2000
T = TypeVar("T")
# Who the audit log names for what creditbot does on its own.
SYSTEM = "creditbot"
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
        raise _refused(N_("A temporary limit must last until today or later; {day} is "
                          "already past."), day=expires_on)
    if expires_on >= year_after(today):
        # Through 9999 it would be a permanent raise nobody decided as one.
        raise _refused(N_("A temporary limit runs for a year at most: its last day is "
                          "before {latest}, and {day} is not. For longer, ask for a limit "
                          "increase."), day=expires_on, latest=year_after(today))
    return expires_on


class CancelRefused(DomainError):
    pass


# Held orders named in a refusal of a release for an order the customer does not have.
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


@dataclass(frozen=True)
class Roster:
    """Who holds which role, and the departments people belong to (from app.yaml)."""

    roles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    departments: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def holders(self) -> dict[str, tuple[str, ...]]:
        return {role: tuple(users) for role, users in self.roles.items()}

    def member(self, user_id: str) -> Member:
        return Member(user_id,
                      frozenset(r for r, users in self.roles.items() if user_id in users),
                      frozenset(d for d, users in self.departments.items()
                                if user_id in users))


@dataclass(frozen=True)
class History:
    customer: CustomerRef
    requests: list[RequestRecord]
    limit_changes: list[LimitChange]
    # Its orders that were held, newest first: held, released (how, by whom) or refused.
    held_orders: list[OrderCheck] = field(default_factory=list)
    # What collectors, disputes and legal recorded about it (empty when never collected).
    collections: CollectionRecord | None = None


@dataclass(frozen=True)
class CreditRequests:
    """The credit requests capability, bound to its unit of work, policy and people."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: ApprovalPolicy
    roster: Roster
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: RequestNotices = field(default_factory=NoNotices)
    # What the cards' position figures are computed with (as /credit check computes
    # them); without it the cards show the request alone.
    positions: CreditPolicyContext | None = None
    # Held orders (domain.orders): released by an approved order release, re-checked when
    # a limit is raised. None: no order review wired (tests of requests alone).
    held_orders: HeldOrders | None = None

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def _stand_ins(self, uow: UnitOfWork, request: CreditRequest
                   ) -> dict[str, tuple[str, ...]]:
        """Who stands in today for a holder of each role of the request's route: the
        cards and reminders reach them too, so a delegate can decide from Slack."""
        return stand_ins(uow.credit_requests, route_roles(request), self.roster.holders(),
                         self.today(), request.requested_by)

    def standing(self, uow: UnitOfWork, customer_id: str) -> Standing:
        """The customer's standing for a card, inside ``uow``'s transaction (a job that
        queues reminders or escalations calls it too)."""
        return customer_standing(uow, customer_id, self.today(), self.positions)

    # -- filing -----------------------------------------------------------------------

    def latest_decision(self, request: CreditRequest) -> datetime:
        """When the last level decides at the latest, if the current one and each after
        it take their full time (the policy's clock: every hour, or working time)."""
        end = request.deadline()
        for level in request.route[request.level:]:
            end = self.policy.deadline(end, level.deadline_hours)
        return end

    def customer(self, actor: Member, query: str, currency: str | None = None
                 ) -> CustomerRef:
        """The customer ``query`` names, for a form that checks every field before it
        files; ``CustomerLookupError`` (with candidates) when unknown or unclear. With
        ``currency`` (an amount's), ``MissingRate`` when filing would find no rate for
        it, to the customer's limit currency or to the base currency the policy measures
        in."""
        self._require(actor, "requests.file_refused", query[:200])
        with self.unit_of_work() as uow:
            ref = resolve_customer(query, uow.customers, close=False)
            customer = uow.customers.get(ref.customer_id) if currency else None
            if customer is not None and currency is not None:
                today = self.today()
                fx = FxRates(self.policy.base_currency, today, uow.rates.latest(today))
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
            wrong_reason = _refused(N_("Keep the reason under {limit} characters; attach "
                                       "details in a thread."), limit=MAX_REASON)
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
            fx = FxRates(self.policy.base_currency, today, uow.rates.latest(today))
            current = self._current(uow, customer, filing.kind, today)
            request = self._draft(uow, actor, filing, reason, customer, current, fx, now,
                                  today)
            stuck = undecidable(request.route, actor.user_id, self.roster.holders(),
                                store.delegations, today)
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
                               customer=existing.customer_name, request=existing.id)
            if existing is not None and existing.requested_by == actor.user_id:
                # Said without a mention: a form shows its errors as plain text.
                # The customer is named: a name typed loosely may have matched another.
                raise _refused(N_("You already filed an open {kind} request for {customer} "
                                  "(#{request}): it must be decided or cancelled first "
                                  "(`{requests}` lists it)."), requests=CommandName("requests"),
                               kind=Phrase(KIND_TITLES[existing.kind]),
                               customer=existing.customer_name, request=existing.id)
            if existing is not None:
                raise _refused(N_("There is already an open {kind} request for {customer} "
                                  "(#{request}, filed by <@{who}>): it must be decided or "
                                  "cancelled first."),
                               kind=Phrase(KIND_TITLES[existing.kind]),
                               customer=existing.customer_name, request=existing.id,
                               who=existing.requested_by)
            stored = store.add(request)
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.filed",
                                        stored.customer_id, _details(stored)))
            uow.events.record(RequestFiled(occurred_at=now, actor=actor.user_id,
                                           subject=stored.customer_id, request_id=stored.id,
                                           kind=stored.kind.value,
                                           levels=len(stored.route)))
            self.notices.queue(uow.outbox, RequestChange(
                Happened.FILED, stored, (), standing=self.standing(uow, stored.customer_id),
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
            fx = FxRates(self.policy.base_currency, today, uow.rates.latest(today))
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
        return self._permanent(uow, customer, today)

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
                                   customer=customer.name, order=order_id)
                shown = Listed((*held[:SHOWN_HELD], "…") if len(held) > SHOWN_HELD
                               else held)
                raise _refused(N_("{customer} has no order “{order}”: give one of its held "
                                  "orders ({held}), or the reference it was placed under."),
                               customer=customer.name, order=order_id, held=shown)
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
                               customer=customer.name, days=terms_days)
        measure = self.policy.measure(kind, fx, new_limit=new_limit, increase=increase,
                                      order_amount=order_amount, current_limit=current)
        if new_limit is not None:  # measured in the base currency, it may be more still
            within_most(filing.amount or "", measure.amount, LIMIT_COMES_TO_TOO_MUCH)
        return CreditRequest(
            kind=kind, customer_id=customer.customer_id, customer_name=customer.name,
            requested_by=actor.user_id, filed_at=now, reason=reason,
            measured=measure.amount, route=measure.route, current_limit=current,
            new_limit=new_limit, increase=increase, expires_on=expires_on,
            order_id=order_id, order_reference=order_reference, order_amount=order_amount,
            current_terms_days=current_terms,
            terms_days=terms_days, asked_in=asked_in, level_since=now,
            level_deadline=self.policy.deadline(now, measure.route[0].deadline_hours))

    def _raise_of(self, filing: Filing, customer: Customer, current: Money, fx: FxRates
                  ) -> tuple[Money, AskedIn | None]:
        """The limit asked for, refused unless it raises the current one."""
        kind = filing.kind
        new_limit, asked_in = self._new_limit(filing, current, fx)
        if kind is RequestKind.FIRST_LIMIT and current.amount > 0:
            raise _refused(N_("{customer} already has a limit of {current}: ask for a "
                              "limit increase instead."),
                           customer=customer.name, current=current)
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
                            implied=given or current.currency)
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

    # -- deciding ---------------------------------------------------------------------

    def decide(self, actor: Member, request_id: int, level: int, outcome: Outcome,
               comment: str | None = None) -> RequestRecord:
        """Approves or rejects ``level`` of a request (the level the card or button
        names; the server re-reads everything else). Approving the last level closes
        the request approved and makes its change take effect at once: a limit kind
        records a ``LimitChange`` (``limits.changed``); a rejection closes it rejected.

        Refused (``domain.approvals.rules.NotDecidable``, nothing changed) for the
        requester, for someone who decided another level, for anyone neither holding
        the level's role nor standing in for a holder, for a level already decided
        (``AlreadyDecided``, naming who: the answer to a double click or a race), a
        level not yet open, a closed or expired request, a rejection without comment.
        Audited ``requests.approved`` / ``requests.rejected``."""
        self._require(actor, "requests.decide_refused", f"request:{request_id}")
        if comment is not None and len(comment) > MAX_COMMENT:
            raise DomainError(N_("Keep the comment under {limit} characters."),
                              limit=MAX_COMMENT)
        return self._retried(lambda: self._decide(actor, request_id, level, outcome,
                                                  comment))

    def _decide(self, actor: Member, request_id: int, level: int, outcome: Outcome,
                comment: str | None) -> RequestRecord:
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            request = store.get(request_id)
            if request is None:
                raise RequestNotFound(request_id)
            decisions = store.decisions([request_id]).get(request_id, [])
            granted = authority(request, decisions, actor.user_id, level,
                                self.roster.holders(), store.delegations(actor.user_id),
                                now, today)
            text = require_comment(outcome, comment)
            decision = Decision(request.id, level, request.current.role, outcome,
                                actor.user_id, now, text, granted.on_behalf_of)
            final = outcome is Outcome.REJECTED or request.is_last_level
            if final:
                # Before any row is written: a final decision changes the customer's
                # holds (a release, a refusal, a limit that re-checks them), as a
                # re-check or another approval may at once (domain.orders.use_cases).
                uow.orders.lock_customer(request.customer_id)
            if outcome is Outcome.REJECTED:
                after = dataclasses.replace(request, state=RequestState.REJECTED,
                                            closed_at=now, closed_by=actor.user_id)
            elif final:
                after = dataclasses.replace(request, state=RequestState.APPROVED,
                                            closed_at=now, closed_by=actor.user_id)
            else:
                after = dataclasses.replace(
                    request, level=level + 1, level_since=now,
                    level_deadline=self.policy.deadline(
                        now, request.route[level].deadline_hours))
            saved = store.save(after)
            if saved.state is RequestState.APPROVED:
                # After the save: a request someone else decided meanwhile is refused by
                # the version check first (and answered "already decided").
                self._still_raises(uow, request, today)
            elif outcome is Outcome.APPROVED:
                self._leaves_deciders(store, request, (*decisions, decision), level, today)
            store.add_decision(decision)
            details = {**_details(saved), "level": level, "role": decision.role,
                       "comment": text, "on_behalf_of": granted.on_behalf_of,
                       "final": final}
            action = "requests.approved" if outcome is Outcome.APPROVED else \
                "requests.rejected"
            uow.audit.append(AuditEntry(now, actor.user_id, action, saved.customer_id,
                                        details))
            if outcome is Outcome.APPROVED:
                uow.events.record(LevelApproved(
                    occurred_at=now, actor=actor.user_id, subject=saved.customer_id,
                    request_id=saved.id, level=level, final=final,
                    on_behalf_of=granted.on_behalf_of))
            else:
                uow.events.record(RequestRejected(
                    occurred_at=now, actor=actor.user_id, subject=saved.customer_id,
                    request_id=saved.id, level=level, on_behalf_of=granted.on_behalf_of))
            # The card keeps the figures the level decided on, not those after the change
            # it made (a released order in the exposure, a new limit).
            standing = self.standing(uow, saved.customer_id)
            change = None
            if saved.state is RequestState.APPROVED:
                change = self._take_effect(uow, saved, actor.user_id, now, today)
            happened = (Happened.REJECTED if outcome is Outcome.REJECTED else
                        Happened.APPROVED if final else Happened.ADVANCED)
            record = RequestRecord(saved, (*decisions, decision))
            self.notices.queue(uow.outbox, RequestChange(
                happened, saved, record.decisions, decision, change,
                standing=standing,
                stand_ins=self._stand_ins(uow, saved)))
            if saved.state is RequestState.REJECTED and \
                    saved.kind is RequestKind.ORDER_RELEASE and self.held_orders is not None:
                # After the rejection's notes: the orders it frees are told of after it.
                assert saved.order_id is not None
                self.held_orders.refuse_rejected(uow, saved.customer_id, saved.order_id,
                                                 saved.id, actor.user_id, now)
            uow.commit()
        return record

    def _leaves_deciders(self, store: Any, request: CreditRequest,
                         decisions: Sequence[Decision], level: int, today: date) -> None:
        """One person decides at most one level: an approval (say, standing in for a
        holder who stands in for you) that would leave a later level to nobody is
        refused, rather than leaving the request open for ever."""
        took_part = {p for d in decisions for p in (d.decided_by, d.on_behalf_of) if p}
        stuck = undecidable(request.route, request.requested_by, self.roster.holders(),
                            store.delegations, today, first=level + 1, decided=took_part)
        if stuck is not None:
            raise DomainError(N_("Approving this would leave nobody to decide level "
                                 "{level} ({role}): everyone who could has a part in this "
                                 "request already. Let a holder of level {current}'s role "
                                 "decide it, or end a delegation first."),
                              level=stuck, role=Role(request.route[stuck - 1].role),
                              current=level)

    @staticmethod
    def _permanent(uow: UnitOfWork, customer: Customer, today: date) -> Money:
        """The permanent limit: the last permanent approval standing on the ERP's
        limit, else the ERP's. A temporary limit running now is not the base of a
        permanent request: it ends on its day, the permanent one stays."""
        changes = [c for c in uow.credit_requests.limit_changes(customer.customer_id)
                   if c.kind is ChangeKind.PERMANENT and stands_on(c, customer.credit_limit)]
        chosen = effective_limit(changes, today)
        return chosen.limit if chosen is not None else customer.credit_limit

    @staticmethod
    def _still_raises(uow: UnitOfWork, request: CreditRequest, today: date) -> None:
        """A limit request approved at its last level must still raise the limit in
        force: the ERP (or another approval) may have raised it past the request since
        it was filed, and approving it then would lower the limit. Refused, nothing
        written: the request can only be rejected or cancelled."""
        if request.kind not in LIMIT_KINDS or request.new_limit is None:
            return
        customer = uow.customers.get(request.customer_id)
        if customer is None:
            return
        if request.kind is RequestKind.TEMPORARY_LIMIT:
            override = uow.credit_requests.effective_limits(
                [request.customer_id], today).get(request.customer_id)
            current = override.limit if override else customer.credit_limit
        else:
            current = CreditRequests._permanent(uow, customer, today)
        if current.currency != request.new_limit.currency:
            # The ERP moved the customer to another currency since it was filed: a limit
            # in the old one would stand on a limit and exposure in the new one.
            raise DomainError(N_("The customer's limit is now {current}, in {currency}, "
                                 "not in {asked} as this request asks: it can only be "
                                 "rejected or cancelled. File a new request in "
                                 "{currency}."),
                              current=current, currency=current.currency,
                              asked=request.new_limit.currency)
        if current.amount >= request.new_limit.amount:
            raise DomainError(N_("The limit is already {current}, not below the {new} this "
                                 "request asks for: it can only be rejected or cancelled."),
                              current=current, new=request.new_limit)

    def _take_effect(self, uow: UnitOfWork, request: CreditRequest, actor: str,
                     now: datetime, today: date) -> LimitChange | None:
        store = uow.credit_requests
        customer_id = request.customer_id
        if request.kind in LIMIT_KINDS:
            assert request.new_limit is not None
            override = store.effective_limits([customer_id], today).get(customer_id)
            customer = uow.customers.get(customer_id)
            erp = customer.credit_limit if customer else (
                request.current_limit or request.new_limit)
            previous = override.limit if override else erp
            temporary = request.kind is RequestKind.TEMPORARY_LIMIT
            # The change records the ERP's limit it replaces: it stands while the ERP
            # still exports that one (domain.approvals.model.LimitChange).
            change = store.add_limit_change(LimitChange(
                customer_id, ChangeKind.TEMPORARY if temporary else ChangeKind.PERMANENT,
                request.new_limit, erp, now, actor, request.id,
                request.expires_on if temporary else None))
            uow.audit.append(AuditEntry(now, actor, "limits.changed", customer_id, {
                "request": request.id, "kind": change.kind.value,
                "limit": str(change.limit.amount), "currency": change.limit.currency,
                "previous": None if previous is None else str(previous.amount),
                "previous_currency": None if previous is None else previous.currency,
                "erp_limit": str(erp.amount), "erp_currency": erp.currency,
                "expires_on": _day(change.expires_on)}))
            uow.events.record(LimitChanged(
                occurred_at=now, actor=actor, subject=customer_id, request_id=request.id,
                limit=change.limit.amount, currency=change.limit.currency,
                previous=None if previous is None else previous.amount,
                expires_on=change.expires_on))
            if self.held_orders is not None:
                self.held_orders.recheck_in(uow, [customer_id], now)
            return change
        if request.kind is RequestKind.ORDER_RELEASE:
            assert request.order_id is not None
            if self.held_orders is not None and self.held_orders.release_approved(
                    uow, customer_id, request.order_id, request.id, actor, now) is None:
                # Released meanwhile (a re-check) or never held: approving would tell
                # people of a release that did not happen. Refused, nothing written.
                raise DomainError(N_("Order {order} is not held any more: there is nothing "
                                     "to release. The request can only be rejected or "
                                     "cancelled."), order=request.order_id)
            uow.audit.append(AuditEntry(now, actor, "orders.released", customer_id,
                                        {"request": request.id, "order": request.order_id}))
            uow.events.record(OrderReleaseApproved(
                occurred_at=now, actor=actor, subject=customer_id, request_id=request.id,
                order_id=request.order_id))
            return None
        assert request.terms_days is not None
        uow.audit.append(AuditEntry(now, actor, "terms.changed", customer_id, {
            "request": request.id, "terms_days": request.terms_days,
            "previous": request.current_terms_days}))
        uow.events.record(TermsChangeApproved(
            occurred_at=now, actor=actor, subject=customer_id, request_id=request.id,
            terms_days=request.terms_days, previous=request.current_terms_days))
        return None

    def check_decider(self, actor: Member, request_id: int, level: int) -> RequestRecord:
        """The request if ``actor`` may decide ``level`` now, else the refusal
        ``decide`` would give: for a button to answer before opening its modal."""
        self._require(actor, "requests.decide_refused", f"request:{request_id}")
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            record = self._record(uow, request_id)
            authority(record.request, record.decisions, actor.user_id, level,
                      self.roster.holders(), uow.credit_requests.delegations(actor.user_id),
                      now, today)
        return record

    def ask_info(self, actor: Member, request_id: int, level: int, question: str
                 ) -> RequestRecord:
        """A decider of ``level`` asks the requester ``question``, in the thread of the
        level's card (the requester is mentioned there). Only someone who may decide the
        level now may ask: the same refusals as ``decide``. Audited
        ``requests.info_asked``; the request itself does not change."""
        self._require(actor, "requests.decide_refused", f"request:{request_id}")
        text = (question or "").strip()
        if not text:
            raise DomainError(N_("Write the question the requester should answer."))
        if len(text) > MAX_QUESTION:
            raise DomainError(N_("Keep the question under {limit} characters."),
                              limit=MAX_QUESTION)
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            uow.begin_write()
            record = self._record(uow, request_id)
            request = record.request
            authority(request, record.decisions, actor.user_id, level,
                      self.roster.holders(), uow.credit_requests.delegations(actor.user_id),
                      now, today)
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.info_asked",
                                        request.customer_id, {
                                            "request": request.id, "level": level,
                                            "question": text}))
            uow.events.record(InfoAsked(occurred_at=now, actor=actor.user_id,
                                        subject=request.customer_id, request_id=request.id,
                                        level=level))
            self.notices.queue(uow.outbox, RequestChange(
                Happened.INFO_ASKED, request, record.decisions, asked_by=actor.user_id,
                question=text, stand_ins=self._stand_ins(uow, request)))
            uow.commit()
        return record

    # -- cancelling -------------------------------------------------------------------

    def cancel(self, actor: Member, request_id: int) -> CreditRequest:
        """Cancels an open request; only its requester may. Audited
        ``requests.cancelled``."""
        self._require(actor, "requests.cancel_refused", f"request:{request_id}")
        return self._retried(lambda: self._cancel(actor, request_id))

    def _cancel(self, actor: Member, request_id: int) -> CreditRequest:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            request = store.get(request_id)
            if request is None:
                raise RequestNotFound(request_id)
            if request.requested_by != actor.user_id:
                raise CancelRefused(N_("Only <@{who}>, who filed request #{request}, can "
                                       "cancel it."), who=request.requested_by,
                                    request=request.id)
            if not request.is_open:
                raise CancelRefused(N_("Request #{request} is already {state}: only an open "
                                       "request can be cancelled."), request=request.id,
                                    state=request.state.value)
            saved = store.save(dataclasses.replace(
                request, state=RequestState.CANCELLED, closed_at=now,
                closed_by=actor.user_id))
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.cancelled",
                                        saved.customer_id, {"request": saved.id}))
            uow.events.record(RequestCancelled(occurred_at=now, actor=actor.user_id,
                                               subject=saved.customer_id,
                                               request_id=saved.id))
            decisions = uow.credit_requests.decisions([saved.id]).get(saved.id, [])
            self.notices.queue(uow.outbox, RequestChange(
                Happened.CANCELLED, saved, tuple(decisions),
                standing=self.standing(uow, saved.customer_id),
                stand_ins=self._stand_ins(uow, saved)))
            uow.commit()
        return saved

    def expire(self) -> list[CreditRequest]:
        """Closes, as expired, the open temporary-limit requests whose last day is past
        (granting them would change nothing): for a daily job, so no access check.
        Audited ``requests.expired`` per request, as creditbot."""
        now, today = self.clock(), self.today()
        return self._retried(lambda: self._expire(now, today))

    def _expire(self, now: datetime, today: date) -> list[CreditRequest]:
        expired = []
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            for request in store.open_requests():
                if not is_expired(request, today):
                    continue
                saved = store.save(dataclasses.replace(
                    request, state=RequestState.EXPIRED, closed_at=now, closed_by=SYSTEM))
                uow.audit.append(AuditEntry(now, SYSTEM, "requests.expired",
                                            saved.customer_id, {"request": saved.id,
                                                                "expires_on": _day(
                                                                    saved.expires_on)}))
                decisions = store.decisions([saved.id]).get(saved.id, [])
                self.notices.queue(uow.outbox, RequestChange(
                    Happened.EXPIRED, saved, tuple(decisions),
                    standing=self.standing(uow, saved.customer_id),
                    stand_ins=self._stand_ins(uow, saved)))
                expired.append(saved)
            if expired:
                uow.commit()
        return expired

    # -- reading ----------------------------------------------------------------------

    def get(self, actor: Member, request_id: int) -> RequestRecord:
        """One request with its decisions (a card re-rendered, a link followed)."""
        self._require(actor, "requests.read_refused", f"request:{request_id}")
        with self.unit_of_work() as uow:
            return self._record(uow, request_id)

    def mine(self, actor: Member, limit: int = 20) -> list[RequestRecord]:
        """The requests ``actor`` filed, newest first."""
        self._require(actor, "requests.read_refused", actor.user_id)
        with self.unit_of_work() as uow:
            return self._records(uow, uow.credit_requests.filed_by(actor.user_id, limit))

    def waiting_for(self, actor: Member) -> list[RequestRecord]:
        """Open requests whose current level ``actor`` may decide now (in their own
        right, standing in for someone, or by escalation), oldest first."""
        self._require(actor, "requests.read_refused", actor.user_id)
        now, today = self.clock(), self.today()
        holders = self.roster.holders()
        with self.unit_of_work() as uow:
            store = uow.credit_requests
            records = self._records(uow, store.open_requests())
            delegations = store.delegations(actor.user_id)
        return [r for r in records if may_decide(r.request, r.decisions, actor.user_id,
                                                  holders, delegations, now, today)]

    def past_deadline(self) -> list[RequestRecord]:
        """Open requests whose current level's deadline has passed, oldest first: what
        a reminder or escalation job acts on (no person asks, so no access check)."""
        now = self.clock()
        with self.unit_of_work() as uow:
            records = self._records(uow, uow.credit_requests.open_requests())
        return [r for r in records if r.request.deadline() <= now]

    def history(self, actor: Member, customer: str, limit: int = 50) -> History:
        """A customer's requests (newest first, with their decisions), the limits
        approved for it, its orders that were held (``limit`` of each) and what
        collections recorded about it (its latest ``limit`` actions)."""
        self._require(actor, "requests.read_refused", customer[:200])
        with self.unit_of_work() as uow:
            ref = resolve_customer(customer, uow.customers)
            store = uow.credit_requests
            return History(ref, self._records(uow, store.of_customer(ref.customer_id, limit)),
                           store.limit_changes(ref.customer_id),
                           uow.orders.ever_held(ref.customer_id, limit),
                           collection_record(uow, ref.customer_id, limit))

    # -- delegating -------------------------------------------------------------------

    def delegate(self, actor: Member, delegate: str, until: date,
                 starts_on: date | None = None) -> Delegation:
        """Hands ``actor``'s approvals to ``delegate`` from ``starts_on`` (today when
        not given) through ``until``, replacing any delegation of ``actor`` still in
        force. Refused for oneself, a past or reversed period, someone who holds no
        role a policy level names, and a delegate who may not see credit data.
        Audited ``delegations.granted``."""
        self._require(actor, "delegations.refused", delegate)
        today = self.today()
        starts = starts_on or today
        if delegate == actor.user_id:
            raise DelegationRefused(N_("You can't delegate to yourself: name the person "
                                       "who stands in for you."))
        check_period(today, starts, until)
        roles = sorted(actor.roles & self.policy.roles())
        if not roles:
            raise DelegationRefused(N_("You hold no role that decides credit requests, so "
                                       "there is nothing to delegate."))
        if not self.access.allows(self.roster.member(delegate)):
            raise DelegationRefused(N_("<@{who}> may not see credit data, so they can't "
                                       "decide credit requests for you. Ask a credit "
                                       "manager to give them access first."), who=delegate)
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            ended = store.end_delegations(actor.user_id, now)
            granted = store.add_delegation(Delegation(actor.user_id, delegate, starts, until,
                                                      now))
            uow.audit.append(AuditEntry(now, actor.user_id, "delegations.granted",
                                        actor.user_id, {
                                            "delegate": delegate, "roles": roles,
                                            "starts_on": starts.isoformat(),
                                            "until": until.isoformat(), "replaced": ended}))
            uow.events.record(DelegationGranted(occurred_at=now, actor=actor.user_id,
                                                subject=actor.user_id, delegate=delegate,
                                                starts_on=starts, until=until))
            uow.commit()
        return granted

    def end_delegation(self, actor: Member) -> int:
        """Ends ``actor``'s delegations still in force; how many. Audited
        ``delegations.ended`` when there was one."""
        self._require(actor, "delegations.refused", actor.user_id)
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            ended = uow.credit_requests.end_delegations(actor.user_id, now)
            if ended:
                uow.audit.append(AuditEntry(now, actor.user_id, "delegations.ended",
                                            actor.user_id, {"ended": ended}))
                uow.commit()
        return ended

    def delegations(self, actor: Member) -> list[Delegation]:
        """Delegations from and to ``actor`` that have not ended nor run out."""
        self._require(actor, "requests.read_refused", actor.user_id)
        today = self.today()
        with self.unit_of_work() as uow:
            found = uow.credit_requests.delegations(actor.user_id)
        return [d for d in found if d.until >= today]

    # -- helpers ----------------------------------------------------------------------

    def _require(self, actor: Member, refused: str, subject: str) -> None:
        if self.access.allows(actor):
            return
        with self.unit_of_work() as uow:
            uow.audit.append(AuditEntry(self.clock(), actor.user_id, refused, subject))
            uow.commit()
        self.access.require(actor)

    @staticmethod
    def _retried(attempt: Callable[[], T]) -> T:
        return retried(attempt, RequestChanged)

    @staticmethod
    def _record(uow: UnitOfWork, request_id: int) -> RequestRecord:
        request = uow.credit_requests.get(request_id)
        if request is None:
            raise RequestNotFound(request_id)
        decisions = uow.credit_requests.decisions([request_id]).get(request_id, [])
        return RequestRecord(request, tuple(decisions))

    @staticmethod
    def _records(uow: UnitOfWork, requests: list[CreditRequest]) -> list[RequestRecord]:
        decisions = uow.credit_requests.decisions([r.id for r in requests])
        return [RequestRecord(r, tuple(decisions.get(r.id, []))) for r in requests]


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _money(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def _details(request: CreditRequest) -> dict[str, Any]:
    """A request's figures for its audit entries (JSON-safe, Decimals as text)."""
    return {
        "request": request.id, "kind": request.kind.value, "state": request.state.value,
        "current_limit": _money(request.current_limit),
        "new_limit": _money(request.new_limit), "increase": _money(request.increase),
        "measured": _money(request.measured), "expires_on": _day(request.expires_on),
        "order": request.order_id, "terms_days": request.terms_days,
        "levels": [level.role for level in request.route], "reason": request.reason,
        # What was typed, when in another currency than the limit's, and at what rate.
        "asked_in": None if request.asked_in is None else {
            **(_money(request.asked_in.amount) or {}), "increase": request.asked_in.increase,
            "rate": format(request.asked_in.rate.normalize(), "f")},
    }
