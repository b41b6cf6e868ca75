"""Answers over time, as people see them: who declined a weekly committee gets no
reminder of it (the others, and the channels, do); who accepted it is not asked again
the next week — the next occurrence's card shows them accepted — while a decline is
about one date and is asked again. Signed HTTP clicks → bot → the meetings job →
outbox → emulator; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from bot.sandbox.driver import Reply
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_meeting_invitations import card, deliver, dm, posted, tally
from tests.e2e.test_meeting_reminders import (
    NEXT_WHEN,
    STARTS,
    header,
    reminders,
    run_meetings_job,
    schedule,
)

BEN = "U01SALESBEN"


def test_who_declined_is_not_reminded_and_an_acceptance_carries_to_next_week(
        world: World) -> None:
    meeting = schedule(world)
    assert world.slack.click(SALES, card(world, SALES_CHANNEL), "Accept") is not None
    assert world.slack.click(BEN, card(world, SALES_CHANNEL), "Decline") is not None
    deliver(world)

    assert run_meetings_job(world, STARTS - timedelta(days=1))["reminders"] == 1
    deliver(world)
    assert [m["text"] for m in reminders(world, dm(BEN))] == []
    assert [m["text"] for m in reminders(world, dm(SALES))] == [header("24 hours")]
    assert [m["text"] for m in reminders(world, dm(CREDIT_MANAGER))] == [header("24 hours")]
    assert [m["text"] for m in reminders(world, SALES_CHANNEL)] == [header("24 hours")]

    assert run_meetings_job(world, STARTS + timedelta(minutes=5))["occurrences"] == 1
    deliver(world)
    with world.services.uow() as uow:
        [nxt] = [m for m in uow.meetings.series(meeting.id) if m.id != meeting.id]
        carried = {(r.user_id, r.answer.value) for r in uow.meetings.responses(nxt.id)}
    assert carried == {(SALES, "accepted")}
    newest = posted(world, SALES_CHANNEL)[-1]
    assert newest["text"] == ("Invitation: Credit committee “Weekly credit committee” on "
                              f"{NEXT_WHEN}")
    shown = Reply(SALES_CHANNEL, newest["text"], newest["blocks"], ephemeral=False,
                  ts=newest["ts"])
    # Amy's acceptance carried; Ben's decline was about last week: he is asked again.
    assert tally(shown) == (
        "Accepted 2 · Declined 0 · Proposed another time 0 · No answer yet 7\n"
        f"Accepted: <@{CREDIT_MANAGER}>, <@{SALES}>\n"
        f"No answer yet: <@{BEN}>, <@U01SALESCHO>, <@U03FINDIR01>, <@U03CFO00001>, "
        "<@U04COLLECT1>, <@U04COLLECT2>, <@U02CREDITAN>")
