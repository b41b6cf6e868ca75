"""A meeting's agenda, built from the data when the invitation goes out and again for
each reminder: what the meeting's kind puts before the people in the room.

Credit committee: pending approvals, the largest exposures above their limit, accounts
in the last aging bucket (90+ days), contracts ending within the notice period. Reviews
due are not on it: customers carry no review date (``domain.model.Customer``), so there
is nothing to read them from. Collection review: promises found broken lately, the
largest overdue balances of the assigned accounts (grouped by collector), open disputes,
oldest first. Customer review (and any meeting naming customers): each customer's
position, open requests, collector and latest collection actions.

Every topic is capped (``AgendaSettings.cap``); what the cap leaves out is counted
(``Agenda.more_of``) so the reader sees "and N more".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from domain.collections.model import Assignment, PromiseState
from domain.errors import MissingRate
from domain.fx import FxRates
from domain.meetings.model import Meeting, MeetingKind
from domain.money import Money
from domain.ports import UnitOfWork
from domain.positions import (
    CreditPolicyContext,
    PortfolioEntry,
    customer_position,
    portfolio_positions,
)


class Topic(StrEnum):
    """An agenda section; the meeting's kind decides which come, in this order."""

    PENDING_APPROVALS = "pending_approvals"
    OVER_LIMIT = "over_limit"
    OVERDUE_90 = "overdue_90"
    CONTRACTS_EXPIRING = "contracts_expiring"
    REVIEWS_DUE = "reviews_due"
    BROKEN_PROMISES = "broken_promises"
    OVERDUE_BY_COLLECTOR = "overdue_by_collector"
    OPEN_DISPUTES = "open_disputes"
    CUSTOMER = "customer"  # a customer review's customer: card, history, requests


@dataclass(frozen=True)
class AgendaItem:
    """One line: about a customer (linked to its card) or a person (a collector), with
    the figure that put it on the agenda and what it refers to (a request id, a
    dispute id…) so a renderer can link it."""

    topic: Topic
    customer_id: str | None
    label: str               # the customer's or person's name as shown (not escaped)
    amount: Money | None = None
    days: int | None = None  # days overdue, days until expiry, age of a dispute…
    ref: str | None = None   # e.g. "request:42", "dispute:7", "contract:K-1"
    detail: str = ""         # plain text (ERP data: escaped by the renderer)
    # The limit an over-limit exposure is compared with (same currency as ``amount``).
    limit: Money | None = None
    # A Slack user id the line names: the collector, a dispute's owner, a requester.
    person: str | None = None
    # The customer's legal name in the local script, when the ERP has one (a Chinese
    # reader's name for it).
    label_local: str | None = None


# ``ref`` prefixes of a customer review's lines.
POSITION = "position"
REQUEST = "request"
ASSIGNMENT = "assignment"
ACTION = "action"


@dataclass(frozen=True)
class Agenda:
    built_at: datetime
    items: tuple[AgendaItem, ...] = ()
    # Per topic, how many lines the cap left out.
    more: tuple[tuple[Topic, int], ...] = ()
    # Money is overdue and no account it is on has a collector: "nothing to discuss"
    # under the overdue balances by collector read as nothing overdue.
    nobody_collects: bool = False

    def of(self, topic: Topic) -> tuple[AgendaItem, ...]:
        return tuple(i for i in self.items if i.topic is topic)

    def more_of(self, topic: Topic) -> int:
        return next((n for t, n in self.more if t is topic), 0)

    @property
    def topics(self) -> tuple[Topic, ...]:
        """The topics with something on them, in agenda order."""
        return tuple(dict.fromkeys(i.topic for i in self.items))


@dataclass(frozen=True)
class AgendaSettings:
    cap: int = 10                 # lines per topic (per customer for a customer review)
    contract_notice_days: int = 30  # app.yaml alerts' notice period
    broken_within_days: int = 30  # a promise broken longer ago is old news
    actions_per_customer: int = 3


COMMITTEE = (Topic.PENDING_APPROVALS, Topic.OVER_LIMIT, Topic.OVERDUE_90,
             Topic.CONTRACTS_EXPIRING)
