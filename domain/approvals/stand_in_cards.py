"""Cards for a stand-in whose delegation begins while a level waits for the holder
they stand in for. The level's cards went out before they stood in, so nothing would
reach them but its reminders: they get a copy of their own, at once when the delegation
starts the day it is made (``Delegating.delegate``), else from the ``approvals`` job on
its first day (``Deadlines``). Each copy is marked done once per delegation, request and
level, so a second run or a retry sends nothing more; the card's own dedup key keeps a
stand-in who had it already from getting it twice."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime

from domain.approvals.deciders import may_stand_in
from domain.approvals.model import CreditRequest, Delegation, StandIn
from domain.approvals.ports import (
    Happened,
    RequestChange,
    RequestNotices,
    Standing,
    level_questions,
    request_stand_ins,
)
from domain.ports import UnitOfWork


def key(delegation: Delegation, request: CreditRequest) -> str:
    return f"stand-in:{delegation.id}:{request.id}:{request.level}"


def waits_for(request: CreditRequest, delegator: str,
              holders: Mapping[str, Sequence[str]], now: datetime) -> str | None:
    """The role by which ``delegator`` may decide ``request``'s current level now: the
    level's own, or once its deadline passed its ``escalate_to``; ``None`` if neither."""
    return next((role for role in request.deciding_roles(now)
                 if delegator in holders.get(role, ())), None)


def deal(uow: UnitOfWork, notices: RequestNotices, request: CreditRequest,
         delegation: Delegation, holders: Mapping[str, Sequence[str]], today: date,
         now: datetime, standing: Callable[[UnitOfWork, str, str | None], Standing] | None,
         send: bool = True) -> bool | None:
    """Queues the current level's card for ``delegation``'s stand-in when they may
    decide it now for the delegator, inside ``uow``'s transaction. ``None``: not theirs
    to decide; ``False``: theirs, but its card is in its department's channel
    (``post_to``), not sent to anyone; ``True``: their card is queued (unless they had
    it). Marked (``uow.credit_requests.mark``): a mark already there raises
    ``RequestChanged``. ``send=False`` marks and answers but queues nothing (a stand-in who
    has the cards already: the same one handed over anew); nor is anything queued, and
    ``False`` answered, for a stand-in who has the level's card already."""
    if not request.is_open or waits_for(request, delegation.delegator, holders, now) is None:
        return None
    store = uow.credit_requests
    decisions = tuple(store.decisions([request.id]).get(request.id, []))
    subs = request_stand_ins(uow, request, holders, today)
    # As this delegation's stand-in: one who decides in their own right gets the
    # level's cards as a holder.
    mine = StandIn(delegation.delegate, delegation.delegator)
    if not any(mine in subs.get(role, ()) for role in request.deciding_roles(now)) or \
            not may_stand_in(mine, request.requested_by, decisions):
        return None
    store.mark(key(delegation, request), request.id, now)
    if request.current.post_to or not send or \
            notices.has_card(uow.outbox, request, delegation.delegate):
        # The level opened while the delegation ran: its cards went to the stand-in
        # with its holders' (counted as a card sent, it was none).
        return False
    notices.queue(uow.outbox, RequestChange(
        Happened.STOOD_IN, request, decisions,
        standing=standing(uow, request.customer_id, request.order_id) if standing else None,
        stand_ins=subs, stand_in=delegation.delegate,
        asked_before=level_questions(uow.credit_requests, request)))
    return True
