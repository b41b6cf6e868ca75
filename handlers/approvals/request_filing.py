"""Filing a limit request when the person did not say which limit kind it is."""

from __future__ import annotations

from slack_bolt import BoltContext

from domain.approvals.filing import Filing, FilingRefused
from domain.approvals.model import CreditRequest, RequestKind
from domain.errors import DomainError, SeveralProblems
from handlers.deps import Deps


def file_limit(deps: Deps, context: BoltContext, filing: Filing) -> CreditRequest:
    """Files ``filing`` as a first limit when the customer has none, else as a limit
    increase: the use case refuses a first limit for a customer that has one (with the
    customer and its current limit) before anything is written, and that refusal is
    the answer to which kind this is."""
    try:
        return deps.requests.file(context["member"], filing)
    except DomainError as refused:
        # Alone, or among the other problems of the line (a reason missing too).
        problems = refused.problems if isinstance(refused, SeveralProblems) else (refused,)
        if filing.kind is not RequestKind.FIRST_LIMIT or not any(
                isinstance(problem, FilingRefused)
                and set(problem.params) == {"customer", "current"} for problem in problems):
            raise
    return deps.requests.file(context["member"], Filing(
        customer=filing.customer, kind=RequestKind.LIMIT_INCREASE, reason=filing.reason,
        amount=filing.amount, currency=filing.currency))
