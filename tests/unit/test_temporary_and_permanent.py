"""A temporary limit is not the base of a permanent one (in-memory unit of work): with a
temporary $400,000 running over the ERP's $100,000, "+10k" asks for a permanent
$110,000 (now $100,000), and approving it leaves the higher temporary limit running
through its last day; the permanent one applies after."""

from __future__ import annotations

from datetime import date

from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind
from tests.unit.test_credit_request_use_cases import CFO, CM, FD, REP, member, usd, world

LAST_DAY = date(2026, 12, 31)


def approve_all(requests, request) -> None:  # type: ignore[no-untyped-def]
    deciders = {"credit_manager": CM, "finance_director": FD, "cfo": CFO}
    for level, step in enumerate(request.route, 1):
        requests.decide(member(deciders[step.role]), request.id, level, Outcome.APPROVED)


def test_a_permanent_request_starts_from_the_permanent_limit():
    requests, uow, _, _ = world()
    approve_all(requests, requests.file(member(REP), Filing(
        "acme", RequestKind.TEMPORARY_LIMIT, "season", "400k", expires_on=LAST_DAY)))
    with uow:
        assert uow.credit_requests.effective_limits(["C0001"], date(2026, 11, 30))[
            "C0001"].limit == usd("400000")
    permanent = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE,
                                                  "growth", "+10k"))
    assert (permanent.current_limit, permanent.new_limit, permanent.increase) == (
        usd("100000"), usd("110000"), usd("10000"))
    approve_all(requests, permanent)
    with uow:
        during = uow.credit_requests.effective_limits(["C0001"], LAST_DAY)["C0001"]
        after = uow.credit_requests.effective_limits(["C0001"], date(2027, 1, 1))["C0001"]
    assert (during.limit, during.expires_on) == (usd("400000"), LAST_DAY)
    assert (after.limit, after.expires_on) == (usd("110000"), None)


def test_the_card_of_a_permanent_request_says_the_temporary_limit_ends():
    from domain.aging import AgingBuckets
    from domain.positions import CreditPolicyContext
    from handlers.approvals.notices import ApprovalNotices
    from tests.unit.test_approval_notices import texts
    from tests.unit.test_credit_request_use_cases import ROSTER, ZONE, Clock

    requests, uow, _, _ = world()
    approve_all(requests, requests.file(member(REP), Filing(
        "acme", RequestKind.TEMPORARY_LIMIT, "season", "400k", expires_on=LAST_DAY)))
    notices = ApprovalNotices(lambda _: "en-US", ZONE, {}, ROSTER.holders())
    requests = type(requests)(uow, requests.access, requests.policy, ROSTER, Clock(), ZONE,
                              notices, CreditPolicyContext("USD", AgingBuckets()))
    filed = requests.file(member(REP), Filing("acme", RequestKind.LIMIT_INCREASE,
                                              "growth", "+10k"))
    [card] = [m for m in uow.outbox.messages if m.dedup_key and f":{filed.id}:1:" in
              m.dedup_key]
    shown = texts(card)
    assert "*Requested*\n$110,000.00 (now $100,000.00, +$10,000.00)" in shown
    assert "*Credit limit*\n$400,000.00\ntemporary, through Dec 31, 2026" in shown
