"""Scheduling meetings as people do it: /credit meeting opens the form, a submission is
checked field by field (past, outside the working hours, a clash, customers) and stored,
the organiser is told; /credit meetings lists them at each reader's own time, with
Reschedule and Cancel for the organiser (and a credit manager) only. Signed HTTP -> bot
-> emulator, at the controlled clock (Sunday 29 November 2026, 10:00 in Shanghai)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import load_config
from bot.local_server import LocalServer
from bot.sandbox.driver import Reply, SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from domain.meetings.model import Meeting, MeetingKind, MeetingState, Recurrence
from domain.meetings.use_cases import Move
from storage.models import OutboxRow
from tests.conftest import ROOT
from tests.e2e.conftest import (
    CREDIT_MANAGER,
    SALES,
    SALES_CHANNEL,
    SECRET,
    STRANGER,
    TOKEN,
    World,
)

OTHER_REP = "U01SALESBEN"  # may see credit data, organises nothing here


def open_form(world: World, user: str = SALES) -> dict[str, Any]:
    world.slack.slash(user, SALES_CHANNEL, "/credit meeting")
    return world.slack.modal(user)


def options(*values: str, kind: str = "multi_static_select") -> dict[str, Any]:
    return {"type": kind, "selected_options": [
        {"text": {"type": "plain_text", "text": v}, "value": v} for v in values]}


def at(clock: str) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": clock}


def filled(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "credit_committee", "title": "Credit committee, December",
        "departments": options("sales", "credit"),
        "attendees": {"type": "multi_users_select", "selected_users": ["U03FINDIR01"]},
        "customers": "", "date": "2026-12-01", "time": at("10:00"), "duration": "60",
        "recurrence": "weekly", "despite": options(kind="checkboxes")}
    values.update(changes)
    return values


def errors(result: Any) -> dict[str, str]:
    answer = result.json()
    assert answer and answer["response_action"] == "errors", answer
    return answer["errors"]


def stored(world: World) -> list[Meeting]:
    with world.services.uow() as uow:
        found = uow.meetings.meetings_between(datetime(2026, 1, 1, tzinfo=UTC),
                                              datetime(2028, 1, 1, tzinfo=UTC))
        return found


# The demo's sales and credit channels, their members, the extra attendee (finance).
INVITED = {"C01SALES000", "C03CREDIT00", "U01SALESAMY", "U01SALESBEN", "U01SALESCHO",
           "U02CREDITAN", "U02CREDITMG", "U03FINDIR01"}


def told(world: World, after: int = 0) -> tuple[set[str], int]:
    """Where the outbox sends what was queued after row ``after``, and the last row."""
    with world.services.engine.connect() as conn:
        rows = list(conn.execute(select(OutboxRow.id, OutboxRow.channel)
                                 .where(OutboxRow.id > after)))
    return {r.channel for r in rows}, max([after, *(r.id for r in rows)])


def confirmation(world: World, user: str, count: int = 1) -> str:
    calls = world.emulator.wait_for("chat.postEphemeral", count=count)
    return [c for c in calls if c.args.get("user") == user][-1].text


def schedule(world: World, user: str = SALES, **changes: Any) -> Meeting:
    result = world.slack.submit(user, open_form(world, user), filled(**changes))
    assert result.status == 200 and result.body == "", result.body
    return stored(world)[-1]


def test_the_form_opens_with_every_field_and_names_the_organisers_zone(world):
    world.emulator.users[SALES].tz = "Europe/Berlin"
    view = open_form(world)
    assert view["title"]["text"] == "Schedule a meeting"
    inputs = [(b["block_id"], b["label"]["text"], b["element"]["type"])
              for b in view["blocks"] if b["type"] == "input"]
    assert inputs == [
        ("kind", "Type", "static_select"), ("title", "Title", "plain_text_input"),
        ("departments", "Departments", "multi_static_select"),
        ("attendees", "Other attendees", "multi_users_select"),
        ("customers", "Customers to discuss", "plain_text_input"),
        ("date", "Date", "datepicker"), ("time", "Time", "timepicker"),
        ("duration", "Duration", "static_select"), ("despite", "Conflicts", "checkboxes"),
        ("recurrence", "Repeats", "static_select")]
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert [o["text"]["text"] for o in blocks["kind"]["element"]["options"]] == [
        "Credit committee", "Collection review", "Customer review", "Meeting"]
    assert [o["value"] for o in blocks["departments"]["element"]["options"]] == [
        "sales", "credit", "finance", "legal", "logistics"]
    assert blocks["time"]["hint"]["text"] == (
        "In your time zone, Europe/Berlin. Meetings are held between 08:00 and 19:00.")
    assert [o["text"]["text"] for o in blocks["recurrence"]["element"]["options"]] == [
        "once", "every week", "every two weeks", "every month"]
    assert blocks["duration"]["element"]["initial_option"]["value"] == "60"
    assert blocks["despite"]["element"]["options"][0]["text"]["text"] == (
        "Schedule even if it conflicts")


def test_words_after_the_command_are_the_title_in_the_form(world):
    """They were dropped without a word: someone who typed a time took it as taken."""
    assert "initial_value" not in {b["block_id"]: b for b in open_form(world)["blocks"]
                                   }["title"]["element"]
    world.slack.slash(SALES, SALES_CHANNEL, "/credit 会议   下周三下午三点 催收复盘 ")
    title = {b["block_id"]: b for b in world.slack.modal(SALES)["blocks"]}["title"]
    assert title["element"]["initial_value"] == "下周三下午三点 催收复盘"
    world.slack.slash(SALES, SALES_CHANNEL, "/credit meeting " + "x" * 500)
    title = {b["block_id"]: b for b in world.slack.modal(SALES)["blocks"]}["title"]
    assert len(title["element"]["initial_value"]) == title["element"]["max_length"]


def test_a_valid_form_stores_the_meeting_and_confirms_to_the_organiser(world):
    meeting = schedule(world, customers="C0002")
    assert (meeting.kind, meeting.title, meeting.organiser) == (
        MeetingKind.CREDIT_COMMITTEE, "Credit committee, December", SALES)
    assert (meeting.starts_at, meeting.minutes, meeting.zone) == (
        datetime(2026, 12, 1, 2, 0, tzinfo=UTC), 60, "Asia/Shanghai")
    assert (meeting.departments, meeting.attendees, meeting.customers) == (
        ("sales", "credit"), ("U03FINDIR01",), ("C0002",))
    assert meeting.recurrence is Recurrence.WEEKLY
    assert told(world)[0] == INVITED  # the invitations, through the outbox
    assert confirmation(world, SALES) == (
        ":white_check_mark: *Credit committee, December* is scheduled for Dec 1, 2026, "
        "10:00–11:00 (Asia/Shanghai time), every week. Invitations are on their way to "
        "Sales, Credit Management, <@U03FINDIR01>.")


def test_the_organisers_own_zone_is_the_one_the_time_is_read_in(world):
    world.emulator.users[SALES].tz = "Europe/Berlin"
    meeting = schedule(world, time=at("09:00"))
    assert (meeting.starts_at, meeting.zone) == (
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC), "Europe/Berlin")
    assert "Dec 1, 2026, 09:00–10:00 (Europe/Berlin time)" in confirmation(world, SALES)


def test_the_time_is_read_in_the_zone_the_form_named_whatever_slack_says_later(
        world, monkeypatch):
    """Looked up again on submit, an expired cache and a slow Slack (the organisation's
    zone as the fallback) stored a Berlin organiser's 10:00 as Shanghai's: 03:00 for her,
    and invitations with that hour already sent."""
    from handlers.i18n import Languages

    world.emulator.users[SALES].tz = "Europe/Berlin"
    view = open_form(world)
    monkeypatch.setattr(Languages, "zone_of", lambda *_args: "Asia/Shanghai")
    result = world.slack.submit(SALES, view, filled(time=at("10:00")))
    assert result.status == 200 and result.body == "", result.body
    meeting = stored(world)[-1]
    assert (meeting.starts_at, meeting.zone) == (
        datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "Europe/Berlin")
    assert "Dec 1, 2026, 10:00–11:00 (Europe/Berlin time)" in confirmation(world, SALES)
    # The reschedule form, the same way.
    monkeypatch.undo()
    world.slack.click(SALES, listed(world, SALES), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=2)
    moving = world.slack.modal(SALES)
    monkeypatch.setattr(Languages, "zone_of", lambda *_args: "Asia/Shanghai")
    assert world.slack.submit(SALES, moving, {"date": "2026-12-02",
                                              "time": at("15:00")}).body == ""
    [moved] = stored(world)
    assert moved.starts_at == datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def test_a_form_naming_no_time_zone_of_ours_is_refused_as_forged(world):
    view = open_form(world)
    # A folder of the zone database answered 500; localtime, posixrules and Factory load
    # as the server's clock, New York's rules and no zone.
    for zone in ("Mars/Olympus", "../../etc/passwd", "", "x" * 65, "Asia", "Europe",
                 "localtime", "posixrules", "Factory", "right/UTC", "posix/Europe/Berlin"):
        metadata = json.loads(view["private_metadata"])
        forged = {**view, "private_metadata": json.dumps({**metadata, "zone": zone})}
        assert world.slack.submit(SALES, forged, filled()).status == 400, zone
    assert stored(world) == []


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date": "2026-11-27"}, "time",
     "Nov 27, 2026 10:00 (Asia/Shanghai) has already passed; pick a later time."),
    ({"time": at("18:30")}, "time",
     "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 18:30–19:30 is outside "
     "those hours."),
    ({"date": "2026-12-05"}, "date",
     "Dec 5, 2026 is a Saturday; meetings are held on Monday, Tuesday, Wednesday, "
     "Thursday, Friday."),
    ({"kind": "customer_review"}, "customers",
     "A customer review is about exactly one customer: name it by id or name, e.g. C1042 "
     "or Acme."),
    ({"customers": "Zyxw Qvvv"}, "customers", "No customer matches “Zyxw Qvvv”. Write each "
     "customer as its id (e.g. C0002) or part of its name, separated by commas."),
    # Each customer not found is said (the second was told only after the first was
    # put right).
    ({"customers": "Zyxw Qvvv, C0002, Qqqx Jjjv"}, "customers", "No customer matches "
     "“Zyxw Qvvv”. No customer matches “Qqqx Jjjv”. Write each customer as its id (e.g. "
     "C0002) or part of its name, separated by commas."),
])
def test_each_wrong_field_is_refused_beside_it_and_nothing_is_stored(world, changes, field,
                                                                      message):
    result = world.slack.submit(SALES, open_form(world), filled(**changes))
    assert errors(result) == {field: message}
    assert stored(world) == []


@pytest.mark.parametrize("title", ["\u200b\u2060 \u200b", "\u3164", "\u2800\ufe0f"])
def test_a_title_of_invisible_characters_is_no_title(world, title):
    # Zero-width characters (and a Hangul filler) passed "required" and made the
    # invitation's header empty, which Slack refuses (invalid_blocks) for every copy.
    result = world.slack.submit(SALES, open_form(world), filled(title=title))
    assert errors(result) == {
        "title": "Give the meeting a title, e.g. “Credit committee, December”."}
    assert stored(world) == []


def test_every_wrong_field_shows_in_one_round(world):
    result = world.slack.submit(SALES, open_form(world), filled(
        title="", date="2026-11-27", kind="customer_review", duration="600",
        departments=options(), attendees={"type": "multi_users_select",
                                          "selected_users": []}))
    assert errors(result) == {
        "departments": "Invite at least one department or attendee.",
        "title": "Give the meeting a title, e.g. “Credit committee, December”.",
        "customers": "A customer review is about exactly one customer: name it by id or "
                     "name, e.g. C1042 or Acme.",
        "duration": "A meeting lasts from 15 to 240 minutes; 600 is not in that range.",
        "time": "Nov 27, 2026 10:00 (Asia/Shanghai) has already passed; pick a later time.",
    }


def test_a_clash_is_flagged_in_the_time_field_unless_the_box_is_ticked(world):
    first = schedule(world, title="Sales sync", departments=options("sales"),
                     attendees={"type": "multi_users_select", "selected_users": []})
    view = open_form(world, CREDIT_MANAGER)
    clash = filled(title="Collections", time=at("10:30"), departments=options("sales"))
    assert errors(world.slack.submit(CREDIT_MANAGER, view, clash)) == {"time": (
        "Clashes with “Sales sync” (Dec 1, 2026, 10:00–11:00) for @amy, @U01SALESBEN, "
        "@U01SALESCHO. Pick another time, or tick “Schedule even if it conflicts”.")}
    assert [m.id for m in stored(world)] == [first.id]
    result = world.slack.submit(CREDIT_MANAGER, view, {
        **clash, "despite": options("yes", kind="checkboxes")})
    assert result.body == ""
    assert [m.title for m in stored(world)] == ["Sales sync", "Collections"]


def test_an_outsider_cannot_open_the_form(world):
    reply = world.slack.slash(STRANGER, SALES_CHANNEL, "/credit meeting")
    assert reply.all_text().startswith(":lock: Credit data is confidential")
    assert world.emulator.calls_to("views.open") == []


def listed(world: World, user: str) -> Reply:
    return world.slack.slash(user, SALES_CHANNEL, "/credit meetings")


@pytest.fixture
def barred_world(demo_url: str, tmp_path: Any) -> Iterator[World]:
    """The demo's organisation where sales may not see credit data, its channel open to
    the meetings' agendas all the same."""
    config = tmp_path / "app.yaml"
    config.write_text((ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "  credit_data:\n    roles: []\n",
        "  credit_data:\n    roles: [credit_manager, credit_analyst, finance_director, cfo,\n"
        "            collector, legal]\n"
        # Finance and legal get the alerts, the report and legal cases: open to them.
        "    share_channels: [C01SALES000, C03CREDIT00, C02FINANCE0, C04LEGAL000]\n"),
        encoding="utf-8")
    users = {u: User(u, name) for u, name in ((SALES, "amy"), (CREDIT_MANAGER, "mei"))}
    with SlackEmulator(token=TOKEN, users=users) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=demo_url)
        services = Services(settings, load_config(config))
        with LocalServer(create_wsgi_app(create_bolt_app(services), services.engine)) as server:
            yield World(SlackDriver(server.url, SECRET, emulator), emulator, services,
                        server.url)
        services.close()
        assert emulator.invalid == [], emulator.invalid


