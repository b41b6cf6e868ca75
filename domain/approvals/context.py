"""What every credit-request use case shares: the capability's configuration (its unit
of work, policy, people, clock and notices) and the steps each of them takes the same
way: the access check that audits a refusal, the retry of a write that lost a race,
reading a request with its decisions, the customer's standing for a card. The use cases
themselves are grouped by what a person does: ``filing`` (file and check a request),
``deciding`` (approve, reject, ask for information), ``delegation`` (hand approvals
over) and ``use_cases`` (``CreditRequests``, which has them all, with cancelling,
expiring and reading)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from typing import Any, TypeVar

from domain.access import CreditDataAccess, Member
from domain.access_audit import require_on_record
from domain.approvals.deciders import left_to_escalation
from domain.approvals.model import (
    ChangeKind,
    CreditRequest,
    Decision,
    RequestRecord,
    StandIn,
    effective_limit,
    stands_on,
)
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.ports import (
    NoNotices,
    RequestNotices,
    Standing,
    request_stand_ins,
)
from domain.approvals.rules import RequestChanged, RequestNotFound
from domain.approvals.standing import customer_standing
from domain.model import SYSTEM, AuditEntry, Customer
from domain.money import Money
from domain.orders.ports import HeldOrders
from domain.organisation_day import OrganisationDay
from domain.ports import UnitOfWork
from domain.positions import CreditPolicyContext
from domain.retry import retried

T = TypeVar("T")


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
class RequestsContext(OrganisationDay):
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

    def _stand_ins(self, uow: UnitOfWork, request: CreditRequest
                   ) -> dict[str, tuple[StandIn, ...]]:
        """Who stands in today for a holder of each role of the request's route: the
        cards and reminders reach them too, so a delegate can decide from Slack."""
        return request_stand_ins(uow, request, self.roster.holders(), self.today())

    def _audit_escalated_at_once(self, uow: UnitOfWork, request: CreditRequest,
                                 decisions: Sequence[Decision], now: datetime) -> None:
        """A level that goes to its escalation role as it begins (nobody of its own
        role is left, ``deciders.left_to_escalation``) is audited as escalated then, as
        one escalated at its deadline is; its cards go out with the level's."""
        level = request.current
        if left_to_escalation(level, self.roster.holders(), request.requested_by, decisions):
            uow.audit.append(AuditEntry(now, SYSTEM, "requests.escalated",
                                        request.customer_id, {
                                            "request": request.id, "level": request.level,
                                            "role": level.role,
                                            "escalate_to": level.escalate_to,
                                            "at_once": True}))

    def standing(self, uow: UnitOfWork, customer_id: str, order_id: str | None = None
                 ) -> Standing:
        """The customer's standing for a card, inside ``uow``'s transaction (a job that
        queues reminders or escalations calls it too); ``order_id``: an order release's
        order, whose failed rules the card shows."""
        found = customer_standing(uow, customer_id, self.today(), self.positions, order_id)
        owner = found.owner
        if owner is None or self.access.allows(self.roster.member(owner)):
            return found
        # The ERP names the owner: whoever edits it would choose who hears the new limit.
        return replace(found, owner=None, owner_withheld=owner)

    def level_deadline(self, request: CreditRequest, since: datetime, level: int
                       ) -> datetime:
        """When ``level`` (1-based) of ``request``, starting ``since``, is due: its hours
        by the policy's clock, and no later than the request expires (a temporary limit
        undecided past its last day): a deadline after that reminded nobody, and the
        request expired unannounced to its deciders."""
        due = self.policy.deadline(since, request.route[level - 1].deadline_hours)
        expires = request.expires_at(self.zone)
        return due if expires is None else min(due, expires)

    def latest_decision(self, request: CreditRequest) -> datetime:
        """When the last level decides at the latest, if the current one and each after
        it take their full time (the policy's clock: every hour, or working time). Not
        capped by a temporary limit's last day, as the levels' deadlines are: that is
        what it is compared with (capped, "its last day may come first" named the end
        of that day as the levels' full time)."""
        end = request.deadline()
        if request.expires_on is not None:
            end = self.policy.deadline(request.level_since or request.filed_at,
                                       request.current.deadline_hours)
        for level in request.route[request.level:]:
            end = self.policy.deadline(end, level.deadline_hours)
        return end

    def _require(self, actor: Member, refused: str, subject: str,
                 details: dict[str, Any] | None = None) -> None:
        require_on_record(self.access, self.unit_of_work, self.clock, actor, refused, subject,
                          details)

    @staticmethod
    def _retried(attempt: Callable[[], T]) -> T:
        return retried(attempt, RequestChanged)

    @staticmethod
    def _record(uow: UnitOfWork, request_id: int, lock: bool = False) -> RequestRecord:
        """``lock``: the request's row is held until the commit, for a write that does not
        change the request itself (a question, an answer): a close waits for it and then
        sees it, or it waits for the close and sees the request closed."""
        request = uow.credit_requests.get(request_id, lock=lock)
        if request is None:
            raise RequestNotFound(request_id)
        decisions = uow.credit_requests.decisions([request_id]).get(request_id, [])
        return RequestRecord(request, tuple(decisions))

    @staticmethod
    def _records(uow: UnitOfWork, requests: list[CreditRequest]) -> list[RequestRecord]:
        decisions = uow.credit_requests.decisions([r.id for r in requests])
        return [RequestRecord(r, tuple(decisions.get(r.id, []))) for r in requests]


def permanent_limit(uow: UnitOfWork, customer: Customer, today: date) -> Money:
    """The permanent limit: the last permanent approval standing on the ERP's
    limit, else the ERP's. A temporary limit running now is not the base of a
    permanent request: it ends on its day, the permanent one stays."""
    changes = [c for c in uow.credit_requests.limit_changes(customer.customer_id)
               if c.kind is ChangeKind.PERMANENT and stands_on(c, customer.credit_limit)]
    chosen = effective_limit(changes, today)
    return chosen.limit if chosen is not None else customer.credit_limit


def audit_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _money(value: Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": str(value.amount), "currency": value.currency}


def request_details(request: CreditRequest) -> dict[str, Any]:
    """A request's figures for its audit entries (JSON-safe, Decimals as text)."""
    return {
        "request": request.id, "kind": request.kind.value, "state": request.state.value,
        "current_limit": _money(request.current_limit),
        "new_limit": _money(request.new_limit), "increase": _money(request.increase),
        "measured": _money(request.measured), "expires_on": audit_day(request.expires_on),
        "order": request.order_id, "terms_days": request.terms_days,
        "levels": [level.role for level in request.route], "reason": request.reason,
        # What was typed, when in another currency than the limit's, and at what rate.
        "asked_in": None if request.asked_in is None else {
            **(_money(request.asked_in.amount) or {}), "increase": request.asked_in.increase,
            "rate": format(request.asked_in.rate.normalize(), "f")},
    }
