"""Action ids and button values of a digest's buttons."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.alerts.model import CONDITION_PATTERN
from handlers.payloads import ActionValue

ACKNOWLEDGE = "alerts_acknowledge"
SNOOZE_DAY = "alerts_snooze_1d"
SNOOZE_WEEK = "alerts_snooze_7d"
CREDIT_CHECK = "alerts_credit_check"

CONDITION = CONDITION_PATTERN


class AlertValue(ActionValue):
    """One line of one digest: which digest (its lines are the ones people may answer)
    and which condition. Strict: ``"12"`` or ``true`` is not a digest id we wrote."""

    # The column is a 32-bit integer on PostgreSQL.
    digest: int = Field(strict=True, ge=1, le=2**31 - 1)
    condition: str = Field(pattern=CONDITION, max_length=230)


class SnoozeValue(AlertValue):
    days: Literal[1, 7]
