"""Assignment use cases (``Assignments``): make a person responsible for collecting an
account, by hand (``assign``, ``unassign``) or by app.yaml's rules in the alerts job
(``auto_assign``); list a collector's accounts. Each owns its unit of work, access
check, audit entry, events and direct messages (through the outbox), and commits.

Who may assign: the people ``collections.assigners`` names (by default the credit
managers and the ``collections_lead`` role). A collector must be someone who may see
credit data, since the DM they get carries the account's card.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Protocol

from domain.access import CreditDataAccess, Member
from domain.collections.assignment import (
    BY_RULES,
    AssignmentPolicy,
    OverdueAccount,
    Pick,
    plan,
)
from domain.collections.events import AssignmentClosed, CollectorAssigned
from domain.collections.model import Assignment, AssignmentStatus, CollectionChanged
from domain.collections.status import require_not_with_legal, status_of
from domain.errors import DomainError
from domain.exposure import CreditPosition
from domain.lookup import resolve_customer
from domain.model import SYSTEM, AuditEntry, Customer, HeldOrder
from domain.organisation_day import OrganisationDay
from domain.people import is_user_id
from domain.ports import Outbox, UnitOfWork
from domain.positions import (
    CreditPolicyContext,
    Portfolio,
    customer_position,
    portfolio_positions,
)
from domain.retry import retried
from domain.text import N_, CommandName, People

log = logging.getLogger("creditbot.collections")


class AssignRefused(DomainError):
    pass


class NotAnAssigner(AssignRefused):
    """``assigners``: who may assign instead; renderers mention them as ``who``."""

    locked = True

    def __init__(self, assigners: tuple[str, ...]) -> None:
        self.assigners = assigners
        super().__init__(N_("Only the credit managers and collections leads assign "
                            "collectors; ask {who}."), who=People(assigners))


@dataclass(frozen=True)
class AssignmentChange:
    """What to tell: ``collector`` takes the account over (with its card); ``previous``
    (on a reassignment or an unassignment) hands it back."""

    assignment: Assignment
    customer: Customer
    position: CreditPosition | None
    by: str
    previous: str | None = None
    closed: bool = False
    # Assigned by the alerts job with no rule matching: the least-loaded collector.
    by_rotation: bool = False
    # The account's held orders, oldest first: the new collector's card shows them as
    # the check card does (an order waiting on this account's payment is worth a call).
    held: tuple[HeldOrder, ...] = ()
    # Whether ``previous`` hears that the account is no longer theirs: not when they
    # may no longer see credit data (app.yaml let them go), which is why it moved.
    tell_previous: bool = True


class AssignmentNotices(Protocol):
    """Queues the direct messages in ``outbox``, inside the use case's transaction."""

    def queue(self, outbox: Outbox, change: AssignmentChange) -> None: ...

    def queue_by_rules(self, outbox: Outbox, changes: Sequence[AssignmentChange]) -> None:
        """One run's assignments by the rules: each collector told once, however many
        accounts they were given (a first run can give dozens)."""
        ...


class NoAssignmentNotices:
    def queue(self, outbox: Outbox, change: AssignmentChange) -> None:
        return None

    def queue_by_rules(self, outbox: Outbox, changes: Sequence[AssignmentChange]) -> None:
        return None


@dataclass(frozen=True)
class Assigned:
    """The answer to an assignment: the account as now assigned, and who had it;
    ``nothing_overdue``: the account owes nothing past due (a typo's account, or one paid
    since the list the assigner read), which the answer says."""

    assignment: Assignment
    customer: Customer
    previous: str | None = None
    nothing_overdue: bool = False