COLLECTION = (Topic.BROKEN_PROMISES, Topic.OVERDUE_BY_COLLECTOR, Topic.OPEN_DISPUTES)


def topics_of(kind: MeetingKind) -> tuple[Topic, ...]:
    if kind is MeetingKind.CREDIT_COMMITTEE:
        return COMMITTEE
    if kind is MeetingKind.COLLECTION_REVIEW:
        return COLLECTION
    return ()


def build_agenda(uow: UnitOfWork, meeting: Meeting, policy: CreditPolicyContext,
                 now: datetime, zone: tzinfo, settings: AgendaSettings | None = None
                 ) -> Agenda:
    """The agenda of ``meeting`` from the data as it is ``now`` (invitations build it,
    each reminder rebuilds it). The day is ``now``'s in the organisation's ``zone``, as
    for ``/credit check`` and the alerts: aging turns over at its midnight, not at the
    meeting's (an organiser in Paris saw no 90+ account at 21:00 that Shanghai's day
    already had), and days waiting or since are counted in its calendar days."""
    settings = settings or AgendaSettings()
    as_of = now.astimezone(zone).date()
    topics = topics_of(meeting.kind)
    items: list[AgendaItem] = []
    more: list[tuple[Topic, int]] = []
    nobody_collects = False

    def add(topic: Topic, found: Sequence[AgendaItem]) -> None:
        items.extend(found[:settings.cap])
        if len(found) > settings.cap:
            more.append((topic, len(found) - settings.cap))

    entries: list[PortfolioEntry] | None = None
    if {Topic.OVER_LIMIT, Topic.OVERDUE_90, Topic.OVERDUE_BY_COLLECTOR} & set(topics):
        entries = portfolio_positions(uow, as_of, policy)
    fx = FxRates.on_record(uow.rates, policy.base_currency, as_of)
    names = {c.customer_id: c.name for c in uow.customers.fetch()} if topics else {}
    for topic in topics:
        if topic is Topic.PENDING_APPROVALS:
            add(topic, pending_approvals(uow, as_of, zone))
        elif topic is Topic.OVER_LIMIT:
            add(topic, over_limit(entries or []))
        elif topic is Topic.OVERDUE_90:
            add(topic, overdue_last_bucket(entries or [], fx))
        elif topic is Topic.CONTRACTS_EXPIRING:
            add(topic, contracts_expiring(uow, as_of, settings.contract_notice_days, names))
        elif topic is Topic.BROKEN_PROMISES:
            add(topic, broken_promises(uow, now, as_of, settings.broken_within_days, names))
        elif topic is Topic.OVERDUE_BY_COLLECTOR:
            found = overdue_by_collector(uow.collections.open_assignments(), entries or [],
                                         settings.cap)
            nobody_collects = not found and any(
                e.in_base is not None and e.in_base.overdue.amount > 0 for e in entries or [])
            add(topic, found)
        elif topic is Topic.OPEN_DISPUTES:
            add(topic, open_disputes(uow, as_of, zone, names))
    for customer_id in meeting.customers:
        found = customer_lines(uow, customer_id, as_of, zone, policy, settings)
        items.extend(found)
    return Agenda(built_at=now, items=_with_local_names(uow, items), more=tuple(more),
                  nobody_collects=nobody_collects)


def _with_local_names(uow: UnitOfWork, items: Sequence[AgendaItem]
                      ) -> tuple[AgendaItem, ...]:
    """Each customer's line with its local-script name beside the ERP's (a few dozen
    lines: a look-up each)."""
    local: dict[str, str] = {}
    for cid in {i.customer_id for i in items if i.customer_id}:
        customer = uow.customers.get(cid)
        if customer is not None and customer.name_local:
            local[cid] = customer.name_local
    return tuple(replace(i, label_local=local[i.customer_id])
                 if i.customer_id in local else i for i in items)


def _base(amount: Money, fx: FxRates) -> Money | None:
    try:
        return Money(amount.amount * fx.factor(amount.currency, fx.base), fx.base)
    except MissingRate:
        return None


