"""What every use case of the collector's day shares (``DayContext``): the capability's
configuration (its unit of work, dunning policy, departments and people, clock and
notices), the organisation's dates, and the steps each recording takes the same way:
only the account's collector or the collections lead records against an account, a form
sent twice records once, and invoice ids are read as typed from a printout. The use
cases are grouped by what a collector does: ``recording`` (actions and promises),
``disputes``, ``legal`` and ``work`` (``CollectorsDay``, which has them all, with the
worklist)."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.collections.dunning import DEFAULT_POLICY, DunningPolicy
from domain.collections.model import (
    Assignment,
    CollectionAction,
    Dispute,
    LegalCase,
    Promise,
)
from domain.collections.record import History
from domain.collections.refusals import (
    AlreadyRecorded,
    AmbiguousInvoice,
    NotYourAccount,
    SettledInvoices,
    UnknownInvoices,
)
from domain.collections.status import require_not_with_legal
from domain.errors import DomainError, FieldProblem
from domain.model import Customer, Invoice
from domain.money import Money
from domain.organisation_day import OrganisationDay
from domain.ports import Outbox, UnitOfWork
from domain.text import N_, People

MAX_OUTCOME = 2000


@dataclass(frozen=True)
class WorkPolicy:
    """``collections`` in app.yaml, as the collector's day reads it."""

    dunning: DunningPolicy = DEFAULT_POLICY
    grace_days: int = 3
    stale_after_days: int = 14
    lead: str | None = None
    # The organisation's days off (app.yaml approvals.working_time.holidays): the
    # collections job sends nothing on them, and does that day's work the next day.
    holidays: frozenset[date] = frozenset()
    # The day the collections job's reminder of a step due on a day comes: its first
    # run on or after it that is no holiday (its schedule runs Monday to Friday by
    # default). None: that day.
    reminded_on: Callable[[date], date] | None = None


@dataclass(frozen=True)
class AccountForm:
    """What a collector's form about one account shows: its name, and the open invoices
    a promise or a dispute may name (by id), oldest due first."""

    customer_id: str
    name: str
    open_invoices: tuple[Invoice, ...]
    name_local: str | None = None
    currency: str | None = None  # the customer's, which an amount without one is in
    # Who collects it: the next step's reminder is theirs, not the lead's filling it in.
    collector: str | None = None


def named_invoices(customer: str, typed: Sequence[str], open_ids: Iterable[str]
                    ) -> tuple[list[str], FieldProblem | None]:
    """Each typed id as the open invoice it names: itself, or else the one open invoice
    that reads the same but for case and width (inv-0021-006, ＩＮＶ-0021-006), or failing
    that but for spaces too (`INV 77` for `INV  77`, whose spaces a Slack list shows as
    one), as ids are typed from a printout; and what is wrong with the others: naming
    none of the account's open invoices (said first), or two of them.

    ``typed`` is the form's text cut at its commas, pieces as typed (spaces and empty
    ones kept), so that ERP ids with commas in them can be named: the whole text when it
    is one open invoice's id, else the reading that leaves the fewest pieces naming
    nothing, pieces on their own before pieces joined (`A,B` is A and B when both are
    open, and `A, B` is them whatever else is)."""
    exact = set(open_ids)
    folded: dict[str, list[str]] = defaultdict(list)
    unspaced: dict[str, list[str]] = defaultdict(list)
    for invoice_id in exact:
        folded[_folded(invoice_id)].append(invoice_id)
        unspaced[_unspaced(invoice_id)].append(invoice_id)

    def candidates(piece: str) -> list[str]:
        if piece in exact:
            return [piece]
        piece = piece.strip()
        if piece in exact:
            return [piece]
        return folded.get(_folded(piece)) or unspaced.get(_unspaced(piece), [])

    named: list[str] = []
    unknown: list[str] = []
    ambiguous: list[tuple[str, list[str]]] = []
    for invoice_id in _spaced(_read(typed, exact, candidates), candidates):
        invoice_id = invoice_id.strip()
        if not invoice_id:
            continue
        found = candidates(invoice_id)
        one = found[0] if len(found) == 1 else invoice_id
        if one in named:
            continue  # the same invoice typed twice (INV-1, inv-1) counts once
        named.append(one)
        if not found:
            unknown.append(invoice_id)
        elif len(found) > 1:
            ambiguous.append((invoice_id, sorted(found)))
    if unknown:
        return named, UnknownInvoices(customer, unknown)
    if ambiguous:
        return named, AmbiguousInvoice(customer, *ambiguous[0])
    return named, None


