"""The collector's day: the worklist and what collectors record (actions, promises,
disputes, escalations to legal).

Each use case checks who acts, opens its unit of work, writes the record, its audit
entry and its messages (through the outbox) and commits, all or nothing. Only the
account's collector or the collections lead may record against an account. creditbot
records what collectors did; it never writes to customers.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Protocol

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.approvals.model import CreditRequest
from domain.collections.dunning import DEFAULT_POLICY, DueItem, DunningPolicy, account_level
from domain.collections.model import (
    ActionKind,
    Assignment,
    AssignmentStatus,
    CollectionAction,
    CollectionChanged,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.collections.promises import Verdict
from domain.collections.status import (
    open_legal_case,
    owes_overdue,
    promise_verdict,
    require_not_with_legal,
    status_of,
)
from domain.collections.worklist import LastAction, Page, WorkItem, ordered, page_of
from domain.errors import DomainError, FieldProblem, FormRefused, MissingRate
from domain.fx import FxRates
from domain.model import AuditEntry, Customer, Invoice
from domain.money import Money
from domain.people import is_user_id
from domain.ports import Outbox, UnitOfWork
from domain.retry import retried
from domain.text import N_, CommandName, Listed, People

MAX_OUTCOME = 2000
# The credit requests a legal case shows (latest first).
HISTORY_REQUESTS = 20


@dataclass(frozen=True)
class WorkPolicy:
    """``collections`` in app.yaml, as the collector's day reads it."""

    dunning: DunningPolicy = DEFAULT_POLICY
    grace_days: int = 3
    stale_after_days: int = 14
    lead: str | None = None


class NotYourAccount(DomainError):
    """``name``: the customer's, when known: the refusal names the account as people
    know it, and the command to assign it by its id. ``ask``: when the person may not
    assign, those who may (the command would only be refused)."""

    def __init__(self, customer: str, collector: str | None, name: str | None = None,
                 ask: People | None = None) -> None:
        label = f"{name} ({customer})" if name and name != customer else customer
        if collector is None and ask is not None:
            super().__init__(N_("Nobody collects {account} now: ask {who} to assign a collector."),
                             account=label, who=ask)
        elif collector is None:
            super().__init__(N_("Nobody collects {account} now: assign a collector first with "
                                "`{assign} {customer} @someone`."),
                             account=label, customer=customer, assign=CommandName("assign"))
        else:
            super().__init__(N_("{account} is collected by <@{collector}>; only they or "
                                "the collections lead can record against it."),
                             account=label, collector=collector)


@dataclass(frozen=True)
class AccountForm:
    """What a collector's form about one account shows: its name, and the open invoices
    a promise or a dispute may name (by id), oldest due first."""

    customer_id: str
    name: str
    open_invoices: tuple[Invoice, ...]
    name_local: str | None = None


class NotYourDispute(DomainError):
    def __init__(self, customer: str, department: str | None) -> None:
        if department:
            super().__init__(N_("Only the {department} department, the dispute's owner, "
                                "{customer}'s collector or the collections lead can resolve "
                                "this dispute."), department=department, customer=customer)
        else:
            super().__init__(N_("Only the dispute's owner, {customer}'s collector or the "
                                "collections lead can resolve this dispute."),
                             customer=customer)


# The promise and dispute forms' fields a problem belongs to (their block ids).
AMOUNT, INVOICES, DEPARTMENT, OWNER = "amount", "invoices", "department", "owner"


