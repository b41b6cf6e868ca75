"""Rounding figures that are read together: lines that add up to their total as shown,
and aging buckets whose total and overdue are each the exact amount rounded once."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal


def apportioned(total: Decimal, parts: Sequence[Decimal], unit: Decimal) -> list[Decimal]:
    """``parts`` rounded to whole ``unit``s (a cent) so that they add up to ``total`` as
    shown (a sum of rounded lines), by the largest-remainder method: each part rounded
    down, then the units left over to the parts with the largest remainders. Parts that
    do not add up to ``total`` within a unit each (other figures than its lines) are only
    rounded, never bent toward it."""
    if not parts:
        return []
    exact = [p / unit for p in parts]
    if abs(sum(exact, Decimal(0)) - total / unit) > len(parts):
        return [(x.to_integral_value(rounding=ROUND_HALF_UP) * unit).quantize(unit)
                for x in exact]
    floors = [x.to_integral_value(rounding=ROUND_FLOOR) for x in exact]
    left = int((total / unit).to_integral_value(rounding=ROUND_HALF_UP) - sum(floors))
    by_remainder = sorted(range(len(parts)), key=lambda i: (floors[i] - exact[i], i))
    shares = list(floors)
    for k in range(abs(left)):
        if left > 0:
            shares[by_remainder[k % len(parts)]] += 1
        else:
            shares[by_remainder[-1 - k % len(parts)]] -= 1
    return [(s * unit).quantize(unit) for s in shares]


def aged_shares(exact: Sequence[Decimal], unit: Decimal) -> list[Decimal]:
    """Aging buckets (the first one current, the rest overdue) to whole ``unit``s, so
    that the total and the overdue are each their exact amount rounded once, as every
    other view of the same invoices rounds them, and the buckets add up to both: the
    overdue buckets apportioned within the overdue, the current bucket the rest. Each
    bucket rounded on its own made a total ¥1 below the exact one, and a limit check
    on it ¥1 off."""
    if not exact:
        return []
    total = _once(sum(exact, Decimal(0)), unit)
    overdue = _once(sum(exact[1:], Decimal(0)), unit)
    current = (total - overdue).quantize(unit)
    return [current.copy_abs() if current == 0 else current,
            *apportioned(overdue, exact[1:], unit)]


def _once(amount: Decimal, unit: Decimal) -> Decimal:
    rounded = ((amount / unit).to_integral_value(rounding=ROUND_HALF_UP) * unit).quantize(unit)
    return rounded.copy_abs() if rounded == 0 else rounded  # never "-$0.00"
