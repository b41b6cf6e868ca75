"""Answering an invitation (the respond use case on the fake unit of work), the notices
it queues (the card edited in place, the organiser told), the invitation's messages,
and the .ics file as a standard iCalendar reader sees it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from domain.access import Member
from domain.meetings.agenda import Agenda, AgendaItem, Topic
from domain.meetings.model import (
    Answer,
    Meeting,
    MeetingKind,
    MeetingState,
    Recurrence,
    Response,
)
from domain.meetings.people import Department, Invitees
from domain.meetings.ports import Happened, MeetingChange
from domain.meetings.responses import AnswerRefused, ProposalInvalid, Responses
from domain.money import Money
from domain.refs import CustomerRef
from handlers.i18n import translator
from handlers.meetings import ics, invitation
from handlers.meetings.notices import CARD, FILE, MeetingNotices, card_key
from handlers.meetings.rsvp import parse_time, refusal
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")
ORGANISER, AMY, FIN, STRANGER = "U02CREDITMG", "U01SALESAMY", "U03FINANCE1", "U09STRANGE"
INVITEES = Invitees({"sales": Department("Sales", "C01SALES000", (AMY,)),
                     "finance": Department("Finance", "C02FINANCE0", (FIN,))})
EN = translator("en-US")


def meeting(**changes: Any) -> Meeting:
    base = Meeting(kind=MeetingKind.CREDIT_COMMITTEE, title="Weekly credit", organiser=ORGANISER,
                   starts_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC), minutes=60,
                   zone="Asia/Shanghai", departments=("sales", "finance"),
                   recurrence=Recurrence.WEEKLY, created_at=NOW)
    return dataclasses.replace(base, **changes)


def invited(uow: FakeUnitOfWork, notices: MeetingNotices,
            readers: frozenset[str] | None = None, names: dict[str, str] | None = None,
            local: dict[str, str] | None = None,
            **changes: Any) -> Meeting:
    """A meeting stored and its invitation queued, as scheduling does."""
    with uow:
        stored = uow.meetings.add_meeting(meeting(**changes))
        agenda = Agenda(NOW, (AgendaItem(Topic.OVERDUE_90, "C0001", "Acme; Inc,\nEast",
                                         amount=Money(Decimal(50000), "USD"), days=100,
                                         detail="90+"),))
        people = INVITEES.people(stored)
        notices.queue(uow.outbox, MeetingChange(
            Happened.INVITED, stored, ORGANISER, people, INVITEES.channels(stored),
            agenda=agenda, readers=readers if readers is not None else frozenset(people),
            customer_names={c: CustomerRef(c, name, (local or {}).get(c))
                            for c, name in (names or {}).items()}))
        uow.commit()
    return stored


def setup() -> tuple[FakeUnitOfWork, Responses, Meeting]:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {"sales": "Sales",
                                                             "finance": "Finance"},
                             lambda: NOW)
    stored = invited(uow, notices)
    return uow, Responses(uow, INVITEES, lambda: NOW, notices), stored


def texts(block_list: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in block_list:
        if "text" in block:
            out.append(block["text"]["text"])
        for f in block.get("fields", []):
            out.append(f["text"])
        for e in block.get("elements", []):
            out.append(e["text"]["text"] if isinstance(e.get("text"), dict) else e["text"])
    return out


def token(when: datetime, fallback: str) -> str:
    """A Slack date token; the fallback in Shanghai, as Babel writes it (a narrow
    no-break space before AM/PM)."""
    return (f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|"
            f"{fallback.replace(' AM', NNBSP + 'AM').replace(' PM', NNBSP + 'PM')}>")


NNBSP = "\u202f"
WHEN = token(datetime(2026, 12, 2, 2, 0, tzinfo=UTC), "Dec 2, 2026, 10:00 AM")


def test_the_invitation_goes_to_each_channel_and_each_person_once() -> None:
    uow, _, stored = setup()
    cards = [m for m in uow.outbox.messages if m.kind == CARD]
    assert [m.channel for m in cards] == ["C01SALES000", "C02FINANCE0", ORGANISER, AMY, FIN]
    card = cards[0]
    assert card.text == f"Invitation: Credit committee “Weekly credit” on {WHEN}"
    assert texts(card.blocks) == [
        "Weekly credit",
        f"*Credit committee* organised by <@{ORGANISER}>",
        f"*When*\n{WHEN}", "*Duration*\n1 hour", "*Repeats*\nevery week",
        "*Departments*\nSales, Finance", "*Customers*\n-",
        "Accepted 1 · Declined 0 · Proposed another time 0 · No answer yet 2\n"
        f"Accepted: <@{ORGANISER}>\nNo answer yet: <@{AMY}>, <@{FIN}>",
        "Accept", "Decline", "Propose another time", "Record minutes",
    ]
    [minutes] = [e for b in card.blocks if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"] == "meetings_record_minutes"]
    assert minutes["value"] == f'{{"meeting":{stored.id}}}'
    files = [m for m in uow.outbox.messages if m.kind == FILE]
    assert [m.channel for m in files] == ["C01SALES000", "C02FINANCE0", ORGANISER, AMY, FIN]
    assert all(m.thread_of == uow.outbox.id_of(card_key(stored.id, m.channel))
               for m in files)
    assert files[0].files[0].filename == f"meeting-{stored.id}-v1.ics"


def test_an_answer_moves_the_tally_in_place_and_tells_the_organiser() -> None:
    uow, answers, stored = setup()
    before = len(uow.outbox.messages)
    answers.respond(Member(AMY), stored.id, Answer.DECLINED, note="On leave *that* week")
    new = uow.outbox.messages[before:]
    edits = [m for m in new if m.update_of is not None]
    assert [m.update_of for m in edits] == [
        uow.outbox.id_of(card_key(stored.id, d))
        for d in ("C01SALES000", "C02FINANCE0", ORGANISER, AMY, FIN)]
    assert texts(edits[0].blocks)[7] == (
        "Accepted 1 · Declined 1 · Proposed another time 0 · No answer yet 1\n"
        f"Accepted: <@{ORGANISER}>\nDeclined: <@{AMY}>\nNo answer yet: <@{FIN}>")
    note = new[-1]
    assert note.channel == ORGANISER and note.update_of is None
    assert note.text == (f":x: <@{AMY}> declined Credit committee “Weekly credit” on "
                         f"{WHEN}.\n> On leave ∗that∗ week")
    entry = uow.audit.entries[-1]
    assert (entry.action, entry.actor, entry.subject, entry.details) == (
        "meeting.answered", AMY, f"meeting:{stored.id}",
        {"meeting": stored.id, "answer": "declined", "note": "On leave *that* week"})


def test_the_same_answer_again_tells_nobody_and_edits_nothing() -> None:
    # A double click on Decline, or the Propose form sent twice, told the organiser
    # twice and edited every invitation card again each time.
    uow, answers, stored = setup()
    proposed = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    answers.respond(Member(AMY), stored.id, Answer.DECLINED, note="On leave")
    answers.respond(Member(FIN), stored.id, Answer.PROPOSED, proposed, "After lunch")
    count, audited = len(uow.outbox.messages), len(uow.audit.entries)
    answers.respond(Member(AMY), stored.id, Answer.DECLINED, note="On leave")
    answers.respond(Member(FIN), stored.id, Answer.PROPOSED, proposed, "After lunch")
    assert (len(uow.outbox.messages), len(uow.audit.entries)) == (count, audited)
    # A changed answer (another note, another time) is news.
    answers.respond(Member(AMY), stored.id, Answer.DECLINED, note="On leave till the 4th")
    later = proposed + timedelta(hours=1)
    answers.respond(Member(FIN), stored.id, Answer.PROPOSED, later, "After lunch")
    notes = [m for m in uow.outbox.messages[count:] if m.update_of is None]
    assert [m.channel for m in notes] == [ORGANISER, ORGANISER]
    assert len(uow.audit.entries) == audited + 2


def test_a_proposal_names_the_time_and_an_acceptance_tells_nobody() -> None:
    uow, answers, stored = setup()
    proposed = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    answers.respond(Member(FIN), stored.id, Answer.PROPOSED, proposed, "After lunch")
    note = uow.outbox.messages[-1]
    assert note.channel == ORGANISER
    assert note.text == (
        f":calendar: <@{FIN}> proposes another time for Credit committee “Weekly credit” "
        f"on {WHEN}: {token(proposed, 'Dec 3, 2026, 2:00 PM')}.\n> After lunch")
    count = len(uow.outbox.messages)
    answers.respond(Member(AMY), stored.id, Answer.ACCEPTED)
    assert all(m.update_of is not None for m in uow.outbox.messages[count:])
    assert [r.answer for r in uow.meetings.responses(stored.id)] == [Answer.ACCEPTED,
                                                                     Answer.PROPOSED]


@pytest.mark.parametrize("who, changes, message", [
    (STRANGER, {}, "You are not invited to this meeting: only the people it invites "
                   "answer it. Ask the organiser, {organiser}, to add you."),
    # A stranger hears nothing of a cancelled or started meeting's title either.
    (STRANGER, {"state": MeetingState.CANCELLED}, "You are not invited to this meeting: "
     "only the people it invites answer it. Ask the organiser, {organiser}, to add you."),
    (STRANGER, {"starts_at": NOW - timedelta(minutes=5)}, "You are not invited to this "
     "meeting: only the people it invites answer it. Ask the organiser, {organiser}, to "
     "add you."),
    (AMY, {"state": MeetingState.CANCELLED},
     "“{title}” was cancelled: there is nothing to answer."),
    (AMY, {"starts_at": NOW - timedelta(minutes=5)},
     "“{title}” has already started: answers are closed."),
])
def test_answers_refused_with_the_reason(who: str, changes: dict[str, Any],
                                         message: str) -> None:
    uow, answers, stored = setup()
    with uow:
        uow.meetings.save_meeting(dataclasses.replace(stored, **changes))
        uow.commit()
    before = len(uow.outbox.messages)
    with pytest.raises(AnswerRefused) as refused:
        answers.respond(Member(who), stored.id, Answer.ACCEPTED)
    assert refused.value.template == message
    assert len(uow.outbox.messages) == before and uow.meetings.responses(stored.id) == []
    if who == STRANGER:
        assert refusal(refused.value, EN) == (
            ":no_entry: You are not invited to this meeting: only the people it invites "
            f"answer it. Ask the organiser, <@{ORGANISER}>, to add you.")


def test_a_proposal_in_the_past_or_without_a_time_is_refused_beside_its_field() -> None:
    _, answers, stored = setup()
    with pytest.raises(ProposalInvalid) as past:
        answers.respond(Member(AMY), stored.id, Answer.PROPOSED, NOW - timedelta(hours=1))
    assert (past.value.field, str(past.value)) == (
        "time", "That time has passed: propose a time in the future.")
    with pytest.raises(ProposalInvalid) as missing:
        answers.respond(Member(AMY), stored.id, Answer.PROPOSED)
    assert missing.value.field == "date"


@pytest.mark.parametrize("typed, parsed", [
    ("14:30", (14, 30)), ("9:05", (9, 5)), ("1430", (14, 30)), ("１４：３０", (14, 30)),
    ("14.30", (14, 30)), ("25:00", None), ("2pm", None), ("", None)])
def test_proposed_times_as_people_type_them(typed: str, parsed: tuple[int, int] | None
                                            ) -> None:
    found = parse_time(typed)
    assert (None if found is None else (found.hour, found.minute)) == parsed


def test_whoever_proposed_the_new_time_is_told_it_was_taken_not_to_answer_again() -> None:
    # Amy proposed 12:00 and the organiser moved it there: her card said "Accepted" and
    # her note "Answers to the old time are cleared: please answer the invitation again."
    uow, _, stored = setup()
    notices = MeetingNotices(lambda to: "zh-CN" if to == FIN else "en-US", SHANGHAI,
                             {"sales": "Sales"}, lambda: NOW)
    moved = dataclasses.replace(stored, starts_at=stored.starts_at + timedelta(hours=2),
                                version=2)
    took = Response(stored.id, AMY, Answer.ACCEPTED, NOW, proposed_at=moved.starts_at)
    earlier = Response(stored.id, FIN, Answer.ACCEPTED, NOW,
                       proposed_at=moved.starts_at - timedelta(days=7))
    before = len(uow.outbox.messages)
    with uow:
        notices.queue(uow.outbox, MeetingChange(
            Happened.RESCHEDULED, moved, ORGANISER, INVITEES.people(moved),
            INVITEES.channels(moved), previous=stored, responses=(took, earlier)))
        uow.commit()
    notes = {m.channel: m.text for m in uow.outbox.messages[before:]
             if m.kind == "meetings.note"}
    moved_to = token(moved.starts_at, "Dec 2, 2026, 12:00 PM")
    assert notes[AMY] == (
        f":calendar: <@{ORGANISER}> moved Credit committee “Weekly credit” from {WHEN} to "
        f"{moved_to} (1 hour), the time you proposed: you are down as coming.")
    # A time proposed for another day is not the one taken: asked again, in Chinese.
    assert notes[FIN] == (
        f":calendar: <@{ORGANISER}> 将信用委员会“Weekly credit”从 "
        f"{token(stored.starts_at, '2026年12月2日 10:00')} 改到 "
        f"{token(moved.starts_at, '2026年12月2日 12:00')}（1 小时）。"
        "原时间的答复已清除：请重新答复邀请。")
    assert notes["C01SALES000"].endswith("please answer the invitation again.")


def test_reschedule_and_cancel_edit_the_cards_tell_everyone_and_send_a_new_file() -> None:
    uow, _, stored = setup()
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {"sales": "Sales"}, lambda: NOW)
    moved = dataclasses.replace(stored, starts_at=stored.starts_at + timedelta(hours=2),
                                version=2)
    before = len(uow.outbox.messages)
    with uow:
        notices.queue(uow.outbox, MeetingChange(Happened.RESCHEDULED, moved, ORGANISER,
                                                INVITEES.people(moved),
                                                INVITEES.channels(moved), previous=stored))
        uow.commit()
    new = uow.outbox.messages[before:]
    assert len([m for m in new if m.update_of]) == 5
    notes = [m for m in new if m.kind == "meetings.note"]
    # The organiser who moved it is answered by the form, not told to answer again.
    assert [m.channel for m in notes] == ["C01SALES000", "C02FINANCE0", AMY, FIN]
    assert notes[0].text == (
        f":calendar: <@{ORGANISER}> moved Credit committee “Weekly credit” from {WHEN} to "
        f"{token(moved.starts_at, 'Dec 2, 2026, 12:00 PM')} (1 hour). "
        "Answers to the old time are cleared: please answer the invitation again.")
    assert next(m.files[0].filename for m in new if m.files) == f"meeting-{stored.id}-v2.ics"

    gone = dataclasses.replace(moved, state=MeetingState.CANCELLED, cancelled_by=ORGANISER,
                               cancelled_at=NOW, version=3)
    before = len(uow.outbox.messages)
    with uow:
        notices.queue(uow.outbox, MeetingChange(Happened.CANCELLED, gone, ORGANISER,
                                                INVITEES.people(gone),
                                                INVITEES.channels(gone)))
        uow.commit()
    new = uow.outbox.messages[before:]
    edit = next(m for m in new if m.update_of)
    assert texts(edit.blocks)[0] == "Cancelled: Weekly credit"
    assert texts(edit.blocks)[-1] == (
        f":x: Cancelled by <@{ORGANISER}> on {token(NOW, 'Nov 30, 2026, 9:00 AM')}.")
    assert not any(b["type"] == "actions" for b in edit.blocks)
    shared = next(m for m in new if m.files)
    cancel_file = shared.files[0]
    assert (shared.text, cancel_file.title) == ("Remove from your calendar: Weekly credit",) * 2
    parsed = icalendar.Calendar.from_ical(cancel_file.content)
    assert str(parsed["method"]) == "CANCEL"
    assert str(parsed.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_the_ics_file_parses_with_the_meetings_utc_times_and_rule() -> None:
    hostile = meeting(id=7, version=1, title="Q1 review; East, West\nand more",
                      recurrence=Recurrence.BIWEEKLY)
    content = ics.calendar(hostile, [ORGANISER, AMY], "Agenda:\n- Acme; Inc, East", NOW,
                           lambda user: "Amy; \"Sales\", East" if user == AMY else "Carol")
    raw = content.decode()
    assert "SUMMARY:Q1 review\\; East\\, West\\nand more" in raw
    assert "DTSTART;TZID=Asia/Shanghai:20261202T100000" in raw
    parsed = icalendar.Calendar.from_ical(content)
    assert str(parsed["method"]) == "REQUEST"
    assert [tz["tzid"] for tz in parsed.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    event = parsed.walk("VEVENT")[0]
    assert event.decoded("dtstart").astimezone(UTC) == hostile.starts_at
    assert event.decoded("dtend").astimezone(UTC) == hostile.ends_at
    assert str(event["uid"]) == "meeting-7@creditbot"
    # The moment the file was made: it rises across every file of the series.
    assert event["sequence"] == int(
        (NOW - datetime(2026, 1, 1, tzinfo=UTC)).total_seconds() // 60) * 100 + 1
    assert str(event["summary"]) == "Q1 review; East, West\nand more"
    assert str(event["description"]) == "Agenda:\n- Acme; Inc, East"
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["INTERVAL"] == [2]
    assert str(event["organizer"]) == f"urn:slack:{ORGANISER}"
    attendees = event["attendee"]
    attendees = attendees if isinstance(attendees, list) else [attendees]
    # The organiser is ORGANIZER only; a name's quotes and separators survive the trip
    # (RFC 6868 writes a double quote as ^').
    assert [(str(a), a.params["CN"]) for a in attendees] == [
        (f"urn:slack:{AMY}", "Amy; \"Sales\", East")]
    once = icalendar.Calendar.from_ical(ics.calendar(meeting(recurrence=Recurrence.NONE),
                                                     [], "", NOW))
    assert "rrule" not in once.walk("VEVENT")[0]
    monthly = icalendar.Calendar.from_ical(ics.calendar(
        meeting(recurrence=Recurrence.MONTHLY), [], "", NOW))
    assert monthly.walk("VEVENT")[0]["rrule"]["FREQ"] == ["MONTHLY"]


def test_a_hostile_title_is_plain_in_headers_and_escaped_where_slack_parses() -> None:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {}, lambda: NOW)
    invited(uow, notices, title="R&D <!channel> *budget*", departments=("sales",))
    card = next(m for m in uow.outbox.messages if m.kind == CARD)
    assert card.blocks[0]["text"] == {"type": "plain_text", "text": "R&D <!channel> *budget*",
                                      "emoji": False}
    assert card.text == ("Invitation: Credit committee “R&amp;D &lt;!channel&gt; ∗budget∗” "
                         f"on {WHEN}")
    agenda = next(m for m in uow.outbox.messages if m.kind == "meetings.agenda")
    assert agenda.text == "Agenda: R&amp;D &lt;!channel&gt; ∗budget∗"
    assert agenda.blocks[0]["text"]["text"] == "Agenda: R&D <!channel> *budget*"
    file = next(m for m in uow.outbox.messages if m.files)
    assert file.text == "Add to your calendar: R&amp;D &lt;!channel&gt; ∗budget∗"
    assert file.files[0].title == "Add to your calendar: R&D <!channel> *budget*"


def test_a_reminder_goes_under_each_channel_card_and_to_each_person() -> None:
    uow, _, stored = setup()
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {},
                             lambda: stored.starts_at - timedelta(minutes=15))
    agenda = Agenda(NOW, (AgendaItem(Topic.OVER_LIMIT, "C0009", "Lakeside",
                                     amount=Money(Decimal(102697), "USD"),
                                     limit=Money(Decimal(100000), "USD")),))
    before = len(uow.outbox.messages)
    for _ in range(2):  # a job run twice reminds once
        with uow:
            notices.queue(uow.outbox, MeetingChange(
                Happened.REMINDER, stored, "creditbot", INVITEES.people(stored),
                INVITEES.channels(stored), agenda=agenda, lead=timedelta(minutes=15),
                readers=frozenset(INVITEES.people(stored))))
            uow.commit()
    reminders = uow.outbox.messages[before:]
    assert [(m.channel, m.thread_of) for m in reminders] == [
        ("C01SALES000", uow.outbox.id_of(card_key(stored.id, "C01SALES000"))),
        ("C02FINANCE0", uow.outbox.id_of(card_key(stored.id, "C02FINANCE0"))),
        (ORGANISER, None), (AMY, None), (FIN, None)]
    assert reminders[0].text == (":alarm_clock: Reminder: Credit committee “Weekly credit” "
                                 f"on {WHEN} starts in 15 minutes. The agenda as it stands "
                                 "now:")
    assert reminders[0].blocks[3]["text"]["text"] == (
        "*Exposures above their limit*\n*Lakeside* (`C0009`): exposure $102,697.00 against "
        "a limit of $100,000.00, $2,697.00 over")


def test_the_organisers_own_decline_tells_nobody_and_chinese_readers_read_chinese() -> None:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "zh-CN" if to == AMY else "en-US", SHANGHAI,
                             {"sales": "销售部"}, lambda: NOW)
    stored = invited(uow, notices)
    answers = Responses(uow, INVITEES, lambda: NOW, notices)
    before = len(uow.outbox.messages)
    answers.respond(Member(ORGANISER), stored.id, Answer.DECLINED)
    assert all(m.update_of is not None for m in uow.outbox.messages[before:])
    amys = [m for m in uow.outbox.messages[before:]
            if m.update_of == uow.outbox.id_of(card_key(stored.id, AMY))]
    assert texts(amys[0].blocks)[7] == (
        "已接受 0 · 已拒绝 1 · 已提议其他时间 0 · 尚未答复 2\n"
        f"已拒绝：<@{ORGANISER}>\n尚未答复：<@{AMY}>、<@{FIN}>")
    assert texts(amys[0].blocks)[-4:] == ["接受", "拒绝", "提议其他时间", "记录纪要"]


def test_after_the_start_the_card_keeps_record_minutes_alone() -> None:
    started = meeting(id=7, version=1)
    _, drawn = invitation.card(EN, started, INVITEES.people(started), [], SHANGHAI, {}, {},
                               started.starts_at + timedelta(minutes=5))
    [buttons] = [b for b in drawn or [] if b["type"] == "actions"]
    assert [(e["text"]["text"], e["action_id"]) for e in buttons["elements"]] == [
        ("Record minutes", "meetings_record_minutes")]
    gone = dataclasses.replace(started, state=MeetingState.CANCELLED)
    _, drawn = invitation.card(EN, gone, INVITEES.people(gone), [], SHANGHAI, {}, {}, NOW)
    assert not any(b["type"] == "actions" for b in drawn or [])


def test_someone_not_cleared_for_credit_data_gets_the_card_without_the_agenda() -> None:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {"sales": "Sales"}, lambda: NOW)
    stored = invited(uow, notices, readers=frozenset({ORGANISER, FIN}))
    amys = [m for m in uow.outbox.messages if m.channel == AMY]
    assert [m.kind for m in amys] == [CARD, "meetings.note", FILE]
    assert amys[1].text == (":lock: The agenda is in <#C01SALES000>, <#C02FINANCE0>: it "
                            "holds credit data, which only people cleared for it get by "
                            "direct message.")
    event = icalendar.Calendar.from_ical(amys[2].files[0].content).walk("VEVENT")[0]
    assert "Acme" not in event.to_ical().decode() and not event.get("description")
    fins = [m for m in uow.outbox.messages if m.channel == FIN]
    assert [m.kind for m in fins] == [CARD, "meetings.agenda", FILE]
    fin_event = icalendar.Calendar.from_ical(fins[2].files[0].content).walk("VEVENT")[0]
    assert str(fin_event["description"]) == (
        "Pending approvals:\n- nothing to discuss\nExposures above their limit:\n- nothing "
        "to discuss\nAccounts in the oldest aging bucket:\n- Acme; Inc, East (C0001): "
        "$50,000.00 in the 90+ days bucket · oldest 100 days past due\nContracts ending:\n- "
        "nothing to discuss")
    channel = [m.kind for m in uow.outbox.messages if m.channel == "C01SALES000"]
    assert channel == [CARD, "meetings.agenda", FILE]

    before = len(uow.outbox.messages)
    agenda = Agenda(NOW, (AgendaItem(Topic.OVER_LIMIT, "C0009", "Lakeside",
                                     amount=Money(Decimal(102697), "USD"),
                                     limit=Money(Decimal(100000), "USD")),))
    with uow:
        notices.queue(uow.outbox, MeetingChange(
            Happened.REMINDER, stored, "creditbot", INVITEES.people(stored),
            INVITEES.channels(stored), agenda=agenda, lead=timedelta(days=1),
            readers=frozenset({ORGANISER, FIN})))
        uow.commit()
    reminders = {m.channel: m for m in uow.outbox.messages[before:]}
    assert texts(reminders[AMY].blocks) == [
        f":alarm_clock: Reminder: Credit committee “Weekly credit” on {WHEN} starts in "
        "49 hours.",
        ":lock: The agenda is in <#C01SALES000>, <#C02FINANCE0>: it holds credit data, which "
        "only people cleared for it get by direct message."]
    assert "Lakeside" in " ".join(texts(reminders[FIN].blocks))


def test_the_card_names_each_customer_escaped_and_a_gone_one_by_id() -> None:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {}, lambda: NOW)
    invited(uow, notices, names={"C0001": "Acme <Trading> & *Co*"},
            customers=("C0001", "C0404"))
    card = next(m for m in uow.outbox.messages if m.kind == CARD)
    assert texts(card.blocks)[6] == (
        "*Customers*\nAcme &lt;Trading&gt; &amp; ∗Co∗ (`C0001`)\n`C0404`")


def test_a_chinese_reader_reads_the_customers_chinese_legal_name() -> None:
    """The card said Qingdao Ocean Fisheries where the agenda under it said
    青岛海洋渔业有限公司: two customers, to a Chinese reader."""
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "zh-CN" if to == "C01SALES000" else "en-US",
                             SHANGHAI, {}, lambda: NOW)
    invited(uow, notices, names={"C0033": "Qingdao Ocean Fisheries", "C0001": "Acme"},
            local={"C0033": "青岛海洋渔业有限公司"}, customers=("C0033", "C0001"))
    cards = {m.channel: m for m in uow.outbox.messages if m.kind == CARD}
    assert texts(cards["C01SALES000"].blocks)[6] == (
        "*客户*\n青岛海洋渔业有限公司（`C0033`）\nAcme（`C0001`）")
    assert texts(cards["C02FINANCE0"].blocks)[6] == (
        "*Customers*\nQingdao Ocean Fisheries (`C0033`)\nAcme (`C0001`)")


def test_ten_long_names_are_each_cut_so_that_every_id_shows() -> None:
    # The field was cut at Slack's 2,000 characters in the middle of the last name, and
    # its id was lost with it.
    ids = tuple(f"X{i:04d}" for i in range(10))
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {}, lambda: NOW)
    invited(uow, notices, names={c: "Acme & Sons " * 17 for c in ids}, customers=ids)
    card = next(m for m in uow.outbox.messages if m.kind == CARD)
    shown = texts(card.blocks)[6].removeprefix("*Customers*\n").split("\n")
    assert [line.rsplit(" ", 1)[1] for line in shown] == [f"(`{c}`)" for c in ids]
    assert all(line.startswith("Acme &amp; Sons Acme") for line in shown)
    assert len(texts(card.blocks)[6]) <= 2000


def test_a_late_reminder_says_the_time_actually_left() -> None:
    uow, _, stored = setup()
    # The job was down: the one-day reminder goes out three hours before the start.
    late = MeetingNotices(lambda to: "en-US", SHANGHAI, {},
                          lambda: stored.starts_at - timedelta(hours=3, seconds=20))
    before = len(uow.outbox.messages)
    with uow:
        late.queue(uow.outbox, MeetingChange(
            Happened.REMINDER, stored, "creditbot", INVITEES.people(stored),
            INVITEES.channels(stored), agenda=Agenda(NOW), lead=timedelta(days=1),
            readers=frozenset(INVITEES.people(stored))))
        uow.commit()
    assert uow.outbox.messages[before].text == (
        f":alarm_clock: Reminder: Credit committee “Weekly credit” on {WHEN} starts in "
        "3 hours. The agenda as it stands now:")


def test_cancelling_a_series_tells_each_once_and_edits_every_card() -> None:
    uow = FakeUnitOfWork([])
    notices = MeetingNotices(lambda to: "en-US", SHANGHAI, {}, lambda: NOW)
    first = invited(uow, notices)
    second = invited(uow, notices, starts_at=first.starts_at + timedelta(days=7),
                     series_id=first.id)
    gone = [dataclasses.replace(m, state=MeetingState.CANCELLED, cancelled_by=ORGANISER,
                                cancelled_at=NOW, recurrence=Recurrence.NONE, version=2)
            for m in (first, second)]
    before = len(uow.outbox.messages)
    with uow:
        notices.queue(uow.outbox, MeetingChange(
            Happened.CANCELLED, gone[0], ORGANISER, INVITEES.people(first),
            INVITEES.channels(first), later=(gone[1],)))
        uow.commit()
    new = uow.outbox.messages[before:]
    notes = [m for m in new if m.kind == "meetings.note"]
    assert [m.channel for m in notes] == ["C01SALES000", "C02FINANCE0", AMY, FIN]
    assert notes[0].text == (f":x: <@{ORGANISER}> cancelled Credit committee “Weekly "
                             f"credit” on {WHEN} and every later occurrence.")
    edited = {m.update_of for m in new if m.update_of}
    assert edited == {uow.outbox.id_of(card_key(m.id, d)) for m in (first, second)
                      for d in ("C01SALES000", "C02FINANCE0", ORGANISER, AMY, FIN)}
    # One file each, cancelling the series from its first occurrence: a file per
    # occurrence was one more each to open.
    cancels = [m for m in new if m.files]
    assert [m.channel for m in cancels] == ["C01SALES000", "C02FINANCE0", ORGANISER, AMY, FIN]
    assert all(str(icalendar.Calendar.from_ical(m.files[0].content)["method"]) == "CANCEL"
               for m in cancels)


@pytest.mark.parametrize(("before_start", "said"), [
    (timedelta(hours=23, minutes=59), "24 hours"), (timedelta(hours=3, minutes=2), "3 hours"),
    (timedelta(hours=3, minutes=13), "3 h 15 min"), (timedelta(minutes=14, seconds=50),
                                                     "15 minutes"),
    (timedelta(minutes=59, seconds=10), "59 minutes"), (timedelta(seconds=5), "1 minute")])
def test_a_reminder_says_the_time_left_to_the_minute_within_the_hour_else_to_five(
        before_start: timedelta, said: str) -> None:
    stored = meeting(id=3, version=1)
    assert invitation.reminder_text(EN, stored, stored.starts_at - before_start, SHANGHAI,
                                    with_agenda=False) == (
        f":alarm_clock: Reminder: Credit committee “Weekly credit” on {WHEN} starts in "
        f"{said}.")
