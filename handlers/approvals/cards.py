"""What the approval cards and the notes about a request say, in one reader's language.

A card shows what its deciders need on one screen: the customer, what is asked against
what it has now, its position as ``/credit check`` computes it (exposure, available
credit, overdue by bucket, payment terms), who asks and why, and which level of how
many decides by when. Once its level is decided (or the request closed) the same card
shows the outcome instead of the buttons. Names from the ERP and words people typed
are neutralised (``handlers.render.erp_text``/``person_text``): they never format,
link or ping anyone. Times are Slack date tokens, each reader sees their own zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from domain.approvals.deciding import MAX_COMMENT, MAX_QUESTION
from domain.approvals.filing import MAX_REASON
from domain.approvals.model import (
    KIND_TITLES,
    LIMIT_KINDS,
    CreditRequest,
    Decision,
    Delegation,
    LimitChange,
    Outcome,
    Question,
    RequestKind,
    RequestState,
    Withdrawn,
    waits_until,
)
from domain.approvals.ports import Standing
from domain.exposure import CreditPosition
from domain.lookup import normalize_name
from domain.orders.model import OrderCheck
from domain.text import N_
from handlers.approvals.decide_payloads import (
    ANSWER,
    APPROVE,
    ASK_INFO,
    REJECT,
    LevelValue,
    QuestionValue,
)
from handlers.approvals.request_render import (
    approver,
    asked_in,
    request_order,
    role_name,
    state_word,
)
from handlers.check.blocks import (
    aging_section,
    available_text,
    collecting,
    held_text,
    overdue_text,
)
from handlers.i18n import Translator, known_as
from handlers.orders.blocks import failure_text, release_button
from handlers.render import (
    BLOCKS_PER_MESSAGE,
    Block,
    Message,
    actions,
    blockquote,
    button,
    clip,
    context,
    erp_text,
    fields,
    fits,
    header,
    mention,
    message,
    person_text,
    section,
)
from handlers.sharing.payloads import share_menu

NAME = 200
ID = 64
# A reason, comment, question and answer are shown whole on the cards and in the
# messages: as much as their forms take (an answered question, beside its answer in the
# requester's message, to its gist).
REASON = MAX_REASON
COMMENT = MAX_COMMENT
ANSWER_SHOWN = MAX_QUESTION  # the answer form takes as much as the question's
ANSWERED_QUESTION = 500

UNAVAILABLE = N_("The customer's exposure and aging can't be shown: an amount is in a "
                 "currency without an exchange rate. Check them in the ERP before deciding.")


def kind_title(tr: Translator, request: CreditRequest) -> str:
    return tr._(KIND_TITLES[request.kind])


def subject(tr: Translator, request: CreditRequest) -> str:
    """``#12 · limit increase · Acme Packaging``: which request a note is about."""
    return tr._("#{request} · {kind} · {customer}", request=request.id,
                kind=kind_title(tr, request), customer=erp_text(known_as(tr, request), NAME))


def asked(tr: Translator, request: CreditRequest) -> str:
    """What the request asks for, beside what the customer has now."""
    if request.kind in LIMIT_KINDS and request.new_limit is not None:
        text = tr._("{new} (now {current}, +{increase})", new=request.new_limit,
                    current=request.current_limit or "-", increase=request.increase or "-")
        if request.asked_limit is not None:
            # The ask a level approved less than, and its currency's (below) stay in view.
            text += "\n" + tr._("approved lower: {asked} was asked for",
                                asked=request.asked_limit)
        if request.kind is RequestKind.TEMPORARY_LIMIT and request.expires_on is not None:
            text += "\n" + tr._("through {day}", day=request.expires_on)
        typed = asked_in(request, tr)
        text = text if typed is None else f"{text}\n{typed}"
        if request.measured.currency != request.new_limit.currency:
            # Why two levels and not three: the bands are in the base currency.
            text += "\n" + tr._("measured against the policy's bands as {amount} (at the "
                                "day's rate when filed)", amount=request.measured)
        return text
    if request.kind is RequestKind.ORDER_RELEASE:
        text = tr._("release order {order} of {amount}",
                    order=request_order(request, tr),
                    amount=request.order_amount or "-")
        ordered, measured = request.order_amount, request.measured
        if ordered is not None and ordered.currency != measured.currency:
            # In another currency than the policy's: what the bands measured it at.
            text += " " + tr._("({amount} at the day's rate when filed)", amount=measured)
        return text
    return tr._("{new} days (now {current} days)", new=request.terms_days or 0,
                current=request.current_terms_days or 0)


