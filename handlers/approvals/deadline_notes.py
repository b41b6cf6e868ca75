"""The deadlines job's own messages (``domain.approvals.deadlines.LimitNotices``): an
overdue level's reminders and the end of a temporary limit, each in the language of
the person or channel it goes to, each queued once (its dedup key)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import tzinfo

from domain.approvals.deadlines import Overdue, Reverted
from domain.messages import OutgoingMessage
from domain.ports import Outbox
from handlers.approvals.overdue import (
    OVERDUE,
    overdue_key,
    overdue_note,
    overdue_reminder,
    requester_overdue_key,
)
from handlers.approvals.reverts import (
    ASKED,
    OWNS,
    REVERTED,
    STANDS_IN,
    reverted_key,
    reverted_text,
)
from handlers.i18n import Translator, translator
from handlers.render import clip, section


class DeadlineNotes:
    """``stand_in``: the channel told of a temporary limit's end when the ERP names no
    account owner (the credit department's, else the admin channel), or ``None``."""

    def __init__(self, locale_of: Callable[[str], str], zone: tzinfo,
                 stand_in: str | None, channels: Mapping[str, str] | None = None) -> None:
        self.locale_of = locale_of
        self.zone = zone
        self.stand_in = stand_in
        # department key -> its channel: where a level's card is posted (``post_to``)
        self.channels = dict(channels or {})

    def _tr(self, destination: str) -> Translator:
        return translator(self.locale_of(destination))

    def _send(self, outbox: Outbox, destination: str, kind: str, text: str,
              key: str) -> None:
        outbox.add(OutgoingMessage(channel=destination, kind=kind, text=clip(text, 3000),
                                   blocks=[section(text)], dedup_key=key))

    def overdue(self, outbox: Outbox, overdue: Overdue) -> None:
        level = overdue.request.current
        # Gone to its escalation role at once, the level's deciders have their cards by
        # direct message.
        at_once = bool(level.escalate_to) and overdue.roles == (level.escalate_to,)
        channel = self.channels.get(level.post_to) if level.post_to and not at_once \
            else None
        for user in overdue.deciders:
            self._send(outbox, user, OVERDUE,
                       overdue_reminder(self._tr(user), overdue, self.zone, channel),
                       overdue_key(overdue, user))
        # The deciders are reminded every working day; the requester, who can do
        # nothing about it, is told once a level.
        requester = overdue.request.requested_by
        self._send(outbox, requester, OVERDUE,
                   overdue_note(self._tr(requester), overdue, self.zone),
                   requester_overdue_key(overdue))

    def reverted(self, outbox: Outbox, reverted: Reverted) -> str | None:
        if reverted.requested_by is not None:
            requester = reverted.requested_by
            self._send(outbox, requester, REVERTED,
                       reverted_text(self._tr(requester), reverted, to=ASKED),
                       reverted_key(reverted, requester))
        destination = reverted.owner or self.stand_in
        if destination is None:
            return None
        self._send(outbox, destination, REVERTED,
                   reverted_text(self._tr(destination), reverted,
                                 to=OWNS if reverted.owner is not None else STANDS_IN),
                   reverted_key(reverted))
        return destination
