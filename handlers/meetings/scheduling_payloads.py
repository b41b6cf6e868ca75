"""Action ids, callback ids, block ids and values of the scheduling form and the list's
buttons. A value carries ids only: who may change a meeting is re-read on every click
and submission."""

from __future__ import annotations

from pydantic import Field

from domain.meetings import schedule
from handlers.payloads import ActionValue, ZoneName

SCHEDULE_VIEW = "meetings_schedule_view"
RESCHEDULE_VIEW = "meetings_reschedule_view"
RESCHEDULE = "meetings_reschedule"
CANCEL = "meetings_cancel"
CANCEL_SERIES = "meetings_cancel_series"

# Block ids: the domain's field names, so a refusal lands beside its field.
KIND = schedule.KIND
TITLE = schedule.TITLE
DEPARTMENTS = schedule.DEPARTMENTS
ATTENDEES = schedule.ATTENDEES
CUSTOMERS = schedule.CUSTOMERS
DATE = schedule.DATE
TIME = schedule.TIME
DURATION = schedule.DURATION
RECURRENCE = "recurrence"
DESPITE = "despite"
DESPITE_YES = "yes"


class FormValue(ActionValue):
    """Where the form was opened: its confirmation is shown there (else by DM)."""

    channel: str | None = Field(default=None, max_length=32, pattern=r"^[CDG][A-Z0-9]+$")
    # The time zone the form's times are typed in (its hint names it).
    zone: ZoneName | None = None


class ListedMeeting(ActionValue):
    """One meeting of the list. Strict: ``"12"`` or ``true`` is not an id we wrote."""

    meeting: int = Field(strict=True, ge=1, le=2**31 - 1)
    # On the reschedule form: the time zone its times are typed in, and the meeting's
    # version as the form showed it (a form opened before another's move undid it).
    zone: ZoneName | None = None
    version: int | None = Field(default=None, strict=True, ge=0, le=2**31 - 1)
