"""A currency written with its sign is read as that currency when the sign can name only
one: ``US$``, ``HK$``, ``€`` and ``£`` anywhere, ``$`` and ``¥`` in the currency the
amount is in anyway (the customer's, or the one typed after it). A new user's Promise to
pay of ``$5,000`` was answered "not an amount", and ``US$5,000``, as creditbot itself
writes dollars in Chinese, too. Through signed HTTP -> bot -> emulator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.money import Money
from tests.e2e.conftest import SALES, SALES_CHANNEL
from tests.e2e.test_collection_fixes import assign, errors
from tests.e2e.test_collector_day import fill
from tests.e2e.test_credit_requests import errors as form_errors
from tests.e2e.test_credit_requests import open_form, requests_of
from tests.e2e.test_orders import checks


def _order(world: Any, line: str) -> tuple[str, Decimal, str]:
    before = set(checks(world))
    world.slack.slash(SALES, SALES_CHANNEL, line)
    [new] = [row for key, row in checks(world).items() if key not in before]
    return new.customer_id, new.amount, new.currency


def test_orders_read_a_sign_as_the_currency_it_names(world):
    # Acme Packaging (C0002) is billed in USD, Fenwick Retail Group (C0041) in GBP.
    assert _order(world, "/credit order acme packaging $5k PO-1") == (
        "C0002", Decimal(5000), "USD")
    assert _order(world, "/credit order acme packaging US$ 6,000 PO-2") == (
        "C0002", Decimal(6000), "USD")
    assert _order(world, "/credit order acme packaging 7k US$ PO-3") == (
        "C0002", Decimal(7000), "USD")
    assert _order(world, "/credit order acme packaging € 12 PO-4") == (
        "C0002", Decimal(12), "EUR")
    assert _order(world, "/credit order fenwick £12k PO-5") == ("C0041", Decimal(12000), "GBP")
    # $ with the code after it: the same dollars.
    assert _order(world, "/credit order acme packaging $8k USD PO-6") == (
        "C0002", Decimal(8000), "USD")
    # For a customer billed in pounds, $ could be any dollar: asked, nothing recorded.
    before = set(checks(world))
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order fenwick $12k PO-7")
    assert reply.all_text() == ("“$12k”: write the currency's code after the amount instead "
                                "of its sign, e.g. 12k USD.")
    assert set(checks(world)) == before
    # Signs doubled or before a minus: answered about the amount, never "amount missing".
    for line, said in (
            ("/credit order acme packaging $-5k PO-8", "“$-5k” is not an amount greater "
             "than zero: write it like 120000, 120,000, 120000.50, 120k, 1.2m, "
             "USD 120k or 120k EUR."),
            ("/credit order acme packaging US$-5 PO-8", "“US$-5” is not an amount greater "
             "than zero: write it like 120000, 120,000, 120000.50, 120k, 1.2m, "
             "USD 120k or 120k EUR."),
            ("/credit order acme packaging $$5k PO-8", "“$$5k” is not an amount: write it "
             "like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
             "EUR."),
            ("/credit order acme packaging US$US$5 PO-8", "“US$US$5” is not an amount: write "
             "it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k "
             "EUR.")):
        assert world.slack.slash(SALES, SALES_CHANNEL, line).all_text() == said
    assert set(checks(world)) == before


def test_a_request_reads_a_sign_as_the_limits_currency_it_names(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging +$100k spring orders")
    assert reply.text == "Request #1 filed: limit increase for Acme Packaging (C0002)"
    [request] = requests_of(world)
    assert (request.customer_id, request.new_limit.amount, request.new_limit.currency) == (
        "C0002", Decimal(200_000), "USD")


def test_a_promise_reads_the_sign_of_the_accounts_currency(world):
    # Fenwick Retail Group is billed in GBP: £ is its currency, US$ is not, and $ could
    # be any dollar.
    assign(world)
    assert errors(fill(world, "Promise to pay", {"amount": "US$5,000",
                                                 "due": "2026-12-08"})) == {
        "amount": "C0041 is billed in GBP, not USD: write the amount in GBP, e.g. GBP 25k."}
    assert errors(fill(world, "Promise to pay", {"amount": "$5,000",
                                                 "due": "2026-12-08"})) == {
        "amount": "C0041 is billed in GBP, not $: write the amount in GBP, e.g. GBP 25k."}
    assert errors(fill(world, "Promise to pay", {"amount": "¥50000",
                                                 "due": "2026-12-08"})) == {
        "amount": "C0041 is billed in GBP, not ¥: write the amount in GBP, e.g. GBP 25k."}
    # A sign and another currency's code: two currencies, as everywhere else.
    assert errors(fill(world, "Promise to pay", {"amount": "$5k GBP",
                                                 "due": "2026-12-08"})) == {
        "amount": "“$5k GBP” names two currencies, $ and GBP: write one, e.g. 5,000 USD or "
                  "5,000 GBP."}
    assert fill(world, "Promise to pay", {"amount": "£5,000", "due": "2026-12-08"}).body == ""


def test_the_request_form_reads_a_dollar_as_the_customers_currency(world):
    view = open_form(world)
    # Billed in pounds: which dollar is asked, beside the field (the use case's answer).
    assert form_errors(world.slack.submit(SALES, view, {"customer": "fenwick", "reason": "Q1",
                                                   "amount": "+$50k"})) == {
        "amount": "“+$50k”: write the currency's code after the amount instead of its sign, "
                  "e.g. +50k USD."}
    assert requests_of(world) == []
    assert world.slack.submit(SALES, view, {"customer": "acme packaging", "reason": "Q1",
                                            "amount": "+$50k"}).body == ""
    [request] = requests_of(world)
    assert (request.customer_id, request.new_limit.amount, request.new_limit.currency) == (
        "C0002", Decimal(150_000), "USD")


def test_the_request_form_takes_one_currency_not_the_amounts_over_the_fields(world):
    # "+€100k" with USD chosen was filed in EUR, the USD dropped without a word.
    view = open_form(world)
    for amount, typed in (("+€100k", "EUR"), ("+US$100k", "USD"), ("+100k GBP", "GBP")):
        given = "EUR" if typed == "USD" else "USD"
        assert form_errors(world.slack.submit(SALES, view, {
            "customer": "acme packaging", "reason": "Q1", "amount": amount,
            "currency": given.lower()})) == {
            "amount": f"“{amount}” is in {typed}, and the currency given is {given}: give "
                      "the currency once, in the amount or as the currency."}
    assert requests_of(world) == []
    # Two currencies in the amount itself: said so, as the command line says it.
    assert form_errors(world.slack.submit(SALES, view, {
        "customer": "acme packaging", "reason": "Q1", "amount": "+5k USD EUR"})) == {
        "amount": "“+5k USD EUR” names two currencies, USD and EUR: write one, e.g. +5,000 "
                  "USD or +5,000 EUR."}
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit request acme packaging +US$5k "
                                                    "EUR Q1")
    assert reply.all_text() == ("“+US$5k EUR” names two currencies, USD and EUR: write one, "
                                "e.g. +5,000 USD or +5,000 EUR.")
    assert requests_of(world) == []
    assert world.slack.submit(SALES, view, {"customer": "acme packaging", "reason": "Q1",
                                            "amount": "+€100k", "currency": "eur"}).body == ""
    [request] = requests_of(world)
    assert request.new_limit.currency == "USD" and request.new_limit.amount > 200_000


def test_a_plus_says_it_is_not_for_an_order_and_plus_code_is_an_increase(world):
    # "+5万" was "not an amount" beside examples it already followed ("12万").
    for line, shown in (("/credit order 华夏物流 +5万 PO-9", "“+5万”: an amount here is "
                         "written without +, e.g. 5万."),
                        ("/credit check acme packaging +5k", "“+5k”: an amount here is "
                         "written without +, e.g. 5k.")):
        assert world.slack.slash(SALES, SALES_CHANNEL, line).all_text() == shown, line
    assert checks(world) == {}
    # "+USD 50k …" was refused as “+USD” is not an amount, and following its example
    # (USD 120k) turned the increase into a new total. It is the increase, in USD, and
    # so is "+ USD 50k".
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging + USD 50k more stock")
    with world.services.uow() as uow:
        [request] = uow.credit_requests.open_requests()
    assert (request.new_limit, request.reason, request.asked_in) == (
        Money(Decimal(150_000), "USD"), "more stock", None)
    assert reply.text == "Request #1 filed: limit increase for Acme Packaging (C0002)"
