"""Who collects which overdue account: rules matching the customer's owner, department,
country, group or currency name a collector; an account no rule matches goes to the collector
with the least open overdue amount (in the base currency), ties broken by the order
the collectors are listed in app.yaml, so the same portfolio always gives the same
answer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.customer_match import CustomerMatch
from domain.model import Customer

# The assigner recorded when the alerts job assigned an account by the rules.
BY_RULES = "rules"


@dataclass(frozen=True)
class AssignRule:
    collector: str
    customers: CustomerMatch = field(default_factory=CustomerMatch)

    def matches(self, customer: Customer, department: str | None) -> bool:
        return self.customers.matches(department, customer.owner_slack_id,
                                      customer.group_id, customer.country, customer.currency)


@dataclass(frozen=True)
class AssignmentPolicy:
    """The ``collections`` section of app.yaml, resolved to user ids.

    ``collectors``: the pool the round-robin picks from, in app.yaml's order;
    ``assigners``: who may assign and unassign by hand; ``members``: each person's
    department (a customer without a known department counts in its owner's)."""

    collectors: tuple[str, ...] = ()
    rules: tuple[AssignRule, ...] = ()
    assigners: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    members: Mapping[str, str] = field(default_factory=dict)

    def department_of(self, customer: Customer) -> str | None:
        if customer.department is not None and customer.department in self.departments:
            return customer.department
        owner = customer.owner_slack_id
        return self.members.get(owner) if owner is not None else customer.department


@dataclass(frozen=True)
class OverdueAccount:
    customer: Customer
    # None: the credit currency has no rate to the base currency. A rule may still name
    # its collector; sharing by load needs the amount.
    overdue_in_base: Decimal | None


@dataclass(frozen=True)
class Pick:
    account: OverdueAccount
    collector: str
    rule: int | None  # the index of the rule that matched; None: round-robin


def plan(accounts: Iterable[OverdueAccount], policy: AssignmentPolicy,
         load: Mapping[str, Decimal]) -> list[Pick]:
    """A collector for each account. ``load``: each collector's open overdue amount
    already assigned. The largest accounts are placed first, so they spread over the
    collectors before the small ones fill the gaps. An account no rule matches, when
    there are no collectors to pick from, is left out, and so is one without its amount in
    the base currency."""
    carried = {c: load.get(c, Decimal(0)) for c in policy.collectors}
    order = {c: i for i, c in enumerate(policy.collectors)}
    picks = []
    for account in sorted(accounts, key=lambda a: (a.overdue_in_base is None,
                                                   -(a.overdue_in_base or 0),
                                                   a.customer.customer_id)):
        department = policy.department_of(account.customer)
        rule = next((i for i, r in enumerate(policy.rules)
                     if r.matches(account.customer, department)), None)
        if rule is not None:
            collector = policy.rules[rule].collector
        elif carried and account.overdue_in_base is not None:
            collector = min(carried, key=lambda c: (carried[c], order[c]))
        else:
            continue
        if collector in carried and account.overdue_in_base is not None:
            carried[collector] += account.overdue_in_base
        picks.append(Pick(account, collector, rule))
    return picks


def collectors_in(names: Sequence[str], roles: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """User ids and ``role:<name>`` entries as the people they name, each once, in order."""
    found: dict[str, None] = {}
    for name in names:
        for user in (roles.get(name.removeprefix("role:"), ()) if name.startswith("role:")
                     else (name,)):
            found.setdefault(user)
    return tuple(found)
