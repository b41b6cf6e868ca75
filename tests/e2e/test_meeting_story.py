"""Issue 11's "Done when" as one story, the way people live it, at the controlled clock
(Sunday 29 November 2026, 10:00 in Shanghai): the credit manager, in Berlin, schedules a
weekly credit committee across sales, finance and credit through the ``/credit meeting``
form at 09:00 on their own wall clock;
the invitations reach the three channels and every member by direct message with the
agenda the data gives; answers move every tally; the calendar file parses and carries
the right UTC times; the clock moves to a day and to 15 minutes before (each reminder
once); after the start the minutes' two action items reach their owners, ``/credit
tasks`` lists them and the due day's run reminds them; the next week's occurrence is
invited; a reschedule and a cancel reach every channel and person. Signed HTTP -> bot
-> use cases -> outbox -> sender -> Slack emulator; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import time_machine
from babel.numbers import format_currency

from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from domain.meetings.model import Meeting, MeetingState
from domain.money import Money
from domain.positions import portfolio_positions
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL, World
from tests.e2e.test_meeting_invitations import card, deliver, dm, posted, tally, token
from tests.e2e.test_meeting_reminders import reminders, run_meetings_job, sections
from tests.e2e.test_meeting_scheduling import at, options, stored

FINANCE_CHANNEL = "C02FINANCE0"
CREDIT_CHANNEL = "C03CREDIT00"
CHANNELS = (SALES_CHANNEL, FINANCE_CHANNEL, CREDIT_CHANNEL)
SALES_PEOPLE = ("U01SALESAMY", "U01SALESBEN", "U01SALESCHO")
FINANCE_PEOPLE = ("U03FINDIR01", "U03CFO00001", "U04COLLECT1", "U04COLLECT2")
ANALYST = "U02CREDITAN"
# The credit department: the manager (the organiser, who answers Accept by scheduling)
# and the analyst.
INVITED = (CREDIT_MANAGER, *SALES_PEOPLE, *FINANCE_PEOPLE, ANALYST)
BEN, FINANCE_DIRECTOR = "U01SALESBEN", "U03FINDIR01"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The organiser works in Berlin (their Slack time zone), the organisation in Shanghai.
BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 1 December 2026, typed as 09:00 on the organiser's wall clock: 08:00 UTC.
STARTS = datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN).astimezone(UTC)
# Slack shows each reader the time in their own zone; the fallback (what the emulator
# keeps) is in the organisation's zone, Shanghai's.
WHEN = token(STARTS, "Dec 1, 2026, 4:00 PM")
TITLE = "Weekly credit committee"
# The minutes' action items: owner, what, and the customer as its line names it.
TASKS = ((SALES, "Call Acme Packaging about the Q1 plan", " · *Acme Packaging* (`C0002`)"),
         (ANALYST, "Send the committee the aging report", ""))


def usd(amount: Any) -> str:
    return format_currency(amount, "USD", locale="en_US")


def money(value: Money) -> str:
    return format_currency(value.amount, value.currency, locale="en_US")


def expected_agenda(world: World, as_of: date) -> list[str]:
    """The committee's agenda from the data, as its first two sections read: the open
    requests, the longest waiting first; the exposures above their limit, the largest
    excess in the base currency first (at most ten, the rest counted)."""
    with world.services.uow() as uow:
        requests = sorted(uow.credit_requests.open_requests(), key=lambda r: (r.filed_at,
                                                                              r.id))
        entries = portfolio_positions(uow, as_of, world.services.policy)
    waiting = (as_of - NOW.astimezone(SHANGHAI).date()).days  # filed at NOW
    pending = [f"Request #{r.id}: *{r.customer_name}* (`{r.customer_id}`), limit increase "
               f"to {money(r.new_limit)} · waiting {waiting} "
               f"{'day' if waiting == 1 else 'days'} · by <@{r.requested_by}>"
               for r in requests if r.new_limit is not None]
    over = sorted(
        ((e.in_base.exposure.rounded().amount - e.in_base.limit.rounded().amount,
          e.customer.customer_id, e) for e in entries
         if e.in_base is not None and e.in_base.exposure.amount > e.in_base.limit.amount),
        key=lambda t: (-t[0], t[1]))
    # Each in the customer's own currency, as its card says it.
    lines = [f"*{e.customer.name}* (`{e.customer.customer_id}`): exposure "
             f"{money(e.position.exposure.rounded())} against a limit of "
             f"{money(e.position.limit.rounded())}, "
             f"{money((e.position.exposure - e.position.limit).rounded())} over"
             for _, _, e in over if e.position is not None]
    more = [f"and {len(lines) - 10} more"] if len(lines) > 10 else []
    return ["*Pending approvals*\n" + "\n".join(pending),
            "*Exposures above their limit*\n" + "\n".join([*lines[:10], *more])]


def schedule_through_the_form(world: World) -> Meeting:
    world.emulator.users[CREDIT_MANAGER].tz = "Europe/Berlin"
    world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit meeting")
    view = world.slack.modal(CREDIT_MANAGER)
    result = world.slack.submit(CREDIT_MANAGER, view, {
        "kind": "credit_committee", "title": TITLE,
        "departments": options("sales", "finance", "credit"),
        "attendees": {"type": "multi_users_select", "selected_users": []},
        "customers": "", "date": "2026-12-01", "time": at("09:00"), "duration": "60",
        "recurrence": "weekly", "despite": options(kind="checkboxes")})
    assert (result.status, result.body) == (200, "")
    confirmed = [c for c in world.emulator.wait_for("chat.postEphemeral")
                 if c.args.get("user") == CREDIT_MANAGER][-1]
    assert confirmed.text == (
        f":white_check_mark: *{TITLE}* is scheduled for Dec 1, 2026, 09:00–10:00 "
        "(Europe/Berlin time), every week. Invitations are on their way to Sales, Finance "
        "&amp; Accounts Receivable, Credit Management.")
    deliver(world)
    [meeting] = stored(world)
    return meeting


def dm_texts(user: str, world: World) -> list[str]:
    return [str(m.get("text", "")) for m in world.emulator.channels.get(dm(user), [])]


def everywhere() -> list[str]:
    return [*CHANNELS, *(dm(u) for u in INVITED)]


def test_a_weekly_credit_committee_from_scheduling_to_cancel(world: World) -> None:
    world.services.requests.file(world.services.config.roster().member(SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "Q1 season", "+100k"))
    meeting = schedule_through_the_form(world)
    assert (meeting.starts_at, meeting.zone, meeting.departments) == (
        STARTS, "Europe/Berlin", ("sales", "finance", "credit"))

    # Invitations: a card and the agenda in each channel and each member's DM.
    agenda = expected_agenda(world, NOW.astimezone(SHANGHAI).date())
    no_answer = ", ".join(f"<@{u}>" for u in INVITED[1:])
    for place in everywhere():
        shown = card(world, place)
        assert shown.text == f"Invitation: Credit committee “{TITLE}” on {WHEN}", place
        assert tally(shown) == ("Accepted 1 · Declined 0 · Proposed another time 0 · "
                                f"No answer yet 8\nAccepted: <@{CREDIT_MANAGER}>\n"
                                f"No answer yet: {no_answer}")
        [listed] = posted(world, place, "agenda")
        assert listed["text"] == f"Agenda: {TITLE}"
        assert sections(listed)[:2] == agenda, place
        assert [s.split("\n")[0] for s in sections(listed)] == [
            "*Pending approvals*", "*Exposures above their limit*",
            "*Accounts in the oldest aging bucket*", "*Contracts ending*"]
        # The calendar file, under the card: the time typed, in UTC, every week.
        [(share, [file])] = world.emulator.shared_in(place)
        assert share.thread_ts == shown.ts
        assert file.filename == f"meeting-{meeting.id}-v1.ics" and file.content
        event = icalendar.Calendar.from_ical(file.content).walk("VEVENT")[0]
        assert event.decoded("dtstart").astimezone(UTC) == datetime(2026, 12, 1, 8, 0,
                                                                    tzinfo=UTC)
        assert event.decoded("dtend").astimezone(UTC) == datetime(2026, 12, 1, 9, 0,
                                                                  tzinfo=UTC)
        assert str(event["dtstart"].params["TZID"]) == "Europe/Berlin"
        assert event["rrule"].to_ical() == b"FREQ=WEEKLY"
        assert str(event["organizer"]) == f"urn:slack:{CREDIT_MANAGER}"
        assert [str(a) for a in event["attendee"]] == [f"urn:slack:{u}" for u in INVITED[1:]]

    # Answers: accept, decline, propose another time; every card's tally moves.
    world.slack.click(SALES, card(world, SALES_CHANNEL), "Accept")
    world.slack.click(FINANCE_DIRECTOR, card(world, FINANCE_CHANNEL), "Decline")
    world.slack.click(BEN, card(world, dm(BEN)), "Propose another time", wait=False)
    view = world.slack.modal(BEN)
    proposed = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "15:00"})
    assert (proposed.status, proposed.body.strip()) == (200, "")
    deliver(world)
    waiting = ", ".join(f"<@{u}>" for u in INVITED if u not in (
        CREDIT_MANAGER, SALES, FINANCE_DIRECTOR, BEN))
    for place in everywhere():
        assert tally(card(world, place)) == (
            "Accepted 2 · Declined 1 · Proposed another time 1 · No answer yet 5\n"
            f"Accepted: <@{CREDIT_MANAGER}>, <@{SALES}>\nDeclined: <@{FINANCE_DIRECTOR}>\n"
            f"Proposed another time: <@{BEN}>\nNo answer yet: {waiting}"), place
    # The organiser is told of the decline and the proposal.
    proposal = token(datetime(2026, 12, 2, 15, 0, tzinfo=SHANGHAI), "Dec 2, 2026, 3:00 PM")
    assert [t for t in dm_texts(CREDIT_MANAGER, world) if t.startswith((":x:", ":calendar:"))
            ] == [f":x: <@{FINANCE_DIRECTOR}> declined Credit committee “{TITLE}” on {WHEN}.",
                  f":calendar: <@{BEN}> proposes another time for Credit committee “{TITLE}” "
                  f"on {WHEN}: {proposal}."]

    # A day before, then 15 minutes before: each reminder once, everywhere.
    def lead(said: str) -> str:
        return (f":alarm_clock: Reminder: Credit committee “{TITLE}” on {WHEN} starts in "
                f"{said}. The agenda as it stands now:")

    for moment in (STARTS - timedelta(days=1), STARTS - timedelta(minutes=15)):
        assert run_meetings_job(world, moment)["reminders"] == 1
        assert run_meetings_job(world, moment + timedelta(minutes=5))["reminders"] == 0
        deliver(world)
    for place in everywhere():
        # Who declined is not reminded (the channels still are).
        assert [m["text"] for m in reminders(world, place)] == ([] if place == dm(
            FINANCE_DIRECTOR) else [lead("24 hours"), lead("15 minutes")]), place
    # Each with the agenda rebuilt from the data of its day.
    [first, last] = reminders(world, FINANCE_CHANNEL)
    assert sections(first)[1:3] == expected_agenda(world, date(2026, 11, 30))
    assert sections(last)[1:3] == expected_agenda(world, date(2026, 12, 1))

    # After the start: the minutes with two action items.
    held = STARTS + timedelta(hours=1, minutes=5)
    due = date(2026, 12, 3)
    with time_machine.travel(held, tick=True):
        listed = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit minutes")
        world.emulator.views.clear()
        world.slack.click(CREDIT_MANAGER, listed, "Record minutes", wait=False)
        form = world.slack.modal(CREDIT_MANAGER)
        result = world.slack.submit(CREDIT_MANAGER, form, {
            "decisions": "Acme Packaging's increase goes to the CFO.",
            "what_0": "Call Acme Packaging about the Q1 plan", "owner_0": SALES,
            "due_0": str(due), "customer_0": "C0002",
            "what_1": "Send the committee the aging report", "owner_1": ANALYST,
            "due_1": str(due)})
        assert (result.status, result.body) == (200, "")
        deliver(world)
        due_token = "Dec 3, 2026"  # a calendar day, written out: the same for everyone
        for owner, what, customer in TASKS:
            told = [m.get("text", "") for m in world.emulator.channels[dm(owner)]
                    if m.get("text", "").startswith(":pushpin:")]
            assert told == [
                f":pushpin: <@{CREDIT_MANAGER}> gave you an action item in the minutes of "
                f"“{TITLE}” on {WHEN}: {what} · due {due_token}{customer}. You are reminded "
                "on the due day; `/credit tasks` lists yours, with a Done button."], owner
        mine = world.slack.slash(SALES, SALES_CHANNEL, "/credit tasks")
        assert [b["text"]["text"] for b in mine.blocks if b["type"] == "section"] == [
            "*Your tasks*: 1 open, 0 overdue; the most overdue first.",
            f"*Call Acme Packaging about the Q1 plan*\nDue {due_token} · from “{TITLE}” on "
            f"{WHEN} · *Acme Packaging* (`C0002`)"]
        assert [b["text"]["text"] for b in mine.buttons()] == ["Done"]

    # The job after the start invites the next week's occurrence.
    assert run_meetings_job(world, held)["occurrences"] == 1
    deliver(world)
    next_when = token(STARTS + timedelta(days=7), "Dec 8, 2026, 4:00 PM")
    for place in everywhere():
        invitations = [m["text"] for m in posted(world, place)]
        assert invitations == [f"Invitation: Credit committee “{TITLE}” on {WHEN}",
                               f"Invitation: Credit committee “{TITLE}” on {next_when}"]

    # The due day's run (08:05 in Shanghai) reminds the owners, once.
    morning = datetime(2026, 12, 3, 8, 5, tzinfo=SHANGHAI)
    assert run_meetings_job(world, morning)["task_reminders"] == 2
    assert run_meetings_job(world, morning + timedelta(minutes=5))["task_reminders"] == 0
    deliver(world)
    for owner, what, customer in TASKS:
        due_today = [m.get("text", "") for m in world.emulator.channels[dm(owner)]
                     if m.get("text", "").startswith(":alarm_clock: Due today")]
        assert due_today == [
            f":alarm_clock: Due today: {what} · due {due_token}{customer}. From the minutes of "
            f"“{TITLE}” on {WHEN}. `/credit tasks` lists yours, with a Done button."], owner

    # The organiser moves the next occurrence, then cancels it: every channel and
    # person is told, with the calendar file that changes their calendars.
    moved_when = token(datetime(2026, 12, 9, 14, 0, tzinfo=BERLIN),
                       "Dec 9, 2026, 9:00 PM")
    with time_machine.travel(morning, tick=True):
        before = {place: len(world.emulator.channels.get(place, [])) for place in everywhere()}
        meetings = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit meetings")
        world.emulator.views.clear()
        world.slack.click(CREDIT_MANAGER, meetings, "Reschedule", wait=False)
        form = world.slack.modal(CREDIT_MANAGER)
        moved = world.slack.submit(CREDIT_MANAGER, form, {"date": "2026-12-09",
                                                          "time": at("14:00")})
        assert (moved.status, moved.body) == (200, ""), moved.body
        deliver(world)
        told = (f":calendar: <@{CREDIT_MANAGER}> moved Credit committee “{TITLE}” from "
                f"{next_when} to {moved_when} (1 hour). Answers to the old time are "
                "cleared: please answer the invitation again.")
        assert_told(world, before, told, "REQUEST", datetime(2026, 12, 9, 13, 0, tzinfo=UTC),
                    confirmed=True)
        assert world.emulator.channels[dm(CREDIT_MANAGER)][before[dm(CREDIT_MANAGER)]][
            "text"] == (f":calendar: *{TITLE}* is moved to Dec 9, 2026, 14:00–15:00 "
                        "(Europe/Berlin time). Everyone invited is told.\n"
                        # Checked as a new time is: 21:00 in Shanghai for the others.
                        ":warning: For " + ", ".join(
                            f"<@{who}> (Dec 9, 2026, 21:00, Asia/Shanghai)" for who in (
                                "U01SALESAMY", "U01SALESBEN", "U01SALESCHO", "U03FINDIR01",
                                "U03CFO00001", "U04COLLECT1", "U04COLLECT2", "U02CREDITAN"))
                        + ", that is outside working hours (08:00–19:00 on their own "
                        "clock).")

        before = {place: len(world.emulator.channels.get(place, [])) for place in everywhere()}
        meetings = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit meetings")
        done = world.slack.click(CREDIT_MANAGER, meetings, "Cancel")
        assert done is not None and done.all_text() == (
            f":wastebasket: *{TITLE}* on Dec 9, 2026, 14:00 (Europe/Berlin time) is "
            "cancelled. Everyone invited is told.")
        deliver(world)
        told = (f":x: <@{CREDIT_MANAGER}> cancelled Credit committee “{TITLE}” on "
                f"{moved_when}.")
        assert_told(world, before, told, "CANCEL", datetime(2026, 12, 9, 13, 0, tzinfo=UTC))
    with world.services.uow() as uow:
        first, second = uow.meetings.series(meeting.id)
    assert (first.state, second.state) == (MeetingState.SCHEDULED, MeetingState.CANCELLED)


def assert_told(world: World, before: dict[str, int], told: str, method: str,
                starts: datetime, confirmed: bool = False) -> None:
    """Each channel and person got ``told`` once, then the new calendar file under the
    occurrence's card (``method``: REQUEST updates the event, CANCEL removes it); the
    organiser, who made the change, the file only."""
    heading = "Cancelled" if method == "CANCEL" else "Invitation"
    for place in everywhere():
        new = world.emulator.channels[place][before[place]:]
        if confirmed and place == dm(CREDIT_MANAGER):  # the organiser's confirmation
            new = new[1:]
        calendar = "Remove from" if method == "CANCEL" else "Add to"
        assert [m.get("text") for m in new] == [
            *([] if place == dm(CREDIT_MANAGER) else [told]),
            f"{calendar} your calendar: {TITLE}"], place
        [*_, (share, [file])] = world.emulator.shared_in(place)
        assert share.thread_ts == posted(world, place)[-1]["ts"], place
        # The occurrence's card, edited in place to say what happened.
        assert posted(world, place)[-1]["text"] == (
            f"{heading}: Credit committee “{TITLE}” on {token(starts, 'Dec 9, 2026, 9:00 PM')}")
        assert file.content is not None
        calendar = icalendar.Calendar.from_ical(file.content)
        event = calendar.walk("VEVENT")[0]
        assert (str(calendar["method"]), event.decoded("dtstart").astimezone(UTC)) == (
            method, starts), place
