"""Ask for info reaches whoever decides the level: a card posted after the question (a
stand-in named, an escalation) gets the question and its answer under it, and a person
app.yaml no longer lets see credit data gets neither."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.config import load_config
from domain.approvals.model import Outcome
from handlers.approvals.notices import card_key
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_approval_deadlines import Deadlines
from tests.e2e.test_approval_decisions import FINANCE_DIRECTOR, file_request, rows

ANALYST = "U02CREDITAN"
CFO = "U03CFO00001"
# Under a card in a decider's direct messages, which the requester never sees: a record
# of what was asked, not words addressed to them.
QUESTION = (f":question: <@{FINANCE_DIRECTOR}> asked <@{SALES}> about request #1 · limit "
            "increase · Acme Packaging:\n> Which orders?")
ANSWER = f":speech_balloon: <@{SALES}> answers <@{FINANCE_DIRECTOR}>:\n> PO-7 and PO-9"


def thread(world: Any, request_id: int, level: int, who: str) -> list[str]:
    card = next(r for r in rows(world) if r.dedup_key == card_key(request_id, level, who))
    return [r.payload["text"] for r in rows(world) if r.payload.get("thread_of") == card.id]


def at_level_two(world: Any) -> int:
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request_id, 1, Outcome.APPROVED)
    return request_id


def test_a_stand_in_named_after_the_question_gets_it_and_its_answer(world):
    request_id = at_level_two(world)
    roster = world.services.config.roster()
    world.services.requests.ask_info(roster.member(FINANCE_DIRECTOR), request_id, 2,
                                     "Which orders?")
    world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                      f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert thread(world, request_id, 2, ANALYST) == [QUESTION]
    world.services.requests.answer(roster.member(SALES), 1, "PO-7 and PO-9")
    assert thread(world, request_id, 2, ANALYST) == [QUESTION, ANSWER]
    # Named again (a longer absence): nothing twice.
    world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                      f"/credit delegate <@{ANALYST}> until 2027-01-15")
    assert thread(world, request_id, 2, ANALYST) == [QUESTION, ANSWER]


def test_the_escalation_target_gets_the_levels_question_and_its_answer(world):
    request_id = at_level_two(world)
    deadlines = Deadlines(world)
    roster = world.services.config.roster()
    deadlines.requests.ask_info(roster.member(FINANCE_DIRECTOR), request_id, 2,
                                "Which orders?")
    deadlines.requests.answer(roster.member(SALES), 1, "PO-7 and PO-9")
    [request] = [r.request for r in deadlines.requests.mine(roster.member(SALES))]
    counts = deadlines.run(request.deadline() + timedelta(minutes=1))
    assert counts.get("escalated") == 1, counts
    assert thread(world, request_id, 2, CFO) == [QUESTION, ANSWER]


def test_a_card_holder_no_longer_cleared_for_credit_data_gets_no_question_or_answer(
        world, tmp_path):
    world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                      f"/credit delegate <@{ANALYST}> until 2026-12-31")
    request_id = at_level_two(world)
    assert thread(world, request_id, 2, ANALYST) == []  # the stand-in's copy of the card
    # app.yaml lets the analyst go: no role, no department.
    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    text = text.replace("members: [U02CREDITAN, U02CREDITMG]", "members: [U02CREDITMG]")
    text = text.replace("credit_analyst: [U02CREDITAN]", "credit_analyst: [U02CREDITMG]")
    changed = tmp_path / "app.yaml"
    changed.write_text(text, encoding="utf-8")
    deadlines = Deadlines(world, changed)
    roster = load_config(changed).roster()
    deadlines.requests.ask_info(roster.member(FINANCE_DIRECTOR), request_id, 2,
                                "Which orders?")
    deadlines.requests.answer(roster.member(SALES), 1, "PO-7 and PO-9")
    assert thread(world, request_id, 2, ANALYST) == []
    assert thread(world, request_id, 2, FINANCE_DIRECTOR) == [QUESTION]
