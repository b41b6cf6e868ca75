"""The collector's day (``CollectorsDay``): the worklist, and what collectors record
(``recording``: actions, promises; ``disputes``; ``legal``), on what they share
(``day``).

Each use case checks who acts, opens its unit of work, writes the record, its audit
entry and its messages (through the outbox) and commits, all or nothing. Only the
account's collector or the collections lead may record against an account. creditbot
records what collectors did; it never writes to customers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from domain.access import Member
from domain.collections.disputes import Disputing
from domain.collections.dunning import DueItem, account_level
from domain.collections.legal import LegalCases
from domain.collections.model import Assignment, AssignmentStatus, Promise, PromiseState
from domain.collections.recording import Recording
from domain.collections.refusals import NotAnOverseer
from domain.collections.worklist import LastAction, Page, WorkItem, ordered, page_of
from domain.errors import DomainError, MissingRate
from domain.fx import FxRates
from domain.model import Invoice
from domain.money import Money
from domain.ports import UnitOfWork
from domain.text import N_, CommandName


@dataclass(frozen=True)
class Worklist:
    page: Page
    today: date
    # Whose accounts these are, and whether the person looking may act on them (their
    # own, or the lead's look at a collector's list).
    collector: str = ""
    may_act: bool = True


class CollectorsDay(Recording, Disputing, LegalCases):
    """Every use case of the collector's day, on one ``DayContext``."""

    # The worklist
    def worklist(self, actor: Member, page: int = 1, collector: str | None = None
                 ) -> Worklist:
        """``actor``'s accounts, or ``collector``'s for the lead and the assigners (the
        lead may act on them too, as on any account)."""
        self.access.require(actor)
        whose = collector or actor.user_id
        if whose != actor.user_id and actor.user_id not in self.overseers:
            raise NotAnOverseer(sorted(self.overseers))
        today = self.today()
        with self.unit_of_work() as uow:
            assignments = uow.collections.open_assignments(collector=whose)
            if not assignments and whose != actor.user_id:
                named = self.people(whose)
                if not (named.roles or named.departments):
                    # A mistyped id would read as a collector with nothing to do.
                    raise DomainError(N_("<@{who}> is nobody app.yaml lists, and collects "
                                         "no account: name a collector, e.g. `{collect} "
                                         "@maria`."), who=whose,
                                      collect=CommandName("collect"))
            items = ordered(self._items(uow, assignments, today), today)
            chosen = page_of(items, page)
            shown = tuple(self._detail(uow, it) for it in chosen.items)
        return Worklist(replace(chosen, items=shown), today, whose,
                        may_act=actor.user_id in (whose, self.policy.lead))

    def _items(self, uow: UnitOfWork, assignments: Sequence[Assignment],
               today: date) -> list[WorkItem]:
        ids = [a.customer_id for a in assignments]
        if not ids:
            return []
        customers = {c.customer_id: c for c in uow.customers.fetch(ids)}
        invoices: dict[str, list[Invoice]] = defaultdict(list)
        for inv in uow.receivables.open_invoices(ids):
            invoices[inv.customer_id].append(inv)
        disputed: dict[str, set[str]] = defaultdict(set)
        disputes: dict[str, list[date]] = defaultdict(list)
        for d in uow.collections.open_disputes(ids):
            disputed[d.customer_id].update(d.invoice_ids)
            disputes[d.customer_id].append(d.opened_at.astimezone(self.zone).date())
        wanted = set(ids)
        promised: dict[str, date] = {}
        for p in uow.collections.promises_due(today):
            if p.customer_id in wanted:
                promised.setdefault(p.customer_id, p.due_on)
        fx = FxRates.on_record(uow.rates, self.base_currency, today)
        labels = self.buckets.labels
        items = []
        for a in assignments:
            customer = customers.get(a.customer_id)
            overdue_invs = [i for i in invoices[a.customer_id] if i.due_date < today]
            sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
            in_dispute: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
            weight = Decimal(0)
            unpriced: set[str] = set()
            for inv in overdue_invs:
                dpd = (today - inv.due_date).days
                sums[(self.buckets.index_of(dpd), inv.open_amount.currency)] += (
                    inv.open_amount.amount)
                if inv.invoice_id in disputed[a.customer_id]:
                    in_dispute[(self.buckets.index_of(dpd), inv.open_amount.currency)] += (
                        inv.open_amount.amount)
                else:
                    try:
                        weight += (inv.open_amount.amount * dpd * fx.factor(
                            inv.open_amount.currency, self.base_currency))
                    except MissingRate:
                        # Like the report: the account is still listed, in its own
                        # currency, last, with the missing rate said on its line.
                        unpriced.add(inv.open_amount.currency)
            level = account_level(
                self.policy.dunning,
                (DueItem(i.invoice_id, i.due_date) for i in overdue_invs),
                today, disputed[a.customer_id])
            items.append(WorkItem(
                customer_id=a.customer_id,
                name=customer.name if customer else a.customer_id,
                name_local=customer.name_local if customer else None,
                overdue=tuple((labels[b], Money(amount, cur))
                              for (b, cur), amount in sorted(sums.items())),
                weight=weight, status=a.status.value, level=level,
                next_action_on=a.next_action_on, promise_due=promised.get(a.customer_id),
                open_disputes=len(disputes[a.customer_id]),
                disputed=tuple((labels[b], Money(amount, cur))
                               for (b, cur), amount in sorted(in_dispute.items())),
                oldest_dispute_on=min(disputes[a.customer_id], default=None),
                unpriced=tuple(sorted(unpriced))))
        return items

    def _detail(self, uow: UnitOfWork, item: WorkItem) -> WorkItem:
        """The last action and the promises, read for the shown page only."""
        promises = uow.collections.promises(item.customer_id)
        promise = next((p for p in promises if p.state is PromiseState.OPEN), None)
        last = self.last_done(uow, item.customer_id, promises,
                              escalated=item.status == AssignmentStatus.ESCALATED.value)
        return replace(
            item,
            broken_promises=sum(p.state is PromiseState.BROKEN for p in promises),
            last_action=last[1] if last else None,
            promise_due=promise.due_on if promise else item.promise_due,
            tasks=tuple(uow.meetings.open_tasks(customer_ids=[item.customer_id])))

    def last_done(self, uow: UnitOfWork, customer_id: str,
                  promises: Sequence[Promise] | None = None, *, escalated: bool = False,
                  ) -> tuple[datetime, LastAction] | None:
        """What the account's collectors did last, and when: an action logged, a promise
        recorded or seen kept, a dispute opened or settled, the account escalated to legal
        (read when ``escalated``: it is legal's now), whichever is newest. The worklist
        shows it; the stale-account flag counts days from it. ``promises``: the
        account's, newest first, when the caller has read them already."""
        done: list[tuple[datetime, LastAction]] = []
        last = next(iter(uow.collections.actions(customer_id, limit=1)), None)
        if last is not None:
            done.append((last.at, LastAction(last.kind.value, last.outcome, last.by,
                                             self._day(last.at))))
        if promises is None:
            promises = uow.collections.promises(customer_id)
        if promises:
            made = promises[0]
            # Broken, it still dates from when it was made (the stale flag counts from
            # the collector's own doing), but no longer reads as a promise running.
            broken = made.state is PromiseState.BROKEN and made.checked_at is not None
            done.append((made.made_at, LastAction(
                "promise", "", made.made_by, self._day(made.made_at), promised=made.amount,
                due=made.due_on,
                broken_on=self._day(made.checked_at) if broken and made.checked_at else None,
                paid=Money(made.paid_when_checked, made.amount.currency)
                if broken and made.paid_when_checked is not None else None)))
        # A promise kept is the account's news when the job saw it paid.
        for kept in promises:
            if kept.state is PromiseState.KEPT and kept.checked_at is not None:
                done.append((kept.checked_at, LastAction(
                    "promise_kept", "", kept.made_by, self._day(kept.checked_at),
                    promised=kept.amount, due=kept.due_on)))
        for dispute in uow.collections.disputes(customer_id):
            done.append((dispute.opened_at, LastAction(
                "dispute_opened", dispute.reason, dispute.opened_by,
                self._day(dispute.opened_at), invoices=dispute.invoice_ids)))
            if dispute.resolved_at is not None:
                done.append((dispute.resolved_at, LastAction(
                    "dispute_resolved", dispute.outcome or "", dispute.resolved_by or "",
                    self._day(dispute.resolved_at), invoices=dispute.invoice_ids)))
        if escalated:
            # Legal's list said "No action recorded yet." of an account just handed over
            # with a note on why.
            done += [(case.opened_at, LastAction("escalated", case.note, case.opened_by,
                                                 self._day(case.opened_at)))
                     for case in uow.collections.legal_cases(customer_id)[:1]
                     if case.closed_at is None]
        return max(done, key=lambda pair: pair[0]) if done else None