def test_an_invitee_barred_from_credit_data_is_listed_their_meetings(barred_world):
    world = barred_world
    assert listed(world, SALES).text == "No upcoming meetings of yours."
    meeting = schedule(world, CREDIT_MANAGER, attendees={
        "type": "multi_users_select", "selected_users": []})
    mine = listed(world, SALES)
    epoch = int(meeting.starts_at.timestamp())
    assert [b["text"]["text"] for b in mine.blocks if b["type"] == "section"] == [
        "*1 upcoming meeting*",
        f"*Credit committee, December* · Credit committee\n<!date^{epoch}^{{date_short_pretty}} "
        f"{{time}}|Dec 1, 2026, 10:00\u202fAM> · 1 hour · every week\nOrganiser: "
        "<@U02CREDITMG> · Invited: Sales, Credit Management\nYour answer: Not answered"]
    assert [b["text"]["text"] for b in mine.buttons()] == [
        "Accept", "Decline", "Propose another time"]


def test_the_list_shows_each_meeting_at_the_readers_time_with_the_organisers_buttons(world):
    meeting = schedule(world)
    epoch = int(meeting.starts_at.timestamp())
    mine = listed(world, SALES)
    assert [b["text"]["text"] for b in mine.blocks if b["type"] == "section"] == [
        "*1 upcoming meeting*",
        "*Credit committee, December* · Credit committee\n"
        f"<!date^{epoch}^{{date_short_pretty}} {{time}}|Dec 1, 2026, 10:00\u202fAM> · 1 hour · "
        "every week\nOrganiser: <@U01SALESAMY> · Invited: Sales, Credit Management, "
        "<@U03FINDIR01>"]
    assert [b["text"]["text"] for b in mine.buttons()] == [
        "Reschedule", "Cancel", "Cancel the series"]
    theirs = listed(world, OTHER_REP)
    assert [b["text"]["text"] for b in theirs.blocks if b["type"] == "section"][1].endswith(
        "<@U03FINDIR01>\nYour answer: Not answered")
    assert [(b["text"]["text"], b["action_id"]) for b in theirs.buttons()] == [
        ("Accept", "meetings_accept"), ("Decline", "meetings_decline"),
        ("Propose another time", "meetings_propose")]
    assert listed(world, CREDIT_MANAGER).buttons() != []
    assert listed(world, "U06LOGIST01").text == (
        "No upcoming meetings of yours. `/credit meeting` schedules one.")


