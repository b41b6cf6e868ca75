"""Approval cards and the buttons that decide them, as people use them: signed HTTP ->
bot -> use case -> outbox, the modals opened on the Slack emulator, on SQLite and
PostgreSQL.

The demo organisation's policy: Acme Packaging (C0002, limit $100,000, owner
U01SALESCHO) asked +$100,000 measures $200,000 in total, in the band up to $500,000:
the credit manager decides level 1 (its card posted to #credit: post_to), the finance
director level 2 (by direct message; escalating to the CFO after its deadline)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update

from bot.sandbox.blockkit import problems
from bot.sandbox.driver import HttpResult, Reply
from domain.approvals.filing import Filing
from domain.approvals.model import AskedIn, Decision, Outcome, RequestKind, RequestState
from domain.model import AuditEntry
from domain.money import Money
from handlers.approvals.cards import FINAL
from handlers.approvals.notices import card_key, question_key
from handlers.i18n import translator
from storage.credit_requests import overtake_changes
from storage.models import CustomerRow, ExchangeRateRow, InvoiceRow, OutboxRow
from tests.e2e.conftest import CREDIT_MANAGER, NOW, SALES, SALES_CHANNEL, STRANGER, World

FINANCE_DIRECTOR = "U03FINDIR01"
OWNER = "U01SALESCHO"
# The shipped policy posts the credit manager's level to the credit department's channel.
CREDIT_CHANNEL = "C03CREDIT00"


def file_request(world: World, amount: str = "+100k",
                 reason: str = "Q1 season: two *large* orders <!channel>") -> int:
    member = world.services.config.roster().member(SALES)
    filed = world.services.requests.file(member, Filing(
        "C0002", RequestKind.LIMIT_INCREASE, reason, amount))
    return filed.id


def rows(world: World) -> list[OutboxRow]:
    with world.services.engine.connect() as conn:
        return list(conn.execute(select(OutboxRow).order_by(OutboxRow.id)))


def shown(world: World, request_id: int, level: int, destination: str) -> Reply:
    """The level's card in ``destination`` as Slack shows it now: the post, or its
    latest edit."""
    found = rows(world)
    card = next(r for r in found if r.dedup_key == card_key(request_id, level, destination))
    latest = [r for r in found if r.update_of == card.id] or [card]
    payload = latest[-1].payload
    return Reply(destination, payload["text"], payload["blocks"], ephemeral=False,
                 ts="1764381600.000100")


def notes_to(world: World, user: str) -> list[str]:
    return [r.payload["text"] for r in rows(world)
            if r.channel == user and r.kind == "approvals.note"]


def audit(world: World, action: str) -> list[AuditEntry]:
    with world.services.uow() as uow:
        return [e for e in uow.audit.recent(500) if e.action == action]


def open_modal(world: World, user: str, card: Reply, label: str) -> dict[str, Any]:
    world.slack.click(user, card, label, wait=False)
    return world.slack.modal(user)


def block_texts(reply: Reply) -> list[str]:
    """Every text of the card but its Share menu's (tests/e2e/test_share_cards.py)."""
    blocks = [{**b, "elements": [e for e in b["elements"] if e.get("type") != "overflow"]}
              if b["type"] == "actions" else b for b in reply.blocks]
    return Reply(reply.channel, reply.text, blocks, reply.ephemeral).texts()[1:]


ZONE = ZoneInfo("Asia/Shanghai")
EN = translator("en-US")
ACME_FIGURES = (
    "*Credit limit*\n$100,000.00", "*Exposure*\n$35,128.92",
    "*Available credit*\n$64,871.08", "*Overdue*\n$8,721.98\noldest 31 days past due",
    "*Payment terms*\n90 days", "*Contracts*\nK0002 until Jun 17, 2027, limit $100,000.00")
ACME_AGING = ("*Aging*  `current` $11,614.89  ·  `1-30 days` $4,282.51  ·  `31-60 days` "
              "$4,439.47  ·  `61-90 days` $0.00  ·  `90+ days` $0.00")
# The reason as the card shows it: formatting neutralised, the mention made harmless.
REASON_SHOWN = "*Requested by* <@U01SALESAMY>:\n> Q1 season: two ∗large∗ orders &lt;!channel&gt;"


def decisions(world: World, request_id: int) -> list[Decision]:
    with world.services.uow() as uow:
        return uow.credit_requests.decisions([request_id]).get(request_id, [])


def deadline(world: World, request_id: int) -> str:
    with world.services.uow() as uow:
        request = uow.credit_requests.get(request_id)
    assert request is not None
    return EN.moment(request.deadline(), ZONE)


def when(world: World, request_id: int, level: int) -> str:
    decided = next(d for d in decisions(world, request_id) if d.level == level)
    return EN.moment(decided.decided_at, ZONE)


def card_texts(world: World, request_id: int, level: int, levels: int, role: str,
               last: list[str], waiting: bool = False, before: tuple[str, ...] = ()
               ) -> list[str]:
    """Every text of a level's card, in order (the header's, the section's, each
    field's, ... what the levels ``before`` it decided, ... the outcome's)."""
    context = (f"Level {level} of {levels}: {role} · decide by {deadline(world, request_id)}"
               if waiting else f"Level {level} of {levels}: {role}")
    return [f"Credit request #{request_id}: limit increase", "*Acme Packaging* · C0002",
            "*Requested*\n$200,000.00 (now $100,000.00, +$100,000.00)", *ACME_FIGURES,
            ACME_AGING, f"Figures as of {EN.date(NOW.astimezone(ZONE).date())} ({ZONE})",
            REASON_SHOWN,
            *before, context, *last]


