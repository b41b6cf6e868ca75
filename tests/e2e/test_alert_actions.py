"""A digest's buttons as people press them: signed HTTP -> bot -> use case -> outbox, with
the Slack emulator answering the bot's replies."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.sandbox.driver import Reply
from domain.alerts.model import AlertState
from domain.model import AuditEntry
from handlers.i18n import translator
from storage.models import OutboxRow
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL, STRANGER, World

FINANCE_CHANNEL = "C02FINANCE0"
LEGAL_CHANNEL = "C04LEGAL000"
# The first line of the sales digest of the demo data on NOW: its most overdue account.
FIRST = "overdue:C0041"


@pytest.fixture
def scanned(world: World) -> Iterator[World]:
    counts = world.services.alerts.scan()
    assert counts["digests"] == 5 and counts["announced"] > 10
    yield world


def outbox(world: World) -> list[OutboxRow]:
    with world.services.engine.connect() as conn:
        return list(conn.execute(select(OutboxRow).order_by(OutboxRow.id)))


def first_page(world: World, channel: str) -> tuple[int, Reply]:
    """The first page of the channel's digest, as Slack shows it in the channel."""
    row = next(r for r in outbox(world) if r.channel == channel and r.update_of is None
               and r.dedup_key and r.dedup_key.endswith(":0"))
    return row.id, Reply(channel, row.payload["text"], row.payload["blocks"], ephemeral=False,
                         ts="1764381600.000100")


def line_index(page: Reply, condition: str) -> int:
    for block in page.blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if json.loads(element["value"]).get("condition") == condition:
                return int(block["block_id"].removeprefix("alert_"))
    raise AssertionError(f"no line for {condition}")


def button(page: Reply, condition: str, label: str) -> dict[str, Any]:
    block_id = f"alert_{line_index(page, condition)}"
    return next({**b, "block_id": block_id} for b in page.buttons()
                if b["block_id"] == block_id and b["text"]["text"] == label)


def line_text(page: Reply | dict[str, Any], condition: str) -> str:
    blocks = page.blocks if isinstance(page, Reply) else page["blocks"]
    index = next(i for i, b in enumerate(blocks) if b.get("block_id") ==
                 f"alert_{line_index(Reply('', '', blocks, False), condition)}")
    return blocks[index - 1]["text"]["text"]


def state(world: World, condition: str) -> AlertState:
    with world.services.uow() as uow:
        return uow.alerts.states([condition])[condition]


def audit(world: World, action: str) -> list[AuditEntry]:
    with world.services.uow() as uow:
        return [e for e in uow.audit.recent(200) if e.action == action]


