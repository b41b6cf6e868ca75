"""``/credit history <customer>``: the customer's credit requests with their decisions,
its orders that were held and what became of them, what collections recorded about it,
and the limits approved for it, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_bolt import BoltContext

from domain.approvals.model import (
    ChangeKind,
    CreditRequest,
    Decision,
    LimitChange,
    Outcome,
    Question,
    RequestRecord,
    RequestState,
    Withdrawn,
    applies_from,
    limit_before,
)
from domain.approvals.use_cases import CreditRequests
from domain.errors import CustomerLookupError
from domain.orders.model import WITHDRAWN_AFTER, WITHDRAWN_HELD, OrderCheck, OrderState
from domain.orders.typed import unquoted
from handlers.approvals.cards import quoted
from handlers.approvals.request_render import (
    LIST_RESERVE,
    actor,
    approver,
    figures,
    kind_title,
    role_name,
    state_word,
)
from handlers.check.blocks import which_customer as pick_customer
from handlers.check.payloads import SubjectValue
from handlers.collections.history_lines import collections_section
from handlers.customer_hint import guessed, which_customer
from handlers.deps import Deps
from handlers.i18n import N_, Translator
from handlers.order_label import order_label
from handlers.render import (
    MESSAGE_BUDGET,
    SECTION_TEXT,
    Block,
    Message,
    context,
    erp_text,
    fitting,
    header,
    message,
    section,
    size,
)

PICK = "credit_history_pick"
# Requests shown (each a section with its decisions), and limit changes: a message stays
# within Slack's 50 blocks and its size limit.
REQUESTS_SHOWN = 12
CHANGES_SHOWN = 15
# A request's reason, each decision's comment, and each question and its answer quoted
# at most so long here (whole in the messages): one section of 3,000
# characters holds a request's whole story, every level's decision included.
REASON = 1000
COMMENT = 300
QUESTION = 500
# A decision's comment when even that leaves no room for every decision.
BRIEF = 80
# Room a request's section keeps for its closing line ("cancelled by … on …: why") and
# for the count of questions left out.
CLOSING_ROOM = 200
COUNT_ROOM = 150
# Why creditbot withdrew a request, after "withdrawn by creditbot on …".
_WITHDRAWN = {
    Withdrawn.RELEASED: N_("the order passed the rules and was released"),
    Withdrawn.ORDER_CHANGED: N_("the ERP changed the order"),
}


def history(context_: BoltContext, rest: str) -> Message:
    tr: Translator = context_["tr"]
    try:
        return _history(context_, unquoted(rest))
    except CustomerLookupError as unclear:
        if unclear.candidates:  # the customers it could be, as buttons (the check's)
            return pick_customer(unclear, tr, pick=PICK)
        raise which_customer(unclear, context_["catalogue"].typed_name(context_, "history")
                             ) from None


def on_pick(body: dict[str, Any], context: BoltContext) -> None:
    """A candidate button: the history of the customer picked, in place of the question."""
    picked: SubjectValue = context["payload"]
    context["reply"](*_history(context, picked.id), replace_original=True)


def _history(context_: BoltContext, rest: str) -> Message:
    deps: Deps = context_["deps"]
    tr: Translator = context_["tr"]
    found = deps.requests.history(context_["member"], rest, limit=REQUESTS_SHOWN + 1)
    name = tr.name_of(found.customer.name, found.customer.name_local)
    title = tr._("History of {customer}", customer=tr._(
        "{name} ({id})", name=name, id=found.customer.customer_id))
    blocks: list[Block] = [header(title)]
    note = guessed(rest, found.customer, tr)
    if note is not None:
        blocks.append(note)
    if not (found.requests or found.limit_changes or found.held_orders or found.collections):
        # &lt; &gt;: Slack reads a bare <reason> as a link, in a code span too.
        blocks.append(section(tr._("No credit request was filed for this customer yet. "
                                   "File one with `{command} {customer} +100k "
                                   "&lt;reason&gt;`.", customer=erp_text(
                                       found.customer.customer_id, 64),
                                   command=context_["catalogue"].as_typed(context_,
                                                                          "request"))))
        return message(erp_text(title, 300), blocks)
    blocks.append(section("*" + tr._("Credit requests") + "*" if found.requests else
                          "*" + tr._("Credit requests") + "*\n" + tr._("None yet.")))
    changes = sorted(found.limit_changes, key=lambda c: (c.effective_at, c.id), reverse=True)
    # Who a stand-in approved a limit for, as the request's own line says it.
    stood_in = {(r.request.id, d.decided_by): d.on_behalf_of for r in found.requests
                for d in r.decisions if d.on_behalf_of and d.outcome is Outcome.APPROVED}
    lines = [_change(c, changes, deps.requests, tr, stood_in.get((c.request_id, c.approved_by)))
             for c in changes[:CHANGES_SHOWN]]
    tail: list[Block] = []
    if found.held_orders:
        title = "*" + tr._("Held orders") + "*"
        held = [_held(check, deps.requests, tr) for check in found.held_orders[:REQUESTS_SHOWN]]
        # Whole lines, as many as one section holds (long references and two dates a
        # line could pass Slack's 3,000 characters, and a cut line loses its date).
        shown = fitting(held, SECTION_TEXT - len(title))
        tail.append(section("\n".join([title, *held[:shown]])))
        if len(found.held_orders) > shown:
            tail.append(context(tr._("Only the {n} latest held orders are shown.",
                                     n=shown)))
    if found.collections:
        text, left = collections_section(found.collections, tr, deps.requests.zone,
                                         REQUESTS_SHOWN)
        tail.append(section(text))
        if left:
            tail.append(context(tr.ngettext("… and {n} earlier collection record.",
                                            "… and {n} earlier collection records.", left)))
    tail.append(section("*" + tr._("Approved limit changes") + "*\n" + (
        "\n".join(lines) if lines else tr._("None yet."))))
    if len(changes) > CHANGES_SHOWN:
        tail.append(context(tr._("… and {n} earlier changes.", n=len(changes) - CHANGES_SHOWN)))
    # Requests fill the room the limit changes leave (long reasons and comments weigh).
    budget = MESSAGE_BUDGET - size(tail) - LIST_RESERVE // 3
    shown = 0
    for record in found.requests[:REQUESTS_SHOWN]:
        block = section(_request(record, deps.requests, tr))
        if size([*blocks, block]) > budget:
            break
        blocks.append(block)
        shown += 1
    if len(found.requests) > shown:
        blocks.append(context(tr._("Only the {n} latest requests are shown.", n=shown)))
    blocks.extend(tail)
    return message(erp_text(title, 300), blocks)


def _when(requests: CreditRequests, tr: Translator, moment: datetime) -> str:
    return tr.moment(moment, requests.zone)


def _request(record: RequestRecord, requests: CreditRequests, tr: Translator) -> str:
    request = record.request
    lines = [
        tr._("*#{request}* {kind} · {figures} · {state}", request=request.id,
             kind=kind_title(request.kind, tr), figures=figures(request, tr),
             state=state_word(request, tr, requests.clock(), requests.zone)),
        tr._("filed by <@{who}> on {when}:", who=request.requested_by,
             when=_when(requests, tr, request.filed_at)) + "\n" + quoted(request.reason,
                                                                         REASON),
    ]
    # Decisions and questions in the order they happened: a question is asked before
    # its level is decided, and may follow an earlier level's decision.
    steps = sorted([Step(d.decided_at, _decision(d, _role(request, d.level, d.role), requests,
                                                 tr, COMMENT),
                         _decision(d, _role(request, d.level, d.role), requests, tr, BRIEF))
                    for d in record.decisions]
                   + [Step(q.asked_at, _question(q, record, requests, tr))
                      for q in record.questions], key=lambda step: (step.at, step.decided))
    lines.extend(_within(steps, SECTION_TEXT - len("\n".join(lines)) - CLOSING_ROOM, tr))
    # A decision's line says who approved or rejected; a request cancelled or expired
    # after a level was decided needs its own closing line, as one with no decision.
    ended_otherwise = request.state in (RequestState.CANCELLED, RequestState.EXPIRED)
    if request.closed_by and request.closed_at and (ended_otherwise or not record.decisions):
        line = tr._("{state} by {who} on {when}", state=state_word(request, tr),
                    who=actor(request.closed_by, tr),
                    when=_when(requests, tr, request.closed_at))
        if request.withdrawn is not None:
            line += tr._(": {why}", why=tr._(_WITHDRAWN[request.withdrawn]))
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class Step:
    """A decision or a question in a request's history; ``brief``: a decision's line with
    its comment shortened to BRIEF."""

    at: datetime
    line: str
    brief: str | None = None

    @property
    def decided(self) -> bool:
        return self.brief is not None


def _within(steps: list[Step], room: int, tr: Translator) -> list[str]:
    """The steps' lines within ``room`` characters: every decision, and as many of the
    questions as fit, the latest kept (a dozen long questions pushed the approval that
    followed them out of the section, cut at Slack's 3,000 characters); then, if still
    over, the decisions' comments shortened, the earliest first (three long comments
    took the last levels' decisions out of it)."""
    def size(kept: list[Step]) -> int:
        return sum(len(step.line) + 1 for step in kept) + COUNT_ROOM
    kept = list(steps)
    left = 0
    while size(kept) > room and any(not step.decided for step in kept):
        kept.remove(next(step for step in kept if not step.decided))
        left += 1
    for i, step in enumerate(kept):
        if size(kept) <= room:
            break
        if step.brief is not None:
            kept[i] = Step(step.at, step.brief, step.brief)
    lines = [step.line for step in kept]
    if left:
        lines.insert(0, "  ↳ " + tr.ngettext(
            "{n} earlier question for information is not shown here; the card's thread "
            "has it.", "{n} earlier questions for information are not shown here; the "
            "card's thread has them.", left))
    return lines


def _role(request: CreditRequest, level: int, recorded: str) -> str:
    return request.route[level - 1].role if 0 < level <= len(request.route) else recorded


def _question(question: Question, record: RequestRecord, requests: CreditRequests,
              tr: Translator) -> str:
    """A decider's Ask for info, and the requester's answer when it was given with the
    button (one given in the card's thread is in that thread)."""
    request = record.request
    who = approver(tr, question.asked_by, question.on_behalf_of)
    # A section too full leaves the questions out first (``_within``).
    text = "  ↳ " + tr._("level {level} ({role}): {who} asked for information on {when}",
                         level=question.level,
                         role=role_name(_role(request, question.level, "")), who=who,
                         when=_when(requests, tr, question.asked_at)) + "\n" + quoted(
                             question.text, QUESTION)
    if question.answer is not None and question.answered_at is not None:
        return text + "\n" + "  ↳ " + tr._(
            "answered by <@{who}> on {when}:", who=request.requested_by,
            when=_when(requests, tr, question.answered_at)) + "\n" + quoted(question.answer,
                                                                            QUESTION)
    # Else the decision after it read as made on an answer.
    if request.state is RequestState.OPEN and not any(
            d.level == question.level for d in record.decisions):
        return text + "\n" + "  ↳ " + tr._("not answered yet")
    return text + "\n" + "  ↳ " + tr._("not answered with the Answer button (an answer "
                                        "written in the card's thread stays there)")


def _decision(decision: Decision, role: str, requests: CreditRequests, tr: Translator,
              comment: int) -> str:
    """``comment``: how much of the decider's comment is quoted."""
    params = {"level": decision.level, "role": role_name(role),
              "who": approver(tr, decision.decided_by, decision.on_behalf_of),
              "when": _when(requests, tr, decision.decided_at)}
    text = "  ↳ " + (tr._("level {level} ({role}) approved by {who} on {when}", **params)
                     if decision.outcome is Outcome.APPROVED else
                     tr._("level {level} ({role}) rejected by {who} on {when}", **params))
    if decision.escalated:
        # Else it reads as someone outside the level's role deciding it.
        text += tr._(" (by escalation: past its deadline, or with none of its role left)")
    if decision.limit is not None:
        text += tr._(", for a lower limit of {limit}", limit=decision.limit)
    if decision.comment:
        # Quoted as the cards quote it: a comment's own lines and mrkdwn cannot pass
        # for a line of the history.
        text += "\n" + quoted(decision.comment, comment)
    return text


def _held(check: OrderCheck, requests: CreditRequests, tr: Translator) -> str:
    """An order that was held, and what became of it (``OrderCheck.release_note``)."""
    note = check.release_note or ""
    params = {"order": order_label(check.order_id, check.reference, tr),
              "amount": tr.money(check.amount),
              "held": _when(requests, tr, check.checked_at),
              "who": check.released_by or "",
              "when": _when(requests, tr, check.released_at) if check.released_at else ""}
    if check.state is OrderState.HELD:
        return "• " + tr._("{order} of {amount}, held on {held}: not to ship until "
                           "released", **params)
    if note == WITHDRAWN_HELD:
        return "• " + tr._("{order} of {amount}, held on {held}: withdrawn by <@{who}>, "
                           "who placed it, on {when}; it will not ship", **params)
    released = _released(check, note.removeprefix(WITHDRAWN_AFTER), params, tr)
    if check.state is OrderState.WITHDRAWN:  # released first: both are its history
        released = tr._("{released}; then withdrawn by <@{rep}>, who placed it: it will "
                        "not ship", released=released, rep=check.checked_by)
    return "• " + released


def _released(check: OrderCheck, note: str, params: dict[str, str], tr: Translator) -> str:
    """What ended the hold: a refusal, an approved release, a re-check or the ERP."""
    request = note.rpartition(":")[2]
    if check.state is OrderState.REFUSED:
        return tr._("{order} of {amount}, held on {held}: refused by <@{who}> on {when} "
                    "(request #{request}), it will not ship", request=request, **params)
    if note.startswith("request:"):
        return tr._("{order} of {amount}, held on {held}: released by <@{who}> on {when} "
                    "(request #{request})", request=request, **params)
    if note == "recheck":
        return tr._("{order} of {amount}, held on {held}: released on {when}, as it passed "
                    "the order rules again", **params)
    # "closed": the ERP's order is no longer open (shipped, invoiced, cancelled)
    return tr._("{order} of {amount}, held on {held}: released on {when}, as the ERP no "
                "longer has it open", **params)


def _change(change: LimitChange, changes: Sequence[LimitChange], requests: CreditRequests,
            tr: Translator, on_behalf_of: str | None = None) -> str:
    """``changes``: the customer's, which say what ``change`` replaced and when it applied."""
    day = change.effective_at.astimezone(requests.zone).date()
    previous = limit_before(change, changes, day)
    before = tr.money(previous) if previous else "—"
    who = approver(tr, change.approved_by, on_behalf_of)
    line = "• " + tr._("{when}: {before} → {after}, approved by {who} (request "
                       "#{request})", when=_when(requests, tr, change.effective_at),
                       before=before, after=tr.money(change.limit), who=who,
                       request=change.request_id)
    # Joined in one message each: Chinese joins them with its own punctuation.
    if change.kind is ChangeKind.TEMPORARY and change.expires_on is not None:
        line = tr._("{line}, temporary, through {day}", line=line, day=change.expires_on)
    waited = applies_from(change, changes, day)
    if waited is not None:
        line = tr._("{line}, in force from {day}, the day after the temporary limit running "
                    "then",
                    line=line, day=waited)
    if change.overtaken_at is not None:
        # Else the line reads as the limit in force, though the ERP's replaced it.
        line = tr._("{line}; the ERP's limit replaced it on {day}", line=line,
                    day=change.overtaken_at.astimezone(requests.zone).date())
    return line
