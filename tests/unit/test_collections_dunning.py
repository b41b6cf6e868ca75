from datetime import date, timedelta

import pytest

from domain.collections.dunning import (
    DEFAULT_POLICY,
    DueItem,
    DunningPolicy,
    Step,
    account_level,
)

TODAY = date(2026, 11, 30)


def _due(inv: str, days_past_due: int) -> DueItem:
    return DueItem(inv, TODAY - timedelta(days=days_past_due))


@pytest.mark.parametrize(
    ("days", "level", "step"),
    [(1, 1, Step.REMINDER), (14, 1, Step.REMINDER), (15, 2, Step.PHONE_CALL),
     (44, 2, Step.PHONE_CALL), (45, 3, Step.STOP_SUPPLY), (90, 4, Step.LEGAL),
     (400, 4, Step.LEGAL)],
)
def test_days_past_due_reach_a_level_and_its_step(days: int, level: int, step: Step) -> None:
    reached = DEFAULT_POLICY.level_for(days)
    assert reached is not None
    assert (reached.level, reached.step) == (level, step)


@pytest.mark.parametrize("days", [0, -5])
def test_nothing_overdue_has_no_level(days: int) -> None:
    assert DEFAULT_POLICY.level_for(days) is None


def test_the_oldest_overdue_invoice_sets_the_level() -> None:
    items = [_due("I1", 3), _due("I2", 50), _due("I3", -10)]
    level = account_level(DEFAULT_POLICY, items, TODAY)
    assert level is not None and level.step is Step.STOP_SUPPLY


def test_a_disputed_invoice_does_not_count_while_the_dispute_is_open() -> None:
    items = [_due("I1", 20), _due("I2", 120)]
    level = account_level(DEFAULT_POLICY, items, TODAY, disputed={"I2"})
    assert level is not None and (level.level, level.step) == (2, Step.PHONE_CALL)
    assert account_level(DEFAULT_POLICY, items[1:], TODAY, disputed={"I2"}) is None


@pytest.mark.parametrize(
    ("steps", "message"),
    [([], "dunning needs at least one level"),
     ([(0, "reminder")], "a dunning level starts at 1 day past due or later"),
     ([(10, "reminder"), (10, "legal")], "dunning levels' days must be strictly increasing")],
)
def test_a_bad_policy_is_refused(steps: list[tuple[int, str]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DunningPolicy.of(steps)


def test_an_unknown_step_is_refused() -> None:
    with pytest.raises(ValueError, match="'send flowers' is not a valid Step"):
        DunningPolicy.of([(1, "send flowers")])
