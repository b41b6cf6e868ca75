"""The ``meetings`` job: reminders before each meeting with the agenda rebuilt, the next
occurrence of each recurring series (invited like a new meeting), and the tasks' due-day
reminders and organisers' overdue digests (``domain.meetings.reminders``).

Every five minutes: the 15-minute reminder then goes out 10 to 15 minutes before the
start, and a run that was missed is made up by the next one (each reminder is due from
its moment until the next shorter one's, and never after the start)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.meetings.reminders import MeetingsJob
from handlers.i18n import N_
from handlers.registry import Job

SCHEDULE = "*/5 * * * *"


def run(context: Mapping[str, Any]) -> dict[str, int]:
    job: MeetingsJob = context["meetings_job"]
    return job.run()


JOBS: tuple[Job, ...] = (
    Job("meetings", N_("reminds everyone invited before each meeting with the agenda as it "
                       "stands, creates and invites the next occurrence of recurring "
                       "meetings, and reminds task owners on the due date and organisers "
                       "of overdue tasks"), SCHEDULE, run),
)
