"""The ``alerts`` section of app.yaml: what is watched and who hears of it.

```yaml
alerts:
  utilisation:                 # exposure as a percentage of the limit
    - {at: 80, severity: warning}
    - {at: 100, severity: critical}
  large_invoice: 100000        # one overdue invoice at least this much, base currency
  contract_notice_days: 30
  routes:                      # replaces the default routes when given
    - when: {type: overdue}
      channels: [own_department, finance]
    - when: {type: overdue, severity: critical}
      channels: [legal]
    - when: {type: [utilisation, large_invoice], severity: critical}
      channels: [credit]
      people: [role:credit_manager]
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.config.customer_match import CustomerMatchSetting, listed
from bot.config.fields import BaseAmount, Percent, shown
from bot.config.listed_people import ListedPeople
from bot.config.section import Section
from domain.aging import AgingBuckets
from domain.alerts.detect import DEFAULT_THRESHOLDS, Threshold, WatchSettings
from domain.alerts.model import AlertType, Severity
from domain.alerts.routing import DEFAULT_ROUTES, OWN_DEPARTMENT, OWNER, ROLE, Match, Route
from domain.money import Money
from domain.people import is_channel_id, is_user_id

SeverityName = Literal["info", "warning", "critical"]
TypeName = Literal["overdue", "utilisation", "large_invoice", "contract_expiring"]


class UtilisationThreshold(Section):
    at: Percent = Field(gt=0, le=1000, description="a percentage of the limit, e.g. 80")
    severity: SeverityName = Field(description="info, warning or critical")


class RouteMatch(CustomerMatchSetting):
    """What a route matches; every list left out (or empty) matches anything."""

    type: Annotated[list[TypeName], BeforeValidator(listed)] = Field(
        default=[], description="an alert type or a list of them: overdue, utilisation, "
        "large_invoice, contract_expiring", json_schema_extra={"items": [
            "one of overdue, utilisation, large_invoice, contract_expiring"]})
    severity: SeverityName = Field(
        default="info", description="the least severity matched: info, warning or critical")


_CHANNELS = ("department keys, own_department (the customer's department) or channel ids "
             "such as C0123ABCDE")
_PEOPLE = ("owner (the customer's owner), role:<name> (everyone holding the role) or user "
           "ids such as U0123ABCDE")


class AlertRoute(Section):
    when: RouteMatch = Field(default=RouteMatch(), description="a section with type, "
                             "severity, department, owner, group and country")
    channels: list[str] = Field(default=[], description=f"a list of {_CHANNELS}",
                                json_schema_extra={"items": ["a department key or channel id"]})
    people: list[str] = Field(default=[], description=f"a list of {_PEOPLE}",
                              json_schema_extra={"items": ["owner, role:<name> or a user id"]})

    @model_validator(mode="after")
    def _goes_somewhere(self) -> AlertRoute:
        if not self.channels and not self.people:
            raise PydanticCustomError(
                "alerts", "a route needs channels or people to send alerts to")
        return self

    def rule(self) -> Route:
        when = self.when
        return Route(Match(frozenset(AlertType(t) for t in when.type),
                           Severity.named(when.severity), when.customers()),
                     tuple(self.channels), tuple(self.people))


class AlertSettings(Section):
    utilisation: list[UtilisationThreshold] = Field(
        default=[UtilisationThreshold(at=t.share * 100, severity=t.severity.label)  # type: ignore[arg-type]
                 for t in DEFAULT_THRESHOLDS],
        description="a list of thresholds, e.g. [{at: 80, severity: warning}, {at: 100, "
        "severity: critical}]", json_schema_extra={"items": ["a section with at and severity"]})
    large_invoice: BaseAmount | None = Field(
        default=Decimal(100_000), gt=0, description="an amount in the base currency, e.g. "
        "100000, or null not to watch single invoices")
    contract_notice_days: int = Field(default=30, ge=1, le=366,
                                      description="a whole number of days from 1 to 366")
    routes: list[AlertRoute] | None = Field(
        default=None, description="a list of routes, each with when, channels and people",
        json_schema_extra={"items": ["a section with when, channels and people"]})

    @field_validator("utilisation")
    @classmethod
    def _increasing(cls, thresholds: list[UtilisationThreshold]) -> list[UtilisationThreshold]:
        shares = [t.at for t in thresholds]
        severities = [Severity.named(t.severity) for t in thresholds]
        if shares != sorted(set(shares)) or severities != sorted(severities):
            raise PydanticCustomError(
                "alerts", "utilisation thresholds must rise, each at least as severe "
                "as the one before, e.g. [{at: 80, severity: warning}, {at: 100, "
                "severity: critical}]; got {shown}", {"shown": "[" + ", ".join(
                    f"{{at: {t.at}, severity: {t.severity}}}" for t in thresholds) + "]"})
        return thresholds

    def watch(self, buckets: AgingBuckets, base_currency: str) -> WatchSettings:
        return WatchSettings(
            buckets,
            tuple(Threshold(t.at / 100, Severity.named(t.severity)) for t in self.utilisation),
            None if self.large_invoice is None else Money(self.large_invoice, base_currency),
            self.contract_notice_days)

    def route_rules(self) -> tuple[Route, ...]:
        if self.routes is None:
            return DEFAULT_ROUTES
        return tuple(route.rule() for route in self.routes)


def default_routes_missing(settings: AlertSettings, departments: Iterable[str]) -> list[str]:
    """The departments the default routes name that app.yaml does not have (none when
    app.yaml gives its own routes): their alerts go to the admin channel, or nowhere."""
    if settings.routes is not None:
        return []
    have = set(departments)
    named = dict.fromkeys(target for route in DEFAULT_ROUTES for target in route.channels
                          if target != OWN_DEPARTMENT)
    return [key for key in named if key not in have]


def route_problems(routes: object, departments: Iterable[str], roles: Iterable[str],
                   users: Iterable[str] = (), cleared: Callable[[str], bool] | None = None,
                   holders: Mapping[str, Sequence[str]] | None = None,
                   ) -> list[tuple[tuple[str | int, ...], str]]:
    """Routes naming departments, roles, channels or people that do not exist, and people
    credit data is closed to (a route's alerts carry the customer's figures), as (key
    path, message). ``routes`` is what app.yaml says (checked before the model, so that
    one bad value elsewhere does not hide these); ``users``, ``cleared``, ``holders``:
    as ``ListedPeople`` takes them."""
    if not isinstance(routes, list):
        return []
    known = list(departments)
    people_listed = ListedPeople(list(roles), users, cleared, holders)
    departments_hint = (f"use a key under departments ({', '.join(known)})" if known else
                        "there are no departments yet")
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, route in enumerate(routes):
        if not isinstance(route, Mapping):
            continue
        where: tuple[str | int, ...] = ("alerts", "routes", index)
        when = route.get("when")
        wanted = listed(when.get("department")) if isinstance(when, Mapping) else None
        for position, name in enumerate(wanted if isinstance(wanted, list) else []):
            if isinstance(name, str) and name not in known:
                problems.append(((*where, "when", "department", position),
                                 f"{shown(name)} is not a department; {departments_hint}"))
        owners = listed(when.get("owner")) if isinstance(when, Mapping) else None
        for position, name in enumerate(owners if isinstance(owners, list) else []):
            if isinstance(name, str) and is_user_id(name) and name not in people_listed:
                # A misspelt id matched no customer, and the route nothing, unsaid.
                problems.append(((*where, "when", "owner", position),
                                 f"{name} is not listed under departments or roles; an "
                                 "owner a route names must be someone app.yaml lists"))
        channels = route.get("channels")
        for position, name in enumerate(channels if isinstance(channels, list) else []):
            if not isinstance(name, str) or name in known or name == OWN_DEPARTMENT or \
                    is_channel_id(name):
                continue
            problems.append(((*where, "channels", position),
                             f"{shown(name)} is neither a department nor a channel id; "
                             f"write {_CHANNELS}; {departments_hint}"))
        people = route.get("people")
        for position, name in enumerate(people if isinstance(people, list) else []):
            if not isinstance(name, str) or name == OWNER:
                continue
            if not name.startswith(ROLE) and not is_user_id(name):
                problems.append(((*where, "people", position),
                                 f"{shown(name)} is not a person; write {_PEOPLE}"))
                continue
            # Named by app.yaml itself, they are sent the figures unchecked at run time:
            # an id listed nowhere was sent a customer's overdue debt.
            problems += people_listed.problems((*where, "people", position), name,
                                               purpose="be sent alerts",
                                               mended="its holders are sent alerts")
    return problems


def _severities(possible: frozenset[Severity], kind: AlertType) -> str:
    if not possible:
        return ("not watched (alerts.large_invoice is null)" if kind is AlertType.LARGE_INVOICE
                else "never raised (alerts.utilisation lists no threshold)")
    names = [s.label for s in sorted(possible)]
    return " or ".join(names) if len(names) < 3 else f"{names[0]}, {names[1]} or {names[2]}"


def unmatched_routes(settings: AlertSettings, buckets: AgingBuckets) -> list[str]:
    """Routes no alert can match under these settings (a contract's end is never
    critical, large invoices may not be watched), each said with its key path: their
    channels and people would wait for alerts that never come. Said as a note, not
    refused: a configuration that ran before still starts (turning large invoices off
    leaves their routes idle)."""
    # The amount's currency plays no part in which severities there are.
    possible = settings.watch(buckets, "USD").severities()
    notes: list[str] = []
    for index, route in enumerate(settings.routes or []):
        kinds = [AlertType(t) for t in route.when.type] or list(AlertType)
        least = Severity.named(route.when.severity)
        if any(severity >= least for kind in kinds for severity in possible[kind]):
            continue
        said = "; ".join(f"{kind.value} alerts are {_severities(possible[kind], kind)}"
                         for kind in kinds)
        fix = ("lower its severity or change its type" if any(possible[k] for k in kinds)
               else "watch them, or remove the route")
        notes.append(f"alerts.routes.{index}.when: no alert this route matches is "
                     f"{least.label} or more severe ({said}): {fix}")
    return notes