@dataclass(frozen=True)
class Assignments(OrganisationDay):
    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: CreditPolicyContext
    rules: AssignmentPolicy
    # The person app.yaml knows by a user id (roles, departments); unknown: no roles.
    people: Callable[[str], Member]
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: AssignmentNotices = field(default_factory=NoAssignmentNotices)

    def may_assign(self, actor: Member) -> bool:
        return self.access.allows(actor) and actor.user_id in self.rules.assigners

    def _require_assigner(self, actor: Member) -> None:
        self.access.require(actor)
        if actor.user_id not in self.rules.assigners:
            raise NotAnAssigner(tuple(sorted(self.rules.assigners)))

    def _require_collector(self, collector: str) -> None:
        if not is_user_id(collector):
            raise AssignRefused(
                N_("“{collector}” is not a person. Name the collector with @, e.g. "
                   "`{assign} acme @maria`, or give their Slack user id such as "
                   "U0123ABCDE."), collector=collector[:100], assign=CommandName("assign"))
        if not self.access.allows(self.people(collector)):
            raise AssignRefused(
                N_("<@{collector}> may not see credit data, so cannot collect an account. "
                   "Pick someone listed under access.credit_data in app.yaml, or ask a "
                   "credit manager to give them access."), collector=collector)

    # -- by hand ------------------------------------------------------------------------

    def assign(self, actor: Member, query: str, collector: str) -> Assigned:
        """Makes ``collector`` responsible for the customer ``query`` names; a
        reassignment tells both people. Audited ``collections.assigned`` or
        ``collections.reassigned``."""
        self._require_assigner(actor)
        self._require_collector(collector)
        return retried(lambda: self._assign(actor, query, collector), CollectionChanged)

    def _assign(self, actor: Member, query: str, collector: str) -> Assigned:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            customer, position = customer_position(
                uow, resolve_customer(query, uow.customers, close=False).customer_id,
                self.today(),
                self.policy)
            # Legal's outcome ends a case; an assigner moving the account meanwhile would
            # leave the case open with nobody told.
            require_not_with_legal(uow, customer.customer_id,
                                   lambda at: at.astimezone(self.zone).date())
            current = uow.collections.open_assignment(customer.customer_id)
            if current is not None and current.collector == collector:
                raise AssignRefused(N_("{customer} is already assigned to <@{collector}>."),
                                    customer=customer.names, collector=collector)
            previous = current.collector if current is not None else None
            if current is None:
                # A promise or dispute still open from an earlier assignment holds.
                stored = uow.collections.add_assignment(Assignment(
                    customer.customer_id, collector, status_of(uow, customer.customer_id),
                    actor.user_id, now, next_action_on=self.today()))
            else:
                stored = uow.collections.save_assignment(dataclasses.replace(
                    current, collector=collector, assigned_by=actor.user_id,
                    assigned_at=now))
            action = "collections.reassigned" if previous else "collections.assigned"
            details: dict[str, object] = {"collector": collector}
            if previous:
                details["previous"] = previous
            uow.audit.append(AuditEntry(now, actor.user_id, action, customer.customer_id,
                                        details))
            uow.events.record(CollectorAssigned(
                occurred_at=now, actor=actor.user_id, subject=customer.customer_id,
                assignment_id=stored.id, collector=collector, previous=previous))
            self.notices.queue(uow.outbox, AssignmentChange(
                stored, customer, position, actor.user_id, previous,
                held=tuple(c.named for c in uow.orders.held([customer.customer_id]))))
            uow.commit()
        return Assigned(stored, customer, previous, nothing_overdue=position is not None
                        and position.aging.overdue.amount <= 0)

    def unassign(self, actor: Member, query: str) -> Assigned:
        """Closes the customer's assignment (nobody collects it any more); the collector
        is told. Audited ``collections.unassigned``."""
        self._require_assigner(actor)
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            ref = resolve_customer(query, uow.customers, close=False)
            customer = uow.customers.get(ref.customer_id)
            # Legal holds the account until its outcome: nobody else may take it back.
            require_not_with_legal(uow, ref.customer_id,
                                   lambda at: at.astimezone(self.zone).date())
            current = uow.collections.open_assignment(ref.customer_id)
            if customer is None or current is None:
                raise AssignRefused(N_("Nobody collects {customer} ({id}) now, so there "
                                       "is nothing to unassign; `{assign} {id} "
                                       "@collector` gives it a collector."),
                                    customer=ref.names, id=ref.customer_id,
                                    assign=CommandName("assign"))
            closed = uow.collections.save_assignment(dataclasses.replace(
                current, status=AssignmentStatus.CLOSED, closed_at=now,
                closed_by=actor.user_id))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.unassigned",
                                        customer.customer_id,
                                        {"collector": current.collector}))
            uow.events.record(AssignmentClosed(
                occurred_at=now, actor=actor.user_id, subject=customer.customer_id,
                assignment_id=closed.id, collector=closed.collector))
            self.notices.queue(uow.outbox, AssignmentChange(
                closed, customer, None, actor.user_id, previous=current.collector,
                closed=True))
            uow.commit()
        return Assigned(closed, customer, current.collector)

    def customer(self, actor: Member, query: str) -> Customer:
        """The customer ``query`` names (for a form about it); access-checked."""
        self.access.require(actor)
        with self.unit_of_work() as uow:
            found = uow.customers.get(resolve_customer(query, uow.customers).customer_id)
        if found is None:
            raise AssignRefused(N_("No customer matches “{query}”."), query=query)
        return found

    def assignment_of(self, actor: Member, customer_id: str) -> Assignment | None:
        self.access.require(actor)
        with self.unit_of_work() as uow:
            return uow.collections.open_assignment(customer_id)

    # -- on its own ---------------------------------------------------------------------

    def portfolio(self) -> Portfolio:
        """Every customer's position today, as ``auto_assign`` reads it: the alerts job
        reads it once, for the assignment and the scan after it."""
        day = self.today()
        with self.unit_of_work() as uow:
            return Portfolio(day, portfolio_positions(uow, day, self.policy))

    def auto_assign(self, as_of: date | None = None, portfolio: Portfolio | None = None
                    ) -> dict[str, int]:
        """Assigns every overdue account nobody collects, by app.yaml's rules, else to
        the collector with the least open overdue amount. For the alerts job, so no
        access check; each collector gets one DM for the run. Counts ``assigned``.
        ``portfolio``: the positions as the job read them, when of the same day."""
        day = as_of or self.today()
        with self.unit_of_work() as uow:
            entries = (portfolio.entries if portfolio is not None and portfolio.as_of == day
                       else portfolio_positions(uow, day, self.policy))
            taken = {a.customer_id: a.collector
                     for a in uow.collections.open_assignments()}
            # Overdue in its credit currency: an account whose currency has no rate to the
            # base one is still overdue, and a rule may name its collector.
            overdue = {e.customer.customer_id: e for e in entries
                       if e.position is not None and e.position.aging.overdue.amount > 0}
            left_alone = self._left_alone(uow, overdue, day)
        overdue = {cid: e for cid, e in overdue.items() if cid not in left_alone}
        # A collector app.yaml no longer lets see credit data (they left, or moved on)
        # cannot work their accounts, and nobody was told: those go by the rules again,
        # as a newly overdue account does.
        gone = {cid: c for cid, c in taken.items() if not self.access.allows(self.people(c))}
        load: dict[str, Decimal] = {}
        for customer_id, collector in taken.items():
            figures = overdue[customer_id].in_base if customer_id in overdue else None
            if figures is not None and customer_id not in gone:
                load[collector] = load.get(collector, Decimal(0)) + figures.overdue.amount
        accounts = [OverdueAccount(e.customer, e.in_base.overdue.amount if e.in_base else None)
                    for cid, e in overdue.items() if cid not in taken or cid in gone]
        picks = plan(accounts, self.rules, load)
        picked = {p.account.customer.customer_id for p in picks}
        unrated = sorted(a.customer.customer_id for a in accounts
                         if a.overdue_in_base is None and a.customer.customer_id not in picked)
        if unrated and self.rules.collectors:  # with none, only the rules assign at all
            log.warning("%d overdue account(s) not assigned: no rule names their collector, "
                        "and sharing them by load needs their amount in %s, for which "
                        "their currency has no exchange rate (%s); import the rate",
                        len(unrated), self.policy.base_currency, ", ".join(unrated[:10]))
        positions = {cid: e.position for cid, e in overdue.items()}
        # Someone may assign one of them by hand between our read and our write
        # (PostgreSQL; SQLite's write lock makes them wait): then write again without.
        return retried(lambda: {"assigned": self._assign_picks(picks, positions, day, gone)},
                       CollectionChanged)

    def _left_alone(self, uow: UnitOfWork, overdue: Mapping[str, object],
                    day: date) -> set[str]:
        """Accounts a person took out of collection: with a legal case (legal has them),
        or unassigned and with no invoice fallen due since (new debt is collected
        again); an assigner can still assign them by hand."""
        legal = uow.collections.with_legal_case() & set(overdue)
        closed = {cid: at.astimezone(self.zone).date()
                  for cid, at in uow.collections.last_closed().items() if cid in overdue}
        newly_due = {i.customer_id for i in uow.receivables.open_invoices(list(closed))
                     if closed[i.customer_id] < i.due_date < day}
        return legal | (set(closed) - newly_due)

    def _assign_picks(self, picks: list[Pick], positions: dict[str, CreditPosition | None],
                      day: date, gone: Mapping[str, str]) -> int:
        """``gone``: customer → the collector who holds it and may no longer see credit
        data; their accounts are reassigned, the others assigned."""
        now = self.clock()
        changes: list[AssignmentChange] = []
        with self.unit_of_work() as uow:
            uow.begin_write()
            picked = [p.account.customer.customer_id for p in picks]
            still_open = {a.customer_id: a for a in uow.collections.open_assignments(
                customer_ids=picked)}
            # Only an account collected before can have a promise, dispute or legal case.
            collected_before = set(uow.collections.last_closed())
            held: dict[str, list[HeldOrder]] = defaultdict(list)
            for order in uow.orders.held(picked):
                held[order.customer_id].append(order.named)
            for pick in picks:
                customer = pick.account.customer
                held_by = still_open.get(customer.customer_id)
                if held_by is not None and held_by.collector != gone.get(customer.customer_id):
                    continue  # someone assigned it by hand since the read
                if not self.access.allows(self.people(pick.collector)):
                    # The DM carries the account's card: never to someone app.yaml
                    # does not let see credit data (config check refuses such rules).
                    log.warning("auto-assign skipped %s: %s may not see credit data",
                                customer.customer_id, pick.collector)
                    continue
                details: dict[str, object] = {"collector": pick.collector, "rule": pick.rule}
                if held_by is None:
                    status = (status_of(uow, customer.customer_id)
                              if customer.customer_id in collected_before
                              else AssignmentStatus.OPEN)
                    stored = uow.collections.add_assignment(Assignment(
                        customer.customer_id, pick.collector, status, BY_RULES, now,
                        next_action_on=day))
                else:
                    # Its promise, dispute and next step stay with the account.
                    stored = uow.collections.save_assignment(dataclasses.replace(
                        held_by, collector=pick.collector, assigned_by=BY_RULES,
                        assigned_at=now))
                    details.update(previous=held_by.collector,
                                   why="the previous collector may no longer see credit data")
                uow.audit.append(AuditEntry(
                    now, SYSTEM, "collections.reassigned" if held_by else "collections.assigned",
                    customer.customer_id, details))
                uow.events.record(CollectorAssigned(
                    occurred_at=now, actor=SYSTEM, subject=customer.customer_id,
                    assignment_id=stored.id, collector=pick.collector, by_rules=True,
                    previous=held_by.collector if held_by else None))
                changes.append(AssignmentChange(
                    stored, customer, positions.get(customer.customer_id), BY_RULES,
                    previous=held_by.collector if held_by else None, tell_previous=False,
                    by_rotation=pick.rule is None,
                    held=tuple(held[customer.customer_id])))
            self.notices.queue_by_rules(uow.outbox, changes)
            uow.commit()
        return len(changes)
