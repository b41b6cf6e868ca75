"""The holes a hostile tester found in /credit check and Share, closed: hostile names
from the ERP, full-width and Chinese input, confidential figures leaving the DM, text
over Block Kit's limits, forged button values."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from domain.access import Member
from domain.check import GroupCheck
from domain.imports import KINDS
from handlers.i18n import translator
from storage.csv_source import CsvFile
from storage.importer import CsvImporter
from storage.models import DomainEventRow
from tests.e2e.conftest import SALES, SALES_CHANNEL

ELSEWHERE = "C0RANDOM000"  # a channel that is no department's

HOSTILE = {
    "C9001": "<!channel> urgent",
    "C9002": "<https://evil.example|click here>",
    "C9003": "Evil\u202eCorp Trading",
    "C9004": "Tab\tName\tTrading",
    "C9005": "Acme :rotating_light: Recall",
    "ACME:EU:01": "Acme Europe",
    "C9007": "华\u200b夏物流有限公司",  # the demo's C0027 with a zero-width space
    "C9008": "Route 66 :rotating_light: *Hot* Diner",
    "C9009": "Harbour 33 Esc",
    "C9010": "Forever 21, Inc",
}


@pytest.fixture
def hostile(world, tmp_path):
    path = tmp_path / "customers.csv"
    rows = "".join(f'{cid},"{name}",USD,1000,30\n' for cid, name in HOSTILE.items())
    path.write_text("customer_id,name,currency,credit_limit,payment_terms_days\n" + rows,
                    encoding="utf-8")
    with CsvFile(path) as source:
        report = CsvImporter(world.services.engine).run(KINDS["customers"], source)
    assert report.committed and report.inserted == len(HOSTILE)
    return world


def _everything(reply) -> str:
    return json.dumps({"text": reply.text, "blocks": reply.blocks}, ensure_ascii=False)


@pytest.mark.parametrize("customer_id", ["C9001", "C9002"])
def test_a_hostile_name_from_the_erp_pings_and_links_nobody_even_when_shared(hostile,
                                                                             customer_id):
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, f"/credit check {customer_id}")
    hostile.slack.click(SALES, reply, "Share in channel")
    posted = hostile.slack.reply_from(hostile.emulator.wait_for("chat.postMessage")[0],
                                      SALES_CHANNEL)
    # What Slack turns into pings and links: the top-level text and every mrkdwn text
    # (plain_text, like the header, is shown as written).
    for seen in (reply, posted):
        for text in seen.texts("mrkdwn"):
            assert "<!channel>" not in text and "<https://" not in text
    escaped = HOSTILE[customer_id].replace("<", "&lt;").replace(">", "&gt;")
    # the notification text Slack shows on phones is escaped too
    assert posted.text == f"{escaped}: available $1,000.00 of $1,000.00, overdue $0.00"
    assert reply.blocks[0]["text"]["text"] == HOSTILE[customer_id]  # plain_text: shown as is


def test_an_emoji_code_in_a_name_from_the_erp_shows_as_written_not_as_an_emoji(hostile):
    # ":rotating_light:" beside a customer read as an alarm the bot raised; the colon's
    # look-alike reads the same and makes no emoji. The header is plain text, no emoji.
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit check C9005")
    hostile.slack.click(SALES, reply, "Share in channel")
    posted = hostile.slack.reply_from(hostile.emulator.wait_for("chat.postMessage")[0],
                                      SALES_CHANNEL)
    assert posted.text == ("Acme ∶rotating_light: Recall: available $1,000.00 of "
                           "$1,000.00, overdue $0.00")
    for seen in (reply, posted):
        assert all(":rotating_light:" not in text for text in seen.texts("mrkdwn"))
    assert reply.blocks[0]["text"] == {"type": "plain_text", "emoji": False,
                                       "text": "Acme :rotating_light: Recall"}


def test_an_id_copied_from_a_card_with_its_colon_look_alike_finds_its_customer(hostile):
    card = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit check ACME:EU:01")
    shown = card.blocks[1]["fields"][0]["text"]
    assert shown == "*Customer*\nACME\u2236EU:01 · no owner"
    again = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit check ACME\u2236EU:01")
    assert again.blocks == card.blocks


@pytest.mark.parametrize("typed", ["华夏物流有限公司", "华\u200b夏物流有限公司"])
def test_a_name_that_differs_only_by_an_invisible_character_is_asked_about(hostile, typed):
    # Typed or pasted (losing its zero-width space), C9007's name went to C0027 unasked:
    # an order meant for one was placed for the other.
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, f"/credit order {typed} 1k PO-Z1")
    # Listed as they show (nothing invisible in a message), their ids telling them apart.
    assert reply.all_text() == (
        "“华夏物流有限公司” matches several customers: 华夏物流有限公司 (C9007), 华夏物流有限公司 "
        "(C0027). Use the id, e.g. `/credit order C9007 1k PO-Z1`.")
    with hostile.services.uow() as uow:
        assert uow.orders.placed_by(SALES, 10) == []


def test_a_refusal_listing_customers_shows_an_emoji_code_in_a_name_as_written(hostile):
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit order acme 100 PO-E1")
    said = reply.all_text()
    assert "Acme \u2236rotating_light: Recall (C9005)" in said
    assert ":rotating_light:" not in said


def test_a_name_in_the_sentence_and_in_its_example_formats_nothing_in_the_sentence(
        hostile):
    # Given the example's way in both places, the name showed an alarm emoji and bold in
    # the sentence. In the code span it keeps its characters, to be copied.
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit request Route 66 Diner +5000 more")
    assert reply.all_text() == (
        "“Route 66” begins the name of Route 66 \u2236rotating_light: \u2217Hot\u2217 Diner: "
        "put the name in quotes, e.g. `/credit request \"Route 66 :rotating_light: *Hot* "
        "Diner\" +100k larger orders`.")


@pytest.mark.parametrize(("line", "example"), [
    ("/credit request Esc 33 +5000 more", "/credit request C9009 +5000 more"),
    ("/credit request Esc 33 $5000 more", "/credit request C9009 $5000 more"),
    ("/credit request Esc ３３ USD 5000 more", "/credit request C9009 USD 5000 more"),
    ("/credit order Esc 33 $5000 PO-1", "/credit order C9009 $5000 PO-1"),
    ("/credit request Forevr 21 +5k more", "/credit request C9010 +5k more")])
def test_the_closest_customers_example_leaves_out_the_number_of_its_name(hostile, line,
                                                                          example):
    # "Esc 33 +5000 more": 33 is the name's ("Harbour 33 Esc"); the example with the id,
    # "C9009 33 +5000 more", typed back asked for a limit of 33 (an order of $33 was placed).
    said = hostile.slack.slash(SALES, SALES_CHANNEL, line).all_text()
    assert said.endswith(f"e.g. `{example}`."), said


def test_a_right_to_left_override_cannot_reorder_the_card(hostile):
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit check C9003")
    assert "\u202e" not in _everything(reply)
    assert reply.blocks[0]["text"]["text"] == "EvilCorp Trading"


def test_a_tab_in_a_name_separates_its_words(hostile):
    # The import takes a tab in a name (other controls it refuses); the card dropped it
    # with the controls: "TabNameTrading".
    reply = hostile.slack.slash(SALES, SALES_CHANNEL, "/credit check C9004")
    assert reply.blocks[0]["text"]["text"] == "Tab Name Trading"
    assert reply.text == "Tab Name Trading: available $1,000.00 of $1,000.00, overdue $0.00"


@pytest.mark.parametrize("line", ["/credit check ＡＣＭＥ　ＰＡＣＫ", "/credit 查询 acme pack",
                                  "/credit 查询　ａｃｍｅ　ｐａｃｋａｇｉｎｇ"])
def test_full_width_input_and_the_chinese_alias_find_the_customer(world, line):
    reply = world.slack.slash(SALES, SALES_CHANNEL, line)
    assert reply.blocks[0]["text"]["text"] == "Acme Packaging"


def test_a_group_id_shows_the_groups_pooled_position_with_its_members(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check huaxia")
    found = world_checks(world).check(Member(SALES, roles=frozenset({"sales"})), "HUAXIA")
    assert isinstance(found, GroupCheck)
    text = reply.all_text()
    assert reply.blocks[0]["text"]["text"] == "Group HUAXIA"
    money = translator("en-US").money
    assert f"*Pooled credit limit*\n{money(found.position.limit)}" in text
    assert f"*Available credit*\n{money(found.position.available)}" in text
    for member in found.members:
        assert (f"• {member.customer.name} ({member.customer.customer_id}) — exposure "
                f"{money(member.position.exposure)} of {money(member.position.limit)}, "
                f"overdue {money(member.position.aging.overdue)}") in text
    assert found.position.limit.currency == "USD"
    # The note on the figures and the card's footer are lines of their own (they ran on:
    # "… 33% of the limit used  Group figures are …").
    notes = [[e["text"] for e in b["elements"]] for b in reply.blocks if b["type"] == "context"]
    assert notes[0] == ["Group figures are in the base currency: members' exposure against "
                        "the sum of their limits."]
    position = found.position
    assert notes[1] == [
        f"as of Nov 29, 2026 (Asia/Shanghai)  ·  {position.invoice_count} open invoices  ·  "
        f"{position.order_count} open order{'s' if position.order_count != 1 else ''}  ·  "
        f"{translator('en-US').percent(position.utilisation)} of the limit used"]


def world_checks(world):
    from bot.slack_app import build_deps

    return build_deps(world.services).checks


def test_checks_and_shares_are_recorded_in_the_audit_log(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    world.slack.click(SALES, reply, "Share in channel")
    world.services.views.flush()  # views are written in batches, shares at once
    with world.services.uow() as uow:
        recent = [(e.actor, e.action, e.subject, e.details) for e in uow.audit.recent(10)]
    assert (SALES, "credit.card_shared", "C0001", {"channel": SALES_CHANNEL}) in recent
    assert (SALES, "credit.checked", "C0001", {"query": "C0001"}) in recent
    with world.services.engine.connect() as conn:
        events = conn.execute(select(DomainEventRow.name, DomainEventRow.actor,
                                     DomainEventRow.subject, DomainEventRow.payload,
                                     DomainEventRow.published_at)).all()
    assert [tuple(e) for e in events] == [
        ("credit.card_shared", SALES, "C0001", {"channel": SALES_CHANNEL, "kind": "customer"},
         None)]


SHARE_C0001 = {"action_id": "credit_check_share", "block_id": "check_actions",
               "value": '{"kind":"customer","id":"C0001"}'}


def test_a_card_cannot_be_shared_outside_the_departments_channels(world):
    reply = world.slack.slash(SALES, ELSEWHERE, "/credit check C0001")
    # not offered where it cannot work (a request can be filed from anywhere)
    assert [b["text"]["text"] for b in reply.buttons()] == ["Request more credit"]
    # ...and refused if pressed anyway (an old card, a forged payload)
    result, response_url = world.slack.press(SALES, ELSEWHERE, SHARE_C0001)
    assert result.status == 200
    answer = world.slack.reply_at(response_url, ELSEWHERE)
    assert answer.text == (
        ":lock: Credit positions can be shared only in the channels the organisation has "
        "opened to credit data (<#C01SALES000>, <#C02FINANCE0>, <#C03CREDIT00>, "
        "<#C04LEGAL000>, <#C05LOGISTIC>); this one is not among them. A credit manager can "
        "open it (access.credit_data.share_channels in app.yaml).")
    assert world.emulator.calls_to("chat.postMessage") == []
    with world.services.uow() as uow:
        assert "credit.card_shared" not in [e.action for e in uow.audit.recent(10)]


@pytest.mark.parametrize("query", ["x" * 3000, "&" * 600])
def test_text_longer_than_slack_allows_is_answered_normally(world, query):
    reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {query}")
    assert reply.text == (
        f"That is {len(query):,} characters long, too long to be a customer's name or id "
        "(at most 200). Try part of the name or the id, e.g. C0001.")


def test_a_long_hostile_unknown_subcommand_is_clipped_and_escaped(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit " + "<&>" * 1000)
    assert reply.text.startswith("`/credit &lt;&amp;&gt;")
    assert "is not something I know" in reply.text and len(reply.text) < 200


def _press(world, action_id: str, value: str) -> int:
    button = {"action_id": action_id, "block_id": "check_actions", "value": value}
    return world.slack.press(SALES, SALES_CHANNEL, button)[0].status


@pytest.mark.parametrize("value", ["C0001", '{"kind":"customer"}',
                                   '{"kind":"customer","id":"C0001","limit":"9999999"}',
                                   '{"kind":"everyone","id":"C0001"}'])
def test_a_button_value_creditbot_did_not_write_is_refused_like_a_forgery(world, value):
    assert _press(world, "credit_check_share", value) == 400
    assert world.emulator.calls_to("chat.postMessage") == []
    assert world.emulator.calls_to("response_url") == []


def test_a_genuine_value_is_accepted(world):
    assert _press(world, "credit_check_share",
                  '{"kind":"customer","id":"C0001"}') == 200
    assert world.emulator.wait_for("chat.postMessage")


def test_a_share_slack_answers_too_slowly_is_recorded_and_never_posted_twice(world):
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0002")
    world.emulator.fail("chat.postMessage", "slow", delay=6.5)
    answer = world.slack.click(SALES, reply, "Share in channel", timeout=15)
    assert answer.text == ("Slack did not confirm the card, so it may already be in "
                           "the channel. Look there before you share it again.")
    posts = world.emulator.wait_for("chat.postMessage", timeout=10)
    time.sleep(0.5)
    assert len(world.emulator.calls_to("chat.postMessage")) == len(posts) == 1
    with world.services.uow() as uow:
        shared = [(e.action, e.details) for e in uow.audit.recent(10)
                  if e.action == "credit.card_shared"]
    assert shared == [("credit.card_shared", {"channel": SALES_CHANNEL, "confirmed": False})]


def test_refused_checks_and_shares_are_in_the_audit_log(world):
    world.slack.slash("U9STRANGER1", SALES_CHANNEL, "/credit check acme")
    _result, response_url = world.slack.press(SALES, ELSEWHERE, SHARE_C0001)
    world.slack.reply_at(response_url, ELSEWHERE)
    with world.services.uow() as uow:
        refused = [(e.actor, e.action, e.subject, e.details) for e in uow.audit.recent(10)
                   if e.action.endswith("_refused")]
    assert refused == [(SALES, "credit.share_refused", "C0001", {"channel": ELSEWHERE}),
                       ("U9STRANGER1", "credit.check_refused", "", {"query": "acme"})]


def test_a_name_with_an_ampersand_is_found_through_slacks_escaping(world, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("customer_id,name,currency,credit_limit,payment_terms_days\n"
                    "C9100,B&Q Trading,USD,5000,30\n", encoding="utf-8")
    with CsvFile(path) as source:
        CsvImporter(world.services.engine).run(KINDS["customers"], source)
    reply = world.slack.slash(SALES, SALES_CHANNEL, "/credit check b&q")
    assert reply.blocks[0]["text"]["text"] == "B&Q Trading"
    assert reply.text.startswith("B&amp;Q Trading: available ")


def _share_card(world, customer: str):
    reply = world.slack.slash(SALES, SALES_CHANNEL, f"/credit check {customer}")
    [button] = [b for b in reply.buttons() if b["text"]["text"] == "Share in channel"]
    return reply, button


def test_a_double_click_on_share_posts_the_card_once(world):
    reply, button = _share_card(world, "C0001")
    # Two presses of one card, as a fast double click sends them: each its own trigger.
    (first, first_url), (second, second_url) = (
        world.slack.press(SALES, SALES_CHANNEL, button, reply) for _ in range(2))
    assert first.status == second.status == 200
    answers = sorted((world.slack.reply_at(url, SALES_CHANNEL).all_text()
                      for url in (first_url, second_url)),
                     key=lambda text: text.startswith("*Share in channel* was pressed"))
    time.sleep(0.5)
    assert len(world.emulator.calls_to("chat.postMessage")) == 1
    assert len(world.emulator.channels[SALES_CHANNEL]) == 1
    assert answers[0].endswith(f"You shared this in <#{SALES_CHANNEL}>.")
    assert answers[1] == (
        f"*Share in channel* was pressed on this card already: it is posted in "
        f"<#{SALES_CHANNEL}> at most once, however many times its button is pressed. If it "
        "does not appear there, run `/credit check` again for a fresh card to share.")
    # A fresh card is a fresh share.
    again, _button = _share_card(world, "C0001")
    world.slack.click(SALES, again, "Share in channel")
    assert len(world.emulator.channels[SALES_CHANNEL]) == 2


def test_a_share_refused_because_the_bot_was_not_invited_can_be_pressed_again(world):
    world.emulator.closed_channels.add(SALES_CHANNEL)
    reply, _button = _share_card(world, "C0001")
    refused = world.slack.click(SALES, reply, "Share in channel")
    assert "`/invite @creditbot`" in refused.all_text()
    world.emulator.closed_channels.discard(SALES_CHANNEL)  # the person invited the bot
    shared = world.slack.click(SALES, reply, "Share in channel")
    assert shared.all_text().endswith(f"You shared this in <#{SALES_CHANNEL}>.")
    assert len(world.emulator.channels[SALES_CHANNEL]) == 1


def test_a_share_slack_may_have_posted_is_not_posted_again_by_a_second_press(world):
    reply, _button = _share_card(world, "C0002")
    world.emulator.fail("chat.postMessage", "slow", delay=6.5)
    world.slack.click(SALES, reply, "Share in channel", timeout=15)
    again = world.slack.click(SALES, reply, "Share in channel")
    assert again.all_text().startswith("*Share in channel* was pressed on this card already")
    posts = world.emulator.wait_for("chat.postMessage", timeout=10)
    time.sleep(0.5)
    assert len(world.emulator.calls_to("chat.postMessage")) == len(posts) == 1


def test_a_double_click_where_the_bot_is_not_invited_gets_no_contradicting_answers(world):
    world.emulator.closed_channels.add(SALES_CHANNEL)
    reply, button = _share_card(world, "C0001")
    urls = [world.slack.press(SALES, SALES_CHANNEL, button, reply)[1] for _ in range(2)]
    answers = [world.slack.reply_at(url, SALES_CHANNEL).all_text() for url in urls]
    invite = ("I can't post in this channel yet: add me with `/invite @creditbot`, then "
              "press *Share in channel* again.")
    pressed = (f"*Share in channel* was pressed on this card already: it is posted in "
               f"<#{SALES_CHANNEL}> at most once, however many times its button is pressed. "
               "If it does not appear there, run `/credit check` again for a fresh card to "
               "share.")
    # The second press may come while the first holds the card, or after its refusal
    # let go of it: either way each answer is true beside the other.
    assert invite in answers and set(answers) <= {invite, pressed}
    assert world.emulator.channels[SALES_CHANNEL] == []
