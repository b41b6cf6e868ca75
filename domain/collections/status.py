"""An account's collection status follows from what is open on it, in this order: a
legal case (legal has it), a dispute, a promise, else open. Every use case that opens or
closes one of these derives the status again rather than setting it, so a promise checked
while a dispute is open leaves the account disputed, and a promise made during a dispute
does not hide the dispute."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from domain.collections.model import AssignmentStatus, LegalCase, Promise, PromiseState
from domain.collections.promises import PromiseTerms, Verdict, check_date, evaluate
from domain.errors import DomainError
from domain.fx import FxRates, MissingRate
from domain.model import Invoice
from domain.money import Money
from domain.ports import UnitOfWork
from domain.text import N_

log = logging.getLogger("creditbot.collections")


def status_of(uow: UnitOfWork, customer_id: str) -> AssignmentStatus:
    collections = uow.collections
    if open_legal_case(uow, customer_id) is not None:
        return AssignmentStatus.ESCALATED
    if collections.open_disputes([customer_id]):
        return AssignmentStatus.DISPUTED
    if any(p.state is PromiseState.OPEN for p in collections.promises(customer_id)):
        return AssignmentStatus.PROMISED
    return AssignmentStatus.OPEN


def paid_since(uow: UnitOfWork, customer_id: str, since: date, until: date, currency: str,
               base_currency: str, invoice_ids: Sequence[str] = (),
               known: Iterable[Money] = ()) -> Decimal:
    """The customer's payments dated ``since`` through ``until`` (of these invoices, when
    named), in ``currency``: a payment in another is converted at the rates of its own
    day (a customer billed in euros paying its dollar invoice pays towards its promise
    too). ``known``: what was paid on ``since`` when a promise was made
    (``Promise.paid_before``, ``paid_on``), left out in its own currency before anything
    is converted, so that a rate for that day imported since cannot make it count. One
    in a currency without a rate is left out, and logged."""
    totals = uow.receivables.paid_since(customer_id, since, invoice_ids, until=until)
    for before in known:
        if (key := (before.currency, since)) in totals:
            totals[key] = max(totals[key] - before.amount, Decimal(0))
    rates: dict[date, FxRates] = {}
    paid = Decimal(0)
    for (code, day), amount in sorted(totals.items()):
        if code == currency:
            paid += amount
            continue
        fx = rates.get(day) or rates.setdefault(
            day, FxRates.on_record(uow.rates, base_currency, day))
        try:
            paid += Money(amount * fx.factor(code, currency), currency).rounded().amount
        except MissingRate:
            log.warning("a payment of %s in %s dated %s left out of its promise: no %s rate "
                        "then", customer_id, code, day, code)
    return paid


def paid_on(uow: UnitOfWork, customer_id: str, day: date, invoice_ids: Sequence[str] = ()
            ) -> tuple[Money, ...]:
    """The customer's payments dated ``day`` (of these invoices, when named), each
    currency's total as paid: what a promise made that day knew of."""
    totals = uow.receivables.paid_since(customer_id, day, invoice_ids, until=day)
    return tuple(Money(amount, code) for (code, _), amount in sorted(totals.items())
                 if amount)


def promise_verdict(uow: UnitOfWork, promise: Promise, today: date, grace_days: int,
                    zone: tzinfo, base_currency: str,
                    open_now: Mapping[str, Decimal] | None = None) -> tuple[Verdict, Decimal]:
    """Whether ``promise`` is kept, broken or still pending today, from the latest
    import's open invoices (in every currency: one billed in another is still open, not
    settled; ``open_now`` when the caller read them already) and the payments since the
    day it was made, in any currency (``paid_since``); with what was paid towards it."""
    if open_now is None:
        open_now = {i.invoice_id: i.open_amount.amount
                    for i in uow.receivables.open_invoices([promise.customer_id])}
    # Money counts when paid by the promise's last day (its date plus grace), and not
    # before it is dated (a post-dated payment is no payment yet); what was already paid
    # when the promise was made is not the promised money.
    last_day = check_date(promise.due_on, grace_days) - timedelta(days=1)
    paid = paid_since(uow, promise.customer_id, promise.made_at.astimezone(zone).date(),
                      min(today, last_day), promise.amount.currency, base_currency,
                      promise.invoice_ids, known=promise.paid_before) \
        - promise.paid_before_converted
    # Never below nothing: an old promise's one figure (``paid_before_converted``) may
    # exceed what the same payments are worth at rates corrected since.
    paid = max(paid, Decimal(0))
    terms = PromiseTerms(promise.amount.amount, promise.due_on, promise.invoice_ids)
    return evaluate(terms, today, grace_days, open_now, paid), paid


def owes_overdue(open_invoices: Iterable[Invoice], today: date) -> bool:
    """Whether an account's open invoices (the latest import's) hold money past due:
    legal has something to collect, a collector something to follow up."""
    return any(i.due_date < today and i.open_amount.amount > 0 for i in open_invoices)


def waits_on_dispute(uow: UnitOfWork, customer_id: str, step: date | None,
                     today: date) -> bool:
    """Whether an account's next step (``step``) waits on a dispute: it has money
    overdue, all of it in open disputes (whose post said reminders are paused), and no
    collector set the step after the latest of them was opened (one set since, "call the
    buyer on the 2nd", is their plan with the dispute in mind, and is reminded)."""
    disputes = uow.collections.open_disputes([customer_id])
    if not disputes:
        return False
    disputed = {i for d in disputes for i in d.invoice_ids}
    invoices = uow.receivables.open_invoices([customer_id])
    if not owes_overdue(invoices, today) or owes_overdue(
            (i for i in invoices if i.invoice_id not in disputed), today):
        return False
    opened = max(d.opened_at for d in disputes)
    return not any(a.next_action_on == step and a.at > opened
                   for a in uow.collections.actions(customer_id))


def open_legal_case(uow: UnitOfWork, customer_id: str) -> LegalCase | None:
    return next((c for c in uow.collections.legal_cases(customer_id) if c.is_open), None)


class WithLegal(DomainError):
    """Legal holds the account: collectors and assigners wait for its outcome."""

    def __init__(self, customer: str, case: LegalCase, since: date) -> None:
        super().__init__(N_("{customer} is with legal (case #{case} since {since}): legal "
                            "records its outcome first."),
                         customer=customer, case=case.id, since=since)


def require_not_with_legal(uow: UnitOfWork, customer_id: str,
                           since_of: Callable[[datetime], date]) -> None:
    """Refuses when ``customer_id`` has an open legal case; ``since_of`` turns the case's
    opening moment into the date shown."""
    case = open_legal_case(uow, customer_id)
    if case is not None:
        raise WithLegal(customer_id, case, since_of(case.opened_at))