def _spaced(pieces: list[str], candidates: Callable[[str], list[str]]) -> list[str]:
    """The pieces, each naming no invoice but whose words each name one open invoice
    split into those words: ids listed with spaces (``INV-6 INV-19``), as people list
    them, though the form asks for commas."""
    read: list[str] = []
    for piece in pieces:
        words = piece.split()
        if len(words) > 1 and not candidates(piece.strip()) \
                and all(len(candidates(word)) == 1 for word in words):
            read.extend(words)
        else:
            read.append(piece)
    return read


# The most pieces one id is read from: an ERP id with more commas than this is refused.
_MOST_PIECES = 20


def _read(typed: Sequence[str], exact: set[str],
          candidates: Callable[[str], list[str]]) -> list[str]:
    """``typed``'s pieces as ids: see ``named_invoices``."""
    pieces = list(typed)
    longest = min(max((i.count(",") for i in exact), default=0) + 1, _MOST_PIECES)
    if longest == 1 or len(pieces) < 2:
        return pieces
    if ",".join(pieces).strip() in exact:
        return [",".join(pieces)]
    # best[i]: (pieces naming nothing, minus the ids read) from piece i on, and the cut.
    best: list[tuple[int, int]] = [(0, 0)] * (len(pieces) + 1)
    cut = [1] * len(pieces)
    for start in range(len(pieces) - 1, -1, -1):
        choice: tuple[int, int] | None = None
        for size in range(1, min(longest, len(pieces) - start) + 1):
            run = ",".join(pieces[start:start + size])
            if candidates(run) or not run.strip():
                cost = 0
            elif size == 1:
                cost = 1
            else:
                continue
            after = best[start + size]
            score = (after[0] + cost, after[1] - 1)
            if choice is None or score < choice:
                choice, cut[start] = score, size
        best[start] = choice or (len(pieces), 0)
    read: list[str] = []
    start = 0
    while start < len(pieces):
        read.append(",".join(pieces[start:start + cut[start]]))
        start += cut[start]
    return read


def _folded(invoice_id: str) -> str:
    return unicodedata.normalize("NFKC", invoice_id).casefold()


def _unspaced(invoice_id: str) -> str:
    return "".join(_folded(invoice_id).split())