def _limit_text(tr: Translator, position: CreditPosition, standing: Standing | None) -> str:
    """The limit in force; a temporary one says when it ends (a permanent request asks
    from the permanent limit, below it)."""
    text = tr.money(position.limit)
    temporary = standing.temporary if standing else None
    if temporary is not None and temporary.expires_on is not None \
            and temporary.limit == position.limit:
        text += "\n" + tr._("temporary, through {day}", day=temporary.expires_on)
    return text


def position_blocks(tr: Translator, request: CreditRequest, standing: Standing | None,
                    zone: tzinfo) -> list[Block]:
    blocks = _position_blocks(tr, request, standing) + _held_for(tr, standing)
    if standing is not None and standing.position is not None:
        # An earlier level's card keeps the figures it was decided on, beside a later
        # level's of another day: each says which day's they are.
        blocks.append(context(tr._("Figures as of {day} ({zone})", day=standing.position.as_of,
                                   zone=str(zone))))
    return blocks


def _held_for(tr: Translator, standing: Standing | None) -> list[Block]:
    """Why an order to release was held, rule by rule with its figures as the rep was
    told (the order converted to the limit's currency among them): the approver weighs
    the same reasons."""
    if standing is None or not standing.held_for:
        return []
    return [section("*" + tr._("Held because") + "*\n" + "\n".join(
        "• " + failure_text(failure, tr) for failure in standing.held_for))]


def _position_blocks(tr: Translator, request: CreditRequest, standing: Standing | None
                     ) -> list[Block]:
    position: CreditPosition | None = standing.position if standing else None
    terms = standing.payment_terms_days if standing else None
    terms_text = "-" if terms is None else tr.ngettext("{n} day", "{n} days", terms)
    collections = _collections_field(tr, standing)
    if position is None:
        return [fields((tr._("Requested"), asked(tr, request)),
                       (tr._("Payment terms"), terms_text),
                       (tr._("Contracts"), contracts_text(tr, standing)), *collections),
                context(tr._(UNAVAILABLE))]
    # As the check's card shows them (an approver reads the same figures a rep did).
    return [
        fields((tr._("Requested"), asked(tr, request)),
               (tr._("Credit limit"), _limit_text(tr, position, standing)),
               (tr._("Exposure"), tr.money(position.exposure)),
               (tr._("Available credit"), available_text(position, tr)),
               (tr._("Overdue"), overdue_text(position, tr)),
               (tr._("Payment terms"), terms_text),
               (tr._("Contracts"), contracts_text(tr, standing)), *collections),
        # Where the check's card has them: approving a limit releases those it makes pass.
        *([section(held_text(standing.held_orders, tr))]
          if standing is not None and standing.held_orders else []),
        aging_section(position, tr),
    ]


def _collections_field(tr: Translator, standing: Standing | None) -> list[tuple[str, str]]:
    """Who collects the account and how far it has gone, as the check's card says, and
    the promises the customer broke; nothing for an account nobody collects that broke
    none."""
    if standing is None:
        return []
    lines = []
    if standing.collecting is not None:
        lines.append(collecting(standing.collecting.collector, standing.collecting.status,
                                tr))
    if standing.broken_promises:
        lines.append(tr.ngettext("{n} promise to pay broken", "{n} promises to pay broken",
                                 standing.broken_promises))
    return [(tr._("Collections"), "\n".join(lines))] if lines else []


