"""Whether a request can be decided at all: each level needs someone who may decide it
under the rules (not the requester, nor standing in for them; one person decides at most
one level of a request), or it would stay open for ever, refused to everyone."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date

from domain.approvals.model import Delegation, Level


def candidates(level: Level, requester: str, holders: Mapping[str, Sequence[str]],
               delegations_of: Callable[[str], Sequence[Delegation]], today: date
               ) -> set[str]:
    """Who could decide ``level`` of a request ``requester`` files: the holders of its
    role (and, once its deadline passed, of ``escalate_to``), and whoever stands in
    today for one of them, the requester and their stand-ins left out."""
    roles = [level.role, *([level.escalate_to] if level.escalate_to else [])]
    found: set[str] = set()
    for role in roles:
        for holder in holders.get(role, ()):
            if holder == requester:
                continue
            found.add(holder)
            found.update(d.delegate for d in delegations_of(holder)
                         if d.delegator == holder and d.active_on(today)
                         and d.delegate != requester)
    return found


def undecidable(route: Sequence[Level], requester: str,
                holders: Mapping[str, Sequence[str]],
                delegations_of: Callable[[str], Sequence[Delegation]], today: date,
                first: int = 1, decided: Collection[str] = ()) -> int | None:
    """The first level (from ``first``) that no one could decide once the levels
    before it are decided by others (each person one level), or ``None``. ``decided``:
    who took part in a decision already (deciders and those they stood in for): they
    may not decide another level."""
    levels = list(route[first - 1:])
    people = [candidates(level, requester, holders, delegations_of, today) - set(decided)
              for level in levels]
    taken: dict[str, int] = {}

    def assign(index: int, seen: set[str]) -> bool:
        # Kuhn's augmenting path: a handful of levels and people, so no cost to speak of.
        for person in sorted(people[index]):
            if person in seen:
                continue
            seen.add(person)
            if person not in taken or assign(taken[person], seen):
                taken[person] = index
                return True
        return False

    for index in range(len(levels)):
        if not assign(index, set()):
            return first + index
    return None
