"""Money: a Decimal amount with its ISO 4217 currency. Never a float."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.currencies import is_currency, minor_units
from domain.errors import CurrencyError


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, got {type(self.amount).__name__}")
        if not is_currency(self.currency):
            raise CurrencyError(f"“{self.currency}” is not an ISO 4217 currency code")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyError(
                f"cannot combine {self.currency} and {other.currency} without converting"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def rounded(self) -> Money:
        """Rounded half-up to the currency's minor unit (2 for USD, 0 for JPY, 3 for KWD)."""
        exponent = Decimal(1).scaleb(-minor_units(self.currency))
        rounded = self.amount.quantize(exponent, rounding=ROUND_HALF_UP)
        # -0.00001 rounds to -0.00; nobody should read "-$0.00".
        return Money(rounded.copy_abs() if rounded == 0 else rounded, self.currency)

    def format(self) -> str:
        """``USD 1,234.50`` / ``JPY -1,200``: grouped digits, the currency's own decimals."""
        places = minor_units(self.currency)
        return f"{self.currency} {self.rounded().amount:,.{places}f}"

    def __str__(self) -> str:
        return self.format()