def contracts_text(tr: Translator, standing: Standing | None) -> str:
    """The contracts in force, each with its end and its own limit when it has one."""
    found = standing.contracts if standing else ()
    if not found:
        return tr._("none in force")
    lines = []
    for contract in found[:5]:
        name = erp_text(contract.contract_id, ID)
        lines.append(tr._("{contract} until {day}, limit {limit}", contract=name,
                          day=contract.end_date, limit=contract.credit_limit)
                     if contract.credit_limit else
                     tr._("{contract} until {day}", contract=name, day=contract.end_date))
    if len(found) > 5:
        lines.append(tr._("and {n} more", n=len(found) - 5))
    return "\n".join(lines)


def quoted(text: str, limit: int = COMMENT) -> str:
    return blockquote(text, limit)


def outcome_text(tr: Translator, decision: Decision, zone: tzinfo, comment: int = COMMENT
                 ) -> str:
    """``comment``: how much of the decider's comment is quoted (QUOTES); 0: none."""
    when = tr.moment(decision.decided_at, zone)
    who = decider(tr, decision)
    if decision.outcome is Outcome.APPROVED:
        text = ":white_check_mark: " + tr._("Approved by {who} on {when}", who=who, when=when)
    else:
        text = ":x: " + tr._("Rejected by {who} on {when}", who=who, when=when)
    if decision.escalated:
        # "Level 2 of 2: finance director ✅ Approved by @cfo" read as the CFO deciding
        # a level that was not theirs.
        text += tr._(", by escalation")
    if decision.limit is not None:
        text += tr._(", for a lower limit of {limit}", limit=decision.limit)
    if decision.comment and comment:
        text += "\n" + quoted(decision.comment, comment)
    return text


# How much of the reason and of each comment a card quotes: whole as far as the forms
# take them, shorter in turn until the card fits a message (a reason and three levels'
# comments of 2,000 characters made a CFO's card Slack refuses).
QUOTES = ((REASON, COMMENT), (1000, 600), (500, 300), (200, 100))


def closed_text(tr: Translator, request: CreditRequest, zone: tzinfo) -> str:
    when = tr.moment(request.closed_at, zone) if request.closed_at else "-"
    if request.withdrawn is Withdrawn.ORDER_CHANGED:
        return ":heavy_minus_sign: " + tr._(
            "Withdrawn by creditbot on {when}: the ERP has changed the order since this "
            "request was filed (a larger amount, another currency or another customer), so "
            "approving it would release an order nobody asked about. The requester can ask "
            "again for the order as it is now.", when=when)
    if request.withdrawn is Withdrawn.RELEASED:
        return ":heavy_minus_sign: " + tr._(
            "Withdrawn by creditbot on {when}: the order passes the rules now and is "
            "released, so no approval is needed any more.", when=when)
    if request.state is RequestState.CANCELLED:
        return ":heavy_minus_sign: " + tr._("Cancelled by {who} on {when}: nothing left to "
                                            "decide.", who=mention(request.closed_by or ""),
                                            when=when)
    if request.state is RequestState.EXPIRED:
        return ":hourglass: " + tr._("Expired on {when}: the temporary limit would have "
                                     "ended on {day}, so nothing is left to decide.",
                                     when=when, day=request.expires_on or "-")
    return tr._("Closed on {when}: nothing left to decide.", when=when)


def renamed(tr: Translator, request: CreditRequest, standing: Standing | None
            ) -> list[Block]:
    """A warning when the ERP names the customer otherwise than when the request was
    filed: an import renamed it, or gave its id to another company, and the figures
    shown are the customer's now."""
    if standing is None or standing.customer_name is None:
        return []
    now = tr.name_of(standing.customer_name, standing.customer_name_local)
    # Another spelling of the same name ("ACME corp." for "Acme Corp") is no rename, as
    # the customers import's own warning judges it.
    if normalize_name(now) == normalize_name(known_as(tr, request)):
        return []
    return [context(":warning: " + tr._(
        "The ERP has named this customer *{now}* since the request was filed: the figures "
        "below are that customer's. Make sure it is the company the request is about "
        "before you decide.", now=erp_text(now, NAME)))]