class NotTheirDispute(FieldProblem):
    """The owner named for a dispute cannot take it (field error beside the owner)."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(OWNER, template, **params)


class AlreadyRecorded(DomainError):
    """The same form was submitted again (a double click, a retry): recorded once."""

    def __init__(self) -> None:
        super().__init__(N_("This form was already recorded."))


class UnknownDepartment(FieldProblem):
    def __init__(self, departments: Sequence[str]) -> None:
        super().__init__(DEPARTMENT, N_("Pick the department that resolves the dispute from "
                                        "the list ({departments})."),
                         departments=Listed(departments) or "—")


class UnknownInvoices(FieldProblem):
    def __init__(self, customer: str, invoices: Sequence[str]) -> None:
        if len(invoices) == 1:
            super().__init__(INVOICES, N_("{invoices} is not an open invoice of {customer}: "
                                          "name invoices from the account's open ones, "
                                          "separated by commas."),
                             invoices=invoices[0], customer=customer)
            return
        super().__init__(INVOICES, N_("{invoices} are not open invoices of {customer}: name "
                                      "invoices from the account's open ones, separated by "
                                      "commas."),
                         invoices=Listed(invoices), customer=customer)


class AmbiguousInvoice(FieldProblem):
    """An id typed in another case or width that reads as two open invoices or more."""

    def __init__(self, customer: str, typed: str, matches: Sequence[str]) -> None:
        super().__init__(INVOICES, N_("{invoice} reads as more than one open invoice of "
                                      "{customer} ({matches}): write it exactly as the one "
                                      "you mean."),
                         invoice=typed, customer=customer, matches=Listed(matches))


class PromiseCurrency(FieldProblem):
    """A promise in a currency none of the account's open invoices is billed in: refused
    rather than converted, so what is promised is what the ERP will show paid."""

    def __init__(self, customer: str, currency: str, currencies: Sequence[str],
                 invoices: Sequence[str] = ()) -> None:
        example = f"{currencies[0]} 25k"
        if invoices:  # the invoices named are, whatever else the account is billed in
            super().__init__(AMOUNT, N_("The invoices named ({invoices}) are billed in "
                                        "{currencies}, not {currency}: write the amount in "
                                        "{currencies}, e.g. {example}."),
                             invoices=Listed(invoices), currency=currency,
                             currencies=Listed(currencies), example=example)
            return
        super().__init__(AMOUNT, N_("{customer} is billed in {currencies}, not {currency}: "
                                    "write the amount in {currencies}, e.g. {example}."),
                         customer=customer, currency=currency,
                         currencies=Listed(currencies), example=example)


class MixedCurrencies(FieldProblem):
    """The invoices named are billed in several currencies; a promise is in one."""

    def __init__(self, currencies: Sequence[str]) -> None:
        super().__init__(INVOICES, N_("These invoices are billed in {currencies}: a promise "
                                      "is in one currency, so name the invoices of one of "
                                      "them (a promise for each currency, if need be)."),
                         currencies=Listed(currencies))


class AlreadyDisputed(FieldProblem):
    """Invoices an open dispute names already: a second dispute would be resolved apart
    from the first, and its resolution would say reminders resume while the other
    still holds them."""

    def __init__(self, invoices: Sequence[str], since: date) -> None:
        if len(invoices) == 1:
            super().__init__(INVOICES, N_("{invoices} is already in an open dispute, opened "
                                          "on {since}: resolve that one first, or name "
                                          "other invoices."),
                             invoices=invoices[0], since=since)
            return
        super().__init__(INVOICES, N_("{invoices} are already in open disputes, the oldest "
                                      "opened on {since}: resolve those first, or name "
                                      "other invoices."),
                         invoices=Listed(invoices), since=since)


class NothingOverdue(DomainError):
    """An account with nothing past due: legal would have nothing to collect."""

    def __init__(self, customer: str, name: str | None = None) -> None:
        if name and name != customer:
            customer = f"{name} ({customer})"
        super().__init__(N_("{customer} has nothing overdue in the latest import, so there "
                            "is nothing for legal to collect: log what happened with Log "
                            "action instead."),
                         customer=customer)


class NothingOpen(FieldProblem):
    """An account with no open invoice: there is no money to promise."""

    def __init__(self, customer: str) -> None:
        super().__init__(AMOUNT, N_("{customer} has no open invoice in the latest import, so "
                                    "there is nothing to promise: log the call with Log "
                                    "action instead."), customer=customer)


class PromiseTooLarge(FieldProblem):
    """More than the named invoices (none named: the account) have open."""

    def __init__(self, customer: str, amount: Money, open_: Money,
                 invoices: Sequence[str] = ()) -> None:
        if not invoices:
            super().__init__(AMOUNT, N_("{amount} is more than {customer} has open ({open}): "
                                        "promise at most the open amount."),
                             amount=amount, customer=customer, open=open_)
        elif len(invoices) == 1:
            super().__init__(AMOUNT, N_("{amount} is more than {invoices} has open ({open}): "
                                        "promise at most that, or name more invoices."),
                             amount=amount, invoices=invoices[0], open=open_)
        else:
            super().__init__(AMOUNT, N_("{amount} is more than {invoices} have open together "
                                        "({open}): promise at most that, or name more "
                                        "invoices."),
                             amount=amount, invoices=Listed(invoices), open=open_)


@dataclass(frozen=True)
class Promised:
    """A promise recorded, and the open ones of the same account it took the place of:
    those naming any of its invoices, or the whole account (as it does, naming none)."""

    promise: Promise
    replaced: tuple[Promise, ...] = ()
    # Paid towards the replaced promises by the time of the new one: it counts for
    # them, not for the new promise (one payment keeps one promise), and the person
    # recording is told so, to record what is still to come.
    paid_towards_replaced: Money | None = None


def _named_invoices(customer: str, typed: Sequence[str], open_ids: Iterable[str]
                    ) -> tuple[list[str], FieldProblem | None]:
    """Each typed id as the open invoice it names: itself, or else the one open invoice
    that reads the same but for case and width (inv-0021-006, ＩＮＶ-0021-006), as ids
    are typed from a printout; and what is wrong with the others: naming none of the
    account's open invoices (said first), or two of them."""
    exact = set(open_ids)
    folded: dict[str, list[str]] = defaultdict(list)
    for invoice_id in exact:
        folded[_folded(invoice_id)].append(invoice_id)
    named: list[str] = []
    unknown: list[str] = []
    ambiguous: list[str] = []
    for invoice_id in typed:
        found = [invoice_id] if invoice_id in exact else folded.get(_folded(invoice_id), [])
        one = found[0] if len(found) == 1 else invoice_id
        if one in named:
            continue  # the same invoice typed twice (INV-1, inv-1) counts once
        named.append(one)
        if len(found) != 1:
            (ambiguous if found else unknown).append(invoice_id)
    if unknown:
        return named, UnknownInvoices(customer, unknown)
    if ambiguous:
        return named, AmbiguousInvoice(customer, ambiguous[0],
                                       sorted(folded[_folded(ambiguous[0])]))
    return named, None


