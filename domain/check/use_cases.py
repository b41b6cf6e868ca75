"""Use cases of the check capability. Each opens its own unit of work, checks who may do
it, does it, writes the audit entry (and events) and commits: a button, a slash command,
a job or the CLI cannot skip any of these steps."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from domain.access import CreditDataAccess, Member
from domain.approvals.model import LimitChange
from domain.check.reads import CheckRead, CheckReads, Collecting, Remembered
from domain.errors import DomainError
from domain.events import CardShared
from domain.exposure import AgedBalance, CreditPosition, OrderBalance, credit_position, group_limit
from domain.fx import FxRates
from domain.lookup import names_plainly, resolve_subject
from domain.model import AuditEntry, Customer, HeldOrder
from domain.money import Money
from domain.organisation_day import OrganisationDay
from domain.ports import PositionSource, UnitOfWork, ViewLog
from domain.positions import ApprovedLimits, CreditPolicyContext, limit_in_force
from domain.posting import post_then_record
from domain.refs import CustomerRef, GroupRef
from domain.text import N_

# A customer name or id is far shorter; anything longer is pasted text, not a query.
MAX_QUERY_LENGTH = 200


class QueryTooLong(DomainError):
    def __init__(self, length: int) -> None:
        super().__init__(
            N_("That is {length} characters long, too long to be a customer's name or id "
               "(at most {limit}). Try part of the name or the id, e.g. C0001."),
            length=length, limit=MAX_QUERY_LENGTH)


@dataclass(frozen=True)
class CustomerCheck:
    """``customer`` as the ERP keeps it; ``position`` against the limit in force, which
    is ``approved`` (a limit creditbot approved) when there is one."""

    customer: Customer
    position: CreditPosition
    approved: LimitChange | None = None
    # Who collects the account (its open assignment) and how far it has gone, for the
    # card's Collector line: a rep calling the customer should know of a promise first.
    collecting: Collecting | None = None
    # Its held orders, oldest first: not to ship until released, and a later order is
    # held behind them; the card says so, or a rep would block her own customer unseen.
    held: tuple[HeldOrder, ...] = ()
    # Its open credit notes per currency (negative): owed to the customer and left out of
    # the exposure until the ERP applies them; the card says so, or its figures read
    # higher than the ERP's balance with no word why.
    credit_notes: tuple[Money, ...] = ()

    @property
    def ref(self) -> CustomerRef:
        return CustomerRef(self.customer.customer_id, self.customer.name,
                           self.customer.name_local)


@dataclass(frozen=True)
class GroupCheck:
    """A group's pooled position (members' exposure against their summed limits, in the
    base currency) and each member's own."""

    group_id: str
    position: CreditPosition
    members: tuple[CustomerCheck, ...]

    @property
    def ref(self) -> GroupRef:
        return GroupRef(self.group_id)


Checked = CustomerCheck | GroupCheck


class AccountNow(Protocol):
    """What a card shows of an account beside its position (``CheckRead`` has both)."""

    def collecting(self, customer_id: str) -> Collecting | None: ...

    def held_orders(self, customer_id: str) -> Sequence[HeldOrder]: ...

    def credit_notes(self, customer_id: str) -> Sequence[Money]: ...


@dataclass(frozen=True)
class _InUnitOfWork:
    uow: UnitOfWork

    def collecting(self, customer_id: str) -> Collecting | None:
        current = self.uow.collections.open_assignment(customer_id)
        return Collecting(current.collector, current.status.value) if current else None

    def held_orders(self, customer_id: str) -> Sequence[HeldOrder]:
        return [c.named for c in self.uow.orders.held([customer_id])]

    def credit_notes(self, customer_id: str) -> Sequence[Money]:
        return self.uow.receivables.credit_notes(customer_id)


def _collected(found: Checked, account: AccountNow) -> Checked:
    """``found`` with the account's collector, held orders and credit notes as they are
    now (a group has none of them)."""
    if not isinstance(found, CustomerCheck):
        return found
    customer_id = found.customer.customer_id
    collecting, held = account.collecting(customer_id), tuple(account.held_orders(customer_id))
    notes = tuple(account.credit_notes(customer_id))
    return found if (collecting, held, notes) == (found.collecting, found.held,
                                                  found.credit_notes) else \
        dataclasses.replace(found, collecting=collecting, held=held, credit_notes=notes)


def _subject(ref: CustomerRef | GroupRef) -> str:
    return ref.customer_id if isinstance(ref, CustomerRef) else f"group:{ref.group_id}"


def _key(ref: CustomerRef | GroupRef) -> tuple[bool, str]:
    return (True, ref.group_id) if isinstance(ref, GroupRef) else (False, ref.customer_id)


