"""The ``meetings`` job: reminders, recurring occurrences, task reminders. Filled in by
the reminders work."""

from __future__ import annotations

from handlers.registry import Job

JOBS: tuple[Job, ...] = ()