def _folded(invoice_id: str) -> str:
    return unicodedata.normalize("NFKC", invoice_id).casefold()


def _same_money(earlier: Promise, amount: Money, invoice_ids: Sequence[str]) -> bool:
    """In the same currency, and for some of the same invoices (or either for the whole
    account): a promise in dollars does not stand for one in euros."""
    return earlier.amount.currency == amount.currency and (
        not earlier.invoice_ids or not invoice_ids
        or bool(set(earlier.invoice_ids) & set(invoice_ids)))


@dataclass(frozen=True)
class Worklist:
    page: Page
    today: date
    # Whose accounts these are, and whether the person looking may act on them (their
    # own, or the lead's look at a collector's list).
    collector: str = ""
    may_act: bool = True


class NotAnOverseer(DomainError):
    """Someone other than the lead or an assigner asked for another collector's list."""

    locked = True

    def __init__(self, overseers: Sequence[str]) -> None:
        self.overseers = tuple(overseers)
        super().__init__(N_("Another collector's list is for the collections lead and those "
                            "who assign accounts ({who}); `{collect}` alone shows yours."),
                         who=People(self.overseers), collect=CommandName("collect"))


@dataclass(frozen=True)
class History:
    """Everything on record about an account, for a legal case."""

    customer: Customer
    invoices: tuple[Invoice, ...]
    actions: tuple[CollectionAction, ...]
    promises: tuple[Promise, ...]
    disputes: tuple[Dispute, ...]
    assignment: Assignment
    # The customer's credit requests and how they were decided, latest first.
    requests: tuple[CreditRequest, ...] = ()


