"""The ``approvals`` section of app.yaml: per request kind, amount bands in the base
currency, each band the levels that decide a request measuring that much.

```yaml
approvals:
  limit_increase: &limits
    basis: total             # or increase; total by default (see domain.approvals.policy)
    bands:
      - up_to: 50000         # up to and including, in the base currency
        levels:
          - {role: credit_manager, deadline_hours: 24}
      - up_to: 500000
        levels:
          - {role: credit_manager, deadline_hours: 24}
          - {role: finance_director, deadline_hours: 48, escalate_to: cfo}
      - levels:              # no up_to: every amount above the band before
          - {role: credit_manager, deadline_hours: 24}
          - {role: finance_director, deadline_hours: 48}
          - {role: cfo, deadline_hours: 72}
  temporary_limit: *limits
  remind_before_hours: 4
  working_time:              # left out: deadlines count every hour of the clock
    hours: {start: "09:00", end: "18:00"}
    days: [mon, tue, wed, thu, fri]
    holidays: [2027-01-01]
```

A kind left out keeps the shipped default. What ``config check`` needs the roles for
(bands that rise, an open-ended top band, roles somebody holds) is checked on what was
written, in ``policy_problems``, so that one bad value elsewhere hides none of it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping
from datetime import tzinfo
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Literal

from pydantic import Field

from bot.config.closed_channels import NOT_OPEN
from bot.config.fields import (
    STANDARD_ROLES,
    BaseAmount,
    RoleName,
    is_role_name,
    misspelt_role,
    shown,
)
from bot.config.section import Section
from bot.config.working_time import WorkingTimeSettings
from domain.approvals.model import Basis, Level, RequestKind
from domain.approvals.policy import (
    DEFAULT_BASIS,
    DEFAULT_REMIND_BEFORE_HOURS,
    ApprovalPolicy,
    Band,
    KindPolicy,
)
from domain.currencies import is_currency, minor_units

_LEVELS = ("a list of levels, each a role and its deadline, e.g. [{role: credit_manager, "
           "deadline_hours: 24}, {role: finance_director, deadline_hours: 48}]")
_BANDS = ("a list of bands, each with up_to (an amount in the base currency; none on the "
          "last band) and levels, e.g. [{up_to: 50000, levels: [{role: credit_manager, "
          "deadline_hours: 24}]}, {levels: [{role: credit_manager, deadline_hours: 24}, "
          "{role: cfo, deadline_hours: 72}]}]")


class LevelSettings(Section):
    role: RoleName = Field(description="a role name listed under roles, e.g. credit_manager")
    deadline_hours: int = Field(ge=1, le=720,
                                description="a whole number of hours from 1 to 720, e.g. 24")
    # Who may decide the level as well once its deadline passed (and is told).
    escalate_to: RoleName | None = Field(
        default=None, description="a role name listed under roles, e.g. cfo")
    # Where the level's card goes: a department's channel, or (left out) each holder of
    # the role by direct message.
    post_to: str | None = Field(
        default=None, description="a department name listed under departments, e.g. credit "
        "(leave it out to send the card to each holder of the role by direct message)")

    def level(self) -> Level:
        return Level(self.role, self.deadline_hours, self.escalate_to, self.post_to)


class BandSettings(Section):
    up_to: BaseAmount | None = Field(
        default=None, gt=0, description="an amount in the base currency, e.g. 50000 (leave "
        "it out on the last band, which takes every amount above)")
    levels: list[LevelSettings] = Field(min_length=1, description=_LEVELS,
                                        json_schema_extra={"items": [
                                            "a section with role and deadline_hours"]})

    def band(self) -> Band:
        return Band(self.up_to, tuple(level.level() for level in self.levels))


class OtherPolicy(Section):
    bands: list[BandSettings] = Field(min_length=1, description=_BANDS, json_schema_extra={
        "items": ["a section with up_to and levels"]})

    def rule(self, basis: Basis = DEFAULT_BASIS) -> KindPolicy:
        return KindPolicy(tuple(band.band() for band in self.bands), basis)


class LimitPolicy(OtherPolicy):
    basis: Literal["increase", "total"] = Field(
        default=DEFAULT_BASIS.value, description="increase (the bands compare the new limit "
        "minus the current one) or total (they compare the new limit)")


_LIMIT = "a section with basis and bands"
_OTHER = "a section with bands"


class ApprovalSettings(Section):
    """One policy per request kind; a kind left out keeps the shipped default."""

    limit_increase: LimitPolicy | None = Field(default=None, description=_LIMIT)
    temporary_limit: LimitPolicy | None = Field(default=None, description=_LIMIT)
    first_limit: LimitPolicy | None = Field(default=None, description=_LIMIT)
    order_release: OtherPolicy | None = Field(default=None, description=_OTHER)
    terms_change: OtherPolicy | None = Field(default=None, description=_OTHER)
    remind_before_hours: int = Field(
        default=DEFAULT_REMIND_BEFORE_HOURS, ge=1, le=168,
        description="a whole number of hours from 1 to 168, e.g. 4")
    # Left out, deadlines and reminders count every hour of the clock.
    working_time: WorkingTimeSettings | None = Field(
        default=None, description="a section with hours, days and holidays")

    def policy(self, base_currency: str, zone: tzinfo) -> ApprovalPolicy:
        kinds: dict[RequestKind, KindPolicy] = {}
        for kind in RequestKind:
            written = getattr(self, kind.value)
            if isinstance(written, LimitPolicy):
                kinds[kind] = written.rule(Basis(written.basis))
            elif isinstance(written, OtherPolicy):
                kinds[kind] = written.rule()
        working = self.working_time.working_time(zone) if self.working_time else None
        return ApprovalPolicy(base_currency, kinds, self.remind_before_hours, working)


def _amount(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def base_amount_problems(base: object, large_invoice: object, section: object
                         ) -> list[tuple[tuple[str | int, ...], str]]:
    """Thresholds in the base currency ``base`` with more decimals than it has (a band's
    up_to of ¥10,000,000.5, alerts.large_invoice): no amount measured against them falls
    between, and the commands refuse such an amount as typed. ``section``: what app.yaml
    says under approvals."""
    if not isinstance(base, str) or not is_currency(base):
        return []  # the field check's to report
    written: list[tuple[tuple[str | int, ...], object]] = [
        (("alerts", "large_invoice"), large_invoice)]
    for kind in RequestKind:
        policy = section.get(kind.value) if isinstance(section, Mapping) else None
        bands = policy.get("bands") if isinstance(policy, Mapping) else None
        for index, band in enumerate(bands if isinstance(bands, list) else []):
            if isinstance(band, Mapping):
                written.append((("approvals", kind.value, "bands", index, "up_to"),
                                band.get("up_to")))
    unit = Decimal(1).scaleb(-minor_units(base))
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for loc, raw in written:
        value = _amount(raw)
        if value is not None and value.is_finite() and value != value.quantize(
                unit, ROUND_DOWN):
            problems.append((loc, f"{shown(raw)} has more decimals than {base}, the base "
                                  f"currency, has: write it like "
                                  f"{value.quantize(unit, ROUND_DOWN)}"))
    return problems


def policy_problems(section: object, holders: Mapping[str, object],
                    departments: Collection[str] | None = None, *,
                    cleared: Callable[[str], bool] | None = None,
                    open_to_credit_data: Callable[[str], bool] | None = None,
                    ) -> list[tuple[tuple[str | int, ...], str]]:
    """What is wrong with the bands of each request kind, as (key path, message): bands
    that do not rise, an up_to left out before the last band, no open-ended top band (an
    amount above the last up_to would have no route), a role named twice in one band (one
    person may decide one level only), roles nobody holds, and a ``post_to`` naming no
    department. ``section`` is what app.yaml says under approvals; ``holders`` its
    roles mapping; ``departments`` the department keys (``None``: not checked).

    An approval card shows the customer's figures, so once the access rule is read,
    ``cleared`` (who access.credit_data lets see credit data) and
    ``open_to_credit_data`` (a department key: whether its channel is) say whether a
    level's deciders and its ``post_to`` channel may be sent one."""
    if not isinstance(section, Mapping):
        return []
    # A role written in the wrong shape is the field checks' to report, not a gap here,
    # nor a name to suggest.
    held = [role for role, users in holders.items() if users != [] and is_role_name(role)]
    empty = {role for role, users in holders.items() if users == [] and is_role_name(role)}
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for kind in RequestKind:
        policy = section.get(kind.value)
        bands = policy.get("bands") if isinstance(policy, Mapping) else None
        if not isinstance(bands, list) or not bands:
            continue
        where: tuple[str | int, ...] = ("approvals", kind.value, "bands")
        before: Decimal | None = None
        for index, band in enumerate(bands):
            if not isinstance(band, Mapping):
                continue
            up_to = _amount(band.get("up_to"))
            last = index == len(bands) - 1
            if "up_to" not in band or band.get("up_to") is None:
                if not last:
                    problems.append(((*where, index), "only the last band may leave out "
                                     "up_to (it takes every amount above the others); give "
                                     "this band an up_to"))
            elif up_to is not None and before is not None and up_to <= before:
                problems.append(((*where, index, "up_to"),
                                 f"bands must rise: {shown(band.get('up_to'))} is not above "
                                 f"{before}, the up_to of the band before"))
            elif last and up_to is not None:
                problems.append(((*where, index, "up_to"), "the last band must leave out "
                                 f"up_to, so that amounts above {up_to} have a route too (an "
                                 "amount with no band is a gap); remove up_to here or add a "
                                 "band with levels only"))
            if up_to is not None:
                before = up_to if before is None else max(before, up_to)
            problems += _level_problems(band.get("levels"), (*where, index, "levels"), held,
                                        departments, empty, holders)
            problems += _uncleared(band.get("levels"), (*where, index, "levels"), holders,
                                   cleared, open_to_credit_data)
    return problems + _typos(section, held, empty)


