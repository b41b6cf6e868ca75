"""Sharing any card into another department's channel with a note, as people do it:
the card's ``⋯`` menu -> the form (channel + note) -> submit -> the post in the chosen
channel and the audit entry; signed HTTP -> bot -> Slack emulator, SQLite and PostgreSQL.

The demo organisation opens every department's channel to credit data (no
``share_channels`` in app.yaml): sales, finance, credit, legal, logistics."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.sandbox.driver import Reply
from domain.approvals.model import Outcome
from domain.model import AuditEntry
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, STRANGER, World
from tests.e2e.test_alert_actions import first_page
from tests.e2e.test_approval_decisions import CREDIT_CHANNEL, file_request, shown

FINANCE = "C02FINANCE0"
LEGAL = "C04LEGAL000"
SHARE = "Share with another department…"
NOTE = "Please hold new orders <!channel> until *Friday* — see the aging"
# The note as every reader sees it: no ping, no formatting.
NOTE_SHOWN = "Please hold new orders &lt;!channel&gt; until ∗Friday∗ — see the aging"


def audit(world: World, action: str) -> list[AuditEntry]:
    with world.services.uow() as uow:
        return [e for e in uow.audit.recent(200) if e.action == action]


def open_form(world: World, user: str, card: Reply) -> dict[str, Any]:
    world.slack.choose(user, card, SHARE, wait=False)
    return world.slack.modal(user)


def share(world: World, user: str, card: Reply, channel: str, note: str | None
          ) -> dict[str, Any]:
    """Shares ``card`` into ``channel``; returns the post as the channel shows it."""
    form = open_form(world, user, card)
    result = world.slack.submit(user, form, {"channel": channel, "note": note})
    assert (result.status, result.body) == (200, "")
    [post] = [c for c in world.emulator.wait_for("chat.postMessage")
              if c.args.get("channel") == channel]
    # The person is told once the share is recorded.
    told(world, user)
    return post.args


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    return Reply("", "", blocks, False).texts()[1:]


def told(world: World, user: str) -> list[str]:
    return [c.args["text"] for c in world.emulator.wait_for("chat.postEphemeral")
            if c.args.get("user") == user]


def test_the_form_offers_the_departments_channels_and_a_note(world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    assert form["title"]["text"] == "Share card"
    assert form["submit"]["text"] == "Share"
    assert form["blocks"][0]["text"]["text"] == (
        "The card is posted with its figures as they are when you share it, with your name "
        "and your note.")
    picker, note = form["blocks"][1], form["blocks"][2]
    assert picker["label"]["text"] == "Channel"
    assert [(o["value"], o["text"]["text"]) for o in picker["element"]["options"]] == [
        ("C01SALES000", "Sales"), (CREDIT_CHANNEL, "Credit Management"),
        (FINANCE, "Finance & Accounts Receivable"), (LEGAL, "Legal"),
        ("C05LOGISTIC", "Logistics")]
    assert (note["label"]["text"], note["optional"], note["element"]["max_length"]) == (
        "Note", True, 500)
    assert json.loads(form["private_metadata"]) == {"kind": "customer", "id": "C0001",
                                                    "origin": SALES_CHANNEL}


def test_a_check_card_is_posted_in_another_departments_channel_with_the_note(
        world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    post = share(world, SALES, card, FINANCE, NOTE)
    shown_texts = texts(post["blocks"])
    assert shown_texts[0] == "Acme Industrial Supply"
    assert shown_texts[-1] == f"Shared by <@{SALES}>: {NOTE_SHOWN}"
    # The channel's copy offers nothing to press.
    assert not [b for b in post["blocks"] if b["type"] == "actions"]
    assert told(world, SALES) == [f"You shared this card in <#{FINANCE}>."]
    [entry] = audit(world, "card.shared")
    assert (entry.actor, entry.subject, entry.details) == (
        SALES, "C0001", {"kind": "customer", "channel": FINANCE, "note": NOTE})


def test_a_group_card_without_a_note_says_only_who_shared_it(world: World) -> None:
    group_id = "NORDIC-HOLD"  # a group of the demo portfolio
    card = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {group_id}")
    post = share(world, SALES, card, LEGAL, None)
    shown_texts = texts(post["blocks"])
    assert shown_texts[0] == f"Group {group_id}"
    assert shown_texts[-1] == f"Shared by <@{SALES}>"
    [entry] = audit(world, "card.shared")
    assert entry.details == {"kind": "group", "channel": LEGAL}


def test_an_alert_line_is_shared_with_the_alert_and_its_customer_now(world: World) -> None:
    world.services.alerts.scan()
    # The credit manager's digest by direct message: the departments' first pages are so
    # full that their lines gave the Share menu up (before Assign collector).
    _, page = first_page(world, CREDIT_MANAGER)
    menu = next(e for b in page.blocks if b["type"] == "actions" for e in b["elements"]
                if e["type"] == "overflow")
    condition = json.loads(menu["options"][0]["value"])["id"]
    assert condition == "utilisation:C0021"  # the digest's first line with a menu
    post = share(world, CREDIT_MANAGER, page, FINANCE, "for Thursday's committee")
    shown_texts = texts(post["blocks"])
    assert shown_texts[0] == "Credit alert: Credit limit use"
    assert shown_texts[1] == (
        ":red_circle: *Credit limit use* — Fabbrica Rossi S.p.A. (C0021): exposure "
        "€374,808.90 of a €340,000.00 limit (110% used) · over the limit by €34,808.90")
    # Then the customer's card, as /credit check shows it now.
    assert shown_texts[2] == "Fabbrica Rossi S.p.A."
    assert shown_texts[-1] == f"Shared by <@{CREDIT_MANAGER}>: for Thursday's committee"
    [entry] = audit(world, "card.shared")
    assert (entry.actor, entry.subject, entry.details) == (
        CREDIT_MANAGER, condition,
        {"kind": "alert", "channel": FINANCE, "note": "for Thursday's committee"})


def test_a_credit_request_is_shared_with_its_state_and_the_levels_decided(
        world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    post = share(world, CREDIT_MANAGER, card, SALES_CHANNEL, None)
    assert texts(post["blocks"])[:4] == [
        f"Credit request #{request_id}: limit increase", "*Acme Packaging* · C0002",
        "*State*\nwaiting for level 1 of 2: credit manager", f"*Requested by*\n<@{SALES}>"]
    assert texts(post["blocks"])[-1] == f"Shared by <@{CREDIT_MANAGER}>"

    member = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(member, request_id, 1, Outcome.APPROVED, "fine")
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    world.emulator.calls.clear()
    post = share(world, CREDIT_MANAGER, card, FINANCE, "level 2 is yours")
    shown_texts = texts(post["blocks"])
    assert shown_texts[2] == "*State*\nwaiting for level 2 of 2: finance director"
    assert shown_texts[-2].startswith(
        f"Level 1 of 2: :white_check_mark: Approved by <@{CREDIT_MANAGER}> on <!date^")
    assert shown_texts[-2].endswith("\n> fine")
    assert shown_texts[-1] == f"Shared by <@{CREDIT_MANAGER}>: level 2 is yours"
    assert [(e.subject, e.details) for e in audit(world, "card.shared")] == [
        (str(request_id), {"kind": "request", "channel": FINANCE, "note": "level 2 is yours"}),
        (str(request_id), {"kind": "request", "channel": SALES_CHANNEL})]


def test_someone_who_may_not_see_credit_data_is_refused_to_them_only(world: World) -> None:
    pressed = {"action_id": "share_card", "block_id": "check_actions",
               "selected_option": {"text": {"type": "plain_text", "text": SHARE},
                                   "value": '{"kind":"customer","id":"C0001"}'}}
    result, response_url = world.slack.press(STRANGER, SALES_CHANNEL, pressed)
    assert result.status == 200
    answer = world.slack.reply_at(response_url, SALES_CHANNEL)
    assert answer.ephemeral
    assert answer.text == (
        ":lock: Credit data is confidential, and you are not among the people who may see "
        "it. Ask <@U02CREDITMG> or <@U02CREDITAN> to give you access.")
    assert world.emulator.calls_to("views.open") == []
    assert world.emulator.calls_to("chat.postMessage") == []
    [entry] = audit(world, "card.share_refused")
    assert (entry.actor, entry.subject, entry.details) == (STRANGER, "C0001",
                                                           {"kind": "customer"})


def test_a_channel_not_open_to_credit_data_is_refused_in_the_form(world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    result = world.slack.submit(SALES, form, {"channel": "C0RANDOM000", "note": "hi"})
    assert result.status == 200
    assert result.json() == {"response_action": "errors", "errors": {"channel": (
        "Cards can be shared only in the channels the organisation has opened to credit "
        "data, and this one is not among them (any more): pick another.")}}
    assert world.emulator.calls_to("chat.postMessage") == []
    assert audit(world, "card.shared") == []
    [entry] = audit(world, "card.share_refused")
    assert entry.details == {"kind": "customer", "channel": "C0RANDOM000"}


def test_a_long_note_is_clipped_and_a_forged_value_refused(world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    # Slack's field holds 500 characters; a forged submission may carry more.
    result = world.slack.submit(SALES, form, {"channel": FINANCE, "note": "<@U1>" * 300})
    assert (result.status, result.body) == (200, "")
    [post] = world.emulator.wait_for("chat.postMessage")
    last = texts(post.args["blocks"])[-1]
    assert last.startswith(f"Shared by <@{SALES}>: &lt;@U1&gt;&lt;@U1&gt;")
    assert last.endswith("…") and "<@U1>" not in last
    forged = {"action_id": "share_card", "block_id": "check_actions",
              "selected_option": {"text": {"type": "plain_text", "text": SHARE},
                                  "value": '{"kind":"request","id":"1 OR 1=1"}'}}
    assert world.slack.press(SALES, SALES_CHANNEL, forged)[0].status == 400


@pytest.mark.parametrize(("error", "said"), [
    ("not_in_channel", f"I can't post in <#{LEGAL}> yet: add me there with `/invite "
                       "@creditbot`, then share the card again."),
    # Nobody can invite the bot into an archived channel: the advice could not work.
    ("is_archived", f"<#{LEGAL}> is archived, so nobody can post in it: nothing was "
                    "posted. Share the card in another channel."),
])
def test_a_channel_slack_refuses_is_explained_and_nothing_recorded(
        world: World, error: str, said: str) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    world.emulator.fail("chat.postMessage", "error", error=error)
    assert world.slack.submit(SALES, form, {"channel": LEGAL, "note": None}).body == ""
    assert told(world, SALES) == [said]
    assert audit(world, "card.shared") == []


def test_share_in_channel_on_a_card_in_an_archived_channel_says_it_is_archived(
        world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.emulator.fail("chat.postMessage", "error", error="is_archived")
    answer = world.slack.click(SALES, card, "Share in channel")
    assert answer.text == (
        f"<#{SALES_CHANNEL}> is archived, so nobody can post in it: nothing was posted. "
        "Share the card in another channel.")


def test_a_post_slack_rate_limits_is_said_to_be_not_posted(world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    world.emulator.fail("chat.postMessage", "ratelimited", times=5, retry_after=1)
    assert world.slack.submit(SALES, form, {"channel": LEGAL, "note": None}).body == ""
    assert [c.args["text"] for c in world.emulator.wait_for("chat.postEphemeral",
                                                            timeout=15)] == [
        f"Slack asked creditbot to slow down and did not take the card: nothing was posted "
        f"in <#{LEGAL}>. Share it again in a minute."]
    assert audit(world, "card.shared") == []


def test_a_post_slack_answers_too_slowly_is_recorded_and_the_person_told_to_look(
        world: World) -> None:
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    form = open_form(world, SALES, card)
    world.emulator.fail("chat.postMessage", "slow", delay=6.5)
    assert world.slack.submit(SALES, form, {"channel": LEGAL, "note": None}).body == ""
    assert [c.args["text"] for c in world.emulator.wait_for("chat.postEphemeral",
                                                            timeout=15)] == [
        "Slack did not confirm the card, so it may already be in the channel. Look "
        "there before you share it again."]
    [entry] = audit(world, "card.shared")
    assert entry.details == {"kind": "customer", "channel": LEGAL, "confirmed": False}



def test_an_acknowledged_alert_says_who_acknowledged_it(world: World) -> None:
    world.services.alerts.scan()
    _, page = first_page(world, CREDIT_MANAGER)
    digest_id = next(json.loads(b["value"])["digest"] for b in page.buttons()
                     if b["text"]["text"] == "Acknowledge"
                     and json.loads(b["value"])["condition"] == "utilisation:C0021")
    member = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.alerts.acknowledge(member, digest_id, "utilisation:C0021")
    post = share(world, CREDIT_MANAGER, page, FINANCE, None)
    assert texts(post["blocks"])[1].split("\n")[1] == (
        f":white_check_mark: Acknowledged by <@{CREDIT_MANAGER}>")


def test_a_cancelled_request_is_shared_with_why_nothing_is_left(world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    requester = world.services.config.roster().member(SALES)
    world.services.requests.cancel(requester, request_id)
    post = share(world, CREDIT_MANAGER, card, FINANCE, None)
    shown_texts = texts(post["blocks"])
    assert shown_texts[2] == "*State*\ncancelled"
    assert shown_texts[-2].startswith(f":heavy_minus_sign: Cancelled by <@{SALES}> on <!date^")
    assert shown_texts[-2].endswith(": nothing left to decide.")
