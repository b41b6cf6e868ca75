"""Credit requests and approvals in Slack: ``/credit request`` and its modal,
``/credit requests``, the approval cards and their buttons, delegations, history."""

from __future__ import annotations

from handlers.approvals import decide
from handlers.approvals.jobs import JOB
from handlers.registry import Feature

FEATURE = Feature(
    name="approvals",
    # The approval cards' buttons and their modals (handlers.approvals.decide).
    actions=decide.ACTIONS,
    views=decide.VIEWS,
    # chat:write: the approval cards and notes (the outbox sender posts and edits them).
    scopes=("chat:write",),
    # Reminders, escalations, expiries and temporary limits' ends (handlers.approvals.jobs).
    jobs=(JOB,),
)

__all__ = ["FEATURE"]