def test_the_organiser_reschedules_through_the_form(world):
    meeting = schedule(world)
    _, invited = told(world)
    world.slack.click(SALES, listed(world, SALES), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=2)
    view = world.slack.modal(SALES)
    assert view["title"]["text"] == "Reschedule"
    blocks = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert (blocks["date"]["element"]["initial_date"],
            blocks["time"]["element"]["initial_time"]) == ("2026-12-01", "10:00")
    assert errors(world.slack.submit(SALES, view, {"date": "2026-12-02",
                                                   "time": at("20:00")})) == {"time": (
        "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 20:00–21:00 is "
        "outside those hours.")}
    result = world.slack.submit(SALES, view, {"date": "2026-12-02", "time": at("15:00"),
                                              "duration": "90"})
    assert result.body == ""
    assert told(world, invited)[0] == INVITED
    [moved] = stored(world)
    assert (moved.id, moved.starts_at, moved.minutes, moved.recurrence) == (
        meeting.id, datetime(2026, 12, 2, 7, 0, tzinfo=UTC), 90, Recurrence.WEEKLY)
    [dm] = world.emulator.wait_for("chat.postMessage")
    assert dm.text == (":calendar: *Credit committee, December* is moved to Dec 2, 2026, "
                       "15:00–16:30 (Asia/Shanghai time). Everyone invited is told.")


