from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.aging import AgingBuckets
from domain.errors import MissingRate
from domain.exposure import aged_balances, credit_position, group_limit, order_balances
from domain.fx import FxRates
from domain.model import Invoice, InvoiceStatus, Order, OrderStatus
from domain.money import Money

AS_OF = date(2026, 6, 30)
BUCKETS = AgingBuckets()
# 1 EUR = 1.10 USD, 1 CNY = 0.14 USD, base USD.
FX = FxRates("USD", AS_OF, {"EUR": Decimal("1.10"), "CNY": Decimal("0.14")})


def usd(x: str) -> Money:
    return Money(Decimal(x), "USD")


def invoice(n, amount, currency="USD", days_late=0, open_amount=None, status=InvoiceStatus.OPEN,
            customer="C1"):
    due = AS_OF - timedelta(days=days_late)
    amt = Money(Decimal(amount), currency)
    return Invoice(f"I{n}", customer, due - timedelta(days=30), due, amt,
                   Money(Decimal(open_amount if open_amount is not None else amount), currency),
                   status)


def order(n, amount, currency="USD", status=OrderStatus.OPEN, customer="C1"):
    return Order(f"O{n}", customer, AS_OF, Money(Decimal(amount), currency), status)


def position(limit, invoices, orders=(), fx=FX):
    return credit_position(limit, aged_balances(invoices, AS_OF, BUCKETS),
                           order_balances(orders), fx, BUCKETS, AS_OF)


def test_single_currency_position_hand_computed():
    p = position(
        usd("10000"),
        [invoice(1, "1000", days_late=-5),            # current
         invoice(2, "2000", days_late=0),             # due today: current
         invoice(3, "500", days_late=1),              # 1-30
         invoice(4, "700", days_late=31),             # 31-60
         invoice(5, "300", days_late=95, open_amount="100"),  # 90+, part paid
         invoice(6, "999", days_late=40, status=InvoiceStatus.PAID, open_amount="0")],
        [order(1, "1500"), order(2, "250", status=OrderStatus.SHIPPED),
         order(3, "9999", status=OrderStatus.INVOICED), order(4, "9999",
                                                               status=OrderStatus.CANCELLED)],
    )
    assert [a.amount for a in p.aging.amounts] == [Decimal(x) for x in
                                                   ("3000", "500", "700", "0", "100")]
    assert p.open_invoices == usd("4300")
    assert p.open_orders == usd("1750")
    assert p.exposure == usd("6050")
    assert p.available == usd("3950")
    assert p.aging.overdue == usd("1300")
    assert p.aging.oldest_overdue_days == 95
    assert p.invoice_count == 5 and p.order_count == 2
    assert not p.over_limit


def test_disputed_invoices_stay_in_exposure():
    p = position(usd("100"), [invoice(1, "80", days_late=10, status=InvoiceStatus.DISPUTED)])
    assert p.exposure == usd("80")


def test_exposure_over_the_limit_gives_negative_available_credit():
    p = position(usd("1000"), [invoice(1, "800")], [order(1, "450.50")])
    assert p.available == usd("-250.50")
    assert p.over_limit


def test_multi_currency_is_converted_into_the_limit_currency():
    # Limit in EUR. USD 1,100 = EUR 1,000; CNY 7,857.14 * 0.14 / 1.10 = EUR 1,000.00 (rounded)
    limit = Money(Decimal("5000"), "EUR")
    p = position(limit, [invoice(1, "1100", "USD", days_late=10),
                         invoice(2, "7857.14", "CNY", days_late=10),
                         invoice(3, "500", "EUR")], [order(1, "110", "USD")])
    assert p.aging.amounts[1] == Money(Decimal("2000.00"), "EUR")
    assert p.open_invoices == Money(Decimal("2500.00"), "EUR")
    assert p.open_orders == Money(Decimal("100.00"), "EUR")
    assert p.available == Money(Decimal("2400.00"), "EUR")


def test_a_missing_rate_is_an_error_naming_the_currency():
    with pytest.raises(MissingRate, match="GBP") as raised:
        position(usd("1000"), [invoice(1, "10", "GBP")])
    assert raised.value.currency == "GBP"


def test_group_exposure_is_the_sum_of_its_members():
    members = [invoice(1, "1000", customer="A"), invoice(2, "1100", "EUR", 45, customer="B")]
    limits = [usd("5000"), Money(Decimal("1000"), "EUR")]
    p = credit_position(group_limit(limits, "USD", FX),
                        aged_balances(members, AS_OF, BUCKETS),
                        order_balances([order(1, "100", customer="B")]), FX, BUCKETS, AS_OF)
    assert p.limit == usd("6100.00")
    assert p.exposure == usd("2310.00")  # 1000 + 1210 + 100
    assert p.aging.overdue == usd("1210.00")


def test_figures_on_the_card_add_up_to_the_cent():
    # Three amounts that each round up when converted: buckets are rounded once each and
    # the open total is their sum, so the card never shows a total one cent off.
    fx = FxRates("USD", AS_OF, {"EUR": Decimal("1.005")})
    p = position(usd("100"), [invoice(1, "0.01", "EUR"), invoice(2, "0.01", "EUR", 5),
                              invoice(3, "0.01", "EUR", 40)], fx=fx)
    assert p.open_invoices == p.aging.amounts[0] + p.aging.overdue


def test_exposure_and_overdue_are_each_their_exact_amount_rounded_once():
    # An analyst's JPY limit on USD invoices: 12,345.67 current and 999.99 overdue at
    # 0.0067 USD per yen are ¥1,842,637.31 and ¥149,252.24, ¥1,991,889.55 in all. Each
    # bucket rounded on its own made ¥1,991,889, a yen below the exact total.
    fx = FxRates("USD", AS_OF, {"JPY": Decimal("0.0067")})
    p = position(Money(Decimal("5000000"), "JPY"),
                 [invoice(1, "12345.67"), invoice(2, "999.99", days_late=11)], fx=fx)
    assert p.open_invoices == Money(Decimal("1991890"), "JPY")
    assert p.aging.overdue == Money(Decimal("149252"), "JPY")
    assert p.aging.amounts[:2] == (Money(Decimal("1842638"), "JPY"),
                                   Money(Decimal("149252"), "JPY"))
    assert p.available == Money(Decimal("3008110"), "JPY")
    assert p.open_invoices == p.aging.amounts[0] + p.aging.overdue
