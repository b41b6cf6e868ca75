"""What one unit of each major, stable currency is roughly worth: enough to see a rate
written the wrong way round (7.1 for CNY, 150 for JPY against USD) on any import, the
first too, when no previous rate is there to compare with. Such a rate, taken, made a
group's pooled limit $57,630,400.00 and the next alerts announce 38 conditions more."""

from __future__ import annotations

from decimal import Decimal

# In US dollars. Currencies that move fast (ARS, TRY, NGN, EGP…) are left out: a rough
# value of theirs goes stale within a year or two.
ROUGH_USD_WORTH = {code: Decimal(worth) for code, worth in {
    "USD": "1", "EUR": "1.1", "GBP": "1.3", "CHF": "1.15", "JPY": "0.0067", "CNY": "0.14",
    "HKD": "0.128", "TWD": "0.031", "KRW": "0.00072", "SGD": "0.75", "INR": "0.012",
    "AUD": "0.65", "NZD": "0.6", "CAD": "0.73", "SEK": "0.095", "NOK": "0.093",
    "DKK": "0.147", "PLN": "0.25", "CZK": "0.044", "ILS": "0.27", "SAR": "0.267",
    "AED": "0.272", "QAR": "0.275", "KWD": "3.25", "BHD": "2.65", "MYR": "0.22",
    "THB": "0.029", "PHP": "0.018", "IDR": "0.000063", "VND": "0.00004", "MXN": "0.055",
    "ZAR": "0.055"}.items()}
# Real rates stay within this factor of those rough values for years; a rate written the
# wrong way round is off by the square of the currency's worth (7.1 for 0.14: 51×).
ROUGH_WORTH_FACTOR = 20


def far_from_worth(currency: str, base: str, rate: Decimal) -> str | None:
    """Why ``rate`` (``base`` per 1 ``currency``) cannot be meant, when it is more than
    ROUGH_WORTH_FACTOR times (or less than a ROUGH_WORTH_FACTOR-th of) what 1 ``currency``
    is roughly worth in ``base``; None when it is near, or either currency is not in
    the table."""
    if currency == base or currency not in ROUGH_USD_WORTH or base not in ROUGH_USD_WORTH \
            or rate <= 0:
        return None
    worth = ROUGH_USD_WORTH[currency] / ROUGH_USD_WORTH[base]
    ratio = rate / worth
    if 1 / Decimal(ROUGH_WORTH_FACTOR) <= ratio <= ROUGH_WORTH_FACTOR:
        return None
    size = (f"{ratio:,.0f}× what 1 {currency} is roughly worth" if ratio > 1
            else f"1/{1 / ratio:,.0f} of what 1 {currency} is roughly worth")
    return (f"{plain(rate)} says 1 {currency} = {plain(rate)} {base}, {size} "
            f"({significant(worth)} {base}): write what 1 {currency} is worth in {base}; if "
            f"the file means 1 {base} = {plain(rate)} {currency}, write "
            f"{significant(1 / rate)}")


def plain(value: Decimal) -> str:
    """``value`` as written by hand: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")


def significant(value: Decimal, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, without an exponent (0.006667)."""
    return plain(round(value, max(0, digits - 1 - value.adjusted())))
