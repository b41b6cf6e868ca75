"""The meetings job as people see it: a weekly credit committee across sales, finance
and credit, the clock moved to a day before it → the job runs (recorded, as the
scheduler runs it) → the reminder with the agenda as it stands reaches each channel
under the invitation card and each person by direct message; 15 minutes before, the
second one; past the start, the next week's occurrence exists and its own invitation
went out. Two runs at once, and a rerun, send each reminder once. Through the outbox,
the real sender and the Slack emulator; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, select

from bot.scheduler import job_context, run_job
from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from domain.meetings.model import Meeting, MeetingKind, Recurrence, Task
from domain.meetings.use_cases import Draft
from handlers.features import catalogue
from storage import write_gate
from storage.db import make_engine
from storage.models import OutboxRow
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_meeting_invitations import deliver, dm, posted, token

FINANCE_CHANNEL = "C02FINANCE0"
CREDIT_CHANNEL = "C03CREDIT00"
# Tuesday 1 December 2026, 10:00 in Shanghai.
STARTS = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
WHEN = token(STARTS, "Dec 1, 2026, 10:00 AM")
NEXT_WHEN = token(STARTS + timedelta(days=7), "Dec 8, 2026, 10:00 AM")
INVITED_PEOPLE = ("U02CREDITMG", "U01SALESAMY", "U01SALESBEN", "U01SALESCHO",
                  "U03FINDIR01", "U03CFO00001", "U04COLLECT1", "U04COLLECT2", "U02CREDITAN")


def schedule(world: World) -> Meeting:
    services = world.services
    roster = services.config.roster()
    services.requests.file(roster.member(SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "Q1 season", "+100k"))
    meeting = services.meetings.schedule(roster.member(CREDIT_MANAGER), Draft(
        kind=MeetingKind.CREDIT_COMMITTEE, title="Weekly credit committee",
        day=date(2026, 12, 1), at=time(10, 0), minutes=60, zone="Asia/Shanghai",
        departments=("sales", "finance", "credit"), recurrence=Recurrence.WEEKLY))
    deliver(world)
    return meeting


def run_meetings_job(world: World, at: datetime, host: str = "e2e",
                     engine: Engine | None = None) -> dict[str, int]:
    engine = engine or world.services.engine
    job = next(j for j in catalogue().jobs if j.name == "meetings")
    result = run_job(engine, job, job_context(engine, world.services.config,
                                              clock=lambda: at), host)
    assert result.outcome == "ok", result
    return dict(result.counts)


def reminders(world: World, channel: str) -> list[dict[str, Any]]:
    return [m for m in world.emulator.channels.get(channel, [])
            if m.get("text", "").startswith(":alarm_clock:")]


def header(lead: str, when: str = WHEN) -> str:
    return (f":alarm_clock: Reminder: Credit committee “Weekly credit committee” on {when} "
            f"starts in {lead}. The agenda as it stands now:")


def sections(message: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]


def three_at_once(world: World, at: datetime) -> list[dict[str, int]]:
    """The meetings job run by three hosts at the same instant (three schedulers); each
    run's counts. A run that raised fails the test."""
    start = threading.Barrier(3)
    counts: list[dict[str, int]] = []
    failures: list[BaseException] = []
    engine = make_engine(world.services.engine.url.render_as_string(hide_password=False))
    if engine.dialect.name == "sqlite":
        # The runs queue for SQLite's one write lock, each holding it while it builds an
        # agenda: on a loaded machine longer than the 1 s a request waits, which failed
        # a run as "not answering" (what a request should be told; here, not the point).
        # The writers' gate in front of that lock too (storage.write_gate).
        @event.listens_for(engine, "connect")
        def _wait_longer(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA busy_timeout=30000")

        waited, write_gate.WAIT_SECONDS = write_gate.WAIT_SECONDS, 30.0

    def run(host: str) -> None:
        start.wait()
        try:
            counts.append(run_meetings_job(world, at, host, engine))
        except BaseException as problem:  # the assertion below shows it
            failures.append(problem)

    threads = [threading.Thread(target=run, args=(f"host-{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    if engine.dialect.name == "sqlite":
        write_gate.WAIT_SECONDS = waited
    assert failures == []
    return counts


def test_reminders_a_day_and_15_minutes_before_then_the_next_occurrence(
        world: World) -> None:
    meeting = schedule(world)
    cards = {c: posted(world, c)[0]["ts"] for c in (SALES_CHANNEL, FINANCE_CHANNEL,
                                                    CREDIT_CHANNEL)}

    assert run_meetings_job(world, STARTS - timedelta(days=1, minutes=5)) == {
        "reminders": 0, "occurrences": 0, "task_reminders": 0, "overdue_digests": 0}
    assert run_meetings_job(world, STARTS - timedelta(days=1))["reminders"] == 1
    deliver(world)
    for channel, card_ts in cards.items():
        [reminder] = reminders(world, channel)
        assert reminder["text"] == header("24 hours")
        assert reminder["thread_ts"] == card_ts  # under the invitation card
        assert sections(reminder)[0] == header("24 hours")
        assert sections(reminder)[1] == (
            "*Pending approvals*\nRequest #1: *Acme Packaging* (`C0002`), limit increase "
            f"to $200,000.00 · waiting 1 day · by <@{SALES}>")
    for user in INVITED_PEOPLE:
        [reminder] = reminders(world, dm(user))
        assert reminder["text"] == header("24 hours"), user
        assert "thread_ts" not in reminder or reminder["thread_ts"] is None

    # A rerun five minutes later sends nothing more.
    assert run_meetings_job(world, STARTS - timedelta(days=1) + timedelta(minutes=5))[
        "reminders"] == 0
    deliver(world)
    assert len(reminders(world, SALES_CHANNEL)) == 1

    assert run_meetings_job(world, STARTS - timedelta(minutes=15))["reminders"] == 1
    deliver(world)
    assert [m["text"] for m in reminders(world, FINANCE_CHANNEL)] == [
        header("24 hours"), header("15 minutes")]
    assert [m["text"] for m in reminders(world, dm(SALES))] == [
        header("24 hours"), header("15 minutes")]

    # Past the start: no more reminders; the next week's occurrence, invited.
    assert run_meetings_job(world, STARTS + timedelta(minutes=5)) == {
        "reminders": 0, "occurrences": 1, "task_reminders": 0, "overdue_digests": 0}
    assert run_meetings_job(world, STARTS + timedelta(minutes=10))["occurrences"] == 0
    deliver(world)
    with world.services.uow() as uow:
        [nxt] = [m for m in uow.meetings.series(meeting.id) if m.id != meeting.id]
    assert (nxt.series_id, nxt.starts_at, nxt.title, nxt.recurrence) == (
        meeting.id, STARTS + timedelta(days=7), "Weekly credit committee", Recurrence.WEEKLY)
    for channel in (SALES_CHANNEL, FINANCE_CHANNEL, CREDIT_CHANNEL):
        first, second = posted(world, channel)
        assert first["text"] == ("Invitation: Credit committee “Weekly credit committee” "
                                 f"on {WHEN}")
        assert second["text"] == ("Invitation: Credit committee “Weekly credit committee” "
                                  f"on {NEXT_WHEN}")
        # The reminders carry the agenda too; the new invitation's is the last.
        agenda = posted(world, channel, "agenda")[-1]
        assert agenda["text"] == "Agenda: Weekly credit committee"
        assert sections(agenda)[0] == (
            "*Pending approvals*\nRequest #1: *Acme Packaging* (`C0002`), limit increase "
            f"to $200,000.00 · waiting 2 days · by <@{SALES}>")
    for user in INVITED_PEOPLE:
        assert len(posted(world, dm(user))) == 2, user
        # Its own calendar file, under its own card.
        assert [f.filename for _, files in world.emulator.shared_in(dm(user)) for f in files] \
            == [f"meeting-{meeting.id}-v1.ics", f"meeting-{nxt.id}-v1.ics"], user
    assert len(reminders(world, SALES_CHANNEL)) == 2


def test_two_runs_at_once_send_each_reminder_once(world: World) -> None:
    schedule(world)
    at = STARTS - timedelta(minutes=14)
    assert sorted(c["reminders"] for c in three_at_once(world, at)) == [0, 0, 1]
    with world.services.engine.connect() as conn:
        queued = conn.execute(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.kind == "meetings.reminder")).scalar_one()
    assert queued == len(INVITED_PEOPLE) + 3  # each person and each channel, once
    # A rerun, and a run after the start, add none.
    assert run_meetings_job(world, at + timedelta(minutes=1))["reminders"] == 0
    deliver(world)
    # Sent at 14 minutes before: it says so (the time left, not the configured lead).
    assert [m["text"] for m in reminders(world, SALES_CHANNEL)] == [header("14 minutes")]


def test_two_runs_at_once_after_the_start_create_the_next_occurrence_once(
        world: World) -> None:
    meeting = schedule(world)
    counts = three_at_once(world, STARTS + timedelta(minutes=1))
    assert sorted(c["occurrences"] for c in counts) == [0, 0, 1]
    with world.services.uow() as uow:
        occurrences = uow.meetings.series(meeting.id)
    assert [m.starts_at for m in occurrences] == [STARTS, STARTS + timedelta(days=7)]


def test_the_job_reminds_task_owners_on_the_due_day_and_organisers_of_overdue_ones(
        world: World) -> None:
    meeting = schedule(world)
    with world.services.uow() as uow:
        uow.meetings.add_task(Task("Call Acme about the Q1 plan", SALES, date(2026, 12, 3),
                                   CREDIT_MANAGER, STARTS, meeting_id=meeting.id))
        uow.meetings.add_task(Task("Send the dunning letter", "U04COLLECT1",
                                   date(2026, 12, 2), CREDIT_MANAGER, STARTS,
                                   meeting_id=meeting.id))
        uow.commit()
    before = {u: len(world.emulator.channels.get(dm(u), [])) for u in (SALES, CREDIT_MANAGER)}
    # Thursday 3 December, 07:00 in Shanghai: before the working day, nothing.
    early = run_meetings_job(world, datetime(2026, 12, 2, 23, 0, tzinfo=UTC))
    assert (early["task_reminders"], early["overdue_digests"]) == (0, 0)
    # 08:05: the owner of the task due today, the organiser of the overdue one.
    counts = run_meetings_job(world, datetime(2026, 12, 3, 0, 5, tzinfo=UTC))
    assert (counts["task_reminders"], counts["overdue_digests"]) == (1, 1)
    again = run_meetings_job(world, datetime(2026, 12, 3, 0, 10, tzinfo=UTC))
    assert (again["task_reminders"], again["overdue_digests"]) == (0, 0)
    deliver(world)
    # What came after the invitation (its card, agenda and calendar file) and reminders.
    meeting_posts = ("Invitation", "Agenda", "Add to", ":alarm_clock: Reminder")
    new = {u: [m["text"] for m in world.emulator.channels.get(dm(u), [])[before[u]:]
               if not m.get("text", "").startswith(meeting_posts)]
           for u in (SALES, CREDIT_MANAGER)}
    # Once each, though the job ran again.
    assert new == {
        SALES: [":alarm_clock: Due today: Call Acme about the Q1 plan · due "
                "Dec 3, 2026. From the minutes of "
                f"“Weekly credit committee” on {WHEN}. `/credit tasks` lists yours, with a "
                "Done button."],
        CREDIT_MANAGER: [":warning: 1 action item from your meetings is overdue:\n"
                         "• Send the dunning letter · <@U04COLLECT1> · due "
                         "Dec 2, 2026 · from "
                         f"“Weekly credit committee” on {WHEN}"]}


def test_no_task_reminder_or_overdue_digest_on_a_day_off(world: World) -> None:
    # Saturday 09:00 in Shanghai sent the organiser "2 action items are overdue".
    meeting = schedule(world)
    with world.services.uow() as uow:
        uow.meetings.add_task(Task("Send the dunning letter", "U04COLLECT1",
                                   date(2026, 12, 2), CREDIT_MANAGER, STARTS,
                                   meeting_id=meeting.id))
        uow.meetings.add_task(Task("Call Acme", SALES, date(2026, 12, 5), CREDIT_MANAGER,
                                   STARTS, meeting_id=meeting.id))
        uow.commit()
    for saturday_or_sunday in (datetime(2026, 12, 5, 1, 0, tzinfo=UTC),
                               datetime(2026, 12, 6, 1, 0, tzinfo=UTC)):
        counts = run_meetings_job(world, saturday_or_sunday)
        assert (counts["task_reminders"], counts["overdue_digests"]) == (0, 0)
    # Monday 09:00: the overdue ones in one digest, Saturday's task among them; and
    # Saturday's owner, who would otherwise never hear of it, is reminded now, once.
    before = len(world.emulator.channels.get(dm(SALES), []))
    monday = run_meetings_job(world, datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    assert (monday["task_reminders"], monday["overdue_digests"]) == (1, 1)
    again = run_meetings_job(world, datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert (again["task_reminders"], again["overdue_digests"]) == (0, 0)
    deliver(world)
    assert [m["text"] for m in world.emulator.channels[dm(SALES)][before:]
            if m["text"].startswith(":alarm_clock: Fell")] == [
        ":alarm_clock: Fell due on a day off: Call Acme · due Dec 5, 2026. From the minutes "
        f"of “Weekly credit committee” on {WHEN}. `/credit tasks` lists yours, with a Done "
        "button."]
    # Tuesday: Saturday's task is no longer reminded (it was, on Monday).
    tuesday = run_meetings_job(world, datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assert tuesday["task_reminders"] == 0


def test_cancelling_the_only_occurrence_from_the_list_keeps_the_weekly_series(
        world: World) -> None:
    meeting = schedule(world)
    mine = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit meetings")
    done = world.slack.click(CREDIT_MANAGER, mine, "Cancel")
    assert done.all_text() == (
        ":wastebasket: *Weekly credit committee* on Dec 1, 2026, 10:00 (Asia/Shanghai "
        "time) is cancelled. Everyone invited is told.")
    assert run_meetings_job(world, STARTS + timedelta(minutes=5))["occurrences"] == 1
    with world.services.uow() as uow:
        series = uow.meetings.series(meeting.id)
    assert [(m.starts_at, m.state.value, m.occurrence) for m in series] == [
        (STARTS, "cancelled", 0), (STARTS + timedelta(days=7), "scheduled", 1)]
    assert run_meetings_job(world, STARTS + timedelta(minutes=10))["occurrences"] == 0


def test_a_series_cancelled_while_the_job_adds_its_next_occurrence_stays_cancelled(
        world: World, monkeypatch: Any) -> None:
    """On PostgreSQL the cancel locked the occurrence and the job the series' first:
    the job added next week's occurrence (with the weekly rule) the cancel could not
    see, and every week after it another one came, the series "cancelled"."""
    import time_machine

    from domain.meetings.use_cases import Scope
    from storage.meetings import SqlMeetingStore
    from tests.e2e.test_races_inside import inside

    first = schedule(world)
    run_meetings_job(world, STARTS + timedelta(minutes=5))  # creates Dec 8's
    with world.services.uow() as uow:
        second = uow.meetings.series(first.id)[1]
    during = second.starts_at + timedelta(minutes=5)
    member = world.services.config.roster().member(CREDIT_MANAGER)

    def cancel() -> None:
        # Pressed a minute before Dec 8's starts (a meeting being held is no longer
        # cancelled), while the job, run just after, adds the one after it.
        with time_machine.travel(second.starts_at - timedelta(minutes=1), tick=True):
            world.services.meetings.cancel(member, second.id, Scope.SERIES)

    settled = inside(monkeypatch, SqlMeetingStore, "add_meeting", cancel)
    run_meetings_job(world, during)
    settled()
    run_meetings_job(world, during + timedelta(days=7))
    with world.services.uow() as uow:
        after = uow.meetings.series(first.id)
    # Whichever went first: nothing after Dec 8 is left scheduled, and no rule goes on.
    assert [(m.occurrence, m.state.value) for m in after if m.occurrence >= 1] in (
        [(1, "cancelled")], [(1, "cancelled"), (2, "cancelled")])
    assert all(m.recurrence is Recurrence.NONE for m in after if m.occurrence >= 1)