class WorkNotices(Protocol):
    """The messages collectors' records cause, queued in the unit of work's outbox."""

    def dispute_opened(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                       channel: str | None) -> None: ...

    def dispute_resolved(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                         channel: str | None, tell: Sequence[str] = (),
                         with_legal: bool = False, collected: bool = True) -> None:
        """The dispute's post, edited in place: who resolved it and how, no button; and
        a direct message to each of ``tell`` (the collectors, who wait to chase again).
        Reminders resume unless the account is legal's (``with_legal``) or nobody
        collects it any more (not ``collected``: unassigned, or legal's outcome closed
        it)."""
        ...

    def legal_case(self, outbox: Outbox, case: LegalCase, history: History,
                   channel: str | None) -> None: ...

    def legal_outcome(self, outbox: Outbox, case: LegalCase, customer: Customer,
                      channel: str | None, recorded_by: str) -> None:
        """The case's card, edited in place: the outcome, who recorded it, no button."""
        ...

    def recorded_for(self, outbox: Outbox, collector: str, actor: str, customer: Customer,
                     record: CollectionAction | Promise,
                     replaced: Sequence[Promise] = (), paid: Money | None = None) -> None:
        """``actor`` (the lead) recorded ``record`` on an account ``collector`` collects:
        the collector hears of it rather than finding it on the list, with the promises
        it ``replaced``."""
        ...

    # The collections job's (domain.collections.reminders)
    def promise_kept(self, outbox: Outbox, promise: Promise, customer: Customer,
                     collector: str) -> None: ...

    def promise_broken(self, outbox: Outbox, promise: Promise, customer: Customer,
                       collector: str, owner: str | None,
                       paid: Money | None = None) -> None:
        """``paid``: what was paid towards it, when some was (not enough)."""
        ...

    def nudge(self, outbox: Outbox, collector: str,
              due: Sequence[tuple[Assignment, Customer]], key: str) -> None:
        """One message to ``collector`` for every account of theirs whose next step
        fell due (oldest date first)."""
        ...

    def stale(self, outbox: Outbox, lead: str,
              stale: Sequence[tuple[Assignment, Customer, int]], key: str) -> None:
        """One message to the collections lead for every account without action for
        ``stale_after_days`` or more (with the days, longest first)."""
        ...


