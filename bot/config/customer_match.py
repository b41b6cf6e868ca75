"""The customer half of a rule's ``when``, as alert routes and collection assignment
rules write it::

    when: {department: sales, owner: U0123ABCDE, group: G-ACME, country: [CN, HK],
           currency: [HKD, USD]}

Each key takes one value or a list; left out (or empty), it matches anything."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from bot.config.fields import CurrencyCode, UserId
from bot.config.section import Section
from domain.customer_match import CustomerMatch


def listed(value: object) -> object:
    """``department: sales`` and ``department: [sales]`` say the same."""
    return [value] if isinstance(value, str) else value


class CustomerMatchSetting(Section):
    """What a rule matches of a customer; every list left out (or empty) matches
    anything."""

    department: Annotated[list[str], BeforeValidator(listed)] = Field(
        default=[], description="department keys from departments, e.g. [sales]",
        json_schema_extra={"items": ["a department key such as sales"]})
    owner: Annotated[list[UserId], BeforeValidator(listed)] = Field(
        default=[], description="Slack user ids of customer owners, e.g. [U0123ABCDE]",
        json_schema_extra={"items": ["a Slack user id such as U0123ABCDE"]})
    group: Annotated[list[str], BeforeValidator(listed)] = Field(
        default=[], description="customer group ids, e.g. [G-ACME]",
        json_schema_extra={"items": ["a group id"]})
    country: Annotated[list[str], BeforeValidator(listed)] = Field(
        default=[], description="countries as the ERP writes them, e.g. [CN, DE]",
        json_schema_extra={"items": ["a country"]})

    currency: Annotated[list[CurrencyCode], BeforeValidator(listed)] = Field(
        default=[], description="ISO codes of the customers' credit currency, e.g. [HKD, USD]",
        json_schema_extra={"items": ["an ISO 4217 currency code such as HKD"]})

    def customers(self) -> CustomerMatch:
        return CustomerMatch.of(self.department, self.owner, self.group, self.country,
                                self.currency)
