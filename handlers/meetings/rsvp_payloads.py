"""Action ids, button values and modal metadata of the invitation's buttons. A value
carries the meeting id only: who may answer, and whether the meeting still takes
answers, are re-read from creditbot's records on every click and submission."""

from __future__ import annotations

from pydantic import Field

from handlers.payloads import ActionValue, ZoneName

ACCEPT = "meetings_accept"
DECLINE = "meetings_decline"
PROPOSE = "meetings_propose"
PROPOSE_VIEW = "meetings_propose_view"

DATE_BLOCK = "date"
DATE_INPUT = "date_input"
TIME_BLOCK = "time"
TIME_INPUT = "time_input"
NOTE_BLOCK = "note"
NOTE_INPUT = "note_input"


class MeetingValue(ActionValue):
    """One meeting. Strict: ``"12"`` or ``true`` is not an id we wrote."""

    meeting: int = Field(strict=True, ge=1, le=2**31 - 1)
    # On the propose form: the time zone its time is typed in.
    zone: ZoneName | None = None
