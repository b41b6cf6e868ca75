"""Currency conversion through the base currency, at the latest known rates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from domain.errors import MissingRate

if TYPE_CHECKING:
    from domain.ports import RateRepository


@dataclass(frozen=True)
class FxRates:
    """``to_base[c]`` is how many units of ``base`` one unit of ``c`` buys, as of ``as_of``.

    A currency without a rate is an error, never a silent 1:1.
    """

    base: str
    as_of: date
    to_base: Mapping[str, Decimal] = field(default_factory=dict)
    _factors: dict[tuple[str, str], Decimal] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def on_record(cls, rates: RateRepository, base: str, as_of: date) -> FxRates:
        """The rates to ``base`` on record as of ``as_of``: those imported against
        another base are left out, so a currency priced only in them has no rate."""
        return cls(base, as_of, rates.latest(as_of, base))

    def rate(self, currency: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        try:
            return self.to_base[currency]
        except KeyError:
            raise MissingRate(currency, self.base, self.as_of) from None

    def factor(self, source: str, target: str) -> Decimal:
        """What one unit of ``source`` is worth in ``target`` (cached: a portfolio asks
        the same few pairs tens of thousands of times)."""
        key = (source, target)
        found = self._factors.get(key)
        if found is None:
            found = Decimal(1) if source == target else self.rate(source) / self.rate(target)
            self._factors[key] = found
        return found

