"""``/credit requests``: what waits for me, each with the *Approve*, *Reject* and *Ask
for info* buttons of its card (the same actions, so the same checks and forms: a delegate
without a card decides from here too), and what I filed, with a *Cancel* button on my
open requests."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from slack_bolt import BoltContext

from domain.approvals.model import Outcome, RequestRecord
from domain.approvals.rules import Authority
from domain.approvals.use_cases import CreditRequests, Waiting
from handlers.approvals.cards import answer_button, quoted
from handlers.approvals.decide_payloads import APPROVE, ASK_INFO, REJECT, LevelValue
from handlers.approvals.request_render import (
    LIST_RESERVE,
    age,
    customer_label,
    figures,
    kind_title,
    role_name,
    stage,
    state_word,
)
from handlers.deps import Deps
from handlers.i18n import Translator, known_as
from handlers.payloads import ActionValue
from handlers.render import (
    MESSAGE_BUDGET,
    Block,
    Message,
    actions,
    button,
    confirmed,
    context,
    erp_text,
    mention,
    message,
    section,
    size,
)

CANCEL = "credit_request_cancel"
# Lines per section: with their headings and notes, well within Slack's 50 blocks.
SHOWN = 10
# A rejection's comment in the list: its gist (the history and the DM have it whole).
REJECTION_SHOWN = 200
# A question waiting for the requester's answer, likewise (the form shows it whole).
QUESTION_SHOWN = 300


class RequestValue(ActionValue):
    # The column is a 32-bit integer on PostgreSQL; "12" or true is not an id we wrote.
    request: int = Field(strict=True, ge=1, le=2**31 - 1)


def requests(context: BoltContext, rest: str) -> Message:
    return listing(context)


def listing(context: BoltContext, note: str | None = None) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    member = context["member"]
    waiting = deps.requests.waiting_for(member)
    mine = deps.requests.mine(member, limit=SHOWN + 1)
    return render(waiting, mine, deps.requests, tr, note,
                  context["catalogue"].as_typed(context, "request"))


def render(waiting: list[Waiting], mine: list[RequestRecord],
           requests: CreditRequests, tr: Translator, note: str | None = None,
           request: str = "/credit request") -> Message:
    """``request``: `/credit request` as the person would write it (`/credit 申请`)."""
    now = requests.clock()
    blocks: list[Block] = []
    if note:
        blocks.append(section(note))
    blocks.append(section("*" + tr._("Waiting for you") + "*"))
    if waiting:
        # Half the room each, so that a long queue leaves room for mine.
        shown = _fill(blocks, [[section(request_line(w.record, requests, tr, now, w.right)),
                                _decide(w.record, tr)] for w in waiting[:SHOWN]],
                      MESSAGE_BUDGET // 2)
        if len(waiting) > shown:
            # Where the rest are: the list had no way to them (its room is Slack's).
            blocks.append(context(tr._("… and {n} more, oldest first: each one's card, in "
                                       "its channel or your direct messages, has the same "
                                       "buttons, and they come here as these are decided.",
                                       n=len(waiting) - shown)))
    else:
        blocks.append(context(tr._("Nothing waits for your decision.")))
    blocks.append(section("*" + tr._("Yours") + "*"))
    if mine:
        lines = []
        for record in mine[:SHOWN]:
            line = section(request_line(record, requests, tr, now))
            if record.request.is_open and not record.request.past_last_day(
                    now, requests.zone):
                # Pressed by mistake, it undid every level decided so far.
                line["accessory"] = confirmed(
                    button(tr._("Cancel request"), CANCEL,
                           RequestValue(request=record.request.id).encode()),
                    tr._("Cancel request #{id}?", id=record.request.id),
                    tr._("Its approvers' cards close and nobody can decide it any more; "
                         "what was decided so far stays in its history. To ask again, "
                         "you file a new request."),
                    tr._("Cancel the request"), tr._("Keep it"))
            lines.append([line, *_unanswered(record, tr)])
        shown = _fill(blocks, lines, MESSAGE_BUDGET - LIST_RESERVE)
        if len(mine) > shown:
            blocks.append(context(tr._("Only your {n} latest requests are shown.", n=shown)))
    else:
        blocks.append(context(tr._("You have filed no credit request. File one with "
                                   "`{command} acme +100k larger Q1 orders`, or "
                                   "`{command}` for the form.", command=request)))
    fallback = tr._("{waiting} waiting for you, {mine} yours", waiting=len(waiting),
                    mine=len(mine))
    return message(fallback, blocks)


def _unanswered(record: RequestRecord, tr: Translator) -> list[Block]:
    """The latest question of an open request still waiting for the requester's answer,
    with its button: found in the list, not only in a direct message long scrolled by."""
    waiting = [q for q in record.questions if q.answered_at is None]
    if not record.request.is_open or not waiting:
        return []
    asked = waiting[-1]
    text = ":question: " + tr._("{who} asks:", who=mention(asked.asked_by)) + "\n" \
        + quoted(asked.text, QUESTION_SHOWN)
    if len(waiting) > 1:
        text += "\n" + tr.ngettext(
            "{n} earlier question waits for your answer too, in its direct message.",
            "{n} earlier questions wait for your answer too, in their direct messages.",
            len(waiting) - 1)
    return [section(text), answer_button(tr, asked)]


def _fill(blocks: list[Block], lines: list[list[Block]], budget: int) -> int:
    """Appends as many of ``lines`` (each its blocks) as keep ``blocks`` within
    ``budget``; how many."""
    for count, line in enumerate(lines):
        if size([*blocks, *line]) > budget:
            return count
        blocks.extend(line)
    return len(lines)


def _decide(record: RequestRecord, tr: Translator) -> Block:
    """The card's own buttons for the level waiting: Approve, Reject, Ask for info."""
    request = record.request
    value = LevelValue(request=request.id, level=request.level).encode()
    approve = button(tr._("Approve"), APPROVE, value)
    approve["style"] = "primary"
    reject = button(tr._("Reject"), REJECT, value)
    reject["style"] = "danger"
    return actions(f"waiting_{request.id}_{request.level}", approve, reject,
                   button(tr._("Ask for info"), ASK_INFO, value))


