"""Action ids, button values and modal metadata of the invitation's buttons. A value
carries the meeting id and the start shown beside the button: who may answer, and
whether the meeting still takes answers, are re-read from creditbot's records on every
click and submission, and an answer to a time the meeting has moved from is refused."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from domain.meetings.model import Meeting
from handlers.payloads import ActionValue, ZoneName

ACCEPT = "meetings_accept"
DECLINE = "meetings_decline"
PROPOSE = "meetings_propose"
PROPOSE_VIEW = "meetings_propose_view"

DATE_BLOCK = "date"
TIME_BLOCK = "time"
NOTE_BLOCK = "note"


class MeetingValue(ActionValue):
    """One meeting. Strict: ``"12"`` or ``true`` is not an id we wrote."""

    meeting: int = Field(strict=True, ge=1, le=2**31 - 1)
    # The start shown beside the button, in seconds since the epoch (``shown_start``);
    # None on buttons drawn before it was carried.
    starts: int | None = Field(default=None, strict=True, ge=0, le=2**40)
    # On the propose form: the time zone its time is typed in.
    zone: ZoneName | None = None


def shown_start(meeting: Meeting) -> int:
    return int(meeting.starts_at.timestamp())


def start_shown(value: MeetingValue) -> datetime | None:
    """The start a pressed button was shown with, or None when it carries none."""
    return None if value.starts is None else datetime.fromtimestamp(value.starts, UTC)