def card(tr: Translator, request: CreditRequest, decisions: tuple[Decision, ...],
         standing: Standing | None, level: int, zone: tzinfo,
         escalated: bool = False, early: bool = False) -> Message:
    """The card of ``level``: with its buttons while the level waits, with its outcome
    (or why nothing is left to decide) once it does not. ``escalated``: the card of the
    escalation role's holders, whose deadline is already past, or (``early``) who
    decide it from the start since nobody of its own role may."""
    for reason, comment in QUOTES:
        blocks = _card(tr, request, decisions, standing, level, zone, escalated, early,
                       reason, comment)
        if fits(blocks):
            break
    return message(card_fallback(tr, request, level), blocks)


def _card(tr: Translator, request: CreditRequest, decisions: tuple[Decision, ...],
          standing: Standing | None, level: int, zone: tzinfo, escalated: bool,
          early: bool, reason: int, comment: int) -> list[Block]:
    step = request.route[level - 1]
    waiting = request.is_open and request.level == level
    title = tr._("Credit request #{request}: {kind}", request=request.id,
                 kind=kind_title(tr, request))
    blocks: list[Block] = [
        header(title),
        section(f"*{erp_text(known_as(tr, request), NAME)}* · "
                f"{erp_text(request.customer_id, ID)}"),
        *renamed(tr, request, standing),
        *position_blocks(tr, request, standing, zone),
        section(tr._("*Requested by* {who}:", who=mention(request.requested_by)) + "\n"
                + quoted(request.reason, reason)),
        # What the levels before this one decided, and why: a finance director turned
        # down a release for the very doubt the credit manager's comment had settled.
        *(section(tr._("*Level {level}, {role}:* {outcome}", level=d.level,
                       role=role_name(request.route[d.level - 1].role),
                       outcome=outcome_text(tr, d, zone, comment)))
          for d in sorted(decisions, key=lambda d: d.level) if d.level < level),
        context(tr._("Level {level} of {levels}: {role} · yours to decide: no {role} "
                     "is left to decide it · decide by {deadline}", level=level,
                     levels=len(request.route), role=role_name(step.role),
                     deadline=tr.moment(request.deadline(), zone))
                if waiting and early else
                tr._("Level {level} of {levels}: {role} · escalated to you: the deadline "
                     "passed on {deadline}", level=level, levels=len(request.route),
                     role=role_name(step.role), deadline=tr.moment(request.deadline(), zone))
                if waiting and escalated else
                tr._("Level {level} of {levels}: {role} · decide by the end of {day} "
                     "({zone}): the request expires then", level=level,
                     levels=len(request.route), role=role_name(step.role),
                     day=request.expires_on, zone=str(zone))
                if waiting and request.deadline() == request.expires_at(zone) else
                tr._("Level {level} of {levels}: {role} · decide by {deadline}",
                     level=level, levels=len(request.route), role=role_name(step.role),
                     deadline=tr.moment(request.deadline(), zone)) if waiting else
                tr._("Level {level} of {levels}: {role}", level=level,
                     levels=len(request.route), role=role_name(step.role))),
    ]
    decided = next((d for d in decisions if d.level == level), None)
    menu = share_menu(tr._("Share with another department…"), "request", str(request.id))
    if decided is not None:
        blocks.append(section(outcome_text(tr, decided, zone, comment)))
    elif not waiting:
        blocks.append(section(closed_text(tr, request, zone)))
    else:
        value = LevelValue(request=request.id, level=level).encode()
        approve = button(tr._("Approve"), APPROVE, value)
        approve["style"] = "primary"
        reject = button(tr._("Reject"), REJECT, value)
        reject["style"] = "danger"
        blocks.append(actions(f"decide_{request.id}_{level}", approve, reject,
                              button(tr._("Ask for info"), ASK_INFO, value),
                              *([menu] if menu else [])))
        menu = None
    if menu is not None:
        blocks.append(actions(f"share_{request.id}_{level}", menu))
    return blocks


