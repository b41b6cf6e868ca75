"""The requester's Answer button under a decider's question, and its form: parse, call
one use case (``CreditRequests.answer``), answer. A click asks ``check_answerer`` first,
so that a question already answered, a request closed or someone else's click is told
at once and alone; the submission checks everything again in its transaction."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.approvals.answering import AnswerRefused, AnswerTextProblem
from domain.approvals.deciding import MAX_QUESTION
from domain.approvals.model import CreditRequest, Question
from handlers.approvals.cards import quoted, subject
from handlers.approvals.decide_payloads import (
    ANSWER,
    ANSWER_BLOCK,
    ANSWER_VIEW,
    QuestionValue,
)
from handlers.deps import Deps
from handlers.errors import explain, field_error
from handlers.i18n import Translator
from handlers.modals import modal, open_modal, submitted, text_input
from handlers.registry import Action, Submitted, View
from handlers.render import mention, section


def _answer_view(tr: Translator, request: CreditRequest, asked: Question) -> dict[str, Any]:
    return modal(ANSWER_VIEW, QuestionValue(question=asked.id), title=tr._("Answer"),
                 submit=tr._("Send"), close=tr._("Cancel"), blocks=[
                     section(tr._("*{subject}*\n{who} asks:", subject=subject(tr, request),
                                  who=mention(asked.asked_by)) + "\n" + quoted(asked.text)),
                     text_input(ANSWER_BLOCK, tr._("Your answer"), multiline=True,
                                max_length=MAX_QUESTION,
                                hint=tr._("The one who asked gets it by direct message, "
                                          "and it is kept with the request."))])


def on_answer(body: dict[str, Any], context: BoltContext) -> None:
    pressed: QuestionValue = context["payload"]
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    try:
        record, asked = deps.requests.check_answerer(context["member"], pressed.question)
    except AnswerRefused as refused:
        context["reply"](":no_entry: " + explain(refused, tr))
        return
    open_modal(context, str(body.get("trigger_id", "")),
               _answer_view(tr, record.request, asked))


def on_answer_submit(view: dict[str, Any], context: BoltContext) -> Submitted:
    chosen: QuestionValue = context["metadata"]
    deps: Deps = context["deps"]
    try:
        deps.requests.answer(context["member"], chosen.question,
                             submitted(view).get(ANSWER_BLOCK))
    except AnswerTextProblem as wrong:
        return {ANSWER_BLOCK: field_error(wrong, context["tr"])}
    # AnswerRefused (answered meanwhile, the request closed): the form is replaced by
    # why, as the registry does for any refusal.
    return None


ACTIONS = (Action(ANSWER, on_answer, QuestionValue),)
VIEWS = (View(ANSWER_VIEW, QuestionValue, on_answer_submit),)
