"""Use cases of credit requests (``CreditRequests``): file, decide, cancel, expire,
list, history, delegate. Each checks who may act (credit data is confidential: only
those who may see it file, decide or read requests), opens its own unit of work, writes
its audit entry and events, queues its Slack notices through ``RequestNotices`` and
commits: a button, a modal, a job or the CLI cannot skip a step, and a refusal changes
nothing. Filing is in ``filing``, deciding in ``deciding``, delegating in
``delegation``; what they share in ``context``; cancelling, expiring and reading here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from domain.access import Member
from domain.approvals.answering import Answering
from domain.approvals.context import SYSTEM, audit_day
from domain.approvals.deciding import Deciding
from domain.approvals.delegation import Delegating
from domain.approvals.events import RequestCancelled
from domain.approvals.filing import Filings
from domain.approvals.model import CreditRequest, LimitChange, RequestRecord, RequestState
from domain.approvals.ports import Happened, RequestChange, owner_of, unanswered
from domain.approvals.rules import Authority, RequestNotFound, is_expired, may_decide
from domain.collections.record import CollectionRecord, collection_record
from domain.errors import DomainError
from domain.lookup import resolve_customer
from domain.model import AuditEntry
from domain.orders.model import OrderCheck
from domain.refs import CustomerRef
from domain.text import N_, Phrase


class CancelRefused(DomainError):
    pass


@dataclass(frozen=True)
class Waiting:
    """An open request whose current level a person may decide, and by what right."""

    record: RequestRecord
    right: Authority


@dataclass(frozen=True)
class History:
    customer: CustomerRef
    requests: list[RequestRecord]
    limit_changes: list[LimitChange]
    # Its orders that were held, newest first: held, released (how, by whom) or refused.
    held_orders: list[OrderCheck] = field(default_factory=list)
    # What collectors, disputes and legal recorded about it (empty when never collected).
    collections: CollectionRecord | None = None


class CreditRequests(Filings, Deciding, Delegating, Answering):
    """The credit requests capability: every use case of a request, on one
    ``RequestsContext`` (its unit of work, policy, people, clock and notices)."""

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
                                    # In the reader's words, and "withdrawn" when
                                    # creditbot closed it (never a person's "cancelled").
                                    state=Phrase("withdrawn" if request.withdrawn
                                                 else request.state.value))
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
                stand_ins=self._stand_ins(uow, saved),
                unanswered=unanswered(store, saved)))
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
                                                                "expires_on": audit_day(
                                                                    saved.expires_on)}))
                decisions = store.decisions([saved.id]).get(saved.id, [])
                self.notices.queue(uow.outbox, RequestChange(
                    Happened.EXPIRED, saved, tuple(decisions),
                    standing=self.standing(uow, saved.customer_id),
                    stand_ins=self._stand_ins(uow, saved),
                    unanswered=unanswered(store, saved)))
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
        """The requests ``actor`` filed, newest first; the open ones with the questions
        asked of them (one may wait for an answer)."""
        self._require(actor, "requests.read_refused", actor.user_id)
        with self.unit_of_work() as uow:
            records = self._records(uow, uow.credit_requests.filed_by(actor.user_id, limit))
            asked = uow.credit_requests.questions(
                [r.request.id for r in records if r.request.is_open])
        return [replace(r, questions=tuple(asked.get(r.request.id, ()))) for r in records]

    def waiting_for(self, actor: Member) -> list[Waiting]:
        """Open requests whose current level ``actor`` may decide now (in their own
        right, standing in for someone, or by escalation), oldest first, each with the
        right by which they may."""
        self._require(actor, "requests.read_refused", actor.user_id)
        now, today = self.clock(), self.today()
        holders = self.roster.holders()
        with self.unit_of_work() as uow:
            store = uow.credit_requests
            records = self._records(uow, store.open_requests())
            delegations = store.delegations(actor.user_id)
            waiting = [Waiting(r, right) for r in records
                       if (right := may_decide(r.request, r.decisions, actor.user_id,
                                               holders, delegations, now, today)) is not None]
            # Not as a stand-in on an account they own (rules.stand_in_owns_account).
            owned = {w.record.request.customer_id for w in waiting if w.right.on_behalf_of
                     and owner_of(uow, w.record.request.customer_id) == actor.user_id}
        return [w for w in waiting
                if not (w.right.on_behalf_of and w.record.request.customer_id in owned)]

    def history(self, actor: Member, customer: str, limit: int = 50) -> History:
        """A customer's requests (newest first, with their decisions and the questions
        deciders asked), the limits approved for it, its orders that were held
        (``limit`` of each) and what collections recorded about it (its latest
        ``limit`` actions)."""
        self._require(actor, "requests.read_refused", customer[:200])
        with self.unit_of_work() as uow:
            ref = resolve_customer(customer, uow.customers)
            store = uow.credit_requests
            requests = store.of_customer(ref.customer_id, limit)
            asked = store.questions([r.id for r in requests])
            records = [replace(r, questions=tuple(asked.get(r.request.id, ())))
                       for r in self._records(uow, requests)]
            return History(ref, records,
                           store.limit_changes(ref.customer_id),
                           uow.orders.ever_held(ref.customer_id, limit),
                           collection_record(uow, ref.customer_id, limit))