def card_fallback(tr: Translator, request: CreditRequest, level: int) -> str:
    """The card's notification text (a phone's line, the sidebar's, a screen reader's):
    what is asked and where the request stands, as the card is now. "…: level 2 of 2"
    whatever happened read the same waiting, decided or withdrawn."""
    if request.is_open and request.level == level:
        status = tr._("waiting for a decision")
    elif request.is_open:
        status = tr._("approved; level {next} decides next", next=request.level)
    else:
        status = state_word(request, tr)
    return tr._("Credit request {subject}: {asked} · level {level} of {levels}, {status}",
                subject=subject(tr, request), asked=asked(tr, request).split("\n")[0],
                level=level, levels=len(request.route), status=status)


FINAL = "final_outcome"


def with_final(tr: Translator, shown: list[Block], request: CreditRequest,
               decision: Decision | None, zone: tzinfo,
               between: Sequence[Decision] = ()) -> list[Block]:
    """An earlier level's card as it shows now (its figures as that level decided on
    them), with how the request ended under it: the #credit card of a level that
    approved still said "Approved" after a later level rejected. ``between``: what the
    levels after this card's and before the last decided, said above the outcome (level
    1's card went from its own approval to level 3's rejection, level 2's unsaid). The
    outcome's comments quoted shorter in turn until the card fits a message, and left
    out at last (the card as it was posted is kept: its figures are those its level
    decided on; the comments are whole in the requester's message and on the deciding
    level's card)."""
    kept = [b for b in shown if b.get("block_id") != FINAL][:BLOCKS_PER_MESSAGE - 1]
    # Under the level's own outcome, above its Share menu (as the last level's card).
    at = len(kept) - 1 if kept and kept[-1].get("type") == "actions" else len(kept)
    for comment in (*(comment for _, comment in QUOTES), 0):
        lines = [tr._("*Level {level}, {role}:* {outcome}", level=d.level,
                      role=role_name(request.route[d.level - 1].role),
                      outcome=outcome_text(tr, d, zone, comment))
                 for d in sorted(between, key=lambda d: d.level)]
        if decision is not None:
            lines.append(tr._("*Final outcome, at level {level} ({role}):* {outcome}",
                              level=decision.level,
                              role=role_name(request.route[decision.level - 1].role),
                              outcome=outcome_text(tr, decision, zone, comment)))
        else:
            lines.append(tr._("*Final outcome:* {outcome}",
                              outcome=closed_text(tr, request, zone)))
        blocks = [*kept[:at], {**section("\n".join(lines)), "block_id": FINAL}, *kept[at:]]
        if fits(blocks):
            break
    return blocks


def effect(tr: Translator, request: CreditRequest, running: LimitChange | None = None
           ) -> str:
    """What a final approval changed. ``running``: the temporary limit in force when it
    was approved, which a permanent limit below it does not cut short."""
    if request.kind is RequestKind.TEMPORARY_LIMIT and request.new_limit is not None:
        return tr._("The limit is {limit} from now through {day}.", limit=request.new_limit,
                    day=request.expires_on or "-")
    if request.kind in LIMIT_KINDS and request.new_limit is not None:
        new = request.new_limit
        day = waits_until(new, running)
        if running is not None and day is not None:
            return tr._("The new limit of {limit} applies from {day}, once the temporary "
                        "limit of {temporary} ends.", limit=new, day=day,
                        temporary=running.limit)
        return tr._("The new limit of {limit} applies now.", limit=new)
    if request.kind is RequestKind.ORDER_RELEASE:
        return tr._("Order {order} is released.", order=request_order(request, tr))
    return tr._("Payment terms are now {days} days.", days=request.terms_days or 0)


def decider(tr: Translator, decision: Decision) -> str:
    return approver(tr, decision.decided_by, decision.on_behalf_of)