def test_a_form_opened_before_anothers_move_is_refused_and_the_mover_is_named(world):
    """A credit manager's Reschedule form, opened before the organiser moved the meeting,
    moved it again and undid her move unseen; and every note said the organiser had moved
    it, the organiser included."""
    meeting = schedule(world)
    world.slack.click(CREDIT_MANAGER, listed(world, CREDIT_MANAGER), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=2)
    stale = world.slack.modal(CREDIT_MANAGER)
    world.slack.click(SALES, listed(world, SALES), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=3)
    assert world.slack.submit(SALES, world.slack.modal(SALES), {
        "date": "2026-12-03", "time": at("14:00")}).body == ""
    assert errors(world.slack.submit(CREDIT_MANAGER, stale, {
        "date": "2026-12-04", "time": at("15:00")})) == {"time": (
            "Someone changed this meeting since this form opened (it is now Dec 3, 2026, "
            "14:00–15:00): close the form, and press Reschedule again in /credit meetings "
            "to move it from its time now.")}
    [kept] = stored(world)
    assert kept.starts_at == datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    # Opened afresh, it moves it, and the notes name who did.
    _, before = told(world)
    world.slack.click(CREDIT_MANAGER, listed(world, CREDIT_MANAGER), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=4)
    assert world.slack.submit(CREDIT_MANAGER, world.slack.modal(CREDIT_MANAGER), {
        "date": "2026-12-04", "time": at("15:00")}).body == ""
    with world.services.engine.connect() as conn:
        notes = {row.channel: row.payload["text"] for row in conn.execute(
            select(OutboxRow.channel, OutboxRow.payload).where(
                OutboxRow.id > before, OutboxRow.kind == "meetings.note"))}
    assert notes[SALES].startswith(f":calendar: <@{CREDIT_MANAGER}> moved Credit committee "
                                   f"“{meeting.title}” from ")