def wait_until(check: Any, timeout: float = 8.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("the bot did not get there in time")


def press(world: World, user: str, page: Reply, condition: str, label: str) -> str:
    result, response_url = world.slack.press(user, page.channel, button(page, condition, label),
                                             page)
    assert result.status == 200, result.body
    return response_url


def digest_pages(world: World, channel: str) -> list[int]:
    return [r.id for r in outbox(world) if r.channel == channel and r.update_of is None]


# -- Acknowledge ------------------------------------------------------------------------

def test_acknowledge_records_who_and_queues_the_edit_of_each_digest_showing_it(scanned):
    world = scanned
    page_id, page = first_page(world, SALES_CHANNEL)
    before = line_text(page, FIRST)
    press(world, SALES, page, FIRST, "Acknowledge")

    answered = wait_until(lambda: state(world, FIRST).acknowledged_by)
    assert answered == SALES
    [entry] = audit(world, "alerts.acknowledged")
    assert (entry.actor, entry.subject, entry.details) == (SALES, FIRST, {
        "digest": json.loads(button(page, FIRST, "Acknowledge")["value"])["digest"]})

    # Every digest of the run that shows the line is edited in place, only the page that
    # changed: the sales, finance and legal channels (critical overdue) each have two
    # pages, and the line is on the first, with the counts of answered lines.
    edits = [r for r in outbox(world) if r.update_of is not None]
    assert sorted(r.update_of for r in edits) == sorted(
        digest_pages(world, channel)[0]
        for channel in (SALES_CHANNEL, FINANCE_CHANNEL, LEGAL_CHANNEL))
    edited = next(r.payload for r in edits if r.update_of == page_id)
    assert line_text(edited, FIRST) == (
        f"{before}\n:white_check_mark: Acknowledged by <@{SALES}>")
    labels = [b["text"]["text"] for b in Reply("", "", edited["blocks"], False).buttons()
              if b["block_id"] == f"alert_{line_index(page, FIRST)}"]
    assert labels == ["Snooze 1 day", "Snooze 7 days", "Credit check", "Assign collector"]
    assert edited["blocks"][1]["elements"][0]["text"].endswith("  ·  1 acknowledged")
    # Nothing is said to the clicker: the edited digest is the answer.
    time.sleep(0.3)
    assert world.emulator.calls_to("response_url") == []


def test_people_without_access_are_refused_and_nothing_changes(scanned):
    world = scanned
    _, page = first_page(world, SALES_CHANNEL)
    response_url = press(world, STRANGER, page, FIRST, "Acknowledge")
    reply = world.slack.reply_at(response_url, SALES_CHANNEL)
    assert reply.ephemeral
    assert reply.text == (
        ":lock: Credit data is confidential, and you are not among the people who may see "
        f"it. Ask <@{CREDIT_MANAGER}> or <@U02CREDITAN> to give you access.")
    assert state(world, FIRST).acknowledged_by is None
    [refused] = audit(world, "alerts.answer_refused")
    assert (refused.actor, refused.subject, refused.details) == (
        STRANGER, FIRST, {"wanted": "alerts.acknowledged"})
    assert [r for r in outbox(world) if r.update_of is not None] == []


def test_an_alert_resolved_since_the_digest_says_so(scanned):
    world = scanned
    page_id, page = first_page(world, SALES_CHANNEL)
    with world.services.uow() as uow:
        uow.alerts.save([dataclasses.replace(state(world, FIRST), resolved_at=NOW)])
        uow.commit()
    reply = world.slack.reply_at(press(world, SALES, page, FIRST, "Snooze 1 day"),
                                 SALES_CHANNEL)
    assert reply.text == ("This alert is no longer open: the condition was resolved since "
                          "this digest was posted.")
    assert reply.ephemeral
    assert audit(world, "alerts.snoozed") == []
    # The digest is edited to say so, without Acknowledge and Snooze, so that nobody else
    # presses in vain (its buttons stayed).
    before = line_text(page, FIRST)
    index = line_index(page, FIRST)
    edited = wait_until(lambda: next((r.payload for r in outbox(world)
                                      if r.update_of == page_id), None))
    blocks = edited["blocks"]
    at = next(i for i, b in enumerate(blocks) if b.get("block_id") == f"alert_{index}")
    day = translator("en-US").date(NOW.astimezone(world.services.config.organisation.zone)
                                   .date())
    # Its "New" gives way: resolved is the news.
    assert before.endswith("\nNew")
    assert blocks[at - 1]["text"]["text"] == (
        f"{before.removesuffix('New')}:heavy_check_mark: Resolved: no longer found on {day}")
    assert blocks[1]["elements"][0]["text"].endswith("  ·  1 resolved")
    assert [e["text"]["text"] for e in blocks[at]["elements"] if e["type"] == "button"] == [
        "Credit check"]
    # Pressed again (someone with the old page open): refused, and edited only once.
    edits = len([r for r in outbox(world) if r.update_of is not None])
    again = world.slack.reply_at(press(world, SALES, page, FIRST, "Acknowledge"),
                                 SALES_CHANNEL)
    assert again.text == reply.text
    assert len([r for r in outbox(world) if r.update_of is not None]) == edits


# -- Snooze -----------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "days"), [("Snooze 1 day", 1), ("Snooze 7 days", 7)])
def test_snooze_records_until_when_and_by_whom(scanned, label, days):
    world = scanned
    page_id, page = first_page(world, SALES_CHANNEL)
    before = line_text(page, FIRST)
    press(world, SALES, page, FIRST, label)

    snoozed = wait_until(lambda: state(world, FIRST).snoozed_until and state(world, FIRST))
    assert snoozed.snoozed_by == SALES
    zone = world.services.config.organisation.zone
    # Until the start of the day, `days` days on, in the organisation's time zone.
    assert snoozed.snoozed_until == datetime.combine(
        NOW.astimezone(zone).date() + timedelta(days=days), datetime.min.time(), tzinfo=zone)
    [entry] = audit(world, "alerts.snoozed")
    assert (entry.actor, entry.subject, entry.details["days"], entry.details["until"]) == (
        SALES, FIRST, days, snoozed.snoozed_until.isoformat())
    edited = next(r.payload for r in outbox(world) if r.update_of == page_id)
    when = translator("en-US").moment(snoozed.snoozed_until, zone)
    assert line_text(edited, FIRST) == f"{before}\n:zzz: Snoozed until {when} by <@{SALES}>"


# -- Credit check -----------------------------------------------------------------------

def test_credit_check_shows_the_clicker_the_card_and_leaves_the_digest(scanned):
    world = scanned
    _, page = first_page(world, SALES_CHANNEL)
    card = world.slack.reply_at(press(world, SALES, page, FIRST, "Credit check"),
                                SALES_CHANNEL)
    typed = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0041")
    assert card.ephemeral and not card.raw.get("replace_original")
    assert (card.text, card.blocks) == (typed.text, typed.blocks)
    assert card.blocks[0]["text"]["text"] == "Fenwick Retail Group"


def test_credit_check_is_refused_to_people_without_access(scanned):
    world = scanned
    _, page = first_page(world, SALES_CHANNEL)
    reply = world.slack.reply_at(press(world, STRANGER, page, FIRST, "Credit check"),
                                 SALES_CHANNEL)
    assert reply.text.startswith(":lock: Credit data is confidential")
    assert "Fenwick" not in reply.all_text()


# -- values we did not write ------------------------------------------------------------

@pytest.mark.parametrize(("label", "value"), [
    ("Acknowledge", '{"digest":"1","condition":"overdue:C0041"}'),
    ("Acknowledge", '{"digest":true,"condition":"overdue:C0041"}'),
    ("Acknowledge", '{"digest":1,"condition":"overdue:C0041\\n"}'),
    ("Acknowledge", '{"digest":1,"condition":"refund:C0041"}'),
    ("Acknowledge", '{"digest":1,"condition":"overdue:"}'),
    # Beyond the digest id column (32 bits): refused, not a database error.
    ("Acknowledge", '{"digest":2147483648,"condition":"overdue:C0041"}'),
    ("Acknowledge", '{"digest":1,"condition":"overdue:C0041","admin":true}'),
    ("Acknowledge", "overdue:C0041"),
    ("Snooze 7 days", '{"digest":1,"condition":"overdue:C0041","days":30}'),
    ("Snooze 7 days", '{"digest":1,"condition":"overdue:C0041"}'),
    ("Credit check", '{"kind":"customer","id":""}'),
])
def test_a_forged_or_garbled_value_is_refused_like_a_forged_request(scanned, label, value):
    world = scanned
    _, page = first_page(world, SALES_CHANNEL)
    forged = {**button(page, FIRST, label), "value": value}
    result, _ = world.slack.press(SALES, SALES_CHANNEL, forged, page)
    assert result.status == 400
    time.sleep(0.3)
    assert state(world, FIRST).acknowledged_by is None
    assert state(world, FIRST).snoozed_until is None
    # Only the clicker's language was looked up (middleware, before the value is read).
    assert [c.method for c in world.emulator.calls if c.method != "users.info"] == []


def test_the_refusal_is_in_the_clickers_language(scanned):
    world = scanned
    world.emulator.users[SALES].locale = "zh-CN"
    _, page = first_page(world, SALES_CHANNEL)
    with world.services.uow() as uow:
        uow.alerts.save([dataclasses.replace(state(world, FIRST), resolved_at=NOW)])
        uow.commit()
    reply = world.slack.reply_at(press(world, SALES, page, FIRST, "Acknowledge"),
                                 SALES_CHANNEL)
    assert reply.text == "这条提醒已关闭：自本摘要发布以来，该情况已经解除。"
