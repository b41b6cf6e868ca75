"""What is wrong with a person a list in app.yaml names (``role:<name>`` or a Slack user
id): a role nobody has or holds, an id app.yaml does not list, someone credit data is
closed to. Collections (collectors, assigners) and alert routes (people sent alerts)
name people the same way, and hand them the same confidential figures."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.config.fields import misspelt_role, shown
from domain.people import is_user_id

ROLE = "role:"
PEOPLE = "role:<name> (everyone holding the role) or Slack user ids such as U0123ABCDE"

Located = tuple[tuple[str | int, ...], str]


@dataclass(frozen=True)
class ListedPeople:
    """``users``: everyone listed under departments or roles. Once the model is read,
    ``cleared`` says who access.credit_data lets see credit data and ``holders`` who
    holds each role (None before: only names are checked)."""

    role_names: Sequence[str]
    users: Iterable[str]
    cleared: Callable[[str], bool] | None = None
    holders: Mapping[str, Sequence[str]] | None = None
    _people: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_people", frozenset(self.users))

    def __contains__(self, user: object) -> bool:
        return user in self._people

    def problems(self, where: tuple[str | int, ...], name: object, *, purpose: str,
                 mended: str = "", roles_allowed: bool = True) -> list[Located]:
        """``purpose``: what being named here gives them ("be sent alerts"), said when
        credit data is closed to them; ``mended``: what correcting a misspelt role under
        ``roles`` mends ("its holders may assign")."""
        if not isinstance(name, str):
            return []
        if roles_allowed and name.startswith(ROLE):
            return self._role(where, name, purpose, mended)
        if not is_user_id(name):
            return [(where, f"{shown(name)} is not a person; write {PEOPLE}")] \
                if roles_allowed else []
        if name not in self._people:
            return [(where, f"{name} is not listed under departments or roles, so may not "
                            "see credit data; list them there first")]
        if self.cleared is not None and not self.cleared(name):
            return [(where, self.closed(name, purpose))]
        return []

    def closed(self, who: str, purpose: str) -> str:
        return (f"{who} may not see credit data (access.credit_data), so cannot {purpose}; "
                "add their role or department to access.credit_data, or name someone who "
                "may")

    def _role(self, where: tuple[str | int, ...], name: str, purpose: str,
              mended: str) -> list[Located]:
        role = name.removeprefix(ROLE)
        if role not in self.role_names:
            return [(where, f"{shown(name)} names no role; use one of "
                            f"{', '.join(ROLE + r for r in self.role_names)}")]
        if self.holders is None:
            return []
        if not self.holders.get(role):
            # A standard role is known even when app.yaml lists nobody under it
            # (credit_manager misspelt there): named here, it would give nobody.
            held = [r for r, people in self.holders.items() if people]
            hint = misspelt_role(role, held, fixed=mended) if mended else None
            return [(where, f"{shown(name)} is held by nobody; " + (
                hint or f"list its holders under roles, e.g. {role}: [U0123ABCDE]"))]
        return self.role_cleared(where, name, purpose)

    def role_cleared(self, where: tuple[str | int, ...], name: object,
                     purpose: str) -> list[Located]:
        """The holders of the role ``name`` (``role:<name>``) credit data is closed to."""
        if self.cleared is None or self.holders is None or not isinstance(name, str) \
                or not name.startswith(ROLE):
            return []
        barred = [u for u in self.holders.get(name.removeprefix(ROLE), [])
                  if not self.cleared(u)]
        if barred:
            return [(where, self.closed(", ".join(barred), purpose) + f" (they hold {name})")]
        return []