# Checked like a new meeting, on each invitee's own clock: 09:00 in Shanghai is 01:00 in
# London; and when a credit manager moves it, the organiser's hours too (the mover's
# clock is the one the time was set on).
@pytest.mark.parametrize(("mover", "in_london"), [(SALES, "U01SALESBEN"),
                                                  (CREDIT_MANAGER, SALES)])
def test_a_reschedule_says_whom_the_new_time_falls_outside_working_hours_for(
        world, mover, in_london):
    world.emulator.users[in_london] = User(in_london, "someone", tz="Europe/London")
    schedule(world)
    world.slack.click(mover, listed(world, mover), "Reschedule", wait=False)
    world.emulator.wait_for("views.open", count=2)
    result = world.slack.submit(mover, world.slack.modal(mover),
                                {"date": "2026-12-02", "time": at("09:00")})
    assert result.body == ""
    [dm] = world.emulator.wait_for("chat.postMessage")
    assert dm.text == (
        ":calendar: *Credit committee, December* is moved to Dec 2, 2026, 09:00–10:00 "
        "(Asia/Shanghai time). Everyone invited is told.\n"
        f":warning: For <@{in_london}> (Dec 2, 2026, 01:00, Europe/London), that is outside "
        "working hours (08:00–19:00 on their own clock).")


