"""Sharing a card (a customer's or group's check, an alert, a credit request) into a
department's channel with a note: one path for every kind, with the check's rules.

Who may share is who may see credit data (``access.credit_data``); where, the channels
the organisation opened to it (``share_channels``). A refused attempt is audited like a
granted one. The card is read afresh when it is shared, never from the button that was
pressed: a button carries ids only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.access import CreditDataAccess, Member, ShareRefused
from domain.alerts.model import AlertState
from domain.approvals.model import RequestRecord
from domain.approvals.ports import Standing
from domain.check import Checked
from domain.errors import DomainError
from domain.events import CardShared
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.posting import post_then_record
from domain.text import N_

# A note is a line or two for the readers, not a document; longer is clipped.
NOTE_LIMIT = 500


class CardKind(StrEnum):
    CUSTOMER = "customer"
    GROUP = "group"
    ALERT = "alert"
    REQUEST = "request"


@dataclass(frozen=True)
class SharedCard:
    """What is shared, by id: a customer id, a group id, an alert's condition
    (``overdue:C0001``) or a request number."""

    kind: CardKind
    subject: str


@dataclass(frozen=True)
class SharedAlert:
    """An alert as the last scan found it, with what people answered, and its
    customer's position now."""

    state: AlertState
    customer: Checked


@dataclass(frozen=True)
class SharedRequest:
    record: RequestRecord
    standing: Standing


class CardGone(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("This card's subject is no longer known to creditbot, so there "
                            "is nothing to share."))


# Reads one kind of card inside a unit of work, by its subject id.
Reader = Callable[[UnitOfWork, str], object]


def clean_note(note: str | None) -> str:
    """The note as kept and shown: trimmed, at most NOTE_LIMIT characters."""
    text = (note or "").strip()
    return text if len(text) <= NOTE_LIMIT else text[:NOTE_LIMIT - 1].rstrip() + "…"


@dataclass(frozen=True)
class CardSharing:
    """``readers`` read each kind afresh; ``destinations`` name the channels a card may
    go to (channel id → department name), in the order a picker lists them."""

    unit_of_work: Callable[[], UnitOfWork]
    access: CreditDataAccess
    clock: Callable[[], datetime]
    readers: Mapping[CardKind, Reader]
    destinations: Mapping[str, str]

    def channels(self, actor: Member) -> dict[str, str]:
        """Where ``actor`` may share a card (nowhere if they may not see credit data)."""
        if not self.access.allows(actor):
            return {}
        return {channel: name for channel, name in self.destinations.items()
                if channel in self.access.share_channels}

    def require(self, actor: Member, card: SharedCard, channel: str | None = None) -> None:
        """Raises AccessDenied (or ShareRefused for a ``channel`` not opened to credit
        data); either is recorded as ``card.share_refused``."""
        try:
            self.access.require(actor)
            if channel is not None and channel not in self.access.share_channels:
                raise ShareRefused(channel, self.access.share_channels)
        except DomainError:
            details: dict[str, object] = {"kind": card.kind.value}
            if channel is not None:
                details["channel"] = channel
            with self.unit_of_work() as uow:
                uow.audit.append(AuditEntry(self.clock(), actor.user_id, "card.share_refused",
                                            card.subject, details))
                uow.commit()
            raise

    def share(self, actor: Member, card: SharedCard, channel: str, note: str | None,
              publish: Callable[[object], None]) -> object:
        """Reads the card afresh, posts it through ``publish``, then records
        ``card.shared`` (domain.posting.post_then_record: a refused post records
        nothing, an unconfirmed one is recorded so and raises ShareUnconfirmed)."""
        self.require(actor, card, channel)
        with self.unit_of_work() as uow:
            found = self.readers[card.kind](uow, card.subject)
        kept = clean_note(note)

        def record(uow: UnitOfWork, now: datetime, confirmed: bool) -> None:
            details: dict[str, object] = {"kind": card.kind.value, "channel": channel}
            if kept:
                details["note"] = kept
            if not confirmed:
                details["confirmed"] = False
            uow.audit.append(AuditEntry(now, actor.user_id, "card.shared", card.subject,
                                        details))
            uow.events.record(CardShared(occurred_at=now, actor=actor.user_id,
                                         subject=card.subject, channel=channel,
                                         kind=card.kind.value))

        post_then_record(self.unit_of_work, self.clock, lambda: publish(found), record)
        return found