def requester_note(tr: Translator, request: CreditRequest, decision: Decision,
                   zone: tzinfo, escalated_to: str | None = None,
                   running: LimitChange | None = None) -> str:
    """What the requester hears when a level decides; ``escalated_to``: the role the
    next level goes to at once (nobody of its own is left), said in the same note;
    ``running``: as for ``effect``."""
    about = subject(tr, request)
    who = decider(tr, decision)
    if decision.outcome is Outcome.REJECTED:
        text = ":x: " + tr._("Your request {subject} was rejected at level {level} by {who}.",
                             subject=about, level=decision.level, who=who)
        if request.kind is RequestKind.ORDER_RELEASE:
            text = tr.sentences(text, refused(tr, request))
    elif request.state is RequestState.APPROVED:
        text = ":white_check_mark: " + tr._(
            "Your request {subject} is approved: {who} approved its last level. {effect}",
            subject=about, who=who, effect=effect(tr, request, running))
    elif escalated_to is not None:
        # One note, not "now waits for the finance director" and, a moment later, "goes
        # to the CFO at once".
        text = ":arrow_forward: " + tr._(
            "Level {level} of your request {subject} was approved by {who}. Level {next} of "
            "{levels} goes to the {role} at once: no {own} is left to decide it (one person "
            "decides one level, and not their own request).", level=decision.level,
            subject=about, who=who, next=request.level, levels=len(request.route),
            role=role_name(escalated_to), own=role_name(request.current.role))
    else:
        text = ":arrow_forward: " + tr._(
            "Level {level} of your request {subject} was approved by {who}. It now waits "
            "for level {next} of {levels}: {role}.", level=decision.level, subject=about,
            who=who, next=request.level, levels=len(request.route),
            role=role_name(request.current.role))
    if decision.limit is not None:
        text = tr.sentences(text, tr._("{who} approved a lower limit than you asked for: "
                                       "{limit}.", who=who, limit=decision.limit))
    if decision.comment:
        text += "\n" + quoted(decision.comment)
    return text


# Whom a decided request concerns besides its requester: the account's owner, or the rep
# whose held order it releases.
OWNED, PLACED = "owned", "placed"


def owner_note(tr: Translator, request: CreditRequest, whose: str = OWNED,
               running: LimitChange | None = None) -> str:
    # The subject names the customer already.
    if whose == PLACED:
        text = tr._("On an order you placed, request {subject} by {who} is approved. "
                    "{effect}", subject=subject(tr, request), who=mention(request.requested_by),
                    effect=effect(tr, request, running))
    else:
        text = tr._("On an account you own, request {subject} by {who} is approved. {effect}",
                    subject=subject(tr, request), who=mention(request.requested_by),
                    effect=effect(tr, request, running))
    return ":white_check_mark: " + text


def refused(tr: Translator, request: CreditRequest) -> str:
    """What a rejected order release does to the order."""
    return tr._("Order {order} will not ship, and no longer holds the customer's later "
                "orders.", order=request_order(request, tr))


def owner_rejected_note(tr: Translator, request: CreditRequest, decision: Decision,
                        whose: str = OWNED) -> str:
    outcome = (refused(tr, request) if request.kind is RequestKind.ORDER_RELEASE
               else tr._("Nothing changes on the account."))
    if whose == PLACED:
        text = tr._("On an order you placed, request {subject} by {who} was rejected by "
                    "{decider}. {effect}", subject=subject(tr, request),
                    who=mention(request.requested_by), decider=decider(tr, decision),
                    effect=outcome)
    else:
        text = tr._("On an account you own, request {subject} by {who} was rejected by "
                    "{decider}. {effect}", subject=subject(tr, request),
                    who=mention(request.requested_by), decider=decider(tr, decision),
                    effect=outcome)
    text = ":x: " + text
    if decision.comment:
        text += "\n" + quoted(decision.comment)
    return text


