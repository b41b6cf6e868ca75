"""Currency conversion through the base currency, at the latest known rates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.errors import MissingRate
from domain.money import Money


@dataclass(frozen=True)
class FxRates:
    """``to_base[c]`` is how many units of ``base`` one unit of ``c`` buys, as of ``as_of``.

    A currency without a rate is an error, never a silent 1:1.
    """

    base: str
    as_of: date
    to_base: Mapping[str, Decimal] = field(default_factory=dict)

    def rate(self, currency: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        try:
            return self.to_base[currency]
        except KeyError:
            raise MissingRate(currency, self.base, self.as_of) from None

    def convert_amount(self, amount: Decimal, source: str, target: str) -> Decimal:
        """Unrounded: callers add converted amounts first and round once."""
        if source == target:
            return amount
        return amount * self.rate(source) / self.rate(target)

    def convert(self, money: Money, currency: str) -> Money:
        return Money(self.convert_amount(money.amount, money.currency, currency), currency)
