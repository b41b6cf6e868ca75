"""A share of the limit reads the same in Slack and in the terminal's portfolio: a
credit manager comparing the two saw 108 % on the card and 107 % in the report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.terminal import used
from domain.exposure import Aging, CreditPosition
from domain.money import Money
from handlers.i18n import translator


def position(exposure: str, limit: str) -> CreditPosition:
    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731
    aging = Aging(("current",), (usd(exposure),), 0)
    return CreditPosition(date(2026, 12, 1), usd(limit), usd(exposure), usd(0), aging, 1, 0)


@pytest.mark.parametrize(("exposure", "limit", "shown"), [
    ("37697.78", "35000", "107%"),   # 107.7 %: not "108%"
    ("99.60", "100", "99%"),          # the limit is not reached
    ("79.99", "100", "79%"),          # below an 80 % threshold reads below it
    ("100", "100", "100%"),
    ("0", "100", "0%"),
    ("12345.67", "1000", "1,234%"),
    # Over by a cent: "100%" beside "over the limit" read as a contradiction.
    ("10000.01", "10000", "over 100%"),
    ("100.99", "100", "over 100%"),
    ("101", "100", "101%"),
])
def test_slack_and_the_terminal_round_a_share_of_the_limit_alike(exposure, limit, shown):
    held = position(exposure, limit)
    assert held.utilisation is not None
    assert translator("en-US").percent(held.utilisation) == used(held) == shown
    assert translator("zh-CN").percent(held.utilisation) == shown.replace("over ", "超过")


@pytest.mark.parametrize(("oldest", "shown"), [(1, "1 day"), (2, "2 days"), (None, "—")])
def test_the_terminal_counts_the_oldest_overdue_days_in_words(oldest, shown):
    # "Oldest overdue │ 1 days".
    from io import StringIO

    from rich.console import Console

    from bot.terminal import render_position
    from domain.model import Customer

    usd = lambda amount: Money(Decimal(amount), "USD")  # noqa: E731
    aging = Aging(("current", "1-30"), (usd(0), usd(10)), oldest)
    held = CreditPosition(date(2026, 12, 1), usd(100), usd(10), usd(0), aging, 1, 0)
    out = StringIO()
    render_position(Console(file=out, width=120), Customer("C1", "Acme", usd(100), 30), held)
    [line] = [line for line in out.getvalue().splitlines() if "Oldest overdue" in line]
    assert line.split("│")[-2].strip() == shown