def test_level_one_approves_in_the_modal_and_level_two_rejects_with_a_comment(
        world: World) -> None:
    request_id = file_request(world)
    first = shown(world, request_id, 1, CREDIT_CHANNEL)
    assert first.text == ("Credit request #1 · limit increase · Acme Packaging: $200,000.00 "
                          "(now $100,000.00, +$100,000.00) · level 1 of 2, waiting for a "
                          "decision")
    assert block_texts(first) == card_texts(
        world, request_id, 1, 2, "credit manager", ["Approve", "Reject", "Ask for info"],
        waiting=True)
    assert [b["value"] for b in first.buttons()] == ['{"request":1,"level":1}'] * 3
    # Nobody else has a card yet: level 2 waits for level 1.
    assert [r.channel for r in rows(world)] == [CREDIT_CHANNEL]

    view = open_modal(world, CREDIT_MANAGER, first, "Approve")
    assert view["title"]["text"] == "Approve"
    assert view["blocks"][0]["text"]["text"] == (
        "*#1 · limit increase · Acme Packaging*\n$200,000.00 (now $100,000.00, "
        "+$100,000.00)\nLevel 1 of 2\nNow: exposure $35,128.92, available credit "
        "$64,871.08")
    assert world.slack.submit(CREDIT_MANAGER, view, {"comment": "Fine for *Q1*"}).body == ""

    approved = shown(world, request_id, 1, CREDIT_CHANNEL)
    outcome = (f":white_check_mark: Approved by <@{CREDIT_MANAGER}> on "
               f"{when(world, request_id, 1)}\n> Fine for ∗Q1∗")
    assert block_texts(approved) == card_texts(world, request_id, 1, 2, "credit manager",
                                               [outcome])
    assert approved.buttons() == []
    # Its notification text too: "level 1 of 2" whatever had happened.
    asked = "$200,000.00 (now $100,000.00, +$100,000.00)"
    assert approved.text == (f"Credit request #1 · limit increase · Acme Packaging: {asked} · "
                             "level 1 of 2, approved; level 2 decides next")
    second = shown(world, request_id, 2, FINANCE_DIRECTOR)
    # The next level reads what the one before it decided, and why.
    level_one = f"*Level 1, credit manager:* {outcome}"
    assert block_texts(second) == card_texts(
        world, request_id, 2, 2, "finance director", ["Approve", "Reject", "Ask for info"],
        waiting=True, before=(level_one,))
    assert notes_to(world, SALES) == [
        ":arrow_forward: Level 1 of your request #1 · limit increase · Acme Packaging was "
        f"approved by <@{CREDIT_MANAGER}>. It now waits for level 2 of 2: finance "
        "director.\n> Fine for ∗Q1∗"]

    view = open_modal(world, FINANCE_DIRECTOR, second, "Reject")
    # A rejection needs a comment: the modal stays open and says so beside the field.
    assert world.slack.submit(FINANCE_DIRECTOR, view, {"comment": "   "}).json() == {
        "response_action": "errors", "errors": {"comment": (
            "Say why you reject it: a rejection needs a comment, which the requester "
            "will read.")}}
    assert world.slack.submit(FINANCE_DIRECTOR, view,
                              {"comment": "Too much overdue"}).body == ""
    rejected = shown(world, request_id, 2, FINANCE_DIRECTOR)
    assert block_texts(rejected) == card_texts(
        world, request_id, 2, 2, "finance director",
        [f":x: Rejected by <@{FINANCE_DIRECTOR}> on {when(world, request_id, 2)}"
         "\n> Too much overdue"], before=(level_one,))
    assert rejected.text == (f"Credit request #1 · limit increase · Acme Packaging: {asked} · "
                             "level 2 of 2, rejected")
    assert shown(world, request_id, 1, CREDIT_CHANNEL).text == (
        f"Credit request #1 · limit increase · Acme Packaging: {asked} · level 1 of 2, "
        "rejected")
    # Level 1's card in #credit said "Approved" to everyone reading the channel: it now
    # ends with how the request ended, its figures those level 1 decided on.
    assert block_texts(shown(world, request_id, 1, CREDIT_CHANNEL)) == card_texts(
        world, request_id, 1, 2, "credit manager", [outcome, (
            f"*Final outcome, at level 2 (finance director):* :x: Rejected by "
            f"<@{FINANCE_DIRECTOR}> on {when(world, request_id, 2)}\n> Too much overdue")])
    assert notes_to(world, SALES)[1:] == [
        ":x: Your request #1 · limit increase · Acme Packaging was rejected at level 2 by "
        f"<@{FINANCE_DIRECTOR}>.\n> Too much overdue"]
    # The account owner hears of the rejection as of an approval: a rep raising their
    # customer's limit is their business either way.
    assert notes_to(world, OWNER) == [
        ":x: On an account you own, request #1 · limit increase · Acme Packaging by "
        f"<@{SALES}> was rejected by <@{FINANCE_DIRECTOR}>. Nothing changes on the account."
        "\n> Too much overdue"]
    # The same modal submitted again changes nothing and says who decided.
    again = world.slack.submit(FINANCE_DIRECTOR, view, {"comment": "Too much overdue"})
    assert again.json()["response_action"] == "update"
    assert again.json()["view"]["blocks"][0]["text"]["text"] == (
        f"Level 2 of request #1 was already rejected by <@{FINANCE_DIRECTOR}>.")
    with world.services.uow() as uow:
        request = uow.credit_requests.get(request_id)
        assert request is not None and request.state is RequestState.REJECTED
        assert uow.credit_requests.limit_changes("C0002") == []
    assert [(e.actor, e.details["level"], e.details["comment"])
            for e in audit(world, "requests.approved")] == [
        (CREDIT_MANAGER, 1, "Fine for *Q1*")]
    assert [(e.actor, e.details["level"], e.details["comment"])
            for e in audit(world, "requests.rejected")] == [
        (FINANCE_DIRECTOR, 2, "Too much overdue")]


