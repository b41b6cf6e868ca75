from datetime import date
from decimal import Decimal

import pytest

from domain.imports import KINDS, HeaderError, ImportContext, RowErrors, RowParser
from domain.imports.rows import column_name

INVOICE_HEADER = ["invoice_id", "customer_id", "issue_date", "due_date", "amount", "currency"]


def parse(kind, header, cells, line=2):
    return RowParser(KINDS[kind], header).parse(line, cells)


def errors(kind, header, cells):
    result = parse(kind, header, cells)
    assert isinstance(result, list), f"expected errors, got {result}"
    return [(e.column, e.message) for e in result]


def test_a_good_invoice_row_derives_open_amount_and_status():
    parser = RowParser(KINDS["invoices"], INVOICE_HEADER)
    row = dict(zip(parser.columns, parser.parse(2, ["I1", "C1", "2026-01-01", "2026-01-31",
                                                    "120000.50", "usd"]), strict=True))
    assert row == {"invoice_id": "I1", "customer_id": "C1", "issue_date": date(2026, 1, 1),
                   "due_date": date(2026, 1, 31), "amount": Decimal("120000.50"),
                   "currency": "USD", "open_amount": Decimal("120000.50"), "status": "open"}


def test_a_paid_invoice_has_nothing_open():
    header = [*INVOICE_HEADER, "status"]
    parser = RowParser(KINDS["invoices"], header)
    row = dict(zip(parser.columns, parser.parse(2, ["I1", "C1", "2026-01-01", "2026-01-31",
                                                    "100", "USD", "paid"]), strict=True))
    assert row["open_amount"] == 0
    assert errors("invoices", [*header, "open_amount"],
                  ["I1", "C1", "2026-01-01", "2026-01-31", "100", "USD", "paid", "5"]) == [
        ("open_amount", "is 5 but the status is paid")]


@pytest.mark.parametrize(
    ("cell_index", "value", "column", "reason"),
    [
        (2, "2026-02-30", "issue_date", "not a real calendar date"),
        (2, "30/01/2026", "issue_date", "not a date in YYYY-MM-DD form"),
        (2, "20260101", "issue_date", "not a date in YYYY-MM-DD form"),
        (4, "1,2.3", "amount", "not an amount"),
        (4, "120,000", "amount", "no thousands separators"),
        (4, "$100", "amount", "not an amount"),
        (4, "12.345", "amount", "more decimals than USD allows"),
        (5, "XYZ", "currency", "not an ISO 4217 currency code"),
        (0, "", "invoice_id", "is empty but required"),
    ],
)
def test_bad_cells_say_which_column_and_why(cell_index, value, column, reason):
    cells = ["I1", "C1", "2026-01-01", "2026-01-31", "100", "USD"]
    cells[cell_index] = value
    found = errors("invoices", INVOICE_HEADER, cells)
    assert len(found) == 1
    assert found[0][0] == column and reason in found[0][1]


def test_an_id_with_an_invisible_character_is_refused():
    # "H0\u200b01" would be a customer of its own that every card shows as H001.
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "H0\u200b01", "2026-01-01", "2026-01-31", "100", "USD"]) == [
        ("customer_id", "contains an invisible character (U+200B), which would make it a "
                        "different id that reads the same; remove it")]
    # A joiner that joins nothing (after an ASCII character, alone) made an id that read
    # as another customer's (C0002 + ZWJ, with a limit of its own) or as nothing.
    for lone, code in (("C0002\u200d", "U+200D"), ("\u200c", "U+200C")):
        assert errors("invoices", INVOICE_HEADER,
                      ["I1", lone, "2026-01-01", "2026-01-31", "100", "USD"]) == [
            ("customer_id", f"contains a zero-width joiner ({code}) that joins nothing there, "
                            "which would make it a different id that reads the same; remove "
                            "it")]
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "\u3164", "2026-01-01", "2026-01-31", "100", "USD"]) == [
        ("customer_id", "shows nothing (only invisible or blank characters); write the id")]
    # Letters of any script are ids as they are, joiners that shape them included (the
    # Persian ZWNJ, an emoji sequence's ZWJ).
    for shaped in ("فروشگاه\u200cنو", "C-👨\u200d👩\u200d👧"):
        assert not isinstance(parse("invoices", INVOICE_HEADER, [
            "I1", shaped, "2026-01-01", "2026-01-31", "100", "USD"]), RowErrors)
    assert not isinstance(parse("invoices", INVOICE_HEADER, [
        "发票-1", "客户一", "2026-01-01", "2026-01-31", "100", "USD"]), RowErrors)


