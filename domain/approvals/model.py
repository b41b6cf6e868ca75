"""A credit request, the decisions on it, delegations and the limit changes approval
makes. A request is a snapshot taken when it is filed (the limit then, the amount the
policy measured, the route of levels): a policy change later does not move a request
already in flight, and the record shows what the deciders saw."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from domain.days import end_of_day
from domain.model import SYSTEM
from domain.money import Money
from domain.text import N_, CompanyName


class RequestKind(StrEnum):
    LIMIT_INCREASE = "limit_increase"     # a permanent higher limit
    TEMPORARY_LIMIT = "temporary_limit"   # a higher limit up to and including a day
    FIRST_LIMIT = "first_limit"           # a customer without a limit yet
    ORDER_RELEASE = "order_release"       # ship a held order anyway
    TERMS_CHANGE = "terms_change"         # new payment terms, in days


LIMIT_KINDS = frozenset({RequestKind.LIMIT_INCREASE, RequestKind.TEMPORARY_LIMIT,
                         RequestKind.FIRST_LIMIT})

KIND_TITLES: dict[RequestKind, str] = {
    RequestKind.LIMIT_INCREASE: N_("limit increase"),
    RequestKind.TEMPORARY_LIMIT: N_("temporary limit"),
    RequestKind.FIRST_LIMIT: N_("first limit"),
    RequestKind.ORDER_RELEASE: N_("order release"),
    RequestKind.TERMS_CHANGE: N_("payment terms change"),
}


class RequestState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # A temporary limit whose last day passed before it was decided: nothing left to grant.
    EXPIRED = "expired"


class Withdrawn(StrEnum):
    """Why creditbot closed an order-release request on its own (``closed_note``)."""

    # The order passes the rules now and was released: nothing left to decide.
    RELEASED = "released"
    # The ERP changed the order since the request was filed (a larger amount, another
    # currency or customer): approving would release an order nobody asked about.
    ORDER_CHANGED = "order_changed"


class Outcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Basis(StrEnum):
    """What a limit request's amount bands are compared with."""

    INCREASE = "increase"   # the new limit minus the current one
    TOTAL = "total"         # the new limit itself


@dataclass(frozen=True)
class AskedIn:
    """A limit asked for in another currency than the limit's, as it was typed
    (``+€100k`` on a USD limit): the approvers decide on the converted amount and see
    this beside it. ``increase``: typed as an increase (``+``), not a new total;
    ``rate``: what one unit of its currency was worth in the limit's that day (to 12
    places, as stored)."""

    amount: Money
    increase: bool
    rate: Decimal


@dataclass(frozen=True)
class Level:
    """One step of a route: who decides it and how long they have. After the deadline
    the holders of ``escalate_to`` (when set) may decide it too. ``post_to``: the
    department whose channel gets the level's card; ``None`` sends it to each holder of
    the role by direct message."""

    role: str
    deadline_hours: int
    escalate_to: str | None = None
    post_to: str | None = None


