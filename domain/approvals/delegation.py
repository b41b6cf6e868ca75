"""Delegating approvals: a person hands the levels they decide to a stand-in for a
period (``Delegating``). The period runs from today or later, through a day no earlier
than its start, for a year at most; each refusal names the day that is wrong."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.access import Member
from domain.approvals.context import RequestsContext
from domain.approvals.deciders import may_stand_in
from domain.approvals.events import DelegationGranted
from domain.approvals.model import Delegation, StandIn
from domain.approvals.policy import ApprovalPolicy
from domain.approvals.ports import owner_of
from domain.approvals.stand_in_cards import deal, waits_for
from domain.days import year_after
from domain.errors import DomainError
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.text import N_, DatedPhrase

# The command is the handler's to name as the person typed it (`/credit 委托`): each
# refusal carries it as ``command``, this spelling until the handler says otherwise.
COMMAND = "/credit delegate"
EXAMPLE = DatedPhrase(N_("@mei until {until}"))
SPAN = DatedPhrase(N_("@mei from {start} until {until}"))


class DelegationRefused(DomainError):
    pass


def check_period(today: date, starts: date, until: date) -> None:
    """Refuses a period that ends before today, starts before today, or ends before it
    starts."""
    if until < today:
        raise DelegationRefused(N_("The last day {until} is already past: a delegation "
                                   "runs up to today or a later day, e.g. `{command} {example}`."),
                                until=until, command=COMMAND, example=EXAMPLE)
    if starts < today:
        raise DelegationRefused(N_("The first day {start} is already past: a delegation "
                                   "starts today or later, e.g. `{command} {example}`."),
                                start=starts, command=COMMAND, example=EXAMPLE)
    if starts > until:
        raise DelegationRefused(N_("The first day {start} comes after the last day {until}: "
                                   "write `from` a day no later than `until`, e.g. "
                                   "`{command} {example}`."),
                                start=starts, until=until, command=COMMAND, example=SPAN)
    # A stand-in covers an absence: a hand-over through 9999-12-31 would be a standing
    # grant of someone's approval powers that nobody reviews. Renewed if still needed.
    if starts >= year_after(today) or until >= year_after(starts):
        raise DelegationRefused(N_("A delegation runs for a year at most, starting within "
                                   "a year: {start} through {until} is longer or later. "
                                   "Hand your approvals over for the absence, e.g. "
                                   "`{command} {example}`, and again when it ends if need "
                                   "be."),
                                start=starts, until=until, command=COMMAND, example=EXAMPLE)


@dataclass(frozen=True)
class Delegated:
    """A hand-over made, and what the delegator is told with it, read in its
    transaction: ``kept``, the open requests that keep waiting for them since the
    stand-in may not decide them (``Delegating._kept_from``); ``only_to_reject``, the roles in which
    the stand-in could only reject their level; ``replaced``, the delegation still to
    run that it replaced; ``cover_gap``, that one ran today and the new one starts later,
    so nobody stands in until it does."""

    granted: Delegation
    kept: list[int]
    only_to_reject: list[str]
    replaced: Delegation | None = None
    cover_gap: bool = False


class Delegating(RequestsContext):
    """Hand one's approvals to a stand-in for a period, end it, list them."""

    def delegate(self, actor: Member, delegate: str, until: date,
                 starts_on: date | None = None) -> Delegated:
        """Hands ``actor``'s approvals to ``delegate`` from ``starts_on`` (today when
        not given) through ``until``, replacing any delegation of ``actor`` still in
        force. Refused for oneself, a past or reversed period, someone who holds no
        role a policy level names, and a delegate who may not see credit data.
        Audited ``delegations.granted``."""
        self._require(actor, "delegations.refused", delegate)
        today = self.today()
        starts = starts_on or today
        if delegate == actor.user_id:
            raise DelegationRefused(N_("You can't delegate to yourself: name the person "
                                       "who stands in for you."))
        check_period(today, starts, until)
        roles = sorted(actor.roles & self.policy.roles())
        if not roles:
            raise DelegationRefused(N_("You hold no role that decides credit requests, so "
                                       "there is nothing to delegate."))
        if not self.access.allows(self.roster.member(delegate)):
            raise DelegationRefused(N_("<@{who}> may not see credit data, so they can't "
                                       "decide credit requests for you. Ask a credit "
                                       "manager to give them access first."), who=delegate)
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            store = uow.credit_requests
            running = self._running(uow, actor.user_id, today)
            # The same stand-in handed over anew has the waiting levels' cards already.
            again = any(d.delegate == delegate for d in running)
            self._tell_ended(uow, [d for d in running if d.delegate != delegate])
            given = self._still_to_run(uow, actor.user_id, today)
            ended = store.end_delegations(actor.user_id, now, today)
            granted = store.add_delegation(Delegation(actor.user_id, delegate, starts, until,
                                                      now))
            uow.audit.append(AuditEntry(now, actor.user_id, "delegations.granted",
                                        actor.user_id, {
                                            "delegate": delegate, "roles": roles,
                                            "starts_on": starts.isoformat(),
                                            "until": until.isoformat(), "replaced": ended,
                                            "replaced_delegations": _named(given)}))
            uow.events.record(DelegationGranted(occurred_at=now, actor=actor.user_id,
                                                subject=actor.user_id, delegate=delegate,
                                                starts_on=starts, until=until))
            waiting: int | None = None
            if granted.active_on(today):
                # The levels waiting for the delegator sent their cards before: the
                # stand-in gets theirs now (a later start: the approvals job, that day).
                holders = self.roster.holders()
                waiting = sum(deal(uow, self.notices, request, granted, holders, today, now,
                                   self.standing, send=not again) is not None
                              for request in store.open_requests())
            self.notices.delegated(uow.outbox, granted, roles, waiting)
            kept = self._kept_from(uow, actor.user_id, delegate, now)
            uow.commit()
        previous = next(iter(given), None)
        return Delegated(granted, kept, only_to_reject(
            self.policy, self.roster.holders(), actor.roles & self.policy.roles(), delegate),
            previous, previous is not None and previous.active_on(today)
            and starts > today)

    def _kept_from(self, uow: UnitOfWork, delegator: str, delegate: str,
                   now: datetime) -> list[int]:
        """The open requests waiting for ``delegator`` that ``delegate`` may not decide
        for them (they filed it or decided a level of it, or own its account): said when
        the delegation is made, since they keep waiting for ``delegator``."""
        holders = self.roster.holders()
        store = uow.credit_requests
        waiting = [r for r in store.open_requests()
                   if waits_for(r, delegator, holders, now) is not None]
        decisions = store.decisions([r.id for r in waiting])
        stand_in = StandIn(delegate, delegator)
        return [r.id for r in waiting
                if not may_stand_in(stand_in, r.requested_by, decisions.get(r.id, []))
                or owner_of(uow, r.customer_id) == delegate]

    def end_delegation(self, actor: Member) -> int:
        """Ends ``actor``'s delegations still in force; how many. Audited
        ``delegations.ended`` when there was one."""
        self._require(actor, "delegations.refused", actor.user_id)
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            self._tell_ended(uow, self._running(uow, actor.user_id, self.today()))
            cut_short = _named(self._still_to_run(uow, actor.user_id, self.today()))
            ended = uow.credit_requests.end_delegations(actor.user_id, now, self.today())
            if ended:
                uow.audit.append(AuditEntry(now, actor.user_id, "delegations.ended",
                                            actor.user_id, {"ended": ended,
                                                            "delegations": cut_short}))
                uow.commit()
        return ended

    @staticmethod
    def _running(uow: UnitOfWork, delegator: str, today: date) -> list[Delegation]:
        """``delegator``'s delegations that run today."""
        return [d for d in uow.credit_requests.delegations(delegator)
                if d.delegator == delegator and d.active_on(today)]

    @staticmethod
    def _still_to_run(uow: UnitOfWork, delegator: str, today: date) -> list[Delegation]:
        """``delegator``'s delegations not ended nor run out, in the order made."""
        return [d for d in uow.credit_requests.delegations(delegator)
                if d.delegator == delegator and d.ended_at is None and d.until >= today]

    def _tell_ended(self, uow: UnitOfWork, ending: list[Delegation]) -> None:
        """Tells the stand-in of each delegation in ``ending`` that it ends now."""
        for delegation in ending:
            self.notices.delegation_ended(uow.outbox, delegation)

    def delegations(self, actor: Member) -> list[Delegation]:
        """Delegations from and to ``actor`` that have not ended nor run out."""
        self._require(actor, "requests.read_refused", actor.user_id)
        today = self.today()
        with self.unit_of_work() as uow:
            found = uow.credit_requests.delegations(actor.user_id)
        return [d for d in found if d.until >= today]


