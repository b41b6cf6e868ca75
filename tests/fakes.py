"""An in-memory unit of work implementing domain.ports, for fast use-case tests.

Like the real one, nothing it holds survives a unit of work that was not committed:
audit entries and events are staged and kept only on ``commit()``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Self

from domain.aging import AgingBuckets
from domain.alerts.detect import ExpiringContract, LargeInvoice
from domain.alerts.digest import DigestLine
from domain.alerts.model import AlertState
from domain.alerts.ports import Digest
from domain.alerts.use_cases import AlertChanged
from domain.approvals.model import (
    CreditRequest,
    Decision,
    Delegation,
    LimitChange,
    Question,
    RequestState,
    TermsChange,
    effective_limit,
    stands_on,
)
from domain.approvals.rules import RequestChanged
from domain.collections.model import (
    Assignment,
    CollectionAction,
    CollectionChanged,
    Dispute,
    LegalCase,
    Promise,
    PromiseState,
)
from domain.events import DomainEvent
from domain.exposure import AgedBalance, OrderBalance, aged_balances, order_balances
from domain.lookup import normalize_name
from domain.meetings.model import (
    Meeting,
    MeetingChanged,
    MeetingState,
    Minutes,
    Recurrence,
    Response,
    Task,
    TaskState,
)
from domain.messages import OutgoingMessage
from domain.model import (
    INVOICE_STATUSES_IN_EXPOSURE,
    ORDER_STATUSES_IN_EXPOSURE,
    AuditEntry,
    Customer,
    Invoice,
    Order,
    OrderStatus,
)
from domain.money import Money
from domain.orders.context import OrderChanged
from domain.orders.model import Contract, OrderCheck, OrderSource, OrderState, reference_key
from domain.refs import CustomerRef
from storage.orders import SLACK_PREFIX, pick


class FakeCustomers:
    def __init__(self, customers: Sequence[Customer]) -> None:
        self.rows = {c.customer_id: c for c in customers}

    def _ref(self, c: Customer) -> CustomerRef:
        return CustomerRef(c.customer_id, c.name, c.name_local)

    @staticmethod
    def _keys(c: Customer) -> list[str]:
        # As the import derives them: a name_key, and a name_local_key when there is one.
        return [normalize_name(name) for name in (c.name, c.name_local) if name]

    def get(self, customer_id: str) -> Customer | None:
        return self.rows.get(customer_id)

    def fetch(self, customer_ids: Sequence[str] | None = None) -> list[Customer]:
        return [c for cid, c in sorted(self.rows.items())
                if customer_ids is None or cid in customer_ids]

    def group_members(self, group_id: str) -> list[Customer]:
        return sorted((c for c in self.rows.values() if c.group_id == group_id),
                      key=lambda c: c.name)

    def group_named(self, group_ids: Sequence[str]) -> str | None:
        return next((g for g in group_ids if self.group_members(g)), None)

    def by_ids(self, customer_ids: Sequence[str]) -> list[CustomerRef]:
        return [self._ref(c) for cid, c in self.rows.items() if cid in customer_ids]

    def by_name_key(self, name_key: str) -> list[CustomerRef]:
        return [self._ref(c) for c in self.rows.values() if name_key in self._keys(c)]

    def by_name_prefix(self, key_prefix: str, limit: int) -> list[CustomerRef]:
        return [self._ref(c) for c in self.rows.values()
                if any(key.startswith(key_prefix) for key in self._keys(c))][:limit]

    def all_name_keys(self) -> list[tuple[CustomerRef, str]]:
        return [(self._ref(c), key) for c in self.rows.values() for key in self._keys(c)]


class FakeReceivables:
    """The in-memory aging path of domain.exposure, which the storage tests hold equal
    to the SQL one."""

    def __init__(self, invoices: Sequence[Invoice], orders: Sequence[Order]) -> None:
        self.invoices = list(invoices)
        self.orders = list(orders)
        self.payments: list[tuple[str, date, Money, str | None]] = []
        # The unit of work's order store: orders placed in creditbot count in exposure.
        self.order_checks: FakeOrderStore | None = None

    def aged_balances(self, customer_ids: Sequence[str] | None, as_of: date,
                      buckets: AgingBuckets) -> list[AgedBalance]:
        chosen = [i for i in self.invoices if customer_ids is None or i.customer_id in customer_ids]
        return aged_balances(chosen, as_of, buckets)

    def credit_notes(self, customer_id: str) -> list[Money]:
        totals: dict[str, Decimal] = {}
        for i in self.invoices:
            if i.customer_id == customer_id and i.status in INVOICE_STATUSES_IN_EXPOSURE \
                    and i.open_amount.amount < 0:
                currency = i.open_amount.currency
                totals[currency] = totals.get(currency, Decimal(0)) + i.open_amount.amount
        return [Money(total, currency) for currency, total in sorted(totals.items())]

    def order_balances(self, customer_ids: Sequence[str] | None,
                       placed_since: date | None = None) -> list[OrderBalance]:
        found = order_balances(o for o in self.orders
                               if customer_ids is None or o.customer_id in customer_ids)
        if placed_since is None or self.order_checks is None:
            return found
        in_erp = {(o.customer_id, o.order_id) for o in self.orders}
        placed = [Order(c.order_id, c.customer_id, c.order_date, c.amount, OrderStatus.OPEN)
                  for c in self.order_checks._work.values()
                  if c.source is OrderSource.SLACK and c.state is not OrderState.HELD
                  and c.order_date >= placed_since
                  and (c.customer_id, c.reference) not in in_erp
                  and (customer_ids is None or c.customer_id in customer_ids)]
        return found + [dataclasses.replace(b, placed=True) for b in order_balances(placed)]

    def open_invoices(self, customer_ids: Sequence[str]) -> list[Invoice]:
        wanted = set(customer_ids)
        return sorted((i for i in self.invoices if i.customer_id in wanted and i.is_outstanding),
                      key=lambda i: (i.customer_id, i.due_date, i.invoice_id))

    def settled(self, customer_id: str, of: Sequence[str] | None = None) -> set[str]:
        return {i.invoice_id for i in self.invoices
                if i.customer_id == customer_id and not i.is_outstanding
                and (of is None or i.invoice_id in of)}

    def paid_since(self, customer_id: str, since: date, invoice_ids: Sequence[str] = (),
                   until: date | None = None) -> dict[tuple[str, date], Decimal]:
        """``payments``: (customer id, day, Money, invoice id or None), set by a test."""
        totals: dict[tuple[str, date], Decimal] = {}
        for c, day, m, inv in self.payments:
            if c == customer_id and day >= since and (until is None or day <= until) \
                    and (not invoice_ids or inv in invoice_ids):
                totals[m.currency, day] = totals.get((m.currency, day), Decimal(0)) + m.amount
        return totals


class FakeRates:
    def __init__(self, rates: dict[str, Decimal]) -> None:
        self.rates = rates
        # Rates from a day on, set by a test whose rates move: the latest on or before
        # the day asked wins, else ``rates``.
        self.from_day: dict[date, dict[str, Decimal]] = {}

    def latest(self, as_of: date, base: str) -> dict[str, Decimal]:
        days = [day for day in self.from_day if day <= as_of]
        return dict(self.from_day[max(days)] if days else self.rates)


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []
        self.staged: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.staged.append(entry)

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        return list(reversed(self.entries))[:limit]

    def latest(self, action: str) -> AuditEntry | None:
        return next((e for e in reversed(self.entries) if e.action == action), None)


class FakeEvents:
    def __init__(self) -> None:
        self.recorded: list[DomainEvent] = []
        self.staged: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self.staged.append(event)


class FakeOutbox:
    """Messages queued by use cases: ``sent`` holds the committed ones, in order."""

    def __init__(self) -> None:
        self.sent: dict[int, OutgoingMessage] = {}
        self.staged: dict[int, OutgoingMessage] = {}
        self._next_id = 1

    @property
    def messages(self) -> list[OutgoingMessage]:
        return list(self.sent.values())

    def add(self, message: OutgoingMessage) -> int:
        if message.dedup_key is not None:
            found = self.id_of(message.dedup_key)
            if found is not None:
                return found
        for referred in (message.update_of, message.thread_of):
            if referred is not None and referred not in self.sent and referred not in self.staged:
                raise ValueError(f"message {referred} is not in the outbox")
        message_id = self._next_id
        self._next_id += 1
        self.staged[message_id] = message
        return message_id

    def add_new(self, message: OutgoingMessage) -> int | None:
        assert message.dedup_key is not None
        return None if self.id_of(message.dedup_key) is not None else self.add(message)

    def id_of(self, dedup_key: str) -> int | None:
        return next((i for i, m in (*self.sent.items(), *self.staged.items())
                     if m.dedup_key == dedup_key), None)

    def keyed(self, key_prefix: str) -> list[tuple[str, int]]:
        return sorted(((m.dedup_key, i) for i, m in (*self.sent.items(), *self.staged.items())
                       if m.dedup_key is not None and m.dedup_key.startswith(key_prefix)),
                      key=lambda found: found[1])

    def blocks_of(self, message_id: int) -> list[dict]:
        found = self.sent.get(message_id) or self.staged.get(message_id)
        return list(found.blocks or []) if found is not None else []

    def shown_blocks(self, message_id: int) -> list[dict]:
        versions = [(i, m) for i, m in (*self.sent.items(), *self.staged.items())
                    if i == message_id or m.update_of == message_id]
        return list(max(versions, key=lambda found: found[0])[1].blocks or []) \
            if versions else []

    def commit(self) -> None:
        self.sent.update(self.staged)
        self.staged.clear()

    def rollback(self) -> None:
        self.staged.clear()


class FakeAlertStore:
    """Alert states and digests in dicts; what a unit of work changed is kept only when
    it commits. ``large`` and ``contracts`` are what the narrow selections return."""

    def __init__(self) -> None:
        self.saved: dict[str, AlertState] = {}
        self.digests: dict[int, Digest] = {}
        self._states: dict[str, AlertState] = {}
        self._digests: dict[int, Digest] = {}
        self.large: list[LargeInvoice] = []
        self.contracts: list[ExpiringContract] = []
        # Digests whose first page Slack refused for good (refused_digests).
        self.refused: set[int] = set()
        self.locked: list[datetime] = []
        self.wrote = False

    def _all_states(self) -> dict[str, AlertState]:
        return {**self.saved, **self._states}

    def open_states(self) -> dict[str, AlertState]:
        return {c: s for c, s in self._all_states().items() if s.is_open}

    def states(self, conditions: Collection[str]) -> dict[str, AlertState]:
        known = self._all_states()
        return {c: known[c] for c in conditions if c in known}

    def save(self, states: Sequence[AlertState]) -> None:
        known = self._all_states()
        for state in states:
            stored = known.get(state.condition)
            if (stored.version if stored else 0) != state.version:
                raise AlertChanged()
            self._states[state.condition] = dataclasses.replace(state,
                                                                version=state.version + 1)
        self.wrote = True

    def large_overdue_invoices(self, as_of: date, minimum: Mapping[str, Decimal],
                               limit: int) -> list[LargeInvoice]:
        found = [i for i in self.large if i.due_date < as_of and i.open_amount.currency
                 in minimum and i.open_amount.amount >= minimum[i.open_amount.currency]]
        return sorted(found, key=lambda i: (-i.open_amount.amount
                                            / (minimum[i.open_amount.currency] or 1),
                                            i.invoice_id))[:limit]

    def contracts_ending(self, first: date, last: date) -> list[ExpiringContract]:
        return [c for c in self.contracts if first <= c.end_date <= last]

    def add_digest(self, run_at: datetime, destination: str,
                   lines: Sequence[DigestLine]) -> int:
        digest_id = len(self.digests) + len(self._digests) + 1
        self._digests[digest_id] = Digest(digest_id, run_at, destination, list(lines), [])
        return digest_id

    def set_pages(self, digest_id: int, pages: Sequence[int]) -> None:
        found = self.digest(digest_id)
        assert found is not None
        self._digests[digest_id] = dataclasses.replace(found, pages=list(pages))

    def digest(self, digest_id: int) -> Digest | None:
        return self._digests.get(digest_id) or self.digests.get(digest_id)

    def refused_digests(self, digest_ids: Collection[int]) -> set[int]:
        return self.refused & set(digest_ids)

    def still_overdue(self, invoice_ids: Sequence[str], as_of: date) -> set[str]:
        return {i.invoice_id for i in self.large
                if i.invoice_id in invoice_ids and i.due_date < as_of}

    def lock_run(self, run_at: datetime) -> None:
        self.locked.append(run_at)

    def digests_with(self, conditions: Collection[str], run_at: datetime) -> list[Digest]:
        every = {**self.digests, **self._digests}
        return [d for _, d in sorted(every.items()) if d.run_at == run_at
                and any(line.condition in conditions for line in d.lines)]

    def commit(self) -> None:
        self.saved.update(self._states)
        self.digests.update(self._digests)
        self.rollback()

    def rollback(self) -> None:
        self._states.clear()
        self._digests.clear()
        self.wrote = False


class FakeCreditRequestStore:
    """Requests, decisions, questions, delegations and limit changes in dicts: a unit of work
    changes a copy, kept only when it commits. Conflicts raise ``RequestChanged`` as
    storage's version check and unique constraints do. ``orders`` is the ERP's."""

    _TABLES = ("requests", "decisions", "questions", "delegations", "limits", "terms",
               "marks")

    def __init__(self, orders: Sequence[Order] = ()) -> None:
        self.orders = {o.order_id: o for o in orders}
        # The ERP's limits, which an approved change stands on (set by FakeUnitOfWork).
        self.customers: FakeCustomers | None = None
        self.committed: dict[str, dict[Any, Any]] = {t: {} for t in self._TABLES}
        self.rollback()

    @property
    def requests(self) -> dict[int, CreditRequest]:
        return self._work["requests"]

    def _next(self, table: str) -> int:
        return max(self._work[table], default=0) + 1

    def add(self, request: CreditRequest) -> CreditRequest:
        if self.find_open(request.open_key) is not None:
            raise RequestChanged()
        stored = dataclasses.replace(request, id=self._next("requests"), version=1)
        self.requests[stored.id] = stored
        self.wrote = True
        return stored

    def get(self, request_id: int, lock: bool = False) -> CreditRequest | None:
        return self.requests.get(request_id)

    def save(self, request: CreditRequest) -> CreditRequest:
        stored = self.requests.get(request.id)
        if stored is None or stored.version != request.version:
            raise RequestChanged()
        saved = dataclasses.replace(request, version=request.version + 1)
        self.requests[saved.id] = saved
        self.wrote = True
        return saved

    def find_open(self, open_key: str) -> CreditRequest | None:
        return next((r for r in self.requests.values()
                     if r.state is RequestState.OPEN and r.open_key == open_key), None)

    def open_requests(self) -> list[CreditRequest]:
        return [r for _, r in sorted(self.requests.items()) if r.is_open]

    def filed_by(self, user_id: str, limit: int) -> list[CreditRequest]:
        return [r for _, r in sorted(self.requests.items(), reverse=True)
                if r.requested_by == user_id][:limit]

    def of_customer(self, customer_id: str, limit: int) -> list[CreditRequest]:
        return [r for _, r in sorted(self.requests.items(), reverse=True)
                if r.customer_id == customer_id][:limit]

    def decisions(self, request_ids: Sequence[int]) -> dict[int, list[Decision]]:
        found: dict[int, list[Decision]] = {}
        for (request_id, _), decision in sorted(self._work["decisions"].items()):
            if request_id in request_ids:
                found.setdefault(request_id, []).append(decision)
        return found

    def add_decision(self, decision: Decision) -> None:
        key = (decision.request_id, decision.level)
        if key in self._work["decisions"]:
            raise RequestChanged()
        self._work["decisions"][key] = decision
        self.wrote = True

    def questions(self, request_ids: Sequence[int]) -> dict[int, list[Question]]:
        found: dict[int, list[Question]] = {}
        for _, question in sorted(self._work["questions"].items()):
            if question.request_id in request_ids:
                found.setdefault(question.request_id, []).append(question)
        return found

    def add_question(self, question: Question) -> int:
        question_id = self._next("questions")
        self._work["questions"][question_id] = dataclasses.replace(question, id=question_id)
        self.wrote = True
        return question_id

    def question(self, question_id: int) -> Question | None:
        return self._work["questions"].get(question_id)

    def answer_question(self, question_id: int, answer: str, at: datetime) -> None:
        question = self._work["questions"].get(question_id)
        if question is None or question.answer is not None:
            raise RequestChanged()
        self._work["questions"][question_id] = dataclasses.replace(
            question, answer=answer, answered_at=at)
        self.wrote = True

    def delegations(self, user_id: str) -> list[Delegation]:
        return [d for _, d in sorted(self._work["delegations"].items())
                if d.ended_at is None and user_id in (d.delegator, d.delegate)]

    def delegations_given(self, delegator: str) -> list[Delegation]:
        return [d for _, d in sorted(self._work["delegations"].items())
                if d.delegator == delegator]

    def add_delegation(self, delegation: Delegation) -> Delegation:
        stored = dataclasses.replace(delegation, id=self._next("delegations"))
        self._work["delegations"][stored.id] = stored
        self.wrote = True
        return stored

    def end_delegations(self, delegator: str, at: datetime, today: date) -> int:
        ending = [d for d in self._work["delegations"].values()
                  if d.delegator == delegator and d.ended_at is None and d.until >= today]
        for d in ending:
            self._work["delegations"][d.id] = dataclasses.replace(d, ended_at=at)
        self.wrote = self.wrote or bool(ending)
        return len(ending)

    def add_limit_change(self, change: LimitChange) -> LimitChange:
        if any(c.request_id == change.request_id for c in self._work["limits"].values()):
            raise RequestChanged()
        stored = dataclasses.replace(change, id=self._next("limits"))
        self._work["limits"][stored.id] = stored
        self.wrote = True
        return stored

    def add_terms_change(self, change: TermsChange) -> None:
        if any(c.request_id == change.request_id for c in self._work["terms"].values()):
            raise RequestChanged()
        self._work["terms"][self._next("terms")] = change
        self.wrote = True
        # As storage reads them: the customer's terms are the approved ones from now on.
        erp = self.customers.rows.get(change.customer_id) if self.customers else None
        if self.customers and erp is not None and change.previous == (
                erp.payment_terms_days if erp.erp_terms_days is None else erp.erp_terms_days):
            self.customers.rows[change.customer_id] = dataclasses.replace(
                erp, payment_terms_days=change.terms_days, erp_terms_days=change.previous)

    def limit_changes(self, customer_id: str) -> list[LimitChange]:
        return [c for _, c in sorted(self._work["limits"].items())
                if c.customer_id == customer_id]

    def effective_limits(self, customer_ids: Sequence[str] | None, on: date
                         ) -> dict[str, LimitChange]:
        found = {}
        for cid in {c.customer_id for c in self._work["limits"].values()}:
            if customer_ids is None or cid in customer_ids:
                erp = self.customers.rows.get(cid) if self.customers else None
                chosen = effective_limit(
                    [c for c in self.limit_changes(cid)
                     if erp is None or stands_on(c, erp.credit_limit)], on)
                if chosen is not None:
                    found[cid] = chosen
        return found

    def order(self, order_id: str) -> Order | None:
        return self.orders.get(order_id)

    def ended_limits(self, since: date, before: date) -> list[LimitChange]:
        ended = [c for c in self._work["limits"].values() if c.expires_on is not None
                 and since <= c.expires_on < before]
        return sorted(ended, key=lambda c: (c.expires_on, c.id))

    def marked(self, keys: Sequence[str]) -> set[str]:
        return set(keys) & set(self._work["marks"])

    def mark(self, key: str, request_id: int, at: datetime) -> None:
        if key in self._work["marks"]:
            raise RequestChanged()
        self._work["marks"][key] = (request_id, at)
        self.wrote = True

    def commit(self) -> None:
        self.committed = self._work
        self.rollback()

    def rollback(self) -> None:
        self._work: dict[str, dict[Any, Any]] = {t: dict(rows)
                                                 for t, rows in self.committed.items()}
        self.wrote = False


class FakeOrderStore:
    """Order checks in memory (``uow.orders``), staged until commit like the others."""

    def __init__(self, orders: Sequence[Order] = (),
                 contracts: Sequence[Contract] = ()) -> None:
        self.erp = {o.order_id: o for o in orders}
        self.contract_rows = list(contracts)
        self.committed: dict[int, OrderCheck] = {}
        self.rollback()

    @property
    def checks(self) -> dict[int, OrderCheck]:
        return dict(self.committed)

    def add(self, check: OrderCheck) -> OrderCheck:
        if any(c.source is check.source and c.order_id == check.order_id
               for c in self._work.values()) and check.source is OrderSource.ERP:
            raise OrderChanged(check.order_id)
        new_id = max([0, *self._work]) + 1
        order_id = f"{SLACK_PREFIX}{new_id}" if check.source is OrderSource.SLACK \
            else check.order_id
        stored = dataclasses.replace(check, id=new_id, version=1, order_id=order_id)
        self._work[new_id] = stored
        self.wrote = True
        return stored

    def save(self, check: OrderCheck) -> OrderCheck:
        current = self._work.get(check.id)
        if current is None or current.version != check.version:
            raise OrderChanged(check.order_id)
        stored = dataclasses.replace(check, version=check.version + 1)
        self._work[check.id] = stored
        self.wrote = True
        return stored

    def find(self, customer_id: str, order_id: str,
             source: OrderSource | None = None) -> OrderCheck | None:
        return pick([c for c in self._work.values() if c.order_id == order_id
                     and c.customer_id == customer_id
                     and (source is None or c.source is source)], order_id)

    def held(self, customer_ids: Sequence[str] | None = None) -> list[OrderCheck]:
        return [c for _, c in sorted(self._work.items()) if c.state is OrderState.HELD
                and (customer_ids is None or c.customer_id in customer_ids)]

    def lock_customer(self, customer_id: str) -> None:
        return None

    def held_ids(self, customer_id: str, dated_by: date | None = None) -> list[str]:
        return [c.order_id for c in self.held([customer_id])
                if dated_by is None or c.order_date <= dated_by]

    def ever_held(self, customer_id: str, limit: int) -> list[OrderCheck]:
        return [c for _, c in sorted(self._work.items(), reverse=True)
                if c.customer_id == customer_id and c.state is not OrderState.PASSED
                and (c.state is not OrderState.WITHDRAWN
                     or (c.release_note or "").startswith("withdrawn:"))
                ][:limit]

    def placed_by(self, user_id: str, limit: int) -> list[OrderCheck]:
        return [c for _, c in sorted(self._work.items(), reverse=True)
                if c.checked_by == user_id and c.source is OrderSource.SLACK][:limit]

    def placed_with_reference(self, customer_id: str, reference: str) -> OrderCheck | None:
        return next((c for _, c in sorted(self._work.items())
                     if c.customer_id == customer_id and c.source is OrderSource.SLACK
                     and reference_key(c.reference or "") == reference_key(reference)), None)

    def unreviewed_erp_orders(self) -> list[Order]:
        seen = {c.order_id for c in self._work.values() if c.source is OrderSource.ERP}
        placed = {(c.customer_id, reference_key(c.reference or "")): c.amount
                  for c in self._work.values() if c.source is OrderSource.SLACK}

        def covered(o: Order) -> bool:
            mine = placed.get((o.customer_id, reference_key(o.order_id)))
            return mine is not None and (mine.currency != o.amount.currency
                                         or mine.amount >= o.amount.amount)

        return sorted((o for o in self.erp.values()
                       if o.status.value == "open" and o.order_id not in seen
                       and not covered(o)),
                      key=lambda o: (o.order_date, o.order_id))

    def contracts(self, customer_id: str) -> list[Contract]:
        return sorted((c for c in self.contract_rows if c.customer_id == customer_id),
                      key=lambda c: c.end_date, reverse=True)

    def contract_orders(self, contract_id: str, placed_since: date | None = None
                        ) -> list[Order]:
        found = [o for o in self.erp.values() if o.contract_id == contract_id
                 and o.status in ORDER_STATUSES_IN_EXPOSURE]
        if placed_since is not None:
            in_erp = {(o.customer_id, reference_key(o.order_id)) for o in self.erp.values()}
            found += [Order(c.order_id, c.customer_id, c.order_date, c.amount,
                            OrderStatus.OPEN, c.contract_id)
                      for c in self._work.values()
                      if c.contract_id == contract_id and c.source is OrderSource.SLACK
                      and c.state is not OrderState.HELD and c.order_date >= placed_since
                      and (c.customer_id, reference_key(c.reference or "")) not in in_erp]
        return found

    def erp_order(self, order_id: str) -> Order | None:
        return self.erp.get(order_id)

    def exposure_orders(self, customer_id: str, placed_since: date) -> list[Order]:
        in_erp = {(o.customer_id, reference_key(o.order_id)) for o in self.erp.values()}
        return [o for o in self.erp.values() if o.customer_id == customer_id
                and o.status in ORDER_STATUSES_IN_EXPOSURE] + [
            Order(c.order_id, c.customer_id, c.order_date, c.amount)
            for c in self._work.values()
            if c.customer_id == customer_id and c.source is OrderSource.SLACK
            and c.state in (OrderState.PASSED, OrderState.RELEASED)
            and c.order_date >= placed_since
            and (c.customer_id, reference_key(c.reference or "")) not in in_erp]

    def erp_order_named(self, customer_id: str, name: str) -> Order | None:
        found = sorted((o for o in self.erp.values() if o.customer_id == customer_id
                        and reference_key(o.order_id) == reference_key(name)),
                       key=lambda o: (o.order_id != name, o.order_id))
        return found[0] if found else None

    def commit(self) -> None:
        self.committed = dict(self._work)
        self.rollback()

    def rollback(self) -> None:
        self._work: dict[int, OrderCheck] = dict(self.committed)
        self.wrote = False


class StagedTables:
    """Tables in memory, staged until commit like a transaction, with storage's version
    checks: ``_add`` gives the next id (and version 1), ``_save`` raises ``changed``
    when the version read is no longer the stored one."""

    changed: type[Exception] = Exception

    def __init__(self, *tables: str) -> None:
        self.committed: dict[str, dict[Any, Any]] = {t: {} for t in tables}
        self.rollback()

    def _add(self, table: str, record: Any, versioned: bool = True) -> Any:
        rows = self._work[table]
        new_id = max([0, *rows]) + 1
        stored = dataclasses.replace(record, id=new_id, **({"version": 1} if versioned else {}))
        rows[new_id] = stored
        self.wrote = True
        return stored

    def _save(self, table: str, record: Any) -> Any:
        current = self._work[table].get(record.id)
        if current is None or current.version != record.version:
            raise self.changed(f"{table} {record.id}")
        stored = dataclasses.replace(record, version=record.version + 1)
        self._work[table][record.id] = stored
        self.wrote = True
        return stored

    def commit(self) -> None:
        self.committed = self._work
        self.rollback()

    def rollback(self) -> None:
        self._work: dict[str, dict[Any, Any]] = {t: dict(rows)
                                                 for t, rows in self.committed.items()}
        self.wrote = False


class FakeCollectionStore(StagedTables):
    """Collections in memory (``uow.collections``), staged until commit, with storage's
    version checks and its one-open-assignment-per-customer rule."""

    changed = CollectionChanged

    def __init__(self) -> None:
        super().__init__("assignments", "actions", "promises", "disputes", "legal",
                         "submissions")

    @property
    def assignments(self) -> list[Assignment]:
        return list(self.committed["assignments"].values())

    def add_assignment(self, assignment: Assignment) -> Assignment:
        if self.open_assignment(assignment.customer_id) is not None:
            raise CollectionChanged(f"assignment of {assignment.customer_id}")
        return self._add("assignments", assignment)  # type: ignore[no-any-return]

    def save_assignment(self, assignment: Assignment) -> Assignment:
        other = self.open_assignment(assignment.customer_id)
        if assignment.status.is_open and other is not None and other.id != assignment.id:
            raise CollectionChanged(f"assignment of {assignment.customer_id}")
        return self._save("assignments", assignment)  # type: ignore[no-any-return]

    def open_assignment(self, customer_id: str) -> Assignment | None:
        return next((a for a in self._work["assignments"].values()
                     if a.customer_id == customer_id and a.status.is_open), None)

    def open_assignments(self, collector: str | None = None,
                         customer_ids: Sequence[str] | None = None) -> list[Assignment]:
        return sorted((a for a in self._work["assignments"].values() if a.status.is_open
                       and (collector is None or a.collector == collector)
                       and (customer_ids is None or a.customer_id in customer_ids)),
                      key=lambda a: a.customer_id)

    def last_closed(self) -> dict[str, datetime]:
        assignments = self._work["assignments"].values()
        still_open = {a.customer_id for a in assignments if a.status.is_open}
        found: dict[str, datetime] = {}
        for a in assignments:
            if a.closed_at is not None and a.customer_id not in still_open:
                found[a.customer_id] = max(found.get(a.customer_id, a.closed_at), a.closed_at)
        return found

    def with_legal_case(self) -> set[str]:
        return {c.customer_id for c in self._work["legal"].values()}

    def add_action(self, action: CollectionAction) -> CollectionAction:
        return self._add("actions", action, versioned=False)  # type: ignore[no-any-return]

    def actions(self, customer_id: str, limit: int = 50) -> list[CollectionAction]:
        return sorted((a for a in self._work["actions"].values()
                       if a.customer_id == customer_id),
                      key=lambda a: (a.at, a.id), reverse=True)[:limit]

    def action_count(self, customer_id: str) -> int:
        return sum(a.customer_id == customer_id for a in self._work["actions"].values())

    def add_promise(self, promise: Promise) -> Promise:
        return self._add("promises", promise)  # type: ignore[no-any-return]

    def save_promise(self, promise: Promise) -> Promise:
        return self._save("promises", promise)  # type: ignore[no-any-return]

    def promises(self, customer_id: str) -> list[Promise]:
        return sorted((p for p in self._work["promises"].values()
                       if p.customer_id == customer_id),
                      key=lambda p: (p.made_at, p.id), reverse=True)

    def promises_due(self, on_or_before: date) -> list[Promise]:
        return sorted((p for p in self._work["promises"].values()
                       if p.state is PromiseState.OPEN and p.due_on <= on_or_before),
                      key=lambda p: (p.due_on, p.id))

    def add_dispute(self, dispute: Dispute) -> Dispute:
        return self._add("disputes", dispute)  # type: ignore[no-any-return]

    def save_dispute(self, dispute: Dispute) -> Dispute:
        return self._save("disputes", dispute)  # type: ignore[no-any-return]

    def disputes(self, customer_id: str) -> list[Dispute]:
        return sorted((d for d in self._work["disputes"].values()
                       if d.customer_id == customer_id),
                      key=lambda d: (d.opened_at, d.id), reverse=True)

    def open_disputes(self, customer_ids: Sequence[str] | None = None) -> list[Dispute]:
        return sorted((d for d in self._work["disputes"].values() if d.is_open
                       and (customer_ids is None or d.customer_id in customer_ids)),
                      key=lambda d: (d.opened_at, d.id))

    def add_legal_case(self, case: LegalCase) -> LegalCase:
        return self._add("legal", case)  # type: ignore[no-any-return]

    def save_legal_case(self, case: LegalCase) -> LegalCase:
        return self._save("legal", case)  # type: ignore[no-any-return]

    def legal_cases(self, customer_id: str) -> list[LegalCase]:
        return sorted((c for c in self._work["legal"].values()
                       if c.customer_id == customer_id),
                      key=lambda c: (c.opened_at, c.id), reverse=True)

    def claim_submission(self, key: str, at: datetime) -> bool:
        claims: dict[Any, Any] = self._work["submissions"]
        if key in claims:
            return False
        claims[key] = at
        self.wrote = True
        return True

class FakeMeetingStore(StagedTables):
    """Meetings in memory (``uow.meetings``), staged until commit, with storage's
    version checks and one answer per meeting and person."""

    changed = MeetingChanged

    def __init__(self) -> None:
        super().__init__("meetings", "responses", "minutes", "tasks")

    @property
    def meetings(self) -> list[Meeting]:
        return sorted(self.committed["meetings"].values(), key=lambda m: m.id)

    @property
    def tasks(self) -> list[Task]:
        return sorted(self.committed["tasks"].values(), key=lambda t: t.id)

    def add_meeting(self, meeting: Meeting) -> Meeting:
        return self._add("meetings", meeting)  # type: ignore[no-any-return]

    def save_meeting(self, meeting: Meeting) -> Meeting:
        return self._save("meetings", meeting)  # type: ignore[no-any-return]

    def get_meeting(self, meeting_id: int) -> Meeting | None:
        return self._work["meetings"].get(meeting_id)  # type: ignore[no-any-return]

    def lock_meeting(self, meeting_id: int) -> Meeting | None:
        return self.get_meeting(meeting_id)

    def meetings_between(self, start: datetime, end: datetime) -> list[Meeting]:
        return sorted((m for m in self._work["meetings"].values()
                       if m.state is MeetingState.SCHEDULED
                       and m.starts_at < end and m.ends_at > start),
                      key=lambda m: (m.starts_at, m.id))

    def recurring_series(self, start: datetime, end: datetime) -> list[int]:
        return sorted({m.series for m in self._work["meetings"].values()
                       if m.recurrence is not Recurrence.NONE
                       and start <= m.starts_at < end})

    def series(self, series_id: int) -> list[Meeting]:
        return sorted((m for m in self._work["meetings"].values()
                       if m.id == series_id or m.series_id == series_id),
                      key=lambda m: (m.starts_at, m.id))

    def set_response(self, response: Response) -> Response:
        self._work["responses"][(response.meeting_id, response.user_id)] = response
        self.wrote = True
        return response

    def responses(self, meeting_id: int) -> list[Response]:
        return sorted((r for r in self._work["responses"].values()
                       if r.meeting_id == meeting_id), key=lambda r: r.user_id)

    def clear_responses(self, meeting_id: int, keep: Sequence[str] = ()) -> None:
        responses = self._work["responses"]
        for key in [k for k, r in responses.items()
                    if r.meeting_id == meeting_id and r.user_id not in keep]:
            del responses[key]
        self.wrote = True

    def lock_calendar(self) -> None:
        self.calendar_locks = getattr(self, "calendar_locks", 0) + 1

    def add_minutes(self, minutes: Minutes) -> Minutes:
        return self._add("minutes", minutes, versioned=False)  # type: ignore[no-any-return]

    def minutes_of(self, meeting_id: int) -> list[Minutes]:
        return sorted((m for m in self._work["minutes"].values()
                       if m.meeting_id == meeting_id), key=lambda m: (m.recorded_at, m.id))

    def add_task(self, task: Task) -> Task:
        return self._add("tasks", task)  # type: ignore[no-any-return]

    def save_task(self, task: Task) -> Task:
        return self._save("tasks", task)  # type: ignore[no-any-return]

    def get_task(self, task_id: int) -> Task | None:
        return self._work["tasks"].get(task_id)  # type: ignore[no-any-return]

    def open_tasks(self, owner: str | None = None, due_by: date | None = None,
                   customer_ids: Sequence[str] | None = None) -> list[Task]:
        return sorted((t for t in self._work["tasks"].values()
                       if t.state is TaskState.OPEN
                       and (owner is None or t.owner == owner)
                       and (due_by is None or t.due_on <= due_by)
                       and (customer_ids is None or t.customer_id in customer_ids)),
                      key=lambda t: (t.due_on, t.id))

    def tasks_of(self, meeting_id: int) -> list[Task]:
        return sorted((t for t in self._work["tasks"].values()
                       if t.meeting_id == meeting_id), key=lambda t: t.id)

class FakeUnitOfWork:
    def __init__(self, customers: Sequence[Customer], invoices: Sequence[Invoice] = (),
                 orders: Sequence[Order] = (), rates: dict[str, Decimal] | None = None) -> None:
        self.customers = FakeCustomers(customers)
        self.receivables = FakeReceivables(invoices, orders)
        self.rates = FakeRates(rates or {})
        self.audit = FakeAudit()
        self.events = FakeEvents()
        self.outbox = FakeOutbox()
        self.alerts = FakeAlertStore()
        self.credit_requests = FakeCreditRequestStore(orders)
        self.credit_requests.customers = self.customers
        self.orders = FakeOrderStore(orders)
        self.receivables.order_checks = self.orders
        self.collections = FakeCollectionStore()
        self.meetings = FakeMeetingStore()
        self.writing = False
        self.commits = 0

    def __call__(self) -> Self:
        """The unit of work is its own factory: use cases open it once per call."""
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.rollback()

    def begin_write(self) -> None:
        self.writing = True

    def commit(self) -> None:
        self.outbox.commit()
        self.alerts.commit()
        self.credit_requests.commit()
        self.orders.commit()
        self.collections.commit()
        self.meetings.commit()
        self.audit.entries.extend(self.audit.staged)
        self.events.recorded.extend(self.events.staged)
        self.rollback()
        self.commits += 1

    def rollback(self) -> None:
        self.outbox.rollback()
        self.alerts.rollback()
        self.credit_requests.rollback()
        self.orders.rollback()
        self.collections.rollback()
        self.meetings.rollback()
        self.audit.staged.clear()
        self.events.staged.clear()
