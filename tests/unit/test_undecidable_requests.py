"""A request nobody could ever decide is refused at filing (in-memory unit of work):
the only credit manager filing one whose first level is the credit manager's; a route
whose levels only one person could decide. A delegate of another holder, or another
holder, makes it decidable, so it is filed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.approvals.deciders import undecidable
from domain.approvals.model import Delegation, Level, RequestKind
from domain.approvals.use_cases import Filing
from tests.unit.test_credit_request_use_cases import (
    CM,
    FD,
    REP,
    member,
    refused,
    world,
)

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_the_only_credit_manager_cannot_file_what_only_they_could_decide():
    requests, uow, _, _ = world()
    filing = Filing("acme", RequestKind.LIMIT_INCREASE, "growth", "+10k")
    assert refused(requests.file, member(CM), filing) == (
        "Nobody could decide level 1 (credit manager) of this request: the credit manager "
        "is you, someone standing in for you, or someone who decides another level of it. "
        "Ask another credit manager to file it, or the credit team to name one in "
        "app.yaml.")
    with uow:
        assert uow.credit_requests.open_requests() == []
    # The finance director cannot file it either (level 2 is theirs); a sales rep can.
    assert refused(requests.file, member(FD), filing).startswith(
        "Nobody could decide level 2 (finance director) of this request")
    assert requests.file(member(REP), filing).route[0].role == "credit_manager"


def test_each_level_needs_a_different_person():
    route = (Level("credit_manager", 24), Level("finance_director", 48))
    holders = {"credit_manager": ["U0A"], "finance_director": ["U0A"]}
    assert undecidable(route, "U0REP", holders, lambda _: [], TODAY) == 2
    away = [Delegation("U0A", "U0B", TODAY, TODAY, NOW)]
    assert undecidable(route, "U0REP", holders,
                       lambda user: away if user == "U0A" else [], TODAY) is None
    assert undecidable(route, "U0B", holders,
                       lambda user: away if user == "U0A" else [], TODAY) == 2
    assert undecidable(route, "U0REP", {**holders, "finance_director": ["U0C"]},
                       lambda _: [], TODAY) is None