def test_the_requester_and_an_outsider_are_refused_and_nothing_changes(
        world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    mine = world.slack.click(SALES, card, "Approve")
    assert mine is not None and mine.ephemeral
    assert mine.text == (":no_entry: You can't decide this request: you filed it. Someone "
                         "else must decide it.")
    outsider = world.slack.click(STRANGER, card, "Reject")
    assert outsider is not None and outsider.ephemeral
    assert outsider.text.startswith(":lock: Credit data is confidential")
    # Another salesperson may see credit data but holds no role of the level.
    other = world.slack.click(OWNER, card, "Approve")
    assert other is not None and other.text == (
        ":no_entry: You can't decide this: level 1 is for the credit manager: "
        f"<@{CREDIT_MANAGER}>, or someone they delegated their approvals to.")
    assert world.emulator.calls_to("views.open") == []
    # A forged submission of the approve modal by the requester is refused as well.
    view = open_modal(world, CREDIT_MANAGER, card, "Approve")
    forged = world.slack.submit(SALES, view, {"comment": "self-service"})
    assert forged.json()["view"]["blocks"][0]["text"]["text"] == (
        "You can't decide this request: you filed it. Someone else must decide it.")
    other_forged = world.slack.submit(OWNER, view, {"comment": "mine now"})
    assert other_forged.json()["view"]["blocks"][0]["text"]["text"] == (
        "You can't decide this: level 1 is for the credit manager: "
        f"<@{CREDIT_MANAGER}>, or someone they delegated their approvals to.")
    assert decisions(world, request_id) == []
    assert audit(world, "requests.approved") == []
    assert block_texts(shown(world, request_id, 1, CREDIT_CHANNEL))[-3:] == [
        "Approve", "Reject", "Ask for info"]


def test_ask_for_info_posts_the_question_in_the_cards_thread_and_tells_the_requester(
        world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    view = open_modal(world, CREDIT_MANAGER, card, "Ask for info")
    assert world.slack.submit(CREDIT_MANAGER, view, {"question": ""}).json() == {
        "response_action": "errors",
        "errors": {"question": "Write the question the requester should answer."}}
    assert world.slack.submit(CREDIT_MANAGER, view,
                              {"question": "Which orders? <!here>"}).body == ""
    posted = rows(world)
    card_row = next(r for r in posted if r.dedup_key == card_key(request_id, 1,
                                                                  CREDIT_CHANNEL))
    [thread] = [r for r in posted if r.payload.get("thread_of") == card_row.id]
    assert thread.payload["text"] == (
        f":question: <@{SALES}>, <@{CREDIT_MANAGER}> asks about request #1 · limit "
        "increase · Acme Packaging:\n> Which orders? &lt;!here&gt;")
    # The card is in #credit, which the rep may not be in (a mention there would reach
    # nobody): the question comes by direct message too, saying where to answer it.
    assert notes_to(world, SALES) == [
        f":question: <@{CREDIT_MANAGER}> asks about your request #1 · limit increase · "
        f"Acme Packaging in the thread of its card in <#{CREDIT_CHANNEL}>:\n"
        f"> Which orders? &lt;!here&gt;\nAnswer with the button below: <@{CREDIT_MANAGER}> "
        "gets your answer by direct message, and it is posted in that thread."]
    [entry] = audit(world, "requests.info_asked")
    assert (entry.actor, entry.subject, entry.details) == (
        CREDIT_MANAGER, "C0002", {"request": 1, "level": 1,
                                  "question": "Which orders? <!here>"})


def test_the_requester_answers_with_the_button_and_the_asker_and_the_thread_get_it(
        world: World) -> None:
    # "Answer in that thread, or @mei directly": a rep not in #credit, or whose card went
    # to the approvers' direct messages, had no answer creditbot kept.
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    view = open_modal(world, CREDIT_MANAGER, card, "Ask for info")
    assert world.slack.submit(CREDIT_MANAGER, view, {"question": "Which orders?"}).body == ""
    note_row = next(r for r in rows(world) if r.dedup_key == question_key(1))
    note = Reply(SALES, note_row.payload["text"], note_row.payload["blocks"],
                 ephemeral=False, ts="1764381600.000200")
    # Only the requester answers.
    other = world.slack.click(CREDIT_MANAGER, note, "Answer")
    assert other is not None and other.ephemeral and other.text == (
        f":no_entry: Only <@{SALES}>, who filed request #1, answers its questions.")
    # The question waits in the requester's list too, with its button.
    listed = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests")
    waiting = listed.texts()
    at = waiting.index(f":question: <@{CREDIT_MANAGER}> asks:\n> Which orders?")
    assert waiting[at + 1] == "Answer"
    form = open_modal(world, SALES, listed, "Answer")
    assert form["blocks"][0]["text"]["text"] == (
        f"*#1 · limit increase · Acme Packaging*\n<@{CREDIT_MANAGER}> asks:\n"
        "> Which orders?")
    assert world.slack.submit(SALES, form, {"answer": "  "}).json() == {
        "response_action": "errors", "errors": {"answer": "Write your answer to the question."}}
    assert world.slack.submit(SALES, form, {"answer": "PO-7 and *PO-9* <!channel>"}).body == ""
    shown_answer = "> PO-7 and ∗PO-9∗ &lt;!channel&gt;"
    card_row = next(r for r in rows(world)
                    if r.dedup_key == card_key(request_id, 1, CREDIT_CHANNEL))
    assert [r.payload["text"] for r in rows(world)
            if r.payload.get("thread_of") == card_row.id][1:] == [
        f":speech_balloon: <@{SALES}> answers <@{CREDIT_MANAGER}>:\n{shown_answer}"]
    assert notes_to(world, CREDIT_MANAGER) == [
        f":speech_balloon: <@{SALES}> answered your question about request #1 · limit "
        f"increase · Acme Packaging (“Which orders?”):\n{shown_answer}"]
    with world.services.uow() as uow:
        asked = uow.credit_requests.question(1)
    assert asked is not None and asked.answer == "PO-7 and *PO-9* <!channel>"
    assert asked.answered_at is not None
    answered = EN.moment(asked.answered_at, ZONE)
    # The requester's message loses its button and keeps the answer.
    [edit] = [r for r in rows(world) if r.update_of == note_row.id]
    assert edit.payload["text"] == (
        f":question: <@{CREDIT_MANAGER}> asks about your request #1 · limit increase · "
        f"Acme Packaging in the thread of its card in <#{CREDIT_CHANNEL}>:\n> Which orders?"
        f"\n:white_check_mark: You answered on {answered}:\n{shown_answer}")
    assert [b["type"] for b in edit.payload["blocks"]] == ["section"]
    [entry] = audit(world, "requests.info_answered")
    assert (entry.actor, entry.subject, entry.details) == (SALES, "C0002", {
        "request": 1, "level": 1, "asked_by": CREDIT_MANAGER, "question": "Which orders?",
        "answer": "PO-7 and *PO-9* <!channel>"})
    # Once: the same form again is answered with when.
    again = world.slack.submit(SALES, form, {"answer": "again"}).json()
    assert again["response_action"] == "update"
    assert again["view"]["blocks"][0]["text"]["text"] == (
        f"You answered this question on {EN.date(asked.answered_at.astimezone(ZONE).date())}.")
    assert len(audit(world, "requests.info_answered")) == 1
    assert not any(":question:" in text for text in
                   world.slack.slash(SALES, SALES_CHANNEL, "/credit requests").texts())
    # The history keeps the answer under the question.
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    assert (f"> Which orders?\n  ↳ answered by <@{SALES}> on {answered}:\n{shown_answer}"
            ) in history
    assert decisions(world, request_id) == []


@pytest.mark.parametrize("close", ["cancel", "reject"])
def test_a_question_left_unanswered_loses_its_button_when_the_request_closes(
        world: World, close: str) -> None:
    # The Answer button stayed under the question after the request was decided or
    # cancelled, and a click was told only then that no answer was wanted.
    request_id = file_request(world)
    roster = world.services.config.roster()
    manager, requester = roster.member(CREDIT_MANAGER), roster.member(SALES)
    world.services.requests.ask_info(manager, request_id, 1, "Which orders?")
    world.services.requests.ask_info(manager, request_id, 1, "And the margin?")
    world.services.requests.answer(requester, 2, "Twelve per cent.")
    first, second = (next(r for r in rows(world) if r.dedup_key == question_key(q))
                     for q in (1, 2))
    answered_edits = [r.id for r in rows(world) if r.update_of == second.id]
    if close == "cancel":
        cancelled = world.slack.click(SALES, world.slack.slash(
            SALES, SALES_CHANNEL, "/credit requests"), "Cancel request")
        assert cancelled is not None
    else:
        world.services.requests.decide(manager, request_id, 1, Outcome.REJECTED,
                                       "Not this quarter.")
    [edit] = [r for r in rows(world) if r.update_of == first.id]
    assert edit.channel == SALES
    assert edit.payload["text"] == (
        f":question: <@{CREDIT_MANAGER}> asks about your request #1 · limit increase · "
        f"Acme Packaging in the thread of its card in <#{CREDIT_CHANNEL}>:\n> Which orders?"
        "\n:heavy_minus_sign: Request #1 is closed: nothing waits for your answer any more.")
    assert [b["type"] for b in edit.payload["blocks"]] == ["section"]
    # The answered question's message already lost its button: it is left as it is.
    assert [r.id for r in rows(world) if r.update_of == second.id] == answered_edits


def test_the_list_says_how_many_earlier_questions_wait_for_an_answer(world: World) -> None:
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    for question in ("And the margin?", "Payment history?", "Which orders?"):
        world.services.requests.ask_info(manager, request_id, 1, question)
    world.services.requests.answer(world.services.config.roster().member(SALES), 2, "fine")
    texts = world.slack.slash(SALES, SALES_CHANNEL, "/credit requests").texts()
    assert (f":question: <@{CREDIT_MANAGER}> asks:\n> Which orders?\n1 earlier question "
            "waits for your answer too, in its direct message.") in texts


def test_a_long_answer_is_shown_whole_to_the_asker_in_the_thread_and_in_the_history(
        world: World) -> None:
    # Accepted up to 2,000 characters, an answer (and the question) was cut at 1,500
    # everywhere in Slack.
    request_id = file_request(world)
    world.services.requests.ask_info(world.services.config.roster().member(CREDIT_MANAGER),
                                     request_id, 1, "Q" * 2000)
    answer = "a" * 1986 + "END-OF-ANSWER"
    world.services.requests.answer(world.services.config.roster().member(SALES), 1, answer)
    card_row = next(r for r in rows(world)
                    if r.dedup_key == card_key(request_id, 1, CREDIT_CHANNEL))
    [posted] = [r.payload["text"] for r in rows(world)
                if r.payload.get("thread_of") == card_row.id][1:]
    assert posted.endswith("\n> " + answer)
    [told] = notes_to(world, CREDIT_MANAGER)
    assert told.endswith("\n> " + answer)
    note_row = next(r for r in rows(world) if r.dedup_key == question_key(1))
    # The question, as long as its form takes, reached the requester whole.
    assert "\n> " + "Q" * 2000 + "\nAnswer with the button below" in note_row.payload["text"]
    [edit] = [r for r in rows(world) if r.update_of == note_row.id]
    assert edit.payload["text"].endswith("\n> " + answer) and len(edit.payload["text"]) < 3000
    # The history, one section for the request's whole story, has the gist of both.
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    assert "\n> " + "Q" * 499 + f"…\n  ↳ answered by <@{SALES}> on " in history
    assert "> " + "a" * 499 + "…" in history


def test_the_history_shows_the_question_asked_before_the_decision(world: World) -> None:
    """The question was kept only in the audit log: the history went from "filed" to
    "approved" as if nobody had asked anything."""
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    view = open_modal(world, CREDIT_MANAGER, card, "Ask for info")
    assert world.slack.submit(CREDIT_MANAGER, view, {
        "question": "Which orders? <!here>\n*Q1* only?"}).body == ""
    waiting = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    assert "> ∗Q1∗ only?\n  ↳ not answered yet\n" in waiting
    approve(world, CREDIT_MANAGER, request_id, 1, "fine by me")
    [asked] = audit(world, "requests.info_asked")
    [decided] = decisions(world, request_id)
    en, zone = translator("en-US"), world.services.config.organisation.zone
    text = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("filed by"))
    # Approved with no answer given with the button: said, else the approval reads as
    # made on one.
    assert lines[start + 2:start + 8] == [
        f"  ↳ level 1 (credit manager): <@{CREDIT_MANAGER}> asked for information on "
        f"{en.moment(asked.at, zone)}",
        "> Which orders? &lt;!here&gt;",
        "> ∗Q1∗ only?",
        "  ↳ not answered with the Answer button (an answer written in the card's thread "
        "stays there)",
        f"  ↳ level 1 (credit manager) approved by <@{CREDIT_MANAGER}> on "
        f"{en.moment(decided.decided_at, zone)}",
        "> fine by me"]


def test_many_long_questions_leave_the_decision_in_the_history(world: World) -> None:
    """A dozen long questions pushed the approval after them out of the request's
    section, cut at Slack's 3,000 characters: the level read as undecided."""
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    for n in range(12):
        world.services.requests.ask_info(manager, request_id, 1, f"Q{n} " + "y" * 1500)
    approve(world, CREDIT_MANAGER, request_id, 1, "FINAL APPROVAL COMMENT")
    blocks = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").blocks
    [text] = [b["text"]["text"] for b in blocks if b["type"] == "section"
              and b["text"]["text"].startswith(f"*#{request_id}*")]
    assert len(text) <= 3000
    lines = text.split("\n")
    # The latest questions that fit, the count of the others, and the decision whole.
    shown = [line for line in lines if re.match(r"> Q\d+ y", line)]
    assert shown and shown[-1].startswith("> Q11 ")
    left = 12 - len(shown)
    assert left > 0
    assert lines[2 + 1] == (f"  ↳ {left} earlier questions for information are not shown "
                            "here; the card's thread has them.")
    assert lines[-2:] == [
        f"  ↳ level 1 (credit manager) approved by <@{CREDIT_MANAGER}> on "
        f"{when(world, request_id, 1)}", "> FINAL APPROVAL COMMENT"]


def test_long_reasons_and_comments_leave_every_levels_decision_in_the_history(
        world: World) -> None:
    """A long reason and three long comments took the last levels' decisions out of the
    request's section, cut at Slack's 3,000 characters, with no word of them."""
    cfo = "U03CFO00001"
    request_id = file_request(world, "+5m", "R&D " * 500)
    for level, user in enumerate((CREDIT_MANAGER, FINANCE_DIRECTOR, cfo), start=1):
        approve(world, user, request_id, level, f"level {level} says: " + "M&A " * 490)
    blocks = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").blocks
    [text] = [b["text"]["text"] for b in blocks if b["type"] == "section"
              and b["text"]["text"].startswith(f"*#{request_id}*")]
    assert len(text) <= 3000
    lines = text.split("\n")
    decided = [line for line in lines if line.startswith("  ↳ level")]
    assert decided == [
        f"  ↳ level 1 (credit manager) approved by <@{CREDIT_MANAGER}> on "
        f"{when(world, request_id, 1)}",
        f"  ↳ level 2 (finance director) approved by <@{FINANCE_DIRECTOR}> on "
        f"{when(world, request_id, 2)}",
        f"  ↳ level 3 (CFO) approved by <@{cfo}> on {when(world, request_id, 3)}"]
    # Each comment quoted, the earlier ones to their start when the room runs short.
    comments = [line for line in lines if line.startswith("> level ")]
    assert [c[:len("> level 1 says: M&amp;A")] for c in comments] == [
        f"> level {n} says: M&amp;A" for n in (1, 2, 3)]
    assert all(c.endswith("…") for c in comments)
    assert lines[-1] == comments[-1]
    # The cards and messages quote them at length, still within what Slack takes.
    assert [problems(r.payload.get("blocks")) for r in rows(world)] == [[]] * len(rows(world))
    final = [b["text"]["text"] for b in shown(world, request_id, 3, cfo).blocks or []
             if b["type"] == "section" and "text" in b]
    assert final[-1].startswith(
        f":white_check_mark: Approved by <@{cfo}> on {when(world, request_id, 3)}\n"
        "> level 3 says: M&amp;A")


def test_cards_with_the_longest_reason_and_comments_still_reach_their_deciders(
        world: World) -> None:
    """A reason and three levels' comments as long as their forms take, in many short
    lines: the CFO's card weighed 14,839 characters, which Slack refuses, so the last
    level never got its card. Quoted shorter in turn until it fits."""
    cfo = "U03CFO00001"
    request_id = file_request(world, "+5m", "\n".join(["R&D"] * 500)[:2000])
    for level, user in enumerate((CREDIT_MANAGER, FINANCE_DIRECTOR, cfo), start=1):
        approve(world, user, request_id, level, "\n".join([f"c{level}"] * 700)[:2000])
    cards = [r for r in rows(world) if r.kind == "approvals.card"]
    assert {r.channel for r in cards} >= {CREDIT_CHANNEL, FINANCE_DIRECTOR, cfo}
    assert [problems(r.payload.get("blocks")) for r in cards] == [[]] * len(cards)
    for card in cards:
        texts = [b["text"]["text"] for b in card.payload["blocks"]
                 if b["type"] == "section" and "text" in b]
        assert all(len(text) < 3000 for text in texts)
    # Every level's outcome is on the CFO's card, the earlier ones' comments shortened.
    final = [b["text"]["text"] for b in shown(world, request_id, 3, cfo).blocks or []
             if b["type"] == "section" and "text" in b]
    assert [t.split("\n")[0] for t in final if t.startswith("*Level ")] == [
        f"*Level 1, credit manager:* :white_check_mark: Approved by <@{CREDIT_MANAGER}> on "
        f"{when(world, request_id, 1)}",
        f"*Level 2, finance director:* :white_check_mark: Approved by <@{FINANCE_DIRECTOR}> "
        f"on {when(world, request_id, 2)}"]
    assert final[-1].startswith(f":white_check_mark: Approved by <@{cfo}> on "
                                f"{when(world, request_id, 3)}\n> c3\n> c3\n")


def test_an_earlier_card_too_heavy_for_the_outcomes_comment_ends_with_the_outcome_alone(
        world: World) -> None:
    """Level 2's card, heavy with quoted comments, edited with the CFO's rejection: its
    comment was cut to a hundred characters and still took the card past the budget."""
    cfo = "U03CFO00001"
    request_id = file_request(world, "+5m", '"' * 2000)
    approve(world, CREDIT_MANAGER, request_id, 1, '"' * 2000)
    approve(world, FINANCE_DIRECTOR, request_id, 2, '"' * 1050)
    view = open_modal(world, cfo, shown(world, request_id, 3, cfo), "Reject")
    assert world.slack.submit(cfo, view, {"comment": "no " * 600}).body == ""
    edited = shown(world, request_id, 2, FINANCE_DIRECTOR)
    [final] = [b["text"]["text"] for b in edited.blocks or [] if b.get("block_id") == FINAL]
    assert final == (f"*Final outcome, at level 3 (CFO):* :x: Rejected by <@{cfo}> on "
                     f"{when(world, request_id, 3)}")
    assert problems(edited.blocks) == []
    # Whole where it is read first: the requester's message.
    assert notes_to(world, SALES)[-1].endswith("\n> " + ("no " * 600).strip())


def test_asking_is_refused_in_words_for_asking_to_others_and_to_the_requester(
        world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    other = world.slack.click(OWNER, card, "Ask for info")
    assert other is not None and other.text == (
        ":no_entry: Only those who decide level 1 ask the requester for more: the credit "
        f"manager: <@{CREDIT_MANAGER}>, or someone they delegated their approvals to.")
    own = world.slack.click(SALES, card, "Ask for info")
    assert own is not None and own.text == (
        ":no_entry: This is your own request: its approvers ask you for more, in the "
        "card's thread and by direct message.")
    assert world.emulator.calls_to("views.open") == []
    # A forged submission of the question modal gets the same words.
    view = open_modal(world, CREDIT_MANAGER, card, "Ask for info")
    for who, says in ((OWNER, other.text), (SALES, own.text)):
        forged = world.slack.submit(who, view, {"question": "why?"})
        assert forged.json()["view"]["blocks"][0]["text"]["text"] == says.removeprefix(
            ":no_entry: ")
    assert audit(world, "requests.info_asked") == []


def approve(world: World, user: str, request_id: int, level: int, comment: str) -> None:
    where = CREDIT_CHANNEL if level == 1 else user  # level 1's card is in #credit
    view = open_modal(world, user, shown(world, request_id, level, where), "Approve")
    assert world.slack.submit(user, view, {"comment": comment}).body == ""


def test_approved_through_every_level_the_new_limit_shows_in_credit_check(
        world: World) -> None:
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "ok")
    approve(world, FINANCE_DIRECTOR, request_id, 2, "")
    final = shown(world, request_id, 2, FINANCE_DIRECTOR)
    assert block_texts(final)[-1] == (
        f":white_check_mark: Approved by <@{FINANCE_DIRECTOR}> on "
        f"{when(world, request_id, 2)}")
    assert notes_to(world, SALES)[-1] == (
        ":white_check_mark: Your request #1 · limit increase · Acme Packaging is approved: "
        f"<@{FINANCE_DIRECTOR}> approved its last level. The new limit of $200,000.00 "
        "applies now.")
    assert notes_to(world, OWNER) == [
        ":white_check_mark: On an account you own, request #1 · limit increase · Acme "
        f"Packaging by <@{SALES}> is approved. The new limit of $200,000.00 applies now."]
    [change] = audit(world, "limits.changed")
    assert (change.actor, Decimal(change.details["limit"]),
            Decimal(change.details["previous"])) == (FINANCE_DIRECTOR, 200000, 100000)
    check = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    assert "*Credit limit*\n$200,000.00" in check.texts()
    assert "*Available credit*\n$164,871.08" in check.texts()


def test_a_permanent_limit_below_a_running_temporary_one_says_when_it_applies(
        world: World) -> None:
    """Told "The new limit of $120,000.00 applies now." while the check showed the
    temporary $200,000.00 through its last day: the permanent one applies after it."""
    roster = world.services.config.roster()
    temporary = world.services.requests.file(roster.member(SALES), Filing(
        "C0002", RequestKind.TEMPORARY_LIMIT, "season", "+100k",
        expires_on=NOW.date() + timedelta(days=20))).id
    approve(world, CREDIT_MANAGER, temporary, 1, "ok")
    approve(world, FINANCE_DIRECTOR, temporary, 2, "")
    permanent = file_request(world, "+20k")
    approve(world, CREDIT_MANAGER, permanent, 1, "ok")
    approve(world, FINANCE_DIRECTOR, permanent, 2, "")
    applies = ("The new limit of $120,000.00 applies from Dec 20, 2026, once the "
               "temporary limit of $200,000.00 ends.")
    assert notes_to(world, SALES)[-1] == (
        f":white_check_mark: Your request #{permanent} · limit increase · Acme Packaging "
        f"is approved: <@{FINANCE_DIRECTOR}> approved its last level. {applies}")
    assert notes_to(world, OWNER)[-1] == (
        f":white_check_mark: On an account you own, request #{permanent} · limit increase · "
        f"Acme Packaging by <@{SALES}> is approved. {applies}")
    check = world.slack.slash(SALES, SALES_CHANNEL, "/credit check acme packaging")
    assert "*Credit limit*\n$200,000.00" in check.texts()
    # The record says what was raised, and from when: the audit log and the history
    # read "$200,000.00 → $120,000.00" approved today, a cut that took effect at once.
    [change, _] = audit(world, "limits.changed")
    assert (Decimal(change.details["limit"]), Decimal(change.details["previous"]),
            change.details["applies_from"]) == (120000, 100000, "2026-12-20")
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002")
    limit_lines = [line for text in history.texts() for line in text.split("\n")
                   if line.startswith("• ") and "→" in line]
    assert limit_lines == [
        f"• {when(world, permanent, 2)}: $100,000.00 → $120,000.00, approved by "
        f"<@{FINANCE_DIRECTOR}> (request #{permanent}), in force from Dec 20, 2026, the "
        "day after the temporary limit running then",
        f"• {when(world, temporary, 2)}: $100,000.00 → $200,000.00, approved by "
        f"<@{FINANCE_DIRECTOR}> (request #{temporary}), temporary, through Dec 19, 2026"]
    # The next customers import exports another limit: both lines still say what each
    # change replaced, and from when, with the import's day after them.
    with world.services.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(credit_limit=Decimal(130_000)))
        overtake_changes(conn, NOW + timedelta(days=1))
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002")
    replaced = EN.date((NOW + timedelta(days=1)).astimezone(ZONE).date())
    assert [line for text in history.texts() for line in text.split("\n")
            if line.startswith("• ") and "→" in line] == [
        f"{limit_lines[0]}; the ERP's limit replaced it on {replaced}",
        f"{limit_lines[1]}; the ERP's limit replaced it on {replaced}"]