@dataclass(frozen=True)
class CollectorsDay:
    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: WorkPolicy
    buckets: AgingBuckets
    base_currency: str
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: WorkNotices
    # department key → its channel (where disputes and legal cases are posted)
    channels: Mapping[str, str] = field(default_factory=dict)
    legal_department: str = "legal"
    # who owns an account once it goes to legal (the legal department's first member)
    legal_owner: str | None = None
    # department key → its name, for the dispute form's choice
    departments: Mapping[str, str] = field(default_factory=dict)
    # a user id → the person as app.yaml knows them (a dispute's owner is checked)
    people: Callable[[str], Member] = Member
    # who may look at any collector's list: the collections lead and the assigners
    overseers: frozenset[str] = frozenset()
    # who may assign accounts (named to the others when an account has no collector)
    assigners: frozenset[str] = frozenset()

    def today(self) -> date:
        return self.clock().astimezone(self.zone).date()

    def date_of(self, moment: datetime) -> date:
        """The organisation's date at ``moment`` (what "recorded on" says)."""
        return moment.astimezone(self.zone).date()

    def currency_of(self, customer_id: str) -> str:
        """A promise's currency when the collector names none: the customer's."""
        with self.unit_of_work() as uow:
            customer = uow.customers.get(customer_id)
        return customer.currency if customer else self.base_currency

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
        fx = FxRates(self.base_currency, today, uow.rates.latest(today))
        labels = self.buckets.labels
        items = []
        for a in assignments:
            customer = customers.get(a.customer_id)
            overdue_invs = [i for i in invoices[a.customer_id] if i.due_date < today]
            sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
            weight = Decimal(0)
            unpriced: set[str] = set()
            for inv in overdue_invs:
                dpd = (today - inv.due_date).days
                sums[(self.buckets.index_of(dpd), inv.open_amount.currency)] += (
                    inv.open_amount.amount)
                if inv.invoice_id not in disputed[a.customer_id]:
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
                oldest_dispute_on=min(disputes[a.customer_id], default=None),
                unpriced=tuple(sorted(unpriced))))
        return items

    def _detail(self, uow: UnitOfWork, item: WorkItem) -> WorkItem:
        """The last action and the promises, read for the shown page only."""
        promises = uow.collections.promises(item.customer_id)
        promise = next((p for p in promises if p.state is PromiseState.OPEN), None)
        last = self.last_done(uow, item.customer_id, promises)
        return replace(
            item,
            broken_promises=sum(p.state is PromiseState.BROKEN for p in promises),
            last_action=last[1] if last else None,
            promise_due=promise.due_on if promise else item.promise_due,
            tasks=tuple(uow.meetings.open_tasks(customer_ids=[item.customer_id])))

    def last_done(self, uow: UnitOfWork, customer_id: str,
                  promises: Sequence[Promise] | None = None,
                  ) -> tuple[datetime, LastAction] | None:
        """What the account's collectors did last, and when: an action logged, a promise
        recorded or seen kept, a dispute opened or settled, whichever is newest. The worklist shows
        it; the stale-account flag counts days from it. ``promises``: the account's,
        newest first, when the caller has read them already."""
        done: list[tuple[datetime, LastAction]] = []
        last = next(iter(uow.collections.actions(customer_id, limit=1)), None)
        if last is not None:
            done.append((last.at, LastAction(last.kind.value, last.outcome, last.by,
                                             self._day(last.at))))
        if promises is None:
            promises = uow.collections.promises(customer_id)
        if promises:
            made = promises[0]
            done.append((made.made_at, LastAction("promise", "", made.made_by,
                                                  self._day(made.made_at),
                                                  promised=made.amount, due=made.due_on)))
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
        return max(done, key=lambda pair: pair[0]) if done else None

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def customer_names(self, customer_id: str) -> tuple[str, str | None]:
        """The customer's name (its id when the ERP no longer has it) and its name in
        the local script, if any, for answers."""
        with self.unit_of_work() as uow:
            found = uow.customers.get(customer_id)
        return (found.name, found.name_local) if found is not None else (customer_id, None)

    # Records
    def _require_collector(self, uow: UnitOfWork, actor: Member,
                           customer_id: str) -> Assignment:
        self.access.require(actor)
        assignment = uow.collections.open_assignment(customer_id)
        collector = assignment.collector if assignment else None
        if assignment is None or actor.user_id not in (collector, self.policy.lead):
            raise _not_yours(uow, customer_id, collector, self._ask(actor))
        return assignment

    def _ask(self, actor: Member) -> People | None:
        """Whom ``actor`` should ask to assign an account; ``None``: they may themselves."""
        return None if actor.user_id in self.assigners else People(sorted(self.assigners))

    def account_form(self, actor: Member, customer_id: str) -> AccountForm:
        """For the worklist's forms (log, promise, dispute, legal), before one opens:
        refused as recording would be, so nobody fills in a form only to be told the
        account is not theirs. Writes nothing."""
        with self.unit_of_work() as uow:
            self._require_collector(uow, actor, customer_id)
            customer = uow.customers.get(customer_id)
            invoices = sorted(uow.receivables.open_invoices([customer_id]),
                              key=lambda i: (i.due_date, i.invoice_id))
        return AccountForm(customer_id, customer.name if customer else customer_id,
                           tuple(invoices), customer.name_local if customer else None)

    def log_action(self, actor: Member, customer_id: str, kind: ActionKind, outcome: str,
                   next_action_on: date | None, submission: str | None = None
                   ) -> CollectionAction:
        """``submission``: the form's key, as for ``promise`` (one action a form)."""
        # The collections job marks the account reminded with its version meanwhile (on
        # PostgreSQL this waits for it, then finds the row changed): read it again.
        return retried(lambda: self._log_action(actor, customer_id, kind, outcome,
                                                next_action_on, submission),
                       CollectionChanged)

    def _log_action(self, actor: Member, customer_id: str, kind: ActionKind, outcome: str,
                    next_action_on: date | None, submission: str | None
                    ) -> CollectionAction:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            assignment = self._require_collector(uow, actor, customer_id)
            # No new date keeps the one in force: a voicemail left does not make a step
            # that is due (stop supply) wait at the end of the list with no date at all.
            follow_up = next_action_on or assignment.next_action_on
            action = uow.collections.add_action(CollectionAction(
                customer_id, kind, outcome.strip()[:MAX_OUTCOME], actor.user_id, now,
                follow_up))
            uow.collections.save_assignment(replace(assignment, next_action_on=follow_up))
            self._tell_collector(uow, assignment, actor, action)
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.action_logged",
                                        customer_id, {"kind": kind.value,
                                                      "outcome": action.outcome,
                                                      "next_action_on": str(follow_up)
                                                      if follow_up else None}))
            uow.commit()
        return action

    def promise(self, actor: Member, customer_id: str, amount: Money, due_on: date,
                invoice_ids: Sequence[str] = (), submission: str | None = None) -> Promised:
        """``submission``: the form's key (its view id), so that the same form sent
        twice records one promise (``AlreadyRecorded`` the second time). An open promise
        for the same money is replaced, not left to be broken beside the new one."""
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            assignment = self._require_collector(uow, actor, customer_id)
            require_not_with_legal(uow, customer_id, self.date_of)
            invoices, problems = self._promise_problems(uow, customer_id, amount,
                                                        invoice_ids)
            if problems:
                raise FormRefused(problems)
            invoice_ids = [i.invoice_id for i in invoices]  # as the ERP writes them
            # Only a promise still pending is replaced: one already paid, or broken past
            # its grace days, is the collections job's to record as kept or broken.
            today = self.date_of(now)
            same = [earlier for earlier in uow.collections.promises(customer_id)
                    if earlier.state is PromiseState.OPEN
                    and _same_money(earlier, amount, invoice_ids)]
            # The open invoices read once for all of them (none when nothing is replaced).
            open_now = {i.invoice_id: i.open_amount.amount
                        for i in uow.receivables.open_invoices([customer_id])} if same else {}
            replacing: list[Promise] = []
            paid_towards = Decimal(0)
            for earlier in same:
                verdict, paid_so_far = promise_verdict(uow, earlier, today,
                                                       self.policy.grace_days, self.zone,
                                                       open_now)
                if verdict is Verdict.PENDING:
                    replacing.append(earlier)
                    paid_towards += paid_so_far
            replaced = tuple(uow.collections.save_promise(replace(
                earlier, state=PromiseState.REPLACED, checked_at=now)) for earlier in replacing)
            # Paid already (dated today, imported before now): the collector knew of it,
            # or an earlier promise was kept with it. The promise is for money to come.
            paid_before = uow.receivables.paid_since(customer_id, today, amount.currency,
                                                     invoice_ids, until=today)
            made = uow.collections.add_promise(Promise(
                customer_id, amount, due_on, tuple(invoice_ids), PromiseState.OPEN,
                actor.user_id, now, paid_before=paid_before))
            # The promise's day is the next step, unless the collector set an earlier one
            # still to come (a call before it): that stays, with its reminder. The day of
            # a promise it replaces was no plan of the collector's: it goes with it.
            planned = assignment.next_action_on
            if planned in {earlier.due_on for earlier in replaced}:
                planned = None
            follow_up = planned if planned is not None and \
                self.date_of(now) < planned < due_on else due_on
            uow.collections.save_assignment(replace(
                assignment, status=status_of(uow, customer_id), next_action_on=follow_up))
            paid = Money(paid_towards, amount.currency) if paid_towards > 0 else None
            self._tell_collector(uow, assignment, actor, made, replaced, paid)
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.promised",
                                        customer_id, {
                "promise_id": made.id, "amount": str(amount.amount),
                "currency": amount.currency, "due_on": str(due_on),
                # What the promised invoices owed then: the check measures payment from it.
                "open_then": {i.invoice_id: str(i.open_amount.amount) for i in invoices},
                "replaces": [earlier.id for earlier in replaced]}))
            uow.commit()
        return Promised(made, replaced, paid)

    def _tell_collector(self, uow: UnitOfWork, assignment: Assignment, actor: Member,
                        record: CollectionAction | Promise,
                        replaced: Sequence[Promise] = (), paid: Money | None = None) -> None:
        """When the lead records on a collector's account, the collector is told (and of
        the promises the new one replaced, theirs perhaps)."""
        if actor.user_id == assignment.collector:
            return
        customer = uow.customers.get(assignment.customer_id)
        if customer is not None:
            self.notices.recorded_for(uow.outbox, assignment.collector, actor.user_id,
                                      customer, record, replaced, paid)

    def promise_problems(self, actor: Member, customer_id: str, amount: Money | None,
                         invoice_ids: Sequence[str]) -> list[FieldProblem]:
        """What ``promise`` would refuse in the invoices and the amount (``None``: not
        readable), read without writing: a form with a wrong date or an unreadable amount
        is told of every other problem in the same round."""
        with self.unit_of_work() as uow:
            self._require_collector(uow, actor, customer_id)
            require_not_with_legal(uow, customer_id, self.date_of)
            return self._promise_problems(uow, customer_id, amount, invoice_ids)[1]

    def _promise_problems(self, uow: UnitOfWork, customer_id: str, amount: Money | None,
                          invoice_ids: Sequence[str]
                          ) -> tuple[list[Invoice], list[FieldProblem]]:
        """The named open invoices, and what is wrong: invoices that are not open ones of
        the account; an amount in a currency they are not billed in, or above what they
        (or, none named, the account) have open."""
        open_ = {i.invoice_id: i for i in uow.receivables.open_invoices([customer_id])}
        invoice_ids, wrong = _named_invoices(customer_id, invoice_ids, open_)
        problems = [wrong] if wrong is not None else []
        named = [open_[i] for i in invoice_ids if i in open_]
        owed = named or list(open_.values())
        currencies = sorted({i.open_amount.currency for i in owed})
        if not open_:
            problems.append(NothingOpen(customer_id))
            return named, problems
        if len(currencies) > 1 and named:
            # A promise is in one currency: which of these would it pay?
            problems.append(MixedCurrencies(currencies))
            return named, problems
        if amount is None or not currencies:
            return named, problems
        if amount.currency not in currencies:
            problems.append(PromiseCurrency(customer_id, amount.currency, currencies,
                                            [i.invoice_id for i in named]))
            return named, problems
        left = Money(sum((i.open_amount.amount for i in owed
                          if i.open_amount.currency == amount.currency), Decimal(0)),
                     amount.currency)
        if amount.amount > left.amount:
            problems.append(PromiseTooLarge(customer_id, amount, left,
                                            [i.invoice_id for i in named]))
        return named, problems

    def dispute(self, actor: Member, customer_id: str, invoice_ids: Sequence[str],
                reason: str, department: str | None, owner: str | None,
                submission: str | None = None) -> Dispute:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            assignment = self._require_collector(uow, actor, customer_id)
            require_not_with_legal(uow, customer_id, self.date_of)
            # Every problem at once, each beside its field: one round to put them right.
            open_ = {i.invoice_id for i in uow.receivables.open_invoices([customer_id])}
            invoice_ids, wrong = _named_invoices(customer_id, invoice_ids, open_)
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

    @staticmethod
    def _claim(uow: UnitOfWork, submission: str | None, now: datetime) -> None:
        if submission is not None and not uow.collections.claim_submission(submission, now):
            raise AlreadyRecorded()

    def _disputed_problem(self, uow: UnitOfWork, customer_id: str,
                          invoice_ids: Sequence[str]) -> FieldProblem | None:
        since = {invoice: dispute.opened_at
                 for dispute in uow.collections.open_disputes([customer_id])
                 for invoice in dispute.invoice_ids}
        again = [invoice for invoice in invoice_ids if invoice in since]
        if not again:
            return None
        return AlreadyDisputed(again, self.date_of(min(since[i] for i in again)))

    def _department_problem(self, department: str | None) -> FieldProblem | None:
        """A dispute goes to a configured department's channel, never to any channel
        a forged form names, and never nowhere."""
        if not self.channels and department is None:
            return None  # no departments configured: the dispute goes to its owner
        if department is None or not self.channels.get(department):
            return UnknownDepartment(sorted(
                self.departments.get(key, key) for key, channel in self.channels.items()
                if channel))
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
        if not dispute.is_open:
            raise DomainError(N_("That dispute is already resolved."))
        assignment = uow.collections.open_assignment(customer_id)
        if actor.user_id not in (dispute.owner, self.policy.lead,
                                 assignment.collector if assignment else None) \
                and (dispute.department is None
                     or dispute.department not in actor.departments):
            raise NotYourDispute(customer_id, self.departments.get(
                dispute.department or "", dispute.department))
        return dispute, assignment

    def may_resolve(self, actor: Member, dispute_id: int, customer_id: str) -> None:
        """Raises what ``resolve_dispute`` would refuse for this person (before the form
        opens), writing nothing."""
        with self.unit_of_work() as uow:
            self._require_resolver(uow, actor, dispute_id, customer_id)

    def _require_legal_recorder(self, uow: UnitOfWork, actor: Member,
                                customer_id: str) -> tuple[LegalCase, Assignment | None]:
        self.access.require(actor)
        cases = uow.collections.legal_cases(customer_id)
        case = next((c for c in cases if c.is_open), None)
        if case is None:
            closed = max((c for c in cases if c.closed_at is not None),
                         key=lambda c: c.closed_at or c.opened_at, default=None)
            if closed is not None and closed.closed_at is not None:
                # A second press of the case's button: what was recorded, not a riddle.
                raise DomainError(N_("The legal case of {customer} is closed already: its "
                                     "outcome was recorded on {day}: “{outcome}”."),
                                  customer=customer_id,
                                  day=self.date_of(closed.closed_at),
                                  outcome=closed.outcome or "")
            raise DomainError(N_("{customer} has no open legal case."),
                              customer=customer_id)
        assignment = uow.collections.open_assignment(customer_id)
        if actor.user_id not in (self.legal_owner, self.policy.lead,
                                 assignment.collector if assignment else None) \
                and self.legal_department not in actor.departments:
            raise _not_yours(uow, customer_id,
                             assignment.collector if assignment else None, self._ask(actor))
        return case, assignment

    def may_record_legal_outcome(self, actor: Member, customer_id: str) -> None:
        with self.unit_of_work() as uow:
            self._require_legal_recorder(uow, actor, customer_id)

    def escalate_to_legal(self, actor: Member, customer_id: str, note: str,
                          submission: str | None = None) -> LegalCase:
        """Posts the case with the account's whole history to the legal department's
        channel and hands the account to legal. ``submission``: the form's key, as for
        ``promise``: sent twice, the second would be told the account is legal's now."""
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._claim(uow, submission, now)
            assignment = self._require_collector(uow, actor, customer_id)
            require_not_with_legal(uow, customer_id, self.date_of)
            if assignment.status is AssignmentStatus.ESCALATED:
                raise DomainError(N_("{customer} is with legal already."),
                                  customer=customer_id)
            customer = uow.customers.get(customer_id)
            open_invoices = tuple(uow.receivables.open_invoices([customer_id]))
            if not owes_overdue(open_invoices, self.date_of(now)):
                raise NothingOverdue(customer_id, customer.name if customer else None)
            case = uow.collections.add_legal_case(LegalCase(
                customer_id, actor.user_id, now, note.strip()[:MAX_OUTCOME]))
            moved = uow.collections.save_assignment(replace(
                assignment, status=AssignmentStatus.ESCALATED,
                collector=self.legal_owner or assignment.collector))
            if customer is not None:
                history = History(
                    customer, open_invoices,
                    tuple(uow.collections.actions(customer_id)),
                    tuple(uow.collections.promises(customer_id)),
                    tuple(uow.collections.disputes(customer_id)), assignment,
                    tuple(uow.credit_requests.of_customer(customer_id, HISTORY_REQUESTS)))
                self.notices.legal_case(uow.outbox, case, history,
                                        self.channels.get(self.legal_department))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.escalated",
                                        customer_id, {"legal_case_id": case.id,
                                                      "note": case.note,
                                                      "from": assignment.collector,
                                                      "to": moved.collector}))
            uow.commit()
        return case

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
                self.notices.legal_outcome(uow.outbox, closed, customer,
                                           self.channels.get(self.legal_department),
                                           actor.user_id)
            if assignment is not None:
                uow.collections.save_assignment(replace(
                    assignment, status=AssignmentStatus.CLOSED, closed_at=now,
                    closed_by=actor.user_id))
            uow.audit.append(AuditEntry(now, actor.user_id, "collections.legal_outcome",
                                        customer_id, {"legal_case_id": case.id,
                                                      "outcome": closed.outcome}))
            uow.commit()
        return closed


def _not_yours(uow: UnitOfWork, customer_id: str, collector: str | None,
               ask: People | None) -> NotYourAccount:
    customer = uow.customers.get(customer_id)
    return NotYourAccount(customer_id, collector, customer.name if customer else None, ask)
