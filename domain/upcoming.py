"""A day picked for something still to come — a promise's pay-by day, a collector's next
step, a meeting's action item: today or later, and at most a year ahead (2036 typed for
2026 is far likelier than a plan that far out). One rule, so the forms cannot drift apart
in what they take or how they say it."""

from __future__ import annotations

from datetime import date, timedelta

from domain.errors import FieldProblem
from domain.text import N_

AHEAD_AT_MOST = timedelta(days=365)


def upcoming_day_problem(where: str, day: date, today: date) -> FieldProblem | None:
    """What is wrong with ``day`` as the day of something to come, for the field
    ``where``; None when it is today or within a year after."""
    if day < today:
        return FieldProblem(where, N_("{day} has passed: pick today or a later day."), day=day)
    if day > today + AHEAD_AT_MOST:
        return FieldProblem(where, N_("{day} is more than a year ahead: pick a day on or "
                                      "before {last}."), day=day, last=today + AHEAD_AT_MOST)
    return None