def _uncleared(levels: object, where: tuple[str | int, ...], holders: Mapping[str, object],
               cleared: Callable[[str], bool] | None,
               open_to_credit_data: Callable[[str], bool] | None,
               ) -> list[tuple[tuple[str | int, ...], str]]:
    """Levels whose cards would reach people, or a channel, that may not see credit
    data: the card showed them every figure, and their buttons then refused them, so
    the level waited for nobody."""
    if not isinstance(levels, list):
        return []
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for index, level in enumerate(levels):
        if not isinstance(level, Mapping):
            continue
        for key in ("role", "escalate_to"):
            role = level.get(key)
            barred = [u for u in _holders_of(role, holders)
                      if isinstance(u, str) and not cleared(u)] if cleared else []
            if barred:
                problems.append(((*where, index, key), (
                    f"{', '.join(barred)} may not see credit data (access.credit_data), "
                    f"but {'they hold' if len(barred) > 1 else 'holds'} {shown(role)}, "
                    "whose cards show the customer's figures; add the role to "
                    "access.credit_data.roles, or name a role whose holders may see them")))
        post_to = level.get("post_to")
        if open_to_credit_data is not None and isinstance(post_to, str) \
                and not open_to_credit_data(post_to):
            problems.append(((*where, index, "post_to"), (
                f"the {shown(post_to)} channel {NOT_OPEN}, and the cards posted there "
                "show the customer's figures; post to a "
                "department whose channel is, or leave post_to out to send the cards to "
                "the role's holders by direct message")))
    return problems