@pytest.mark.parametrize(("typed", "said"), [
    # ESC [2J would clear the screen of whoever runs `creditbot import`.
    ("\x1b[2J100", "“\\x1b[2J100” is not an amount: write digits with an optional “.” "
                   "and decimals, no thousands separators or currency signs (e.g. 1234.50)"),
    # "1.5E+05" is 150,000 rounded to two digits: read as it is, it would be a figure.
    ("1.5E+05", "“1.5E+05” is not an amount: it is in scientific notation, as a "
                "spreadsheet writes a number its column is too narrow for, rounded to the "
                "digits shown; format the column as a number with decimals and export it "
                "again (e.g. 150000.00)"),
], ids=["control-character", "scientific"])
def test_an_amount_that_is_none_is_quoted_back_with_how_to_write_it(typed, said):
    [problem] = parse("invoices", INVOICE_HEADER,
                      ["I1", "C1", "2026-01-01", "2026-01-31", typed, "USD"])
    assert str(problem) == f"line 2, column amount: {said}"


def test_a_credit_note_has_a_negative_amount_and_is_open_up_to_it():
    header = [*INVOICE_HEADER, "open_amount"]
    parser = RowParser(KINDS["invoices"], INVOICE_HEADER)
    row = dict(zip(parser.columns, parser.parse(2, ["CN1", "C1", "2026-01-01", "2026-01-01",
                                                    "-300.00", "USD"]), strict=True))
    assert (row["amount"], row["open_amount"], row["status"]) == (-300, -300, "open")
    cells = ["CN1", "C1", "2026-01-01", "2026-01-01", "-300.00", "USD"]
    for part in ("-120.50", "0"):
        assert not isinstance(parse("invoices", header, [*cells, part]), list)
    assert errors("invoices", header, [*cells, "-300.01"]) == [
        ("open_amount", "-300.01 of a credit note must lie between its amount, -300.00, "
                        "and 0")]
    assert errors("invoices", header, [*cells, "10"]) == [
        ("open_amount", "10 of a credit note must lie between its amount, -300.00, and 0")]
    # An invoice owes nothing below 0: a negative open amount needs a negative amount.
    assert errors("invoices", header, ["I1", "C1", "2026-01-01", "2026-01-31", "100",
                                       "USD", "-5"]) == [
        ("open_amount", "is negative (-5) on an invoice of 100; a credit note has a negative "
                        "amount too")]
    # Settled, a credit note has nothing open either.
    assert errors("invoices", [*header, "status"], [*cells, "-1", "paid"]) == [
        ("open_amount", "is -1 but the status is paid")]


def test_every_problem_of_a_row_is_reported_at_once():
    found = errors("invoices", INVOICE_HEADER, ["", "C1", "2026-13-01", "x", "1", "ZZZ"])
    assert [c for c, _ in found] == ["invoice_id", "issue_date", "due_date", "currency"]


def test_cross_column_rules():
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "C1", "2026-02-01", "2026-01-31", "100", "USD"]) == [
        ("due_date", "is before issue_date")]
    assert errors("invoices", [*INVOICE_HEADER, "open_amount"],
                  ["I1", "C1", "2026-01-01", "2026-01-31", "100", "USD", "150"])[0][0] == \
        "open_amount"
    contract_header = ["contract_id", "customer_id", "start_date", "end_date",
                       "payment_terms_days", "credit_limit"]
    assert errors("contracts", contract_header,
                  ["K1", "C1", "2026-01-01", "2027-01-01", "30", "5000"]) == [
        ("currency", "is needed when credit_limit is given")]


