"""Escalation to legal: the account's whole history posted to the legal department's
channel and the account handed to legal; legal's outcome closes the case and the
account's assignment."""

from __future__ import annotations

from dataclasses import replace

from domain.access import Member
from domain.collections.day import MAX_OUTCOME, DayContext, not_yours
from domain.collections.model import (
    Assignment,
    AssignmentStatus,
    CollectionChanged,
    LegalCase,
)
from domain.collections.record import History
from domain.collections.refusals import NothingOverdue
from domain.collections.status import owes_overdue
from domain.errors import DomainError
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.retry import retried_on
from domain.text import N_

# The credit requests a legal case shows (latest first).
HISTORY_REQUESTS = 20


class LegalCases(DayContext):
    """Escalate an account to legal and record legal's outcome."""

    def _require_legal_recorder(self, uow: UnitOfWork, actor: Member,
                                customer_id: str) -> tuple[LegalCase, Assignment | None]:
        self.access.require(actor)
        cases = uow.collections.legal_cases(customer_id)
        case = next((c for c in cases if c.is_open), None)
        assignment = uow.collections.open_assignment(customer_id)
        closed = None if case is not None else max(
            (c for c in cases if c.closed_at is not None),
            key=lambda c: c.closed_at or c.opened_at, default=None)
        # Who may is decided before anything about the case is said: a closed case's
        # outcome is legal's word, not for whoever opens a stale form.
        recorders = {self.legal_owner, self.policy.lead,
                     assignment.collector if assignment else None}
        if closed is not None:
            recorders |= {closed.opened_by, closed.closed_by}
        if actor.user_id not in recorders and self.legal_department not in actor.departments:
            raise not_yours(uow, customer_id,
                            assignment.collector if assignment else None, self._ask(actor))
        if case is None:
            if closed is not None and closed.closed_at is not None:
                # A second press of the case's button: what was recorded, not a riddle.
                raise DomainError(N_("The legal case of {customer} is closed already: its "
                                     "outcome was recorded on {day}: “{outcome}”."),
                                  customer=customer_id,
                                  day=self.date_of(closed.closed_at),
                                  outcome=closed.outcome or "")
            raise DomainError(N_("{customer} has no open legal case."),
                              customer=customer_id)
        return case, assignment

    def may_record_legal_outcome(self, actor: Member, customer_id: str) -> None:
        with self.unit_of_work() as uow:
            self._require_legal_recorder(uow, actor, customer_id)

    @retried_on(CollectionChanged)
    def escalate_to_legal(self, actor: Member, customer_id: str, note: str,
                          submission: str | None = None) -> LegalCase:
        """Posts the case with the account's whole history to the legal department's
        channel and hands the account to legal. ``submission``: the form's key, as for
        ``promise``: sent twice, the second would be told the account is legal's now."""
        now = self.clock()
        with self.unit_of_work() as uow:
            assignment = self._collecting(uow, actor, customer_id, submission, now)
            if assignment.status is AssignmentStatus.ESCALATED:
                raise DomainError(N_("{customer} is with legal already."),
                                  customer=customer_id)
            customer = uow.customers.get(customer_id)
            open_invoices = tuple(uow.receivables.open_invoices([customer_id]))
            if not owes_overdue(open_invoices, self.date_of(now)):
                raise NothingOverdue(customer_id, customer.name if customer else None)
            case = uow.collections.add_legal_case(LegalCase(
                customer_id, actor.user_id, now, note.strip()[:MAX_OUTCOME]))
            # The collector's next-step day is not legal's: kept, legal was told its next
            # step "stays due" on it, and reminded of it.
            moved = uow.collections.save_assignment(replace(
                assignment, status=AssignmentStatus.ESCALATED,
                collector=self.legal_owner or assignment.collector, next_action_on=None))
            if customer is not None:
                history = History(
                    customer, open_invoices,
                    tuple(uow.collections.actions(customer_id)),
                    tuple(uow.collections.promises(customer_id)),
                    tuple(uow.collections.disputes(customer_id)), assignment,
                    tuple(uow.credit_requests.of_customer(customer_id, HISTORY_REQUESTS)),
                    tuple(uow.receivables.credit_notes(customer_id)))
                # The owner heard of it only when legal closed the case, and went on
                # selling to the account meanwhile; the lead and the collector it leaves
                # hear of it too, unless they did it.
                told = [person for person in dict.fromkeys(
                    (customer.owner_slack_id, self.policy.lead, assignment.collector))
                    if person and person != actor.user_id
                    and self.access.allows(self.people(person))]
                self.notices.legal_case(uow.outbox, case, history,
                                        self.channels.get(self.legal_department), told)
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.escalated",
                                        customer_id, {"legal_case_id": case.id,
                                                      "note": case.note,
                                                      "from": assignment.collector,
                                                      "to": moved.collector}))
            uow.commit()
        return case

    @retried_on(CollectionChanged)
    def record_legal_outcome(self, actor: Member, customer_id: str, outcome: str,
                             submission: str | None = None) -> LegalCase:
        """Legal's outcome closes the case and the account's assignment. ``submission``:
        the form's key, as for ``promise``."""
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            case, assignment = self._require_legal_recorder(uow, actor, customer_id)
            closed = uow.collections.save_legal_case(replace(
                case, outcome=outcome.strip()[:MAX_OUTCOME], closed_at=now,
                closed_by=actor.user_id))
            customer = uow.customers.get(customer_id)
            if customer is not None:
                # Who escalated it, the account's owner and the collections lead hear of
                # it, where only the legal channel did: the account leaves collection with
                # it, and money still to come (instalments agreed) was followed by nobody.
                # Each with whom to ask to assign it again, unless they may themselves.
                told = {person: self._ask(self.people(person)) for person in dict.fromkeys(
                    (case.opened_by, customer.owner_slack_id, self.policy.lead))
                    if person and person != actor.user_id
                    and self.access.allows(self.people(person))}
                self.notices.legal_outcome(uow.outbox, closed, customer,
                                           self.channels.get(self.legal_department),
                                           actor.user_id, told)
            if assignment is not None:
                uow.collections.save_assignment(replace(
                    assignment, status=AssignmentStatus.CLOSED, closed_at=now,
                    closed_by=actor.user_id))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.legal_outcome",
                                        customer_id, {"legal_case_id": case.id,
                                                      "outcome": closed.outcome}))
            uow.commit()
        return closed
