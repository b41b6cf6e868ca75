"""The sections of app.yaml. Each section is its own model, so a later capability adds
its section as one more field of ``AppConfig`` without touching the others."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.config.fields import ChannelId, CurrencyCode, TimeZoneName, UserId
from domain.aging import AgingBuckets

_ROLE_NAME = re.compile(r"[a-z][a-z0-9_]*")


class Section(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organisation(Section):
    name: str = Field(min_length=1)
    base_currency: CurrencyCode
    timezone: TimeZoneName = "UTC"
    locale: str = Field(default="en-US", pattern=r"^[a-z]{2,3}(-[A-Z][A-Za-z]{1,3})?$")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class Department(Section):
    name: str = Field(min_length=1)
    channel: ChannelId
    members: list[UserId] = []


# The roles the workflow knows out of the box; an organisation may add its own (a
# policy can name any role that someone holds).
STANDARD_ROLES = ("credit_analyst", "credit_manager", "finance_director", "cfo", "collector",
                  "legal", "sales")


class Roles(RootModel[dict[str, list[UserId]]]):
    """Role name -> the Slack user ids who hold it."""

    model_config = ConfigDict(frozen=True)
    root: dict[str, list[UserId]] = {}

    @field_validator("root")
    @classmethod
    def _role_names(cls, roles: dict[str, list[str]]) -> dict[str, list[str]]:
        bad = [name for name in roles if not _ROLE_NAME.fullmatch(name)]
        if bad:
            raise PydanticCustomError(
                "role_name", "role names are lower-case words joined by _ (e.g. "
                "credit_manager); not: {bad}", {"bad": ", ".join(bad)})
        return roles

    def of(self, user_id: str) -> list[str]:
        return [role for role, users in self.root.items() if user_id in users]

    def holders(self, role: str) -> list[str]:
        return list(self.root.get(role, []))

    def names(self) -> list[str]:
        return list(dict.fromkeys((*STANDARD_ROLES, *self.root)))

    def items(self) -> list[tuple[str, list[str]]]:
        return list(self.root.items())


class Aging(Section):
    bucket_edges: list[int] = [30, 60, 90]

    @field_validator("bucket_edges")
    @classmethod
    def _valid_edges(cls, edges: list[int]) -> list[int]:
        try:
            AgingBuckets(tuple(edges))
        except ValueError as problem:
            raise PydanticCustomError("aging", str(problem)) from None
        return edges

    @property
    def buckets(self) -> AgingBuckets:
        return AgingBuckets(tuple(self.bucket_edges))


class CreditDataAccess(Section):
    """Who may see credit positions (/credit check). Empty lists: every listed person."""

    roles: list[str] = []
    departments: list[str] = []
    # Where a card may be shared. None: the departments' channels listed above.
    share_channels: list[ChannelId] | None = None


class Access(Section):
    credit_data: CreditDataAccess = CreditDataAccess()


class AppConfig(Section):
    organisation: Organisation
    departments: dict[str, Department]
    roles: Roles = Roles()
    aging: Aging = Aging()
    access: Access = Access()

    @model_validator(mode="after")
    def _access_names_exist(self) -> AppConfig:
        rule = self.access.credit_data
        unknown = sorted(set(rule.departments) - set(self.departments))
        if unknown:
            raise PydanticCustomError(
                "department", "access.credit_data.departments: {unknown} not under departments",
                {"unknown": ", ".join(unknown)})
        unknown = sorted(set(rule.roles) - set(self.roles.names()))
        if unknown:
            raise PydanticCustomError(
                "role", "access.credit_data.roles: unknown role(s) {unknown}; roles are: "
                "{known}", {"unknown": ", ".join(unknown), "known": ", ".join(self.roles.names())})
        return self

    @model_validator(mode="after")
    def _channels_unique(self) -> AppConfig:
        seen: dict[str, str] = {}
        for key, department in self.departments.items():
            if department.channel in seen:
                raise PydanticCustomError(
                    "duplicate_channel",
                    "departments.{key}.channel: {channel} is already the channel of "
                    "departments.{other}; each department needs its own",
                    {"key": key, "channel": department.channel, "other": seen[department.channel]},
                )
            seen[department.channel] = key
        return self

    def known_users(self) -> set[str]:
        users = {u for d in self.departments.values() for u in d.members}
        return users | {u for _, members in self.roles.items() for u in members}

    def share_channels(self) -> frozenset[str]:
        """Channels a credit card may be shared into."""
        chosen = self.access.credit_data.share_channels
        if chosen is None:
            return frozenset(d.channel for d in self.departments.values())
        return frozenset(chosen)
