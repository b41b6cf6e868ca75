"""Minutes and tasks as people use them: a collection review held this morning, its
minutes recorded through the form (every wrong field named first), posted in the
invitation's thread, the owners told; ``/credit tasks`` lists them, Done closes one and
the list is redrawn in place; the collection task shows under the account on the
collector's worklist. Signed HTTP -> bot -> use cases -> outbox -> sender -> emulator,
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.scheduler import job_context
from bot.wiring import build_meeting_notices, meeting_invitees
from domain.meetings.minutes import ActionItem
from domain.meetings.model import Meeting, MeetingKind
from domain.meetings.ports import Happened, MeetingChange
from storage.models import AuditRow
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, World
from tests.e2e.test_collector_day import deliver, dms

CREDIT_CHANNEL = "C03CREDIT00"
CREDIT_DM = "D02CREDITMG"
ANALYST = "U02CREDITAN"
COLLECTOR = "U04COLLECT1"
COLLECTOR_DM = "D04COLLECT1"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = NOW.date()  # Nov 29, 2026 in Shanghai too (10:00 there)


def day_token(day_offset: int, written: str) -> str:
    """A due day as every reader sees it: written out, not a Slack date token (an
    instant, which is another day in a zone far enough away)."""
    assert datetime(2026, 11, 29) + timedelta(days=day_offset) == datetime.strptime(
        written, "%b %d, %Y")
    return written


STARTED = (f"<!date^{int((NOW - timedelta(hours=1)).timestamp())}^{{date_short_pretty}} "
           "{time}|Nov 29, 2026, 9:00\u202fAM>")
DUE_TODAY = day_token(0, "Nov 29, 2026")
DUE_DEC_1 = day_token(2, "Dec 1, 2026")


def held_this_morning(world: World) -> Meeting:
    """A collection review with the credit department and the collector, 9:00-10:00 in
    Shanghai, its invitation posted (as the scheduling use case does)."""
    services = world.services
    invitees = meeting_invitees(services.config)
    with services.uow() as uow:
        meeting = uow.meetings.add_meeting(Meeting(
            MeetingKind.COLLECTION_REVIEW, "Collections <weekly>", CREDIT_MANAGER,
            NOW - timedelta(hours=1), 60, "Asia/Shanghai", departments=("credit",),
            attendees=(COLLECTOR,), created_at=NOW - timedelta(days=2)))
        build_meeting_notices(services.config, services.now).queue(uow.outbox, MeetingChange(
            Happened.INVITED, meeting, CREDIT_MANAGER, invitees.people(meeting),
            invitees.channels(meeting)))
        uow.commit()
    deliver(world)
    return meeting


def section_texts(reply: Any) -> list[str]:
    return [b["text"]["text"] for b in reply.blocks if b.get("type") == "section"]


def open_form(world: World, meeting: Meeting) -> dict[str, Any]:
    """``/credit minutes`` lists the meetings held lately; Record minutes opens the form."""
    world.emulator.views.clear()
    listed = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit minutes")
    assert listed.text == "1 meeting to record minutes for"
    assert section_texts(listed) == [
        "*Meetings of the last two weeks* whose minutes you may record, the latest first:",
        f"#{meeting.id} “Collections &lt;weekly&gt;” on {STARTED}"]
    world.slack.click(CREDIT_MANAGER, listed, "Record minutes", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    assert view["callback_id"] == "meetings_minutes_form"
    return view


def test_minutes_become_tasks_that_owners_see_and_close(world: World) -> None:
    meeting = held_this_morning(world)
    assigned = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL,
                                 f"/credit assign C0041 <@{COLLECTOR}>")
    assert assigned.text.startswith("Fenwick Retail Group (C0041) is now collected by")

    view = open_form(world, meeting)
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"][:6] == [
        "decisions", "what_0", "owner_0", "due_0", "customer_0", "what_1"]

    # Every wrong field in one round, beside its field; nothing is recorded.
    answer = world.slack.submit(CREDIT_MANAGER, view, {
        "what_0": "Call Fenwick's AP", "due_0": str(TODAY - timedelta(days=1)),
        "customer_0": "no such company at all", "owner_1": SALES,
        "due_1": str(TODAY), "customer_1": "C0041"})
    assert answer.json() == {"response_action": "errors", "errors": {
        "decisions": "Write what the meeting decided (a line per decision).",
        "owner_0": "Pick the person who owns this action item.",
        "due_0": "Nov 28, 2026 has passed (today is Nov 29, 2026): pick today or a later day.",
        "customer_0": "No customer matches “no such company at all”. Try part of the name "
                      "or the customer id, e.g. C0002.",
        "what_1": "Say what is to be done, e.g. “Call the CFO about the March invoices”.",
    }}

    posted = len(world.emulator.calls_to("chat.postMessage"))
    values = {
        "decisions": "Fenwick stays on stop until INV-0041-013 is paid.",
        "what_0": "Call Fenwick's AP about INV-0041-013", "owner_0": COLLECTOR,
        "due_0": str(TODAY + timedelta(days=2)), "customer_0": "fenwick",
        "what_2": "Send the committee the dunning report", "owner_2": COLLECTOR,
        "due_2": str(TODAY),
        "what_3": "Check Fenwick's credit insurance cover", "owner_3": ANALYST,
        "due_3": str(TODAY + timedelta(days=2))}
    assert world.slack.submit(CREDIT_MANAGER, view, values).body == ""
    confirmed = world.emulator.wait_for("chat.postMessage", count=posted + 1)[-1]
    assert (confirmed.args["channel"], confirmed.text) == (CREDIT_DM, (
        "Minutes recorded for “Collections &lt;weekly&gt;” with 3 action items; they are "
        "posted in the meeting's thread and each owner is told."))
    # The same form sent again (a double click) just closes: recorded once.
    assert view.get("id")
    assert world.slack.submit(CREDIT_MANAGER, view, values).body == ""
    deliver(world)

    # The minutes, under the invitation card in the credit channel.
    channel = world.emulator.channels[CREDIT_CHANNEL]
    card = next(m for m in channel if m.get("text", "").startswith("Invitation:"))
    [minutes] = [m for m in channel if m.get("text", "").startswith(":memo:")]
    assert minutes["thread_ts"] == card["ts"]
    assert [b["text"]["text"] for b in minutes["blocks"]] == [
        f":memo: Minutes of “Collections &lt;weekly&gt;” on {STARTED}, recorded by "
        "<@U02CREDITMG>:",
        "*Decisions*\n> Fenwick stays on stop until INV-0041-013 is paid.",
        "*Action items*\n"
        f"• Call Fenwick's AP about INV-0041-013 · <@U04COLLECT1> · due {DUE_DEC_1} · "
        "*Fenwick Retail Group* (`C0041`)\n"
        f"• Send the committee the dunning report · <@U04COLLECT1> · due {DUE_TODAY}\n"
        f"• Check Fenwick's credit insurance cover · <@U02CREDITAN> · due {DUE_DEC_1}"]
    # Each owner told by direct message, once per task.
    told = [t for t in dms(world, COLLECTOR) if t.startswith(":pushpin:")]
    assert told == [
        ":pushpin: <@U02CREDITMG> gave you an action item in the minutes of “Collections "
        f"&lt;weekly&gt;” on {STARTED}: Call Fenwick's AP about INV-0041-013 · due "
        f"{DUE_DEC_1} · *Fenwick Retail Group* (`C0041`). You are reminded on the due day; "
        "`/credit tasks` lists yours, with a Done button.",
        ":pushpin: <@U02CREDITMG> gave you an action item in the minutes of “Collections "
        f"&lt;weekly&gt;” on {STARTED}: Send the committee the dunning report · due "
        f"{DUE_TODAY}. You are reminded on the due day; `/credit tasks` lists yours, with "
        "a Done button."]
    assert [t for t in dms(world, ANALYST) if t.startswith(":pushpin:")] == [
        ":pushpin: <@U02CREDITMG> gave you an action item in the minutes of “Collections "
        f"&lt;weekly&gt;” on {STARTED}: Check Fenwick's credit insurance cover · due "
        f"{DUE_DEC_1}. You are reminded on the due day; `/credit tasks` lists yours, with "
        "a Done button."]
    with Session(world.services.engine) as session:
        [entry] = session.scalars(select(AuditRow).where(
            AuditRow.action == "meeting.minutes_recorded")).all()
    assert (entry.actor, entry.subject) == (CREDIT_MANAGER, f"meeting:{meeting.id}")
    assert [i["what"] for i in entry.details["items"]] == [
        "Call Fenwick's AP about INV-0041-013", "Send the committee the dunning report",
        "Check Fenwick's credit insurance cover"]

    # /credit tasks: mine, the earliest due first, each with Done.
    subject = f"from “Collections &lt;weekly&gt;” on {STARTED}"
    listed = world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit tasks")
    assert listed.text == "2 open tasks"
    assert section_texts(listed) == [
        "*Your tasks*: 2 open, 0 overdue; the most overdue first.",
        f"*Send the committee the dunning report*\nDue {DUE_TODAY} · {subject}",
        f"*Call Fenwick's AP about INV-0041-013*\nDue {DUE_DEC_1} · {subject} · "
        "*Fenwick Retail Group* (`C0041`)"]
    assert [b["text"]["text"] for b in listed.buttons()] == ["Done", "Done"]

    # The collection task sits under the account on the collector's worklist.
    worklist = world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit collect")
    assert section_texts(worklist)[1].endswith(
        "\n:pushpin: Task: Call Fenwick's AP about INV-0041-013 · <@U04COLLECT1> · due "
        # The worklist knows no time zone: the day's token is at noon UTC.
        f"{day_token(2, 'Dec 1, 2026')}")

    # Done closes the first; the list is redrawn in place with what is left.
    done = world.slack.click(COLLECTOR, listed, "Done")
    assert done is not None and done.raw.get("replace_original") is True
    assert section_texts(done) == [
        ":white_check_mark: Done: “Send the committee the dunning report”.",
        "*Your tasks*: 1 open, 0 overdue; the most overdue first.",
        f"*Call Fenwick's AP about INV-0041-013*\nDue {DUE_DEC_1} · {subject} · "
        "*Fenwick Retail Group* (`C0041`)"]
    # The same Done pressed again (the old list): said who closed it, nothing changes.
    again = world.slack.click(COLLECTOR, listed, "Done")
    assert again is not None and section_texts(again)[0].startswith(
        ":information_source: “Send the committee the dunning report” was already done by "
        "<@U04COLLECT1> on <!date^")
    deliver(world)
    assert [t for t in dms(world, CREDIT_MANAGER) if t.startswith(":white_check_mark: <@")] \
        == [":white_check_mark: <@U04COLLECT1> marked done: Send the committee the dunning "
            f"report · <@U04COLLECT1> · due {DUE_TODAY}. From the minutes of “Collections "
            f"&lt;weekly&gt;” on {STARTED}."]

    # The organiser sees the tasks of their meeting, each with its owner, and may close
    # them as the README says (Done was on the owner's list alone: "You have no open
    # tasks").
    theirs = world.slack.slash(CREDIT_MANAGER, CREDIT_DM, "/credit tasks")
    assert theirs.text == "2 open tasks"
    assert section_texts(theirs) == [
        "You have no open tasks of your own.",
        "*From meetings you may close tasks of*: 2 open, 0 overdue.",
        f"*Call Fenwick's AP about INV-0041-013*\nDue {DUE_DEC_1} · {subject} · "
        "*Fenwick Retail Group* (`C0041`)\nOwner: <@U04COLLECT1>",
        f"*Check Fenwick's credit insurance cover*\nDue {DUE_DEC_1} · {subject}\nOwner: "
        "<@U02CREDITAN>"]
    closed = world.slack.click(CREDIT_MANAGER, theirs, "Done")
    assert section_texts(closed)[:3] == [
        ":white_check_mark: Done: “Call Fenwick's AP about INV-0041-013”.",
        "You have no open tasks of your own.",
        "*From meetings you may close tasks of*: 1 open, 0 overdue."]
    # Nobody else's: the collector's list is theirs alone.
    assert world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit tasks").text == (
        "You have no open tasks. Action items recorded in a meeting's minutes come here.")


def test_someone_not_invited_gets_no_form(world: World) -> None:
    meeting = held_this_morning(world)
    world.emulator.views.clear()
    refused = world.slack.slash(SALES, "C01SALES000", f"/credit minutes {meeting.id}")
    assert refused.text == (
        "Only the organiser, <@U02CREDITMG>, or someone the meeting invited who may see "
        "credit data records its minutes.")
    assert world.emulator.views == []
    nothing = world.slack.slash(SALES, "C01SALES000", "/credit minutes")
    assert nothing.text == (
        "No meeting you may record minutes for was held in the last two weeks. "
        "`/credit minutes &lt;number&gt;` records those of an older one.")
    typo = world.slack.slash(SALES, "C01SALES000", "/credit minutes next week")
    assert typo.text == (
        "`/credit minutes` takes a meeting's number, e.g. `/credit minutes 12`, or nothing "
        "to list the meetings held lately; “next week” is not a number.")
    typed = world.slack.slash(SALES, "C01SALES000", "/credit 纪要 下周")
    assert typed.text == (
        "`/credit 纪要` takes a meeting's number, e.g. `/credit 纪要 12`, or nothing to list "
        "the meetings held lately; “下周” is not a number.")
    # A number no meeting has is said to be that, not "not a number".
    for number in ("0", "2147483648", "99999999999999999999"):
        none = world.slack.slash(SALES, "C01SALES000", f"/credit minutes {number}")
        assert none.text == (f"There is no meeting #{number}; `/credit minutes` lists the "
                             "meetings held lately.")
    extra = world.slack.slash(SALES, "C01SALES000", "/credit 任务 mine")
    assert extra.text == "`/credit 任务` takes nothing after it; “mine” is not needed."


def test_the_job_reminds_owners_on_the_due_day_and_organisers_of_overdue(world: World
                                                                          ) -> None:
    meeting = held_this_morning(world)
    world.services.minutes.record_minutes(
        world.services.minutes.people(CREDIT_MANAGER), meeting.id, "Chase Fenwick.", [
            ActionItem("Call Fenwick's AP", COLLECTOR, TODAY + timedelta(days=1), "C0041")])
    deliver(world)
    services = world.services
    for days, due, overdue in ((1, 1, 0), (1, 0, 0), (3, 0, 1), (3, 0, 0)):
        with time_machine.travel(NOW + timedelta(days=days), tick=True):
            # What the meetings job calls, from the context the scheduler hands it.
            tasks = job_context(services.engine, services.config)["meeting_tasks"]
            assert (tasks.due_reminders(), tasks.overdue_for_organisers()) == (due, overdue)
            deliver(world)
    # Once a day each, however often the job runs.
    assert [t for t in dms(world, COLLECTOR) if t.startswith(":alarm_clock:")] == [
        f":alarm_clock: Due today: Call Fenwick's AP · due {day_token(1, 'Nov 30, 2026')} · "
        "*Fenwick Retail Group* (`C0041`). From the minutes of “Collections &lt;weekly&gt;” "
        f"on {STARTED}. `/credit tasks` lists yours, with a Done button."]
    assert [t for t in dms(world, CREDIT_MANAGER) if t.startswith(":warning:")] == [
        ":warning: 1 action item from your meetings is overdue:\n"
        f"• Call Fenwick's AP · <@U04COLLECT1> · due {day_token(1, 'Nov 30, 2026')} · "
        "*Fenwick Retail Group* (`C0041`) · from “Collections &lt;weekly&gt;” on "
        f"{STARTED}"]


RECORDED = (f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} "
            "{time}|Nov 29, 2026, 10:00\u202fAM>")


def test_minutes_without_action_items_tell_nobody_and_say_so(world: World) -> None:
    # "… with 0 action items; they are posted in the meeting's thread and each owner is
    # told": there was no owner to tell.
    meeting = held_this_morning(world)
    view = open_form(world, meeting)
    posted = len(world.emulator.calls_to("chat.postMessage"))
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "decisions": "Fenwick stays on stop."}).body == ""
    confirmed = world.emulator.wait_for("chat.postMessage", count=posted + 1)[-1]
    assert (confirmed.args["channel"], confirmed.text) == (CREDIT_DM, (
        "Minutes recorded for “Collections &lt;weekly&gt;”, with no action items; they are "
        "posted in the meeting's thread."))


def test_minutes_recorded_twice_add_to_them_and_never_repeat_a_task(world: World) -> None:
    meeting = held_this_morning(world)
    view = open_form(world, meeting)
    first = {"decisions": "Fenwick stays on stop.",
             "what_0": "Call Fenwick's AP", "owner_0": COLLECTOR,
             "due_0": str(TODAY + timedelta(days=2))}
    assert world.slack.submit(CREDIT_MANAGER, view, first).body == ""
    deliver(world)

    # The list now says who recorded them, and offers to add to them.
    listed = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL, "/credit minutes")
    # The clock ticks from NOW: on a loaded machine the minutes may be a second or two
    # later than it, which the token's seconds show (its words do not).
    texts = section_texts(listed)
    seconds = re.findall(r"on <!date\^(\d+)\^", texts[1])[-1]
    assert 0 <= int(seconds) - int(NOW.timestamp()) < 60
    recorded = RECORDED.replace(str(int(NOW.timestamp())), seconds)
    assert texts == [
        "*Meetings of the last two weeks* whose minutes you may record, the latest first:",
        f"#{meeting.id} “Collections &lt;weekly&gt;” on {STARTED}\n"
        f"Minutes recorded by <@{CREDIT_MANAGER}> on {recorded}."]
    assert [b["text"]["text"] for b in listed.buttons()] == ["Add to the minutes"]
    world.emulator.views.clear()
    world.slack.click(CREDIT_MANAGER, listed, "Add to the minutes", wait=False)
    again = world.slack.modal(CREDIT_MANAGER)
    assert again["title"]["text"] == "Add to the minutes"
    assert [e["text"] for b in again["blocks"] if b["type"] == "context"
            for e in b["elements"]] == [
        f"Recorded by <@{CREDIT_MANAGER}> on {recorded}:\n> Fenwick stays on stop.\n"
        "Action items so far:\n"
        f"• Call Fenwick's AP · <@{COLLECTOR}> · due {DUE_DEC_1}"]

    # The same item again (the same what, owner and due day) is refused beside it.
    refused = world.slack.submit(CREDIT_MANAGER, again, {
        "decisions": "Fenwick pays half by Friday.",
        "what_0": "call  fenwick's AP", "owner_0": COLLECTOR,
        "due_0": str(TODAY + timedelta(days=2))})
    assert refused.json() == {"response_action": "errors", "errors": {
        "what_0": "This action item is already open from this meeting (the same what, "
                  "owner and due day): leave the row empty, or change it."}}
    posted = len(world.emulator.calls_to("chat.postMessage"))
    assert world.slack.submit(CREDIT_MANAGER, again, {
        "decisions": "Fenwick pays half by Friday.",
        "what_0": "Check the half payment", "owner_0": COLLECTOR,
        "due_0": str(TODAY + timedelta(days=2))}).body == ""
    confirmed = world.emulator.wait_for("chat.postMessage", count=posted + 1)[-1]
    assert confirmed.text == (
        "Further minutes recorded for “Collections &lt;weekly&gt;” with 1 action item; "
        "they are posted in the meeting's thread and the owner is told.")
    deliver(world)

    channel = world.emulator.channels[CREDIT_CHANNEL]
    card = next(m for m in channel if m.get("text", "").startswith("Invitation:"))
    memos = [m for m in channel if m.get("text", "").startswith(":memo:")]
    assert [m["thread_ts"] for m in memos] == [card["ts"], card["ts"]]
    assert [b["text"]["text"] for b in memos[1]["blocks"]] == [
        f":memo: Further minutes of “Collections &lt;weekly&gt;” on {STARTED}, recorded by "
        f"<@{CREDIT_MANAGER}>:",
        "*Decisions*\n> Fenwick pays half by Friday.",
        f"*Action items*\n• Check the half payment · <@{COLLECTOR}> · due {DUE_DEC_1}"]
    with world.services.uow() as uow:
        assert sorted(t.what for t in uow.meetings.tasks_of(meeting.id)) == [
            "Call Fenwick's AP", "Check the half payment"]


def test_done_by_someone_who_may_not_keeps_the_list_and_tells_them_alone(
        world: World) -> None:
    meeting = held_this_morning(world)
    view = open_form(world, meeting)
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "decisions": "Fenwick stays on stop.", "what_0": "Call Fenwick's AP",
        "owner_0": COLLECTOR, "due_0": str(TODAY)}).body == ""
    deliver(world)
    listed = world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit tasks")
    assert listed.text == "1 open task"

    # The analyst (not the owner, organiser or a credit manager) presses Done on it.
    refused = world.slack.click(ANALYST, listed, "Done")
    assert refused is not None and refused.ephemeral
    assert refused.raw.get("replace_original") is not True
    assert refused.text == (":no_entry: Only the task's owner, <@U04COLLECT1>, the meeting's "
                            "organiser or a credit manager can mark it done.")
    with world.services.uow() as uow:
        [task] = uow.meetings.tasks_of(meeting.id)
    assert task.state.value == "open"


def test_long_decisions_are_posted_whole(world: World) -> None:
    # 2,500 characters of decisions, each line with an "&": the post cut them at 2,500
    # once escaped and quoted, the last decisions lost.
    meeting = held_this_morning(world)
    view = open_form(world, meeting)
    decisions = "\n".join(f"Decision {n}: R&D keeps the stop on the account until paid."
                          for n in range(1, 41))
    assert len(decisions) <= 2500
    assert world.slack.submit(CREDIT_MANAGER, view, {"decisions": decisions}).body == ""
    deliver(world)
    [minutes] = [m for m in world.emulator.channels[CREDIT_CHANNEL]
                 if m.get("text", "").startswith(":memo:")]
    texts = [b["text"]["text"] for b in minutes["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    quoted = "\n".join(texts[1:-1])
    assert quoted == "*Decisions*\n" + "\n".join(
        "> " + line.replace("&", "&amp;") for line in decisions.split("\n"))
    assert texts[-1] == "No action items."
