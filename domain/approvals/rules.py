"""Who may decide which level of a request (segregation of duties), and the refusals
that say why not, in plain words.

- Nobody decides their own request, nor stands in for its requester.
- Nobody decides two levels of one request, in person or through a delegate.
- Only holders of the current level's role decide it, their delegates during an active
  delegation, and, once the level's deadline passed, holders of its escalation role.
- Only an open request's current level is decided; a rejection needs a comment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.approvals.deciders import left_to_escalation
from domain.approvals.model import (
    CreditRequest,
    Decision,
    Delegation,
    Outcome,
    RequestKind,
    RequestState,
    Withdrawn,
)
from domain.approvals.roles import Role
from domain.errors import DomainError, TryAgain
from domain.text import N_


class RequestChanged(TryAgain):
    """Someone changed the request between our read and our write (optimistic lock).
    Use cases try again from fresh records, so a person rarely sees this."""

    def __init__(self) -> None:
        super().__init__(N_("Someone changed this request at the same moment. Try again."))


class NotDecidable(DomainError):
    """A decision that is refused; nothing was changed. ``rule``: for the refusals that
    keep duties apart (one's own request, a second level, a role one does not hold…),
    the rule's name, which the audit log records with the attempt."""

    rule: str | None = None


class RequestNotFound(NotDecidable):
    def __init__(self, request_id: int) -> None:
        super().__init__(N_("There is no credit request #{request}."), request=request_id)


class RequestClosed(NotDecidable):
    def __init__(self, request: CreditRequest) -> None:
        self.request = request
        templates = {
            RequestState.APPROVED: N_("Request #{request} is already approved (its last "
                                      "level by <@{who}>), so there is nothing left to "
                                      "decide."),
            RequestState.REJECTED: N_("Request #{request} was already rejected by <@{who}> "
                                      "at level {level}, so there is nothing left to "
                                      "decide."),
            RequestState.CANCELLED: N_("Request #{request} was cancelled by <@{who}>, so "
                                       "there is nothing left to decide."),
            RequestState.EXPIRED: N_("Request #{request} expired: the temporary limit "
                                     "would have ended on {day}, so there is nothing left "
                                     "to decide."),
        }
        template = templates[request.state]
        if request.withdrawn is Withdrawn.ORDER_CHANGED:
            template = N_("Request #{request} was withdrawn by creditbot: the ERP has "
                          "changed the order since it was filed, so there is nothing left "
                          "to decide. Its requester can ask again for the order as it is "
                          "now.")
        elif request.withdrawn is Withdrawn.RELEASED:
            template = N_("Request #{request} was withdrawn by creditbot: the order passes "
                          "the rules now and is released, so there is nothing left to "
                          "decide.")
        super().__init__(template, request=request.id,
                         who=request.closed_by or "", level=request.level,
                         day=request.expires_on or "")


class AlreadyDecided(NotDecidable):
    """The level was decided, by someone else at the same moment or earlier."""

    def __init__(self, request: CreditRequest, decision: Decision) -> None:
        self.decision = decision
        template = (N_("Level {level} of request #{request} was already approved by "
                       "<@{who}>.") if decision.outcome is Outcome.APPROVED else
                    N_("Level {level} of request #{request} was already rejected by "
                       "<@{who}>."))
        super().__init__(template, level=decision.level, request=request.id,
                         who=decision.decided_by)


class NotYetOpen(NotDecidable):
    def __init__(self, request: CreditRequest, level: int) -> None:
        super().__init__(N_("Level {level} of request #{request} is not open yet: level "
                            "{current} ({role}) decides first."), level=level,
                         request=request.id, current=request.level,
                         role=Role(request.current.role))


class NoSuchLevel(NotDecidable):
    """A level the request's route does not have (only a forged press names one)."""

    def __init__(self, request: CreditRequest, level: int) -> None:
        if len(request.route) == 1:
            super().__init__(N_("Request #{request} has no level {level}: it has one level "
                                "only."), request=request.id, level=level)
            return
        super().__init__(N_("Request #{request} has no level {level}: its levels are 1 to "
                            "{count}."), request=request.id, level=level,
                         count=len(request.route))


class OwnRequest(NotDecidable):
    rule = "own_request"

    def __init__(self) -> None:
        super().__init__(N_("You can't decide this request: you filed it. Someone else "
                            "must decide it."))


class StandInForRequester(NotDecidable):
    rule = "stand_in_for_requester"

    def __init__(self, requester: str) -> None:
        super().__init__(N_("You can't decide this request: you stand in for <@{who}>, "
                            "who filed it."), who=requester)


class StandInOwnsAccount(NotDecidable):
    rule = "stand_in_owns_account"

    def __init__(self, customer: str, delegator: str) -> None:
        super().__init__(N_("You can't decide this request: you own the account of "
                            "{customer}, and you would decide it standing in for <@{who}>. "
                            "They, or another holder of the level's role, decide it."),
                         customer=customer, who=delegator)


def stand_in_owns_account(granted: Authority, actor: str, owner: str | None,
                          customer: str) -> None:
    """Refuses a stand-in deciding a request on an account they own: a sales rep handed
    the finance director's approvals approved their own customer's higher limit."""
    if granted.on_behalf_of and owner == actor:
        raise StandInOwnsAccount(customer, granted.on_behalf_of)


class SecondLevel(NotDecidable):
    rule = "second_level"

    def __init__(self, decided: Decision, current: int) -> None:
        template = (N_("You can't decide level {current}: you already approved level "
                       "{level} of this request, and each level needs another person.")
                    if decided.outcome is Outcome.APPROVED else
                    N_("You can't decide level {current}: you already decided level "
                       "{level} of this request, and each level needs another person."))
        super().__init__(template, current=current, level=decided.level)


class StandInDecidedBefore(NotDecidable):
    rule = "stand_in_decided_before"

    def __init__(self, delegator: str, decided: Decision) -> None:
        super().__init__(N_("You can't decide this level: you stand in for <@{who}>, who "
                            "already decided level {level} of this request, and each level "
                            "needs another person."), who=delegator, level=decided.level)


class NotYourLevel(NotDecidable):
    """``holders`` are the people who may decide it (renderers may mention them)."""

    rule = "not_your_level"

    def __init__(self, request: CreditRequest, holders: Sequence[str],
                 stood_in: Delegation | None = None, today: date | None = None) -> None:
        """``stood_in``: the actor's delegation from one of ``holders`` that is not in
        force ``today`` (ended, or not begun): said, rather than left to be guessed."""
        self.holders = tuple(holders)
        self.stood_in = stood_in if today is not None else None
        params: dict[str, object] = {
            "level": request.level, "role": Role(request.current.role),
            "holders": ", ".join(f"<@{u}>" for u in holders) or N_("nobody yet")}
        if stood_in is not None and today is not None and stood_in.until < today:
            super().__init__(
                N_("You can't decide this: you stood in for <@{delegator}> through {until}, "
                   "and that delegation has ended. Level {level} is for the {role}: "
                   "{holders}, or someone they delegated their approvals to."),
                **params, delegator=stood_in.delegator, until=stood_in.until)
            return
        if stood_in is not None:
            super().__init__(
                N_("You can't decide this yet: you stand in for <@{delegator}> from "
                   "{start}. Level {level} is for the {role}: {holders}, or someone they "
                   "delegated their approvals to."),
                **params, delegator=stood_in.delegator, start=stood_in.starts_on)
            return
        super().__init__(
            N_("You can't decide this: level {level} is for the {role}: {holders}, or "
               "someone they delegated their approvals to."), **params)


class CommentRequired(NotDecidable):
    def __init__(self) -> None:
        super().__init__(N_("Say why you reject it: a rejection needs a comment, which the "
                            "requester will read."))


class RequestExpired(NotDecidable):
    def __init__(self, request: CreditRequest) -> None:
        super().__init__(N_("Request #{request} expired: the temporary limit would have "
                            "ended on {day}, so there is nothing left to decide."),
                         request=request.id,
                         day=request.expires_on or "")


@dataclass(frozen=True)
class Authority:
    """Why a person may decide a level: in their own right, or standing in for
    ``on_behalf_of``; ``escalated`` when that right is the level's ``escalate_to`` role's,
    once its deadline passed, not the level's own role's."""

    on_behalf_of: str | None = None
    escalated: bool = False


def is_expired(request: CreditRequest, today: date) -> bool:
    """An open temporary limit whose last day is past: granting it would change nothing."""
    return (request.is_open and request.kind is RequestKind.TEMPORARY_LIMIT
            and request.expires_on is not None and request.expires_on < today)


def authority(request: CreditRequest, decisions: Sequence[Decision], actor: str,
              level: int, holders: Mapping[str, Sequence[str]],
              delegations: Sequence[Delegation], now: datetime, today: date,
              keeps: Callable[[str], bool] | None = None) -> Authority:
    """Whether ``actor`` may decide ``level`` of ``request`` now, or the refusal saying
    why not. ``holders`` maps role names to their holders; ``delegations`` are those to
    ``actor`` (only the ones active ``today`` count). Standing in for one of several
    holders, the first for whom ``keeps(holder)`` holds is chosen (an approval for
    another would leave a later level to nobody), else the first."""
    # The level's own decision first: the loser of a race hears who won, whether or not
    # that decision closed the request.
    decided = {d.level: d for d in decisions}
    if level in decided:
        raise AlreadyDecided(request, decided[level])
    if not request.is_open:
        raise RequestClosed(request)
    if is_expired(request, today):
        raise RequestExpired(request)
    if not 1 <= level <= len(request.route):
        raise NoSuchLevel(request, level)
    if level != request.level:
        raise NotYetOpen(request, level)
    if actor == request.requested_by:
        raise OwnRequest()
    mine = next((d for d in decisions if d.involves(actor)), None)
    if mine is not None:
        raise SecondLevel(mine, level)
    current = request.current
    roles = request.deciding_roles(now)
    if current.escalate_to and current.escalate_to not in roles and left_to_escalation(
            current, holders, request.requested_by, decisions):
        roles.append(current.escalate_to)
    deciders = list(dict.fromkeys(u for role in roles for u in holders.get(role, ())))
    if actor in deciders:
        return Authority(escalated=actor not in holders.get(current.role, ()))
    refusal: NotDecidable | None = None
    usable: list[str] = []
    for delegation in delegations:
        if delegation.delegate != actor or not delegation.active_on(today) or \
                delegation.delegator not in deciders:
            continue
        if delegation.delegator == request.requested_by:
            refusal = StandInForRequester(delegation.delegator)
            continue
        theirs = next((d for d in decisions if d.involves(delegation.delegator)), None)
        if theirs is not None:
            refusal = refusal or StandInDecidedBefore(delegation.delegator, theirs)
            continue
        usable.append(delegation.delegator)
    if usable:
        chosen = next((who for who in usable if keeps is None or keeps(who)), usable[0])
        return Authority(on_behalf_of=chosen,
                         escalated=chosen not in holders.get(current.role, ()))
    # A delegation of one of them not in force today (it ended last night, or begins
    # next week): the refusal says so, not only who decides.
    idle = next((d for d in delegations if d.delegate == actor and d.ended_at is None
                 and d.delegator in deciders and not d.active_on(today)), None)
    raise refusal or NotYourLevel(request, deciders, idle, today)


def may_decide(request: CreditRequest, decisions: Sequence[Decision], actor: str,
               holders: Mapping[str, Sequence[str]], delegations: Sequence[Delegation],
               now: datetime, today: date) -> Authority | None:
    """By what right ``actor`` may decide the current level of ``request`` now, or
    ``None`` when they may not."""
    try:
        return authority(request, decisions, actor, request.level, holders, delegations,
                         now, today)
    except NotDecidable:
        return None


def require_comment(outcome: Outcome, comment: str | None) -> str | None:
    text = (comment or "").strip()
    if outcome is Outcome.REJECTED and not text:
        raise CommentRequired()
    return text or None