def test_the_new_limit_reaches_no_owner_app_yaml_does_not_open_credit_data_to(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    # The ERP names the owner: an id app.yaml does not know got the new limit by DM.
    from sqlalchemy import text

    with world.services.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET owner_slack_id = 'U09NOBODY01' "
                          "WHERE customer_id = 'C0002'"))
    with caplog.at_level("WARNING"):
        request_id = file_request(world)
        approve(world, CREDIT_MANAGER, request_id, 1, "ok")
        assert not [r for r in caplog.records if "not sent to its owner" in r.getMessage()]
        approve(world, FINANCE_DIRECTOR, request_id, 2, "")
    assert notes_to(world, "U09NOBODY01") == []
    # Logged once, when the note would have gone (filing and level 1 told them nothing).
    assert [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()] == [
        "approval note about C0002 not sent to its owner U09NOBODY01: an owner in the ERP "
        "named them, and credit data is not open to them (app.yaml's access.credit_data)"]
    assert notes_to(world, SALES)[-1] == (
        ":white_check_mark: Your request #1 · limit increase · Acme Packaging is approved: "
        f"<@{FINANCE_DIRECTOR}> approved its last level. The new limit of $200,000.00 "
        "applies now.")


def test_a_storm_of_submissions_gives_one_decision_one_limit_change_one_audit_entry(
        world: World) -> None:
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "ok")
    view = open_modal(world, FINANCE_DIRECTOR, shown(world, request_id, 2,
                                                     FINANCE_DIRECTOR), "Approve")
    sent: list[bytes] = []
    post: Callable[..., HttpResult] = world.slack.post

    def capture(body: bytes, *args: Any, **kwargs: Any) -> HttpResult:
        sent.append(body)
        return post(body, *args, **kwargs)

    world.slack.post = capture  # type: ignore[method-assign]
    answers: list[HttpResult] = []
    start = threading.Barrier(20)

    def submit() -> None:
        start.wait()
        answers.append(world.slack.submit(FINANCE_DIRECTOR, view, {"comment": "go"}))

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Slack retrying one of them: the very same payload, signed again.
    replayed = post(sent[0])
    world.slack.post = post  # type: ignore[method-assign]

    assert len(answers) == 20 and all(a.status == 200 for a in answers)
    closed = [a for a in answers if a.body == ""]
    refused = [a.json()["view"]["blocks"][0]["text"]["text"] for a in answers if a.body]
    assert len(closed) == 1
    assert refused == [f"Level 2 of request #1 was already approved by "
                       f"<@{FINANCE_DIRECTOR}>."] * 19
    assert replayed.status == 200 and replayed.body == ""
    assert [(d.level, d.decided_by) for d in decisions(world, request_id)] == [
        (1, CREDIT_MANAGER), (2, FINANCE_DIRECTOR)]
    with world.services.uow() as uow:
        assert len(uow.credit_requests.limit_changes("C0002")) == 1
    assert len(audit(world, "requests.approved")) == 2
    assert len(audit(world, "limits.changed")) == 1
    # One edit of the level's card, one note to the requester about the approval.
    card = next(r for r in rows(world) if r.dedup_key == card_key(request_id, 2,
                                                                   FINANCE_DIRECTOR))
    assert len([r for r in rows(world) if r.update_of == card.id]) == 1
    assert len(notes_to(world, OWNER)) == 1


