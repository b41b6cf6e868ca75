"""The ``collections`` job: promises checked, collectors nudged, stale accounts flagged,
settled disputes pointed out (domain.collections.reminders). Weekdays at 07:00, before
the collectors' day."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from domain.collections.reminders import CollectionsJob
from handlers.i18n import N_
from handlers.registry import Job

log = logging.getLogger("creditbot.collections")


def run(context: Mapping[str, Any]) -> dict[str, int]:
    job: CollectionsJob = context["collections_job"]
    if job.day.policy.lead is None:
        # Said on every run: otherwise nobody learns why no account is ever flagged.
        log.warning("stale-account flags are off: app.yaml sets no collections.lead")
    return job.run(on_holiday=bool(context.get("on_holiday"))).as_dict()


JOB = Job("collections", N_("checks promises to pay due, reminds collectors on their "
                            "next-action date, tells the collections lead about "
                            "accounts without action and points out disputes the ERP "
                            "shows settled"), "0 7 * * mon-fri", run,
          keeps_holidays=True)