def test_the_organiser_cancels_and_someone_else_is_refused_alone(world):
    meeting = schedule(world)
    _, invited = told(world)
    organisers_list = listed(world, SALES)
    refused = world.slack.click(OTHER_REP, organisers_list, "Cancel")
    assert refused.ephemeral and refused.all_text() == (
        ":no_entry: Only the organiser (<@U01SALESAMY>) or a credit manager can change "
        "this meeting.")
    again = world.slack.click(OTHER_REP, organisers_list, "Reschedule")
    assert again.all_text() == refused.all_text()
    # Someone barred from credit data: the lock alone (it said ":no_entry: :lock:").
    outsider = world.slack.click(STRANGER, organisers_list, "Cancel")
    assert outsider.ephemeral and outsider.all_text().startswith(
        ":lock: Credit data is confidential")
    assert len(world.emulator.calls_to("views.open")) == 1  # the scheduling form only
    assert stored(world) == [meeting]
    assert told(world, invited)[0] == set()
    done = world.slack.click(SALES, organisers_list, "Cancel")
    assert done.all_text() == (
        ":wastebasket: *Credit committee, December* on Dec 1, 2026, 10:00 (Asia/Shanghai "
        "time) is cancelled. Everyone invited is told.")
    assert stored(world) == []
    assert told(world, invited)[0] == INVITED  # everyone invited is told
    with world.services.uow() as uow:
        gone = uow.meetings.get_meeting(meeting.id)
        assert gone is not None and (gone.state, gone.cancelled_by) == (
            MeetingState.CANCELLED, SALES)
        actions = [e.action for e in uow.audit.recent(50) if e.subject == f"meeting:{meeting.id}"]
    # The refused cancels are audited (a click on Reschedule only opens nothing).
    assert sorted(actions) == ["meeting.cancel_refused", "meeting.cancelled",
                               "meeting.change_refused", "meeting.scheduled"]
    # Reschedule on the list from before the cancel: refused before any form opens
    # (the form opened, to be refused only when submitted).
    late = world.slack.click(SALES, organisers_list, "Reschedule")
    assert late.ephemeral and late.all_text() == (
        ":no_entry: “Credit committee, December” was already cancelled.")
    assert len(world.emulator.calls_to("views.open")) == 1


def test_a_credit_manager_may_cancel_anyones_series(world):
    schedule(world)
    done = world.slack.click(CREDIT_MANAGER, listed(world, CREDIT_MANAGER),
                             "Cancel the series")
    assert done.all_text() == (
        ":wastebasket: *Credit committee, December* is cancelled from Dec 1, 2026 on (1 "
        "meeting), and no more are scheduled. Everyone invited is told.")
    assert stored(world) == []


def test_the_form_and_its_errors_read_in_the_organisers_language(world):
    world.emulator.users[SALES].locale = "zh-CN"
    view = open_form(world)
    assert (view["title"]["text"], view["submit"]["text"]) == ("安排会议", "安排")
    result = world.slack.submit(SALES, view, filled(date="2026-12-05", title=""))
    assert errors(result) == {
        "title": "请为会议取一个标题，例如“十二月信用委员会”。",
        "date": "2026年12月5日是星期六；会议在星期一、星期二、星期三、星期四、星期五举行。"}


