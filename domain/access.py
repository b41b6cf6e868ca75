"""Who may see what. Credit data is confidential: only people the organisation lists
may see a customer's position, and a refusal says whom to ask, nothing else."""

from __future__ import annotations

from dataclasses import dataclass

from domain.errors import DomainError


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
    def __init__(self, contacts: tuple[str, ...]) -> None:
        self.contacts = contacts
        who = ", ".join(contacts) if contacts else "your credit manager"
        super().__init__(
            f"Credit data is confidential and you are not among the people who may see it. "
            f"Ask {who} to add you to creditbot's configuration."
        )


@dataclass(frozen=True)
class CreditDataAccess:
    """``roles``/``departments`` empty means: everyone the configuration lists."""

    roles: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    contacts: tuple[str, ...] = ()

    def allows(self, member: Member) -> bool:
        if not member.is_listed:
            return False
        if not self.roles and not self.departments:
            return True
        return bool(member.roles & self.roles or member.departments & self.departments)

    def require(self, member: Member) -> None:
        if not self.allows(member):
            raise AccessDenied(self.contacts)