@dataclass(frozen=True)
class CreditChecks(OrganisationDay):
    """The check capability, bound to the unit of work, policy and clock it runs with."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    policy: CreditPolicyContext
    clock: Callable[[], datetime]
    zone: tzinfo
    # Where views are recorded when not in the use case's own transaction (see ViewLog).
    views: ViewLog | None = None
    # A check's reads outside any unit of work, with the ERP data's version: positions
    # (and what a query names) are remembered per version and day. Without them a check
    # reads through a unit of work and remembers nothing.
    reads: CheckReads | None = None
    _subjects: Remembered[tuple[Hashable, ...], CustomerRef | GroupRef] = field(
        default_factory=Remembered, init=False, repr=False, compare=False)
    _positions: Remembered[tuple[Hashable, ...], Checked] = field(
        default_factory=Remembered, init=False, repr=False, compare=False)
    _plain: Remembered[tuple[Hashable, ...], bool] = field(
        default_factory=Remembered, init=False, repr=False, compare=False)

    def check(self, actor: Member, query: str) -> Checked:
        """The position of whatever ``query`` names; who looked is recorded."""
        self._require(actor, "credit.check_refused", {"query": query[:MAX_QUERY_LENGTH]})
        if len(query) > MAX_QUERY_LENGTH:
            raise QueryTooLong(len(query))
        if self.reads is not None:
            found = self._read(query, None)
            self._record_view(actor, found, {"query": query})
            return found
        with self.unit_of_work() as uow:
            found = _collected(self._position(uow, uow.credit_requests,
                                              resolve_subject(query, uow.customers),
                                              self.today()),
                               _InUnitOfWork(uow))
            self._viewed(uow, AuditEntry(self.clock(), actor.user_id, "credit.checked",
                                         _subject(found.ref), {"query": query}))
        return found

    def check_whole(self, actor: Member, query: str) -> Checked | None:
        """The check of ``query`` when the query as a whole names one customer by id,
        name or a unique start of its name (see ``domain.lookup.names_plainly``): "Studio
        54" is a name, not "Studio" and 54. ``None``, recording nothing, when it does not,
        or for someone who may not see credit data (their order check is refused)."""
        if not self.access.allows(actor) or len(query) > MAX_QUERY_LENGTH:
            return None
        if self.reads is None:
            with self.unit_of_work() as uow:
                if names_plainly(query, uow.customers) is None:
                    return None
            return self.check(actor, query)
        # One read: on a remembered customer, one statement (the version) in all.
        with self.reads() as read:
            version = read.version()
            plain = self._plain.get(version, (query,)) if version is not None else None
            if plain is None:
                plain = names_plainly(query, read.customers) is not None
                if version is not None:
                    self._plain.put(version, (query,), plain)
            found = self._look(read, version, query, None) if plain else None
        if found is not None:
            self._record_view(actor, found, {"query": query})
        return found

    def check_ref(self, actor: Member, ref: CustomerRef | GroupRef) -> Checked:
        """The position of exactly this customer or group (a button names it by id)."""
        self._require(actor, "credit.check_refused", {"subject": _subject(ref)})
        if self.reads is not None:
            found = self._read(None, ref)
            self._record_view(actor, found, {})
            return found
        with self.unit_of_work() as uow:
            found = _collected(self._position(uow, uow.credit_requests, ref, self.today()),
                               _InUnitOfWork(uow))
            self._viewed(uow, AuditEntry(self.clock(), actor.user_id, "credit.checked",
                                         _subject(found.ref), {}))
        return found

    def _read(self, query: str | None, ref: CustomerRef | GroupRef | None) -> Checked:
        assert self.reads is not None
        with self.reads() as read:
            return self._look(read, read.version(), query, ref)

    def _look(self, read: CheckRead, version: Hashable | None, query: str | None,
              ref: CustomerRef | GroupRef | None) -> Checked:
        """The position through ``reads``: what ``query`` names and its position, with
        the collector, are remembered for the data version (which collectors move too)
        and the day they were read at."""
        as_of = self.today()
        if ref is None:
            assert query is not None
            ref = self._subjects.get(version, (query,)) if version is not None else None
            if ref is None:
                ref = resolve_subject(query, read.customers)
                if version is not None:
                    self._subjects.put(version, (query,), ref)
        key = (*_key(ref), as_of)
        remembered = self._positions.get(version, key) if version is not None else None
        if remembered is not None:
            # The same object while nothing moved: the rendered card is kept by identity.
            return remembered
        found = _collected(self._position(read, read.limits, ref, as_of), read)
        if version is not None:
            self._positions.put(version, key, found)
        return found

    def _record_view(self, actor: Member, found: Checked, details: dict[str, object]) -> None:
        entry = AuditEntry(self.clock(), actor.user_id, "credit.checked", _subject(found.ref),
                           details)
        if self.views is not None:
            self.views.record(entry)
            return
        with self.unit_of_work() as uow:
            uow.audit.append(entry)
            uow.commit()

    def _viewed(self, uow: UnitOfWork, entry: AuditEntry) -> None:
        if self.views is not None:
            self.views.record(entry)
        else:
            uow.audit.append(entry)
            uow.commit()

    def share(self, actor: Member, ref: CustomerRef | GroupRef, channel: str,
              publish: Callable[[Checked], None]) -> Checked:
        """Posts fresh figures into ``channel`` through ``publish``, then records the
        share. ``publish`` runs outside any transaction: a slow Slack holds no database
        connection. A post Slack refused (``publish`` raising) leaves no record; one whose
        answer never came (DeliveryUncertain) may be in the channel, so it is recorded as
        unconfirmed and the person is told to look before sharing again."""
        try:
            self.access.require_share(actor, channel)
        except DomainError:
            self._record_refusal(actor, "credit.share_refused", _subject(ref),
                                 {"channel": channel})
            raise
        with self.unit_of_work() as uow:
            # With the collector and the held orders, as the person's own card has them.
            found = _collected(self._position(uow, uow.credit_requests, ref, self.today()),
                               _InUnitOfWork(uow))
        subject = _subject(found.ref)
        kind = "customer" if isinstance(found, CustomerCheck) else "group"

        def record(uow: UnitOfWork, now: datetime, confirmed: bool) -> None:
            details: dict[str, object] = {"channel": channel}
            if not confirmed:
                details["confirmed"] = False
            uow.audit.append(AuditEntry(now, actor.user_id, "credit.card_shared", subject,
                                        details))
            uow.events.record(CardShared(occurred_at=now, actor=actor.user_id,
                                         subject=subject, channel=channel, kind=kind))

        post_then_record(self.unit_of_work, self.clock, lambda: publish(found), record)
        return found

    def fresh(self, uow: UnitOfWork, ref: CustomerRef | GroupRef) -> Checked:
        """The position of ``ref`` now, with its collector, read in ``uow``: what another
        capability shows when it carries a check card (domain.sharing)."""
        return _collected(self._position(uow, uow.credit_requests, ref, self.today()),
                          _InUnitOfWork(uow))

    def _require(self, actor: Member, refusal: str, details: dict[str, object]) -> None:
        try:
            self.access.require(actor)
        except DomainError:
            self._record_refusal(actor, refusal, str(details.get("subject", "")), details)
            raise

    def _record_refusal(self, actor: Member, action: str, subject: str,
                        details: dict[str, object]) -> None:
        """Confidential data: a refused attempt is recorded like a granted one."""
        with self.unit_of_work() as uow:
            uow.audit.append(AuditEntry(self.clock(), actor.user_id, action, subject,
                                        details))
            uow.commit()

    def _position(self, uow: PositionSource, limits: ApprovedLimits,
                  ref: CustomerRef | GroupRef, as_of: date) -> Checked:
        if isinstance(ref, GroupRef):
            return self._group(uow, limits, ref.group_id, as_of)
        customer = uow.customers.get(ref.customer_id)
        if customer is None:  # deleted between lookup and read
            raise DomainError(N_("Customer {customer} no longer exists."),
                              customer=ref.customer_id)
        ids = [customer.customer_id]
        approved = limits.effective_limits(ids, as_of)
        position = credit_position(
            limit_in_force(customer, approved),
            uow.receivables.aged_balances(ids, as_of, self.policy.buckets),
            uow.receivables.order_balances(ids, self.policy.placed_since(as_of)),
            FxRates.on_record(uow.rates, self.policy.base_currency, as_of),
            self.policy.buckets, as_of)
        return CustomerCheck(customer, position, approved.get(customer.customer_id))

    def _group(self, uow: PositionSource, limits: ApprovedLimits, group_id: str,
               as_of: date) -> GroupCheck:
        members = uow.customers.group_members(group_id)
        if not members:
            raise DomainError(N_("No customer belongs to group “{group}” any more."),
                              group=group_id)
        ids = [m.customer_id for m in members]
        buckets = self.policy.buckets
        balances = uow.receivables.aged_balances(ids, as_of, buckets)
        orders = uow.receivables.order_balances(ids, self.policy.placed_since(as_of))
        fx = FxRates.on_record(uow.rates, self.policy.base_currency, as_of)
        approved = limits.effective_limits(ids, as_of)
        by_balance: dict[str, list[AgedBalance]] = defaultdict(list)
        by_order: dict[str, list[OrderBalance]] = defaultdict(list)
        for balance in balances:
            by_balance[balance.customer_id].append(balance)
        for order in orders:
            by_order[order.customer_id].append(order)
        each = tuple(
            CustomerCheck(m, credit_position(limit_in_force(m, approved),
                                             by_balance[m.customer_id],
                                             by_order[m.customer_id], fx, buckets, as_of),
                          approved.get(m.customer_id))
            for m in members)
        pooled = credit_position(
            group_limit([limit_in_force(m, approved) for m in members],
                        self.policy.base_currency, fx),
            balances, orders, fx, buckets, as_of)
        return GroupCheck(group_id, pooled, each)

