"""Two schedulers running the weekly report at the same moment: one post, one audit
entry, and only one run says it posted (the other: already posted)."""

from __future__ import annotations

import threading
from typing import Any

from bot.scheduler import job_context
from tests.e2e.alerts_world import audit, outbox
from tests.e2e.test_weekly_report import MONDAY, seed, write_config


def test_two_runs_at_once_post_and_count_the_week_once(engine, tmp_path):
    config = write_config(tmp_path)
    seed(engine)
    results: list[dict[str, int]] = []
    contexts: list[Any] = [job_context(engine, config, clock=lambda: MONDAY) for _ in range(2)]
    # Both read and draw the report before either queues it: the race the check closes.
    threads = [threading.Thread(target=lambda c=c: results.append(
        c["weekly_report"].post(MONDAY))) for c in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r["posted"] for r in results) == [0, 1]
    assert sorted(r["already_posted"] for r in results) == [0, 1]
    assert len([r for r in outbox(engine) if r.kind == "reports.weekly"]) == 1
    assert len(audit(engine, "reports.weekly_queued")) == 1
