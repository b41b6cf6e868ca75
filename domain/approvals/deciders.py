"""Who may decide a request's levels under the rules: not the requester, nor someone
standing in for them; one person takes part in at most one level of a request, and a
stand-in's decision counts for the holder they stand in for as well.

``undecidable`` asks whether every remaining level still has someone; ``who_decides``
names the people a level's card and reminders go to."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from domain.approvals.model import Decision, Level, StandIn


def took_part(decisions: Iterable[Decision]) -> frozenset[str]:
    """Everyone with a part in ``decisions``: the deciders and those they stood in for."""
    return frozenset(p for d in decisions for p in (d.decided_by, d.on_behalf_of) if p)


def may_stand_in(stand_in: StandIn, requester: str, decisions: Iterable[Decision]) -> bool:
    """Whether ``stand_in`` may still decide a level of the request for their delegator:
    standing in today, and neither of the two the requester nor anyone with a part in
    one of its decisions (``domain.approvals.rules.authority`` refuses them)."""
    out = took_part(decisions) | {requester}
    return stand_in.active and stand_in.delegate not in out and stand_in.delegator not in out


def left_to_escalation(level: Level, holders: Mapping[str, Sequence[str]], requester: str,
                       decisions: Iterable[Decision]) -> bool:
    """Whether ``level`` goes to its ``escalate_to`` role from the start: no holder of
    its own role may decide it (each filed the request or decided an earlier level, and
    a stand-in for them is kept out too), so waiting for its deadline would only make
    the request wait for nobody, and a holder of the escalation role may."""
    out = took_part(decisions) | {requester}
    if not level.escalate_to or any(h not in out for h in holders.get(level.role, ())):
        return False
    # And someone there may: else nobody is told it went to them.
    return any(h not in out for h in holders.get(level.escalate_to, ()))


def who_decides(role: str, holders: Mapping[str, Sequence[str]],
                stand_ins: Mapping[str, Sequence[StandIn]], requester: str,
                decisions: Iterable[Decision]) -> list[str]:
    """The holders of ``role`` and their stand-ins today who may still decide a level of
    the request: the requester, whoever took part in one of its decisions, and a
    stand-in for either, left out."""
    decisions = tuple(decisions)
    out = took_part(decisions) | {requester}
    own = [h for h in holders.get(role, ()) if h not in out]
    subs = [s.delegate for s in stand_ins.get(role, ())
            if may_stand_in(s, requester, decisions)]
    return list(dict.fromkeys([*own, *subs]))


def undecidable(route: Sequence[Level], requester: str,
                holders: Mapping[str, Sequence[str]], first: int = 1,
                decided: Collection[str] = ()) -> int | None:
    """The first level (from ``first``) that no one could decide once the levels
    before it are decided by others (each person one level), or ``None``. ``decided``:
    who took part in a decision already (deciders and those they stood in for): they
    may not decide another level.

    Delegations change nothing here: a stand-in decides in their delegator's place,
    and that decision uses up the delegator too, so wherever a stand-in could decide a
    level its delegator could decide it in person at no greater cost to the others."""
    levels = list(route[first - 1:])
    out = set(decided) | {requester}
    people = [{u for role in (level.role, level.escalate_to) if role
               for u in holders.get(role, ()) if u not in out} for level in levels]
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
