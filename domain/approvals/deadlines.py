"""The approvals' clock: reminders before a level's deadline, escalation after it, and
temporary limits announced when they end (the ``approvals`` job runs ``Deadlines``).

- **Reminder**: ``policy.remind_before_hours`` before the current level's deadline its
  deciders are reminded, once per level (``Happened.REMINDED``, audited
  ``requests.reminded``). A level that lasts no longer than that gets no reminder: its
  card went out within the reminder's window.
- **Escalation**: once the deadline passed, a level with ``escalate_to`` escalates once
  (``Happened.ESCALATED``, ``requests.escalated``): the target's holders get the card
  and may decide the level, and the requester is told. A level that went to its
  escalation role when it began (nobody of its own role may decide it) is not escalated
  again: at its deadline its deciders get the overdue reminder of day 0 instead.
- **Overdue**: a level without ``escalate_to`` has nobody above to go to. Its deciders
  (the role's holders and their stand-ins today) are reminded again, and its requester
  told that it is overdue, when the deadline passes and then every 24 hours after it, at
  the deadline's time of day, until someone decides (audited ``requests.reminded`` with
  ``overdue_days``, the reminder's number); with working time, on working days only
  (``ApprovalPolicy.overdue_reminder``). An escalated level is chased the same way from
  the day after its deadline, its own role's holders and the escalation role's together
  (day 0 was the escalation): escalating to someone who is away must not end the
  chase.
- **Working time** (``approvals.working_time`` in app.yaml): a level's deadline is then
  its hours counted inside working hours from when it started waiting, and its reminder
  ``remind_before_hours`` of working time before that; the deadline is worked out when
  the level starts and kept with the request.
- **Stand-ins**: a delegation that starts on a later day than it was made gives its
  stand-in, that day, the card of each level waiting for the delegator
  (``stand_in_cards``); with working time, from its first working moment.
- **Temporary limits**: a temporary limit in force through its last day ends after it
  (``domain.approvals.model.effective_limit``: positions count the earlier limit again
  from the next day without anyone doing anything). The end is announced once: audited
  ``limits.reverted`` as creditbot, and the account owner told (``LimitNotices``); with
  working time, at the next working moment (a limit that ended on 31 December is told
  of on the first working day of January).

Each action runs in its own unit of work and is marked done in storage under a key of
request, level and action (``uow.credit_requests.mark``, unique): a second run, a
second scheduler or a retry finds the mark and does nothing, so each audit entry and
message exists once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import ClassVar, Protocol

from domain.access import CreditDataAccess
from domain.approvals.context import SYSTEM, Roster
from domain.approvals.deciders import left_to_escalation, who_decides
from domain.approvals.model import (
    CreditRequest,
    Decision,
    Delegation,
    LimitChange,
    Question,
    StandIn,
    effective_limit,
    stands_on,
)
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.ports import (
    Happened,
    RequestChange,
    RequestNotices,
    Standing,
    level_questions,
    request_stand_ins,
)
from domain.approvals.rules import RequestChanged, is_expired
from domain.approvals.stand_in_cards import deal, key, waits_for
from domain.events import DomainEvent
from domain.exposure import CreditPosition
from domain.model import AuditEntry
from domain.money import Money
from domain.organisation_day import OrganisationDay
from domain.ports import Outbox, UnitOfWork
from domain.retry import retried

# How far back the job looks for temporary limits that ended: a scheduler down for
# longer than this does not announce the ends it missed, weeks late.
REVERT_LOOKBACK_DAYS = 30


@dataclass(frozen=True, kw_only=True)
class RequestReminded(DomainEvent):
    name: ClassVar[str] = "requests.reminded"
    request_id: int
    level: int
    overdue_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class RequestEscalated(DomainEvent):
    name: ClassVar[str] = "requests.escalated"
    request_id: int
    level: int
    escalate_to: str


@dataclass(frozen=True, kw_only=True)
class LimitReverted(DomainEvent):
    name: ClassVar[str] = "limits.reverted"
    request_id: int
    limit: str
    currency: str
    limit_now: str
    currency_now: str
    ended_on: date


@dataclass(frozen=True)
class Overdue:
    """A level past its deadline with nobody to escalate to: ``days`` whole days late
    (0 when the deadline just passed)."""

    request: CreditRequest
    deciders: tuple[str, ...]
    days: int
    # The roles reminded: the level's own, its escalation role too once escalated, or
    # the escalation role alone when the level went to it at once.
    roles: tuple[str, ...] = ()
    # Questions of this level the requester has not answered: what the level may be
    # waiting for (the requester was told only that the deciders were reminded).
    unanswered: tuple[Question, ...] = ()


@dataclass(frozen=True)
class Reverted:
    """A temporary limit that ended on ``change.expires_on``; ``limit_now`` is the limit
    in force again (an earlier approved one, or the ERP's). ``owner``: the account
    owner, when the ERP names one."""

    change: LimitChange
    customer_name: str
    owner: str | None
    limit_now: Money
    customer_name_local: str | None = None
    # Who asked for the temporary limit, when it is another than the owner: their plans
    # (a season's orders) stood on it too.
    requested_by: str | None = None
    # The ERP exported another limit while it ran (someone keyed one in): the ERP's has
    # been the limit since, and stays after this one's end.
    overtaken: bool = False
    # The account's exposure when it is above ``limit_now``: what was shipped under the
    # temporary limit still counts, and every order is now held ("its limit is now
    # $30,000.00" alone left the owner to find the account at 130 % in the next alerts).
    over_by: CreditPosition | None = None


class LimitNotices(Protocol):
    """The deadlines job's own messages, queued in ``outbox`` in its transaction."""

    def overdue(self, outbox: Outbox, overdue: Overdue) -> None:
        """Reminds the deciders again and tells the requester the level is overdue."""
        ...

    def reverted(self, outbox: Outbox, reverted: Reverted) -> str | None:
        """Tells the account owner (or, without one, whoever stands in) and the
        requester that the temporary limit ended; to whom (the owner or the stand-in),
        or ``None`` when there is nobody to tell."""
        ...


def _revert_key(change: LimitChange) -> str:
    return f"revert:{change.id}"


def _key(action: str, request: CreditRequest, suffix: str = "") -> str:
    return f"{action}:{request.id}:{request.level}{suffix}"


@dataclass(frozen=True)
class Due:
    """One thing the job has to do about an open request."""

    action: str  # remind, escalate or overdue
    request_id: int
    level: int
    key: str
    overdue_days: int | None = None


def due(request: CreditRequest, now: datetime, policy: ApprovalPolicy) -> tuple[Due, ...]:
    """What a run at ``now`` has to do about ``request`` (before looking at the marks),
    in the order to do it: an escalation missed while the scheduler was down comes
    before the overdue reminder of a later day."""
    if not request.is_open:
        return ()
    deadline = request.deadline()
    since = request.level_since or request.filed_at
    if now < deadline:
        remind_at = policy.reminder(deadline)
        if remind_at > policy.started(since) and now >= remind_at:
            return (Due("remind", request.id, request.level, _key("remind", request)),)
        return ()
    escalate = (Due("escalate", request.id, request.level, _key("escalate", request)),) \
        if request.current.escalate_to else ()
    days = policy.overdue_reminder(deadline, now)
    # Day 0 of an escalated level is its escalation.
    if days is None or (escalate and days == 0):
        return escalate
    return (*escalate, Due("overdue", request.id, request.level,
                           _key("overdue", request, f":{days}"), days))


@dataclass(frozen=True)
class Deadlines(OrganisationDay):
    """The deadlines capability, bound like ``CreditRequests``: a job runs it, so no
    person and no access check."""

    unit_of_work: Callable[[], UnitOfWork]
    policy: ApprovalPolicy
    roster: Roster
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: RequestNotices
    limit_notices: LimitNotices
    # The customer's (and an order release's order's) standing for the cards an
    # escalation posts (CreditRequests.standing).
    standing: Callable[[UnitOfWork, str, str | None], Standing] | None = field(default=None)
    # A temporary limit's end is told to the customer's owner only if they may see
    # credit data: the ERP names the owner.
    access: CreditDataAccess | None = None

    def telling_time(self, now: datetime) -> bool:
        """Whether what only tells (a limit that ended, a request that expired, a
        delegation's first-day cards: all at midnight) goes out at ``now``: in working
        time when it counts, else at any hour."""
        working = self.policy.working_time
        return working is None or working.is_working(now)

    def run(self) -> dict[str, int]:
        """Reminds, escalates and announces what is due now; what it did, counted
        (overdue reminders count as reminders)."""
        counts = {"reminded": 0, "escalated": 0, "reverted": 0, "stand_in_cards": 0}
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            store = uow.credit_requests
            # One past its last day waits to be closed as expired (in working time, when
            # it counts), not reminded or escalated meanwhile.
            candidates = [d for r in store.open_requests() if not is_expired(r, today)
                          for d in due(r, now, self.policy)]
            done = store.marked([d.key for d in candidates])
        for item in candidates:
            if item.key in done:
                continue
            did = retried(lambda item=item: self._act(item, now), RequestChanged)  # type: ignore[misc]
            if did is not None:
                counts[did] += 1
        # What only tells (a temporary limit that ended at midnight, the cards of a
        # delegation that began then) waits for working time, when it counts: the run
        # at 00:05 pinged phones with news that was as good at 09:00.
        if self.telling_time(now):
            counts["reverted"] = self.revert_limits()
            counts["stand_in_cards"] = self.deal_stand_in_cards()
        return counts

    # -- stand-ins whose delegation began ---------------------------------------------

    def deal_stand_in_cards(self) -> int:
        """Cards for stand-ins whose delegation runs today, of the levels waiting for
        their delegator that they have no card of yet (``stand_in_cards``); how many."""
        now = self.clock()
        today = self.today()
        holders = self.roster.holders()
        people = {u for users in holders.values() for u in users}
        with self.unit_of_work() as uow:
            store = uow.credit_requests
            running = {d.id: d for person in sorted(people) for d in store.delegations(person)
                       if d.delegator == person and d.active_on(today)}
            pairs = [(request, delegation) for request in store.open_requests()
                     for delegation in running.values()
                     if waits_for(request, delegation.delegator, holders, now)]
            done = store.marked([key(d, r) for r, d in pairs])
        dealt = 0
        for request, delegation in pairs:
            if key(delegation, request) not in done and self._retried(
                    lambda r=request, d=delegation: self._deal(r, d, holders, today, now)):  # type: ignore[misc]
                dealt += 1
        return dealt

    def _deal(self, request: CreditRequest, delegation: Delegation,
              holders: Mapping[str, Sequence[str]], today: date, now: datetime) -> bool:
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            current = store.get(request.id, lock=True)
            # Decided or moved on since the list was read: the mark names its level.
            if current is None or current.level != request.level or \
                    store.marked([key(delegation, current)]):
                return False
            dealt = deal(uow, self.notices, current, delegation, holders, today, now,
                         self.standing)
            if dealt is None:
                return False
            uow.commit()  # the mark too, when the card is in a channel
        return dealt

    def _act(self, item: Due, now: datetime) -> str | None:
        """Does ``item``: what it counts as (escalated or reminded), or ``None`` when
        there was nothing to do."""
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            # Locked: a decision meanwhile waits, then edits the cards this deals too.
            request = store.get(item.request_id, lock=True)
            # Decided, cancelled or moved on since the list was read: nothing to do.
            if request is None or not request.is_open or request.level != item.level \
                    or store.marked([item.key]):
                return None
            store.mark(item.key, request.id, now)
            decisions = tuple(store.decisions([request.id]).get(request.id, []))
            level = request.current
            details: dict[str, object] = {
                "request": request.id, "level": request.level, "role": level.role,
                "deadline": request.deadline().isoformat()}
            overdue = item.overdue_days
            at_once = left_to_escalation(level, self.roster.holders(), request.requested_by,
                                         decisions)
            if item.action == "escalate" and at_once:
                # Its cards went to the escalation role when the level began (nobody of
                # its own role may decide it): the deadline escalates nothing, and is
                # the escalation role's first overdue reminder.
                overdue = 0
            if item.action == "escalate" and not at_once:
                assert level.escalate_to is not None
                uow.audit.append(AuditEntry(now, SYSTEM, "requests.escalated",
                                            request.customer_id,
                                            {**details, "escalate_to": level.escalate_to}))
                uow.events.record(RequestEscalated(
                    occurred_at=now, actor=SYSTEM, subject=request.customer_id,
                    request_id=request.id, level=request.level,
                    escalate_to=level.escalate_to))
                standing = (self.standing(uow, request.customer_id, request.order_id)
                            if self.standing else None)
                self.notices.queue(uow.outbox, RequestChange(
                    Happened.ESCALATED, request, decisions, standing=standing,
                    stand_ins=self._stand_ins(uow, request),
                    asked_before=level_questions(store, request)))
            else:
                if overdue is None and not self._deciders(uow, request, decisions, now):
                    # Everyone who could decide is out (the requester holds the role
                    # alone, and no escalation role took it at once): a reminder would
                    # reach nobody, so none is counted or audited. The mark stays.
                    uow.commit()
                    return None
                uow.audit.append(AuditEntry(now, SYSTEM, "requests.reminded",
                                            request.customer_id,
                                            {**details, "overdue_days": overdue}))
                uow.events.record(RequestReminded(
                    occurred_at=now, actor=SYSTEM, subject=request.customer_id,
                    request_id=request.id, level=request.level, overdue_days=overdue))
                # A decider named in app.yaml after the level's cards went out is given
                # one with the reminder, which tells them to use its buttons.
                self.notices.queue(uow.outbox, RequestChange(
                    Happened.REMINDED if overdue is None else Happened.OVERDUE, request,
                    decisions, standing=self.standing(uow, request.customer_id,
                                                      request.order_id)
                    if self.standing else None, stand_ins=self._stand_ins(uow, request),
                    asked_before=level_questions(store, request)))
                if overdue is not None:
                    deciders = self._deciders(uow, request, decisions, now)
                    asked = store.questions([request.id]).get(request.id, [])
                    self.limit_notices.overdue(uow.outbox, Overdue(
                        request, deciders, overdue, self._roles(request, decisions, now),
                        tuple(q for q in asked if q.level == request.level
                              and q.answered_at is None)))
            uow.commit()
        return "escalated" if item.action == "escalate" and not at_once else "reminded"

    def _stand_ins(self, uow: UnitOfWork, request: CreditRequest
                   ) -> dict[str, tuple[StandIn, ...]]:
        return request_stand_ins(uow, request, self.roster.holders(), self.today())

    def _roles(self, request: CreditRequest, decisions: tuple[Decision, ...],
               now: datetime) -> tuple[str, ...]:
        """The roles whose holders may decide the current level now: its own, and its
        escalation role's once the deadline passed; the escalation role alone when the
        level went to it at once."""
        level = request.current
        if level.escalate_to and left_to_escalation(
                level, self.roster.holders(), request.requested_by, decisions):
            return (level.escalate_to,)
        return tuple(request.deciding_roles(now))

    def _deciders(self, uow: UnitOfWork, request: CreditRequest,
                  decisions: tuple[Decision, ...], now: datetime) -> tuple[str, ...]:
        """Who may still decide the current level (``_roles``): the roles' holders and
        whoever stands in for one of them today, less those the rules keep out."""
        holders, stand_ins = self.roster.holders(), self._stand_ins(uow, request)
        return tuple(dict.fromkeys(
            person for role in self._roles(request, decisions, now)
            for person in who_decides(role, holders, stand_ins, request.requested_by,
                                      decisions)))

    # -- temporary limits that ended --------------------------------------------------

    def revert_limits(self) -> int:
        """Announces each temporary limit whose last day is past and that was the limit
        in force on that day (one replaced earlier by a later approval ended then, and
        that one's announcement said so); how many were announced now."""
        now, today = self.clock(), self.today()
        with self.unit_of_work() as uow:
            store = uow.credit_requests
            ended = store.ended_limits(today - timedelta(days=REVERT_LOOKBACK_DAYS), today)
            done = store.marked([_revert_key(c) for c in ended])
        announced = 0
        for change in ended:
            if _revert_key(change) in done:
                continue
            if self._retried(lambda change=change: self._revert(change, now, today)):  # type: ignore[misc]
                announced += 1
        return announced

    def _revert(self, change: LimitChange, now: datetime, today: date) -> bool:
        assert change.expires_on is not None
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            if store.marked([_revert_key(change)]):
                return False
            # The lock a final approval takes: on PostgreSQL one committed between this
            # read and the note made it say "its limit is $100,000.00 again" after the
            # owner heard "the new limit of $200,000.00 applies now".
            uow.orders.lock_customer(change.customer_id)
            changes = store.limit_changes(change.customer_id)
            if effective_limit(changes, change.expires_on) != change:
                return False
            store.mark(_revert_key(change), change.request_id, now)
            customer = uow.customers.get(change.customer_id)
            if customer is not None:
                # A limit the ERP has moved since is not the one in force (``stands_on``).
                changes = [c for c in changes if stands_on(c, customer.credit_limit)]
            in_force = effective_limit(changes, today)
            if in_force is not None:
                limit_now = in_force.limit
            elif customer is not None:
                limit_now = customer.credit_limit
            else:
                limit_now = change.previous or Money.zero(change.limit.currency)
            name = customer.name if customer is not None else change.customer_id
            owner = customer.owner_slack_id if customer is not None else None
            if owner and not self._may_see(owner):
                owner = None
            request = store.get(change.request_id)
            requester = request.requested_by if request is not None else None
            if requester == owner or (requester and not self._may_see(requester)):
                requester = None
            told = self.limit_notices.reverted(uow.outbox, Reverted(
                change, name, owner, limit_now,
                customer.name_local if customer is not None else None, requester,
                overtaken=change.overtaken_at is not None,
                over_by=self._over_limit(uow, change.customer_id, limit_now)))
            uow.audit.append(AuditEntry(now, SYSTEM, "limits.reverted", change.customer_id, {
                "request": change.request_id, "change": change.id,
                "limit": str(change.limit.amount), "currency": change.limit.currency,
                "expires_on": change.expires_on.isoformat(),
                "limit_now": str(limit_now.amount), "currency_now": limit_now.currency,
                "told": told, "overtaken": change.overtaken_at is not None}))
            uow.events.record(LimitReverted(
                occurred_at=now, actor=SYSTEM, subject=change.customer_id,
                request_id=change.request_id, limit=str(change.limit.amount),
                currency=change.limit.currency, limit_now=str(limit_now.amount),
                currency_now=limit_now.currency, ended_on=change.expires_on))
            uow.commit()
        return True

    def _over_limit(self, uow: UnitOfWork, customer_id: str, limit: Money
                    ) -> CreditPosition | None:
        """The account's position when its exposure is above ``limit``, the limit in
        force again (read under the revert's lock, as /credit check computes it)."""
        if self.standing is None:
            return None
        position = self.standing(uow, customer_id, None).position
        if position is None or position.limit != limit or not position.over_limit:
            return None
        return position

    def _may_see(self, user_id: str) -> bool:
        return self.access is None or self.access.allows(self.roster.member(user_id))

    @staticmethod
    def _retried(attempt: Callable[[], bool]) -> bool:
        return retried(attempt, RequestChanged)

