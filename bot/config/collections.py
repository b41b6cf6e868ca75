"""The ``collections`` section of app.yaml: who collects overdue accounts, who may
assign them, and the rules the alerts job assigns newly overdue accounts by.

```yaml
collections:
  collectors: [role:collector]          # the round-robin's pool: role:<name> or user ids
  assigners: [role:credit_manager, role:collections_lead]   # who may assign by hand
  rules:                                # the first rule that matches names the collector
    - when: {department: sales, country: [CN, HK]}
      collector: U04COLLECT1
    - when: {group: HUAXIA}
      collector: U04COLLECT2
```

An overdue account no rule matches goes to the collector in ``collectors`` with the
least open overdue amount (base currency); ties go to the one listed first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from pydantic import Field

from bot.config.customer_match import CustomerMatchSetting, listed
from bot.config.dunning import CollectorsDaySettings
from bot.config.fields import UserId, shown
from bot.config.listed_people import PEOPLE, ROLE, ListedPeople
from bot.config.section import Section
from domain.collections.assignment import AssignmentPolicy, AssignRule, collectors_in

DEFAULT_COLLECTORS = ("role:collector",)
DEFAULT_ASSIGNERS = ("role:credit_manager", "role:collections_lead")


class AssignmentRuleSetting(Section):
    when: CustomerMatchSetting = Field(
        default=CustomerMatchSetting(),
        description="a section with department, owner, group and country")
    collector: UserId = Field(description="the Slack user id of the collector, e.g. "
                              "U0123ABCDE")


# The collector's day (dunning, grace days, lead…) lives in bot.config.dunning.
class CollectionSettings(CollectorsDaySettings):
    collectors: list[str] = Field(
        default=list(DEFAULT_COLLECTORS), description=f"a list of {PEOPLE}",
        json_schema_extra={"items": ["role:<name> or a user id"]})
    assigners: list[str] = Field(
        default=list(DEFAULT_ASSIGNERS), description=f"a list of {PEOPLE}",
        json_schema_extra={"items": ["role:<name> or a user id"]})
    rules: list[AssignmentRuleSetting] = Field(
        default=[], description="a list of rules, each with when and collector",
        json_schema_extra={"items": ["a section with when and collector"]})

    def policy(self, roles: Mapping[str, Sequence[str]],
               departments: Mapping[str, Sequence[str]]) -> AssignmentPolicy:
        """Resolved against app.yaml's roles; ``departments``: key -> members."""
        return AssignmentPolicy(
            collectors_in(self.collectors, roles),
            tuple(AssignRule(r.collector, r.when.customers()) for r in self.rules),
            # The collections lead (``lead``, the collector's day settings) assigns too.
            frozenset(collectors_in(self.assigners, roles))
            | ({self.lead} if self.lead else set()),
            frozenset(departments),
            # A person in several departments counts in the first app.yaml lists.
            {user: key for key, members in reversed(list(departments.items()))
             for user in members})


# What correcting a misspelt role under `roles` mends, by the list naming it.
_MENDED = {"collectors": "its holders collect", "assigners": "its holders may assign"}


def collection_problems(section: object, departments: Iterable[str],
                        roles: Iterable[str], users: Iterable[str], *,
                        cleared: Callable[[str], bool] | None = None,
                        holders: Mapping[str, Sequence[str]] | None = None,
                        legal_members: Mapping[str, Sequence[str]] | None = None,
                        ) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules and lists naming departments, roles or people app.yaml does not have, as
    (key path, message). ``section`` is what app.yaml says (checked before the model, so
    that one bad value elsewhere hides none of these); ``users``: everyone listed under
    departments or roles, the people who may be given credit data.

    Once the model is read, ``cleared`` says who access.credit_data lets see credit data,
    ``holders`` who holds each role and ``legal_members`` each department's members: a
    collector (by id or role) and legal's owner (the legal department's first member)
    get the account's card and history, so they must be cleared."""
    if not isinstance(section, Mapping):
        return []
    known = list(departments)
    hint = (f"use a key under departments ({', '.join(known)})" if known else
            "there are no departments yet")
    people = ListedPeople(list(roles), users, cleared, holders)
    problems: list[tuple[tuple[str | int, ...], str]] = []

    def person(where: tuple[str | int, ...], name: object, roles_allowed: bool) -> None:
        problems.extend(people.problems(
            where, name, purpose="assign accounts" if where[1] == "assigners" else _COLLECTING,
            mended=_MENDED.get(str(where[1]), ""), roles_allowed=roles_allowed))

    for key, default in (("collectors", DEFAULT_COLLECTORS), ("assigners", DEFAULT_ASSIGNERS)):
        entries = section.get(key)
        if key == "collectors" and not isinstance(entries, list):
            # Left out, the pool is still role:collector's holders.
            for index, name in enumerate(default):
                problems.extend(people.role_cleared(("collections", key, index), name,
                                                    _COLLECTING))
        # Left out, the defaults may name a role the organisation has not added yet
        # (collections_lead); written out, each must be right: a role renamed under
        # `roles` left `role:credit_manager` here naming nobody, and nobody said so.
        for index, name in enumerate(entries if isinstance(entries, list) else []):
            if name in default and isinstance(name, str) \
                    and name.removeprefix(ROLE) not in people.role_names:
                # The app.yaml earlier versions shipped names it: refused without a word
                # of why, nothing started after an upgrade.
                problems.append((("collections", key, index), (
                    f"{shown(name)} names no role: earlier versions let it stand for a role "
                    f"not added yet, and it gave nobody the right; add the role under roles "
                    f"({name.removeprefix(ROLE)}: [U0123ABCDE]) or take it out of the list")))
                continue
            person(("collections", key, index), name, roles_allowed=True)
    rules = section.get("rules")
    for index, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, Mapping):
            continue
        where: tuple[str | int, ...] = ("collections", "rules", index)
        when = rule.get("when")
        wanted = listed(when.get("department")) if isinstance(when, Mapping) else None
        for position, name in enumerate(wanted if isinstance(wanted, list) else []):
            if isinstance(name, str) and name not in known:
                problems.append(((*where, "when", "department", position),
                                 f"{shown(name)} is not a department; {hint}"))
        person((*where, "collector"), rule.get("collector"), roles_allowed=False)
    # The collector's day (bot.config.dunning): where legal cases go, who the lead is.
    # Left out, it is "legal" when there is such a department (else the case goes to the
    # collector), so only a written one is checked.
    legal = section.get("legal_department")
    if isinstance(legal, str) and legal not in known:
        problems.append((("collections", "legal_department"),
                         f"{shown(legal)} is not a department; {hint}"))
    person(("collections", "lead"), section.get("lead"), roles_allowed=False)
    owner = legal_owner_of(section, legal_members or {})
    if owner is not None and cleared is not None and not cleared(owner):
        problems.append((("departments", str(section.get("legal_department") or LEGAL),
                          "members", 0),
                         people.closed(owner, _COLLECTING) + " (legal's owner of escalated "
                         "accounts is the legal department's first member)"))
    return problems


LEGAL = "legal"
_COLLECTING = "be given accounts to collect"


def legal_owner_of(section: Mapping[str, object],
                   members: Mapping[str, Sequence[str]]) -> str | None:
    """Who owns an account once it goes to legal: the legal department's first member."""
    key = section.get("legal_department") or LEGAL
    listed = members.get(key, []) if isinstance(key, str) else []
    return listed[0] if listed else None
