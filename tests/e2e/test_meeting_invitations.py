"""Meeting invitations as people get them: a weekly credit committee scheduled through
the scheduling use case goes out through the outbox and the real sender to the Slack
emulator — a card and the agenda in #sales and #finance and to each invited person by
direct message, the .ics file shared under each card — and the answers given with the
card's buttons (signed HTTP → bot → use case → outbox) move every card's tally in place
and tell the organiser; a stranger's click is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic, sleep
from typing import Any

import icalendar
import time_machine

from bot.sandbox.driver import Reply
from bot.sandbox.emulator import User
from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from domain.meetings.model import Answer, Meeting, MeetingKind, Recurrence
from domain.meetings.use_cases import Draft
from handlers.delivery.sender import Sender, delivery_client
from storage.outbox import OutboxStore
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, STRANGER, TOKEN, World
from tests.e2e.outbox_world import FakeClock
from tests.e2e.test_delivery import drain

FINANCE_CHANNEL = "C02FINANCE0"
FINANCE_DIRECTOR = "U03FINDIR01"
BEN = "U01SALESBEN"
SALES_PEOPLE = ("U01SALESAMY", "U01SALESBEN", "U01SALESCHO")
FINANCE_PEOPLE = ("U03FINDIR01", "U03CFO00001", "U04COLLECT1", "U04COLLECT2")
INVITED = (CREDIT_MANAGER, *SALES_PEOPLE, *FINANCE_PEOPLE)
# Tuesday 1 December 2026, 10:00 in Shanghai.
STARTS = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NNBSP = "\u202f"


def dm(user: str) -> str:
    return "D" + user[1:12]


def token(when: datetime, fallback: str) -> str:
    return (f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|"
            + fallback.replace(" AM", NNBSP + "AM").replace(" PM", NNBSP + "PM") + ">")


WHEN = token(STARTS, "Dec 1, 2026, 10:00 AM")


def deliver(world: World) -> None:
    clock = FakeClock()
    sender = Sender(OutboxStore(world.services.engine),
                    delivery_client(TOKEN, world.emulator.api_url, timeout=10),
                    owner="meetings-test", clock=clock, settle=timedelta(seconds=5))
    drain(sender, clock)


def schedule(world: World) -> Meeting:
    services = world.services
    roster = services.config.roster()
    services.requests.file(roster.member(SALES), Filing(
        "C0002", RequestKind.LIMIT_INCREASE, "Q1 season", "+100k"))
    meeting = services.meetings.schedule(roster.member(CREDIT_MANAGER), Draft(
        kind=MeetingKind.CREDIT_COMMITTEE, title="Weekly credit committee",
        day=date(2026, 12, 1), at=time(10, 0), minutes=60, zone="Asia/Shanghai",
        departments=("sales", "finance"), recurrence=Recurrence.WEEKLY))
    deliver(world)
    return meeting


def posted(world: World, channel: str, kind: str = "card") -> list[dict[str, Any]]:
    """The channel's messages as Slack shows them now (edits applied), by kind: the
    invitation card has the Accept button, the agenda starts with its header."""
    found = []
    for message in world.emulator.channels.get(channel, []):
        blocks = message.get("blocks") or []
        texts = [b.get("text", {}).get("text", "") for b in blocks if b["type"] == "header"]
        is_card = any(b["type"] == "actions" and any(
            e.get("action_id") == "meetings_accept" for e in b["elements"]) for b in blocks) \
            or any(t.startswith("Cancelled: ") for t in texts)
        is_agenda = any(t.startswith("Agenda: ") for t in texts)
        if (kind == "card" and is_card) or (kind == "agenda" and is_agenda):
            found.append(message)
    return found


def card(world: World, channel: str) -> Reply:
    [message] = posted(world, channel)
    return Reply(channel, message["text"], message["blocks"], ephemeral=False,
                 ts=message["ts"])


def tally(reply: Reply) -> str:
    return next(b["text"]["text"] for b in reply.blocks
                if b["type"] == "section" and "text" in b
                and b["text"]["text"].startswith("Accepted "))


def dm_texts(world: World, user: str) -> list[str]:
    return [m.get("text", "") for m in world.emulator.channels.get(dm(user), [])]


def test_the_invitation_reaches_channels_and_people_with_agenda_and_calendar_file(
        world: World) -> None:
    meeting = schedule(world)
    for channel in (SALES_CHANNEL, FINANCE_CHANNEL):
        shown = card(world, channel)
        assert shown.text == ("Invitation: Credit committee “Weekly credit committee” on "
                              f"{WHEN}")
        assert shown.texts()[1:] == [
            "Weekly credit committee",
            f"*Credit committee* organised by <@{CREDIT_MANAGER}>",
            f"*When*\n{WHEN}", "*Duration*\n1 hour", "*Repeats*\nevery week",
            "*Departments*\nSales, Finance &amp; Accounts Receivable", "*Customers*\n-",
            "Accepted 1 · Declined 0 · Proposed another time 0 · No answer yet 7\n"
            f"Accepted: <@{CREDIT_MANAGER}>\nNo answer yet: "
            + ", ".join(f"<@{u}>" for u in (*SALES_PEOPLE, *FINANCE_PEOPLE)),
            "Accept", "Decline", "Propose another time", "Record minutes"]
        [agenda] = posted(world, channel, "agenda")
        sections = [b["text"]["text"] for b in agenda["blocks"] if b["type"] == "section"]
        assert sections[0] == (
            "*Pending approvals*\nRequest #1: *Acme Packaging* (`C0002`), limit increase "
            f"to $200,000.00 · waiting 0 days · by <@{SALES}>")
        assert [s.split("\n")[0] for s in sections] == [
            "*Pending approvals*", "*Exposures above their limit*",
            "*Accounts in the oldest aging bucket*", "*Contracts ending*"]
        # The .ics file, shared under the card.
        [(share, [file])] = world.emulator.shared_in(channel)
        assert share.thread_ts == shown.ts
        assert share.initial_comment == "Add to your calendar: Weekly credit committee"
        assert file.filename == f"meeting-{meeting.id}-v1.ics"
        assert file.content is not None
        event = icalendar.Calendar.from_ical(file.content).walk("VEVENT")[0]
        assert event.decoded("dtstart").astimezone(UTC) == STARTS
        assert event.decoded("dtend").astimezone(UTC) == STARTS + timedelta(hours=1)
        assert event["rrule"]["FREQ"] == ["WEEKLY"]
        assert str(event["uid"]) == f"meeting-{meeting.id}@creditbot"
        assert "Request #1: Acme Packaging (C0002), limit increase to $200,000.00" in str(
            event["description"])
    # Each invited person once, the organiser too, with the file in the direct message.
    for user in INVITED:
        assert len(posted(world, dm(user))) == 1, user
        assert len(posted(world, dm(user), "agenda")) == 1, user
        [(share, [file])] = world.emulator.shared_in(dm(user))
        assert file.filename == f"meeting-{meeting.id}-v1.ics"
    assert dm(STRANGER) not in world.emulator.channels


def test_answers_move_every_tally_in_place_and_tell_the_organiser(world: World) -> None:
    meeting = schedule(world)
    accepted = world.slack.click(SALES, card(world, SALES_CHANNEL), "Accept")
    assert accepted is not None and accepted.ephemeral
    assert accepted.text == (":white_check_mark: You accepted. The organiser sees it on the "
                             "invitation.")
    declined = world.slack.click(FINANCE_DIRECTOR, card(world, FINANCE_CHANNEL), "Decline")
    assert declined is not None
    assert declined.text == ":x: You declined; the organiser is told."
    # Decline pressed again: nothing new is told, and the answer does not say it is.
    again = world.slack.click(FINANCE_DIRECTOR, card(world, FINANCE_CHANNEL), "Decline")
    assert again is not None
    assert again.text == ":x: You had declined already; the organiser knows."

    # Ben, in Berlin, types 08:30 on 2 December on his own wall clock: 15:30 in Shanghai.
    world.emulator.users[BEN] = User(BEN, "ben", tz="Europe/Berlin")
    world.slack.click(BEN, card(world, SALES_CHANNEL), "Propose another time", wait=False)
    view = world.slack.modal(BEN)
    assert view["callback_id"] == "meetings_propose_view"
    # Slack's time picker, as the scheduling form has: a five-character box took no
    # 15点30分 and no 下午3点.
    assert (view["blocks"][2]["element"]["type"], view["blocks"][2]["hint"]["text"]) == (
        "timepicker", "In your time zone, Europe/Berlin.")
    past = world.slack.submit(BEN, view, {"date": "2026-11-28", "time": {
        "type": "timepicker", "selected_time": "09:00"}})
    assert past.json() == {"response_action": "errors", "errors": {
        "time": "That time has passed: propose a time in the future."}}
    wrong = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "3pm"})
    assert wrong.json()["errors"] == {
        "time": "“3pm” is not a time: write it as HH:MM, e.g. 14:30."}
    # Left empty, it was "“” is not a time".
    empty = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": ""})
    assert empty.json()["errors"] == {"time": "Write a time, as HH:MM, e.g. 14:30."}
    done = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "08:30",
                                          "note": "Month-end close <!here> that morning"})
    assert done.status == 200 and not done.body.strip()
    deliver(world)

    expected = ("Accepted 2 · Declined 1 · Proposed another time 1 · No answer yet 4\n"
                f"Accepted: <@{CREDIT_MANAGER}>, <@{SALES}>\n"
                f"Declined: <@{FINANCE_DIRECTOR}>\n"
                f"Proposed another time: <@{BEN}>\n"
                "No answer yet: <@U01SALESCHO>, <@U03CFO00001>, <@U04COLLECT1>, "
                "<@U04COLLECT2>")
    for channel in (SALES_CHANNEL, FINANCE_CHANNEL, *(dm(u) for u in INVITED)):
        assert tally(card(world, channel)) == expected, channel
    # Edited in place: no second card anywhere.
    assert len(world.emulator.calls_to("chat.update")) >= 3 * 10

    proposed = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    assert dm_texts(world, CREDIT_MANAGER)[-2:] == [
        f":x: <@{FINANCE_DIRECTOR}> declined Credit committee “Weekly credit committee” "
        f"on {WHEN}.",
        f":calendar: <@{BEN}> proposes another time for Credit committee “Weekly credit "
        f"committee” on {WHEN}: {token(proposed, 'Dec 2, 2026, 3:30 PM')}.\n"
        "> Month-end close &lt;!here&gt; that morning"]
    assert dm_texts(world, BEN)[-1] == (
        f":calendar: You proposed {token(proposed, 'Dec 2, 2026, 8:30 AM')}; the organiser "
        "is told.")
    # The same proposal sent again (a second window, a retry): the organiser hears
    # nothing new, and Ben is not told they do.
    organiser_heard, ben_heard = (len(dm_texts(world, u)) for u in (CREDIT_MANAGER, BEN))
    world.slack.click(BEN, card(world, SALES_CHANNEL), "Propose another time", wait=False)
    again = world.slack.submit(BEN, world.slack.modal(BEN), {
        "date": "2026-12-02", "time": "08:30", "note": "Month-end close <!here> that morning"})
    assert again.status == 200 and not again.body.strip()
    deliver(world)
    # The form is closed: its answer comes by direct message after the ack, which the
    # outbox's delivery above does not wait for.
    waited_until = monotonic() + 10
    while len(dm_texts(world, BEN)) == ben_heard:
        assert monotonic() < waited_until, "no answer to the second proposal"
        sleep(0.02)
    assert dm_texts(world, BEN)[-1] == (
        f":calendar: You had proposed {token(proposed, 'Dec 2, 2026, 8:30 AM')} already; the "
        "organiser knows.")
    assert len(dm_texts(world, CREDIT_MANAGER)) == organiser_heard
    with world.services.uow() as uow:
        answers = {(r.user_id, r.answer.value) for r in uow.meetings.responses(meeting.id)}
        entries = [e for e in uow.audit.recent(100) if e.action == "meeting.answered"]
    assert answers == {(SALES, "accepted"), (FINANCE_DIRECTOR, "declined"),
                       (BEN, "proposed")}
    assert len(entries) == 3


def test_a_strangers_click_is_refused_and_changes_nothing(world: World) -> None:
    schedule(world)
    before = card(world, SALES_CHANNEL)
    refused = world.slack.click(STRANGER, before, "Accept")
    assert refused is not None and refused.ephemeral
    assert refused.text == (
        ":no_entry: You are not invited to this meeting: only the people it invites "
        f"answer it. Ask the organiser, <@{CREDIT_MANAGER}>, to add you.")
    world.slack.click(STRANGER, before, "Propose another time")
    assert world.emulator.calls_to("views.open") == []
    deliver(world)
    assert tally(card(world, SALES_CHANNEL)) == tally(before)


def test_answers_at_the_same_moment_leave_a_tally_that_counts_both(world: World) -> None:
    """Each answer locks its meeting: the later edit of every card counts the earlier
    answer, whichever commits first."""
    meeting = schedule(world)
    roster = world.services.config.roster()
    start = threading.Barrier(4)
    failures: list[BaseException] = []

    def answer(user: str, given: Answer) -> None:
        start.wait()
        try:
            world.services.meeting_answers.respond(roster.member(user), meeting.id, given)
        except BaseException as problem:  # the assertion below shows it
            failures.append(problem)

    threads = [threading.Thread(target=answer, args=(user, given)) for user, given in (
        (SALES, Answer.ACCEPTED), (BEN, Answer.DECLINED), ("U01SALESCHO", Answer.ACCEPTED),
        (FINANCE_DIRECTOR, Answer.DECLINED))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    deliver(world)
    assert tally(card(world, SALES_CHANNEL)).split("\n")[0] == (
        "Accepted 3 · Declined 2 · Proposed another time 0 · No answer yet 3")


def test_record_minutes_on_the_card_waits_for_the_start_then_opens_the_form(
        world: World) -> None:
    meeting = schedule(world)
    early = world.slack.click(CREDIT_MANAGER, card(world, SALES_CHANNEL), "Record minutes")
    assert early.ephemeral and early.all_text() == (
        "“Weekly credit committee” has not started yet: record its minutes once it has.")
    assert world.emulator.views == []
    with time_machine.travel(STARTS + timedelta(minutes=70), tick=True):
        world.slack.click(CREDIT_MANAGER, card(world, SALES_CHANNEL), "Record minutes",
                          wait=False)
        view = world.slack.modal(CREDIT_MANAGER)
    assert view["callback_id"] == "meetings_minutes_form"
    assert f'"meeting":{meeting.id}' in view["private_metadata"].replace(" ", "")


def test_the_agenda_goes_by_dm_only_to_people_cleared_for_credit_data(world: World) -> None:
    services = world.services
    # access.credit_data by roles: the sales reps and the collectors are not cleared.
    services.__dict__["access"] = dataclasses.replace(services.access, roles=frozenset(
        {"credit_manager", "credit_analyst", "finance_director", "cfo"}))
    services.__dict__.pop("meetings", None)
    meeting = schedule(world)
    for user in (*SALES_PEOPLE, "U04COLLECT1", "U04COLLECT2"):
        assert len(posted(world, dm(user))) == 1, user
        assert posted(world, dm(user), "agenda") == [], user
        assert (":lock: The agenda is in <#C01SALES000>, <#C02FINANCE0>: it holds credit "
                "data, which only people cleared for it get by direct message."
                ) in dm_texts(world, user), user
        [(_, [file])] = world.emulator.shared_in(dm(user))
        assert file.content is not None
        event = icalendar.Calendar.from_ical(file.content).walk("VEVENT")[0]
        assert event.get("description") in (None, ""), user
        assert b"Acme" not in file.content, user
    for user in (CREDIT_MANAGER, FINANCE_DIRECTOR, "U03CFO00001"):
        assert len(posted(world, dm(user), "agenda")) == 1, user
    for channel in (SALES_CHANNEL, FINANCE_CHANNEL):
        assert len(posted(world, channel, "agenda")) == 1
    assert meeting.departments == ("sales", "finance")


def test_the_card_names_its_customers(world: World) -> None:
    services = world.services
    services.meetings.schedule(services.config.roster().member(CREDIT_MANAGER), Draft(
        kind=MeetingKind.CREDIT_COMMITTEE, title="Weekly credit committee",
        day=date(2026, 12, 1), at=time(10, 0), minutes=60, zone="Asia/Shanghai",
        departments=("sales",), customers="C0002, C0041"))
    deliver(world)
    assert card(world, SALES_CHANNEL).texts()[7] == (
        "*Customers*\nAcme Packaging (`C0002`)\nFenwick Retail Group (`C0041`)")


def test_the_cards_of_a_cancelled_series_say_it_repeats_no_longer(world: World) -> None:
    # Cancelling a series ends its rule, and its cards then said it happened "once".
    from domain.meetings.use_cases import Scope

    meeting = schedule(world)
    world.services.meetings.cancel(world.services.config.roster().member(CREDIT_MANAGER),
                                   meeting.id, Scope.SERIES)
    deliver(world)
    shown = card(world, SALES_CHANNEL)
    assert shown.texts()[1:5] == [
        "Cancelled: Weekly credit committee",
        f"*Credit committee* organised by <@{CREDIT_MANAGER}>",
        f"*When*\n~{WHEN}~", "*Duration*\n1 hour"]
    assert shown.texts()[5] == "*Repeats*\nno longer: the series is cancelled"