def pending_approvals(uow: UnitOfWork, as_of: date, zone: tzinfo) -> list[AgendaItem]:
    """Open requests, the longest waiting first."""
    found = sorted(uow.credit_requests.open_requests(), key=lambda r: (r.filed_at, r.id))
    return [AgendaItem(Topic.PENDING_APPROVALS, r.customer_id, r.customer_name,
                       amount=r.new_limit if r.new_limit is not None else r.order_amount,
                       days=(as_of - r.filed_at.astimezone(zone).date()).days,
                       ref=f"{REQUEST}:{r.id}",
                       detail=r.kind.value, person=r.requested_by) for r in found]


def over_limit(entries: Iterable[PortfolioEntry]) -> list[AgendaItem]:
    """Exposure above the limit in force, largest excess (in the base currency) first,
    each said in the customer's own currency, as its card and its alerts say it (a
    €340,000.00 limit shown as $369,306.52 was recognised by nobody)."""
    found: list[tuple[Decimal, AgendaItem]] = []
    for e in entries:
        base = e.in_base
        if base is None or base.exposure.amount <= base.limit.amount:
            continue
        own = e.position
        shown = (own.exposure, own.limit) if own is not None else (base.exposure, base.limit)
        found.append((base.exposure.amount - base.limit.amount, AgendaItem(
            Topic.OVER_LIMIT, e.customer.customer_id, e.customer.name,
            amount=shown[0].rounded(), limit=shown[1].rounded())))
    found.sort(key=lambda pair: (-pair[0], pair[1].customer_id or ""))
    return [item for _, item in found]


def overdue_last_bucket(entries: Iterable[PortfolioEntry], fx: FxRates) -> list[AgendaItem]:
    """What sits in the last aging bucket (90+ days with the default buckets), largest
    (in the base currency) first, each in the customer's own currency."""
    found: list[tuple[Decimal, AgendaItem]] = []
    for e in entries:
        if e.position is None or not e.position.aging.amounts:
            continue
        last = e.position.aging.amounts[-1]
        if last.amount <= 0:
            continue
        base = _base(last, fx) or last
        found.append((base.amount, AgendaItem(
            Topic.OVERDUE_90, e.customer.customer_id, e.customer.name,
            amount=last.rounded(), days=e.position.aging.oldest_overdue_days,
            detail=e.position.aging.labels[-1])))
    found.sort(key=lambda pair: (-pair[0], pair[1].customer_id or ""))
    return [item for _, item in found]


def contracts_expiring(uow: UnitOfWork, as_of: date, notice_days: int,
                       names: dict[str, str]) -> list[AgendaItem]:
    """Contracts ending within the notice period, the soonest first."""
    found = sorted(uow.alerts.contracts_ending(as_of, as_of + timedelta(days=notice_days)),
                   key=lambda c: (c.end_date, c.contract_id))
    return [AgendaItem(Topic.CONTRACTS_EXPIRING, c.customer_id,
                       names.get(c.customer_id, c.customer_id), amount=c.credit_limit,
                       days=(c.end_date - as_of).days, ref=f"contract:{c.contract_id}",
                       detail=c.contract_id) for c in found]


def broken_promises(uow: UnitOfWork, now: datetime, as_of: date, within_days: int,
                    names: dict[str, str]) -> list[AgendaItem]:
    """Promises of the accounts being collected found broken in the last
    ``within_days``, the latest first."""
    since = now - timedelta(days=within_days)
    found = []
    for assignment in uow.collections.open_assignments():
        for promise in uow.collections.promises(assignment.customer_id):
            if promise.state is PromiseState.BROKEN and promise.checked_at is not None \
                    and promise.checked_at >= since:
                found.append((promise, assignment.collector))
    found.sort(key=lambda pair: (-pair[0].due_on.toordinal(), pair[0].id))
    return [AgendaItem(Topic.BROKEN_PROMISES, p.customer_id,
                       names.get(p.customer_id, p.customer_id), amount=p.amount,
                       days=(as_of - p.due_on).days, ref=f"promise:{p.id}",
                       person=collector) for p, collector in found]


