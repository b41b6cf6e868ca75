"""Housekeeping: forgets what creditbot no longer needs to remember, once a night.

Slack stops retrying a delivery within minutes, so a processed delivery's key is useless
after a day; a job run is worth a look for a quarter, after which nobody asks. A run still
"running" after a day lost its process (killed, host gone) and is marked abandoned."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from handlers.i18n import N_
from handlers.registry import Feature, Job

KEEP_DELIVERIES = timedelta(days=1)
KEEP_JOB_RUNS = timedelta(days=90)
# Longer than any job runs: the alerts scan of a million invoices takes under a minute.
ABANDONED_AFTER = timedelta(days=1)


class Records(Protocol):
    """What housekeeping needs from storage (handed over as ``context["records"]``)."""

    def prune_processed_requests(self, before: datetime) -> int: ...

    def prune_job_runs(self, before: datetime) -> int: ...

    def abandon_runs(self, started_before: datetime, at: datetime) -> int: ...


def housekeeping(context: Mapping[str, Any]) -> dict[str, int]:
    records: Records = context["records"]
    now: datetime = context["now"]
    return {"processed_requests": records.prune_processed_requests(now - KEEP_DELIVERIES),
            "job_runs": records.prune_job_runs(now - KEEP_JOB_RUNS),
            "abandoned_runs": records.abandon_runs(now - ABANDONED_AFTER, now)}


FEATURE = Feature(
    name="housekeeping",
    jobs=(Job("housekeeping", N_("forgets processed Slack deliveries older than a day and job "
              "runs older than 90 days"), "15 3 * * *", housekeeping),),
)
