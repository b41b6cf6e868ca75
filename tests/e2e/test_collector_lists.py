"""The collections lead looks at a collector's list: ``/credit collect @maria``. A new
lead found no way to see what a collector had before them. Through signed HTTP -> bot ->
emulator."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES
from tests.e2e.test_collection_fixes import assign
from tests.e2e.test_collector_day import (
    COLLECTOR,
    COLLECTOR_DM,
    OTHER_COLLECTOR,
    deliver,
    dms,
    section_texts,
)
from tests.e2e.test_people_languages import speaks_in_slack
from tests.scheduler.test_leadership import wait_for

LEAD_DM = "D02CREDITMG"  # the demo's lead is the credit manager


def _collect(world: Any, user: str, line: str) -> Any:
    return world.slack.slash(user, LEAD_DM, line)


def test_the_lead_sees_a_collectors_list_and_may_act_on_it(world):
    assign(world)
    own = world.slack.slash(COLLECTOR, COLLECTOR_DM, "/credit collect")
    theirs = _collect(world, CREDIT_MANAGER, f"/credit collect <@{COLLECTOR}|mei>")
    assert theirs.text == f"<@{COLLECTOR}> has 1 account to collect"
    assert section_texts(theirs) == [
        f"*Collections of <@{COLLECTOR}>*: 1 account, page 1 of 1, in the order they see "
        "it.", section_texts(own)[1]]
    # The lead may act on any account: the buttons are there, and they work.
    assert [b["text"]["text"] for b in theirs.buttons()] == [
        "Log action", "Promise to pay", "Dispute", "Escalate to legal"]
    # A typed id works as a pick does, and the page too.
    assert _collect(world, CREDIT_MANAGER, f"/credit collect {COLLECTOR.lower()} 1").blocks \
        == theirs.blocks
    # A collector with nothing is said so; an id app.yaml does not list is no collector.
    assert _collect(world, CREDIT_MANAGER, f"/credit collect <@{OTHER_COLLECTOR}>").text == (
        f"<@{OTHER_COLLECTOR}> has no accounts to collect.")
    assert _collect(world, CREDIT_MANAGER, "/credit collect <@U09NOBODY01>").text == (
        "<@U09NOBODY01> is nobody app.yaml lists, and collects no account: name a "
        "collector, e.g. `/credit collect @maria`.")
    assert _collect(world, CREDIT_MANAGER, "/credit 催收 <@U09NOBODY01>").text == (
        "<@U09NOBODY01> is nobody app.yaml lists, and collects no account: name a "
        "collector, e.g. `/credit 催收 @maria`.")
    world.slack.click(CREDIT_MANAGER, theirs, "Log action", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    assert view["callback_id"] == "collect_log_form"
    world.emulator.views.clear()
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "kind": "call", "outcome": "spoke to their CFO"}).body == ""
    # The collector hears of it, in their direct messages, with the step in force.
    deliver(world)
    today = NOW.date()
    assert dms(world, COLLECTOR)[-1] == (
        f":information_source: <@{CREDIT_MANAGER}> recorded on *Fenwick Retail Group* "
        "(C0041), which you collect: call (“spoke to their CFO”). Its next step is due on "
        f"{today:%b} {today.day}, {today.year}.")
    # With a new date: the reminder is the collector's, and both are told so (the lead
    # read "you are reminded that day", the collector nothing of the day).
    theirs = _collect(world, CREDIT_MANAGER, f"/credit collect <@{COLLECTOR}>")
    world.slack.click(CREDIT_MANAGER, theirs, "Log action", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    world.emulator.views.clear()
    day = today + timedelta(days=3)
    before = len(dms(world, CREDIT_MANAGER))
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "kind": "email", "outcome": "sent statement", "next": str(day)}).body == ""
    wait_for(lambda: len(dms(world, CREDIT_MANAGER)) > before, seconds=5)
    shown = f"{day:%b} {day.day}, {day.year}"
    assert dms(world, CREDIT_MANAGER)[-1] == (
        f"Logged: email for *Fenwick Retail Group* (C0041). Next step on {shown}: "
        f"<@{COLLECTOR}>, who collects it, is reminded that day.")
    deliver(world)
    assert dms(world, COLLECTOR)[-1] == (
        f":information_source: <@{CREDIT_MANAGER}> recorded on *Fenwick Retail Group* "
        f"(C0041), which you collect: email (“sent statement”). Its next step is due on "
        f"{shown}.")
    # The form says whose reminder it is, and so does a step due today.
    theirs = _collect(world, CREDIT_MANAGER, f"/credit collect <@{COLLECTOR}>")
    world.slack.click(CREDIT_MANAGER, theirs, "Log action", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    world.emulator.views.clear()
    [hint] = [b["hint"]["text"] for b in view["blocks"] if b.get("block_id") == "next"]
    assert hint == "Its collector is reminded on this day."
    before = len(dms(world, CREDIT_MANAGER))
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "kind": "call", "outcome": "no answer", "next": str(today)}).body == ""
    wait_for(lambda: len(dms(world, CREDIT_MANAGER)) > before, seconds=5)
    assert dms(world, CREDIT_MANAGER)[-1] == (
        "Logged: call for *Fenwick Retail Group* (C0041). The next step is due today; it is "
        f"among the first in <@{COLLECTOR}>'s `/credit collect`.")
    # A Saturday: the collections job runs Monday to Friday, and the reminder comes then
    # (said "is reminded that day", it came on Monday).
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    monday = saturday + timedelta(days=2)
    theirs = _collect(world, CREDIT_MANAGER, f"/credit collect <@{COLLECTOR}>")
    world.slack.click(CREDIT_MANAGER, theirs, "Log action", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    world.emulator.views.clear()
    before = len(dms(world, CREDIT_MANAGER))
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "kind": "visit", "outcome": "met their CFO", "next": str(saturday)}).body == ""
    wait_for(lambda: len(dms(world, CREDIT_MANAGER)) > before, seconds=5)
    assert dms(world, CREDIT_MANAGER)[-1] == (
        f"Logged: visit for *Fenwick Retail Group* (C0041). Next step on {saturday:%b} "
        f"{saturday.day}, {saturday.year}, when no reminders go out: <@{COLLECTOR}>, who "
        f"collects it, is reminded on {monday:%b} {monday.day}, {monday.year}.")


def test_only_the_lead_and_the_assigners_see_anothers_list(world):
    assign(world)
    refused = world.slack.slash(OTHER_COLLECTOR, "D04COLLECT2",
                                f"/credit collect <@{COLLECTOR}>")
    assert refused.text == (
        f":lock: Another collector's list is for the collections lead and those who assign "
        f"accounts (<@{CREDIT_MANAGER}>); `/credit collect` alone shows yours.")
    assert world.slack.slash(SALES, "D01SALESAMY", f"/credit collect <@{COLLECTOR}>").text \
        == refused.text
    # Naming oneself is one's own list.
    mine = world.slack.slash(COLLECTOR, COLLECTOR_DM, f"/credit collect <@{COLLECTOR}>")
    assert mine.text == "1 account to collect"
    assert _collect(world, CREDIT_MANAGER,
                    f"/credit collect <@{COLLECTOR}> <@{OTHER_COLLECTOR}>").text == (
        "`/credit collect` takes a page number or nothing, e.g. `/credit collect 2`; the "
        "collections lead names a collector too, e.g. `/credit collect @maria`. "
        f"“&lt;@{COLLECTOR}&gt; &lt;@{OTHER_COLLECTOR}&gt;” is not one.")
    # As typed: who wrote the Chinese word reads it back.
    assert _collect(world, CREDIT_MANAGER, "/credit 催收 abc").text == (
        "`/credit 催收` takes a page number or nothing, e.g. `/credit 催收 2`; the "
        "collections lead names a collector too, e.g. `/credit 催收 @maria`. “abc” is not "
        "one.")
    assert _collect(world, CREDIT_MANAGER, "/credit collect @maria").text == (
        "“@maria” names nobody: type @ and pick the collector from Slack's list, or give "
        "their user id, e.g. `/credit collect U0123ABCDE`.")


def test_the_collector_is_told_in_their_own_slack_language(world):
    # The collections capability's messages read app.yaml's languages only: a collector
    # whose Slack speaks Chinese got the lead's note (and the due-step reminders) in
    # English. Now in the language Slack reports, as the other capabilities' messages.
    speaks_in_slack(world, COLLECTOR, "mei", "zh-CN")
    assign(world)
    theirs = _collect(world, CREDIT_MANAGER, f"/credit collect <@{COLLECTOR}>")
    world.slack.click(CREDIT_MANAGER, theirs, "Promise to pay", wait=False)
    view = world.slack.modal(CREDIT_MANAGER)
    world.emulator.views.clear()
    assert world.slack.submit(CREDIT_MANAGER, view, {"amount": "GBP 5k",
                                                     "due": "2026-12-08"}).body == ""
    deliver(world)
    assert dms(world, COLLECTOR)[-1] == (
        f":information_source: <@{CREDIT_MANAGER}> 在您催收的 *Fenwick Retail Group*"
        "（C0041）上记录了：在 2026年12月8日前支付 £5,000.00 的付款承诺。")
