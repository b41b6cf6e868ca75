"""A request nobody could ever decide is refused at filing (in-memory unit of work):
the only credit manager filing one whose first level is the credit manager's; a route
whose levels only one person could decide. A delegate of another holder, or another
holder, makes it decidable, so it is filed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.approvals.deciders import undecidable
from domain.approvals.filing import Filing
from domain.approvals.model import Level, Outcome, RequestKind
from tests.unit.test_credit_request_use_cases import (
    CM,
    FD,
    REP,
    STAND_IN,
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
    assert refused(requests.file, member(FD), filing) == (
        "Nobody could decide level 2 (finance director) of this request: the finance "
        "director is you, someone standing in for you, or someone who decides another level "
        "of it. Ask another finance director to file it, or the credit team to name one in "
        "app.yaml.")
    assert requests.file(member(REP), filing).route[0].role == "credit_manager"


def test_each_level_needs_a_different_person():
    route = (Level("credit_manager", 24), Level("finance_director", 48))
    holders = {"credit_manager": ["U0A"], "finance_director": ["U0A"]}
    assert undecidable(route, "U0REP", holders) == 2
    assert undecidable(route, "U0REP", {**holders, "finance_director": ["U0C"]}) is None
    # The escalation role's holders count for the level too.
    escalating = (route[0], Level("finance_director", 48, escalate_to="cfo"))
    assert undecidable(escalating, "U0REP", {**holders, "cfo": ["U0D"]}) is None
    # Those with a part in a decision already are out, and so is the requester.
    assert undecidable(route, "U0REP", {**holders, "finance_director": ["U0C"]}, first=2,
                       decided={"U0C"}) == 2
    assert undecidable(route, "U0C", {**holders, "finance_director": ["U0C"]}) == 2


def test_a_stand_in_decides_in_the_place_of_the_holder_they_stand_in_for():
    # The credit manager hands over to the finance director, who hands over to an
    # analyst. The finance director deciding level 1 for the credit manager takes a part
    # in the request, and so the analyst can no longer stand in for them at level 2.
    requests, uow, _, _ = world()
    requests.delegate(member(CM), FD, date(2026, 12, 31))
    requests.delegate(member(FD), STAND_IN, date(2026, 12, 31))
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE,
                                              "growth", "+10k"))
    assert refused(requests.decide, member(FD), filed.id, 1, Outcome.APPROVED) == (
        "Approving this would leave nobody to decide level 2 (finance director): everyone "
        "who could has a part in this request already. Let a holder of level 1's role "
        "decide it, or end a delegation first.")
    with uow:
        assert uow.credit_requests.decisions([filed.id]) == {}


def test_a_chain_of_delegations_cannot_leave_a_level_to_nobody():
    from domain.approvals.model import RequestState

    requests, uow, _, _ = world()
    # The credit manager hands over to the finance director, and back.
    requests.delegate(member(CM), FD, date(2026, 12, 31))
    requests.delegate(member(FD), CM, date(2026, 12, 31))
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE,
                                              "growth", "+10k"))
    # The finance director deciding level 1 for the credit manager would leave level 2
    # (theirs, with the credit manager as stand-in) to nobody: refused, nothing written.
    assert refused(requests.decide, member(FD), filed.id, 1, Outcome.APPROVED) == (
        "Approving this would leave nobody to decide level 2 (finance director): everyone "
        "who could has a part in this request already. Let a holder of level 1's role "
        "decide it, or end a delegation first.")
    with uow:
        assert uow.credit_requests.decisions([filed.id]) == {}
    # The credit manager deciding level 1 leaves the finance director for level 2.
    requests.decide(member(CM), filed.id, 1, Outcome.APPROVED)
    done = requests.decide(member(FD), filed.id, 2, Outcome.APPROVED)
    assert done.request.state is RequestState.APPROVED


def test_a_stand_in_for_several_holders_decides_for_one_that_leaves_the_next_level():
    # CFO stands in for FD (who holds both roles) and for CM. Deciding level 1 for FD
    # would leave level 2 (FD's alone) to nobody; for CM it does not, so the approval
    # is made for CM, whichever delegation came first.
    from domain.approvals.context import Roster
    from tests.unit.test_approval_notices import world as notices_world

    both = Roster({"sales": [REP], "credit_manager": [CM, FD], "finance_director": [FD],
                   "cfo": ["U0CFO00001"]})
    levels = (Level("credit_manager", 24), Level("finance_director", 48))
    for first, second in ((FD, CM), (CM, FD)):
        requests, _, _ = notices_world(levels, roster=both)
        requests.delegate(both.member(first), "U0CFO00001", date(2026, 12, 31))
        requests.delegate(both.member(second), "U0CFO00001", date(2026, 12, 31))
        filed = requests.file(both.member(REP), Filing(
            "C0001", RequestKind.LIMIT_INCREASE, "growth", "+10k"))
        done = requests.decide(both.member("U0CFO00001"), filed.id, 1, Outcome.APPROVED)
        assert done.decisions[-1].on_behalf_of == CM, (first, second)
        assert requests.decide(both.member(FD), filed.id, 2, Outcome.APPROVED
                               ).request.state.value == "approved"


def test_a_level_of_a_role_nobody_holds_says_so_not_that_it_is_the_filer():
    # Every kind left to the default policy (CFO at level 3) in an organisation with no
    # CFO: the sales director was told "the CFO is you, someone standing in for you…".
    import dataclasses

    from domain.approvals.context import Roster
    from tests.unit.test_credit_request_use_cases import ROSTER

    requests, _, _, _ = world()
    roles = {role: list(users) for role, users in ROSTER.roles.items() if role != "cfo"}
    requests = dataclasses.replace(requests, roster=Roster(roles))
    filing = Filing("acme", RequestKind.LIMIT_INCREASE, "big project", "+900k")
    assert refused(requests.file, member(REP), filing) == (
        "Nobody could decide level 3 (CFO) of this request: app.yaml names nobody as CFO. "
        "Ask the credit team to name one under roles, or to route such requests to a role "
        "someone holds.")
