"""Recording what a collector did: an action logged (call, email, visit, note) with the
next step's date, and a promise to pay, which replaces an open promise for the same
money rather than leaving it to be broken beside the new one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.access import Member
from domain.collections.day import MAX_OUTCOME, DayContext
from domain.collections.model import (
    ActionKind,
    CollectionAction,
    CollectionChanged,
    Promise,
    PromiseState,
)
from domain.collections.promises import Verdict
from domain.collections.refusals import (
    DUE,
    NEXT,
    MixedCurrencies,
    NothingOpen,
    PromiseCurrency,
    PromiseTooLarge,
)
from domain.collections.status import (
    paid_on,
    promise_verdict,
    require_not_with_legal,
    status_of,
)
from domain.days import upcoming_day_problem
from domain.errors import FieldProblem, FormRefused
from domain.model import AuditEntry, Invoice
from domain.money import Money
from domain.ports import UnitOfWork
from domain.retry import retried_on


@dataclass(frozen=True)
class Logged:
    """An action logged; who collects the account, whom its next step's reminder goes
    to (the lead logging on a collector's account was told "you are reminded"); the
    organisation's day it was logged on; and the day the collections job reminds of
    the next step (a Saturday's on Monday), when there is one."""

    action: CollectionAction
    collector: str
    logged_on: date
    reminded_on: date | None = None

    @property
    def next_action_on(self) -> date | None:
        return self.action.next_action_on


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
    # The collector's own next step it took the place of: a later day they had set (a
    # call after the promise's day), now the promise's day. It went unsaid.
    step_moved_from: date | None = None


def _same_money(earlier: Promise, amount: Money, invoice_ids: Sequence[str]) -> bool:
    """In the same currency, and for some of the same invoices (or either for the whole
    account): a promise in dollars does not stand for one in euros."""
    return earlier.amount.currency == amount.currency and (
        not earlier.invoice_ids or not invoice_ids
        or bool(set(earlier.invoice_ids) & set(invoice_ids)))


class Recording(DayContext):
    """Log an action, record a promise, or check one as recording would."""

    # Each record is tried again when the account's assignment changed under it: the
    # collections job marks it reminded (on PostgreSQL the write waits for it, then finds
    # the row changed), or the lead reassigns it, when the second try says to whom
    # instead of a bare "try again".
    @retried_on(CollectionChanged)
    def log_action(self, actor: Member, customer_id: str, kind: ActionKind, outcome: str,
                   next_action_on: date | None, submission: str | None = None
                   ) -> Logged:
        """``submission``: the form's key, as for ``promise`` (one action a form)."""
        now = self.clock()
        if next_action_on is not None and (
                wrong := upcoming_day_problem(NEXT, next_action_on, self.date_of(now))):
            raise FormRefused([wrong])
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
        return Logged(action, assignment.collector, self.date_of(now),
                      self.reminder_day(follow_up) if follow_up is not None else None)

    @retried_on(CollectionChanged)
    def promise(self, actor: Member, customer_id: str, amount: Money, due_on: date,
                invoice_ids: Sequence[str] = (), submission: str | None = None) -> Promised:
        """``submission``: the form's key (its view id), so that the same form sent
        twice records one promise (``AlreadyRecorded`` the second time). An open promise
        for the same money is replaced, not left to be broken beside the new one."""
        now = self.clock()
        with self.unit_of_work() as uow:
            assignment = self._collecting(uow, actor, customer_id, submission, now)
            invoices, problems = self._promise_problems(uow, customer_id, amount,
                                                        invoice_ids, due_on,
                                                        self.date_of(now))
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
                                                       self.base_currency, open_now)
                if verdict is Verdict.PENDING:
                    replacing.append(earlier)
                    paid_towards += paid_so_far
            replaced = tuple(uow.collections.save_promise(replace(
                earlier, state=PromiseState.REPLACED, checked_at=now)) for earlier in replacing)
            # Paid already (dated today, imported before now): the collector knew of it,
            # or an earlier promise was kept with it. The promise is for money to come.
            paid_before = paid_on(uow, customer_id, today, invoice_ids)
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
            moved_from = planned if planned is not None and planned > due_on else None
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
        return Promised(made, replaced, paid, moved_from)

    def promise_problems(self, actor: Member, customer_id: str, amount: Money | None,
                         invoice_ids: Sequence[str], due_on: date | None = None
                         ) -> list[FieldProblem]:
        """What ``promise`` would refuse in the day, the invoices and the amount
        (``None``: not readable), read without writing: a form with an unreadable amount
        or no day is told of every other problem in the same round."""
        with self.unit_of_work() as uow:
            self._require_collector(uow, actor, customer_id)
            require_not_with_legal(uow, customer_id, self.date_of)
            return self._promise_problems(uow, customer_id, amount, invoice_ids, due_on)[1]

    def _promise_problems(self, uow: UnitOfWork, customer_id: str, amount: Money | None,
                          invoice_ids: Sequence[str], due_on: date | None = None,
                          today: date | None = None
                          ) -> tuple[list[Invoice], list[FieldProblem]]:
        """The named open invoices, and what is wrong: a pay-by day passed or more than a
        year ahead; invoices that are not open ones of the account; an amount in a
        currency they are not billed in, or above what they (or, none named, the
        account) have open."""
        open_ = {i.invoice_id: i for i in uow.receivables.open_invoices([customer_id])}
        invoice_ids, wrong = self._named_invoices(uow, customer_id, invoice_ids, open_)
        late = upcoming_day_problem(DUE, due_on, today or self.date_of(self.clock())) \
            if due_on is not None else None
        problems = [p for p in (late, wrong) if p is not None]
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