def _typos(section: Mapping[str, object], held: list[str], empty: Collection[str] = ()
           ) -> list[tuple[tuple[str | int, ...], str]]:
    """A role held under ``roles`` whose name is close to one the rules name and nobody
    holds: said at the roles line too, since the typo may be there (``credit_manger``)
    as well as in the rules (``finance_directr``); which one is the person's to say.
    Not when the held one is a standard role (``cfo``): the rules' ``cfoo`` is then the
    typo, said at its own line. A role listed with nobody under it that the rules name
    is said at its roles line: that is where its holders go."""
    named = {role for kind in RequestKind
             if isinstance(policy := section.get(kind.value), Mapping)
             and isinstance(bands := policy.get("bands"), list)
             for band in bands if isinstance(band, Mapping)
             and isinstance(levels := band.get("levels"), list)
             for level in levels if isinstance(level, Mapping)
             for key in ("role", "escalate_to")
             if isinstance(role := level.get(key), str)}
    close_to: dict[str, list[str]] = {}
    for role in sorted(r for r in named if r not in held and r not in empty):
        for close in difflib.get_close_matches(role, held, n=1, cutoff=0.8):
            if close not in STANDARD_ROLES:
                close_to.setdefault(close, []).append(role)
    unheld: list[tuple[tuple[str | int, ...], str]] = [
        (("roles", role), f"the approval rules name {shown(role)}, but nobody is listed "
         "under it: add its holders here") for role in sorted(named & set(empty))]
    return unheld + [
        (("roles", close), f"the approval rules name {' and '.join(map(shown, roles))}, "
         f"which nobody holds and {'differ' if len(roles) > 1 else 'differs'} from "
         f"{shown(close)} by a letter or two: if they mean the same role, write it the "
         "same way here and in the rules")
        for close, roles in close_to.items()]


