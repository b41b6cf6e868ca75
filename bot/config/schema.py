"""The sections of app.yaml. Each section is its own model, so a later capability adds
its section as one more field of ``AppConfig`` without touching the others.

Each field's ``description`` says what a right value looks like; ``config check`` quotes
it when a value has the wrong shape (``items`` does the same for the entries of a list
or mapping, one level per entry)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.config.alerts import AlertSettings, route_problems
from bot.config.approvals import ApprovalSettings, base_amount_problems, policy_problems
from bot.config.closed_channels import closed_channel_problems
from bot.config.collections import CollectionSettings, collection_problems
from bot.config.fields import (
    STANDARD_ROLES,
    ChannelId,
    CurrencyCode,
    LocaleTag,
    RoleName,
    TimeZoneName,
    UserId,
    shown,
)
from bot.config.meetings import MeetingSettings
from bot.config.orders import OrderSettings
from bot.config.reports import ReportsSettings, post_to_problems, provision_problems
from bot.config.section import Section
from domain.access import CreditDataAccess as DomainAccess
from domain.access import Member
from domain.aging import AgingBuckets
from domain.approvals.context import Roster
from domain.meetings.schedule import SchedulingPolicy

_USER_IDS = "a list of Slack user ids, e.g. [U0123ABCDE, U0456FGHIJ]"
_USER_ID = "a Slack user id such as U0123ABCDE"


class Organisation(Section):
    name: str = Field(min_length=1, description="the organisation's name, e.g. Northwind Trading")
    base_currency: CurrencyCode = Field(
        description="an ISO 4217 currency code such as USD, EUR or CNY")
    timezone: TimeZoneName = Field(
        default="UTC", description="an IANA time zone such as Asia/Shanghai or Europe/Berlin")
    locale: LocaleTag = Field(default="en-US",
                              description="a language tag such as en-US, zh-CN or de")
    # Where the bot reports what only an admin can fix (a channel it was removed from,
    # a message Slack refuses); without it those problems are only logged.
    admin_channel: ChannelId | None = Field(
        default=None, description="a Slack channel id such as C0123ABCDE")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Department(Section):
    name: str = Field(min_length=1, description="the department's name, e.g. Credit Management")
    channel: ChannelId = Field(description="a Slack channel id such as C0123ABCDE")
    members: list[UserId] = Field(default=[], description=_USER_IDS,
                                  json_schema_extra={"items": [_USER_ID]})
    # The language of the bot's posts in this channel; the organisation's by default.
    locale: LocaleTag | None = Field(default=None,
                                     description="a language tag such as en-US, zh-CN or de")


class Person(Section):
    """Settings of one person that override what Slack reports for them."""

    locale: LocaleTag | None = Field(default=None,
                                     description="a language tag such as en-US, zh-CN or de")



class Roles(RootModel[dict[RoleName, list[UserId]]]):
    """Role name -> the Slack user ids who hold it."""

    model_config = ConfigDict(frozen=True)
    root: dict[RoleName, list[UserId]] = {}

    def of(self, user_id: str) -> list[str]:
        return [role for role, users in self.root.items() if user_id in users]

    def holders(self, role: str) -> list[str]:
        return list(self.root.get(role, []))

    def names(self) -> list[str]:
        return list(dict.fromkeys((*STANDARD_ROLES, *self.root)))

    def items(self) -> list[tuple[str, list[str]]]:
        return list(self.root.items())


class Aging(Section):
    bucket_edges: list[int] = Field(
        default=[30, 60, 90],
        description="a list of days past due where a bucket ends, e.g. [30, 60, 90]",
        json_schema_extra={"items": ["a whole number of days"]})

    @field_validator("bucket_edges")
    @classmethod
    def _valid_edges(cls, edges: list[int]) -> list[int]:
        try:
            AgingBuckets(tuple(edges))
        except ValueError as problem:
            example = "" if "e.g." in str(problem) else " (e.g. [30, 60, 90])"
            raise PydanticCustomError("aging", "{problem}{example}, got {shown}", {
                "problem": str(problem), "example": example, "shown": shown(edges)}) from None
        return edges

    @property
    def buckets(self) -> AgingBuckets:
        return AgingBuckets(tuple(self.bucket_edges))


class CreditDataAccess(Section):
    """Who may see credit positions (/credit check). Empty lists: every listed person."""

    roles: list[str] = Field(
        default=[], description="a list of role names, e.g. [credit_manager, sales]",
        json_schema_extra={"items": ["a role name"]})
    departments: list[str] = Field(
        default=[], description="a list of department keys from departments, e.g. [sales, credit]",
        json_schema_extra={"items": ["a department key such as sales"]})
    # Where a card may be shared. None: the channels of the departments whose members
    # all may see credit data.
    share_channels: list[ChannelId] | None = Field(
        default=None, description="a list of Slack channel ids, e.g. [C0123ABCDE, C0456FGHIJ]",
        json_schema_extra={"items": ["a Slack channel id such as C0123ABCDE"]})


class Access(Section):
    credit_data: CreditDataAccess = Field(
        default=CreditDataAccess(), description="a section with roles, departments and "
        "share_channels")


# A digit in the weekday field outside a step (*/2): crontab counts 0 as Sunday and
# APScheduler 3 as Monday, so a number would silently run on the wrong day.
_WEEKDAY_NUMBER = re.compile(r"(?<![/\d])\d")


def cron_trigger(expression: str, zone: tzinfo) -> CronTrigger:
    """The trigger of a cron expression: five fields (minute hour day month weekday),
    or six with seconds in front; weekdays by name. ValueError if it is not one, or if
    it never comes round (31 February)."""
    fields = expression.split()
    if len(fields) == 6 and re.fullmatch(r"(19|20)\d\d", fields[-1]):
        # Six fields are read with seconds first: "0 0 * * * 2027" was refused as a
        # weekday written by number.
        raise ValueError(f"“{fields[-1]}” reads as a year, and a cron expression has no "
                         "year field: a schedule repeats every year")
    if len(fields) not in (5, 6):
        raise ValueError(f"a cron expression has 5 fields, not {len(fields)}")
    second = fields[0] if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields[-5:]
    if _WEEKDAY_NUMBER.search(weekday):
        raise ValueError("write weekdays by name (mon-fri), not by number")
    named = {"second": second, "minute": minute, "hour": hour, "day": day, "month": month,
             "weekday": weekday}
    for field, value in named.items():
        try:
            CronTrigger(**{"day_of_week" if field == "weekday" else field: value},
                        timezone=zone)
        except ValueError as wrong:
            # APScheduler's words name the value, not the field ("the last value (25) is
            # higher than the maximum value (23)"): said of the field it is in.
            raise ValueError(_cron_field_problem(field, value, str(wrong))) from None
    trigger = CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                          day_of_week=weekday, timezone=zone)
    if trigger.get_next_fire_time(None, datetime.now(zone)) is None:
        raise ValueError(f"day {day} of month {month} never comes round")
    return trigger


_CRON_RANGES = {"second": (0, 59), "minute": (0, 59), "hour": (0, 23), "day": (1, 31),
                "month": (1, 12)}


def _cron_field_problem(field: str, value: str, said: str) -> str:
    """What is wrong with one field of a cron expression, APScheduler's ``said`` in the
    words of the field it is in."""
    bounds = _CRON_RANGES.get(field)
    out_of_range = bounds is not None and any(
        not bounds[0] <= int(number) <= bounds[1] for number in re.findall(r"\d+", value))
    if "must not be higher than the maximum" in said and not out_of_range:  # "5-1"
        return f"its {field} field, “{value}”, is a range that runs backwards: write it low-high"
    if bounds is not None and (out_of_range or "maximum value" in said
                               or "minimum value" in said):
        low, high = _CRON_RANGES[field]
        return f"its {field} field, “{value}”, is out of range: {field}s run {low} to {high}"
    if field == "weekday":
        return (f"its weekday field, “{value}”, is not one: write mon, tue, wed, thu, fri, "
                "sat or sun, a range (mon-fri) or a list (sat,sun)")
    return (f"its {field} field, “{value}”, is not one: write a number, * (every), */15 "
            "(every 15th), a range (1-5) or a list (1,15)")


def _cron(value: str) -> str:
    try:
        cron_trigger(value, ZoneInfo("UTC"))
    except ValueError as problem:
        raise PydanticCustomError("cron", str(problem)) from None
    return value


_CRON = ('a cron expression "minute hour day month weekday" in the organisation\'s time '
         'zone, weekdays by name, e.g. "15 3 * * *" (03:15 every day) or "0 8 * * mon-fri"')
CronExpression = Annotated[str, AfterValidator(_cron)]


class Schedules(Section):
    """When each job runs: a field per job the features declare (handlers.registry.Job),
    so a schedule for a job nobody declares is a misspelt key."""

    def of(self, job: str) -> str | None:
        value = getattr(self, job, None)
        return value if isinstance(value, str) else None


def _job_schedules() -> type[Schedules]:
    from handlers.features import catalogue

    fields: dict[str, object] = {
        job.name: (CronExpression | None, Field(default=None, description=_CRON))
        for job in catalogue().jobs}
    return create_model("JobSchedules", __base__=Schedules, **fields)  # type: ignore[call-overload, no-any-return]


if TYPE_CHECKING:
    JobSchedules = Schedules
else:
    JobSchedules = _job_schedules()


class SchedulerSettings(Section):
    # How long a leader's claim lasts: a standby takes over within this plus one check
    # after the leader dies; the leader renews at a third of it.
    lease_seconds: int = Field(default=45, ge=3, le=3600,
                               description="a whole number of seconds from 3 to 3600, e.g. 45")


@dataclass(frozen=True)
class Problem:
    """Something wrong between sections, at a key path of app.yaml."""

    loc: tuple[str | int, ...]
    message: str


def cross_section_problems(
    channels: Mapping[str, str | None], role_names: Iterable[str],
    access_roles: Sequence[object], access_departments: Sequence[object],
) -> list[Problem]:
    """Every problem that needs two sections to see: a department channel used twice,
    access rules naming departments or roles that do not exist.

    ``channels`` maps department keys to their channel (None when it has none worth
    comparing); ``role_names`` are the roles known (standard and configured)."""
    problems = []
    seen: dict[str, str] = {}
    for key, channel in channels.items():
        if channel is None:
            continue
        if channel in seen:
            problems.append(Problem(
                ("departments", key, "channel"),
                f"{channel} is already the channel of departments.{seen[channel]}; each "
                "department needs its own"))
        else:
            seen[channel] = key
    departments = (f"use a key under departments: {', '.join(channels)}" if channels else
                   "there are no departments yet")
    # Names that are not text at all are the field checks' to report.
    for index, name in enumerate(access_departments):
        if isinstance(name, str) and name not in channels:
            problems.append(Problem(
                ("access", "credit_data", "departments", index),
                f"{shown(name)} is not a department; {departments}"))
    known = list(role_names)
    for index, name in enumerate(access_roles):
        if isinstance(name, str) and name not in known:
            problems.append(Problem(
                ("access", "credit_data", "roles", index),
                f"{shown(name)} is not a role; use one of {', '.join(known)}, or list its "
                "holders under roles"))
    return problems


class AppConfig(Section):
    organisation: Organisation = Field(
        description="a section with name, base_currency, timezone and locale")
    departments: dict[str, Department] = Field(
        description="a mapping from a short key (e.g. sales) to the department's name, "
        "channel and members",
        json_schema_extra={"items": ["a section with name, channel and members"]})
    roles: Roles = Field(
        default=Roles(), description="a mapping from role name to the Slack user ids who hold "
        "it, e.g. credit_manager: [U0123ABCDE]", json_schema_extra={"items": [_USER_IDS, _USER_ID]})
    aging: Aging = Field(default=Aging(), description="a section with bucket_edges")
    access: Access = Field(default=Access(), description="a section with credit_data")
    people: dict[UserId, Person] = Field(
        default={}, description="a mapping from a Slack user id to that person's settings, "
        "e.g. U0123ABCDE: {locale: zh-CN}",
        json_schema_extra={"items": ["a section with locale"]})
    schedules: JobSchedules = Field(
        default_factory=JobSchedules, description="a mapping from a job name to a cron "
        'expression, e.g. housekeeping: "15 3 * * *"', json_schema_extra={"items": [_CRON]})
    scheduler: SchedulerSettings = Field(default=SchedulerSettings(),
                                         description="a section with lease_seconds")
    alerts: AlertSettings = Field(
        default=AlertSettings(), description="a section with utilisation, large_invoice, "
        "contract_notice_days and routes")
    approvals: ApprovalSettings = Field(
        default=ApprovalSettings(), description="a section with one policy per request "
        "kind: limit_increase, temporary_limit, first_limit, order_release, terms_change")
    orders: OrderSettings = Field(
        default=OrderSettings(), description="a section with tolerance_percent, "
        "max_days_overdue, on_hold and contracts")
    collections: CollectionSettings = Field(
        default=CollectionSettings(), description="a section with collectors, assigners "
        "and rules")
    reports: ReportsSettings = Field(
        default=ReportsSettings(), description="a section with post_to, months and provision_rates")
    meetings: MeetingSettings = Field(
        default=MeetingSettings(), description="a section with working_hours, "
        "working_days, default_minutes, longest_minutes and reminders_before")
    # The text the configuration was read from: what the audit log keeps of it.
    _source: str | None = PrivateAttr(default=None)

    @classmethod
    def from_text(cls, data: object, text: str) -> AppConfig:
        config = cls.model_validate(data)
        config._source = text
        return config

    @property
    def source_text(self) -> str | None:
        """The app.yaml text read, None for a configuration built in code."""
        return self._source

    @model_validator(mode="after")
    def _sections_agree(self) -> AppConfig:
        rule = self.access.credit_data
        problems = cross_section_problems(
            {key: d.channel for key, d in self.departments.items()}, self.roles.names(),
            rule.roles, rule.departments)
        routes = self.alerts.routes
        problems += [Problem(loc, message) for loc, message in route_problems(
            None if routes is None else [r.model_dump() for r in routes], self.departments,
            self.roles.names(), self.known_users(), self.may_see_credit_data,
            self.roles.root)]
        problems += [Problem(loc, message) for loc, message in policy_problems(
            self.approvals.model_dump(exclude_none=True), self.roles.root,
            list(self.departments), cleared=self.may_see_credit_data,
            open_to_credit_data=self.open_to_credit_data)]
        problems += [Problem(loc, message) for loc, message in closed_channel_problems(
            {"alerts": {"routes": None if routes is None else [
                r.model_dump() for r in routes]},
             "reports": self.reports.model_dump(exclude_unset=True),
             "collections": self.collections.model_dump(exclude_unset=True),
             "organisation": {"admin_channel": self.organisation.admin_channel}},
            self.department_channels(), self.open_to_credit_data,
            self.access.credit_data.share_channels)]
        problems += [Problem(loc, message) for loc, message in collection_problems(
            self.collections.model_dump(exclude_unset=True), self.departments, self.roles.names(),
            self.known_users(), cleared=self.may_see_credit_data, holders=self.roles.root,
            legal_members={key: d.members for key, d in self.departments.items()})]
        problems += [Problem(loc, message) for loc, message in provision_problems(
            self.reports.model_dump(), self.aging.bucket_edges)]
        problems += [Problem(loc, message) for loc, message in post_to_problems(
            self.reports.model_dump(exclude_unset=True), self.departments)]
        problems += [Problem(loc, message) for loc, message in base_amount_problems(
            self.organisation.base_currency, self.alerts.large_invoice,
            self.approvals.model_dump(exclude_none=True))]
        if problems:
            first = problems[0]
            raise PydanticCustomError("cross_section", "{where}: {message}", {
                "where": ".".join(map(str, first.loc)), "message": first.message})
        return self

    def holidays(self) -> frozenset[date]:
        """The organisation's days off: the approvals' working time's (the one list; no
        reminder, digest or deadline falls on them)."""
        working = self.approvals.working_time
        return frozenset(working.holidays if working is not None else ())

    def meeting_policy(self) -> SchedulingPolicy:
        """The meetings' policy; their holidays, when ``meetings`` names none, the
        organisation's."""
        return self.meetings.policy(sorted(self.holidays()))

    def department_channels(self) -> dict[str, str]:
        """Each department's channel, by its key."""
        return {key: d.channel for key, d in self.departments.items()}

    def roster(self) -> Roster:
        """Who holds which role and who belongs to which department, for the approvals."""
        return Roster(dict(self.roles.items()),
                      {key: list(d.members) for key, d in self.departments.items()})

    def may_see_credit_data(self, user: str) -> bool:
        """What access.credit_data says of ``user`` (as domain.access decides it)."""
        rule = self.access.credit_data
        return DomainAccess(frozenset(rule.roles), frozenset(rule.departments)).allows(
            Member(user, frozenset(self.roles.of(user)), frozenset(
                key for key, d in self.departments.items() if user in d.members)))

    def known_users(self) -> set[str]:
        users = {u for d in self.departments.values() for u in d.members}
        return users | {u for _, members in self.roles.items() for u in members}

    def locale_overrides(self) -> dict[str, str]:
        """People whose language app.yaml fixes, whatever Slack says."""
        return {user: person.locale for user, person in self.people.items() if person.locale}

    def channel_locales(self) -> dict[str, str]:
        """The language of the bot's posts per channel (the organisation's elsewhere)."""
        return {d.channel: d.locale for d in self.departments.values() if d.locale}

    def open_to_credit_data(self, key: str) -> bool:
        """Whether department ``key``'s channel may be given credit data (True for a key
        that is no department: that is a problem of its own)."""
        return key not in self.departments or \
            self.departments[key].channel in self.share_channels()

    def share_channels(self) -> frozenset[str]:
        """Channels a credit card may be shared into (and alerts routed by a customer's
        own department may go to): app.yaml's list, else the channels of the departments
        whose members all may see credit data. Every department's channel, as it was,
        opened a warehouse channel that access.credit_data.departments left out."""
        chosen = self.access.credit_data.share_channels
        if chosen is not None:
            return frozenset(chosen)
        return frozenset(d.channel for d in self.departments.values()
                         if all(self.may_see_credit_data(user) for user in d.members))