def expired_note(tr: Translator, request: CreditRequest) -> str:
    return ":hourglass: " + tr._(
        "Your request {subject} expired: the temporary limit would have ended on {day}, "
        "so nothing was decided.", subject=subject(tr, request),
        day=request.expires_on or "-")


def order_changed_note(tr: Translator, request: CreditRequest, order: OrderCheck
                       ) -> tuple[str, list[Block]]:
    """To the requester of an order release the ERP's changes to the order withdrew:
    the order as it is now, and the button to ask for its release again."""
    if order.customer_id != request.customer_id:
        now = tr._("the ERP now has it for {customer} ({id}), at {amount} dated {date}",
                   customer=erp_text(known_as(tr, order), NAME),
                   id=erp_text(order.customer_id, 64), amount=tr.money(order.amount),
                   date=order.order_date)
    else:
        now = tr._("the ERP now has it at {amount} dated {date}",
                   amount=tr.money(order.amount), date=order.order_date)
    head = ":heavy_minus_sign: " + tr._(
        "Your request {subject} to release order {order} of {asked} is withdrawn: {now}. "
        "The order is still held; ask again if it should ship as it is now.",
        subject=subject(tr, request), order=request_order(request, tr),
        asked=tr.money(request.order_amount) if request.order_amount else "-", now=now)
    return clip(head, 3000), [section(head), release_button(order, tr)]


def reminder(tr: Translator, request: CreditRequest, zone: tzinfo,
             channel: str | None = None) -> str:
    """``channel``: where the level's card is, when it is in a department's channel (a
    decider reminded by direct message looked for it there in vain)."""
    params = {"subject": subject(tr, request), "who": mention(request.requested_by),
              "level": request.level, "levels": len(request.route),
              "deadline": tr.moment(request.deadline(), zone)}
    if channel is not None:
        return ":alarm_clock: " + tr._(
            "Reminder: request {subject} by {who} waits for your decision at level {level} "
            "of {levels}, by {deadline}. Use the buttons on its card in {channel}.",
            **params, channel=f"<#{channel}>")
    return ":alarm_clock: " + tr._(
        "Reminder: request {subject} by {who} waits for your decision at level {level} "
        "of {levels}, by {deadline}. Use the buttons on its card.", **params)


def escalated_note(tr: Translator, request: CreditRequest, escalate_to: str) -> str:
    return ":arrow_double_up: " + tr._(
        "Level {level} of your request {subject} passed its deadline, so the {role} may "
        "decide it now too.", level=request.level, subject=subject(tr, request),
        role=role_name(escalate_to))


def escalated_at_once_note(tr: Translator, request: CreditRequest, escalate_to: str) -> str:
    return ":arrow_double_up: " + tr._(
        "Level {level} of your request {subject} goes to the {role} at once: no {own} is "
        "left to decide it (one person decides one level, and not their own request).",
        level=request.level, subject=subject(tr, request), role=role_name(escalate_to),
        own=role_name(request.current.role))


def stand_in_note(tr: Translator, delegation: Delegation, roles: Sequence[str],
                  waiting: int | None) -> str:
    """What a stand-in hears when someone hands them their approvals: for whom, with
    which roles, when; and what waits for them now (the cards queued with it)."""
    text = ":busts_in_silhouette: " + tr._(
        "{who} hands you their credit approvals ({roles}) from {start} through {until}: "
        "you may decide the requests that wait for them then.",
        who=mention(delegation.delegator),
        roles=tr.listing(role_name(role) for role in roles), start=delegation.starts_on,
        until=delegation.until)
    if waiting is None:
        return tr.sentences(text, tr._("From {start}, `/credit requests` lists those "
                                       "waiting for them, with their buttons.",
                                       start=delegation.starts_on))
    if waiting:
        # Not "its card is above": a level posted to a department's channel has its
        # one card there.
        return tr.sentences(text, tr.ngettext(
            "{n} request waits for them now: `/credit requests` lists it with its buttons.",
            "{n} requests wait for them now: `/credit requests` lists them with their "
            "buttons.", waiting))
    return tr.sentences(text, tr._("None that you may decide waits for them now."))


