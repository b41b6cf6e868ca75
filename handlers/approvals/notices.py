"""The Slack messages a change to a credit request causes, queued in the outbox inside
the use case's transaction (``domain.approvals.ports.RequestNotices``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from domain.approvals.ports import RequestChange
from domain.ports import Outbox


class ApprovalNotices:
    """Approval cards for each level's deciders, their edits when a level decides, and
    notes to the requester and the account owner."""

    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo) -> None:
        self.locale_of = locale_of
        self.zone = zone

    def queue(self, outbox: Outbox, change: RequestChange) -> None:
        return None