def test_a_cancelled_request_is_refused_politely_and_its_card_says_so(world: World) -> None:
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    world.services.requests.cancel(world.services.config.roster().member(SALES), request_id)
    edited = shown(world, request_id, 1, CREDIT_CHANNEL)
    with world.services.uow() as uow:
        request = uow.credit_requests.get(request_id)
    assert request is not None and request.closed_at is not None
    assert block_texts(edited)[-2:] == [
        "Level 1 of 2: credit manager",
        f":heavy_minus_sign: Cancelled by <@{SALES}> on {EN.moment(request.closed_at, ZONE)}:"
        " nothing left to decide."]
    # A click on the card as it was before the edit reached the manager's screen.
    late = world.slack.click(CREDIT_MANAGER, card, "Approve")
    assert late is not None and late.ephemeral and late.text == (
        f":no_entry: Request #1 was cancelled by <@{SALES}>, so there is nothing left to "
        "decide.")
    assert world.emulator.calls_to("views.open") == []
    assert decisions(world, request_id) == []


def test_a_limit_typed_in_another_currency_shows_as_typed_beside_its_conversion(
        world: World) -> None:
    # The approvers decide on the dollars; the euros the rep typed were shown nowhere.
    reply = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging +€50k trade fair in Lyon")
    with world.services.uow() as uow:
        [request] = uow.credit_requests.filed_by(SALES, 5)
    # €50,000 at the demo's day rate is $54,309.78: on a limit of $100,000 the total asked
    # is $154,309.78, what the policy measures and the approvers decide. The rate shown
    # is the day's (54,309.78 / 50,000 = 1.0861956), to six significant digits.
    with world.services.engine.connect() as conn:
        day_rate = conn.execute(select(ExchangeRateRow.rate_to_base).where(
            ExchangeRateRow.currency == "EUR").order_by(ExchangeRateRow.date.desc())
        ).scalars().first()
    assert (request.new_limit, request.asked_in) == (
        Money(Decimal("154309.78"), "USD"),
        AskedIn(Money(Decimal(50_000), "EUR"), True, day_rate))
    assert reply.texts()[1] == (
        f":inbox_tray: *Request #{request.id} filed: limit increase for Acme Packaging "
        "(C0002)*\n$100,000.00 → $154,309.78 (asked as +€50,000.00, converted at 1.0862 USD "
        "per EUR)")
    card = shown(world, request.id, 1, CREDIT_CHANNEL)
    assert block_texts(card)[2] == (
        "*Requested*\n$154,309.78 (now $100,000.00, +$54,309.78)\n"
        "asked as +€50,000.00, converted at 1.0862 USD per EUR")
    # The audit log (and its CSV export) keeps what was typed too.
    [entry] = audit(world, "requests.filed")
    assert entry.details["asked_in"] == {"amount": "50000", "currency": "EUR",
                                         "increase": True,
                                         "rate": format(day_rate.normalize(), "f")}
    # A new total typed in euros has no "+"; one typed in dollars, no line at all.
    world.services.requests.cancel(world.services.config.roster().member(SALES), request.id)
    second = file_request(world, "EUR 200k")
    with world.services.uow() as uow:
        filed = uow.credit_requests.get(second)
    assert filed is not None and filed.asked_in == AskedIn(Money(Decimal(200_000), "EUR"),
                                                           False, day_rate)
    assert filed.new_limit is not None and filed.increase is not None
    assert block_texts(shown(world, second, 1, CREDIT_CHANNEL))[2] == (
        f"*Requested*\n{EN.money(filed.new_limit)} (now $100,000.00, "
        f"+{EN.money(filed.increase)})\nasked as €200,000.00, converted at 1.0862 USD per EUR")
    world.services.requests.cancel(world.services.config.roster().member(SALES), second)
    third = file_request(world, "+100k")
    assert block_texts(shown(world, third, 1, CREDIT_CHANNEL))[2] == (
        "*Requested*\n$200,000.00 (now $100,000.00, +$100,000.00)")