def overdue_by_collector(assignments: Iterable[Assignment], entries: Iterable[PortfolioEntry],
                         cap: int) -> list[AgendaItem]:
    """The assigned accounts' overdue balances, each in the customer's own currency:
    collectors with the most overdue (in the base currency) first, each one's largest
    accounts first, within the ``cap`` lines shown, which every collector shares."""
    by_customer = {e.customer.customer_id: e for e in entries}
    books: dict[str, list[tuple[Decimal, AgendaItem]]] = defaultdict(list)
    for assignment in assignments:
        entry = by_customer.get(assignment.customer_id)
        if entry is None or entry.in_base is None or entry.in_base.overdue.amount <= 0:
            continue
        own = entry.position.aging.overdue if entry.position else entry.in_base.overdue
        books[assignment.collector].append((entry.in_base.overdue.amount, AgendaItem(
            Topic.OVERDUE_BY_COLLECTOR, entry.customer.customer_id, entry.customer.name,
            amount=own.rounded(),
            days=entry.position.aging.oldest_overdue_days if entry.position else None,
            person=assignment.collector, detail=assignment.status.value)))
    for book in books.values():
        book.sort(key=lambda pair: (-pair[0], pair[1].customer_id or ""))
    order = sorted(books, key=lambda who: (-sum((base for base, _ in books[who]),
                                                Decimal(0)), who))
    # The first ``cap`` lines are what the agenda shows: shared out a line at a time, in
    # turn, so that every collector is before the meeting (the first collector's
    # twenty accounts filled all ten lines of a two-collector review), then grouped.
    shown = {who: 0 for who in order}
    room = cap
    while room > 0 and any(shown[who] < len(books[who]) for who in order):
        for who in order:
            if room and shown[who] < len(books[who]):
                shown[who] += 1
                room -= 1
    return ([item for who in order for _, item in books[who][:shown[who]]]
            + [item for who in order for _, item in books[who][shown[who]:]])


def open_disputes(uow: UnitOfWork, as_of: date, zone: tzinfo, names: dict[str, str]
                  ) -> list[AgendaItem]:
    """Disputes not resolved, the oldest first."""
    found = sorted(uow.collections.open_disputes(), key=lambda d: (d.opened_at, d.id))
    return [AgendaItem(Topic.OPEN_DISPUTES, d.customer_id,
                       names.get(d.customer_id, d.customer_id),
                       days=(as_of - d.opened_at.astimezone(zone).date()).days,
                       ref=f"dispute:{d.id}",
                       detail=d.reason, person=d.owner) for d in found]


def customer_lines(uow: UnitOfWork, customer_id: str, as_of: date, zone: tzinfo,
                   policy: CreditPolicyContext, settings: AgendaSettings
                   ) -> list[AgendaItem]:
    """A customer put before the meeting: its position, open requests, collector and
    latest collection actions. A customer the ERP no longer has is said to be gone."""
    customer = uow.customers.get(customer_id)
    if customer is None:
        return [AgendaItem(Topic.CUSTOMER, customer_id, customer_id, ref=POSITION,
                           detail="missing")]
    try:
        _, position = customer_position(uow, customer_id, as_of, policy)
    except MissingRate:
        position = None
    lines = [AgendaItem(Topic.CUSTOMER, customer_id, customer.name, ref=POSITION,
                        amount=position.exposure if position else None,
                        limit=position.limit if position else None,
                        days=position.aging.oldest_overdue_days if position else None)]
    requests = [r for r in uow.credit_requests.open_requests()
                if r.customer_id == customer_id][:settings.cap]
    lines.extend(AgendaItem(Topic.CUSTOMER, customer_id, customer.name,
                            ref=f"{REQUEST}:{r.id}", detail=r.kind.value,
                            amount=r.new_limit if r.new_limit is not None
                            else r.order_amount, person=r.requested_by)
                 for r in requests)
    assignment = uow.collections.open_assignment(customer_id)
    if assignment is not None:
        lines.append(AgendaItem(Topic.CUSTOMER, customer_id, customer.name,
                                ref=ASSIGNMENT, person=assignment.collector,
                                detail=assignment.status.value))
    for action in uow.collections.actions(customer_id, settings.actions_per_customer):
        lines.append(AgendaItem(Topic.CUSTOMER, customer_id, customer.name,
                                ref=f"{ACTION}:{action.id}", detail=action.outcome,
                                days=(as_of - action.at.astimezone(zone).date()).days,
                                person=action.by))
    return lines
