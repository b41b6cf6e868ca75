"""What listeners need from the composition root, handed over through Bolt's context."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

from domain.access import CreditDataAccess, Member
from domain.alerts.use_cases import Alerts
from domain.approvals.use_cases import CreditRequests
from domain.check import CreditChecks
from domain.collections.use_cases import Assignments
from domain.collections.work import CollectorsDay
from domain.meetings.minutes import MinutesKeeping
from domain.meetings.responses import Responses
from domain.meetings.tasks import Tasks
from domain.meetings.use_cases import Meetings
from domain.orders.use_cases import OrderChecks
from domain.reports.use_cases import Reports
from domain.sharing import CardSharing
from handlers.i18n import Languages


@dataclass(frozen=True)
class Deps:
    member: Callable[[str], Member]
    access: CreditDataAccess
    checks: CreditChecks
    languages: Languages
    timezone: str
    # Maps a response_url Slack gave us to the one we must post to (SLACK_API_URL's host
    # when a proxy or the emulator stands in for Slack).
    response_url: Callable[[str], str]
    # Runs work that must not hold a Slack request open (answers past the ack budget).
    background: Executor
    alerts: Alerts
    requests: CreditRequests
    orders: OrderChecks
    reports: Reports
    assignments: Assignments
    collecting: CollectorsDay
    # Any card into a department's channel with a note (handlers.sharing).
    sharing: CardSharing
    # Accept / Decline / Propose another time on a meeting invitation.
    meeting_answers: Responses
    # Record minutes; /credit tasks and Done (handlers.meetings.followup).
    minutes: MinutesKeeping
    tasks: Tasks
    # /credit meeting, /credit meetings: schedule, reschedule, cancel.
    meetings: Meetings
    # Whether a command's key is seen for the first time (now it is): a replayed command
    # that records is answered with nothing. Raises RecordsUnavailable when the database
    # cannot say, and the command is then not run (a replay could run it a second time).
    first_time: Callable[[str], bool]
    # Lets a key be claimed again, after the act it guarded was refused (the person may
    # fix the cause and press again). Raises RecordsUnavailable like first_time.
    forget: Callable[[str], None]

    def __deepcopy__(self, memo: dict[int, object]) -> Deps:
        # Bolt deep-copies the context for lazy listeners; these are process-wide
        # services (pools, executors), shared rather than copied.
        return self