def test_jpy_has_no_decimals_but_trailing_zeros_are_fine():
    header = ["order_id", "customer_id", "order_date", "amount", "currency"]
    assert isinstance(parse("orders", header, ["O1", "C1", "2026-01-01", "1200.0", "JPY"]),
                      tuple)
    assert errors("orders", header, ["O1", "C1", "2026-01-01", "1200.5", "JPY"])[0][0] == "amount"


def test_a_row_with_more_cells_than_the_header_is_flagged():
    found = errors("invoices", INVOICE_HEADER,
                   ["I1", "C1", "2026-01-01", "2026-01-31", "1", "USD", "oops"])
    assert "7 cells but the header has 6" in found[0][1]


def test_missing_required_columns_name_them_and_the_header_seen():
    # The header as the file spells it: it was quoted in lower case, hard to find in it.
    with pytest.raises(HeaderError) as raised:
        RowParser(KINDS["invoices"], ["Invoice_ID", " Customer", "AMOUNT", "\x1b[2J"])
    assert str(raised.value) == (
        "missing required column(s): customer_id, issue_date, due_date, currency. The "
        "invoices file needs invoice_id, customer_id, issue_date, due_date, amount, "
        "currency; this header has: Invoice_ID, Customer, AMOUNT, \\x1b[2J")


@pytest.mark.parametrize("raw, hint", [
    ("31/10/2026", "; write 2026-10-31"),
    ("10/31/2026", "; write 2026-10-31"),
    ("31.10.2026", "; write 2026-10-31"),
    # Dots are day first wherever they are written: 01.10.2026 got no hint.
    ("01.10.2026", "; write 2026-10-01"), ("4.5.2026", "; write 2026-05-04"),
    ("10.31.2026", "; write 2026-10-31"),  # no 31st month: the numbers settle it
    ("2026-12-04 00:00:00", "; write 2026-12-04"),
    ("04/05/2026", ""),  # the 4th of May or the 5th of April: no guess
    ("31/02/2026", ""),  # no such day either way
    ("2026-12-04 13:30", ""),
    # Year first, as a Chinese ERP writes it: only "not a date in YYYY-MM-DD form".
    ("2026/09/01", "; write 2026-09-01"), ("2026年9月1日", "; write 2026-09-01"),
    ("2026.9.1", "; write 2026-09-01"), ("2026/02/30", ""),
])
def test_a_date_written_otherwise_is_refused_with_the_one_date_it_can_be(raw, hint):
    found = errors("rates", ["date", "currency", "rate_to_base"], [raw, "EUR", "1.1"])
    assert found == [("date", f"“{raw}” is not a date in YYYY-MM-DD form (e.g. 2026-03-31)"
                              + hint)]


@pytest.mark.parametrize(("raw", "code"), [("RMB", "CNY"), ("SFR", "CHF"), ("NIS", "ILS"),
                                         ("NTD", "TWD"), ("sfr", "CHF")])
def test_a_currency_alias_is_refused_with_its_code(raw, code):
    # SFR, NIS and NTD, as accounts write them, were refused with no code named.
    found = errors("rates", ["date", "currency", "rate_to_base"], ["2026-11-01", raw, "0.14"])
    assert found == [("currency", f"“{raw}” is not an ISO 4217 currency code (e.g. USD, EUR, "
                                  f"CNY); {raw} is written {code}")]


@pytest.mark.parametrize(("code", "what"), [("XAU", "gold"), ("xts", "the code kept for "
                                                                  "testing"),
                                           ("XXX", "no currency at all")])
def test_an_iso_code_that_is_no_money_is_refused_for_what_it_is(code, what):
    # "“XAU” is not an ISO 4217 currency code" was false: it is one, for gold.
    found = errors("rates", ["date", "currency", "rate_to_base"], ["2026-11-01", code, "2"])
    assert found == [("currency", f"“{code}” is the ISO 4217 code of {what}, not of money "
                                  "an invoice is billed in: write the customer's currency, "
                                  "e.g. USD, EUR, CNY")]


