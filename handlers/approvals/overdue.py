"""The notes of a level past its deadline and still undecided (with nobody to escalate
to, or escalated and still waiting): its deciders reminded again, its requester told
(``domain.approvals.deadlines.Overdue``)."""

from __future__ import annotations

from datetime import tzinfo

from domain.approvals.deadlines import Overdue
from handlers.approvals.cards import subject
from handlers.approvals.request_render import role_name
from handlers.i18n import Translator
from handlers.render import mention

OVERDUE = "approvals.overdue"


def overdue_key(overdue: Overdue, destination: str) -> str:
    request = overdue.request
    return f"{OVERDUE}:{request.id}:{request.level}:{overdue.days}:{destination}"


def requester_overdue_key(overdue: Overdue) -> str:
    request = overdue.request
    return f"{OVERDUE}:{request.id}:{request.level}:requester"


def overdue_reminder(tr: Translator, overdue: Overdue, zone: tzinfo,
                     channel: str | None = None) -> str:
    """``channel``: where the level's card is, when it is in a department's channel."""
    request = overdue.request
    params = {"subject": subject(tr, request), "who": mention(request.requested_by),
              "level": request.level, "levels": len(request.route),
              "deadline": tr.moment(request.deadline(), zone)}
    text = ":alarm_clock: " + (tr._(
        "Overdue: request {subject} by {who} passed its deadline for level {level} of "
        "{levels} ({deadline}) and still waits for your decision. Use the buttons on its "
        "card in {channel}.", **params, channel=f"<#{channel}>") if channel else tr._(
        "Overdue: request {subject} by {who} passed its deadline for level {level} of "
        "{levels} ({deadline}) and still waits for your decision. Use the buttons on its "
        "card.", **params))
    if overdue.unanswered:
        question = overdue.unanswered[0]
        text += "\n" + tr._("{requester} has not answered the question {who} asked on {day} "
                            "yet.", requester=mention(request.requested_by),
                            who=mention(question.asked_by),
                            day=tr.date(question.asked_at.astimezone(zone).date()))
    return text


def overdue_note(tr: Translator, overdue: Overdue, zone: tzinfo) -> str:
    request = overdue.request
    params = {"level": request.level, "subject": subject(tr, request),
              "deadline": tr.moment(request.deadline(), zone)}
    roles = overdue.roles or (request.current.role,)
    if len(roles) > 1:
        text = ":hourglass_flowing_sand: " + tr._(
            "Level {level} of your request {subject} passed its deadline ({deadline}) and "
            "nobody has decided it yet; its deciders ({role}, and {escalate_to} by "
            "escalation) have been reminded.", **params, role=role_name(roles[0]),
            escalate_to=role_name(roles[1]))
    else:
        text = ":hourglass_flowing_sand: " + tr._(
            "Level {level} of your request {subject} passed its deadline ({deadline}) and "
            "nobody has decided it yet; its deciders ({role}) have been reminded.",
            **params, role=role_name(roles[0]))
    if overdue.unanswered:
        # What it may be waiting for is the requester: "its deciders have been reminded"
        # alone read as if nothing was asked of them.
        question = overdue.unanswered[0]
        text += "\n:question: " + tr._(
            "{who} asked you on {day} and waits for your answer: answer with the button "
            "under the question.", who=mention(question.asked_by),
            day=tr.date(question.asked_at.astimezone(zone).date()))
    return text
