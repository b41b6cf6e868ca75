"""Disputes: a collector disputes some of an account's invoices, the dispute goes to the
department that must resolve it (its channel, an owner), dunning pauses for those
invoices, and the department, the owner, the collector or the lead resolves it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.access import Member
from domain.collections.day import MAX_OUTCOME, DayContext
from domain.collections.model import Assignment, CollectionChanged, Dispute
from domain.collections.refusals import (
    AlreadyDisputed,
    NotTheirDispute,
    NotYourDispute,
    UnknownDepartment,
)
from domain.collections.status import open_legal_case, status_of
from domain.errors import DomainError, FieldProblem, FormRefused
from domain.model import AuditEntry
from domain.people import is_user_id
from domain.ports import UnitOfWork
from domain.retry import retried_on
from domain.text import N_, People


class Disputing(DayContext):
    """Open a dispute and resolve it."""

    @retried_on(CollectionChanged)
    def dispute(self, actor: Member, customer_id: str, invoice_ids: Sequence[str],
                reason: str, department: str | None, owner: str | None,
                submission: str | None = None) -> Dispute:
        now = self.clock()
        with self.unit_of_work() as uow:
            assignment = self._collecting(uow, actor, customer_id, submission, now)
            # Every problem at once, each beside its field: one round to put them right.
            open_ = {i.invoice_id for i in uow.receivables.open_invoices([customer_id])}
            invoice_ids, wrong = self._named_invoices(uow, customer_id, invoice_ids, open_)
            problems = [problem for problem in (
                wrong or self._disputed_problem(uow, customer_id, invoice_ids),
                self._department_problem(department),
                self._owner_problem(owner, department)) if problem is not None]
            if problems:
                raise FormRefused(problems)
            dispute = uow.collections.add_dispute(Dispute(
                customer_id, tuple(invoice_ids), reason.strip()[:MAX_OUTCOME], department,
                owner, actor.user_id, now))
            uow.collections.save_assignment(replace(assignment,
                                                    status=status_of(uow, customer_id)))
            customer = uow.customers.get(customer_id)
            if customer is not None:
                self.notices.dispute_opened(uow.outbox, dispute, customer,
                                            self.channels.get(department or ""))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.disputed",
                                        customer_id, {
                "dispute_id": dispute.id, "invoices": list(invoice_ids),
                "reason": dispute.reason, "department": department, "owner": owner}))
            uow.commit()
        return dispute

    def _disputed_problem(self, uow: UnitOfWork, customer_id: str,
                          invoice_ids: Sequence[str]) -> FieldProblem | None:
        since = {invoice: dispute.opened_at
                 for dispute in uow.collections.open_disputes([customer_id])
                 for invoice in dispute.invoice_ids}
        again = [invoice for invoice in invoice_ids if invoice in since]
        if not again:
            return None
        return AlreadyDisputed(again, self.date_of(min(since[i] for i in again)))

    def dispute_departments(self) -> dict[str, str]:
        """The departments a dispute may go to, by key, with their names: those with a
        channel (open to credit data: ``channels`` holds only those)."""
        return {key: self.departments.get(key, key) for key, channel in self.channels.items()
                if channel}

    def _department_problem(self, department: str | None) -> FieldProblem | None:
        """A dispute goes to a configured department's channel, never to any channel
        a forged form names, and never nowhere."""
        if not self.channels and department is None:
            return None  # no departments configured: the dispute goes to its owner
        if department is None or not self.channels.get(department):
            return UnknownDepartment(sorted(self.dispute_departments().values()))
        return None

    def _owner_problem(self, owner: str | None, department: str | None
                       ) -> FieldProblem | None:
        if owner is None:
            return None
        if not is_user_id(owner):
            # Only an id is ever rendered as a mention: nothing typed into the field.
            return NotTheirDispute(N_("Pick the dispute's owner from the list of people, "
                                      "or leave it empty."))
        person = self.people(owner)
        if not self.access.allows(person):
            return NotTheirDispute(N_("<@{owner}> may not see credit data, so cannot own a "
                                      "dispute: pick someone who may."), owner=owner)
        if department and department not in person.departments:
            return NotTheirDispute(N_("<@{owner}> is not in {department}: pick a member of "
                                      "the department the dispute goes to, or leave the "
                                      "owner empty."), owner=owner,
                                   department=self.departments.get(department, department))
        return None

    @retried_on(CollectionChanged)
    def resolve_dispute(self, actor: Member, dispute_id: int, customer_id: str,
                        outcome: str, submission: str | None = None) -> Dispute:
        """Closes the dispute; dunning counts its invoices again. ``submission``: the
        form's key, as for ``promise``."""
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            self.access.require(actor)
            dispute, assignment = self._require_resolver(uow, actor, dispute_id, customer_id)
            done = uow.collections.save_dispute(replace(
                dispute, resolved_at=now, resolved_by=actor.user_id,
                outcome=outcome.strip()[:MAX_OUTCOME]))
            customer = uow.customers.get(customer_id)
            if customer is not None:
                # Whoever opened it and whoever collects the account now: their
                # reminders for these invoices resume.
                tell = [person for person in dict.fromkeys((
                    dispute.opened_by, assignment.collector if assignment else None))
                    if person and person != actor.user_id]
                self.notices.dispute_resolved(
                    uow.outbox, done, customer, self.channels.get(done.department or ""),
                    tell, with_legal=open_legal_case(uow, customer_id) is not None,
                    collected=assignment is not None)
            # Back to promised when a promise is still open, not simply open.
            if assignment is not None and (status := status_of(uow, customer_id)) \
                    is not assignment.status:
                uow.collections.save_assignment(replace(assignment, status=status))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.dispute_resolved",
                                        customer_id, {"dispute_id": dispute_id,
                                                      "outcome": done.outcome,
                                                      "days_open": (now - dispute.opened_at).days}))
            uow.commit()
        return done

    def _require_resolver(self, uow: UnitOfWork, actor: Member, dispute_id: int,
                          customer_id: str) -> tuple[Dispute, Assignment | None]:
        """The department a dispute was sent to resolves it, beside its owner, the
        account's collector and the collections lead."""
        self.access.require(actor)
        dispute = next((d for d in uow.collections.disputes(customer_id)
                        if d.id == dispute_id), None)
        if dispute is None:
            raise DomainError(N_("That dispute is not on record for this customer: nothing "
                                 "was changed."))
        # Who first: someone else is told the dispute is not theirs, whatever its state.
        assignment = uow.collections.open_assignment(customer_id)
        if actor.user_id not in (dispute.owner, self.policy.lead,
                                 assignment.collector if assignment else None) \
                and (dispute.department is None
                     or dispute.department not in actor.departments):
            customer = uow.customers.get(customer_id)
            may = (dispute.owner, assignment.collector if assignment else None,
                   self.policy.lead)
            raise NotYourDispute(customer_id, self.departments.get(
                dispute.department or "", dispute.department),
                customer.name if customer else None,
                People(dict.fromkeys(p for p in may if p)),
                customer.name_local if customer else None)
        if not dispute.is_open:
            if dispute.resolved_by is None or dispute.resolved_at is None:
                raise DomainError(N_("That dispute is already resolved."))
            # By whom, when and how, as legal's outcome says: "already resolved" alone
            # sent the person looking for it.
            raise DomainError(N_("That dispute was resolved already, by <@{who}> on {day}: "
                                 "“{outcome}”."), who=dispute.resolved_by,
                              day=self.date_of(dispute.resolved_at),
                              outcome=dispute.outcome or "")
        return dispute, assignment

    def oldest_open_dispute(self, actor: Member, customer_id: str) -> Dispute:
        """The account's oldest open dispute, as ``may_resolve`` allows ``actor`` to
        resolve it: what the worklist's Resolve dispute opens, found when pressed (a
        list kept open an hour names a dispute resolved meanwhile from its post)."""
        with self.unit_of_work() as uow:
            self.access.require(actor)
            found = next(iter(uow.collections.open_disputes([customer_id])), None)
            if found is None:
                customer = uow.customers.get(customer_id)
                raise DomainError(N_("{customer} has no open dispute: nothing was "
                                     "changed."), customer=f"{customer.name} ({customer_id})"
                                  if customer is not None and customer.name != customer_id
                                  else customer_id)
            return self._require_resolver(uow, actor, found.id, customer_id)[0]

    def may_resolve(self, actor: Member, dispute_id: int, customer_id: str) -> Dispute:
        """Raises what ``resolve_dispute`` would refuse for this person (before the form
        opens), writing nothing; the dispute, for the form to name."""
        with self.unit_of_work() as uow:
            return self._require_resolver(uow, actor, dispute_id, customer_id)[0]