def test_a_withdrawn_iso_code_is_refused_with_the_one_that_replaced_it():
    found = errors("rates", ["date", "currency", "rate_to_base"], ["2026-11-01", "HRK", "2"])
    assert found == [("currency", "“HRK” is an ISO 4217 code withdrawn from use; write EUR, "
                                  "which replaced it")]


def test_header_is_case_and_space_insensitive_and_extra_columns_are_ignored():
    parser = RowParser(KINDS["rates"], [" Date", "CURRENCY ", "rate_to_base", "source"])
    assert parser.columns == ("date", "currency", "rate_to_base")


def test_a_repeated_column_is_refused_with_each_cell_as_written():
    # "Invoice ID" beside invoice_id read "names invoice_id more than once", a spelling
    # the file did not have.
    with pytest.raises(HeaderError) as raised:
        RowParser(KINDS["invoices"], [*INVOICE_HEADER, "Invoice ID", "amount"])
    assert str(raised.value) == (
        "the header names amount more than once (“amount”, “amount”); invoice_id more than "
        "once (“invoice_id”, “Invoice ID”)")


@pytest.mark.parametrize(("cell", "column"), [
    ("Invoice ID", "invoice_id"), ("Customer–ID", "customer_id"), ("Customer_ ID", "customer_id"),
    ("Cust\u200bomer ID", "customer_id"), (" Open  Amount ", "open_amount"), ("-", "-")])
def test_a_header_cell_names_its_column_by_its_words(cell, column):
    # An en dash, "_ " and a zero-width space kept the words apart; "-" became no name at
    # all and its column was dropped without the warning of columns not read.
    assert column_name(cell) == column


def test_customer_rows_get_a_lookup_key():
    header = ["customer_id", "name", "currency", "credit_limit", "payment_terms_days"]
    parser = RowParser(KINDS["customers"], header)
    row = dict(zip(parser.columns, parser.parse(2, ["C1", "ACME, Inc.", "EUR", "5000", "30"]),
                   strict=True))
    assert row["name_key"] == "acme inc"
    assert errors("customers", [*header, "owner_slack_id"],
                  ["C1", "Acme", "EUR", "5000", "30", "bob"])[0][0] == "owner_slack_id"


CUSTOMER_HEADER = ["customer_id", "name", "currency", "credit_limit", "payment_terms_days"]


def test_a_local_name_gets_its_own_lookup_key():
    parser = RowParser(KINDS["customers"], [*CUSTOMER_HEADER, "name_local"])
    assert parser.columns == ("customer_id", "name", "name_local", "currency", "credit_limit",
                              "payment_terms_days", "name_key", "name_local_key")
    row = dict(zip(parser.columns, parser.parse(
        2, ["C1", "Hangzhou Red Falcon Trading", "CNY", "5000", "30",
            " 杭州红隼贸易（有限）公司 "]), strict=True))
    assert (row["name_local"], row["name_local_key"]) == ("杭州红隼贸易（有限）公司",
                                                          "杭州红隼贸易 有限 公司")
    assert row["name_key"] == "hangzhou red falcon trading"


def test_a_blank_local_name_is_none():
    parser = RowParser(KINDS["customers"], [*CUSTOMER_HEADER, "name_local"])
    row = dict(zip(parser.columns, parser.parse(2, ["C1", "Acme", "EUR", "5000", "30", "  "]),
                   strict=True))
    assert (row["name_local"], row["name_local_key"]) == (None, None)


def test_without_the_local_name_column_its_key_is_not_written():
    # Neither column is in the row, so a re-import of such a file leaves both alone.
    parser = RowParser(KINDS["customers"], CUSTOMER_HEADER)
    assert parser.columns == (*CUSTOMER_HEADER, "name_key")


def test_a_local_name_must_have_letters_and_fit():
    header = [*CUSTOMER_HEADER, "name_local"]
    assert errors("customers", header, ["C1", "Acme", "EUR", "5000", "30", "—/—"]) == [
        ("name_local", "has no letters or digits that show")]
    # A Hangul filler is a letter to Unicode, and shows nothing: a blank card header.
    assert errors("customers", header, ["C1", "\u3164", "EUR", "5000", "30", "深"]) == [
        ("name", "has no letters or digits that show")]
    assert errors("customers", header, ["C1", "Acme", "EUR", "5000", "30", "深" * 201]) == [
        ("name_local", "is 201 characters long; at most 200 fit")]


