"""A question and its answer go under each card of the level once, whichever way they
came there: answered under a card, then copied under the same card posted again (a
stand-in named anew, an escalation to someone who has it) was posted a second time."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.approvals.model import CreditRequest, Level, Question, RequestKind, StandIn
from domain.approvals.ports import Happened, RequestChange
from domain.money import Money
from handlers.approvals.notices import ApprovalNotices, card_key
from tests.fakes import FakeOutbox

FILED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
HOLDER, STAND_IN, REP = "U0HOLDER01", "U0STANDIN1", "U0REP00001"


def test_a_question_and_its_answer_go_under_a_card_once() -> None:
    request = dataclasses.replace(CreditRequest(
        RequestKind.LIMIT_INCREASE, "C0102", "Ferreteria del Norte", REP, FILED, "season",
        Money(Decimal(100_000), "USD"), (Level("credit_manager", 24),),
        current_limit=Money(Decimal(100_000), "USD"),
        new_limit=Money(Decimal(200_000), "USD")), id=7)
    notices = ApprovalNotices(lambda _who: "en-US", ZoneInfo("Asia/Shanghai"),
                              holders={"credit_manager": [HOLDER]})
    outbox = FakeOutbox()
    stand_ins = {"credit_manager": (StandIn(STAND_IN, HOLDER),)}

    def queue(happened: Happened, **more: object) -> None:
        notices.queue(outbox, RequestChange(happened, request, (), stand_ins=stand_ins,
                                            **more))  # type: ignore[arg-type]

    queue(Happened.FILED)
    asked = Question(7, 1, HOLDER, FILED + timedelta(hours=1), "Which orders?", id=3)
    queue(Happened.INFO_ASKED, asked=asked)
    answered = dataclasses.replace(asked, answer="PO-7", answered_at=FILED + timedelta(hours=2))
    queue(Happened.INFO_ANSWERED, asked=answered)
    queue(Happened.STOOD_IN, stand_in=STAND_IN, asked_before=(answered,))
    card = outbox.id_of(card_key(7, 1, STAND_IN))
    under = [m.text for m in outbox.staged.values() if m.thread_of == card]
    assert under == [
        f":question: <@{HOLDER}> asked <@{REP}> about request #7 · limit increase · "
        "Ferreteria del Norte:\n> Which orders?",
        f":speech_balloon: <@{REP}> answers <@{HOLDER}>:\n> PO-7"]
