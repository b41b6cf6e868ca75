"""How a credit request reads in Slack, wherever it is listed: its kind, state, figures
(from → to), who decides its current level and by when; and the confirmation a person
gets when they file one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from domain.approvals.deciders import left_to_escalation
from domain.approvals.model import (
    KIND_TITLES,
    CreditRequest,
    Decision,
    Level,
    RequestKind,
    RequestState,
)
from domain.approvals.roles import Role
from domain.approvals.use_cases import CreditRequests
from domain.people import is_user_id
from handlers.i18n import N_, Translator, known_as
from handlers.order_label import order_label
from handlers.render import (
    Block,
    Message,
    context,
    erp_text,
    mention,
    message,
    section,
    user_text,
)

# Room kept for what follows a list (its "… and more" note, a heading).
LIST_RESERVE = 1_500


STATES = {
    RequestState.OPEN: N_("waiting for a decision"),
    RequestState.APPROVED: N_("approved"),
    RequestState.REJECTED: N_("rejected"),
    RequestState.CANCELLED: N_("cancelled"),
    RequestState.EXPIRED: N_("expired"),
}


def state_word(request: CreditRequest, tr: Translator, now: datetime | None = None,
               zone: tzinfo | None = None) -> str:
    """Where a request stands, in one word: one creditbot closed on its own is
    "withdrawn", as its cards and notes say, never the "cancelled" of a person's Cancel.
    With ``now`` and ``zone``: a temporary limit past its last day is "expired" though
    the approvals job has yet to close it (its buttons refuse it already)."""
    if request.withdrawn is not None:
        return tr._("withdrawn")
    if now is not None and zone is not None and request.past_last_day(now, zone):
        return tr._(STATES[RequestState.EXPIRED])
    return tr._(STATES[request.state])


def kind_title(kind: RequestKind, tr: Translator) -> str:
    return tr._(KIND_TITLES[kind])


def role_name(role: str) -> Role:
    """A role as a message's value: the translator shows it by its name."""
    return Role(role)


def actor(who: str, tr: Translator) -> str:
    """A person as a mention; creditbot itself (an expiry, an escalation: the audit's
    ``SYSTEM``) by its name, which no mention can show."""
    return f"<@{who}>" if is_user_id(who) else tr._("creditbot")


def approver(tr: Translator, who: str, on_behalf_of: str | None) -> str:
    """Who decided, and for whom when a stand-in did (the requester may not know the
    stand-in): one value, so that each language puts the two together ("由 @b（代 @a
    审批）")."""
    if on_behalf_of:
        return tr._("{who} (standing in for {other})", who=mention(who),
                    other=mention(on_behalf_of))
    return mention(who)


def customer_label(request: CreditRequest, tr: Translator) -> str:
    """The request's customer and its id, in the reader's brackets."""
    return tr._("{name} ({id})", name=erp_text(known_as(tr, request), 200),
                id=erp_text(request.customer_id, 64))


def asked_in(request: CreditRequest, tr: Translator) -> str | None:
    """``asked as +€100,000.00, converted at 1.0862 USD per EUR``: a limit typed in
    another currency than the limit's, beside the conversion the approvers decide on."""
    typed = request.asked_in
    limit = request.new_limit
    if typed is None or limit is None:
        return None
    amount = ("+" if typed.increase else "") + tr.money(typed.amount)
    # Six significant digits: 1.0862 USD per EUR, 0.00672 USD per JPY.
    rate = Decimal(format(typed.rate, ".6g")).normalize()
    exponent = rate.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return tr._("asked as {amount}, converted at {rate} {limit_currency} per {currency}",
                amount=amount, rate=tr.number(rate, places),
                limit_currency=limit.currency, currency=typed.amount.currency)


def request_order(request: CreditRequest, tr: Translator) -> str:
    """The order an order-release request is about, named as on the rep's answer."""
    return order_label(request.order_id or "", request.order_reference, tr)


def figures(request: CreditRequest, tr: Translator) -> str:
    """What the request changes, from → to."""
    if request.kind is RequestKind.ORDER_RELEASE:
        amount = tr.money(request.order_amount) if request.order_amount else ""
        return tr._("order {order} of {amount}", order=request_order(request, tr),
                    amount=amount)
    if request.kind is RequestKind.TERMS_CHANGE:
        return tr._("{before} → {after} days", before=request.current_terms_days or 0,
                    after=request.terms_days or 0)
    before = tr.money(request.current_limit) if request.current_limit else "—"
    after = tr.money(request.new_limit) if request.new_limit else "—"
    text = f"{before} → {after}"
    if request.expires_on is not None:
        text += " " + tr._("through {day}", day=request.expires_on)
    typed = asked_in(request, tr)
    if request.asked_limit is not None:
        # The conversion typed is the ask's, not the lower limit's beside it.
        if typed is None:
            return tr._("{figures} ({asked} was asked for)", figures=text,
                        asked=request.asked_limit)
        return tr._("{figures} ({asked} was asked for, {typed})", figures=text,
                    asked=request.asked_limit, typed=typed)
    # Chinese puts it in full-width brackets.
    return text if typed is None else tr._("{figures} ({asked})", figures=text, asked=typed)


def deciders(request: CreditRequest, requests: CreditRequests, tr: Translator,
             role: str | None = None) -> str:
    """A role of the current level (its own unless given) and its holders: "credit
    manager (@mei)"."""
    role = role or request.current.role
    holders = requests.roster.holders().get(role, ())
    who = tr.listing(f"<@{user}>" for user in holders) or tr._("nobody holds it yet")
    # Chinese puts it in full-width brackets.
    return tr._("{name} ({id})", name=role_name(role).shown_by(tr), id=who)