def test_history_says_who_cancelled_a_request_after_a_level_was_decided(world: World) -> None:
    """Once a level had decided, a later cancel (or expiry) left no line saying so."""
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "fine by me")
    member = world.services.config.roster().member(SALES)
    cancelled = world.services.requests.cancel(member, request_id)
    en = translator("en-US")
    assert cancelled.closed_at is not None
    closed = en.moment(cancelled.closed_at, world.services.config.organisation.zone)
    # Level 1's card, which said "Approved", says the request went no further.
    assert block_texts(shown(world, request_id, 1, CREDIT_CHANNEL))[-2:] == [
        f":white_check_mark: Approved by <@{CREDIT_MANAGER}> on {when(world, request_id, 1)}"
        "\n> fine by me",
        f"*Final outcome:* :heavy_minus_sign: Cancelled by <@{SALES}> on {closed}: nothing "
        "left to decide."]
    text = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0002").all_text()
    lines = text.split("\n")
    decided = next(i for i, line in enumerate(lines) if "level 1 (credit manager) approved by"
                   in line)
    assert lines[decided + 1:decided + 3] == [
        "> fine by me",
        f"cancelled by <@{SALES}> on "
        f"{en.moment(cancelled.closed_at, world.services.config.organisation.zone)}"]


def test_the_card_says_who_collects_the_account_and_the_promises_it_broke(
        world: World) -> None:
    from datetime import UTC, date, datetime

    from domain.collections.model import Promise, PromiseState

    collector = "U04COLLECT1"
    assigned = world.slack.slash(CREDIT_MANAGER, CREDIT_CHANNEL,
                                 f"/credit assign C0002 <@{collector}>")
    assert "is now collected by" in assigned.all_text()
    with world.services.uow() as uow:
        for day in (1, 8):
            uow.collections.add_promise(Promise(
                "C0002", Money(Decimal(1000), "USD"), date(2026, 11, day), (),
                PromiseState.BROKEN, collector, datetime(2026, 10, day, tzinfo=UTC)))
        uow.commit()
    request_id = file_request(world)
    texts = block_texts(shown(world, request_id, 1, CREDIT_CHANNEL))
    assert texts[3:10] == [*ACME_FIGURES, f"*Collections*\nCollector: <@{collector}>\n"
                                          "2 promises to pay broken"]


