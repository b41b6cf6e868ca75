"""An account owner who never typed a command reads the notes creditbot sends them in
their Slack language: the ``people`` job asks Slack, and a ``user_change`` event makes
the bot ask again at once. Signed HTTP → bot → Slack emulator."""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.orm import sessionmaker

from bot.delivery import jobs_client
from bot.sandbox.emulator import User
from bot.scheduler import job_context, run_job
from handlers.features import catalogue
from storage.slack_locales import SlackLocales
from tests.e2e.conftest import SALES, SALES_CHANNEL
from tests.e2e.test_orders import deliver, direct_messages

OWNER = "U01SALESCHO"  # Acme Packaging's owner
HELD_IN_CHINESE = (f":no_entry: <@{SALES}> 下的 Acme Packaging（C0002）订单 CB-1，金额 "
                   "US$5,000.00，已暂停发货：放行之前不得发货。")


def _people_job(world: Any) -> dict[str, int]:
    [job] = [j for j in catalogue().jobs if j.name == "people"]
    services = world.services
    result = run_job(services.engine, job, job_context(
        services.engine, services.config, slack=jobs_client(services.settings)), "test")
    assert result.outcome == "ok", result.error
    return result.counts


def _held_note_to_owner(world: Any) -> str:
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 5k")
    deliver(world)
    [note] = direct_messages(world, OWNER)
    return note


def test_the_people_job_learns_an_owners_language_before_they_type_anything(world):
    world.emulator.users[OWNER] = User(OWNER, "cho", locale="zh-CN")
    counts = _people_job(world)
    # Everyone app.yaml names and every customer's owner (11); the emulator knows three
    # of them (amy, mei and cho) and answers user_not_found for the rest.
    assert counts == {"asked": 11, "learnt": 3, "unknown": 8}
    assert _held_note_to_owner(world) == HELD_IN_CHINESE
    # Nothing changed since: the next run learns nothing new.
    assert _people_job(world)["learnt"] == 0


def speaks_in_slack(world, user: str, name: str, locale: str) -> None:
    """``user`` changes their Slack language to ``locale``; returns once the bot, told by
    Slack's user_change event, asked and remembered it (after the event's ack)."""
    world.emulator.users[user] = User(user, name, locale=locale)
    world.slack.event({"type": "user_change", "user": {"id": user}})
    store = SlackLocales(sessionmaker(world.services.engine))
    deadline = time.monotonic() + 60  # a loaded machine's background thread
    while store.all().get(user) != locale:
        assert time.monotonic() < deadline, store.all()
        time.sleep(0.05)


def test_a_changed_slack_language_is_asked_at_once(world):
    speaks_in_slack(world, OWNER, "cho", "zh-CN")
    assert _held_note_to_owner(world) == HELD_IN_CHINESE


def test_someone_app_yaml_does_not_list_is_not_asked_on_every_settings_change(world):
    # Slack sends user_change for every member of the workspace: only the people
    # creditbot knows are asked at once; the rest at their next command or next run.
    world.emulator.users["U0ELSEWHERE"] = User("U0ELSEWHERE", "else", locale="zh-CN")
    world.emulator.users[OWNER] = User(OWNER, "cho", locale="zh-CN")
    world.slack.event({"type": "user_change", "user": {"id": "U0ELSEWHERE"}})
    world.slack.event({"type": "user_change", "user": {"id": OWNER}})
    store = SlackLocales(sessionmaker(world.services.engine))
    deadline = time.monotonic() + 60  # a loaded machine's background thread
    while OWNER not in store.all():  # the second event handled: the first was too
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)
    assert [c.args.get("user") for c in world.emulator.calls_to("users.info")] == [OWNER]


def test_a_hung_database_does_not_hold_a_command_while_its_language_is_remembered(
        world, monkeypatch):
    # Remembering the language Slack reports waited on the database before the answer:
    # with PostgreSQL frozen, its 3 s connect timeout put the ack at 5 s, past Slack's 3.
    written = threading.Event()

    def hung(self: SlackLocales, user_id: str, locale: str) -> None:
        time.sleep(3)
        written.set()

    monkeypatch.setattr(SlackLocales, "_write", hung)
    world.emulator.users[SALES] = User(SALES, "amy", locale="zh-CN")
    body, _ = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit check C0002")
    started = time.monotonic()
    result = world.slack.post(body)
    took = time.monotonic() - started
    assert result.status == 200 and took < 2.5, took
    assert written.wait(5)  # and it is still remembered, after the answer
