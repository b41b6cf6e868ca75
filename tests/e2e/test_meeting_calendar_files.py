"""The calendar files one person gets for a weekly committee, read in order the way a
calendar client merges them (tests/unit/test_meeting_ics.py's ``Client``): the series'
invitation makes the event, the job's next occurrence changes nothing, moving that
occurrence moves only it, cancelling it removes only it. Signed HTTP → bot → outbox →
sender → emulator; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from tests.e2e.conftest import CREDIT_MANAGER, SALES, World
from tests.e2e.test_meeting_invitations import deliver, dm
from tests.e2e.test_meeting_reminders import STARTS, run_meetings_job, schedule
from tests.e2e.test_meeting_scheduling import at
from tests.unit.test_meeting_ics import Client

WEEK = timedelta(days=7)
CREDIT_CHANNEL = "C03CREDIT00"


def files(world: World, user: str) -> list[bytes]:
    return [f.content for _, shared in world.emulator.shared_in(dm(user)) for f in shared
            if f.content is not None]


def test_moving_and_cancelling_one_occurrence_leaves_the_series_alone(world: World) -> None:
    meeting = schedule(world)
    assert run_meetings_job(world, STARTS + timedelta(minutes=5))["occurrences"] == 1
    deliver(world)
    key = f"meeting-{meeting.id}@creditbot"
    weekly = [STARTS + n * WEEK for n in range(4)]
    client = Client()
    for content in files(world, SALES):
        client.open(content)
    assert client.starts(key, 4) == weekly

    morning = datetime(2026, 12, 3, 8, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=True):
        listed = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit meetings")
        world.emulator.views.clear()
        world.slack.click(CREDIT_MANAGER, listed, "Reschedule", wait=False)
        form = world.slack.modal(CREDIT_MANAGER)
        moved = world.slack.submit(CREDIT_MANAGER, form, {"date": "2026-12-09",
                                                          "time": at("14:00")})
        assert (moved.status, moved.body) == (200, ""), moved.body
        deliver(world)
        seen = len(files(world, SALES))
        for content in files(world, SALES)[2:]:
            client.open(content)
        new_time = datetime(2026, 12, 9, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
        assert client.starts(key, 4) == [weekly[0], new_time, weekly[2], weekly[3]]

        listed = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit meetings")
        assert world.slack.click(CREDIT_MANAGER, listed, "Cancel") is not None
        deliver(world)
        for content in files(world, SALES)[seen:]:
            client.open(content)
        assert client.starts(key, 4) == [weekly[0], weekly[2], weekly[3]]