def stand_in_ended_note(tr: Translator, delegation: Delegation) -> str:
    return ":busts_in_silhouette: " + tr._(
        "{who}'s delegation to you has ended today: the requests waiting for them no "
        "longer come to you.", who=mention(delegation.delegator))


def question(tr: Translator, request: CreditRequest, asked_by: str, text: str,
             in_channel: bool) -> str:
    """The question under a card: addressed to the requester in a channel, where they may
    read it; under a card in a decider's direct messages, which the requester never sees,
    a record of what was asked ("@amy, @ben asks…" read as spoken to someone absent)."""
    if in_channel:
        said = tr._("{requester}, {who} asks about request {subject}:",
                    requester=mention(request.requested_by), who=mention(asked_by),
                    subject=subject(tr, request))
    else:
        said = tr._("{who} asked {requester} about request {subject}:",
                    requester=mention(request.requested_by), who=mention(asked_by),
                    subject=subject(tr, request))
    return ":question: " + said + "\n" + quoted(text)


def question_note(tr: Translator, request: CreditRequest, asked: Question, zone: tzinfo,
                  channels: Sequence[str] = ()) -> str:
    """The question as the requester reads it by direct message: where its thread is
    when the card is in channels (the card in its deciders' direct messages has threads
    the requester cannot see), and how to answer; answered, the answer; unanswered when
    the request closed, that no answer is wanted any more."""
    who = mention(asked.asked_by)
    if not channels:
        head = tr._("{who} asks about your request {subject}:", who=who,
                    subject=subject(tr, request))
    else:
        head = tr._("{who} asks about your request {subject} in the thread of its card in "
                    "{channels}:", who=who, subject=subject(tr, request),
                    channels=tr.listing(f"<#{c}>" for c in channels))
    if asked.answer is not None and asked.answered_at is not None:
        return ":question: " + head + "\n" + quoted(asked.text, ANSWERED_QUESTION) + "\n" \
            + ":white_check_mark: " + tr._("You answered on {when}:", when=tr.moment(
                asked.answered_at, zone)) + "\n" + quoted(asked.answer, ANSWER_SHOWN)
    if not request.is_open:
        return ":question: " + head + "\n" + quoted(asked.text, ANSWERED_QUESTION) + "\n" \
            + ":heavy_minus_sign: " + tr._("Request #{request} is closed: nothing waits for "
                                           "your answer any more.", request=request.id)
    if channels:
        tail = tr._("Answer with the button below: {who} gets your answer by direct "
                    "message, and it is posted in that thread.", who=who)
    else:
        tail = tr._("Answer with the button below: {who} gets your answer by direct "
                    "message, and it is kept with the request.", who=who)
    return ":question: " + head + "\n" + quoted(asked.text) + "\n" + tail


def answer_button(tr: Translator, asked: Question) -> Block:
    """The requester's Answer button for ``asked`` (its message, and their list)."""
    return actions(f"answer_{asked.id}", button(tr._("Answer"), ANSWER, QuestionValue(
        question=asked.id).encode()))


def answer_posted(tr: Translator, request: CreditRequest, asked: Question) -> str:
    """The answer in the thread of the card the question was posted under."""
    return ":speech_balloon: " + tr._("{requester} answers {who}:",
                                      requester=mention(request.requested_by),
                                      who=mention(asked.asked_by)) \
        + "\n" + quoted(asked.answer or "", ANSWER_SHOWN)


def answer_note(tr: Translator, request: CreditRequest, asked: Question) -> str:
    """The answer as the decider who asked reads it by direct message."""
    return ":speech_balloon: " + tr._(
        "{requester} answered your question about request {subject} (“{question}”):",
        requester=mention(request.requested_by), subject=subject(tr, request),
        question=person_text(" ".join(asked.text.split()), 150)) \
        + "\n" + quoted(asked.answer or "", ANSWER_SHOWN)
