"""What every use case of order review shares (``OrdersContext``): its configuration (the
unit of work, credit policy, order rules, clock, notices, the check's remembered
positions), the verdict on an order against the rules and the customer's contract, and
how a hold is recorded and its owner told. The use cases are ``use_cases``
(``OrderChecks``: check and place an order, asked in Slack) and ``holds`` (review the
ERP's orders, re-check and release held ones)."""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from domain.access import CreditDataAccess, Member
from domain.access_audit import require_on_record
from domain.amount_text import within_most
from domain.check import CustomerCheck
from domain.check.use_cases import Checked
from domain.errors import DomainError
from domain.exposure import CreditPosition, credit_position
from domain.fx import FxRates
from domain.model import SYSTEM, AuditEntry, Customer, Order
from domain.money import Money
from domain.orders.events import OrderHeld
from domain.orders.model import Contract, ContractUse, OrderCheck, OrderRules, Verdict
from domain.orders.ports import NoOrderNotices, OrderChange, OrderHappened, OrderNotices
from domain.orders.rules import evaluate
from domain.orders.typed import unquoted
from domain.organisation_day import OrganisationDay
from domain.ports import UnitOfWork, ViewLog
from domain.positions import CreditPolicyContext
from domain.text import N_, without_invisible

MAX_REFERENCE = 100
MAX_QUERY = 200
# Control characters and line or paragraph separators part words; invisible ones
# (domain.text.INVISIBLE) are dropped, so a reference pasted with a zero-width space in
# it is the same reference.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_BRACKETED = re.compile(r"\(([^()]*)\)")  # full-width ones are folded to these (NFKC)


class OrderChanged(DomainError):
    """Another unit of work changed the order's check first (optimistic locking)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(N_("Order {order} was changed by someone else just now; try "
                            "again."), order=order_id)


class OrderRefused(DomainError):
    pass


@dataclass(frozen=True)
class OrderAnswer:
    """The verdict on an order; ``check`` is the stored record (``None`` for a check
    that records nothing)."""

    customer: Customer
    verdict: Verdict
    check: OrderCheck | None = None


def clean_reference(text: str | None) -> str | None:
    """A reference as typed, without control or invisible characters or a closing 。,
    at most 100."""
    if text is None:
        return None
    # A sentence's full stop copied with an example (“…例如 `/credit 订单 C0027 5万
    # PO-2`。”) is no part of a reference: kept, "PO-2。" never matched the ERP's PO-2.
    cleaned = unquoted(" ".join(_CONTROL.sub(" ", without_invisible(
        unicodedata.normalize("NFKC", text))).split())).rstrip("。")
    # Brackets round the whole of it, as a rep writes an aside: shown in creditbot's own
    # brackets, "CB-35 ((PO 8816))", and never the ERP's PO 8816.
    if (bracketed := _BRACKETED.fullmatch(cleaned)) is not None:
        cleaned = bracketed[1].strip()
    if len(cleaned) > MAX_REFERENCE:
        raise OrderRefused(N_("An order reference takes at most {limit} characters; this one "
                              "has {length}. Give the order's number, e.g. PO-2026-118."),
                           limit=MAX_REFERENCE, length=len(cleaned))
    return cleaned or None


class Positions(Protocol):
    """Where a slash command's position comes from: the check's own read, access-checked,
    the look recorded, remembered per data version and day (``CreditChecks``)."""

    def check(self, actor: Member, query: str) -> Checked: ...


class ReleaseRequests(Protocol):
    """The approvals side of a re-check (domain.approvals.withdraw), in its transaction:
    the open release request of an order creditbot released on its own is closed, and
    so is one the ERP's changes to its order made wrong to approve."""

    def withdraw(self, uow: UnitOfWork, customer_id: str, order_id: str,
                 now: datetime) -> object: ...

    def order_changed(self, uow: UnitOfWork, customer_id: str, order: OrderCheck,
                      now: datetime) -> object: ...


log = logging.getLogger("creditbot.orders")