def stage(request: CreditRequest, requests: CreditRequests, tr: Translator,
          zone: Any, decisions: Sequence[Decision] = ()) -> str:
    """Where an open request waits: level i of n, who decides, by when (or since when
    it is overdue, and to whom it escalated). ``decisions``: its levels decided so far."""
    deadline = request.deadline()
    params = {"level": request.level, "levels": len(request.route),
              "who": deciders(request, requests, tr), "deadline": tr.moment(deadline, zone)}
    escalate_to = request.current.escalate_to
    at_once = escalate_to is not None and left_to_escalation(
        request.current, requests.roster.holders(), request.requested_by, decisions)
    if at_once:
        # Its own role's holders filed it or decided a level: the escalation decides.
        params["who"] = deciders(request, requests, tr, escalate_to)
    expires = request.expires_at(requests.zone)
    if request.past_last_day(requests.clock(), requests.zone):
        # Past its last day, whenever its level was due: "overdue since" with a Cancel
        # button, while /credit history said expired (the job closes it later).
        return tr._("level {level} of {levels}: expired at the end of {day}, undecided: "
                    "nothing is left to decide", **params, day=request.expires_on)
    if deadline == expires:
        # A temporary limit's level due when it expires: "by Dec 9, 12:00 AM" read as the
        # 9th.
        # The organisation's day, named: a Chicago approver deciding at 23:30 of a New
        # York day found it expired.
        return tr._("level {level} of {levels}: {who} decides by the end of {day} "
                    "({zone}), when the request expires", **params, day=request.expires_on,
                    zone=str(requests.zone))
    if requests.clock() < deadline:
        return tr._("level {level} of {levels}: {who} decides by {deadline}", **params)
    if escalate_to and not at_once:
        return tr._("level {level} of {levels}: {who}, overdue since {deadline}, so "
                    "{escalated} may decide it too", **params,
                    escalated=deciders(request, requests, tr, escalate_to))
    return tr._("level {level} of {levels}: {who}, overdue since {deadline}", **params)


def filed(request: CreditRequest, requests: CreditRequests, tr: Translator,
          listing: str = "/credit requests") -> Message:
    """The answer to filing, from the command line or the modal; ``listing``: the
    command that lists requests, as the person would type it (`/credit 我的申请`)."""
    title = tr._("Request #{request} filed: {kind} for {customer}", request=request.id,
                 kind=kind_title(request.kind, tr), customer=customer_label(request, tr))
    blocks: list[Block] = [
        section(f":inbox_tray: *{title}*\n{figures(request, tr)}"),
        section(tr.sentences(*filter(None, (tr._("Now waiting for {stage}.", stage=stage(
            request, requests, tr, requests.zone)), _then(request, requests, tr))))),
        *_may_expire_first(request, requests, tr),
        # One element: a context block sets its elements side by side, and the hint
        # read as the reason's last words.
        context(tr._("Reason: {reason}", reason=user_text(request.reason, 2000)) + "\n"
                + tr._("`{command}` shows where it stands; you can cancel it there while it "
                       "is open.", command=listing)),
    ]
    return message(title, blocks)


def _then(request: CreditRequest, requests: CreditRequests, tr: Translator) -> str | None:
    """The levels after the current one, and when the last decides at the latest: "level
    1 of 3" alone left the rep to guess who else decides, and how long it may take."""
    later = request.route[request.level:]
    if not later:
        return None
    holders = requests.roster.holders()

    def named(number: int, level: Level) -> str:
        if level.escalate_to and left_to_escalation(level, holders, request.requested_by, ()):
            # The finance director's own request: its level 2 is the CFO's from the
            # start, not "finance director".
            return tr._("level {level} ({role}, as no {own} but you may decide it)",
                        level=number, role=role_name(level.escalate_to),
                        own=role_name(level.role))
        return tr._("level {level} ({role})", level=number, role=role_name(level.role))

    levels = tr.listing([named(number, level)
                         for number, level in enumerate(later, request.level + 1)])
    return tr._("Then {levels}; if each takes its full time, the last decides by {latest}.",
                levels=levels, latest=tr.moment(requests.latest_decision(request),
                                                requests.zone))


def _may_expire_first(request: CreditRequest, requests: CreditRequests, tr: Translator
                      ) -> list[Block]:
    """A temporary limit whose last day comes before its levels may all have decided:
    undecided then, the request expires, and the rep should know it when filing."""
    last_day = request.expires_on
    if request.kind is not RequestKind.TEMPORARY_LIMIT or last_day is None:
        return []
    if request.level >= len(request.route):
        # One level left: its stage already says it decides by the end of the last day,
        # and "it decides by" the day after contradicted it.
        return []
    latest = requests.latest_decision(request)
    if latest.astimezone(requests.zone).date() <= last_day:
        return []
    return [section(":warning: " + tr._(
        "Its last day, {day}, may come first: if each of the {n} levels left takes its "
        "full time, the last decides by {deadline}. Undecided by the end of {day}, the request "
        "expires; ask the approvers to decide sooner, or ask for a later day.",
        n=len(request.route) - request.level + 1, day=last_day,
        deadline=tr.moment(latest, requests.zone)))]


def age(since: datetime, now: datetime, tr: Translator) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    hours = seconds // 3600
    if seconds < 60:
        return tr._("just now")
    if hours == 0:
        # "0 hours ago" reads like a fault; minutes say how fresh it is.
        return tr.ngettext("{n} minute ago", "{n} minutes ago", seconds // 60)
    if hours < 48:
        return tr.ngettext("{n} hour ago", "{n} hours ago", hours)
    return tr.ngettext("{n} day ago", "{n} days ago", hours // 24)
