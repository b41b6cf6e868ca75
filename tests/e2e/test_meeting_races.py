"""Scheduling forms sent at the same instant, as a double click, a retry or two
organisers do it: the same form schedules one meeting, and two organisers cannot both
book the same people at the same time. And answers racing a reschedule: an acceptance
of the old time does not survive the move. Signed HTTP -> bot -> emulator, on SQLite
and PostgreSQL (where, before, both submissions went through)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from bot.sandbox.driver import HttpResult
from tests.e2e.alerts_world import audit
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_meeting_invitations import (
    FINANCE_CHANNEL,
    FINANCE_DIRECTOR,
    FINANCE_PEOPLE,
    SALES_PEOPLE,
    card,
    deliver,
    dm,
    schedule,
    tally,
)
from tests.e2e.test_meeting_invitations import (
    INVITED as INVITED_PEOPLE,
)
from tests.e2e.test_meeting_scheduling import (
    INVITED,
    at,
    filled,
    open_form,
    options,
    stored,
    told,
)

T = TypeVar("T")


def at_once(*sends: Callable[[], T]) -> list[T]:
    """Each send in its own thread, released together."""
    start = threading.Barrier(len(sends))
    answers: list[T | None] = [None] * len(sends)

    def run(index: int) -> None:
        start.wait()
        answers[index] = sends[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sends))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(a is not None for a in answers), "a submission did not answer in 30 s"
    return [a for a in answers if a is not None]


def test_the_same_form_sent_five_times_at_once_schedules_one_meeting(world: World) -> None:
    view = open_form(world)
    values = filled()

    def send() -> HttpResult:
        return world.slack.submit(SALES, view, values)

    answers = at_once(*[send] * 5)
    # Every submission closes the form; none is refused, none answers twice.
    assert [(a.status, a.body) for a in answers] == [(200, "")] * 5
    [meeting] = stored(world)
    assert meeting.title == "Credit committee, December"
    assert len(audit(world.services.engine, "meeting.scheduled")) == 1
    destinations, _ = told(world)
    assert destinations == INVITED
    world.emulator.wait_for("chat.postEphemeral")
    time.sleep(0.5)  # a second confirmation would follow the first within this
    [confirmed] = world.emulator.calls_to("chat.postEphemeral")
    assert confirmed.text == (
        ":white_check_mark: *Credit committee, December* is scheduled for Dec 1, 2026, "
        "10:00–11:00 (Asia/Shanghai time), every week. Invitations are on their way to "
        "Sales, Credit Management, <@U03FINDIR01>.")


def test_two_organisers_booking_the_same_people_at_once_get_one_meeting(world: World
                                                                        ) -> None:
    sales_view, manager_view = open_form(world, SALES), open_form(world, CREDIT_MANAGER)
    none: dict[str, Any] = {"type": "multi_users_select", "selected_users": []}
    forms = {
        SALES: (sales_view, filled(title="Sales sync", departments=options("sales"),
                                   attendees=none, recurrence="none")),
        CREDIT_MANAGER: (manager_view, filled(title="Collections", time=at("10:30"),
                                              departments=options("sales"), attendees=none,
                                              recurrence="none")),
    }

    def sender(user: str) -> Callable[[], HttpResult]:
        view, values = forms[user]
        return lambda: world.slack.submit(user, view, values)

    answers = dict(zip(forms, at_once(sender(SALES), sender(CREDIT_MANAGER)), strict=True))
    [meeting] = stored(world)
    winner = SALES if meeting.title == "Sales sync" else CREDIT_MANAGER
    loser = CREDIT_MANAGER if winner == SALES else SALES
    assert (answers[winner].status, answers[winner].body) == (200, "")
    start = "10:00–11:00" if winner == SALES else "10:30–11:30"
    assert answers[loser].json() == {"response_action": "errors", "errors": {"time": (
        f"Clashes with “{meeting.title}” (Dec 1, 2026, {start}) for @amy, @U01SALESBEN, "
        "@U01SALESCHO. Pick another time, or tick “Schedule even if it conflicts”.")}}
    assert len(audit(world.services.engine, "meeting.scheduled")) == 1


def test_a_reschedule_clears_the_answers_to_the_old_time(world: World) -> None:
    schedule(world)  # by the credit manager: sales and finance, Tuesday 10:00
    world.slack.click(SALES, card(world, SALES_CHANNEL), "Accept")
    world.slack.click(FINANCE_DIRECTOR, card(world, FINANCE_CHANNEL), "Decline")
    deliver(world)
    assert tally(card(world, SALES_CHANNEL)).split("\n")[0] == (
        "Accepted 2 · Declined 1 · Proposed another time 0 · No answer yet 5")

    listed = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit meetings")
    world.emulator.views.clear()
    world.slack.click(CREDIT_MANAGER, listed, "Reschedule", wait=False)
    moved = world.slack.submit(CREDIT_MANAGER, world.slack.modal(CREDIT_MANAGER),
                               {"date": "2026-12-04", "time": at("16:00")})
    assert (moved.status, moved.body) == (200, ""), moved.body
    deliver(world)
    # Only the organiser's answer stands; every card says so.
    expected = ("Accepted 1 · Declined 0 · Proposed another time 0 · No answer yet 7\n"
                f"Accepted: <@{CREDIT_MANAGER}>\nNo answer yet: "
                + ", ".join(f"<@{u}>" for u in (*SALES_PEOPLE, *FINANCE_PEOPLE)))
    for channel in (SALES_CHANNEL, FINANCE_CHANNEL, *(dm(u) for u in INVITED_PEOPLE)):
        assert tally(card(world, channel)) == expected, channel
    # Answering again counts for the new time.
    world.slack.click(SALES, card(world, SALES_CHANNEL), "Accept")
    deliver(world)
    assert tally(card(world, SALES_CHANNEL)).split("\n")[:2] == [
        "Accepted 2 · Declined 0 · Proposed another time 0 · No answer yet 6",
        f"Accepted: <@{CREDIT_MANAGER}>, <@{SALES}>"]