def test_a_name_whose_key_would_not_fit_its_column_is_refused():
    # 199 + 1 characters fit, but ㍿ folds into 株式会社, and the key into 203.
    header = [*CUSTOMER_HEADER, "name_local"]
    long_name = "大" * 199 + "㍿"
    message = ("is 203 characters long once its compatibility characters are spelled out "
               "(㍿ is 株式会社); at most 200 fit")
    assert errors("customers", header, ["C1", "Acme", "JPY", "5000", "30", long_name]) == [
        ("name_local", message)]
    assert errors("customers", header, ["C1", long_name, "JPY", "5000", "30", ""]) == [
        ("name", message)]


def test_a_cell_that_does_not_parse_does_not_hide_the_rows_other_problems():
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "C1", "2026-02-01", "2026-01-31", "x", "USD"]) == [
        ("due_date", "is before issue_date"),
        ("amount", "“x” is not an amount: write digits with an optional “.” and decimals, no "
                   "thousands separators or currency signs (e.g. 1234.50)")]
    assert errors("invoices", [*INVOICE_HEADER, "open_amount"],
                  ["I1", "C1", "2026-01-01", "2026-01-31", "100.001", "USD", "150"]) == [
        ("amount", "“100.001” has more decimals than USD allows (2); round it to 100.00"),
        # Said as a sentence (it read "(150) is more than amount (100.001)").
        ("open_amount", "150 is more than the amount, 100.001: an invoice owes at most its "
                        "amount")]


def test_a_rule_says_nothing_about_a_cell_that_did_not_parse():
    header = ["contract_id", "customer_id", "start_date", "end_date", "payment_terms_days",
              "credit_limit", "currency"]
    assert errors("contracts", header,
                  ["K1", "C1", "2026-01-01", "2027-01-01", "30", "5000", "EURO"]) == [
        ("currency", "“EURO” is not an ISO 4217 currency code (e.g. USD, EUR, CNY)")]


def test_a_bad_row_keeps_the_values_that_parsed():
    result = parse("invoices", INVOICE_HEADER, ["I1", "C1", "2026-13-01", "2026-01-31", "1", "USD"])
    assert isinstance(result, RowErrors)
    assert result.values["invoice_id"] == "I1" and result.values["customer_id"] == "C1"
    assert result.values["issue_date"] is None


def test_the_base_currency_rate_is_always_1():
    header = ["date", "currency", "rate_to_base"]
    usd = RowParser(KINDS["rates"], header, ImportContext(base_currency="USD"))
    assert [str(e) for e in usd.parse(2, ["2026-01-01", "USD", "7.1"])] == [
        "line 2, column rate_to_base: USD is the base currency; its rate is always 1, not 7.1: "
        "leave USD out of the rates file"]
    assert isinstance(usd.parse(2, ["2026-01-01", "usd", "1.000"]), tuple)
    assert isinstance(usd.parse(2, ["2026-01-01", "EUR", "1.08"]), tuple)
    # Without a base currency the rule cannot apply.
    assert isinstance(parse("rates", header, ["2026-01-01", "USD", "7.1"]), tuple)


