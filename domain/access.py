"""Who may do what. Credit data is confidential: only people the organisation lists may
see a customer's position, and cards may be shared only where the organisation allows.
A refusal says whom to ask and why, nothing about the customer."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError
from domain.text import N_, People


@dataclass(frozen=True)
class Member:
    """A person as the organisation's configuration knows them."""

    user_id: str
    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()

    @property
    def is_listed(self) -> bool:
        return bool(self.roles or self.departments)


class AccessDenied(DomainError):
    """``contacts`` are the people who can grant access; renderers mention them."""

    locked = True

    def __init__(self, contacts: tuple[str, ...]) -> None:
        self.contacts = contacts
        super().__init__(
            N_("Credit data is confidential, and you are not among the people who may see "
               "it. Ask {who} to give you access."),
            who=People(contacts))


class ShareRefused(DomainError):
    """Sharing into a channel the organisation has not opened to credit cards."""

    def __init__(self, channel: str, allowed: frozenset[str]) -> None:
        self.channel = channel
        self.allowed = tuple(sorted(allowed))
        super().__init__(
            N_("Credit positions can be shared only in the channels the organisation has "
               "opened to credit data ({channels}); this one is not among them. A credit "
               "manager can open it (access.credit_data.share_channels in app.yaml)."),
            channels=", ".join(self.allowed) or "none yet")


@dataclass(frozen=True)
class CreditDataAccess:
    """``roles``/``departments`` empty means: everyone the configuration lists."""

    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    contacts: tuple[str, ...] = ()
    share_channels: frozenset[str] = frozenset()

    def allows(self, member: Member) -> bool:
        if not member.is_listed:
            return False
        if not self.roles and not self.departments:
            return True
        return bool(member.roles & self.roles or member.departments & self.departments)

    def require(self, member: Member) -> None:
        if not self.allows(member):
            raise AccessDenied(self.contacts)

    def may_share(self, member: Member, channel: str | None) -> bool:
        return channel is not None and channel in self.share_channels and self.allows(member)

    def require_share(self, member: Member, channel: str) -> None:
        self.require(member)
        if channel not in self.share_channels:
            raise ShareRefused(channel, self.share_channels)