def _renamed_before_level_two(world: World, name: str) -> tuple[Reply, list[str]]:
    """A request's level-1 card, and the level-2 card's texts once an import named C0002
    ``name`` and level 1 approved."""
    from sqlalchemy import update

    from storage.models import CustomerRow

    request_id = file_request(world)
    first = shown(world, request_id, 1, CREDIT_CHANNEL)
    with world.services.engine.begin() as conn:
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(name=name))
    view = open_modal(world, CREDIT_MANAGER, first, "Approve")
    assert world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"}).body == ""
    return first, block_texts(shown(world, request_id, 2, FINANCE_DIRECTOR))


def test_a_customer_the_erp_renamed_since_filing_is_said_on_the_next_card(world: World) -> None:
    # An import gave C0002 another name (a rename, or its id reused for another
    # company): the finance director decided for "Acme Packaging" with the figures of
    # "Zenith Mining", and nothing said so.
    first, second = _renamed_before_level_two(world, "Zenith *Mining* <!channel>")
    assert block_texts(first)[1] == "*Acme Packaging* · C0002"
    assert second[:3] == [
        "Credit request #1: limit increase", "*Acme Packaging* · C0002",
        ":warning: The ERP has named this customer *Zenith ∗Mining∗ &lt;!channel&gt;* "
        "since the request was filed: the figures below are that customer's. Make sure it "
        "is the company the request is about before you decide."]
    # The same name as filed: no warning (the first card, and a name unchanged).
    assert not any(":warning:" in text for text in block_texts(first))