class WorkNotices(Protocol):
    """The messages collectors' records cause, queued in the unit of work's outbox."""

    def dispute_opened(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                       channel: str | None) -> None: ...

    def dispute_settled(self, outbox: Outbox, dispute: Dispute, customer: Customer,
                        channel: str | None, collector: str | None, key: str) -> bool:
        """The ERP shows the dispute's invoices settled: a reply under its post (in
        ``channel``, naming its owner; else to the owner) and a direct message to the
        account's ``collector``, each with the Resolve button, their keys starting with
        ``key``. Whether this queued any (not when nobody can be told, or another run
        queued them first)."""
        ...

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
                   channel: str | None, told: Sequence[str] = ()) -> None:
        """The case with the account's history, in legal's ``channel``; and a direct
        message to each of ``told`` (the owner, the lead, the collector until now)."""
        ...

    def legal_outcome(self, outbox: Outbox, case: LegalCase, customer: Customer,
                      channel: str | None, recorded_by: str,
                      told: Mapping[str, People | None] | None = None) -> None:
        """The case's card, edited in place: the outcome, who recorded it, no button;
        and a direct message to each of ``told``, with whom they should ask to assign the
        account again (``None``: they may themselves)."""
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
                       paid: Money | None = None, *, assigned: bool = True,
                       collector_told: bool = True, recorder: str | None = None) -> None:
        """``paid``: what was paid towards it, when some was (not enough). ``assigned``:
        whether ``collector`` collects the account, or (no longer assigned) recorded the
        promise and is told in the collector's place. ``collector_told``: False when
        they may no longer see credit data (the owner is told all the same).
        ``recorder``: who recorded the promise, when someone else (a lead who took it on
        the phone) who may see credit data: told as the owner is."""
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
class DayContext(OrganisationDay):
    """The collector's day, bound to its unit of work, dunning policy, departments and
    people."""

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

    def reminder_day(self, day: date) -> date:
        """When a next step due on ``day`` is reminded of (a Saturday's on Monday)."""
        return self.policy.reminded_on(day) if self.policy.reminded_on else day

    @staticmethod
    def _named_invoices(uow: UnitOfWork, customer_id: str, typed: Sequence[str],
                        open_ids: Iterable[str]) -> tuple[list[str], FieldProblem | None]:
        """``named_invoices``, where the account's paid invoices named (read as open
        ones are: in another case or width, listed with spaces) are said to be paid, not
        a mistyped id; an id that names nothing of the account's is said first."""
        named, wrong = named_invoices(customer_id, typed, open_ids)
        if not isinstance(wrong, UnknownInvoices):
            return named, wrong
        paid, unknown = named_invoices(customer_id, wrong.invoices,
                                       uow.receivables.settled(customer_id))
        if unknown is None:
            return named, SettledInvoices(paid)
        if isinstance(unknown, UnknownInvoices) and len(unknown.invoices) < len(wrong.invoices):
            return named, UnknownInvoices(customer_id, unknown.invoices)
        return named, wrong

    def date_of(self, moment: datetime) -> date:
        """The organisation's date at ``moment`` (what "recorded on" says)."""
        return moment.astimezone(self.zone).date()

    def currency_of(self, customer_id: str) -> str:
        """A promise's currency when the collector names none: the customer's."""
        with self.unit_of_work() as uow:
            customer = uow.customers.get(customer_id)
        return customer.currency if customer else self.base_currency

    def _day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def customer_names(self, customer_id: str) -> tuple[str, str | None]:
        """The customer's name (its id when the ERP no longer has it) and its name in
        the local script, if any, for answers."""
        with self.unit_of_work() as uow:
            found = uow.customers.get(customer_id)
        return (found.name, found.name_local) if found is not None else (customer_id, None)

    def _require_collector(self, uow: UnitOfWork, actor: Member,
                           customer_id: str) -> Assignment:
        self.access.require(actor)
        assignment = uow.collections.open_assignment(customer_id)
        collector = assignment.collector if assignment else None
        if assignment is None or actor.user_id not in (collector, self.policy.lead):
            raise not_yours(uow, customer_id, collector, self._ask(actor))
        return assignment

    def _ask(self, actor: Member) -> People | None:
        """Whom ``actor`` should ask to assign an account; ``None``: they may themselves."""
        return None if actor.user_id in self.assigners else People(sorted(self.assigners))

    def account_form(self, actor: Member, customer_id: str) -> AccountForm:
        """For the worklist's forms (log, promise, dispute, legal), before one opens:
        refused as recording would be, so nobody fills in a form only to be told the
        account is not theirs. Writes nothing."""
        with self.unit_of_work() as uow:
            assignment = self._require_collector(uow, actor, customer_id)
            customer = uow.customers.get(customer_id)
            invoices = sorted(uow.receivables.open_invoices([customer_id]),
                              key=lambda i: (i.due_date, i.invoice_id))
        return AccountForm(customer_id, customer.name if customer else customer_id,
                           tuple(invoices), customer.name_local if customer else None,
                           customer.currency if customer else None, assignment.collector)

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

    def _collecting(self, uow: UnitOfWork, actor: Member, customer_id: str,
                    submission: str | None, now: datetime) -> Assignment:
        """What a collector records against an account starts with, in ``uow``: the
        write lock, the form's one use (``submission``), the account the person's to work
        and not with legal. Its open assignment."""
        uow.begin_write()
        self._claim(uow, submission, now)
        assignment = self._require_collector(uow, actor, customer_id)
        require_not_with_legal(uow, customer_id, self.date_of)
        return assignment

    @staticmethod
    def _claim(uow: UnitOfWork, submission: str | None, now: datetime) -> None:
        if submission is not None and not uow.collections.claim_submission(submission, now):
            raise AlreadyRecorded()


def not_yours(uow: UnitOfWork, customer_id: str, collector: str | None,
               ask: People | None) -> DomainError:
    customer = uow.customers.get(customer_id)
    if customer is None and collector is None:
        # A card's button for an account the ERP no longer has: "assign a collector
        # first" would send the person to assign a customer that is not there.
        return DomainError(N_("Customer {customer} no longer exists."), customer=customer_id)
    return NotYourAccount(customer_id, collector, customer.name if customer else None, ask,
                          customer.name_local if customer else None)
