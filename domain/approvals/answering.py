"""The requester answers a decider's question (``Answering.answer``): with the button
under the question's direct message, where the card's thread is out of their sight (a
card in the deciders' direct messages, or in a channel they are not in)."""

from __future__ import annotations

import dataclasses

from domain.access import Member
from domain.approvals.context import RequestsContext
from domain.approvals.deciding import written
from domain.approvals.events import InfoAnswered
from domain.approvals.model import Question, RequestRecord
from domain.approvals.ports import Happened, RequestChange
from domain.errors import DomainError
from domain.model import AuditEntry
from domain.ports import UnitOfWork
from domain.text import N_


class AnswerRefused(DomainError):
    """Why the question cannot be answered (any more): said in place of the form."""


class AnswerTextProblem(DomainError):
    """What is wrong with the answer as written: said beside its field."""


class Answering(RequestsContext):
    def check_answerer(self, actor: Member, question_id: int
                       ) -> tuple[RequestRecord, Question]:
        """The question and its request if ``actor`` may answer it now, else the
        refusal ``answer`` would give: for the button to answer before opening its
        form."""
        self._require(actor, "requests.answer_refused", f"question:{question_id}")
        with self.unit_of_work() as uow:
            return self._answerable(uow, actor, question_id)

    def answer(self, actor: Member, question_id: int, text: str | None) -> RequestRecord:
        """The requester answers ``question_id``: kept beside the question, posted in
        the thread of the level's cards in channels and sent to the asker by direct
        message. Only the requester answers, once, while the request is open. Audited
        ``requests.info_answered``; the request itself does not change."""
        self._require(actor, "requests.answer_refused", f"question:{question_id}")
        answer = written(text, AnswerTextProblem, N_("Write your answer to the question."),
                         N_("An answer takes at most {limit} characters; this one has "
                            "{length}."))
        return self._retried(lambda: self._answer(actor, question_id, answer))

    def _answer(self, actor: Member, question_id: int, answer: str) -> RequestRecord:
        now = self.clock()
        with self.unit_of_work() as uow:
            uow.begin_write()
            record, question = self._answerable(uow, actor, question_id, lock=True)
            request = record.request
            uow.credit_requests.answer_question(question_id, answer, now)
            uow.audit.append(AuditEntry(now, actor.user_id, "requests.info_answered",
                                        request.customer_id, {
                                            "request": request.id, "level": question.level,
                                            "asked_by": question.asked_by,
                                            "question": question.text, "answer": answer}))
            uow.events.record(InfoAnswered(
                occurred_at=now, actor=actor.user_id, subject=request.customer_id,
                request_id=request.id, level=question.level, question_id=question_id))
            self.notices.queue(uow.outbox, RequestChange(
                Happened.INFO_ANSWERED, request, record.decisions,
                asked=dataclasses.replace(question, answer=answer, answered_at=now),
                asker_withheld=not self.access.allows(self.roster.member(question.asked_by)),
                stand_ins=self._stand_ins(uow, request)))
            uow.commit()
        return record

    def _answerable(self, uow: UnitOfWork, actor: Member, question_id: int,
                    lock: bool = False) -> tuple[RequestRecord, Question]:
        question = uow.credit_requests.question(question_id)
        if question is None:
            raise AnswerRefused(N_("This question is not in creditbot's records any more."))
        record = self._record(uow, question.request_id, lock=lock)
        request = record.request
        if actor.user_id != request.requested_by:
            raise AnswerRefused(N_("Only <@{requester}>, who filed request #{request}, "
                                   "answers its questions."),
                                requester=request.requested_by, request=request.id)
        if question.answered_at is not None:
            raise AnswerRefused(N_("You answered this question on {day}."),
                                day=question.answered_at.astimezone(self.zone).date())
        if not request.is_open:
            raise AnswerRefused(N_("Request #{request} is closed: nothing waits for your "
                                   "answer any more."), request=request.id)
        return record, question