def test_cancelling_a_series_tells_each_channel_and_person_once(world):
    first = schedule(world)
    with world.services.uow() as uow:
        uow.meetings.add_meeting(dataclasses.replace(
            first, id=0, version=0, series_id=first.id,
            starts_at=first.starts_at + timedelta(days=7)))
        uow.commit()
    _, before = told(world)
    world.slack.click(CREDIT_MANAGER, listed(world, CREDIT_MANAGER), "Cancel the series")
    assert stored(world) == []
    with world.services.engine.connect() as conn:
        notes = list(conn.execute(select(OutboxRow.channel, OutboxRow.payload).where(
            OutboxRow.id > before, OutboxRow.kind == "meetings.note")))
    # Once each; the organiser who cancelled it was answered by the button, not told.
    assert sorted(n.channel for n in notes) == sorted(set(INVITED) - {CREDIT_MANAGER})
    start = int(first.starts_at.timestamp())
    assert {n.payload["text"] for n in notes} == {
        f":x: <@{CREDIT_MANAGER}> cancelled Credit committee “Credit committee, December” "
        f"on <!date^{start}^{{date_short_pretty}} {{time}}|Dec 1, 2026, 10:00\u202fAM> and "
        "every later occurrence."}


def test_a_clash_names_people_whose_slack_name_is_their_id_with_the_ids_case(world):
    # A stub user whose name is its id lower-cased (as the sandbox's people are).
    world.emulator.users[OTHER_REP] = User(OTHER_REP, OTHER_REP.lower())
    schedule(world, title="Sales sync", departments=options("sales"),
             attendees={"type": "multi_users_select", "selected_users": []})
    view = open_form(world, CREDIT_MANAGER)
    clash = filled(title="Collections", time=at("10:30"), departments=options("sales"))
    assert errors(world.slack.submit(CREDIT_MANAGER, view, clash)) == {"time": (
        "Clashes with “Sales sync” (Dec 1, 2026, 10:00–11:00) for @amy, @U01SALESBEN, "
        "@U01SALESCHO. Pick another time, or tick “Schedule even if it conflicts”.")}


def test_an_invitee_answers_from_the_list_and_sees_their_answer_there(world):
    schedule(world)
    done = world.slack.click(OTHER_REP, listed(world, OTHER_REP), "Decline")
    assert done.all_text() == ":x: You declined; the organiser is told."
    again = listed(world, OTHER_REP)
    assert [b["text"]["text"] for b in again.blocks if b["type"] == "section"][1].endswith(
        "\nYour answer: Declined")
    world.slack.click(OTHER_REP, again, "Accept")
    assert [b["text"]["text"] for b in listed(world, OTHER_REP).blocks
            if b["type"] == "section"][1].endswith("\nYour answer: Accepted")
    # The organiser is not asked to answer their own meeting.
    mine = listed(world, SALES)
    assert "Your answer" not in mine.all_text()
    assert [b["text"]["text"] for b in mine.buttons()] == [
        "Reschedule", "Cancel", "Cancel the series"]


def test_an_answer_from_a_list_shown_before_the_meeting_moved_is_refused(world):
    # The list carried the meeting's id only: Accept pressed on it after the meeting
    # moved accepted the new time, which its presser never saw.
    meeting = schedule(world)
    stale = listed(world, OTHER_REP)
    world.services.meetings.reschedule(world.services.config.roster().member(SALES),
                                       meeting.id, Move(date(2026, 12, 3), time(10), 60,
                                                        "Asia/Shanghai"))
    moved = int(datetime(2026, 12, 3, 2, tzinfo=UTC).timestamp())
    refused = (":no_entry: “Credit committee, December” has moved to "
               f"<!date^{moved}^{{date_short_pretty}} {{time}}|Dec 3, 2026, 10:00\u202fAM> "
               "since this was shown, so your answer was not recorded: answer again for "
               "the new time, from the invitation or `/credit meetings`.")
    for pressed in ("Accept", "Decline", "Propose another time"):
        late = world.slack.click(OTHER_REP, stale, pressed)
        assert late.ephemeral and late.all_text() == refused
    with world.services.uow() as uow:
        assert uow.meetings.responses(meeting.id) == []
    assert len(world.emulator.calls_to("views.open")) == 1  # the scheduling form only
    done = world.slack.click(OTHER_REP, listed(world, OTHER_REP), "Accept")
    assert done.all_text() == (":white_check_mark: You accepted. The organiser sees it on "
                               "the invitation.")