def _named(delegations: Sequence[Delegation]) -> list[dict[str, str]]:
    """Delegations as the audit names them: who stood in and for which days (the count
    alone sent an auditor through the earlier entries)."""
    return [{"delegate": d.delegate, "starts_on": d.starts_on.isoformat(),
             "until": d.until.isoformat()} for d in delegations]


def only_to_reject(policy: ApprovalPolicy, holders: Mapping[str, Sequence[str]],
                   delegator_roles: Collection[str], delegate: str) -> list[str]:
    """The roles in which ``delegate`` decides a later level of a band whose earlier
    level is the delegator's, with nobody else for that later level (no other holder,
    no one to escalate to): one person decides one level of a request, so on those
    requests the stand-in can only reject the delegator's level, never approve it. The
    CFO standing in for the finance director stalled every request above 500,000."""
    found: list[str] = []
    for kind in policy.kinds.values():
        for band in kind.bands:
            for index, level in enumerate(band.levels):
                if level.role not in delegator_roles:
                    continue
                for later in band.levels[index + 1:]:
                    others = [u for role in (later.role, later.escalate_to) if role
                              for u in holders.get(role, ()) if u != delegate]
                    if delegate in holders.get(later.role, ()) and not others \
                            and later.role not in found:
                        found.append(later.role)
    return found

