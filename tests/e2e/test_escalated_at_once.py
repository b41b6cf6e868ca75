"""A level whose own role has nobody left to decide it goes to its escalation role at
once. The finance director's own request waited two working days for its level 2 (the
finance director's), with no card anywhere, then escalated to the CFO; a reminder to
nobody was counted on the way."""

from __future__ import annotations

from datetime import timedelta

from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind, RequestState
from tests.e2e.conftest import CREDIT_MANAGER, World
from tests.e2e.test_approval_deadlines import Deadlines
from tests.e2e.test_approval_decisions import (
    CREDIT_CHANNEL,
    EN,
    FINANCE_DIRECTOR,
    ZONE,
    audit,
    block_texts,
    notes_to,
    open_modal,
    shown,
)

CFO = "U03CFO00001"


def test_the_finance_directors_own_request_is_said_to_go_to_the_cfo_when_filed(
        world: World) -> None:
    # The receipt said "Then level 2 (finance director)": the one who filed it.
    filed = world.slack.slash(FINANCE_DIRECTOR, "C01SALES000",
                              "/credit request C0002 +100k own account")
    assert any("Then level 2 (CFO, as no finance director but you may decide it); if each "
               "takes its full time, the last decides by " in text for text in filed.texts())


def test_the_finance_directors_own_request_goes_to_the_cfo_when_level_one_is_decided(
        world: World) -> None:
    member = world.services.config.roster().member(FINANCE_DIRECTOR)
    request_id = world.services.requests.file(member, Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "own account", "+100k")).id
    view = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, CREDIT_CHANNEL),
                      "Approve")
    assert world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"}).body == ""
    with world.services.uow() as uow:
        request = uow.credit_requests.get(request_id)
    assert request is not None and request.level == 2
    deadline = EN.moment(request.deadline(), ZONE)
    card = shown(world, request_id, 2, CFO)
    assert block_texts(card)[-4:] == [
        "Level 2 of 2: finance director · yours to decide: no finance director is left to "
        f"decide it · decide by {deadline}", "Approve", "Reject", "Ask for info"]
    # One note: "now waits for level 2: finance director", then "goes to the CFO at
    # once", back to back, said the first wrongly.
    assert notes_to(world, FINANCE_DIRECTOR)[-1:] == [
        f":arrow_forward: Level 1 of your request #{request_id} · limit increase · Acme "
        f"Packaging was approved by <@{CREDIT_MANAGER}>. Level 2 of 2 goes to the CFO at "
        "once: no finance director is left to decide it (one person decides one level, and "
        "not their own request).\n> ok"]
    assert not [n for n in notes_to(world, FINANCE_DIRECTOR) if "now waits for level 2" in n]
    listed = world.slack.slash(CFO, "C01SALES000", "/credit requests")
    assert any("escalated to you: no finance director is left to decide it" in t
               for t in listed.texts())
    # The CFO decides it now, well before the deadline.
    view = open_modal(world, CFO, card, "Approve")
    assert world.slack.submit(CFO, view, {"comment": "fine"}).body == ""
    with world.services.uow() as uow:
        decided = uow.credit_requests.get(request_id)
    assert decided is not None and decided.state is RequestState.APPROVED
    [approved] = [e for e in audit(world, "requests.approved") if e.actor == CFO]
    assert approved.details["escalated"] is True


def test_the_job_neither_reminds_nobody_nor_escalates_again(world: World) -> None:
    deadlines = Deadlines(world)
    member = world.services.config.roster().member(FINANCE_DIRECTOR)
    filed = deadlines.requests.file(member, Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "own account", "+100k"))
    level_one = world.services.config.roster().member(CREDIT_MANAGER)
    deadlines.requests.decide(level_one, filed.id, 1, Outcome.APPROVED)
    with world.services.uow() as uow:
        at_two = uow.credit_requests.get(filed.id)
    assert at_two is not None
    [escalated] = deadlines.audit("requests.escalated")  # when level 2 began
    assert escalated.details == {"request": filed.id, "level": 2, "role": "finance_director",
                                 "escalate_to": "cfo", "at_once": True}
    # Reminded before its deadline: the CFO, whose level it is now.
    before = at_two.deadline() - timedelta(hours=1)
    assert deadlines.run(before) == {"reminded": 1, "escalated": 0, "expired": 0,
                                     "reverted": 0, "stand_in_cards": 0}
    zone = world.services.config.organisation.zone
    assert deadlines.dms(CFO)[-1] == (
        f":alarm_clock: Reminder: request #{filed.id} · limit increase · Acme Packaging by "
        f"<@{FINANCE_DIRECTOR}> waits for your decision at level 2 of 2, by "
        f"{EN.moment(at_two.deadline(), zone)}. Use the buttons on its card.")
    assert not [m for m in deadlines.dms(FINANCE_DIRECTOR) if m.startswith(":alarm_clock:")]
    # The deadline escalates nothing more: it is the CFO's overdue reminder (nothing
    # chased the level after it), and the requester is told who was reminded.
    assert deadlines.run(at_two.deadline()) == {"reminded": 1, "escalated": 0, "expired": 0,
                                                "reverted": 0, "stand_in_cards": 0}
    assert len(deadlines.audit("requests.escalated")) == 1
    assert [(r.details["level"], r.details["overdue_days"])
            for r in deadlines.audit("requests.reminded")] == [(2, None), (2, 0)]
    subject = f"#{filed.id} · limit increase · Acme Packaging"
    deadline = EN.moment(at_two.deadline(), zone)
    assert deadlines.dms(CFO)[-1] == (
        f":alarm_clock: Overdue: request {subject} by <@{FINANCE_DIRECTOR}> passed its "
        f"deadline for level 2 of 2 ({deadline}) and still waits for your decision. Use the "
        "buttons on its card.")
    assert deadlines.dms(FINANCE_DIRECTOR)[-1] == (
        f":hourglass_flowing_sand: Level 2 of your request {subject} passed its deadline "
        f"({deadline}) and nobody has decided it yet; its deciders (CFO) have been "
        "reminded.")