def test_a_customer_the_erp_only_respelt_is_no_rename_on_the_card(world: World) -> None:
    # "ACME packaging." is how another export writes Acme Packaging: the import does not
    # call it a rename, and the card did.
    _, second = _renamed_before_level_two(world, "ACME packaging.")
    assert second[:3] == ["Credit request #1: limit increase",
                          "*Acme Packaging* · C0002", "*Requested*\n$200,000.00 (now "
                          "$100,000.00, +$100,000.00)"]


def test_the_decision_form_shows_the_figures_as_they_are_now(world: World) -> None:
    # The card keeps the figures of when it was posted: an invoice issued since raised
    # the exposure by 10,000, and the approver decided on the old figures.
    request_id = file_request(world)
    card = shown(world, request_id, 1, CREDIT_CHANNEL)
    assert "*Exposure*\n$35,128.92" in block_texts(card)
    with world.services.engine.begin() as conn:
        conn.execute(insert(InvoiceRow).values(
            invoice_id="INV-NEW-1", customer_id="C0002", issue_date=NOW.date(),
            due_date=NOW.date() + timedelta(days=90), amount=Decimal(10000), currency="USD",
            open_amount=Decimal(10000), status="open"))
    for label in ("Approve", "Reject", "Ask for info"):
        view = open_modal(world, CREDIT_MANAGER, card, label)
        assert view["blocks"][0]["text"]["text"].endswith(
            "\nNow: exposure $45,128.92, available credit $54,871.08"), label
