"""The demo generator: seeded, reproducible, and exact (no float ever becomes an amount)."""

from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal

import pytest

from bot.demo import write_demo_data

DAY = date(2026, 11, 29)


def _read(path):
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_amounts_are_drawn_without_float_arithmetic(tmp_path, monkeypatch):
    def no_floats(*_args: object) -> float:
        raise AssertionError("the demo drew a float for an amount")

    monkeypatch.setattr(random.Random, "uniform", no_floats)
    files = write_demo_data(tmp_path, DAY)
    invoices = _read(files.path("invoices"))
    assert len(invoices) == 977
    for row in invoices:
        places = -Decimal(row["amount"]).as_tuple().exponent
        assert places == (0 if row["currency"] == "JPY" else 2), row


def test_the_same_day_gives_the_same_files(tmp_path):
    first, second = write_demo_data(tmp_path / "a", DAY), write_demo_data(tmp_path / "b", DAY)
    for kind in first.order:
        assert first.path(kind).read_bytes() == second.path(kind).read_bytes(), kind


@pytest.mark.parametrize(("customer_id", "name", "currency", "limit"), [
    ("C0002", "Acme Packaging", "USD", "100000"),
    ("C0013", "Lakeside Furniture Outlet", "USD", "35000"),
    ("C0027", "华夏物流有限公司", "CNY", "890000"),
    ("C0050", "Summit Outdoor Gear", "USD", "41000"),
])
def test_the_customers_the_tests_and_readme_name_are_unchanged(tmp_path, customer_id, name,
                                                               currency, limit):
    customers = {row["customer_id"]: row for row in _read(write_demo_data(tmp_path, DAY)
                                                          .path("customers"))}
    row = customers[customer_id]
    assert (row["name"], row["currency"], row["credit_limit"]) == (name, currency, limit)


def test_rates_are_priced_in_the_base_and_nothing_else_moves(tmp_path):
    in_usd, in_eur = write_demo_data(tmp_path / "usd", DAY), write_demo_data(tmp_path / "eur", DAY,
                                                                             base="EUR")
    for kind in in_usd.order:
        if kind != "rates":
            assert in_usd.path(kind).read_bytes() == in_eur.path(kind).read_bytes(), kind
    usd = {(row["date"], row["currency"]): Decimal(row["rate_to_base"])
           for row in _read(in_usd.path("rates"))}
    eur = {(row["date"], row["currency"]): Decimal(row["rate_to_base"])
           for row in _read(in_eur.path("rates"))}
    assert {currency for _, currency in usd} == {"EUR", "GBP", "CNY", "JPY"}
    assert {currency for _, currency in eur} == {"USD", "GBP", "CNY", "JPY"}
    assert len(eur) == len(usd) == 31 * 4
    for (day, currency), rate in eur.items():
        # A euro's worth of each currency, from the same day's US dollar prices.
        in_dollars = Decimal(1) if currency == "USD" else usd[(day, currency)]
        # Both files are rounded to 8 places, so the two ways agree to about that.
        assert abs(rate - in_dollars / usd[(day, "EUR")]) <= Decimal("2e-8"), (day, currency)


def test_a_base_the_demo_has_no_rates_in_keeps_them_in_us_dollars(tmp_path):
    in_usd, in_chf = write_demo_data(tmp_path / "usd", DAY), write_demo_data(tmp_path / "chf", DAY,
                                                                             base="CHF")
    assert in_usd.path("rates").read_bytes() == in_chf.path("rates").read_bytes()