def test_a_meeting_in_progress_stays_in_the_list_until_it_ends(world):
    first = schedule(world)
    now = datetime.now(UTC)
    with world.services.uow() as uow:
        uow.meetings.add_meeting(dataclasses.replace(
            first, id=0, version=0, series_id=first.id,
            starts_at=now - timedelta(minutes=10)))
        uow.commit()
    end = now + timedelta(minutes=50)
    theirs = listed(world, OTHER_REP)
    sections = [b["text"]["text"] for b in theirs.blocks if b["type"] == "section"]
    assert sections[0] == "*2 upcoming meetings*"
    local_end = end.astimezone(ZoneInfo("Asia/Shanghai"))
    assert sections[1] == (
        "*Credit committee, December* · Credit committee\n"
        # In the list's own time format ("4:00 PM" beside it), not "16:00".
        f"now, until <!date^{int(end.timestamp())}^{{time}}|{local_end:%-I:%M}\u202f"
        f"{local_end:%p}> · 1 hour · "
        "every week\nOrganiser: <@U01SALESAMY> · Invited: Sales, Credit Management, "
        "<@U03FINDIR01>\nYour answer: Not answered")
    # No answering a meeting already under way; the next one takes answers.
    assert [b["text"]["text"] for b in theirs.buttons()] == [
        "Accept", "Decline", "Propose another time"]
    # Nor moving or cancelling it: cancelled while held, it could get no minutes.
    mine = listed(world, SALES)
    assert [(block["block_id"], [b["text"]["text"] for b in block["elements"]])
            for block in mine.blocks if block["type"] == "actions"] == [
        (f"meeting_{first.id}", ["Reschedule", "Cancel", "Cancel the series"])]


def test_both_cancels_ask_first_saying_who_is_told_and_what_ends(world):
    schedule(world)
    confirms = {b["text"]["text"]: b.get("confirm") for b in listed(world, SALES).buttons()}
    assert confirms["Reschedule"] is None
    assert confirms["Cancel"] == {
        "title": {"type": "plain_text", "text": "Cancel the meeting?"},
        "text": {"type": "plain_text", "text": "Everyone invited is told that “Credit "
                 "committee, December” on this day is cancelled."},
        "confirm": {"type": "plain_text", "text": "Cancel it"},
        "deny": {"type": "plain_text", "text": "Keep it"}, "style": "danger"}
    assert confirms["Cancel the series"] == {
        "title": {"type": "plain_text", "text": "Cancel the series?"},
        "text": {"type": "plain_text", "text": "This and every later meeting of “Credit "
                 "committee, December” is cancelled, and no more are scheduled. Everyone "
                 "invited is told."},
        "confirm": {"type": "plain_text", "text": "Cancel the series"},
        "deny": {"type": "plain_text", "text": "Keep it"}, "style": "danger"}


# Working hours were checked on the organiser's clock alone: 10:00 in Shanghai is 21:00
# the evening before in New York for someone added by name, and 02:00 in London for a
# member of an invited department (invited by DM like them); nobody said so.
@pytest.mark.parametrize(("who", "zone", "there"), [
    ("U03FINDIR01", "America/New_York", "Nov 30, 2026, 21:00"),
    ("U01SALESBEN", "Europe/London", "Dec 1, 2026, 02:00")])
def test_the_organiser_is_told_whom_the_time_falls_outside_working_hours_for(
        world, who, zone, there):
    world.emulator.users[who] = User(who, "someone", tz=zone)
    schedule(world)
    assert confirmation(world, SALES) == (
        ":white_check_mark: *Credit committee, December* is scheduled for Dec 1, 2026, "
        "10:00–11:00 (Asia/Shanghai time), every week. Invitations are on their way to "
        "Sales, Credit Management, <@U03FINDIR01>.\n"
        f":warning: For <@{who}> ({there}, {zone}), that is outside working hours "
        "(08:00–19:00 on their own clock).")
