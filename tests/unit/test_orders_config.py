"""The orders section of app.yaml: the shipped defaults and what config check says of
bad values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from bot.config import AppConfig, load_config
from bot.wiring import build_orders
from domain.access import CreditDataAccess
from domain.orders.model import OrderRules
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems

BASE = GOOD.split("\norders:")[0]


def test_the_shipped_settings_are_the_defaults():
    config = load_config(ROOT / "app.yaml")
    assert config.orders.rules() == OrderRules(Decimal(0), 30, True, True)
    assert AppConfig.model_validate({**config.model_dump(), "orders": {}}).orders == \
        config.orders


def test_settings_are_read(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(BASE + "\norders:\n  tolerance_percent: 5\n  max_days_overdue: null\n"
                    "  on_hold: false\n  contracts: false\n", encoding="utf-8")
    assert load_config(path).orders.rules() == OrderRules(Decimal(5), None, False, False)


def test_bad_values_say_what_to_write(tmp_path: Path):
    text = (BASE + "\norders:\n  tolerance_percent: -5\n  max_days_overdue: thirty\n"
            "  on_hold: maybe\n  contracts: 3\n  tolerence: 4\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'tolerance_percent')}: orders.tolerance_percent: must be a "
        "percentage of the limit from 0 to 100, e.g. 5, got -5",
        f"line {line_of(text, 'thirty')}: orders.max_days_overdue: must be a whole number "
        "of days from 0 to 3650, e.g. 30, or null not to check overdue invoices, got "
        "\"thirty\"",
        f"line {line_of(text, 'maybe')}: orders.on_hold: must be true or false (true: an "
        "earlier held order holds the customer's later ones), got \"maybe\"",
        f"line {line_of(text, 'contracts: 3')}: orders.contracts: must be true or false "
        "(true: the order's contract must be valid on its date and within its limit), got 3",
        f"line {line_of(text, 'tolerence')}: orders.tolerence: is not a setting creditbot "
        "knows (misspelt?); the settings here are: tolerance_percent, max_days_overdue, "
        "on_hold, contracts, pending_days",
    ]


def test_pending_days_reach_the_positions(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(BASE + "\norders:\n  pending_days: 12\n", encoding="utf-8")
    config = load_config(path)
    assert config.orders.pending_days == 12
    assert load_config(ROOT / "app.yaml").orders.pending_days == 30
    orders = build_orders(lambda: None, config, CreditDataAccess(),  # type: ignore[arg-type, return-value]
                          lambda: datetime(2026, 11, 30, tzinfo=UTC))
    assert orders.policy.placed_since(date(2026, 11, 30)) == date(2026, 11, 18)
    text = BASE + "\norders:\n  pending_days: 0\n"
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'pending_days')}: orders.pending_days: must be a whole "
        "number of days from 1 to 365, e.g. 30 (how long an order placed in creditbot "
        "counts in exposure while the ERP has not exported it), got 0"]


def test_a_tolerance_beyond_cents_of_a_percent_is_refused(tmp_path: Path):
    text = BASE + "\norders:\n  tolerance_percent: 2.555\n"
    [problem] = problems(tmp_path, text)
    assert problem.startswith(f"line {line_of(text, 'tolerance_percent')}: "
                              "orders.tolerance_percent: ")
