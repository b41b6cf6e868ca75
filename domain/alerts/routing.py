"""Who hears of an alert: rules that match an alert's type, severity and customer, and
name the channels and people it goes to.

A rule's channels are department keys (their channel), ``own_department`` (the
customer's department, else the department its owner belongs to) or channel ids; its
people are ``owner`` (the customer's owner), ``role:<name>`` (everyone holding the
role) or user ids, who get the alert by direct message. An alert goes to every
destination of every rule it matches, once each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from domain.alerts.model import Alert, AlertType, Severity
from domain.customer_match import CustomerMatch
from domain.people import is_channel_id, is_user_id

OWN_DEPARTMENT = "own_department"
OWNER = "owner"
ROLE = "role:"


@dataclass(frozen=True)
class Match:
    """An empty set matches anything; ``severity`` is the least severity matched."""

    types: frozenset[AlertType] = frozenset()
    severity: Severity = Severity.INFO
    customers: CustomerMatch = field(default_factory=CustomerMatch)

    def matches(self, alert: Alert, department: str | None) -> bool:
        subject = alert.subject
        return (alert.severity >= self.severity
                and (not self.types or alert.type in self.types)
                and self.customers.matches(department, subject.owner, subject.group,
                                           subject.country, subject.currency))


@dataclass(frozen=True)
class Route:
    when: Match = field(default_factory=Match)
    channels: tuple[str, ...] = ()
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class Directory:
    """The organisation as routing sees it: department channels, role holders and
    which department each person belongs to."""

    channels: Mapping[str, str]
    roles: Mapping[str, Sequence[str]]
    members: Mapping[str, str]

    def department_of(self, alert: Alert) -> str | None:
        own = alert.subject.department
        if own is not None and own in self.channels:
            return own
        owner = alert.subject.owner
        return self.members.get(owner) if owner is not None else None


RISK = frozenset({AlertType.UTILISATION, AlertType.LARGE_INVOICE,
                  AlertType.CONTRACT_EXPIRING})

# Used when app.yaml names no routes. Department keys missing from app.yaml are skipped
# here (rules written in app.yaml are checked instead).
DEFAULT_ROUTES = (
    Route(Match(types=frozenset({AlertType.OVERDUE})), channels=(OWN_DEPARTMENT, "finance")),
    Route(Match(types=frozenset({AlertType.OVERDUE}), severity=Severity.CRITICAL),
          channels=("legal",)),
    Route(Match(types=RISK), channels=("credit",)),
    Route(Match(types=RISK, severity=Severity.CRITICAL), people=(f"{ROLE}credit_manager",)),
)


def destinations(alert: Alert, routes: Iterable[Route], directory: Directory,
                 cleared: Callable[[str], bool] | None = None,
                 withheld: set[str] | None = None) -> list[str]:
    """The channel and user ids ``alert`` goes to, in the order the rules name them.

    ``own_department`` and ``owner`` are read from the customer's ERP record: whoever can
    edit it there would choose who hears of its figures. Those destinations go through
    ``cleared`` (open to credit data?); the ones it refuses are added to ``withheld``.
    A channel or person a rule names itself is app.yaml's choice, not checked."""
    department = directory.department_of(alert)
    found: dict[str, None] = {}

    def add(target: str, from_erp: bool) -> None:
        if from_erp and cleared is not None and not cleared(target):
            if withheld is not None:
                withheld.add(target)
            return
        found[target] = None

    for route in routes:
        if not route.when.matches(alert, department):
            continue
        for target in route.channels:
            own = target == OWN_DEPARTMENT
            channel = (directory.channels.get(department) if own and department is not None
                       else directory.channels.get(target))
            if channel is None and is_channel_id(target):
                channel = target
            if channel is not None:
                add(channel, own)
        for target in route.people:
            if target == OWNER:
                people = [alert.subject.owner] if alert.subject.owner else []
            elif target.startswith(ROLE):
                people = list(directory.roles.get(target.removeprefix(ROLE), ()))
            else:
                people = [target] if is_user_id(target) else []
            for person in people:
                if person is not None and is_user_id(person):
                    add(person, target == OWNER)
    if withheld is not None:
        withheld -= set(found)  # another rule sent it there after all
    return list(found)
