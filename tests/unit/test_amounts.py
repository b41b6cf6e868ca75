"""The amount grammar, property-tested in ASCII and in full-width (Chinese input) form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from domain.amount_text import read_amount
from domain.amounts import (
    EXAMPLES,
    MAX_AMOUNT,
    UNIT_WORDS,
    AmountError,
    TypedAmount,
    exact_money,
    parse_amount,
)

FULL_WIDTH = str.maketrans("0123456789,.kmKM", "０１２３４５６７８９，．ｋｍＫＭ")

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"),
                      places=2)
whole = st.integers(min_value=1, max_value=10**9)
codes = st.sampled_from(["USD", "EUR", "CNY", "JPY", "usd", "cny"])
scripts = st.sampled_from(["ascii", "full-width"])


def typed(text: str, script: str) -> str:
    return text if script == "ascii" else text.translate(FULL_WIDTH)


def grouped(value: Decimal) -> str:
    return f"{value:,.2f}"


@given(amounts, scripts)
def test_plain_and_grouped_digits_read_back_exactly(value, script):
    assert parse_amount(typed(f"{value:.2f}", script)).value == value
    assert parse_amount(typed(grouped(value), script)).value == value


@given(whole, st.sampled_from([("k", 10**3), ("K", 10**3), ("m", 10**6), ("M", 10**6),
                               ("万", 10**4), ("亿", 10**8), ("万元", 10**4)]), scripts)
def test_multipliers_scale_exactly(number, unit, script):
    suffix, factor = unit
    assume(number * factor <= MAX_AMOUNT)  # above: refused as too large (tested below)
    parsed = parse_amount(typed(f"{number}{suffix}", script))
    # 元 is the renminbi (mainland China's reading); a unit alone names no currency.
    assert parsed.value == Decimal(number) * factor
    assert parsed.currency == ("CNY" if suffix.endswith("元") else None)


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=9),
       st.sampled_from([("k", 10**3), ("m", 10**6), ("万", 10**4), ("亿", 10**8)]))
def test_decimals_before_a_multiplier_stay_exact(units, tenths, unit):
    suffix, factor = unit
    parsed = parse_amount(f"{units}.{tenths}{suffix}")
    assert parsed.value == (Decimal(units) + Decimal(tenths) / 10) * factor
    assert parsed.value == parsed.value.to_integral_value()


@given(whole, codes, st.booleans(), scripts)
def test_a_currency_code_before_or_after(number, code, before, script):
    text = f"{code} {number}k" if before else f"{number}k {code}"
    parsed = parse_amount(typed(text, script))
    assert parsed.value == Decimal(number) * 1000 and parsed.currency == code.upper()


@pytest.mark.parametrize(("text", "value"), [
    ("120000", "120000"), ("120,000", "120000"), ("120000.50", "120000.50"),
    ("120k", "120000"), ("1.2m", "1200000"), ("12万", "120000"), ("1.5亿", "150000000"),
    ("12万元", "120000"), ("１２万", "120000"), ("１２０，０００", "120000"),
])
def test_the_documented_examples(text, value):
    assert parse_amount(text).value == Decimal(value)


@pytest.mark.parametrize(("text", "reason"), [
    ("1,2.3", ""), ("abc", ""), ("12 万 元 x", ""), ("USD 10 EUR", ""), ("-", ""),
    ("--5", ""), ("0", " greater than zero"),
    # An amount below zero is one, not greater than zero (a new user's "-5" was told it
    # was not an amount at all).
    ("-5", " greater than zero"), ("− 5k", " greater than zero"),
    ("-USD 5", " greater than zero"), ("USD -5", " greater than zero"),
    ("– 5k", " greater than zero"), ("—5", " greater than zero"),
    # A minus between digits or at the end is no sign.
    ("12-5", ""), ("5 -", ""),
    ("XYZ 10", " in a currency creditbot knows (XYZ is not an ISO 4217 code)"),
])
def test_what_is_not_an_amount_says_how_to_write_one(text, reason):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"“{text}” is not an amount{reason}: write it like {EXAMPLES}."
    assert EXAMPLES == "120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR"


@pytest.mark.parametrize(("text", "written"), [
    ("12.000,50", "12000.50"), ("1,5k", "1.5k"), ("1,50", "1.50"), ("USD 12,5", "USD 12.5"),
    ("1.234.567,89 EUR", "1234567.89 EUR"), ("1,5万", "1.5万"), ("１２，５", "12.5")])
def test_a_decimal_comma_is_pointed_out_with_the_amount_written_with_a_point(text, written):
    # "12.000,50" was told only how amounts look in general, the comma never mentioned.
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    # Points between thousands are named only when there were some ("1,5k" has none).
    between = " and no point between thousands" if "." in text else ""
    assert str(refused.value) == (
        f"“{text}” has a decimal comma: write decimals after a point{between}, like "
        f"{written}.")
    parse_amount(written)  # what it suggests is taken


def test_a_comma_before_three_digits_still_groups_thousands():
    assert parse_amount("1,500").value == 1500
    with pytest.raises(AmountError) as refused:
        parse_amount("12,345,67")
    assert str(refused.value) == f"“12,345,67” is not an amount: write it like {EXAMPLES}."


@pytest.mark.parametrize("text", ["100000000000000", "1" + "0" * 30, "USD 2000000亿"])
def test_amounts_beyond_ten_trillion_are_refused_as_too_large(text):
    """They overflowed the databases' exact columns (a 500 on filing) or the decimal
    context (10**30: InvalidOperation)."""
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (f"“{text}” is too large: creditbot takes amounts up to "
                                  "10,000,000,000,000.")


def test_ten_trillion_itself_is_an_amount():
    assert parse_amount("10000000000000").value == Decimal(10) ** 13


WRITE = "write it like 120000, 120,000, 120000.50, 120k, 1.2m, USD 120k or 120k EUR."


@pytest.mark.parametrize("text, refusal", [
    ("$12", "“$12”: write the currency's code after the amount instead of its sign, e.g. "
            "12 USD."),
    ("¥250k", "“¥250k”: ¥ is both the yuan and the yen; write the currency's code after the "
              "amount instead, e.g. 250k CNY or 250k JPY."),
    # The yen has no decimals: only the yuan's code is a suggestion that is then taken.
    ("¥5.5", "“¥5.5”: write the currency's code after the amount instead of its sign, e.g. "
             "5.5 CNY."),
    ("5.5¥", "“5.5¥”: write the currency's code after the amount instead of its sign, e.g. "
             "5.5 CNY."),
    # Finer than the currency: the suggestion is rounded, and keeps the code.
    # Rounded up, the figure cut short is offered first (".50" typed out of habit).
    ("$1.005", "“$1.005” has more decimals than USD has: write it like 1.00 USD or 1.01 "
               "USD."),
    ("$1.004", "“$1.004” has more decimals than USD has: write it like 1.00 USD."),
    ("¥1.005", "“¥1.005” has more decimals than CNY has: write it like 1.00 CNY or 1.01 "
               "CNY."),
    ("$0.001", f"“$0.001” is less than the smallest amount in USD: {WRITE}"),
    # What is wrong with the amount itself is said as it would be without the sign.
    ("$20000000000000", "“$20000000000000” is more than creditbot takes for one order (at "
                        f"most 10,000,000,000,000): {WRITE}"),
    # An exponent after a sign: its digits, with the code (typed back, the same amount).
    ("$1e5", "“$1e5”: write the currency's code after the amount instead of its sign, e.g. "
             "100000 USD."),
    ("¥1e3", "“¥1e3”: ¥ is both the yuan and the yen; write the currency's code after the "
             "amount instead, e.g. 1000 CNY or 1000 JPY."),
    # No amount after the sign, or a sign and a code: nothing to suggest.
    ("¥abc", f"“¥abc” is not an amount: {WRITE}"),
    ("$", f"“$” is not an amount: {WRITE}"),
    # A sign, then another currency's code: both ways to write it ("not an amount" said
    # nothing of what was wrong).
    ("$12 EUR", "“$12 EUR” names two currencies, $ and EUR: write one, e.g. 12 USD or "
                "12 EUR."),
    ("US$5k EUR", "“US$5k EUR” names two currencies, USD and EUR: write one, e.g. 5,000 USD "
                  "or 5,000 EUR."),
    ("12 USD$", f"“12 USD$” is not an amount: {WRITE}"),
])
def test_a_currency_sign_is_answered_with_a_suggestion_that_is_then_taken(text, refusal):
    with pytest.raises(AmountError) as refused:
        read_amount(text)
    assert str(refused.value) == refusal
    suggested = (refusal.partition("e.g. ")[2] or refusal.partition("write it like ")[2]
                 ).rstrip(".").split(" or ")[0]
    if suggested and suggested[-3:].isupper():
        code = suggested.rsplit(" ", 1)[1]
        typed = read_amount(suggested)
        assert typed.currency == code
        assert exact_money(suggested, typed.value, code).currency == code


@pytest.mark.parametrize(("text", "refusal"), [
    ("€1,234.50 USD", "“€1,234.50 USD” names two currencies, EUR and USD: write one, e.g. "
                      "1,234.50 EUR or 1,234.50 USD."),
    ("5k USD EUR", "“5k USD EUR” names two currencies, USD and EUR: write one, e.g. 5,000 "
                   "USD or 5,000 EUR."),
    ("USD 5万 人民币", "“USD 5万 人民币” names two currencies, USD and CNY: write one, e.g. "
                    "50,000 USD or 50,000 CNY."),
    ("+usd5k EUR", "“+usd5k EUR” names two currencies, USD and EUR: write one, e.g. +5,000 "
                   "USD or +5,000 EUR."),
    ("+US$5k eur", "“+US$5k eur” names two currencies, USD and EUR: write one, e.g. +5,000 "
                   "USD or +5,000 EUR."),
    # Right in one currency and not the other: two currencies, the other's way rounded
    # (it was "more decimals than JPY has: write it like 2", for an amount fine in USD).
    ("1.5 USD JPY", "“1.5 USD JPY” names two currencies, USD and JPY: write one, e.g. 1.5 "
                    "USD or 2 JPY."),
])
def test_two_currencies_are_refused_with_both_ways_to_write_the_amount(text, refusal):
    with pytest.raises(AmountError) as refused:
        read_amount(text, increase=True)
    assert str(refused.value) == refusal
    # Each way shown is taken as written, an increase keeping its +.
    for way in refusal.partition("e.g. ")[2].rstrip(".").split(" or "):
        typed = read_amount(way, increase=True)
        number = way.split()[0].lstrip("+").replace(",", "")
        assert (typed.currency, typed.value) == (way[-3:], Decimal(number))


def test_a_dollar_sign_before_an_amount_in_dollars_is_those_dollars():
    # "$5k CAD" for a customer billed in euros: Canadian dollars, not "not an amount";
    # for one billed in US dollars too (it was "two currencies, USD and CAD").
    assert read_amount("$5k CAD", implied="EUR") == TypedAmount(Decimal(5000), "CAD")
    assert read_amount("+$5k CAD", implied="USD", increase=True) == TypedAmount(
        Decimal(5000), "CAD")
    assert read_amount("US$5k USD") == TypedAmount(Decimal(5000), "USD")


@pytest.mark.parametrize(("text", "refusal"), [
    # What is wrong with the amount itself comes before the two currencies: a suggestion
    # of "1.500 EUR" was refused next as 1500 or 1.50.
    ("$1.500 EUR", "“$1.500 EUR” could be 1500 or 1.50: write 1500 without the point, or "
                   "1.50."),
    ("$5.555 EUR", "“$5.555 EUR” has more decimals than EUR has: write it like 5.55 or "
                   "5.56."),
    # Signs upon signs are not an amount; hundreds of them overflowed the stack.
    ("$" * 2000 + "5k", f"“{'$' * 2000}5k” is not an amount: {WRITE}"),
    ("US$US$5", f"“US$US$5” is not an amount: {WRITE}"),
])
def test_an_amount_with_a_sign_says_its_own_problem_first(text, refusal):
    with pytest.raises(AmountError) as refused:
        read_amount(text, implied="EUR")
    assert str(refused.value) == refusal


@pytest.mark.parametrize("text, value", [
    ("5千", 5_000), ("5 千元", 5_000), ("3百万", 3_000_000), ("1.5千万", 15_000_000),
    ("12萬", 120_000), ("1.5億", 150_000_000), ("１２萬", 120_000), ("2百萬", 2_000_000),
    ("3千萬", 30_000_000)])
def test_chinese_units_in_either_script(text, value):
    # A Hong Kong or mainland rep's 5千 and 12萬 were "not an amount", though 12万 was one.
    assert parse_amount(text).value == Decimal(value)


@pytest.mark.parametrize("text, value", [
    ("12万5千", 125_000), ("12萬5千", 125_000), ("1万2千5百", 12_500), ("12万5000", 125_000),
    ("12万0500", 120_500), ("12万零500", 120_500), ("1万零5百", 10_500),
    ("3千500", 3_500), ("3千5百万", 35_000_000), ("1千2百50万", 12_500_000),
    ("3亿5000万", 350_000_000), ("1亿2千万", 120_000_000), ("1亿零5万", 100_050_000),
    ("12万5千5百50", 125_550), ("１２万５千", 125_000),
    # 万亿, a trillion; trailing zeros that read the same either way.
    ("1万亿", 10**12), ("1万亿5000亿", 15 * 10**11), ("1.5万亿", 15 * 10**11),
    ("12万00", 120_000)])
def test_an_amount_written_as_chinese_writes_it_in_digits(text, value):
    # A Chinese rep's 12万5千 was "not an amount", though 12万 and 125000 were.
    assert parse_amount(text).value == Decimal(value)


def test_units_of_a_chinese_amount_keep_its_currency():
    assert parse_amount("12万5千元") == TypedAmount(Decimal(125_000), "CNY")
    assert parse_amount("USD 12万5千") == TypedAmount(Decimal(125_000), "USD")
    assert parse_amount("1万2千5百 EUR") == TypedAmount(Decimal(12_500), "EUR")


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=0, max_value=9999),
       st.integers(min_value=0, max_value=9999), st.booleans())
def test_sections_under_wan_and_yi_filled_in_digits_read_back(top, wan, ones, with_yi):
    # 1亿0005万0300: each section's four places written out, as a spreadsheet shows them.
    text, value = (f"{top}亿{wan:04d}万{ones:04d}", top * 10**8 + wan * 10**4 + ones) \
        if with_yi else (f"{top}万{ones:04d}", top * 10**4 + ones)
    assert parse_amount(text).value == Decimal(value)


@pytest.mark.parametrize("text, large, small", [
    ("12万5", "125000", "120005"), ("3千5", "3500", "3005"), ("1万2千5", "12500", "12005"),
    ("2亿5", "250000000", "200000005"), ("12万50", "125000", "120050"),
    ("12万5元", "125000元", "120005元"),
    # Places skipped without the 零 Chinese writes there: 1亿5千 is said for 1.5亿.
    ("1亿5千", "150000000", "100005000"), ("1万5百", "15000", "10500"),
    ("1亿5千3百", "153000000", "100005300"),
    # Said, 1亿5百 is 1亿5百万 (the 万 unsaid); a 零 later in it was "Chinese numerals".
    ("1亿5百", "105000000", "100000500"), ("1亿5千零3", "150000003", "100005003")])
def test_fewer_digits_after_a_chinese_unit_are_asked_about(text, large, small):
    # Said, 12万5 is 125,000; written, 12万 and 5. Neither is taken behind the rep's back.
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"“{text}” could be {large} or {small}: write the one you mean."
    # Either way the suggestion is taken as written.
    assert parse_amount(large).value == Decimal(large.rstrip("元"))
    assert parse_amount(small).value == Decimal(small.rstrip("元"))


@pytest.mark.parametrize("text", [
    "12万15千", "5千12万", "12万5万", "5百2千", "12万50000", "3千12百",
    # A multiplier after it was applied again: 12万5千k was 125 million, 12万5千m 125
    # billion (12万k was refused); decimals after it were suggested as "125000千.5".
    "12万5千k", "12万5千 m", "12万5千.5", "1亿2345万6789.12"])
def test_units_out_of_order_are_not_an_amount(text):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"“{text}” is not an amount: write it like {EXAMPLES}."


@pytest.mark.parametrize(("typed", "said"), [
    ("+5万", "“+5万”: an amount here is written without +, e.g. 5万."),
    ("＋5k", "“＋5k”: an amount here is written without +, e.g. 5k."),
    ("+US$5k", "“+US$5k”: an amount here is written without +, e.g. US$5k."),
    # What is wrong with the rest is said of the whole, as typed: no suggestion to follow
    # that would be refused in turn.
    ("+abc", "“+abc” is not an amount: write it like 120000, 120,000, 120000.50, 120k, "
             "1.2m, USD 120k or 120k EUR."),
    ("+1e5", "“+1e5” is written with an exponent: write the digits out, e.g. 100000."),
])
def test_a_plus_where_no_increase_is_read_says_so(typed: str, said: str):
    with pytest.raises(AmountError) as refused:
        read_amount(typed, implied="USD")
    assert str(refused.value) == said
    assert read_amount("+5k", increase=True).value == Decimal(5000)


@pytest.mark.parametrize(("implied", "refusal"), [
    # The customer's dollar is the way suggested, the sign named as typed: a request
    # said "USD and EUR" where an order said "$ and EUR" of the same words.
    ("USD", "“$5k EUR” names two currencies, $ and EUR: write one, e.g. 5,000 USD or 5,000 "
            "EUR."),
    ("CAD", "“$5k EUR” names two currencies, $ and EUR: write one, e.g. 5,000 CAD or 5,000 "
            "EUR."),
    (None, "“$5k EUR” names two currencies, $ and EUR: write one, e.g. 5,000 USD or 5,000 "
           "EUR."),
])
def test_a_shared_sign_before_another_currency_is_named_as_typed(implied, refusal):
    with pytest.raises(AmountError) as refused:
        read_amount("$5k EUR", implied=implied)
    assert str(refused.value) == refusal


@pytest.mark.parametrize(("text", "written"), [
    ("50 000", "50000"), ("50 000,00", "50000.00"), ("1 234.56", "1234.56"),
    ("12 500,5", "12500.5"), ("USD 1 234 567,89", "USD 1234567.89"), ("+150 000,00", "+150000.00"),
    ("1\u202f200\u202f000", "1200000")])
def test_digits_grouped_by_spaces_are_refused_with_what_to_write(text, written):
    # Said "has a decimal comma: … like 50 000.00", refused again when written so.
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (
        f"“{text}” groups its digits with spaces: write it without them, like {written}.")
    if not written.startswith("+"):
        parse_amount(written)  # what it suggests is taken


@pytest.mark.parametrize(("text", "unit", "written", "short"), [
    ("1,5 Mio. EUR", "Mio.", "1500000 EUR", "1.5m EUR"),
    ("1.5 Mio EUR", "Mio", "1500000 EUR", "1.5m EUR"),
    ("5 mn", "mn", "5000000", "5m"), ("USD 2mln", "mln", "USD 2000000", "USD 2m"),
    ("2 lakh", "lakh", "200000", "200k"), ("1.25 crore", "crore", "12500000", "12.5m"),
    ("20 Tsd. CHF", "Tsd.", "20000 CHF", "20k CHF"), ("2 Mrd.", "Mrd.", "2000000000", "2000m"),
    ("1,5 TEUR EUR", "TEUR", "1500 EUR", "1.5k EUR"),
    ("5 mio", "mio", "5000000", "5m"), ("20 TEUR", "TEUR", "20000 EUR", "20k EUR"),
    ("EUR 5 mln", "mln", "EUR 5000000", "EUR 5m"),
    ("1.000,5 thousand", "thousand", "1000500", "1.0005m")])
def test_a_unit_creditbot_does_not_read_is_refused_with_the_amount_it_stands_for(
        text, unit, written, short):
    # "1,5 Mio. EUR" was told to write "1.5 Mio. EUR", refused in its turn.
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (
        f"“{text}” uses “{unit}”, which creditbot does not read: write the amount in digits "
        f"or with k or m, like {written} or {short}.")
    assert parse_amount(written).value == parse_amount(short).value  # both are taken


@pytest.mark.parametrize(("text", "wan", "written", "short"), [
    ("5w", "5万", "50000", "50k"), ("1.5w", "1.5万", "15000", "15k"),
    ("5w USD", "5万 USD", "50000 USD", "50k USD")])
def test_w_for_wan_is_refused_with_wan_first_among_the_ways_to_write_it(text, wan, written,
                                                                        short):
    # 万 as a Chinese reader types it in Latin letters: its own character was never named.
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (
        f"“{text}” uses “w”, which creditbot does not read: write the amount with 万, in "
        f"digits or with k or m, like {wan}, {written} or {short}.")
    assert parse_amount(wan).value == parse_amount(written).value == parse_amount(short).value


def test_a_unit_word_below_a_thousand_is_suggested_in_digits_only():
    with pytest.raises(AmountError) as refused:
        parse_amount("0.5 thousand")
    assert str(refused.value) == ("“0.5 thousand” uses “thousand”, which creditbot does not "
                                  "read: write the amount in digits, like 500.")


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("5百", 500, None), ("5 百", 500, None), ("5百元", 500, "CNY"), ("1.5百", 150, None)])
def test_bai_is_read_as_hundreds_as_in_longer_amounts(text, value, currency):
    # 5百 was refused ("uses 百, which creditbot does not read") where 1万2千5百 was read.
    assert parse_amount(text) == TypedAmount(Decimal(value), currency)


@pytest.mark.parametrize("text", [
    "1.500.000 mn", "20 TXYZ", "5 Mio Mio", "5 mn XYZ", "EUR 20 TUSD", "1,5 TEUR USD",
    # Written out, refused again: more decimals than any currency, less than a cent.
    "1.2345678 thousand", "0.000000001 mn"])
def test_what_is_not_plainly_a_number_and_a_unit_gets_the_general_refusal(text):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"“{text}” is not an amount: write it like {EXAMPLES}."


@pytest.mark.parametrize(("text", "written", "plain", "unit"), [
    # Everyday words: "+5000 grand opening" was told "like +5000000", then "is not an
    # amount", beside an amount that was one and a reason that began with "grand".
    ("50 grand", "50000", "50", "grand"), ("5000 T", "5000000", "5000", "T"),
    ("5000 mm", "5000000000", "5000", "mm"), ("5 mille", "5000", "5", "mille"),
    # Watts, or 万: 5w glued is 5万, "5000 W" and "5 w" are asked.
    ("5000 W", "50000000", "5000", "W"), ("5 w", "50000", "5", "w"),
    ("50 grand EUR", "50000 EUR", "50 EUR", "grand")])
def test_an_everyday_word_after_a_number_is_asked_about_both_ways(text, written, plain,
                                                                   unit):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (
        f"“{text}”: creditbot does not read “{unit}” in an amount. For {written}, write it "
        f"so; if “{unit}” begins the words after the amount, put them in quotes: {plain} "
        f"\"{unit} …\".")
    # Both ways are taken as written.
    assert parse_amount(written).value == parse_amount(plain).value * UNIT_WORDS[unit.lower()]


@pytest.mark.parametrize(("text", "refusal"), [
    # "1.500 Mio. EUR" was told "like 1500000 EUR": a German writer means 1.5 billion.
    ("1.500 Mio. EUR", "could be 1500000000 EUR or 1500000 EUR: write the one you mean."),
    ("20000 bn", "is too large: creditbot takes amounts up to 10,000,000,000,000.")])
def test_a_unit_word_that_cannot_simply_be_multiplied_out_says_why(text, refusal):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == f"“{text}” {refusal}"


@pytest.mark.parametrize(("text", "written", "short"), [
    ("+€1,5 Mio.", "+1500000 EUR", "+1.5m EUR"), ("£2 mn", "2000000 GBP", "2m GBP"),
    ("1,5 Mio. €", "1500000 EUR", "1.5m EUR"), ("€20 TEUR", "20000 EUR", "20k EUR")])
def test_a_unit_word_after_a_sign_keeps_the_sign_and_its_code_in_both_ways(
        text, written, short):
    # "+€1,5 Mio." was told "like +1500000 EUR or 1.5m": a total in dollars.
    with pytest.raises(AmountError) as refused:
        read_amount(text, increase=True, implied="USD")
    unit = text.split()[-1] if not text.endswith("€") else "Mio."
    assert str(refused.value) == (
        f"“{text}” uses “{unit}”, which creditbot does not read: write the amount in digits "
        f"or with k or m, like {written} or {short}.")


def test_a_unit_word_after_another_currencys_sign_is_no_suggestion():
    # "$5 TEUR" was told "like 5000 EUR USD".
    with pytest.raises(AmountError) as refused:
        read_amount("$5 TEUR", implied="USD")
    assert str(refused.value) == f"“$5 TEUR” is not an amount: write it like {EXAMPLES}."


@pytest.mark.parametrize(("text", "large", "small"), [
    ("+1.500 Mio. USD", "+1500000000 USD", "+1500000 USD"),
    ("+€1.500 Mio.", "+1500000000 EUR", "+1500000 EUR")])
def test_an_amount_read_two_ways_keeps_its_plus_and_its_currency_in_both(text, large, small):
    # "+€1.500 Mio." was told "could be 1500000000 or 1500000": a total in dollars.
    with pytest.raises(AmountError) as refused:
        read_amount(text, increase=True, implied="USD")
    assert str(refused.value) == f"“{text}” could be {large} or {small}: write the one you mean."


@pytest.mark.parametrize(("text", "said"), [
    ("+1,5 Mio. EUR", "uses “Mio.”, which creditbot does not read: write the amount in "
                      "digits or with k or m, like +1500000 EUR or +1.5m EUR."),
    ("+5w人民币", "uses “w”, which creditbot does not read: write the amount with 万, in "
                "digits or with k or m, like +5万人民币, +50000人民币 or +50k人民币."),
    # Read two ways after a sign of two currencies (¥): "could be 1500000000 or 1500000"
    # was, typed back, a new total in the customer's dollars.
    ("+1.500 Mio. ¥", f"is not an amount: write it like {EXAMPLES}.")])
def test_an_increase_in_a_unit_word_keeps_its_plus_and_its_currency(text, said):
    with pytest.raises(AmountError) as refused:
        read_amount(text, increase=True, implied="USD")
    assert str(refused.value) == f"“{text}” {said}"


@pytest.mark.parametrize("text", ["5万块", "5万块钱", "5万元整", "50000块", "５万元整",
                                  # In Traditional, and 圆 as a cheque writes 元.
                                  "5萬塊", "5萬塊錢", "5万圆", "5萬圓"])
def test_yuan_as_people_say_it_and_invoices_write_a_round_sum(text):
    # 块 (块钱) as people say 元, 元整 as a contract writes a round sum: "not an amount".
    typed = parse_amount(text)
    assert (typed.value, typed.currency) == (Decimal(50000), "CNY")


@pytest.mark.parametrize(("line", "amount", "reference"), [
    # Apart from the number as 元 is: "5万 块" was $50,000 with the reference "块".
    ("C0005 5万 块", "5万块", None), ("C0005 5000 块钱", "5000块钱", None),
    ("C0005 5000 元整 PO-1", "5000元整", "PO-1"), ("C0005 10k 3块钢板", "10k", "3块钢板"),
    ("C0005 12万5千 块 PO-1", "12万5千块", "PO-1")])
def test_yuan_written_apart_belongs_to_its_number(line, amount, reference):
    from domain.orders.typed import split_order

    typed = split_order(line)
    assert (typed.amount, typed.reference) == (amount, reference)


@pytest.mark.parametrize(("line", "customer", "amount", "reference"), [
    # A mark after the amount parts it from the reference, as a request's reason.
    ("acme 5k, PO-1", "acme", "5k", "PO-1"), ("华夏物流 3万：PO-9", "华夏物流", "3万", "PO-9"),
    ("华夏物流，3万，PO-9", "华夏物流", "3万", "PO-9"),
    ("acme 120,000 PO-1", "acme", "120,000", "PO-1"), ("acme 5k,PO-1", "acme", "5k", "PO-1"),
    ("acme 5k EUR, PO-1", "acme", "5k", "PO-1"),
    ('"Forever 21, Inc" 5k, PO-1', "Forever 21, Inc", "5k", "PO-1")])
def test_a_comma_or_colon_after_an_orders_amount_parts_it(line, customer, amount, reference):
    from domain.orders.typed import split_order

    typed = split_order(line)
    assert (typed.customer, typed.amount, typed.reference) == (customer, amount, reference)


@pytest.mark.parametrize(("line", "customer", "amount"), [
    ("K001 5k,", "K001", "5k"), ("K001 5k，", "K001", "5k"), ("华夏物流，3万：", "华夏物流", "3万"),
    ('"Forever 21, Inc" 5k,', "Forever 21, Inc", "5k"), ("acme 120,000", "acme", "120,000")])
def test_a_mark_after_a_checks_amount_is_read_as_the_orders(line, customer, amount):
    # "“5k,” is not an amount" where `/credit order K001 5k, PO-Y` placed the order.
    from domain.orders.typed import split_check

    typed = split_check(line)
    assert typed is not None and (typed.customer, typed.amount) == (customer, amount)
    assert split_check("acme, inc") is None


def test_in_a_form_field_an_everyday_word_is_told_its_amount_alone():
    # The quotes' way, "+50 "grand …"", was refused by the same field: a form's reason
    # is a field of its own.
    from handlers.errors import field_error
    from handlers.i18n import translator

    with pytest.raises(AmountError) as refused:
        read_amount("+50 grand", increase=True)
    assert field_error(refused.value, translator("en-US")) == (
        "“+50 grand”: creditbot does not read “grand” in an amount. For +50000, write it "
        "so.")
    assert read_amount("+50000", increase=True).value == 50000


@pytest.mark.parametrize(("text", "implied", "amount"), [
    ("5万块", "HKD", "50,000"), ("+5000元", "TWD", "+5,000"), ("12万5千元", "MOP", "125,000")])
def test_yuan_for_a_customer_billed_in_a_dollar_written_so_too_is_asked_about(text, implied,
                                                                            amount):
    # A Hong Kong rep's 5万块 for a customer billed in HKD was CN¥50,000, converted.
    with pytest.raises(AmountError) as refused:
        read_amount(text, increase=True, implied=implied, customers=implied)
    assert str(refused.value) == (
        f"“{text}”: 元 is the renminbi in mainland China, and the dollar where {implied}, the "
        f"customer's currency, is spent; write the currency's code after the amount instead, "
        f"e.g. {amount} {implied} or {amount} CNY.")


def test_a_round_sum_after_a_currencys_chinese_name_is_that_currency():
    # 5000港元整, as a cheque writes a round sum in Hong Kong dollars, was "not an amount".
    assert parse_amount("5000港元整") == TypedAmount(Decimal(5000), "HKD")
    assert parse_amount("5万美元整") == TypedAmount(Decimal(50000), "USD")
    # In Chinese numerals, a round sum is said to be in Chinese numerals (not "not an
    # amount"), as without 整.
    with pytest.raises(AmountError) as refused:
        parse_amount("伍万元整")
    assert str(refused.value) == ("“伍万元整” is written in Chinese numerals: write the "
                                  "number in digits, e.g. 5万 or 50000.")


@pytest.mark.parametrize(("text", "implied", "currency"), [
    ("5万块", "USD", "CNY"), ("5万元 CNY", "HKD", "CNY"), ("5万 人民币", "HKD", "CNY"),
    ("5萬港元", "HKD", "HKD"), ("￥5万", "CNY", "CNY")])
def test_yuan_named_or_for_anyone_else_stays_the_renminbi(text, implied, currency):
    assert read_amount(text, implied=implied, customers=implied).currency == currency
    # A currency given beside it (a form's field) is not the customer's: said by the
    # form as two currencies, not asked about here.
    assert read_amount("+5万元", increase=True, implied="HKD").currency == "CNY"