def request_line(record: RequestRecord, requests: CreditRequests, tr: Translator,
          now: Any, right: Authority | None = None) -> str:
    """A request's line; ``right``: by what right the reader may decide it, said when
    it is not their own role's (they may wonder why it is in their list)."""
    request = record.request
    head = tr._("*#{request}* {customer} · {kind}", request=request.id,
                customer=customer_label(request, tr), kind=kind_title(request.kind, tr))
    parts = [head, figures(request, tr)]
    if request.is_open:
        where = stage(request, requests, tr, requests.zone, record.decisions)
        # Past its last day it is no longer open ("open, … expired").
        parts.append(where if request.past_last_day(requests.clock(), requests.zone)
                     else tr._("open, {stage}", stage=where))
        # Escalated before its deadline: nobody of the level's own role was left.
        early = requests.clock() < request.deadline()
        if right is not None and right.on_behalf_of and right.escalated:
            parts.append(tr._("you decide it standing in for <@{who}>, to whom it was "
                              "escalated: no {role} is left to decide it",
                              who=right.on_behalf_of, role=role_name(request.current.role))
                         if early else
                         tr._("you decide it standing in for <@{who}>, to whom it was "
                              "escalated: its deadline passed", who=right.on_behalf_of))
        elif right is not None and right.on_behalf_of:
            parts.append(tr._("you decide it standing in for <@{who}>",
                              who=right.on_behalf_of))
        elif right is not None and right.escalated:
            parts.append(tr._("escalated to you: no {role} is left to decide it",
                              role=role_name(request.current.role)) if early else
                         tr._("escalated to you: its deadline passed"))
        parts.append(tr._("filed by <@{who}> {age}", who=request.requested_by,
                          age=age(request.filed_at, now, tr)))
    else:
        closed = request.closed_at or request.filed_at
        parts.append(tr._("{state} {age}", state=state_word(request, tr),
                          age=age(closed, now, tr)))
        rejected = next((d for d in record.decisions if d.outcome is Outcome.REJECTED), None)
        if rejected is not None and rejected.comment:
            # Why, in the list itself: the requester otherwise has it only in a DM.
            parts.append(tr._("by <@{who}>:", who=rejected.decided_by) + "\n"
                         + quoted(rejected.comment, REJECTION_SHOWN))
    return "\n".join(parts)


def on_cancel(body: dict[str, Any], context: BoltContext) -> None:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    value: RequestValue = context["payload"]
    cancelled = deps.requests.cancel(context["member"], value.request)
    note = ":white_check_mark: " + tr._("Request #{request} for {customer} is cancelled.",
                                        request=cancelled.id,
                                        customer=erp_text(known_as(tr, cancelled), 200))
    context["reply"](*listing(context, note), replace_original=True)
