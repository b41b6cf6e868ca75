"""Action ids, button values and modal metadata of minutes and tasks. A value carries an
id only: who may record or close, and whether they still may, are re-read on every
click and submission."""

from __future__ import annotations

from pydantic import Field

from handlers.payloads import ActionValue

# The Record minutes button: the invitation card (after the start) and the meetings
# list show it, through ``followup_blocks.record_minutes_button``.
RECORD_MINUTES = "meetings_record_minutes"
MINUTES_VIEW = "meetings_minutes_form"
DONE = "meetings_task_done"

# The form's rows of action items (a row left empty is no item).
ITEM_ROWS = 5


class MinutesValue(ActionValue):
    meeting: int = Field(strict=True, ge=1, le=2**31 - 1)


class TaskValue(ActionValue):
    task: int = Field(strict=True, ge=1, le=2**31 - 1)
