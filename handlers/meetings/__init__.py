"""Meetings in Slack: scheduling (``scheduling``: ``/credit meeting``, ``/credit
meetings``), invitations and answers (``rsvp``, ``invitation*``), the ``meetings`` job's
reminders and recurring occurrences (``jobs``), minutes and tasks (``followup``)."""

from __future__ import annotations

from handlers.meetings import followup, jobs, rsvp, scheduling
from handlers.registry import Feature

FEATURE = Feature(
    name="meetings",
    subcommands=(*scheduling.SUBCOMMANDS, *followup.SUBCOMMANDS),
    actions=(*scheduling.ACTIONS, *rsvp.ACTIONS, *followup.ACTIONS),
    views=(*scheduling.VIEWS, *rsvp.VIEWS, *followup.VIEWS),
    jobs=jobs.JOBS,
    # The outbox sender's calls (chat:write, files:write for the .ics file) are
    # declared by handlers.delivery.
    scopes=("commands",),
)

__all__ = ["FEATURE"]
