"""One alias table (domain.currencies.ALIASES): RMB is read as CNY wherever an amount
or a currency code is read; an alias is never stored as a code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.amount_text import read_amount
from domain.amounts import AmountError, TypedAmount, parse_amount
from domain.currencies import canonical, currency_code
from domain.orders.typed import UnknownCurrency, split_check, split_order, unquoted
from handlers.approvals.request_line import LineError, parse_request_line


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
                                           ("英镑", "GBP"),
                                           # 圆 for 元, the yen's 円, Traditional forms:
                                           # each was the reference of an order in the
                                           # customer's currency.
                                           ("日圆", "JPY"), ("円", "JPY"), ("美圆", "USD"),
                                           ("人民幣", "CNY"), ("港幣", "HKD"),
                                           ("英鎊", "GBP"), ("歐元", "EUR")])
def test_a_currency_written_by_its_chinese_name_is_its_code(name, code):
    # "5000 人民币" was an order in the customer's currency referenced "人民币".
    assert currency_code(name) == code
    for text in (f"5000{name}", f"{name}5000", f"5千 {name}"):
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


def test_yuan_alone_is_the_renminbi():
    # "5万元" for a customer billed in dollars was $50,000: 7× what a Chinese rep meant.
    assert parse_amount("5000元") == TypedAmount(Decimal(5000), "CNY")
    assert parse_amount("5万元人民币") == TypedAmount(Decimal(50000), "CNY")
    order = split_order("acme 5000 元 PO-9")
    assert order is not None and (order.amount, order.reference) == ("5000元", "PO-9")
    assert read_amount(order.amount, implied="USD").currency == "CNY"
    with pytest.raises(AmountError):
        parse_amount("5000元 USD")  # two currencies
    assert currency_code("元") is None


@pytest.mark.parametrize(("line", "amount", "code"), [
    # A unit typed apart, with its currency joined to it: "+5 万美元" was CN¥5 with
    # "万美元" as the reason.
    ("Y49 +5 万美元 原因", Decimal(50000), "USD"),
    ("Y48 +5000 万美元 原因", Decimal(50_000_000), "USD"),
    ("Y +5 万 元人民币 原因", Decimal(50000), "CNY"),
    ("Y46 +5000 澳元 原因", Decimal(5000), "AUD"),
    ("Y45 +5000 台币 原因", Decimal(5000), "TWD"),
    ("Y47 +5000 韩元 原因", Decimal(5000), "KRW"),
])
def test_a_request_reads_the_currency_however_it_is_joined(line, amount, code):
    parsed = parse_request_line(line)
    assert parsed.reason == "原因"
    assert read_amount(parsed.amount, increase=True) == TypedAmount(amount, code)


def test_a_currency_name_creditbot_does_not_know_is_refused_not_read_as_words():
    with pytest.raises(UnknownCurrency):
        split_order("acme 5000 越南币 PO-1")
    with pytest.raises(LineError):
        parse_request_line("acme +5000 越南币 备货")


@pytest.mark.parametrize(("line", "said"), [
    ("Y20 +5000 人民币 EUR 原因", "“+5000 人民币 EUR” names two currencies, CNY and EUR: "
                              "write one, e.g. +5,000 CNY or +5,000 EUR."),
    ("Y +5000 美元 人民币 x", "“+5000 美元 人民币” names two currencies, USD and CNY: write "
                          "one, e.g. +5,000 USD or +5,000 CNY."),
    ("Y USD 5000 人民币 x", "“USD 5000 人民币” names two currencies, USD and CNY: write one, "
                         "e.g. 5,000 USD or 5,000 CNY."),
    ("Y +5000 USD 人民币 x", "“+5000 USD 人民币” names two currencies, USD and CNY: write "
                          "one, e.g. +5,000 USD or +5,000 CNY."),
])
def test_a_request_naming_two_currencies_is_refused(line, said):
    with pytest.raises(AmountError) as refused:
        parse_request_line(line)
    assert str(refused.value) == said


@pytest.mark.parametrize(("word", "meant"), [("yen", "JPY"), ("Euros", "EUR"),
                                             ("dollars", "USD"), ("usdd", "USD"),
                                             ("uds", "USD"), ("eurr", "EUR")])
def test_a_currency_meant_but_not_written_as_a_code_is_refused_not_taken_as_reference(
        word, meant):
    # "5000 yen" and "5000 usdd PO-1" were orders in the customer's dollars, referenced
    # "yen" and "usdd PO-1", answered "OK to ship".
    with pytest.raises(UnknownCurrency) as said:
        split_order(f"acme industrial 5000 {word} PO-1")
    assert str(said.value) == (
        f"“{word}” is no currency code: for {meant}, write its code, e.g. `/credit order "
        f"acme 120k {meant}`; to give “{word}” as the order's reference, put it in quotes: "
        f"`/credit order acme 120k \"{word}\"`.")
    # As quoted, it is the reference.
    quoted = split_order(f'acme industrial 5000 "{word}"')
    assert quoted is not None and (quoted.currency, unquoted(quoted.reference or "")) == (
        None, word)
    with pytest.raises(UnknownCurrency) as said:
        split_check(f"acme industrial 5000 {word}")
    assert said.value.params == {"code": word, "example": f"/credit check acme 120k {meant}"}


@pytest.mark.parametrize("reference", ["rush", "PO-7", "abc", "sample", "our", "nyc", "gds",
                                       "rue", "USDA organic"])
def test_a_reference_that_is_no_currency_stays_the_reference(reference):
    order = split_order(f"acme industrial 5000 {reference}")
    assert order is not None and (order.currency, order.reference) == (None, reference)
    # Written after a currency, a currency's name is the reference: nothing is lost; so
    # after an amount whose sign says its currency.
    order = split_order("acme industrial 5000 USD yen")
    assert order is not None and (order.currency, order.reference) == ("USD", "yen")
    order = split_order("acme industrial €5000 euros")
    assert order is not None and order.reference == "euros"
