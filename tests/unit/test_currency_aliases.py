"""One alias table (domain.currencies.ALIASES): RMB is read as CNY wherever an amount
or a currency code is read; an alias is never stored as a code."""

from __future__ import annotations

from decimal import Decimal

from domain.amounts import TypedAmount, parse_amount
from domain.currencies import canonical, currency_code
from domain.orders.typed import split_check, split_order


def test_rmb_is_cny():
    assert currency_code("RMB") == currency_code("rmb") == currency_code("CNY") == "CNY"
    assert currency_code("RMX") is None
    assert canonical("rmb") == "CNY"
    for text in ("25万 RMB", "RMB 25万", "25万rmb", "２５万 ＲＭＢ"):
        assert parse_amount(text) == TypedAmount(Decimal(250000), "CNY"), text


def test_an_order_or_check_line_takes_rmb_as_its_currency():
    order = split_order("acme 25万 RMB PO-9")
    assert order is not None
    assert (order.customer, order.amount, order.currency, order.reference) == (
        "acme", "25万", "RMB", "PO-9")
    check = split_check("acme packaging 25万 RMB")
    assert check is not None and check.customer == "acme packaging"
