"""The approval card's buttons and their modals: parse, call one use case, answer.

A click first asks ``check_decider`` (from creditbot's own records: the button carries
only the request id and level): a refusal reaches the clicker alone, ephemerally, and
changes nothing; otherwise the modal opens. The submission calls ``decide`` (or
``ask_info``), which checks everything again inside its transaction: a level decided
meanwhile replaces the modal with who decided it, never a 500. What everyone sees of a
decision is the card edited in place, queued by the use case.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from slack_bolt import BoltContext

from domain.approvals.deciding import ASKING, MAX_COMMENT, MAX_QUESTION, LowerLimitRefused
from domain.approvals.model import LIMIT_KINDS, CreditRequest, Outcome
from domain.approvals.ports import Standing
from domain.approvals.rules import CommentRequired, NotDecidable, NotYourLevel, OwnRequest
from domain.errors import DomainError
from domain.money import Money
from handlers.approvals.cards import asked, subject
from handlers.approvals.decide_payloads import (
    APPROVE,
    APPROVE_VIEW,
    ASK_INFO,
    ASK_INFO_VIEW,
    COMMENT_BLOCK,
    LOWER_BLOCK,
    QUESTION_BLOCK,
    REJECT,
    REJECT_VIEW,
    LevelValue,
)
from handlers.deps import Deps
from handlers.errors import explain, field_error
from handlers.i18n import N_, Translator
from handlers.modals import modal, open_modal, submitted, text_input
from handlers.registry import Action, Submitted, View
from handlers.render import Block, mention, section

# Asking the requester is for the level's deciders, with the same refusals as deciding;
# these two are worded for what the person pressed (asking is not deciding).
_NOT_YOURS_TO_ASK = N_("Only those who decide level {level} ask the requester for more: "
                       "the {role}: {holders}, or someone they delegated their approvals "
                       "to.")
_OWN_TO_ASK = N_("This is your own request: its approvers ask you for more, in the card's "
                 "thread and by direct message.")


def refusal(error: NotDecidable, tr: Translator, asking: bool = False) -> str:
    """Why the clicker can't decide (or, ``asking``, ask about) the level, in their
    language. The deciders named in ``NotYourLevel`` stay mentions (``explain`` escapes
    every text it fills in)."""
    if asking and isinstance(error, OwnRequest):
        return tr._(_OWN_TO_ASK)
    if isinstance(error, NotYourLevel):
        holders = tr.listing(mention(u) for u in error.holders) or tr._("nobody yet")
        # A stand-in outside their delegation's days hears that, asking as deciding.
        return tr._(_NOT_YOURS_TO_ASK if asking and error.stood_in is None else error.template,
                    **{**error.params, "holders": holders})
    return explain(error, tr)


def _shown(error: NotDecidable, tr: Translator, asking: bool = False) -> DomainError:
    """The refusal as ``refusal`` words it, for the registry to show in the modal."""
    if isinstance(error, NotYourLevel) or (asking and isinstance(error, OwnRequest)):
        return DomainError(refusal(error, tr, asking))
    return error


def _summary(tr: Translator, request: CreditRequest, level: int,
             standing: Standing | None = None) -> Block:
    text = tr._("*{subject}*\n{asked}\nLevel {level} of {levels}",
                subject=subject(tr, request), asked=asked(tr, request),
                level=level, levels=len(request.route))
    position = standing.position if standing is not None else None
    if position is not None:
        # The card shows the figures as they were when it was posted: an order released
        # since raised the exposure by 10,000 and the approver decided on the old one.
        text += "\n" + tr._("Now: exposure {exposure}, available credit {available}",
                            exposure=tr.money(position.exposure),
                            available=tr.money(position.available))
    return section(text)


def _open(body: dict[str, Any], context: BoltContext, build: Any, act: str) -> None:
    pressed: LevelValue = context["payload"]
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    try:
        decidable = deps.requests.check_decider(context["member"], pressed.request,
                                                pressed.level, act)
    except NotDecidable as refused:
        context["reply"](":no_entry: " + refusal(refused, tr, asking=act == ASKING))
        return
    open_modal(context, str(body.get("trigger_id", "")),
               build(tr, decidable.record.request, pressed, decidable.standing))


def _approve_view(tr: Translator, request: CreditRequest, pressed: LevelValue,
                  standing: Standing | None) -> dict[str, Any]:
    blocks = [_summary(tr, request, pressed.level, standing)]
    if request.kind in LIMIT_KINDS and request.new_limit is not None:
        # "Yes, but to 150,000" is a decision approvers make every day: without it they
        # rejected, and the rep filed again.
        now = standing.position.limit if standing is not None and \
            standing.position is not None else None
        example = _lower_example(request, tr, now)
        params = {"asked": tr.money(request.new_limit), "currency": request.new_limit.currency}
        blocks.append(text_input(
            LOWER_BLOCK, tr._("Approve a lower limit"), optional=True, max_length=40,
            hint=tr._("The new limit to approve instead of {asked}, in {currency}, e.g. "
                      "{example}. Empty: as asked.", example=example, **params)
            if example else tr._("The new limit to approve instead of {asked}, in "
                                 "{currency}. Empty: as asked.", **params)))
    blocks.append(text_input(COMMENT_BLOCK, tr._("Comment"), multiline=True, optional=True,
                             max_length=MAX_COMMENT, hint=tr._("The requester reads it.")))
    return modal(APPROVE_VIEW, pressed, title=tr._("Approve"), submit=tr._("Approve"),
                 close=tr._("Cancel"), blocks=blocks)


def _lower_example(request: CreditRequest, tr: Translator, now: Money | None = None
                   ) -> str | None:
    """A round limit between the one in force (``now``, else the one at filing) and the
    one asked for, as the reader types it (150k, 45m; 15万 in Chinese); None when no whole
    one lies between them."""
    assert request.new_limit is not None
    current = now or request.current_limit
    low = current.amount if current is not None and \
        current.currency == request.new_limit.currency else Decimal(0)
    middle = (low + request.new_limit.amount) / 2
    for step in (Decimal(1_000_000), Decimal(10_000), Decimal(1000), Decimal(1)):
        rounded = (middle / step).to_integral_value(ROUND_DOWN) * step
        if low < rounded < request.new_limit.amount:
            break
    else:
        return None
    if tr.locale.language == "zh" and rounded % 10_000 == 0 and rounded >= 10_000:
        return f"{rounded / 10_000:f}万"
    # ¥45,000,000 as 45m, not 45000k.
    if rounded % 1_000_000 == 0 and rounded >= 1_000_000:
        return f"{rounded / 1_000_000:f}m"
    if rounded % 1000 == 0 and rounded >= 1000:
        return f"{rounded / 1000:f}k"
    return f"{rounded:f}"


def _reject_view(tr: Translator, request: CreditRequest, pressed: LevelValue,
                 standing: Standing | None) -> dict[str, Any]:
    return modal(REJECT_VIEW, pressed, title=tr._("Reject"), submit=tr._("Reject"),
                 close=tr._("Cancel"), blocks=[
                     _summary(tr, request, pressed.level, standing),
                     text_input(COMMENT_BLOCK, tr._("Why do you reject it?"),
                                multiline=True, max_length=MAX_COMMENT,
                                hint=tr._("Required: the requester reads it."))])


def _ask_view(tr: Translator, request: CreditRequest, pressed: LevelValue,
              standing: Standing | None) -> dict[str, Any]:
    return modal(ASK_INFO_VIEW, pressed, title=tr._("Ask for info"), submit=tr._("Send"),
                 close=tr._("Cancel"), blocks=[
                     _summary(tr, request, pressed.level, standing),
                     text_input(QUESTION_BLOCK, tr._("Your question to the requester"),
                                multiline=True, max_length=MAX_QUESTION,
                                hint=tr._("The requester gets it by direct message, "
                                          "and it is posted in this card's thread."))])


def on_approve(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, _approve_view, Outcome.APPROVED.value)


def on_reject(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, _reject_view, Outcome.REJECTED.value)


def on_ask_info(body: dict[str, Any], context: BoltContext) -> None:
    _open(body, context, _ask_view, ASKING)


def _decide(view: dict[str, Any], context: BoltContext, outcome: Outcome) -> Submitted:
    chosen: LevelValue = context["metadata"]
    deps: Deps = context["deps"]
    values = submitted(view)
    comment = values.get(COMMENT_BLOCK)
    try:
        deps.requests.decide(context["member"], chosen.request, chosen.level, outcome,
                             comment, lower_to=values.get(LOWER_BLOCK))
    except LowerLimitRefused as wrong:
        return {LOWER_BLOCK: field_error(wrong, context["tr"])}
    except CommentRequired as missing:
        return {COMMENT_BLOCK: field_error(missing, context["tr"])}
    except NotDecidable as refused:
        # The modal is replaced by why (who decided it meanwhile…).
        raise _shown(refused, context["tr"]) from refused
    except DomainError as wrong:  # the comment is too long: fix it in place
        return {COMMENT_BLOCK: field_error(wrong, context["tr"])}
    return None


def on_approve_submit(view: dict[str, Any], context: BoltContext) -> Submitted:
    return _decide(view, context, Outcome.APPROVED)


def on_reject_submit(view: dict[str, Any], context: BoltContext) -> Submitted:
    return _decide(view, context, Outcome.REJECTED)


def on_ask_submit(view: dict[str, Any], context: BoltContext) -> Submitted:
    chosen: LevelValue = context["metadata"]
    deps: Deps = context["deps"]
    question = submitted(view).get(QUESTION_BLOCK) or ""
    try:
        deps.requests.ask_info(context["member"], chosen.request, chosen.level, question)
    except NotDecidable as refused:
        raise _shown(refused, context["tr"], asking=True) from refused
    except DomainError as wrong:
        return {QUESTION_BLOCK: field_error(wrong, context["tr"])}
    return None


ACTIONS = (
    Action(APPROVE, on_approve, LevelValue),
    Action(REJECT, on_reject, LevelValue),
    Action(ASK_INFO, on_ask_info, LevelValue),
)
VIEWS = (
    View(APPROVE_VIEW, LevelValue, on_approve_submit),
    View(REJECT_VIEW, LevelValue, on_reject_submit),
    View(ASK_INFO_VIEW, LevelValue, on_ask_submit),
)
