"""Examples that name days are next month's, whatever the day: one written "until
2026-12-31" was refused by its own check from 2027 on ("The last day … is already past:
… e.g. `/credit delegate @mei until 2026-12-31`")."""

from __future__ import annotations

from datetime import date

import pytest

from domain.approvals.delegation import EXAMPLE, SPAN, check_period
from domain.text import example_period
from handlers.approvals.request_line import TEMPORARY_USAGE
from handlers.i18n import translator


@pytest.mark.parametrize(("today", "period"), [
    (date(2026, 12, 3), (date(2027, 1, 1), date(2027, 1, 31))),
    (date(2026, 12, 31), (date(2027, 1, 1), date(2027, 1, 31))),
    (date(2027, 1, 31), (date(2027, 2, 1), date(2027, 2, 28))),
    (date(2028, 1, 15), (date(2028, 2, 1), date(2028, 2, 29))),
])
def test_the_period_is_next_month(today: date, period: tuple[date, date]):
    assert example_period(today) == period


def test_the_examples_follow_the_day_and_pass_their_own_checks(monkeypatch):
    monkeypatch.setattr("domain.text.example_today", lambda: date(2027, 2, 10))
    en, zh = translator("en-US"), translator("zh-CN")
    assert [EXAMPLE.shown_by(en), SPAN.shown_by(en), TEMPORARY_USAGE.shown_by(en)] == [
        "@mei until 2027-03-31", "@mei from 2027-03-01 until 2027-03-31",
        "acme +50k until 2027-03-31 Christmas season"]
    assert [EXAMPLE.shown_by(zh), SPAN.shown_by(zh)] == [
        "@mei 至 2027-03-31", "@mei 从 2027-03-01 至 2027-03-31"]
    assert f"`/credit delegate {EXAMPLE}`" == "`/credit delegate @mei until 2027-03-31`"
    check_period(date(2027, 2, 10), date(2027, 3, 1), date(2027, 3, 31))  # no refusal