def _holders_of(role: object, holders: Mapping[str, object]) -> list[object]:
    found = holders.get(role) if isinstance(role, str) else None
    return found if isinstance(found, list) else []


def _others(level: Mapping[str, object], holders: Mapping[str, object],
            taken: object) -> list[object]:
    """Who could decide ``level`` besides ``taken`` (the one person an earlier level was
    escalated to): the other holders of its role and of its escalation role."""
    people = [*_holders_of(level.get("role"), holders),
              *_holders_of(level.get("escalate_to"), holders)]
    return [u for u in people if not isinstance(taken, list) or u not in taken]


def _level_problems(levels: object, where: tuple[str | int, ...], held: list[str],
                    departments: Collection[str] | None = None, empty: Collection[str] = (),
                    holders: Mapping[str, object] | None = None,
                    ) -> list[tuple[tuple[str | int, ...], str]]:
    if not isinstance(levels, list):
        return []
    hint = (f"list its holders under roles, or use one of {', '.join(held)}" if held else
            "list its holders under roles")
    problems: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, int] = {}
    for index, level in enumerate(levels):
        if not isinstance(level, Mapping):
            continue
        for key in ("role", "escalate_to"):
            role = level.get(key)
            # A name that is no role name at all (CFO) is the field check's to report.
            if is_role_name(role) and role not in held:
                why = ("roles lists it with nobody under it: add its holders there"
                       if role in empty else misspelt_role(str(role), held, empty) or hint)
                problems.append(((*where, index, key),
                                 f"nobody holds the role {shown(role)}; {why}"))
        post_to = level.get("post_to")
        if departments is not None and post_to is not None and post_to not in departments:
            known = ", ".join(sorted(departments))
            problems.append(((*where, index, "post_to"), f"no department is called "
                             f"{shown(post_to)}; name one listed under departments"
                             + (f" ({known})" if known else "") + ", or leave post_to out "
                             "to send the card to each holder of the role by direct "
                             "message"))
        escalate_to = level.get("escalate_to")
        if isinstance(escalate_to, str) and escalate_to == level.get("role"):
            problems.append(((*where, index, "escalate_to"), (
                f"{shown(escalate_to)} is this level's own role: after the deadline nobody "
                "new could decide it; name another role, or leave escalate_to out")))
        only = (holders or {}).get(escalate_to) if isinstance(escalate_to, str) else None
        # The person, not the role's name: the CFO listed as treasurer too is one person.
        later = [i for i, other in enumerate(levels) if i > index
                 and isinstance(other, Mapping) and isinstance(only, list) and len(only) == 1
                 and only[0] in _holders_of(other.get("role"), holders or {})
                 and not _others(other, holders or {}, only)]
        if later and isinstance(only, list):
            problems.append(((*where, index, "escalate_to"), (
                f"{only[0]}, the only holder of {shown(escalate_to)}, decides level "
                f"{later[0] + 1} of this band too: nobody decides two levels of one "
                "request, so after the deadline they could only reject this one; escalate "
                "to a role that decides no later level, list a second holder of the role, "
                f"or give level {later[0] + 1} an escalate_to of its own")))
        role = level.get("role")
        if isinstance(role, str):
            if role in seen:
                problems.append(((*where, index, "role"), f"{shown(role)} already decides "
                                 f"level {seen[role] + 1} of this band, and nobody may decide "
                                 "two levels of one request; name another role"))
            else:
                seen[role] = index
    return problems
