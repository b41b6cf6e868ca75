"""Routing by the approval policy: each band edge, both bases, amounts in another
currency converted to the base, a missing rate said plainly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.approvals.model import Basis, Level, RequestKind
from domain.approvals.policy import DEFAULT_BASIS, ApprovalPolicy, Band, KindPolicy
from domain.errors import MissingRate
from domain.fx import FxRates
from domain.money import Money

FX = FxRates("USD", date(2026, 11, 30), {"CNY": Decimal("0.14"), "EUR": Decimal("1.10")})
CM = Level("credit_manager", 24)
FD = Level("finance_director", 48)
CFO = Level("cfo", 72)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def roles(route: tuple[Level, ...]) -> list[str]:
    return [level.role for level in route]


@pytest.mark.parametrize(("total", "expected"), [
    ("0.01", ["credit_manager"]),
    ("50000", ["credit_manager"]),
    ("50000.01", ["credit_manager", "finance_director"]),
    ("500000", ["credit_manager", "finance_director"]),
    ("500000.01", ["credit_manager", "finance_director", "cfo"]),
    ("90000000", ["credit_manager", "finance_director", "cfo"]),
])
def test_the_shipped_limit_bands_at_each_edge(total: str, expected: list[str]):
    policy = ApprovalPolicy("USD")
    for kind in (RequestKind.LIMIT_INCREASE, RequestKind.TEMPORARY_LIMIT,
                 RequestKind.FIRST_LIMIT):
        measure = policy.measure(kind, FX, new_limit=usd(total), increase=usd("0.01"))
        assert (measure.amount, roles(measure.route)) == (usd(total), expected)
    assert policy.measure(RequestKind.LIMIT_INCREASE, FX, new_limit=usd(total)).route[0] == \
        CM


def test_the_default_basis_is_the_new_total_and_increase_is_configurable():
    assert DEFAULT_BASIS is Basis.TOTAL
    # 480,000 -> 520,000: the total is in the top band, the increase in the first.
    by_total = ApprovalPolicy("USD")
    by_increase = ApprovalPolicy("USD", {RequestKind.LIMIT_INCREASE: KindPolicy(
        by_total.of(RequestKind.LIMIT_INCREASE).bands, Basis.INCREASE)})
    asked = {"new_limit": usd("520000"), "increase": usd("40000")}
    total = by_total.measure(RequestKind.LIMIT_INCREASE, FX, **asked)
    increase = by_increase.measure(RequestKind.LIMIT_INCREASE, FX, **asked)
    assert (total.amount, roles(total.route)) == (
        usd("520000"), ["credit_manager", "finance_director", "cfo"])
    assert (increase.amount, roles(increase.route)) == (usd("40000"), ["credit_manager"])
    # Kinds the configuration leaves out keep the shipped default.
    assert roles(by_increase.measure(RequestKind.TEMPORARY_LIMIT, FX, **asked).route) == \
        ["credit_manager", "finance_director", "cfo"]


def test_amounts_in_another_currency_are_measured_in_the_base_currency():
    policy = ApprovalPolicy("USD")
    # CNY 357,142.86 at 0.14 is USD 50,000.00: still the first band; a cent more is not.
    edge = policy.measure(RequestKind.LIMIT_INCREASE, FX,
                          new_limit=Money(Decimal("357142.85"), "CNY"))
    above = policy.measure(RequestKind.LIMIT_INCREASE, FX,
                           new_limit=Money(Decimal("357142.90"), "CNY"))
    assert (edge.amount, roles(edge.route)) == (usd("50000.00"), ["credit_manager"])
    assert (above.amount, roles(above.route)) == (usd("50000.01"),
                                                  ["credit_manager", "finance_director"])
    with pytest.raises(MissingRate) as missing:
        policy.measure(RequestKind.LIMIT_INCREASE, FX, new_limit=Money(Decimal(1), "JPY"))
    assert str(missing.value) == ("No exchange rate for JPY (to USD) on or before 2026-11-30: "
                                  "import one with `creditbot import rates FILE.csv`.")


def test_order_release_measures_the_order_and_terms_change_the_current_limit():
    policy = ApprovalPolicy("USD")
    small = policy.measure(RequestKind.ORDER_RELEASE, FX,
                           order_amount=Money(Decimal("45000"), "EUR"))
    assert (small.amount, roles(small.route)) == (
        usd("49500.00"), ["credit_manager"])
    assert small.route[0].deadline_hours == 4
    big = policy.measure(RequestKind.ORDER_RELEASE, FX, order_amount=usd("50000.01"))
    assert roles(big.route) == ["credit_manager", "finance_director"]
    terms = policy.measure(RequestKind.TERMS_CHANGE, FX, current_limit=usd("500000"))
    assert (terms.amount, roles(terms.route)) == (usd("500000"), ["credit_manager"])
    assert roles(policy.measure(RequestKind.TERMS_CHANGE, FX,
                                current_limit=usd("500001")).route) == \
        ["credit_manager", "finance_director"]


def test_a_configured_policy_routes_by_its_own_bands():
    policy = ApprovalPolicy("USD", {RequestKind.FIRST_LIMIT: KindPolicy((
        Band(Decimal(10_000), (Level("credit_analyst", 8),)),
        Band(None, (CM, Level("cfo", 24, escalate_to="finance_director"))),
    ))})
    assert roles(policy.measure(RequestKind.FIRST_LIMIT, FX,
                                new_limit=usd("10000")).route) == ["credit_analyst"]
    assert policy.measure(RequestKind.FIRST_LIMIT, FX, new_limit=usd("10001")).route == (
        CM, Level("cfo", 24, "finance_director"))
    assert {"credit_analyst", "finance_director", "cfo", "credit_manager"} == policy.roles()
