"""An order check and the hold it may leave: creditbot's own records, never columns an
ERP re-import overwrites."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from domain.model import HeldOrder
from domain.money import Money
from domain.text import N_, CompanyName, Listed

# How creditbot numbers the orders placed in Slack (CB-17). The ERP's order ids (the
# demo's SO-…) never start so; a rep's reference may not look so either.
ORDER_ID_PREFIX = "CB-"
_OUR_ID = re.compile(re.escape(ORDER_ID_PREFIX) + r"\d+", re.IGNORECASE)


def looks_like_our_id(text: str) -> bool:
    return _OUR_ID.fullmatch(text) is not None


# What one system writes between the parts of an order number and another writes
# differently: a rep types "PO 2026/118" for the ERP's "PO-2026-118". Compared as
# different, the order counted twice in the exposure, once as hers and once as the ERP's.
# Each is read as "-", not dropped: dropped, PO-1-23 was PO-12-3, another order.
REFERENCE_SEPARATORS = " /._#:"
_SEPARATORS = str.maketrans(dict.fromkeys(REFERENCE_SEPARATORS, "-"))


# "PO - 2026 - 118", "PO #118": several together are one, as SQL reads them
# (``storage.repositories.receivables.order_key``: runs of up to eight); "#4711" and
# "PO-118." have none before or after (SQL's ltrim and rtrim).
_RUN = re.compile("-{2,}")


def reference_key(reference: str) -> str:
    """A reference or an ERP order id as they are compared: the case of letters aside,
    and the separators between its parts read as one "-", none at its ends
    (``storage.repositories.receivables.same_order`` in SQL)."""
    return _RUN.sub("-", reference.casefold().translate(_SEPARATORS)).strip("-")


class OrderSource(StrEnum):
    SLACK = "slack"   # placed with /credit order; its id is creditbot's (CB-…)
    ERP = "erp"       # an open order of the ERP's orders import


class OrderState(StrEnum):
    PASSED = "passed"       # every rule passed when checked: OK to ship
    HELD = "held"           # a rule failed: not to ship until released
    RELEASED = "released"   # held, then released (by approval, or passing a re-check)
    # Held, and its release request rejected: it does not ship, and no longer holds the
    # customer's later orders (else one rejection would hold every order after it).
    REFUSED = "refused"
    # Taken back by the rep who placed it (a mistyped amount, a customer's cancellation):
    # it does not ship, counts in no exposure and holds no later order.
    WITHDRAWN = "withdrawn"


class Rule(StrEnum):
    """The order rules, each failure named by its code."""

    LIMIT = "limit"
    OVERDUE = "overdue"
    ON_HOLD = "on_hold"
    CONTRACT_NOT_VALID = "contract_not_valid"
    CONTRACT_LIMIT = "contract_limit"


@dataclass(frozen=True)
class OrderRules:
    """The ``orders`` section of app.yaml. ``tolerance_percent``: how far above the limit
    exposure + order may go; ``max_days_overdue``: the oldest overdue invoice allowed
    (``None``: not checked); ``on_hold``: an earlier held order of the customer holds the
    later ones; ``contracts``: the contract must be valid on the order date and within
    its own limit."""

    tolerance_percent: Decimal = Decimal(0)
    max_days_overdue: int | None = 30
    on_hold: bool = True
    contracts: bool = True


# A failed rule's figure: an amount, a day, a list (of orders), or a word or number
# already written out.
Figure = Money | date | Listed | str


@dataclass(frozen=True)
class Failure:
    """A rule that failed and its figures as they were when it was decided (a stored hold
    shows what was decided on). Amounts and days stay typed, so each reader sees them
    written the way their language writes them."""

    rule: Rule
    figures: Mapping[str, Figure] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"rule": self.rule.value,
                "figures": {key: _figure_json(value) for key, value in self.figures.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Failure:
        figures = data.get("figures")
        return cls(Rule(str(data["rule"])),
                   {str(k): _figure(v) for k, v in figures.items()}
                   if isinstance(figures, dict) else {})


def _figure_json(value: Figure) -> object:
    if isinstance(value, Money):
        return {"amount": str(value.amount), "currency": value.currency}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Listed):
        return {"list": list(value)}
    return value


def _figure(value: object) -> Figure:
    # Holds stored before figures were typed hold plain text: shown as stored.
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            return Money(Decimal(str(value["amount"])), str(value["currency"]))
        if "date" in value:
            return date.fromisoformat(str(value["date"]))
        if isinstance(value.get("list"), list):
            return Listed(str(item) for item in value["list"])
    return str(value)


@dataclass(frozen=True)
class Contract:
    """A customer's contract as the ERP exports it; ``credit_limit`` its own limit."""

    contract_id: str
    customer_id: str
    start_date: date
    end_date: date
    credit_limit: Money | None = None

    def valid_on(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


@dataclass(frozen=True)
class ContractUse:
    """A contract, what its open orders already use of its limit and this order, both
    in the contract's currency (``None`` when the contract has no limit of its own)."""

    contract: Contract
    used: Money | None = None
    order: Money | None = None


@dataclass(frozen=True)
class OrderCheck:
    """One order checked (and its hold, when it failed). Slack orders are numbered by
    creditbot (``CB-17``), ERP orders keep the ERP's id. ``version``: optimistic
    locking, so a release by approval and one by re-check cannot both happen."""

    source: OrderSource
    order_id: str
    customer_id: str
    customer_name: str
    amount: Money
    order_date: date
    state: OrderState
    failures: tuple[Failure, ...]
    checked_at: datetime
    checked_by: str
    reference: str | None = None
    contract_id: str | None = None
    released_at: datetime | None = None
    released_by: str | None = None
    # "recheck", or "request:<id>" when an order-release request was approved;
    # "withdrawn…" when its rep withdrew it (withdrawn_record).
    release_note: str | None = None
    id: int = 0
    version: int = 0
    # The customer's name in the local script (Customer.name_local), for its readers.
    customer_name_local: str | None = None

    @property
    def is_held(self) -> bool:
        return self.state is OrderState.HELD

    @property
    def customer_names(self) -> CompanyName:
        """The customer's names as kept with the order, for a message."""
        return CompanyName(self.customer_name, self.customer_name_local)

    @property
    def named(self) -> HeldOrder:
        """The order as a card names it (its id, the rep's reference)."""
        return HeldOrder(self.order_id, self.reference)


@dataclass(frozen=True)
class Verdict:
    """An order against the rules. Amounts in the limit's currency; ``ceiling`` is the
    limit plus the tolerance. ``headroom``: what is left of the limit after the order
    (negative when the order goes into the tolerance)."""

    order: Money
    limit: Money
    exposure: Money
    ceiling: Money
    failures: tuple[Failure, ...]
    # The order as typed, when it is in another currency than the limit's (``order`` is
    # its value in the limit's currency): people see both.
    typed: Money | None = None
    # The contract the order goes under (the first valid on its date), so that it counts
    # in the contract's use as in the customer's exposure.
    contract_id: str | None = None
    # What is left of that contract's own limit after the order, in the contract's
    # currency, and the limit (None without one): it can bind long before the customer's
    # limit does, and a rep told only the customer's headroom would trust too much.
    contract_left: Money | None = None
    contract_limit: Money | None = None

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def headroom(self) -> Money:
        return (self.limit - self.exposure - self.order).rounded()

    @property
    def contract_binds(self) -> bool:
        """The contract's own limit leaves less than the customer's (a limit approved
        above the contract's), or is in another currency, so that both are worth saying."""
        left = self.contract_left
        return left is not None and (left.currency != self.limit.currency
                                     or left.amount < self.headroom.amount)


# Why an order creditbot checked has no release to ask for (``OrderChecks.named`` finds a
# held one first, so HELD is said only of a race).
NOT_HELD = {
    OrderState.PASSED: N_("Order {order} passed the order rules when it was checked: it is "
                          "not held, so there is nothing to release."),
    OrderState.HELD: N_("Order {order} is held."),
    OrderState.RELEASED: N_("Order {order} is not held any more: it was released, so "
                            "there is nothing to release."),
    OrderState.REFUSED: N_("Order {order} was refused when its release was rejected: it "
                           "will not ship. Place it as a new order if it should."),
    OrderState.WITHDRAWN: N_("Order {order} was withdrawn by the rep who placed it: it "
                             "will not ship. Place it as a new order if it should."),
}
# The release notes of a withdrawn order: "withdrawn" (it passed), WITHDRAWN_HELD (held,
# then withdrawn), or the prefix before a released order's own note, kept with who
# released it and when ("withdrawn:request:12"): its history keeps the release.
WITHDRAWN = "withdrawn"
WITHDRAWN_AFTER = "withdrawn:"
WITHDRAWN_HELD = WITHDRAWN_AFTER + "held"


def withdrawn_record(order: OrderCheck, by: str, now: datetime) -> OrderCheck:
    """``order`` withdrawn by ``by`` (its rep) at ``now``, as it is then stored."""
    if order.state is OrderState.RELEASED:
        return replace(order, state=OrderState.WITHDRAWN,
                       release_note=WITHDRAWN_AFTER + (order.release_note or ""))
    return replace(order, state=OrderState.WITHDRAWN, released_at=now, released_by=by,
                   release_note=WITHDRAWN_HELD if order.is_held else WITHDRAWN)
# Why an order cannot be withdrawn (any more): refused or withdrawn, it counts nowhere.
NOT_WITHDRAWABLE = {
    OrderState.REFUSED: N_("Order {order} was refused when its release was rejected: it "
                           "will not ship and counts nowhere, so there is nothing to "
                           "withdraw."),
    OrderState.WITHDRAWN: N_("Order {order} is withdrawn already: it will not ship and "
                             "counts nowhere."),
}
