"""What people type after /credit order and /credit check, and how order review shows
hostile ERP text: amounts told from names, and ids that neither ping nor format."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.money import Money
from domain.orders.model import Failure, OrderCheck, OrderSource, OrderState, Rule
from domain.orders.typed import (
    TypedOrder,
    money_only,
    only_currencies,
    split_check,
    split_order,
)
from handlers.i18n import translator
from handlers.orders.blocks import held_note


@pytest.mark.parametrize(("typed", "read"), [
    ("acme 100k", TypedOrder("acme", "100k")),
    ("acme packaging 100k USD PO-7 rush", TypedOrder("acme packaging", "100k", "USD",
                                                     "PO-7 rush")),
    ("acme USD 100k ref", TypedOrder("acme", "100k", "USD", "ref")),
    ('"Plant 7" 20k', TypedOrder("Plant 7", "20k")),
    ("华夏物流 25万 CNY", TypedOrder("华夏物流", "25万", "CNY")),
    # The amount read folded, the customer as typed (an id is looked up exactly first).
    ("ａｃｍｅ　１２０ｋ", TypedOrder("ａｃｍｅ", "120k")),
    ("acme -5", TypedOrder("acme", "-5")),
    ("acme 1e9999", TypedOrder("acme", "1e9999")),
    ("acme", None), ("100k", None), ("acme abc", None),
    # A currency sign typed apart is the amount's, not the name's: read with it, so that
    # the answer asks for the code instead of counting 5000 in the limit's currency.
    ("acme industrial ¥ 5000 R22", TypedOrder("acme industrial", "¥5000", None, "R22")),
    ("acme € 12 k", TypedOrder("acme", "€12k")),
    ("acme 12 ＄ PO-1", TypedOrder("acme", "12$", None, "PO-1")),
    ("Cash $ Carry 12k", TypedOrder("Cash $ Carry", "12k")),
    # What an attacker's trial found recorded as another amount: each kept in one word
    # that the amount reader refuses, or read as meant.
    ("acme 10 000 PO-1", TypedOrder("acme", "10 000", None, "PO-1")),
    ("acme 5 million PO-3", TypedOrder("acme", "5 million", None, "PO-3")),
    # Items parted with ， as Chinese writes them ("the amount is missing"), but ， between
    # digits groups thousands as an input method types it.
    ("恒生貿易有限公司，5萬港幣，PO-2", TypedOrder("恒生貿易有限公司", "5萬港幣", None, "PO-2")),
    ("华夏物流 120，000 PO-1", TypedOrder("华夏物流", "120,000", None, "PO-1")),
    # Chinese units in either script, read as meant (百 too, as in 1万2千5百).
    ("acme 5 百", TypedOrder("acme", "5百")),
    ("acme 5 萬", TypedOrder("acme", "5萬")),
    ("acme 5千 PO-1", TypedOrder("acme", "5千", None, "PO-1")),
    ("acme 1.5 千万", TypedOrder("acme", "1.5千万")),
    ("acme 5 kusd PO-1", TypedOrder("acme", "5kusd", None, "PO-1")),
    ("acme 5k US$", TypedOrder("acme", "5kUS$")),
    ("acme packaging – 5k", TypedOrder("acme packaging", "–5k")),
    ("acme + 5k", TypedOrder("acme", "+5k")),
    ("acme 5²k", TypedOrder("acme", "5²k")),
    # A lower-case code that is not a common one is a word, not a currency.
    ("acme 5k try again", TypedOrder("acme", "5k", None, "try again")),
    ("Uncle Bob 5k", TypedOrder("Uncle Bob", "5k")),
    ("acme 5k eur", TypedOrder("acme", "5k", "EUR")),
    ("acme 10k 12345", TypedOrder("acme", "10k", None, "12345")),
    # A reference's own dashes written apart stay apart, not joined to the numbers after
    # them as minus signs ("SO -0002 -901").
    ("acme 5k SO - 0002 - 901", TypedOrder("acme", "5k", None, "SO - 0002 - 901")),
    ("acme 5k EUR PO - 7", TypedOrder("acme", "5k", "EUR", "PO - 7")),
    ('"acme 7" 5k SO - 12', TypedOrder("acme 7", "5k", None, "SO - 12")),
])
def test_orders_as_typed(typed: str, read: TypedOrder | None):
    assert split_order(typed) == read


@pytest.mark.parametrize(("typed", "read"), [
    ("acme 100k", TypedOrder("acme", "100k")),
    ("acme packaging 100k usd", TypedOrder("acme packaging", "100k", "USD")),
    ("acme USD 100k", TypedOrder("acme", "100k", "USD")),
    ('"Plant 7" 5k', TypedOrder("Plant 7", "5k")),
    ("acme -5", TypedOrder("acme", "-5")),
    # A plain check: no amount, or a name with a number in quotes.
    ("acme", None), ('"Plant 7"', None), ("acme packaging", None), ("C0001", None),
    ("acme industrial € 12", TypedOrder("acme industrial", "€12")),
    ("acme $12 EUR", TypedOrder("acme", "$12", "EUR")),
    ("acme -5 USD", TypedOrder("acme", "-5", "USD")),
])
def test_checks_as_typed(typed: str, read: TypedOrder | None):
    assert split_check(typed) == read


def test_hostile_erp_ids_and_names_neither_ping_nor_format():
    check = OrderCheck(
        OrderSource.ERP, "<!channel>*SO*\u202e", "C<@U1>", "Evil `Corp`\x1b[31m",
        Money(Decimal("10"), "USD"), date(2026, 11, 30), OrderState.HELD,
        (Failure(Rule.ON_HOLD, {"orders": "<@U0BOSS0001>", "count": "1"}),),
        datetime(2026, 11, 30, tzinfo=UTC), "creditbot", id=3, version=1)
    text, blocks = held_note(check, translator("en-US"))
    assert text == (":no_entry: Order &lt;!channel&gt;∗SO∗ of $10.00 for Evil ˋCorpˋ[31m "
                    "(C&lt;@U1&gt;) is held: it is not to ship until it is released.")
    assert blocks[1]["text"]["text"] == ("• The customer is on hold: earlier orders are held "
                                         "(&lt;@U0BOSS0001&gt;).")
    [button] = blocks[3]["elements"]
    assert (button["text"]["text"], button["action_id"]) == ("Request release",
                                                             "orders_request_release")
    zh, _ = held_note(check, translator("zh-CN"))
    assert zh == (":no_entry: Evil ˋCorpˋ[31m（C&lt;@U1&gt;）的订单 &lt;!channel&gt;∗SO∗"
                  "，金额 US$10.00，已暂停发货：放行之前不得发货。")


def test_a_failures_figures_keep_their_types_through_storage():
    from datetime import date

    from domain.money import Money
    from domain.orders.model import Failure, Rule

    failure = Failure(Rule.CONTRACT_LIMIT, {"contract": "K-1", "used": Money(
        Decimal("12.50"), "USD"), "date": date(2026, 11, 30)})
    assert Failure.from_json(failure.as_json()) == failure
    # A hold stored while figures were text still reads, as the text it stored.
    assert Failure.from_json({"rule": "limit", "figures": {"limit": "USD 1.00"}}) == \
        Failure(Rule.LIMIT, {"limit": "USD 1.00"})


@pytest.mark.parametrize(("text", "money"), [
    ("€ $ 5k", True), ("CNY 5k", True), ("5k USD", True), ("€ 5k", True), ("US$5k", True),
    ("5k", True), ("$ EUR 5k", True),
    # A name, or currencies and no amount: looked up as a name only.
    ("Euro Foods EUR 5k", False), ("AMD", False), ("acme", False), ("", False),
])
def test_an_amount_and_currencies_alone_are_told_from_a_name(text, money):
    # What is left of a line whose customer was not found is answered "name the
    # customer" when it is money only; a customer called AMD or 3M is looked up first.
    assert money_only(text) is money


def test_only_currencies_where_the_customer_goes_are_read_as_the_name_until_looked_up():
    # Split as typed (a customer may be named AMD): the handler refuses after the look-up.
    assert split_order("€ $ 5k") == TypedOrder("€", "$5k")
    assert split_order("AMD 5k") == TypedOrder("AMD", "5k")
    assert split_check("AMD USD 5k") == TypedOrder("AMD", "5k", "USD")
    assert only_currencies("€") and only_currencies("$ EUR") and not only_currencies("AMD x")


@pytest.mark.parametrize(("typed", "refusal"), [
    ("acme 5k 10k", "“5k 10k” is two amounts: an order has one, e.g. `/credit order acme "
                    "120k EUR PO-2026-118`."),
    # Two currencies are said as an amount field says them, both ways shown (one wording
    # for usd5k EUR, US$5k EUR and 5k USD EUR, wherever they are typed).
    ("acme usd5k EUR", "“usd5k EUR” names two currencies, USD and EUR: write one, e.g. "
                       "5,000 USD or 5,000 EUR."),
    # The second code was kept as the order's reference: "CB-33 (EUR)" of $5,000.
    ("acme 5k USD EUR", "“5k USD EUR” names two currencies, USD and EUR: write one, e.g. "
                        "5,000 USD or 5,000 EUR."),
    ("acme 5k eur usd PO-1", "“5k eur usd” names two currencies, EUR and USD: write one, "
                             "e.g. 5,000 EUR or 5,000 USD."),
])
def test_two_amounts_or_currencies_are_refused(typed: str, refusal: str):
    # (A currency code inside a reference is the reference's: "5k EUR PO EUR" is one.)
    assert split_order("acme 5k EUR PO EUR") == TypedOrder("acme", "5k", "EUR", "PO EUR")
    # One currency written twice is one (it was refused as two).
    for twice in ("acme 5k USD usd PO-1", "acme USD 5k USD PO-1"):
        assert split_order(twice) == TypedOrder("acme", "5k", "USD", "PO-1")
    assert split_order("acme 5万 人民币 CNY") == TypedOrder("acme", "5万", "CNY", None)
    for twice in ("acme 5k USD USD", "acme USD 5k USD"):
        assert split_check(twice) == TypedOrder("acme", "5k", "USD")
    with pytest.raises(DomainError) as refused:
        split_order(typed)
    assert str(refused.value) == refusal


def test_earlier_holds_are_listed_as_the_readers_language_lists_them_stored_or_not():
    import json

    from domain.text import Listed
    from handlers.orders.blocks import failure_text

    held = Failure(Rule.ON_HOLD, {"orders": Listed(("CB-1", "SO-*2*", "…")), "count": "6"})
    stored = Failure.from_json(json.loads(json.dumps(held.as_json())))
    assert stored == held
    assert failure_text(stored, translator("en-US")) == (
        "The customer is on hold: earlier orders are held (CB-1, SO-∗2∗, …).")
    assert failure_text(stored, translator("zh-CN")) == (
        "该客户处于暂停状态：之前的订单已被暂停发货（CB-1、SO-∗2∗、…）。")
    # A hold stored before lists were kept as lists shows its text as it was written.
    old = Failure.from_json({"rule": "on_hold", "figures": {"orders": "CB-1, CB-2",
                                                             "count": "2"}})
    assert failure_text(old, translator("zh-CN")) == (
        "该客户处于暂停状态：之前的订单已被暂停发货（CB-1, CB-2）。")


@pytest.mark.parametrize(("tolerance", "said"), [
    ("10", "Exposure $9,500.00 + this order $2,000.00 = $11,500.00 is above the limit "
           "$10,000.00 (tolerance 10 %: $11,000.00)."),
    # No tolerance: the parenthesis only said the limit again, on every held order.
    ("0", "Exposure $9,500.00 + this order $2,000.00 = $11,500.00 is above the limit "
          "$10,000.00."),
    ("0.00", "Exposure $9,500.00 + this order $2,000.00 = $11,500.00 is above the limit "
             "$10,000.00."),
])
def test_the_limit_rule_names_the_tolerance_only_when_there_is_one(tolerance, said):
    from handlers.orders.blocks import failure_text

    def usd(amount: str) -> Money:
        return Money(Decimal(amount), "USD")

    failure = Failure(Rule.LIMIT, {
        "exposure": usd("9500"), "order": usd("2000"), "total": usd("11500"),
        "limit": usd("10000"), "tolerance": tolerance,
        "ceiling": usd("11000") if tolerance == "10" else usd("10000")})
    assert failure_text(failure, translator("en-US")) == said
