"""Risk and overdue alerts in Slack: the digest (``blocks``), its buttons (``actions``)
and the morning scan (``run_alerts``)."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from domain.alerts.use_cases import Alerts
from domain.errors import RecordsUnavailable
from domain.positions import Portfolio
from domain.retry import retried_after_pauses
from handlers.alerts.actions import on_acknowledge, on_credit_check, on_snooze
from handlers.alerts.blocks import DigestBlocks
from handlers.alerts.payloads import (
    ACKNOWLEDGE,
    CREDIT_CHECK,
    SNOOZE_DAY,
    SNOOZE_WEEK,
    AlertValue,
    SnoozeValue,
)
from handlers.check.payloads import SubjectValue
from handlers.i18n import N_
from handlers.registry import Action, Feature, Job

log = logging.getLogger("creditbot.alerts")

T = TypeVar("T")


def without_cyclic_gc(scan: Callable[[], T]) -> T:
    # A scan makes hundreds of thousands of short-lived objects and no cycles worth
    # chasing: the cyclic collector took a fifth to a third of its CPU (bench_alerts).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return scan()
    finally:
        if was_enabled:
            gc.enable()


def run_alerts(context: Mapping[str, Any]) -> dict[str, int]:
    alerts: Alerts = context["alerts"]
    if alerts.day_off() and not context.get("on_holiday"):
        # Nothing assigned or announced: the next working day's run does both.
        return {"holiday": 1}
    # Before the scan: a newly overdue account arrives at its collector assigned, and
    # its digest line says it has one. Assignment failing does not hold the digests
    # back; the run is recorded as failed after they are queued.
    assignments = context.get("assignments")
    assigned: dict[str, int] = {}
    not_assigned: Exception | None = None
    # Both start from every customer's position: read once, for both.
    portfolio: Portfolio | None = None
    if assignments is not None:
        try:
            portfolio = without_cyclic_gc(assignments.portfolio)
            assigned = without_cyclic_gc(lambda: assignments.auto_assign(portfolio=portfolio))
        except RecordsUnavailable as problem:
            # The database's state, not a bug: the scan's own tries say the rest.
            log.error("alerts: automatic assignment failed, as the credit records did not "
                      "answer; scanning all the same")
            not_assigned = problem
        except Exception as problem:
            log.exception("alerts: automatic assignment failed; scanning all the same")
            not_assigned = problem
    counts, attempt = retried_after_pauses(
        lambda: without_cyclic_gc(lambda: alerts.scan(portfolio)), RecordsUnavailable,
        lambda tried, pause: log.warning("alerts scan: the credit records did not answer "
                                         "(try %d); trying again in %.0f s", tried, pause),
        time.sleep)
    if counts.get("unrouted") and context["config"].organisation.admin_channel is None:
        log.error("alerts: %d alerts have nowhere to go (no route matches them, or the "
                  "ones that do lead only where credit data is closed: see the warning "
                  "before) and organisation.admin_channel is not set, so they went "
                  "nowhere; they are announced again on the next run. Add a route for "
                  "them, or set organisation.admin_channel in app.yaml.",
                  counts["unrouted"])
    if not_assigned is not None:
        # The run is recorded as failed with the assignment's error alone: its scan's
        # counts go to the log, so that nobody thinks the digests were not sent.
        log.error("alerts: the scan ran (%s) but the automatic assignment before it "
                  "failed", ", ".join(f"{k} {v}" for k, v in counts.items()))
        raise not_assigned
    return {**counts, **assigned, "attempts": attempt}


FEATURE = Feature(
    name="alerts",
    actions=(
        Action(ACKNOWLEDGE, on_acknowledge, AlertValue),
        Action(SNOOZE_DAY, on_snooze, SnoozeValue),
        Action(SNOOZE_WEEK, on_snooze, SnoozeValue),
        Action(CREDIT_CHECK, on_credit_check, SubjectValue),
    ),
    jobs=(Job("alerts", N_("finds overdue accounts, limits nearly used, large overdue invoices "
              "and contracts ending; posts one digest per channel of what is new or worse"),
              "0 8 * * mon-fri", run_alerts, keeps_holidays=True),),
    # chat:write: the digests (the outbox sender posts and edits them).
    scopes=("chat:write",),
)

__all__ = ["FEATURE", "DigestBlocks", "run_alerts"]
