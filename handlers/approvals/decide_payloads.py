"""Action ids, button values and modal metadata of the approval cards' buttons. A
value carries a request id and a level, nothing else: who may decide, the amounts and
the state are re-read from creditbot's records on every click and submission."""

from __future__ import annotations

from pydantic import Field

from handlers.payloads import ActionValue

APPROVE = "approvals_approve"
REJECT = "approvals_reject"
ASK_INFO = "approvals_ask_info"
# Under the question's direct message to the requester.
ANSWER = "approvals_answer"

# The modals' callback ids (their submissions come back under these).
APPROVE_VIEW = "approvals_approve_view"
REJECT_VIEW = "approvals_reject_view"
ASK_INFO_VIEW = "approvals_ask_info_view"
ANSWER_VIEW = "approvals_answer_view"

# Each modal's one input, by its block id (submissions are read by block).
COMMENT_BLOCK = "comment"
QUESTION_BLOCK = "question"
LOWER_BLOCK = "lower"
ANSWER_BLOCK = "answer"


class LevelValue(ActionValue):
    """One level of one request. Strict: ``"12"`` or ``true`` is not an id we wrote."""

    # The column is a 32-bit integer on PostgreSQL.
    request: int = Field(strict=True, ge=1, le=2**31 - 1)
    level: int = Field(strict=True, ge=1, le=50)


class QuestionValue(ActionValue):
    """One question asked of a request's requester, by its id."""

    question: int = Field(strict=True, ge=1, le=2**31 - 1)
