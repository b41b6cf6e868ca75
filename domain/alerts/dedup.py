"""When a condition is announced: once, and again only when it gets worse than the last
scan found it (a later bucket, a higher threshold or severity: better for a while, then
worse again, is worse again), when it was resolved and comes back, or when a snooze
ends. A scan that finds nothing new announces nothing.

Acknowledging does not silence a condition for good: if it gets worse it is announced
again and the acknowledgement is cleared, since what was acknowledged is no longer the
situation. A worse condition also ends a snooze early: a snooze is "not this again",
not "not whatever comes next".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from domain.alerts.model import Alert, AlertState, Change


@dataclass(frozen=True)
class Announcement:
    alert: Alert
    change: Change
    # The alert as announced before, when there was one: "moved from 31-60".
    before: Alert | None = None


@dataclass(frozen=True)
class Decision:
    announce: list[Announcement] = field(default_factory=list)
    # Every state that changed (new, announced, updated figures, resolved): to write.
    changed: list[AlertState] = field(default_factory=list)
    resolved: int = 0


def decide(alerts: Iterable[Alert], states: Mapping[str, AlertState], now: datetime,
           unknown: Collection[str] = (), kept: Collection[str] = ()) -> Decision:
    """What to announce among ``alerts`` (this scan's conditions) given ``states`` (what
    is remembered of every condition that is open, or was once seen). ``unknown`` are
    customers whose figures this scan could not compute (a missing exchange rate): their
    open conditions are neither resolved nor announced again, only left as they were.
    ``kept``: conditions this scan did not look for (large invoices beyond the cap, still
    open and overdue): not found, yet not resolved either."""
    announce: list[Announcement] = []
    changed: list[AlertState] = []
    seen: set[str] = set()
    for alert in alerts:
        seen.add(alert.condition)
        state = states.get(alert.condition)
        if state is None:
            announce.append(Announcement(alert, Change.NEW))
            changed.append(AlertState(
                alert.condition, alert.type, alert.subject.customer_id, alert.level,
                alert.severity, alert.level, first_seen=now, last_announced_at=now,
                last=alert))
            continue
        change = _change(alert, state, now)
        if change is None:
            # Better than announced: announced at this level from now on, so that worse
            # again (over the limit, back to 85 %, over again) is announced again.
            announced = min(state.announced_level, alert.level)
            if state.last != alert or state.level != alert.level or \
                    state.announced_level != announced:
                changed.append(dataclasses.replace(state, level=alert.level,
                                                   severity=alert.severity, last=alert,
                                                   announced_level=announced))
            continue
        announce.append(Announcement(alert, change,
                                     state.last if change is Change.WORSE else None))
        keep_answers = change is Change.SNOOZE_ENDED
        changed.append(dataclasses.replace(
            state, level=alert.level, severity=alert.severity, last=alert,
            announced_level=(max(state.announced_level, alert.level) if state.is_open
                             else alert.level),
            last_announced_at=now, resolved_at=None, snoozed_until=None, snoozed_by=None,
            acknowledged_by=state.acknowledged_by if keep_answers else None,
            acknowledged_at=state.acknowledged_at if keep_answers else None))
    resolved = [dataclasses.replace(state, resolved_at=now, snoozed_until=None,
                                    snoozed_by=None)
                for condition, state in states.items()
                if state.is_open and condition not in seen
                and state.customer_id not in unknown and condition not in kept]
    return Decision(announce, changed + resolved, len(resolved))


def _change(alert: Alert, state: AlertState, now: datetime) -> Change | None:
    if not state.is_open:
        return Change.BACK
    # Severity follows the level within a type, so a higher level is the one measure.
    if alert.level > state.announced_level:
        return Change.WORSE
    if state.snoozed_until is not None and now >= state.snoozed_until:
        return Change.SNOOZE_ENDED
    return None
