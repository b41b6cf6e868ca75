"""Which customers a rule of the organisation's settings applies to, by the customer's
department, owner, group, country and currency: alert routes and collection assignment
rules match customers the same way."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def _country(value: str | None) -> str | None:
    # ERPs write countries in either case, sometimes padded: "cn", "CN ", "Cn" are one.
    return (value or "").strip().upper() or None


@dataclass(frozen=True)
class CustomerMatch:
    """An empty set matches anything; a set matches a customer whose attribute is in it
    (a customer without the attribute matches only the empty set)."""

    departments: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    # ISO codes of the customer's credit currency (a collector for the HKD accounts).
    currencies: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Compared as _country() writes them, whatever the settings wrote.
        object.__setattr__(self, "countries", frozenset(
            c for c in map(_country, self.countries) if c is not None))

    @classmethod
    def of(cls, departments: Iterable[str] = (), owners: Iterable[str] = (),
           groups: Iterable[str] = (), countries: Iterable[str] = (),
           currencies: Iterable[str] = ()) -> CustomerMatch:
        return cls(frozenset(departments), frozenset(owners), frozenset(groups),
                   frozenset(countries), frozenset(currencies))

    def matches(self, department: str | None, owner: str | None, group: str | None,
                country: str | None, currency: str | None = None) -> bool:
        """``department``: the customer's as the caller resolved it (its own, else its
        owner's)."""
        return (_within(self.departments, department)
                and _within(self.owners, owner)
                and _within(self.groups, group)
                and _within(self.countries, _country(country))
                and _within(self.currencies, currency))


def _within(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or (value is not None and value in allowed)