@dataclass(frozen=True)
class CreditRequest:
    """A request as filed, and where it stands.

    Amounts: ``current_limit`` is the customer's effective limit when filed (the ERP's,
    or the one creditbot approved since); ``new_limit`` the limit asked for, always the
    new total in the customer's limit currency, and ``increase`` its difference to
    ``current_limit``. ``measured`` is what the policy compared with its bands, in the
    base currency. ``level`` is the level deciding now (1-based), or the last one that
    decided once the request is closed; ``level_since`` when it started waiting and
    ``level_deadline`` when its time is up (worked out then, by the policy's clock, so a
    change of app.yaml moves no deadline in flight; None on requests filed before it was
    kept). ``asked_in``: the limit as typed when it was in another currency.
    ``order_reference``: the rep's own reference of the order to release, when it was
    placed through ``/credit order`` with one."""

    kind: RequestKind
    customer_id: str
    customer_name: str
    requested_by: str
    filed_at: datetime
    reason: str
    measured: Money
    route: tuple[Level, ...]
    current_limit: Money | None = None
    new_limit: Money | None = None
    increase: Money | None = None
    expires_on: date | None = None
    order_id: str | None = None
    order_reference: str | None = None
    order_amount: Money | None = None
    current_terms_days: int | None = None
    terms_days: int | None = None
    asked_in: AskedIn | None = None
    # The limit the requester asked for, once a level approved less: ``new_limit`` is then
    # the lower one the later levels decide on (``Decision.limit``); None until then.
    asked_limit: Money | None = None
    state: RequestState = RequestState.OPEN
    level: int = 1
    level_since: datetime | None = None
    level_deadline: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    # Set when creditbot withdrew the request (``Withdrawn``); None otherwise, and on
    # requests it withdrew before the reason was kept (all released by a re-check).
    closed_note: Withdrawn | None = None
    # The customer's name in the local script (Customer.name_local), for its readers.
    customer_name_local: str | None = None
    id: int = 0
    version: int = 0

    @property
    def is_open(self) -> bool:
        return self.state is RequestState.OPEN

    @property
    def customer_names(self) -> CompanyName:
        """The customer's names as kept with the request, for a message."""
        return CompanyName(self.customer_name, self.customer_name_local)

    @property
    def withdrawn(self) -> Withdrawn | None:
        """Why creditbot withdrew it, when it did: those it withdrew before the reason was
        kept (``closed_note`` None, closed by creditbot) were all released by a re-check."""
        if self.state is not RequestState.CANCELLED:
            return None
        if self.closed_note is not None:
            return self.closed_note
        return Withdrawn.RELEASED if self.closed_by == SYSTEM else None

    @property
    def current(self) -> Level:
        return self.route[self.level - 1]

    @property
    def is_last_level(self) -> bool:
        return self.level == len(self.route)

    def past_last_day(self, now: datetime, zone: tzinfo) -> bool:
        """An undecided temporary limit whose last day is over: expired, though the
        approvals job closes it only at its next run in working time (its buttons refuse
        it already)."""
        expires = self.expires_at(zone)
        return self.is_open and expires is not None and now >= expires

    def expires_at(self, zone: tzinfo) -> datetime | None:
        """When an undecided temporary limit expires: the end of its last day in
        ``zone`` (the organisation's). None for the other kinds."""
        if self.kind is not RequestKind.TEMPORARY_LIMIT or self.expires_on is None:
            return None
        return end_of_day(self.expires_on, zone)

    def deadline(self) -> datetime:
        """When the current level's time is up."""
        if self.level_deadline is not None:
            return self.level_deadline
        since = self.level_since or self.filed_at
        return since + timedelta(hours=self.current.deadline_hours)

    def deciding_roles(self, now: datetime) -> list[str]:
        """The roles whose holders may decide the current level at ``now``: its own,
        and once its deadline passed its ``escalate_to``."""
        level = self.current
        if level.escalate_to and now >= self.deadline():
            return [level.role, level.escalate_to]
        return [level.role]

    @property
    def open_key(self) -> str:
        """What at most one open request may be about: a customer's limit (whatever the
        limit kind), one order, a customer's terms. Filing twice (a modal submitted
        twice, a request made again under another kind) finds the first one."""
        if self.kind in LIMIT_KINDS:
            return _subject_key(self.customer_id, "limit")
        if self.kind is RequestKind.ORDER_RELEASE:
            return release_key(self.customer_id, self.order_id or "")
        return _subject_key(self.customer_id, "terms")


def _subject_key(customer_id: str, subject: str) -> str:
    # The customer id's length first: ERP ids may hold ":", and customer "C1:order:9"'s
    # limit was C1's order "9:limit" ("C1:order:9:limit" both), its release refused as
    # asked for already. Migration 0036 rewrote the open requests' keys so.
    return f"{len(customer_id)}:{customer_id}:{subject}"


def release_key(customer_id: str, order_id: str) -> str:
    """``CreditRequest.open_key`` of the release of one order."""
    return _subject_key(customer_id, f"order:{order_id}")


@dataclass(frozen=True)
class Decision:
    """One level decided. ``on_behalf_of`` is the role holder a delegate stood in for;
    ``escalated``: the decider's right (or their delegator's) came from the level's
    ``escalate_to`` role once its deadline passed, not from the level's own role."""

    request_id: int
    level: int
    role: str
    outcome: Outcome
    decided_by: str
    decided_at: datetime
    comment: str | None = None
    on_behalf_of: str | None = None
    escalated: bool = False
    # The lower limit the level approved instead of the one asked for, which the levels
    # after it decide on (``CreditRequest.new_limit`` is lowered to it); None: as asked.
    limit: Money | None = None

    def involves(self, user_id: str) -> bool:
        return user_id in (self.decided_by, self.on_behalf_of)


@dataclass(frozen=True)
class Question:
    """A decider of ``level`` asked the requester for information (Ask for info). The
    requester answers with the button under the question's direct message (or in the
    card's thread); an answer given with the button is kept beside it, and both stay in
    the request's history."""

    request_id: int
    level: int
    asked_by: str
    asked_at: datetime
    text: str
    # The holder a stand-in asked for, as a decision says whom it was made for.
    on_behalf_of: str | None = None
    id: int = 0
    answer: str | None = None
    answered_at: datetime | None = None


