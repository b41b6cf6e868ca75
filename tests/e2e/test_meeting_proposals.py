"""Propose another time, as a new user found it: the proposal is held to the same
working days and hours as the organiser's Reschedule, read on the proposer's own clock
and on the meeting's, with the same messages beside the field; nothing is recorded until
it passes."""

from __future__ import annotations

from typing import Any

from bot.sandbox.emulator import User
from domain.meetings.model import Meeting
from tests.e2e.conftest import SALES_CHANNEL, World
from tests.e2e.test_meeting_invitations import BEN, card, schedule


def proposal_form(world: World, zone: str) -> tuple[Meeting, dict[str, Any]]:
    """A meeting scheduled, and the Propose form Ben opened on its card in ``zone``."""
    meeting = schedule(world)
    world.emulator.users[BEN] = User(BEN, "ben", tz=zone)
    world.slack.click(BEN, card(world, SALES_CHANNEL), "Propose another time", wait=False)
    return meeting, world.slack.modal(BEN)


def test_a_proposal_on_a_sunday_or_at_night_is_refused_beside_its_field(
        world: World) -> None:
    meeting, view = proposal_form(world, "Europe/Berlin")

    sunday = world.slack.submit(BEN, view, {"date": "2026-12-06", "time": "10:00"})
    assert sunday.json() == {"response_action": "errors", "errors": {
        "date": "Dec 6, 2026 is a Sunday; meetings are held on Monday, Tuesday, Wednesday, "
                "Thursday, Friday."}}
    night = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "03:00"})
    assert night.json() == {"response_action": "errors", "errors": {
        "time": "Meetings are held between 08:00 and 19:00 (Europe/Berlin); 03:00–04:00 "
                "is outside those hours."}}
    # 18:30 in Berlin would end at 19:30: past the hours on Ben's clock.
    late = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "18:30"})
    assert late.json()["errors"] == {
        "time": "Meetings are held between 08:00 and 19:00 (Europe/Berlin); 18:30–19:30 "
                "is outside those hours."}
    with world.services.uow() as uow:
        assert uow.meetings.responses(meeting.id) == []

    fine = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "09:00"})
    assert fine.status == 200 and not fine.body.strip()
    with world.services.uow() as uow:
        assert [(r.user_id, r.answer.value) for r in uow.meetings.responses(meeting.id)] \
            == [(BEN, "proposed")]


def test_a_proposal_outside_the_meetings_own_hours_is_refused_naming_them(
        world: World) -> None:
    # 14:00 in London is 22:00 in Shanghai, the meeting's zone: the organiser was asked to
    # accept a time their own Reschedule refused.
    meeting, view = proposal_form(world, "Europe/London")
    afternoon = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "14:00"})
    assert afternoon.json() == {"response_action": "errors", "errors": {
        "time": "Meetings are held between 08:00 and 19:00 (Asia/Shanghai); 22:00–23:00 "
                "is outside those hours."}}
    with world.services.uow() as uow:
        assert uow.meetings.responses(meeting.id) == []
    # 09:00 in London is 17:00 in Shanghai: within both.
    fine = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "09:00"})
    assert fine.status == 200 and not fine.body.strip()


def test_a_proposal_is_read_on_the_clock_its_form_named(world: World, monkeypatch) -> None:
    # Looked up again on submit, a slow Slack read Ben's Berlin 03:00 as Shanghai's.
    from handlers.i18n import Languages

    _, view = proposal_form(world, "Europe/Berlin")
    monkeypatch.setattr(Languages, "zone_of", lambda *_args: "Asia/Shanghai")
    night = world.slack.submit(BEN, view, {"date": "2026-12-02", "time": "03:00"})
    assert night.json() == {"response_action": "errors", "errors": {
        "time": "Meetings are held between 08:00 and 19:00 (Europe/Berlin); 03:00–04:00 "
                "is outside those hours."}}


def test_the_form_names_the_meetings_time_as_scheduled_not_as_now(world: World) -> None:
    # "Now: Dec 2, 2026, 2:00 PM" (in Chinese "现在的时间", the time of day now) read as
    # the clock's time, not the meeting's.
    schedule(world)
    when = "<!date^1796090400^{date_short_pretty} {time}|"
    # Each reader's language is learnt once: one invitee each.
    for who, locale, text in (
            (BEN, "en-US",
             f"*Weekly credit committee*\nScheduled for: {when}Dec 1, 2026, 3:00\u202fAM>"),
            ("U01SALESCHO", "zh-CN",
             f"*Weekly credit committee*\n当前安排：{when}2026年12月1日 03:00>")):
        world.emulator.users[who] = User(who, "someone", tz="Europe/Berlin", locale=locale)
        world.slack.click(who, card(world, SALES_CHANNEL), "Propose another time",
                          wait=False)
        assert world.slack.modal(who)["blocks"][0]["text"]["text"] == text
