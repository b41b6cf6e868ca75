"""The ``collections`` job: promises checked, collectors nudged, stale accounts flagged.

- **Promises**: an open promise is checked from its date on; kept (paid, see
  ``domain.collections.promises``) it is closed, and the account's last action is the
  promise kept (``CollectorsDay.last_done``), which starts a new stretch;
  broken after its date plus the grace days, the collector and the account owner are
  told and the promise is recorded broken against the customer.
- **Nudges**: on an account's next-action date its collector is reminded, once per date,
  in one message per collector and run for all of their accounts that fell due: a
  collector given forty accounts yesterday hears once this morning, not forty times.
- **Settled disputes**: an open dispute whose invoices the ERP now shows settled is
  pointed out, once, under its post to whoever resolves it (it is theirs to close, saying
  how).
- **Stale accounts**: an account whose last action (or assignment, when none) is
  ``stale_after_days`` old or more is flagged to the collections lead, once per stretch
  without action (the next action starts a new stretch), all of a run's in one message.

Each runs in its own unit of work. A promise is marked checked with its version, so a
second run or scheduler finds it done (``CollectionChanged``) and writes nothing. A nudge
marks each account's assignment reminded for its date, saved with its version in the
collector's unit of work with the message, so two schedulers at the same moment cannot
both remind of one account; a flag marks the stretch it told of the same way. Messages
keyed per account before migration 0015 count as sent. Each audit entry and message
exists once.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime

from domain.collections.model import (
    Assignment,
    AssignmentStatus,
    CollectionChanged,
    Dispute,
    Promise,
    PromiseState,
)
from domain.collections.promises import Verdict
from domain.collections.status import (
    owes_overdue,
    promise_verdict,
    status_of,
    waits_on_dispute,
)
from domain.collections.work import CollectorsDay
from domain.model import SYSTEM, AuditEntry, Customer
from domain.money import Money
from domain.ports import UnitOfWork

SKIPPED = "skipped"
log = logging.getLogger("creditbot.collections")


@dataclass(frozen=True)
class DayCounts:
    kept: int = 0
    broken: int = 0
    nudged: int = 0
    flagged: int = 0
    # promises left to the next run because their account kept changing meanwhile
    skipped: int = 0
    # the organisation's holiday: nothing done (the next run does it)
    holiday: bool = False
    # open disputes whose invoices the ERP now shows settled, their resolvers told
    settled: int = 0

    def as_dict(self) -> dict[str, int]:
        if self.holiday:
            return {"holiday": 1}
        counts = {"promises_kept": self.kept, "promises_broken": self.broken,
                  "nudged": self.nudged, "flagged": self.flagged}
        return counts | ({"promises_skipped": self.skipped} if self.skipped else {}) | (
            {"disputes_settled": self.settled} if self.settled else {})


def nudge_key(assignment: Assignment) -> str:
    return f"collections.nudge:{assignment.customer_id}:{assignment.next_action_on}"


def run_key(kind: str, person: str, covered: list[str]) -> str:
    """The key of one run's message to one person: what it covers (accounts with their
    date), so the same message is never queued twice."""
    digest = hashlib.sha256(",".join(covered).encode()).hexdigest()[:20]
    return f"{kind}:{person}:{digest}"


def settled_key(dispute_id: int) -> str:
    """The start of the keys of a settled dispute's messages (under its post, and to
    the collector)."""
    return f"collections.dispute_settled:{dispute_id}:"


def _all_settled(uow: UnitOfWork, dispute: Dispute) -> bool:
    """Whether the latest import has each of the dispute's invoices, with nothing left to
    pay (one missing from a partial import, or renumbered, is no news of a payment)."""
    ids = list(dict.fromkeys(dispute.invoice_ids))
    return len(uow.receivables.settled(dispute.customer_id, ids)) == len(ids)


def stale_key(customer_id: str, since: date) -> str:
    return f"collections.stale:{customer_id}:{since}"


@dataclass(frozen=True)
class CollectionsJob:
    day: CollectorsDay

    def run(self, on_holiday: bool = False) -> DayCounts:
        """``on_holiday``: run all the same on one of the organisation's holidays."""
        today = self.day.today()
        if today in self.day.policy.holidays and not on_holiday:
            # Nobody is at work to act on a reminder or a stale flag; promises due are
            # checked the next run, which looks at every one due on or before its day.
            return DayCounts(0, 0, 0, 0, 0, holiday=True)
        kept = broken = skipped = 0
        with self.day.unit_of_work() as uow:
            due = uow.collections.promises_due(today)
        for promise in due:
            verdict = self._check_isolated(promise, today)
            kept += verdict is Verdict.KEPT
            broken += verdict is Verdict.BROKEN
            skipped += verdict is SKIPPED
        with self.day.unit_of_work() as uow:
            assignments = uow.collections.open_assignments()
        fell_due: dict[str, list[Assignment]] = {}
        for a in assignments:
            # An account with legal too: the day is legal's own (an escalation leaves the
            # collector's behind), and legal was told it would be reminded.
            if a.next_action_on is not None and a.next_action_on <= today \
                    and not _assigned_today(a, today, self.day.date_of):
                fell_due.setdefault(a.collector, []).append(a)
        nudged = sum(self._nudge(collector, mine) for collector, mine in fell_due.items()
                     if self._may_collect(collector, len(mine)))
        flagged = self._flag([a for a in assignments
                              if a.status is not AssignmentStatus.ESCALATED], today)
        return DayCounts(kept, broken, nudged, flagged, skipped, settled=self._settled())

    def _settled(self) -> int:
        """Tells whoever resolves each open dispute whose invoices the ERP now shows
        settled (paid, or credited to nothing open) that it may be closed: it stayed open
        and aged on, unseen, though nothing was left to dispute. Not closed here: how it
        was settled (paid in full, a credit note, written off) is the resolver's to
        say. Once per dispute: counted and audited by the run that queued its message."""
        with self.day.unit_of_work() as uow:
            candidates = [d for d in uow.collections.open_disputes()
                          if not uow.outbox.keyed(settled_key(d.id))
                          and _all_settled(uow, d)]
        told = 0
        now = self.day.clock()
        for dispute in candidates:
            with self.day.unit_of_work() as uow:
                uow.begin_write()
                current = next((d for d in uow.collections.disputes(dispute.customer_id)
                                if d.id == dispute.id and d.is_open), None)
                customer = uow.customers.get(dispute.customer_id)
                if current is None or customer is None or not _all_settled(uow, current):
                    continue
                assignment = uow.collections.open_assignment(dispute.customer_id)
                collector = assignment.collector if assignment is not None else None
                if not self.day.notices.dispute_settled(
                        uow.outbox, current, customer,
                        self.day.channels.get(current.department or ""),
                        collector if collector and self._reads_credit(collector) else None,
                        settled_key(dispute.id)):
                    continue  # nobody to tell, or another run told them first
                uow.audit.append(AuditEntry(now, SYSTEM, "collections.dispute_settled",
                                            dispute.customer_id, {
                                                "dispute_id": dispute.id,
                                                "invoices": list(dispute.invoice_ids)}))
                uow.commit()
                told += 1
        return told

    def _check_isolated(self, promise: Promise, today: date) -> Verdict | str | None:
        """One account's check: a collector changing the account meanwhile (its
        assignment's version moved) rolls back this account only; it is tried once more
        from fresh data, then left to the next run, and the job goes on."""
        for _ in range(2):
            try:
                return self._check(promise, today)
            except CollectionChanged:
                log.info("promise %s of %s: account changed during the check",
                         promise.id, promise.customer_id)
        log.warning("promise %s of %s skipped: its account kept changing", promise.id,
                    promise.customer_id)
        return SKIPPED

    def _check(self, promise: Promise, today: date) -> Verdict | None:
        now = self.day.clock()
        grace = self.day.policy.grace_days
        with self.day.unit_of_work() as uow:
            uow.begin_write()
            verdict, paid = promise_verdict(uow, promise, today, grace, self.day.zone,
                                            self.day.base_currency)
            if verdict is Verdict.PENDING:
                return verdict
            state = PromiseState.KEPT if verdict is Verdict.KEPT else PromiseState.BROKEN
            try:
                uow.collections.save_promise(replace(promise, state=state, checked_at=now,
                                                     paid_when_checked=paid))
            except CollectionChanged:
                return None  # another run checked it first
            assignment = uow.collections.open_assignment(promise.customer_id)
            customer = uow.customers.get(promise.customer_id)
            # An account no longer assigned (legal closed it, or it was unassigned):
            # whoever recorded the promise hears of it in the collector's place.
            collector = assignment.collector if assignment is not None else promise.made_by
            # Nor one app.yaml let go (the alerts job gives their accounts to another).
            told = self._reads_credit(collector)
            if verdict is Verdict.KEPT and customer is not None and told:
                self.day.notices.promise_kept(uow.outbox, promise, customer, collector)
            # Derived, not reset to open: a dispute or a legal case still open wins. A
            # promise kept on an account with nothing overdue left takes its day off the
            # next step (nobody is to be reminded of money that came). With money still
            # overdue the step is today's, for the collector to follow up the rest: left
            # on the promise's day, reminded already, nobody was reminded again.
            if assignment is not None:
                status = status_of(uow, promise.customer_id)
                follow_up = assignment.next_action_on
                if follow_up == promise.due_on:
                    if owes_overdue(uow.receivables.open_invoices([promise.customer_id]),
                                    today):
                        follow_up = today
                    elif verdict is Verdict.KEPT:
                        follow_up = None
                if (status, follow_up) != (assignment.status, assignment.next_action_on):
                    uow.collections.save_assignment(replace(
                        assignment, status=status, next_action_on=follow_up))
            if verdict is Verdict.BROKEN and customer is not None:
                partly = Money(paid, promise.amount.currency) if paid > 0 else None
                recorder = promise.made_by if promise.made_by != collector \
                    and self._reads_credit(promise.made_by) else None
                self.day.notices.promise_broken(uow.outbox, promise, customer, collector,
                                                self._owner_told(customer), partly,
                                                assigned=assignment is not None,
                                                collector_told=told, recorder=recorder)
            uow.audit.append(AuditEntry(now, SYSTEM, f"collections.promise_{verdict.value}",
                                        promise.customer_id, {
                "promise_id": promise.id, "amount": str(promise.amount.amount),
                "currency": promise.amount.currency, "due_on": str(promise.due_on),
                "paid": str(paid)}))
            uow.commit()
        return verdict

    def _reads_credit(self, user: str) -> bool:
        """Whether app.yaml lets ``user`` see credit data, which every note here holds."""
        return self.day.access.allows(self.day.people(user))

    def _may_collect(self, collector: str, accounts: int) -> bool:
        """Whether ``collector`` may still read the accounts a nudge lists: one app.yaml
        let go keeps them until the alerts job gives them to another collector."""
        if self._reads_credit(collector):
            return True
        log.warning("%d account(s) of %s not nudged: they may no longer see credit data "
                    "(app.yaml's access.credit_data); the alerts job gives their accounts "
                    "to another collector", accounts, collector)
        return False

    def _owner_told(self, customer: Customer) -> str | None:
        """The account's owner, when credit data is open to them: the ERP record names
        the owner, so whoever edits it would choose who reads the promise's figures."""
        owner = customer.owner_slack_id
        if owner is None or self._reads_credit(owner):
            return owner
        log.warning("broken promise of %s not sent to its owner %s: an owner in the ERP "
                    "named them, and credit data is not open to them (app.yaml's "
                    "access.credit_data)", customer.customer_id, owner)
        return None

    def _nudge(self, collector: str, assignments: list[Assignment]) -> int:
        """One collector's reminder for the accounts whose next step fell due and that
        nobody reminded them of yet; the number of accounts in it."""
        now = self.day.clock()
        with self.day.unit_of_work() as uow:
            uow.begin_write()
            told: list[tuple[Assignment, Customer]] = []
            for assignment in assignments:
                current = uow.collections.open_assignment(assignment.customer_id)
                customer = uow.customers.get(assignment.customer_id)
                if current is None or customer is None or current.collector != collector \
                        or current.next_action_on != assignment.next_action_on \
                        or current.reminded_for == current.next_action_on \
                        or uow.outbox.id_of(nudge_key(current)) is not None:  # before 0015
                    continue
                if current.status is AssignmentStatus.DISPUTED and waits_on_dispute(
                        uow, current.customer_id, current.next_action_on, self.day.today()):
                    # Reminded once the dispute is resolved (not marked reminded now).
                    continue
                if not _marked(uow, replace(current, reminded_for=current.next_action_on),
                               now, "collections.nudged",
                               {"next_action_on": str(current.next_action_on)}):
                    continue
                told.append((current, customer))
            if not told:
                return 0
            told.sort(key=lambda pair: (pair[0].next_action_on, pair[0].customer_id))
            self.day.notices.nudge(uow.outbox, collector, told, run_key(
                "collections.nudges", collector,
                [f"{a.customer_id}:{a.next_action_on}" for a, _ in told]))
            uow.commit()
        return len(told)

    def _since(self, uow: UnitOfWork, assignment: Assignment) -> date:
        """The first day of the account's stretch without action: the day of what its
        collectors did last (an action, a promise, a dispute opened or settled; see
        ``CollectorsDay.last_done``), else the day it was assigned."""
        last = self.day.last_done(uow, assignment.customer_id)
        return (last[0] if last else assignment.assigned_at).astimezone(self.day.zone).date()

    def _flag(self, assignments: list[Assignment], today: date) -> int:
        """The collections lead's message for the accounts without action for
        ``stale_after_days`` or more that nobody told them of for that stretch; the number
        of accounts in it. Found read-only; marked and told in one unit of work."""
        lead = self.day.policy.lead
        if lead is None:
            return 0
        stale: list[tuple[Assignment, date]] = []
        with self.day.unit_of_work() as uow:
            for assignment in assignments:
                since = self._since(uow, assignment)
                # An account with nothing overdue has nothing to collect: flagged, it was
                # noise for the lead (one assigned by hand with no invoices at all).
                if (today - since).days >= self.day.policy.stale_after_days \
                        and assignment.flagged_since != since and owes_overdue(
                            uow.receivables.open_invoices([assignment.customer_id]), today):
                    stale.append((assignment, since))
        if not stale:
            return 0
        now = self.day.clock()
        with self.day.unit_of_work() as uow:
            uow.begin_write()
            told: list[tuple[Assignment, Customer, int]] = []
            for assignment, _ in stale:
                current = uow.collections.open_assignment(assignment.customer_id)
                customer = uow.customers.get(assignment.customer_id)
                if current is None or customer is None:
                    continue
                # Again under the write lock: an action logged since the first look makes
                # the account no longer stale.
                since = self._since(uow, current)
                if (today - since).days < self.day.policy.stale_after_days \
                        or current.flagged_since == since \
                        or uow.outbox.id_of(stale_key(current.customer_id, since)) is not None:
                    continue
                days, marked = (today - since).days, replace(current, flagged_since=since)
                if not _marked(uow, marked, now, "collections.flagged_stale",
                               {"days_without_action": days, "collector": current.collector}):
                    continue
                told.append((marked, customer, days))
            if not told:
                return 0
            told.sort(key=lambda t: (-t[2], t[0].customer_id))
            self.day.notices.stale(uow.outbox, lead, told, run_key(
                "collections.stales", lead,
                [f"{a.customer_id}:{a.flagged_since}" for a, _, _ in told]))
            uow.commit()
        return len(told)


def _assigned_today(assignment: Assignment, today: date,
                    date_of: Callable[[datetime], date]) -> bool:
    """Assigned today with today's step: the assignment's message said the step is due
    today, so a reminder an hour later says it twice; the next morning's does remind."""
    return assignment.next_action_on == today and date_of(assignment.assigned_at) == today


def _marked(uow: UnitOfWork, marked: Assignment, now: datetime, action: str,
            details: dict[str, object]) -> bool:
    """Saves the assignment marked as told, with its version, and audits it: ``False``
    when a second scheduler at the same moment marked it first (on PostgreSQL this
    waits for that one's commit, then finds the row changed)."""
    try:
        uow.collections.save_assignment(marked)
    except CollectionChanged:
        return False
    uow.audit.append(AuditEntry(now, SYSTEM, action, marked.customer_id, details))
    return True