@dataclass(frozen=True)
class OrdersContext(OrganisationDay):
    """Order review, bound to its unit of work, credit policy, order rules and clock."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: CreditPolicyContext
    rules: OrderRules
    clock: Callable[[], datetime]
    zone: tzinfo
    notices: OrderNotices = field(default_factory=NoOrderNotices)
    # The fast path of slash commands: positions from the check's remembered read (a
    # check with an amount costs little more than a check) and looks recorded in
    # batches. Without them everything is read in the use case's unit of work.
    positions: Positions | None = None
    views: ViewLog | None = None
    # Held around an order's write transaction. SQLite lets one writer in at a time and
    # makes the others sleep and retry in steps of up to 100 ms; threads of one process
    # queueing on a lock instead cut an order's p99 (bench_orders). Nothing elsewhere.
    write_gate: AbstractContextManager[object] = field(default_factory=nullcontext)
    release_requests: ReleaseRequests | None = None
    # A person as app.yaml knows them: a held order's note, which shows the customer's
    # figures, goes to the owners the ERP names only if they may see credit data.
    member: Callable[[str], Member] | None = None

    def told(self, customer: Customer | None, *others: str | None) -> tuple[str, ...]:
        """Who hears of an order's hold or release: the customer's owner and ``others``
        (the rep who placed it, an ERP order's owner), those who may see credit data."""
        found = recipients(customer, *others)
        if self.member is None:
            return found
        member = self.member
        kept = tuple(p for p in found if self.access.allows(member(p)))
        if len(kept) < len(found):
            log.warning("order note about %s not sent to %s: an owner in the ERP named "
                        "them, and credit data is not open to them (app.yaml's "
                        "access.credit_data)", customer.customer_id if customer else "?",
                        ", ".join(p for p in found if p not in kept))
        return kept

    def _held(self, uow: UnitOfWork, stored: OrderCheck, customer: Customer, actor: str,
              now: datetime, extra: Iterable[str | None] = ()) -> None:
        uow.audit.append(AuditEntry(now, actor, "orders.held", customer.customer_id,
                                    order_details(stored)))
        uow.events.record(OrderHeld(occurred_at=now, actor=actor,
                                    subject=customer.customer_id, order_id=stored.order_id,
                                    rules=tuple(f.rule.value for f in stored.failures)))
        # The rep who placed it saw the answer (an owner placing an order too); the owner
        # (and an ERP order's owner) hear.
        told = tuple(p for p in self.told(customer, *extra) if p != actor)
        if told:
            self.notices.queue(uow.outbox, OrderChange(
                OrderHappened.HELD, stored, told,
                self._in_limit(uow, stored.amount, customer)))

    def _in_limit(self, uow: UnitOfWork, amount: Money, customer: Customer | None
                  ) -> Money | None:
        """``amount`` in the customer's limit currency, for a note that shows both."""
        if customer is None or amount.currency == customer.credit_limit.currency:
            return None
        try:
            return self._convert(uow, amount, customer.credit_limit.currency,
                                 self.today()).rounded()
        except DomainError:
            return None  # no rate: the note shows the order as typed

    def _convert(self, uow: UnitOfWork, money: Money, currency: str, day: date) -> Money:
        if money.currency == currency:
            return money
        fx = FxRates.on_record(uow.rates, self.policy.base_currency, day)
        return Money(money.amount * fx.factor(money.currency, currency), currency)

    def _position(self, uow: UnitOfWork, customer: Customer, as_of: date
                  ) -> tuple[CreditPosition, Money]:
        ids = [customer.customer_id]
        position = credit_position(
            customer.credit_limit,
            uow.receivables.aged_balances(ids, as_of, self.policy.buckets),
            uow.receivables.order_balances(ids, self.policy.placed_since(as_of)),
            FxRates.on_record(uow.rates, self.policy.base_currency, as_of),
            self.policy.buckets, as_of)
        # A limit creditbot approved replaces the ERP's, which an import overwrites.
        override = uow.credit_requests.effective_limits(ids, as_of).get(customer.customer_id)
        limit = override.limit if override is not None else position.limit
        return position, limit

    def _verdict(self, uow: UnitOfWork, customer: Customer, order: Money, order_date: date,
                 erp: Order | None, held_before: Sequence[str],
                 later: Sequence[Money] = (), known: CustomerCheck | None = None) -> Verdict:
        """``later``: orders the exposure counts that came after this one (dated after
        it): taken out of the exposure it is checked against."""
        today = self.today()
        if known is not None:
            position, limit = known.position, known.position.limit
        else:
            position, limit = self._position(uow, customer, today)
        in_limit = self._convert(uow, order, limit.currency, today)
        within_most(str(order), in_limit)
        in_exposure = None
        if erp is not None and erp.is_exposure:
            in_exposure = self._convert(uow, erp.amount, limit.currency, today)
        for amount in later:
            in_exposure = self._convert(uow, amount, limit.currency, today) + (
                in_exposure or Money.zero(limit.currency))
        use, wanted, nearest = (None, False, None)
        if self.rules.contracts:
            use, wanted, nearest = self._contract(uow, customer, order, order_date, erp, today)
        verdict = evaluate(in_limit, order_date, position, limit, self.rules,
                           held_before=held_before, contract=use, contract_wanted=wanted,
                           nearest_contract=nearest, in_exposure=in_exposure)
        return dataclasses.replace(
            verdict, typed=None if order.currency == limit.currency else order,
            contract_id=use.contract.contract_id if use is not None else None)

    def _contract(self, uow: UnitOfWork, customer: Customer, order: Money, order_date: date,
                  erp: Order | None, today: date
                  ) -> tuple[ContractUse | None, bool, Contract | None]:
        """The order's contract in use, whether one must be valid, and, with none valid,
        the contract nearest the order date (``evaluate``'s ``nearest_contract``)."""
        contracts = uow.orders.contracts(customer.customer_id)
        if erp is not None and erp.contract_id:
            chosen = next((c for c in contracts if c.contract_id == erp.contract_id), None)
            wanted = True
        else:
            chosen = next((c for c in contracts if c.valid_on(order_date)), None)
            wanted = bool(contracts)
        if chosen is None:
            # An ERP order naming a contract not on file is told no contract is valid,
            # not pointed at another one.
            named = erp is not None and bool(erp.contract_id)
            return None, wanted, None if named else _nearest(contracts, order_date)
        limit = chosen.credit_limit
        if limit is None:
            return ContractUse(chosen), wanted, None
        used = Money.zero(limit.currency)
        for other in uow.orders.contract_orders(chosen.contract_id,
                                                self.policy.placed_since(today)):
            if erp is not None and other.order_id == erp.order_id:
                continue
            used += self._convert(uow, other.amount, limit.currency, today)
        return (ContractUse(chosen, used.rounded(),
                            self._convert(uow, order, limit.currency, today).rounded()),
                wanted, None)

    def _require(self, actor: Member, refused: str, subject: str) -> None:
        require_on_record(self.access, self.unit_of_work, self.clock, actor, refused, subject)


def _nearest(contracts: Sequence[Contract], day: date) -> Contract | None:
    """Of the contracts not valid on ``day``, the one nearest it: ended fewest days
    before, or starting fewest days after (the one that ended, on a tie)."""
    def distance(contract: Contract) -> tuple[int, int, str]:
        if contract.end_date < day:
            return (day - contract.end_date).days, 0, contract.contract_id
        return (contract.start_date - day).days, 1, contract.contract_id
    return min((c for c in contracts if not c.valid_on(day)), key=distance, default=None)


def recipients(customer: Customer | None, *others: str | None) -> tuple[str, ...]:
    found = [customer.owner_slack_id if customer else None, *others]
    return tuple(dict.fromkeys(p for p in found if p and p != SYSTEM))


def order_details(check: OrderCheck) -> dict[str, object]:
    return {"order": check.order_id, "source": check.source.value,
            "amount": str(check.amount.amount), "currency": check.amount.currency,
            "state": check.state.value, "reference": check.reference,
            "contract": check.contract_id, "failures": [f.as_json() for f in check.failures]}
