"""A delegate decides from Slack, through signed HTTP → bot → Slack emulator: after
`/credit delegate`, the next request's card reaches the delegate too; `/credit requests`
gives the delegate the Approve and Reject buttons of the card on each line waiting for
them; approving from there (the same form) decides the level for the delegator and
edits every copy of the card."""

from __future__ import annotations

from tests.e2e.conftest import CREDIT_MANAGER, SALES_CHANNEL, World
from tests.e2e.test_approval_decisions import decisions, file_request, rows, shown, when

ANALYST = "U02CREDITAN"


def test_a_delegate_gets_the_card_and_decides_from_the_requests_list(world: World) -> None:
    answer = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL,
                               f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert answer.ephemeral
    request_id = file_request(world)
    cards = [(r.kind, r.channel) for r in rows(world) if r.kind == "approvals.card"]
    assert cards == [("approvals.card", CREDIT_MANAGER), ("approvals.card", ANALYST)]
    listing = world.slack.slash(ANALYST, SALES_CHANNEL, "/credit requests")
    assert [b["text"]["text"] for b in listing.buttons()] == ["Approve", "Reject"]
    world.slack.click(ANALYST, listing, "Approve", wait=False)
    view = world.slack.modal(ANALYST)
    assert world.slack.submit(ANALYST, view, {"comment": "for Mei"}).body == ""
    [decision] = decisions(world, request_id)
    assert (decision.level, decision.decided_by, decision.on_behalf_of) == (
        1, ANALYST, CREDIT_MANAGER)
    for destination in (CREDIT_MANAGER, ANALYST):
        assert shown(world, request_id, 1, destination).texts()[-1] == (
            f":white_check_mark: Approved by <@{ANALYST}> on {when(world, request_id, 1)} "
            f"(standing in for <@{CREDIT_MANAGER}>)\n> for Mei")
    after = world.slack.slash(ANALYST, SALES_CHANNEL, "/credit requests")
    assert after.buttons() == []
