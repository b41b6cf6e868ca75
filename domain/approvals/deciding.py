"""Deciding a level of a credit request: approve, reject, or ask the requester for
information. Exactly one decision per level, however many clicks arrive at once: a
deciding unit of work takes the write lock first (``uow.begin_write``, SQLite), the
request row carries a version (optimistic locking) and a level's decision is unique in
storage. The loser of a race is retried once from fresh records and so hears who
decided, never a 500. On the last approval the change takes effect at once."""

from __future__ import annotations

import contextlib
import dataclasses
import unicodedata
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from domain.access import Member
from domain.access_audit import on_record
from domain.amount_text import LIMIT_TOO_LARGE, read_amount
from domain.amounts import exact_money
from domain.approvals.context import RequestsContext, audit_day, permanent_limit, request_details
from domain.approvals.deciders import took_part, undecidable
from domain.approvals.events import (
    InfoAsked,
    LevelApproved,
    LimitChanged,
    OrderReleaseApproved,
    RequestRejected,
    TermsChangeApproved,
)
from domain.approvals.model import (
    LIMIT_KINDS,
    ChangeKind,
    CreditRequest,
    Decision,
    LimitChange,
    Outcome,
    Question,
    RequestKind,
    RequestRecord,
    RequestState,
    TermsChange,
    waits_until,
)
from domain.approvals.ports import Happened, RequestChange, Standing, owner_of, unanswered
from domain.approvals.roles import Role
from domain.approvals.rules import (
    Authority,
    NotDecidable,
    RequestNotFound,
    authority,
    require_comment,
    stand_in_owns_account,
)
from domain.errors import DomainError
from domain.model import AuditEntry, Customer
from domain.money import Money
from domain.ports import UnitOfWork
from domain.text import N_

MAX_COMMENT = 2000
MAX_QUESTION = 2000


def written(text: str | None, problem: type[DomainError], empty: str, too_long: str) -> str:
    """A question or an answer as kept: stripped, refused (``problem``) when empty or
    longer than ``MAX_QUESTION``."""
    kept = (text or "").strip()
    if not kept:
        raise problem(empty)
    if len(kept) > MAX_QUESTION:
        raise problem(too_long, limit=MAX_QUESTION, length=len(kept))
    return kept


class Decidable(NamedTuple):
    """A request someone may decide now, and the customer's standing as it is now."""

    record: RequestRecord
    standing: Standing | None


# What a refused attempt to ask for information is recorded as (``act``), beside an
# outcome's value for an attempt to approve or reject.
ASKING = "ask_info"


