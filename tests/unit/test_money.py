from decimal import Decimal

import pytest

from domain.errors import CurrencyError
from domain.money import Money


def test_format_uses_the_currencys_own_decimals_and_groups_digits():
    assert Money(Decimal("1234567.5"), "USD").format() == "USD 1,234,567.50"
    assert Money(Decimal("1200.4"), "JPY").format() == "JPY 1,200"
    assert Money(Decimal("1.2345"), "KWD").format() == "KWD 1.235"
    assert Money(Decimal("-50"), "EUR").format() == "EUR -50.00"


def test_rounding_is_half_up_to_the_minor_unit():
    assert Money(Decimal("0.005"), "USD").rounded().amount == Decimal("0.01")
    assert Money(Decimal("2.5"), "JPY").rounded().amount == Decimal("3")


def test_adding_different_currencies_is_refused():
    with pytest.raises(CurrencyError, match="USD and EUR"):
        Money(Decimal(1), "USD") + Money(Decimal(1), "EUR")


def test_floats_and_unknown_currencies_are_refused():
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(CurrencyError, match="XYZ"):
        Money(Decimal(1), "XYZ")


def test_arithmetic_keeps_exact_decimals():
    total = Money(Decimal("0.1"), "USD") + Money(Decimal("0.2"), "USD")
    assert total.amount == Decimal("0.3")
    assert (total - Money(Decimal("0.5"), "USD")).is_negative


def test_an_amount_that_rounds_to_zero_is_never_negative_zero():
    tiny = Money(Decimal("-0.0001"), "USD").rounded()
    assert tiny.amount == 0 and not tiny.amount.is_signed()
    assert tiny.format() == "USD 0.00"
