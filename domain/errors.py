"""Errors the domain raises; each carries a message fit to show a person as is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.refs import CustomerRef


class DomainError(Exception):
    """A business rule said no. ``str(error)`` is the user-facing explanation."""


class CurrencyError(DomainError):
    pass


class MissingRate(DomainError):
    def __init__(self, currency: str, base: str, as_of: date) -> None:
        self.currency = currency
        self.base = base
        self.as_of = as_of
        super().__init__(
            f"No exchange rate for {currency} (to {base}) on or before {as_of.isoformat()}: "
            f"import one with `creditbot import rates FILE.csv`."
        )


class CustomerLookupError(DomainError):
    def __init__(self, query: str, candidates: Sequence[CustomerRef], message: str) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        super().__init__(message)


class CustomerNotFound(CustomerLookupError):
    def __init__(self, query: str, candidates: Sequence[CustomerRef] = ()) -> None:
        hint = ""
        if candidates:
            hint = " Closest: " + ", ".join(f"{c.name} ({c.customer_id})" for c in candidates)
        super().__init__(query, candidates, f"No customer matches “{query}”.{hint}")


class AmbiguousCustomer(CustomerLookupError):
    def __init__(self, query: str, candidates: Sequence[CustomerRef]) -> None:
        names = ", ".join(f"{c.name} ({c.customer_id})" for c in candidates)
        super().__init__(
            query, candidates, f"“{query}” matches several customers: {names}. Which one?"
        )
