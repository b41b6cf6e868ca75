"""Action ids and button values of a digest's buttons."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from domain.alerts.model import AlertType
from handlers.payloads import ActionValue

ACKNOWLEDGE = "alerts_acknowledge"
SNOOZE_DAY = "alerts_snooze_1d"
SNOOZE_WEEK = "alerts_snooze_7d"
CREDIT_CHECK = "alerts_credit_check"

# ``type:key`` as domain.alerts.model.condition_of writes it. ERP ids are free text of up
# to 64 characters and may hold inner spaces ("INV 0001"), so a key may too; never a
# control character, nor a space at either end (the import strips cells).
CONDITION = (f"^({'|'.join(kind.value for kind in AlertType)}):"
             r"[^\x00-\x20\x7f]([^\x00-\x1f\x7f]{0,198}[^\x00-\x20\x7f])?$")


class AlertValue(ActionValue):
    """One line of one digest: which digest (its lines are the ones people may answer)
    and which condition. Strict: ``"12"`` or ``true`` is not a digest id we wrote."""

    # The column is a 32-bit integer on PostgreSQL.
    digest: int = Field(strict=True, ge=1, le=2**31 - 1)
    condition: str = Field(pattern=CONDITION, max_length=230)


class SnoozeValue(AlertValue):
    days: Literal[1, 7]