class Deciding(RequestsContext):
    """Approve or reject a level, or ask the requester for information."""

    def decide(self, actor: Member, request_id: int, level: int, outcome: Outcome,
               comment: str | None = None, lower_to: str | None = None) -> RequestRecord:
        """Approves or rejects ``level`` of a request (the level the card or button
        names; the server re-reads everything else). Approving the last level closes
        the request approved and makes its change take effect at once: a limit kind
        records a ``LimitChange`` (``limits.changed``); a rejection closes it rejected.

        Refused (``domain.approvals.rules.NotDecidable``, nothing changed) for the
        requester, for someone who decided another level, for anyone neither holding
        the level's role nor standing in for a holder, for a level already decided
        (``AlreadyDecided``, naming who: the answer to a double click or a race), a
        level not yet open, a closed or expired request, a rejection without comment.
        Audited ``requests.approved`` / ``requests.rejected``.

        ``lower_to``: an approval of a limit for less than asked, as typed (``150k``): the
        new limit in the request's currency, below the one asked for and above the one in
        force (``LowerLimitRefused`` otherwise). The request asks for it from then on: the
        levels after decide on it, and the last one's approval puts it in force."""
        self._require_deciding(actor, request_id, level, outcome.value)
        if comment is not None and len(comment) > MAX_COMMENT:
            raise DomainError(N_("A comment takes at most {limit} characters; this one has "
                                 "{length}."), limit=MAX_COMMENT, length=len(comment))
        with self._refusals_on_record(actor, request_id, level, outcome.value):
            return self._retried(lambda: self._decide(actor, request_id, level, outcome,
                                                      comment, lower_to))

    def _require_deciding(self, actor: Member, request_id: int, level: int, act: str) -> None:
        """The access check, its refusal recorded as the rules' refusals are (an auditor
        filtering on ``act`` found the confidential-data refusals with nothing in them)."""
        self._require(actor, "requests.decide_refused", f"request:{request_id}",
                      {"request": request_id, "level": level, "act": act,
                       "rule": "credit_data"})

    @contextlib.contextmanager
    def _refusals_on_record(self, actor: Member, request_id: int, level: int,
                            act: str) -> Iterator[None]:
        """A refusal that keeps duties apart (one's own request, a second level, a role
        not held…) is recorded as ``requests.decide_refused`` with its rule, in a unit
        of work of its own, and raised: an auditor sees who tried, and nothing reads
        like a decision. Other refusals (already decided, closed) are not attempts."""
        try:
            yield
        except NotDecidable as refused:
            if refused.rule is not None:
                on_record(self.unit_of_work, AuditEntry(
                    self.clock(), actor.user_id, "requests.decide_refused",
                    f"request:{request_id}", {"request": request_id, "level": level,
                                              "act": act, "rule": refused.rule}))
            raise

    def _decide(self, actor: Member, request_id: int, level: int, outcome: Outcome,
                comment: str | None, lower_to: str | None = None) -> RequestRecord:
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            request = store.get(request_id)
            if request is None:
                raise RequestNotFound(request_id)
            decisions = store.decisions([request_id]).get(request_id, [])
            holders = self.roster.holders()
            decided = took_part(decisions) | {actor.user_id}

            route, requester = request.route, request.requested_by

            def keeps(delegator: str) -> bool:
                # Standing in for this holder leaves every later level someone?
                return outcome is Outcome.REJECTED or level >= len(route) or \
                    undecidable(route, requester, holders,
                                first=level + 1, decided=decided | {delegator}) is None

            granted = authority(request, decisions, actor.user_id, level, holders,
                                store.delegations(actor.user_id), now, today, keeps)
            self._not_the_owner(uow, request, actor, granted)
            text = require_comment(outcome, comment)
            asked = request.new_limit
            if outcome is Outcome.APPROVED and lower_to and lower_to.strip():
                request = self._lowered(uow, request, lower_to, today)
            lowered = request.new_limit if request.new_limit != asked else None
            decision = Decision(request.id, level, request.current.role, outcome,
                                actor.user_id, now, text, granted.on_behalf_of,
                                granted.escalated, lowered)
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
                    level_deadline=self.level_deadline(request, now, level + 1))
            saved = store.save(after)
            erp_read = None
            if saved.state is RequestState.APPROVED:
                # After the save: a request someone else decided meanwhile is refused by
                # the version check first (and answered "already decided").
                erp_read = self._still_raises(uow, request, today)
            elif outcome is Outcome.APPROVED:
                # An earlier level too: approving a limit the ERP has raised past only
                # sends a moot request on to the next level, whose card shows the old one.
                self._still_raises(uow, request, today)
                self._leaves_deciders(request, (*decisions, decision), level)
            store.add_decision(decision)
            # The decider's roles as app.yaml gave them at that moment: with the policy
            # kept on the filing, who decided under which rule reads from the trail alone.
            details = {**request_details(saved), "level": level, "role": decision.role,
                       "comment": text, "on_behalf_of": granted.on_behalf_of,
                       "escalated": granted.escalated, "final": final,
                       "decider_roles": sorted(actor.roles)}
            if lowered is not None and asked is not None:
                details["lowered_from"] = {"amount": str(asked.amount),
                                           "currency": asked.currency}
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
            standing = self.standing(uow, saved.customer_id, saved.order_id)
            change = None
            if saved.state is RequestState.APPROVED:
                change = self._take_effect(uow, saved, actor.user_id, now, today, erp_read)
            happened = (Happened.REJECTED if outcome is Outcome.REJECTED else
                        Happened.APPROVED if final else Happened.ADVANCED)
            record = RequestRecord(saved, (*decisions, decision))
            if happened is Happened.ADVANCED:
                self._audit_escalated_at_once(uow, saved, record.decisions, now)
            self.notices.queue(uow.outbox, RequestChange(
                happened, saved, record.decisions, decision, change,
                standing=standing,
                stand_ins=self._stand_ins(uow, saved),
                unanswered=unanswered(uow.credit_requests, saved)))
            if saved.state is RequestState.REJECTED and \
                    saved.kind is RequestKind.ORDER_RELEASE and self.held_orders is not None:
                # After the rejection's notes: the orders it frees are told of after it.
                assert saved.order_id is not None
                self.held_orders.refuse_rejected(uow, saved.customer_id, saved.order_id,
                                                 saved.id, actor.user_id, now)
            uow.commit()
        return record

    def _leaves_deciders(self, request: CreditRequest, decisions: Sequence[Decision],
                         level: int) -> None:
        """One person decides at most one level: an approval (say, standing in for a
        holder who stands in for you) that would leave a later level to nobody is
        refused, rather than leaving the request open for ever."""
        stuck = undecidable(request.route, request.requested_by, self.roster.holders(),
                            first=level + 1, decided=took_part(decisions))
        if stuck is not None:
            raise NotDecidable(N_("Approving this would leave nobody to decide level "
                                  "{level} ({role}): everyone who could has a part in this "
                                  "request already. Let a holder of level {current}'s role "
                                  "decide it, or end a delegation first."),
                               level=stuck, role=Role(request.route[stuck - 1].role),
                               current=level)

    @staticmethod
    def _lowered(uow: UnitOfWork, request: CreditRequest, typed: str, today: date
                 ) -> CreditRequest:
        """``request`` asking for the lower limit ``typed`` (a new total, or ``+50k`` on
        the limit in force), or ``LowerLimitRefused``. What the requester asked for stays
        (``asked_limit``); the limit it stands on and the increase are today's."""
        asked = request.new_limit
        if request.kind not in LIMIT_KINDS or asked is None:
            raise LowerLimitRefused(N_("Only a limit can be approved lower: approve this "
                                       "request as it is, or reject it."))
        text = unicodedata.normalize("NFKC", typed).strip()
        customer = uow.customers.get(request.customer_id)
        current = limit_now(uow, request, customer, today) if customer else \
            request.current_limit
        try:
            read = read_amount(text, LIMIT_TOO_LARGE, increase=True, implied=asked.currency)
            if read.currency not in (None, asked.currency):
                raise LowerLimitRefused(N_("“{text}” is in {typed}: write the lower limit "
                                           "in {currency}, the currency of the customer's "
                                           "limit."), text=text, typed=read.currency,
                                        currency=asked.currency)
            lower = exact_money(text, read.value, asked.currency)
        except LowerLimitRefused:
            raise
        except DomainError as wrong:
            raise LowerLimitRefused(wrong.template, **wrong.params) from wrong
        # In another currency the ERP moved the customer to, the request is refused as a
        # whole when approved (``_still_raises``), not over this field.
        comparable = current is not None and current.currency == lower.currency
        if text.startswith("+") and comparable:
            assert current is not None
            lower = current + lower  # "+50k": an increase of the limit in force
        lower = Money(lower.amount.quantize(AMOUNT_PLACES), lower.currency)
        if lower.amount >= asked.amount:
            if request.asked_limit is not None:
                raise LowerLimitRefused(N_("{lower} is not below the {asked} an earlier "
                                           "level approved: approve that with this field "
                                           "empty, or write less."), lower=lower,
                                        asked=asked)
            raise LowerLimitRefused(N_("{lower} is not below the {asked} asked for: approve "
                                       "as asked with this field empty, or write less."),
                                    lower=lower, asked=asked)
        if comparable and current is not None and lower.amount <= current.amount:
            raise LowerLimitRefused(N_("{lower} is not above the limit in force, {current}: "
                                       "approve a limit above it, or reject the request."),
                                    lower=lower, current=current)
        return dataclasses.replace(
            request, new_limit=lower, asked_limit=request.asked_limit or asked,
            current_limit=current if comparable else request.current_limit,
            increase=lower - current if comparable and current is not None
            else request.increase)

    @staticmethod
    def _still_raises(uow: UnitOfWork, request: CreditRequest, today: date
                      ) -> Customer | None:
        """A limit request approved at its last level must still raise the limit in
        force: the ERP (or another approval) may have raised it past the request since
        it was filed, and approving it then would lower the limit. Refused, nothing
        written: the request can only be rejected or cancelled. The customer as read,
        whose ERP limit the change then stands on (``_take_effect``)."""
        if request.kind not in LIMIT_KINDS or request.new_limit is None:
            return None
        customer = uow.customers.get(request.customer_id)
        if customer is None:
            return None
        current = limit_now(uow, request, customer, today)
        if current.currency != request.new_limit.currency:
            # The ERP moved the customer to another currency since it was filed: a limit
            # in the old one would stand on a limit and exposure in the new one.
            raise NotDecidable(N_("The customer's limit is now {current}, in {currency}, "
                                  "not in {asked} as this request asks: it can only be "
                                  "rejected or cancelled. File a new request in "
                                  "{currency}."),
                               current=current, currency=current.currency,
                               asked=request.new_limit.currency)
        if current.amount >= request.new_limit.amount:
            raise NotDecidable(N_("The limit is already {current}, not below the {new} this "
                                  "request asks for: it can only be rejected or cancelled."),
                               current=current, new=request.new_limit)
        return customer

    def _take_effect(self, uow: UnitOfWork, request: CreditRequest, actor: str,
                     now: datetime, today: date, erp_read: Customer | None = None
                     ) -> LimitChange | None:
        """``erp_read``: the customer as ``_still_raises`` read it. The change stands on
        that ERP limit, not on one read again: on PostgreSQL an import committed between
        the two reads (each statement sees what is committed) made a change checked
        against $100,000 stand on the ERP's new $300,000, and lower it to $200,000; on
        the limit checked, the ERP's new one overtakes it instead."""
        store = uow.credit_requests
        customer_id = request.customer_id
        if request.kind in LIMIT_KINDS:
            assert request.new_limit is not None
            override = store.effective_limits([customer_id], today).get(customer_id)
            customer = erp_read or uow.customers.get(customer_id)
            erp = customer.credit_limit if customer else (
                request.current_limit or request.new_limit)
            temporary = request.kind is RequestKind.TEMPORARY_LIMIT
            # A permanent change replaces the permanent limit, not a temporary one
            # running now, which it does not cut short: it waits for its end.
            previous = override.limit if override else erp
            waits = None
            if not temporary and customer is not None:
                previous = permanent_limit(uow, customer, today)
                waits = waits_until(request.new_limit, override)
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
                "expires_on": audit_day(change.expires_on),
                "applies_from": audit_day(waits)}))
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
                raise NotDecidable(N_("Order {order} is not held any more: there is nothing "
                                      "to release. The request can only be rejected or "
                                      "cancelled."), order=request.order_id)
            uow.audit.append(AuditEntry(now, actor, "orders.released", customer_id,
                                        {"request": request.id, "order": request.order_id}))
            uow.events.record(OrderReleaseApproved(
                occurred_at=now, actor=actor, subject=customer_id, request_id=request.id,
                order_id=request.order_id))
            return None
        assert request.terms_days is not None
        customer = uow.customers.get(customer_id)
        # What was in force until now (another approval may have come after the filing),
        # and the ERP's terms, which the change stands on.
        terms_before = customer.payment_terms_days if customer else request.current_terms_days
        erp_terms = customer.erp_terms_days if customer else None
        erp_terms = (terms_before or 0) if erp_terms is None else erp_terms
        store.add_terms_change(TermsChange(customer_id, request.terms_days, erp_terms, now,
                                           actor, request.id))
        uow.audit.append(AuditEntry(now, actor, "terms.changed", customer_id, {
            "request": request.id, "terms_days": request.terms_days,
            "previous": terms_before, "erp_terms_days": erp_terms}))
        uow.events.record(TermsChangeApproved(
            occurred_at=now, actor=actor, subject=customer_id, request_id=request.id,
            terms_days=request.terms_days, previous=terms_before))
        return None

    def check_decider(self, actor: Member, request_id: int, level: int, act: str
                      ) -> Decidable:
        """The request, with the customer's standing now, if ``actor`` may decide
        ``level`` now, else the refusal ``decide`` would give: for a button to answer
        before opening its modal (which shows the figures now: the card shows them as
        they were when it was posted). ``act`` (``approved``, ``rejected``,
        ``ask_info``): what the button would do, recorded with a refusal as ``decide``
        records it (the form of someone refused never opens, so the press is the
        attempt)."""
        self._require_deciding(actor, request_id, level, act)
        now, today = self.clock(), self.today()
        with self._refusals_on_record(actor, request_id, level, act), \
                self.unit_of_work() as uow:
            record = self._record(uow, request_id)
            granted = authority(record.request, record.decisions, actor.user_id, level,
                                self.roster.holders(),
                                uow.credit_requests.delegations(actor.user_id), now, today)
            self._not_the_owner(uow, record.request, actor, granted)
            standing = self.standing(uow, record.request.customer_id,
                                     record.request.order_id) if self.positions else None
        return Decidable(record, standing)

    @staticmethod
    def _not_the_owner(uow: UnitOfWork, request: CreditRequest, actor: Member,
                       granted: Authority) -> None:
        if granted.on_behalf_of:  # one read, and only for a stand-in
            stand_in_owns_account(granted, actor.user_id,
                                  owner_of(uow, request.customer_id), request.customer_names)

    def ask_info(self, actor: Member, request_id: int, level: int, question: str
                 ) -> RequestRecord:
        """A decider of ``level`` asks the requester ``question``, in the thread of the
        level's card (the requester is mentioned there). Only someone who may decide the
        level now may ask: the same refusals as ``decide``. The question is kept for the
        request's history; audited ``requests.info_asked``; the request itself does not
        change."""
        self._require_deciding(actor, request_id, level, ASKING)
        text = written(question, DomainError, N_("Write the question the requester should "
                                                 "answer."),
                       N_("A question takes at most {limit} characters; this one has "
                          "{length}."))
        with self._refusals_on_record(actor, request_id, level, ASKING):
            return self._ask(actor, request_id, level, text)

    def _ask(self, actor: Member, request_id: int, level: int, text: str) -> RequestRecord:
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            uow.begin_write()
            # Locked: on PostgreSQL a cancel or a final decision committed meanwhile left
            # the question on a closed request, its Answer button live.
            record = self._record(uow, request_id, lock=True)
            request = record.request
            right = authority(request, record.decisions, actor.user_id, level,
                              self.roster.holders(),
                              uow.credit_requests.delegations(actor.user_id), now, today)
            asked = Question(request.id, level, actor.user_id, now, text, right.on_behalf_of)
            asked = dataclasses.replace(asked, id=uow.credit_requests.add_question(asked))
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.info_asked",
                                        request.customer_id, {
                                            "request": request.id, "level": level,
                                            "question": text}))
            uow.events.record(InfoAsked(occurred_at=now, actor=actor.user_id,
                                        subject=request.customer_id, request_id=request.id,
                                        level=level))
            self.notices.queue(uow.outbox, RequestChange(
                Happened.INFO_ASKED, request, record.decisions, asked=asked,
                stand_ins=self._stand_ins(uow, request)))
            uow.commit()
        return record


# As the database keeps amounts (storage.types.AMOUNT_SCALE): the audit's figures alike.
AMOUNT_PLACES = Decimal("0.0001")


class LowerLimitRefused(DomainError):
    """A lower limit an approver typed that cannot be approved: said beside its field."""


def limit_now(uow: UnitOfWork, request: CreditRequest, customer: Customer, today: date
              ) -> Money:
    """The limit a limit request changes, as it is today: a temporary one stands on the
    limit in force; a permanent one on the permanent limit (``permanent_limit``)."""
    if request.kind is RequestKind.TEMPORARY_LIMIT:
        override = uow.credit_requests.effective_limits(
            [request.customer_id], today).get(request.customer_id)
        return override.limit if override else customer.credit_limit
    return permanent_limit(uow, customer, today)