@dataclass(frozen=True)
class Delegation:
    """``delegator`` hands their approvals to ``delegate`` from ``starts_on`` through
    ``until`` (days in the organisation's time zone, both included). Not transitive: a
    delegate decides with the delegator's roles, never with roles delegated to them."""

    delegator: str
    delegate: str
    starts_on: date
    until: date
    created_at: datetime
    ended_at: datetime | None = None
    id: int = 0

    def active_on(self, day: date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.until


class StandIn(NamedTuple):
    """``delegate`` stands in for ``delegator``, a holder of some role: today when
    ``active``, else once did (their cards of a level are still edited with it)."""

    delegate: str
    delegator: str
    active: bool = True


class ChangeKind(StrEnum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"


@dataclass(frozen=True)
class TermsChange:
    """Payment terms creditbot approved. Like a ``LimitChange`` it stands while the ERP
    still exports the terms it replaced (``previous``): until the ERP has them keyed in,
    or moves to others."""

    customer_id: str
    terms_days: int
    previous: int
    effective_at: datetime
    approved_by: str
    request_id: int


@dataclass(frozen=True)
class LimitChange:
    """A limit creditbot approved, in its own table (an ERP import never touches it).
    A temporary one applies through ``expires_on``; the limit before it returns after.

    ``previous`` is the ERP's limit when it was approved: the change stands only while
    the ERP still exports that limit (``stands_on``). Once the ERP exports another, a
    decision was keyed into the ERP after ours, and the ERP's limit is the record again
    (raised or lowered: creditbot does not hold a limit the ERP has since moved)."""

    customer_id: str
    kind: ChangeKind
    limit: Money
    previous: Money | None
    effective_at: datetime
    approved_by: str
    request_id: int
    expires_on: date | None = None
    id: int = 0
    # When a customers import first exported another limit than ``previous``: the ERP's
    # is the record from then on, even if it exports ``previous`` again later.
    overtaken_at: datetime | None = None


def stands_on(change: LimitChange, erp_limit: Money) -> bool:
    """Whether ``change`` still replaces the ERP's limit (see ``LimitChange``)."""
    return change.overtaken_at is None and (change.previous is None
                                            or change.previous == erp_limit)


def effective_limit(changes: Sequence[LimitChange], day: date) -> LimitChange | None:
    """The change in force on ``day`` (today, in the organisation's time zone). A
    change takes effect the moment it is approved, so this answers for today and later,
    not for days before the changes. The permanent limit is the latest permanent
    change; a temporary one whose last day is not past runs on top of it through that
    day while it is higher (the latest such, when several were approved), then the
    permanent limit (or the ERP's, when there is none) applies again. A permanent raise
    approved while a temporary limit runs thus replaces it once it is at least as high,
    and never cuts a higher temporary limit short."""
    ordered = sorted(changes, key=lambda c: (c.effective_at, c.id))
    permanent = next((c for c in reversed(ordered) if c.expires_on is None), None)
    temporary = next((c for c in reversed(ordered)
                      if c.expires_on is not None and day <= c.expires_on), None)
    if temporary is None:
        return permanent
    if permanent is None or permanent.limit.currency != temporary.limit.currency:
        return temporary if permanent is None or temporary.effective_at > \
            permanent.effective_at else permanent
    return temporary if temporary.limit.amount > permanent.limit.amount else permanent


def waits_until(limit: Money, running: LimitChange | None) -> date | None:
    """The day a permanent ``limit`` approved while ``running`` was in force takes over:
    the day after the last of a higher temporary limit, which it does not cut short
    (``effective_limit``); None when it applies at once."""
    if running is None or running.expires_on is None or \
            running.limit.currency != limit.currency or running.limit.amount <= limit.amount:
        return None
    return running.expires_on + timedelta(days=1)


def _earlier(change: LimitChange, changes: Sequence[LimitChange]) -> list[LimitChange]:
    """The changes approved before ``change`` that stood on the same ERP limit when it was
    approved: an import that overtook them since does not change what it replaced (the
    history's lines read otherwise after each import)."""
    return [c for c in changes if (c.effective_at, c.id) < (change.effective_at, change.id)
            and change.previous is not None
            and (c.overtaken_at is None or c.overtaken_at > change.effective_at)
            and (c.previous is None or c.previous == change.previous)]


def limit_before(change: LimitChange, changes: Sequence[LimitChange], day: date
                 ) -> Money | None:
    """The limit ``change`` replaced, approved on ``day``: for a temporary one, the limit
    in force then; for a permanent one, the permanent limit it raised or lowered (a
    temporary limit running then is not what it changed: it ends on its day). Else the
    ERP's limit it stood on (``change.previous``)."""
    earlier = _earlier(change, changes)
    if change.kind is ChangeKind.PERMANENT:
        earlier = [c for c in earlier if c.kind is ChangeKind.PERMANENT]
    found = effective_limit(earlier, day)
    return found.limit if found is not None else change.previous


def applies_from(change: LimitChange, changes: Sequence[LimitChange], day: date
                 ) -> date | None:
    """The day a permanent ``change`` approved on ``day`` took over from a higher
    temporary limit running then (``waits_until``); None when it applied at once."""
    if change.kind is not ChangeKind.PERMANENT:
        return None
    return waits_until(change.limit, effective_limit(_earlier(change, changes), day))


@dataclass(frozen=True)
class RequestRecord:
    """A request with its decisions so far, in level order: what lists and history show."""

    request: CreditRequest
    decisions: tuple[Decision, ...] = field(default_factory=tuple)
    # Read for the history only (``CreditRequests.history``); lists and cards leave it empty.
    questions: tuple[Question, ...] = field(default_factory=tuple)

