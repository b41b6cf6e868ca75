"""One alias table (domain.currencies.ALIASES): RMB is read as CNY wherever an amount
or a currency code is read; an alias is never stored as a code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.amount_text import read_amount
from domain.amounts import TypedAmount, parse_amount
from domain.currencies import canonical, currency_code
from domain.orders.typed import split_check, split_order
from handlers.approvals.request_line import parse_request_line


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
        "acme", "25万", "CNY", "PO-9")
    check = split_check("acme packaging 25万 RMB")
    assert check is not None and check.customer == "acme packaging"


@pytest.mark.parametrize(("name", "code"), [("人民币", "CNY"), ("美元", "USD"), ("美金", "USD"),
                                           ("欧元", "EUR"), ("日元", "JPY"), ("港币", "HKD"),
                                           ("英镑", "GBP")])
def test_a_currency_written_by_its_chinese_name_is_its_code(name, code):
    # "5000 人民币" was an order in the customer's currency referenced "人民币".
    assert currency_code(name) == code
    for text in (f"5000{name}", f"{name}5000", f"5千 {name}", f"5000元{name}"):
        assert parse_amount(text) == TypedAmount(Decimal(5000), code), text
    order = split_order(f"acme packaging 5000 {name} PO-9")
    assert order is not None
    assert (order.customer, order.amount, order.currency, order.reference) == (
        "acme packaging", "5000", code, "PO-9")
    order = split_order(f"acme {name} 5000")
    assert order is not None and (order.amount, order.currency) == ("5000", code)
    check = split_check(f"华夏物流 5000 {name}")
    assert check is not None and (check.customer, check.amount, check.currency) == (
        "华夏物流", "5000", code)
    line = parse_request_line(f"华夏物流 +5万 {name} 备货")
    assert (line.amount, line.reason) == (f"+5万 {name}", "备货")
    assert read_amount(line.amount, increase=True).currency == code


def test_yuan_alone_names_no_currency():
    # 元 is the unit of any yuan (美元 is the American one): the customer's currency.
    assert parse_amount("5000元") == TypedAmount(Decimal(5000), None)
    order = split_order("acme 5000 元 PO-9")
    assert order is not None and (order.currency, order.reference) == (None, "PO-9")
    assert currency_code("元") is None
