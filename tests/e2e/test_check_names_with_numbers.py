"""A customer whose name ends in a number is checked by that name: the number is not
read as an order amount (``/credit check customer 00017`` answered "matches several
customers" once ``/credit check <customer> <amount>`` arrived)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select

from domain.lookup import normalize_name
from storage.models import CustomerRow, OrderCheckRow
from tests.e2e.conftest import SALES, SALES_CHANNEL, World


def add_customer(world: World, customer_id: str, name: str, currency: str = "USD") -> None:
    with world.services.engine.begin() as conn:
        conn.execute(insert(CustomerRow), [dict(
            customer_id=customer_id, name=name, name_key=normalize_name(name),
            currency=currency, credit_limit=Decimal("50000"), payment_terms_days=30,
            owner_slack_id=SALES, country="US")])


def test_a_name_ending_in_a_number_is_a_name_and_an_amount_after_it_still_counts(world):
    add_customer(world, "C9054", "Studio 54")
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check studio 54")
    assert card.blocks[0]["text"]["text"] == "Studio 54"
    with_amount = world.slack.slash(SALES, SALES_CHANNEL, "/credit check studio 54 1k")
    assert with_amount.text == (":white_check_mark: *OK to ship*: an order of $1,000.00 for "
                                "Studio 54 (C9054) passes the order rules.")
    # No customer is called "acme 120k": the amount is read as before.
    acme = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging 1k")
    assert acme.text == (":no_entry: *Not OK to ship*: an order of $1,000.00 for Acme "
                         "Packaging (C0002) would be held.")


def test_a_name_with_a_typo_in_its_number_says_the_number_was_read_as_an_amount(world):
    """"Studio 55" (a typo for 54) asked only "“studio” matches several customers":
    the person never learnt that 55 had been taken for an order of $55."""
    add_customer(world, "C9054", "Studio 54")
    add_customer(world, "C9055", "Studio 54 Records")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check studio 55")
    assert reply.text == ("“studio” matches several customers. Which one? (I read “55” as "
                          "the amount of an order: a pick shows the card; for the order, ask "
                          "again with the id.)")
    assert [b["text"]["text"] for b in reply.blocks[1]["elements"]] == [
        "Studio 54 (C9054)", "Studio 54 Records (C9055)"]
    # Words no order would take as an amount are not said to be one (nor echoed)
    odd = world.slack.slash(SALES, SALES_CHANNEL, "/credit check studio 5_5*<!channel>*")
    assert odd.text == "“studio” matches several customers. Which one?"
    unknown = world.slack.slash(SALES, SALES_CHANNEL, "/credit check zzyzx 5k EUR")
    hint = ("No customer matches “zzyzx”. Try part of the name or the customer id, e.g. "
            "`/credit check C0001`.")
    # Nothing to pick: no "a pick shows the card".
    assert unknown.text == hint + " (I read “5k EUR” as the amount of an order.)"
    # a plain check says nothing of amounts
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check zzyzx").text == hint


def test_a_request_for_a_name_with_a_number_asks_for_quotes_not_for_the_number(world):
    # "Route 66 Diner 250000": Route was the customer, 66 the amount, the rest the
    # reason: a first limit of $66 went to the approvers.
    add_customer(world, "C9003", "Route 66 Diner")
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request Route 66 Diner 250000 first orders")
    assert reply.text == ("“Route 66” begins the name of Route 66 Diner: put the name in "
                          "quotes, e.g. `/credit request \"Route 66 Diner\" +100k larger "
                          "orders`.")
    with world.services.uow() as uow:
        assert uow.credit_requests.filed_by(SALES, 10) == []
    quoted = world.slack.slash(SALES, SALES_CHANNEL,
                               '/credit request "Route 66 Diner" +200k first orders')
    assert quoted.text == "Request #1 filed: limit increase for Route 66 Diner (C9003)"


def test_an_order_naming_a_customer_whose_name_reads_as_an_amount_lacks_the_amount(world):
    # "5k" alone is no customer ("Name the customer"), but "3M" may be one: its order
    # without an amount says the amount is missing, not that no customer is named.
    add_customer(world, "C9003", "3M")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order 3M").text == (
        "The amount is missing after “3M”. Write the customer, then the amount, e.g. "
        "`/credit order acme 120k`, `/credit order 华夏物流 25万 CNY PO-2026-118` (a "
        "currency and your order reference may follow the amount; a name with a number in "
        "it goes in quotes).")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order 5k").text == (
        "Name the customer, e.g. `/credit order acme 120k`.")
    # "3M PO-1": the customer 3M and no amount, not an amount with no customer.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order 3M PO-1").text == (
        "The amount is missing after “3M PO-1”. Write the customer, then the amount, e.g. "
        "`/credit order acme 120k`, `/credit order 华夏物流 25万 CNY PO-2026-118` (a "
        "currency and your order reference may follow the amount; a name with a number in "
        "it goes in quotes).")


def test_an_order_for_a_name_with_a_number_asks_for_quotes_not_for_the_number(world):
    # "Route 66 Diner 5k" was placed as an order of $66.00 for Route 66 Diner, with
    # "Diner 5k" for its reference.
    add_customer(world, "C9003", "Route 66 Diner")
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Route 66 Diner 5k")
    assert reply.text == ("“Route 66” begins the name of Route 66 Diner: put the name in "
                          "quotes, e.g. `/credit order \"Route 66 Diner\" 120k`.")
    zh = world.slack.slash(SALES, SALES_CHANNEL, "/credit 订单 Route 66 Diner 5k")
    assert zh.text == ("“Route 66” begins the name of Route 66 Diner: put the name in "
                       "quotes, e.g. `/credit 订单 \"Route 66 Diner\" 120k`.")
    assert placed(world) == []
    quoted = world.slack.slash(SALES, SALES_CHANNEL, '/credit order "Route 66 Diner" 5k')
    assert quoted.text == (":white_check_mark: *OK to ship*: order CB-1 of $5,000.00 for "
                           "Route 66 Diner (C9003).")
    # A number that is no part of a name stays the amount, the rest the reference.
    plain = world.slack.slash(SALES, SALES_CHANNEL, "/credit order Route 66 Diner 700 PO-7")
    assert plain.text == ("“Route 66” begins the name of Route 66 Diner: put the name in "
                          "quotes, e.g. `/credit order \"Route 66 Diner\" 120k`.")
    other = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C9003 700 PO-7")
    assert other.text == (":white_check_mark: *OK to ship*: order CB-2 (PO-7) of $700.00 "
                          "for Route 66 Diner (C9003).")


def test_an_order_whose_name_ends_in_a_number_before_the_amount_asks_for_quotes(world):
    # "plant 7 5k" answered "“7 5k” is two amounts", with an example of another
    # customer: the rep retyped it the same way.
    add_customer(world, "C9007", "Plant 7")
    add_customer(world, "C9066", "Route 66 Diner")
    for typed, words, name in (("plant 7 5k", "plant 7", "Plant 7"),
                               ("plant 7 5k PO-1", "plant 7", "Plant 7"),
                               ("route 66 5k", "route 66", "Route 66 Diner")):
        reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order {typed}")
        assert reply.text == (f"“{words}” begins the name of {name}: put the name in "
                              f"quotes, e.g. `/credit order \"{name}\" 120k`."), typed
    # Two amounts after a name without a number in it are still two amounts.
    two = world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 5k 10k")
    assert two.text == ("“5k 10k” is two amounts: an order has one, e.g. `/credit order "
                        "acme 120k EUR PO-2026-118`.")
    assert placed(world) == []


def placed(world: World) -> list[str]:
    with world.services.engine.connect() as conn:
        return [row.order_id for row in conn.execute(select(OrderCheckRow))]


def test_a_customer_named_like_a_currency_or_an_amount_is_found_before_any_refusal(world):
    # "Name the customer" is said only once no customer is found: AMD, $5 and 5k are
    # names here (the refusal came first, and AMD could not be ordered for by name).
    add_customer(world, "C9101", "AMD")
    add_customer(world, "C9102", "$5")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order AMD 5k").text == (
        ":white_check_mark: *OK to ship*: order CB-1 of $5,000.00 for AMD (C9101).")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check AMD USD 5k").text == (
        ":white_check_mark: *OK to ship*: an order of $5,000.00 for AMD (C9101) passes the "
        "order rules.")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check $5").blocks[0][
        "text"]["text"] == "$5"
    filed = world.slack.slash(SALES, SALES_CHANNEL, "/credit request AMD +5k more stock")
    assert filed.text == "Request #1 filed: limit increase for AMD (C9101)"
    # Nothing but money where the customer goes, and no such customer: what is missing.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit check 5k").text == (
        "Name the customer, e.g. `/credit check acme 120k`.")
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit request USD 5k more").text == (
        "Give the customer, the new limit or the increase, and why: `/credit request acme "
        "+100k larger Q1 orders` (a new total such as `250000` or `USD 250k`, or an "
        "increase such as `+100k`).")


def test_a_dollar_sign_before_another_currency_suggests_the_customers_dollar(world):
    # For a customer billed in Canadian dollars an order and a check suggested 5,000 USD
    # where a request suggested 5,000 CAD.
    add_customer(world, "C9201", "Maple Leaf Lumber", currency="CAD")
    said = ("“$5k EUR” names two currencies, $ and EUR: write one, e.g. 5,000 CAD or 5,000 "
            "EUR.")
    for line in ("/credit order maple leaf lumber $5k EUR", "/credit check C9201 $5k EUR",
                 "/credit request C9201 $5k EUR more"):
        assert world.slack.slash(SALES, SALES_CHANNEL, line).text == said, line
    assert placed(world) == []


def test_an_order_never_takes_a_part_of_the_name_for_its_amount(world):
    # Orders were placed of $5,000 for "Club 5k Runners" and of $39 for "Pier 39 USD
    # Traders" (only a bare whole number was looked for in the name).
    add_customer(world, "C9301", "Club 5k Runners")
    add_customer(world, "C9302", "Pier 39 USD Traders")
    add_customer(world, "C9303", "Route 66")
    add_customer(world, "C9304", "Route 66 Diner")
    quotes = ("“{words}” begins the name of {name}: put the name in quotes, e.g. "
              "`/credit order \"{name}\" 120k`.")
    for line, words, name in (
            ("Club 5k Runners 10k PO-1", "Club 5k", "Club 5k Runners"),
            ("Pier 39 USD Traders 10k", "Pier 39", "Pier 39 USD Traders"),
            # Both "Route 66" and "Route 66 Diner" are customers: the one typed is named
            # (the quotes advised led to an order for Route 66).
            ("Route 66 Diner 5k", "Route 66", "Route 66 Diner")):
        reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit order {line}")
        assert reply.text == quotes.format(words=words, name=name), line
    assert placed(world) == []
    said = world.slack.slash(SALES, SALES_CHANNEL, "/credit request Route 66 Diner 250000 x")
    assert said.text == ("“Route 66” begins the name of Route 66 Diner: put the name in "
                         "quotes, e.g. `/credit request \"Route 66 Diner\" +100k larger "
                         "orders`.")


def test_money_where_the_customer_goes_names_only_a_customer_named_exactly_so(world):
    # "USD 5k" placed an order for "USD Logistics" (USD begins its name), where a check
    # of the same words said "Name the customer".
    add_customer(world, "C9401", "USD Logistics")
    for line in ("/credit order USD 5k", "/credit order USD 5k PO-1"):
        assert world.slack.slash(SALES, SALES_CHANNEL, line).text == (
            "Name the customer, e.g. `/credit order acme 120k`."), line
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit request USD 5k more").text == (
        "Give the customer, the new limit or the increase, and why: `/credit request acme "
        "+100k larger Q1 orders` (a new total such as `250000` or `USD 250k`, or an "
        "increase such as `+100k`).")
    assert placed(world) == []
    # Its name's start with a word that is no currency still names it.
    assert world.slack.slash(SALES, SALES_CHANNEL, "/credit order usd logistics 5k").text == (
        ":white_check_mark: *OK to ship*: order CB-1 of $5,000.00 for USD Logistics (C9401).")