@pytest.mark.parametrize(
    ("kind", "header", "cells", "expected"),
    [
        ("invoices", INVOICE_HEADER, ["I1", "C1", "2026-01-01", "2026-01-31",
                                      "123456789012345", "USD"],
         [("amount", "“123456789012345” is too large: at most 14 digits fit before the “.”")]),
        ("invoices", INVOICE_HEADER, ["I1", "C1", "2026-01-01", "2026-01-31",
                                      "00000000000000012345678901234.5", "USD"], None),
        ("payments", ["payment_id", "customer_id", "date", "amount", "currency"],
         ["P1", "C1", "2026-01-01", "-99999999999999999", "USD"],
         [("amount", "“-99999999999999999” is too large: at most 14 digits fit before the “.”")]),
        ("rates", ["date", "currency", "rate_to_base"], ["2026-01-01", "EUR", "0.0000000000001"],
         [("rate_to_base", "“0.0000000000001” has more than 12 decimals; round it to 12")]),
        ("rates", ["date", "currency", "rate_to_base"],
         ["2026-01-01", "EUR", "0.000000012345000"], None),
        ("rates", ["date", "currency", "rate_to_base"], ["2026-01-01", "PLN", "0.000000000001"],
         [("rate_to_base", "“0.000000000001” is no exchange rate between real currencies "
                           "(they lie between 0.00000001 and 100000000): write what 1 unit of "
                           "the currency is worth in the base currency, not the reverse")]),
        ("rates", ["date", "currency", "rate_to_base"],
         ["2026-01-01", "CHF", "999999999999.999999999999"],
         [("rate_to_base", "“999999999999.999999999999” is no exchange rate between real "
                           "currencies (they lie between 0.00000001 and 100000000): write what "
                           "1 unit of the currency is worth in the base currency, not the "
                           "reverse")]),
        ("rates", ["date", "currency", "rate_to_base"], ["2026-01-01", "VND", "0.00000004"],
         None),
        ("rates", ["date", "currency", "rate_to_base"], ["2026-01-01", "USD", "100000000"],
         None),
        ("customers", ["customer_id", "name", "currency", "credit_limit", "payment_terms_days",
                       "ebit"], ["C1", "Acme", "JPY", "5000", "30", "100.5"],
         [("ebit", "“100.5” has more decimals than JPY allows (0); round it to 101")]),
    ],
)
def test_numbers_must_fit_their_columns(kind, header, cells, expected):
    result = parse(kind, header, cells)
    if expected is None:
        assert isinstance(result, tuple)
    else:
        assert [(e.column, e.message) for e in result] == expected


def test_a_tiny_amount_with_too_many_decimals_is_quoted_in_digits_not_an_exponent():
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "C1", "2026-01-01", "2026-01-31", "0.0000001", "USD"]) == [
        ("amount", "“0.0000001” has more decimals than USD allows (2); round it to 0.00")]


def test_digits_of_other_scripts_are_no_amounts_dates_or_days():
    # ٥٠٠ was stored as 500.00, １２３ as 123.00 and ٣٠ days of terms as 30; a full-width
    # date was "not a real calendar date" rather than not one in YYYY-MM-DD form.
    assert errors("invoices", INVOICE_HEADER,
                  ["I1", "C1", "２０２６-01-10", "2026-01-31", "٥٠٠", "USD"]) == [
        ("issue_date", "“２０２６-01-10” is not a date in YYYY-MM-DD form (e.g. 2026-03-31)"),
        ("amount", "“٥٠٠” is not an amount: write digits with an optional “.” and decimals, "
                   "no thousands separators or currency signs (e.g. 1234.50)")]
    header = ["customer_id", "name", "currency", "credit_limit", "payment_terms_days"]
    for days in ("٣٠", "1_0", "３０"):
        assert errors("customers", header, ["C1", "Acme", "USD", "１２３", days]) == [
            ("credit_limit", "“１２３” is not an amount: write digits with an optional “.” "
                             "and decimals, no thousands separators or currency signs (e.g. "
                             "1234.50)"),
            ("payment_terms_days", f"“{days}” is not a whole number")], days


def test_a_rounding_that_would_not_fit_is_not_advised():
    header = ["customer_id", "name", "currency", "credit_limit", "payment_terms_days"]
    assert errors("customers", header, ["C1", "Acme", "USD", "99999999999999.9999", "30"]) == [
        ("credit_limit", "“99999999999999.9999” is too large: at most 14 digits fit before "
                         "the “.”")]
    assert errors("customers", header, ["C1", "Acme", "USD", "99999999999999.994", "30"]) == [
        ("credit_limit", "“99999999999999.994” has more decimals than USD allows (2); round "
                         "it to 99999999999999.99")]
