"""What the approvals capability needs from storage (``uow.credit_requests``), and the
port through which the Slack side queues its cards and notices."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from domain.approvals.model import (
    CreditRequest,
    Decision,
    Delegation,
    LimitChange,
    Question,
    StandIn,
    TermsChange,
)
from domain.check.reads import Collecting
from domain.exposure import CreditPosition
from domain.model import HeldOrder, Order
from domain.orders.model import Contract, Failure, OrderCheck
from domain.ports import Outbox, UnitOfWork


class CreditRequestStore(Protocol):
    # Set once anything was written in this unit of work (SQLite commits differently
    # when a unit of work only appends).
    wrote: bool

    def add(self, request: CreditRequest) -> CreditRequest:
        """Stores a new request; it comes back with its id and version 1. Another open
        request with the same ``open_key`` raises ``RequestChanged``."""
        ...

    def get(self, request_id: int, lock: bool = False) -> CreditRequest | None:
        """``lock``: held until the transaction ends, so that a decision of the request
        waits for what this transaction queues about its level (the cards it deals)."""
        ...

    def save(self, request: CreditRequest) -> CreditRequest:
        """Stores a changed request; it comes back with its version moved on. A version
        that is no longer the stored one (someone changed it meanwhile) raises
        ``RequestChanged`` and writes nothing."""
        ...

    def find_open(self, open_key: str) -> CreditRequest | None:
        """The open request about ``open_key`` (see ``CreditRequest.open_key``)."""
        ...

    def open_requests(self) -> list[CreditRequest]:
        """Every open request, oldest first."""
        ...

    def filed_by(self, user_id: str, limit: int) -> list[CreditRequest]:
        """``user_id``'s requests, newest first."""
        ...

    def of_customer(self, customer_id: str, limit: int) -> list[CreditRequest]:
        """The customer's requests, newest first."""
        ...

    def decisions(self, request_ids: Sequence[int]) -> dict[int, list[Decision]]:
        """The decisions of each request that has some, in level order."""
        ...

    def add_decision(self, decision: Decision) -> None:
        """Records a level's decision. A decision of that level already stored raises
        ``RequestChanged``."""
        ...

    def questions(self, request_ids: Sequence[int]) -> dict[int, list[Question]]:
        """The questions asked of each request that has some, oldest first."""
        ...

    def add_question(self, question: Question) -> int:
        """Records a question a decider asked the requester; its id."""
        ...

    def question(self, question_id: int) -> Question | None:
        """One question, by its id."""
        ...

    def answer_question(self, question_id: int, answer: str, at: datetime) -> None:
        """Records the requester's answer; ``RequestChanged`` if one was recorded since
        the question was read."""
        ...

    def delegations(self, user_id: str) -> list[Delegation]:
        """Delegations from or to ``user_id`` not ended, in the order they were made."""
        ...

    def delegations_given(self, delegator: str) -> list[Delegation]:
        """Every delegation ``delegator`` made, ended, run out or not, in the order made."""
        ...

    def add_delegation(self, delegation: Delegation) -> Delegation: ...

    def end_delegations(self, delegator: str, at: datetime, today: date) -> int:
        """Ends every delegation of ``delegator`` in force ``today`` or still to come; how
        many. One whose last day is past ended then, and keeps no later end."""
        ...

    def add_limit_change(self, change: LimitChange) -> LimitChange:
        """Records an approved limit. One per request: another raises ``RequestChanged``."""
        ...

    def add_terms_change(self, change: TermsChange) -> None:
        """Records approved payment terms, read back as the customer's terms while they
        stand (see ``TermsChange``). One per request: another raises ``RequestChanged``."""
        ...

    def limit_changes(self, customer_id: str) -> list[LimitChange]:
        """The customer's approved limits, oldest first."""
        ...

    def effective_limits(self, customer_ids: Sequence[str] | None, on: date
                         ) -> dict[str, LimitChange]:
        """Per customer (all when ``None``), the approved limit in force on ``on`` (see
        ``domain.approvals.model.effective_limit``); customers without one are left
        out, their ERP limit applies."""
        ...

    def order(self, order_id: str) -> Order | None:
        """The order as the ERP last exported it."""
        ...

    def ended_limits(self, since: date, before: date) -> list[LimitChange]:
        """Temporary limits whose last day is from ``since`` to before ``before``, in
        the order they ended."""
        ...

    def marked(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the deadlines job marked done (domain.approvals.deadlines)."""
        ...

    def mark(self, key: str, request_id: int, at: datetime) -> None:
        """Marks ``key`` done; marked already (another run did it) raises
        ``RequestChanged``."""
        ...


class Happened(StrEnum):
    FILED = "filed"
    # One level approved and the next one now waits.
    ADVANCED = "advanced"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    # A level's deadline is near and nobody decided: its deciders are reminded.
    REMINDED = "reminded"
    # A level's deadline passed: ``escalate_to``'s holders may decide it too, and get
    # its card; the requester is told.
    ESCALATED = "escalated"
    # A level past its deadline is chased again (the overdue notes are
    # ``LimitNotices.overdue``'s): only its cards for deciders who have none are queued.
    OVERDUE = "overdue"
    # A decider asked the requester a question in the card's thread.
    INFO_ASKED = "info_asked"
    # The requester answered it (``RequestChange.answer``).
    INFO_ANSWERED = "info_answered"
    # A delegation began while the level waited for its delegator: the stand-in
    # (``RequestChange.stand_in``) gets the level's card (``stand_in_cards``).
    STOOD_IN = "stood_in"


@dataclass(frozen=True)
class Standing:
    """The customer as the card shows it beside the request, read in the use case's
    transaction: ``position`` as ``/credit check`` computes it (``None`` when it cannot
    be, e.g. an invoice in a currency without a rate), the payment terms in force, the
    account owner (who hears of a final approval) and the contracts in force today."""

    position: CreditPosition | None
    payment_terms_days: int | None
    owner: str | None
    contracts: tuple[Contract, ...] = ()
    # The temporary limit in force, when one is: the card says the limit shown ends.
    temporary: LimitChange | None = None
    # Who collects the account and how far it has gone (with legal, disputed, a
    # payment promised), and how many promises the customer broke: an approver should
    # not raise a limit without seeing them.
    collecting: Collecting | None = None
    broken_promises: int = 0
    # An order release's: the rules the order failed when it was checked, with their
    # figures in the limit's currency (the order itself converted among them).
    held_for: tuple[Failure, ...] = ()
    # The ERP's owner when credit data is closed to them: ``owner`` is then None, and
    # whoever would have told them says in the log that they were not.
    owner_withheld: str | None = None
    # An order release's: the rep who placed the order with /credit order, who hears
    # how the release was decided whoever asked for it.
    placed_by: str | None = None
    # The customer's names in the ERP now: an import may have renamed it since the
    # request was filed (or given its id to another company), and the card says so.
    customer_name: str | None = None
    customer_name_local: str | None = None
    # The customer's held orders (an order release's own left out), as the check's card
    # lists them: approving a limit releases those it makes pass.
    held_orders: tuple[HeldOrder, ...] = ()


@dataclass(frozen=True)
class RequestChange:
    """What a use case did to a request: the request as it now is, the decision taken
    (when one was), the limit it changed (on a limit kind's final approval), the
    customer's standing for the cards, and for ``INFO_ASKED`` who asked what."""

    happened: Happened
    request: CreditRequest
    decisions: tuple[Decision, ...]
    decision: Decision | None = None
    limit_change: LimitChange | None = None
    standing: Standing | None = None
    # ``INFO_ASKED``: the question asked (its id names it to the answer button);
    # ``INFO_ANSWERED``: the question with its answer, and whether the one who asked may
    # no longer see credit data (app.yaml let them go): not told then.
    asked: Question | None = None
    asker_withheld: bool = False
    # A request closed (decided, cancelled, expired, withdrawn): the questions its
    # requester had not answered, whose Answer buttons give way to why no answer is
    # wanted any more.
    unanswered: tuple[Question, ...] = ()
    # Per role of the request's route (and its escalation roles): who stands in today
    # for one of its holders, and for whom. Those who may still decide
    # (``deciders.who_decides``) get the level's card and reminders too.
    stand_ins: Mapping[str, tuple[StandIn, ...]] = field(default_factory=dict)
    # ``STOOD_IN``: who gets the card.
    stand_in: str | None = None
    # An order-release request withdrawn because the ERP changed its order: the order
    # as it is now, for the requester's note and its button to ask again.
    order_now: OrderCheck | None = None
    # A card posted late (a stand-in named, an escalation, a decider added): the current
    # level's questions so far, with their answers, copied under it, so that whoever
    # decides sees them.
    asked_before: tuple[Question, ...] = ()


def level_questions(store: CreditRequestStore, request: CreditRequest) -> tuple[Question, ...]:
    """The questions asked at ``request``'s current level, oldest first."""
    return tuple(q for q in store.questions([request.id]).get(request.id, [])
                 if q.level == request.level)


def unanswered(store: CreditRequestStore, request: CreditRequest) -> tuple[Question, ...]:
    """The questions of ``request`` left unanswered, once it is closed (none while it is
    open, when they still may be answered)."""
    if request.is_open:
        return ()
    asked = store.questions([request.id]).get(request.id, [])
    return tuple(q for q in asked if q.answered_at is None)


def stand_ins(store: CreditRequestStore, roles: Iterable[str],
              holders: Mapping[str, Sequence[str]], today: date,
              requester: str | None = None, owner: str | None = None
              ) -> dict[str, tuple[StandIn, ...]]:
    """Per role, the delegates of its holders who hold it not themselves, with the
    holder each stands in for, the requester (who may not decide their own request) and
    the account's ``owner`` (who may not decide on it as a stand-in,
    ``rules.stand_in_owns_account``) left out: those standing in today ``active``, those
    who did before (a delegation ended or run out) not, since a card sent to them is
    still edited."""
    roles = list(dict.fromkeys(roles))
    given = {holder: store.delegations_given(holder)
             for role in roles for holder in holders.get(role, ())}
    found: dict[str, tuple[StandIn, ...]] = {}
    for role in roles:
        own = holders.get(role, ())
        # (delegate, holder) -> whether one of their delegations runs today
        pairs: dict[tuple[str, str], bool] = {}
        for holder in own:
            for d in given[holder]:
                if d.delegate not in own and d.delegate not in (requester, owner):
                    pair = (d.delegate, holder)
                    pairs[pair] = pairs.get(pair, False) or d.active_on(today)
        found[role] = tuple(StandIn(*pair, active) for pair, active in pairs.items())
    return found


def owner_of(uow: UnitOfWork, customer_id: str) -> str | None:
    """The account's owner in the ERP (``owner_slack_id``), if any."""
    customer = uow.customers.get(customer_id)
    return customer.owner_slack_id if customer else None


def request_stand_ins(uow: UnitOfWork, request: CreditRequest,
                      holders: Mapping[str, Sequence[str]], today: date
                      ) -> dict[str, tuple[StandIn, ...]]:
    """``stand_ins`` for the roles of ``request``'s route, less its requester and its
    account's owner."""
    return stand_ins(uow.credit_requests, route_roles(request), holders, today,
                     request.requested_by, owner_of(uow, request.customer_id))


def route_roles(request: CreditRequest) -> list[str]:
    """Every role that may decide a level of ``request``, escalation roles included."""
    roles = [level.role for level in request.route]
    roles += [level.escalate_to for level in request.route if level.escalate_to]
    return roles


class RequestNotices(Protocol):
    """Queues the Slack messages a change causes (approval cards, their edits, notes to
    the requester and the account owner) in ``outbox``: called inside the use case's
    transaction, so they are sent if and only if the change commits."""

    def queue(self, outbox: Outbox, change: RequestChange) -> None: ...

    def delegated(self, outbox: Outbox, delegation: Delegation, roles: Sequence[str],
                  waiting: int | None) -> None:
        """Tells the stand-in whose approvals they take over (``roles``) and when;
        ``waiting``: how many requests wait for the delegator now, whose cards were just
        queued (``None`` when the delegation starts on a later day)."""
        ...

    def delegation_ended(self, outbox: Outbox, delegation: Delegation) -> None:
        """Tells a stand-in that the delegation to them ended today (its delegator
        ended it, or handed over anew): they would otherwise go on thinking they
        cover."""
        ...

    def has_card(self, outbox: Outbox, request: CreditRequest, person: str) -> bool:
        """Whether ``person`` was sent the card of ``request``'s current level (a
        stand-in gets it with its holders when the delegation runs as the level opens)."""
        ...


class NoNotices:
    """Until the Slack side plugs its cards in: nothing is sent."""

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        return None

    def delegated(self, outbox: Outbox, delegation: Delegation, roles: Sequence[str],
                  waiting: int | None) -> None:
        return None

    def delegation_ended(self, outbox: Outbox, delegation: Delegation) -> None:
        return None

    def has_card(self, outbox: Outbox, request: CreditRequest, person: str) -> bool:
        return False
