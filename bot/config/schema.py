"""The sections of app.yaml. Each section is its own model, so a later capability adds
its section as one more field of ``AppConfig`` without touching the others."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from bot.config.fields import ChannelId, CurrencyCode, TimeZoneName, UserId
from domain.aging import AgingBuckets


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


class Roles(Section):
    credit_analyst: list[UserId] = []
    credit_manager: list[UserId] = []
    finance_director: list[UserId] = []
    cfo: list[UserId] = []
    collector: list[UserId] = []
    legal: list[UserId] = []
    sales: list[UserId] = []

    def of(self, user_id: str) -> list[str]:
        return [role for role, users in self if user_id in users]


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

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, roles: list[str]) -> list[str]:
        unknown = sorted(set(roles) - set(Roles.model_fields))
        if unknown:
            raise PydanticCustomError(
                "role", "unknown role(s) {unknown}; roles are: {known}",
                {"unknown": ", ".join(unknown), "known": ", ".join(Roles.model_fields)})
        return roles


class Access(Section):
    credit_data: CreditDataAccess = CreditDataAccess()


class AppConfig(Section):
    organisation: Organisation
    departments: dict[str, Department]
    roles: Roles = Roles()
    aging: Aging = Aging()
    access: Access = Access()

    @model_validator(mode="after")
    def _access_departments_exist(self) -> AppConfig:
        unknown = sorted(set(self.access.credit_data.departments) - set(self.departments))
        if unknown:
            raise PydanticCustomError(
                "department", "access.credit_data.departments: {unknown} not under departments",
                {"unknown": ", ".join(unknown)})
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
        return users | {u for _, members in self.roles for u in members}
