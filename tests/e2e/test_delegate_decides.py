"""A delegate decides from Slack, through signed HTTP → bot → Slack emulator: after
`/credit delegate`, the next request's card for the delegator's level reaches the
delegate too; `/credit requests`
gives the delegate the Approve and Reject buttons of the card on each line waiting for
them; approving from there (the same form) decides the level for the delegator and
edits every copy of the card."""

from __future__ import annotations

import pytest

from domain.approvals.model import Outcome
from domain.approvals.rules import StandInOwnsAccount
from handlers.approvals.notices import card_key
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, World
from tests.e2e.test_approval_decisions import (
    FINANCE_DIRECTOR,
    block_texts,
    decisions,
    file_request,
    rows,
    shown,
    when,
)

ANALYST = "U02CREDITAN"


def test_a_delegate_gets_the_card_and_decides_from_the_requests_list(world: World) -> None:
    answer = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                               f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert answer.ephemeral
    request_id = file_request(world)
    # Level 1 (the credit manager's) posts to #credit; level 2 goes to its deciders.
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request_id, 1, Outcome.APPROVED)
    cards = [r.channel for r in rows(world)
             if r.kind == "approvals.card" and r.dedup_key and r.update_of is None
             and r.dedup_key.startswith(f"approvals.card:{request_id}:2:")]
    assert cards == [FINANCE_DIRECTOR, ANALYST]
    listing = world.slack.slash(ANALYST, SALES_CHANNEL, "/credit requests")
    assert [b["text"]["text"] for b in listing.buttons()] == ["Approve", "Reject",
                                                             "Ask for info"]
    world.slack.click(ANALYST, listing, "Approve", wait=False)
    view = world.slack.modal(ANALYST)
    assert world.slack.submit(ANALYST, view, {"comment": "while away"}).body == ""
    [_, decision] = decisions(world, request_id)
    assert (decision.level, decision.decided_by, decision.on_behalf_of) == (
        2, ANALYST, FINANCE_DIRECTOR)
    for destination in (FINANCE_DIRECTOR, ANALYST):
        assert block_texts(shown(world, request_id, 2, destination))[-1] == (
            f":white_check_mark: Approved by <@{ANALYST}> (standing in for "
            f"<@{FINANCE_DIRECTOR}>) on {when(world, request_id, 2)}\n> while away")
    # The requester is told who decided and for whom (a stand-in's name alone may be
    # one they do not know).
    [told] = [r.payload["text"] for r in rows(world) if r.channel == SALES
              and ":white_check_mark: Your request" in r.payload["text"]]
    assert told == (
        f":white_check_mark: Your request #{request_id} · limit increase · Acme Packaging is "
        f"approved: <@{ANALYST}> (standing in for <@{FINANCE_DIRECTOR}>) approved its last "
        "level. The new limit of $200,000.00 applies now.\n> while away")
    after = world.slack.slash(ANALYST, SALES_CHANNEL, "/credit requests")
    assert after.buttons() == []


def test_a_stand_in_named_while_the_level_waits_gets_its_card_and_decides(
        world: World) -> None:
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request_id, 1, Outcome.APPROVED)
    # Level 2 waits for the finance director, who then goes away.
    answer = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                               f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert answer.ephemeral
    told = [r.payload["text"] for r in rows(world)
            if r.channel == ANALYST and r.kind == "approvals.note"]
    assert told == [
        f":busts_in_silhouette: <@{FINANCE_DIRECTOR}> hands you their credit approvals "
        "(finance director) from Nov 29, 2026 through Dec 31, 2026: you may decide the "
        "requests that wait for them then. 1 request waits for them now: `/credit "
        "requests` lists it with its buttons."]
    listing = world.slack.slash(ANALYST, SALES_CHANNEL, "/credit requests")
    assert listing.texts()[2] == (
        "*#1* Acme Packaging (C0002) · limit increase\n$100,000.00 → $200,000.00\nopen, "
        f"level 2 of 2: finance director (<@{FINANCE_DIRECTOR}>) decides by "
        "<!date^1796616000^{date_short_pretty} {time}|Dec 7, 2026, 12:00\u202fPM>\n"
        f"you decide it standing in for <@{FINANCE_DIRECTOR}>\n"
        "filed by <@U01SALESAMY> just now")
    card = shown(world, request_id, 2, ANALYST)
    assert [b["text"]["text"] for b in card.buttons()][:3] == ["Approve", "Reject",
                                                            "Ask for info"]
    world.slack.click(ANALYST, card, "Ask for info", wait=False)
    assert world.slack.submit(ANALYST, world.slack.modal(ANALYST),
                              {"question": "Which orders?"}).body == ""
    # Under the card of the holder they stand in for too: it reached only the stand-in's
    # copy, and the holder, back, decided without seeing it or its answer.
    director_card = next(r for r in rows(world)
                         if r.dedup_key == card_key(request_id, 2, FINANCE_DIRECTOR))
    assert [r.payload["text"] for r in rows(world)
            if r.payload.get("thread_of") == director_card.id] == [
        f":question: <@{ANALYST}> asked <@{SALES}> about request #{request_id} · limit "
        "increase · Acme Packaging:\n> Which orders?"]
    world.services.requests.answer(world.services.config.roster().member(SALES), 1,
                                   "PO-7 and PO-9")
    assert [r.payload["text"] for r in rows(world)
            if r.payload.get("thread_of") == director_card.id][1:] == [
        f":speech_balloon: <@{SALES}> answers <@{ANALYST}>:\n> PO-7 and PO-9"]
    world.slack.click(ANALYST, card, "Approve", wait=False)
    view = world.slack.modal(ANALYST)
    assert world.slack.submit(ANALYST, view, {"comment": ""}).body == ""
    [_, decision] = decisions(world, request_id)
    assert (decision.decided_by, decision.on_behalf_of) == (ANALYST, FINANCE_DIRECTOR)
    assert block_texts(shown(world, request_id, 2, ANALYST))[-1] == (
        f":white_check_mark: Approved by <@{ANALYST}> (standing in for "
        f"<@{FINANCE_DIRECTOR}>) on {when(world, request_id, 2)}")
    # The history's limit line names whom the stand-in approved it for, as the
    # request's own line does.
    history = world.slack.slash(CREDIT_MANAGER, SALES_CHANNEL, "/credit history C0002")
    # So does the question the stand-in asked before deciding.
    [asked] = [line for text in history.texts() for line in text.split("\n")
               if "asked for information" in line]
    assert asked.startswith(f"  ↳ level 2 (finance director): <@{ANALYST}> (standing in "
                            f"for <@{FINANCE_DIRECTOR}>) asked for information on ")
    [limit_line] = [line for text in history.texts() for line in text.split("\n")
                    if line.startswith("• ") and "→" in line]
    assert limit_line.endswith(
        f": $100,000.00 → $200,000.00, approved by <@{ANALYST}> (standing in "
        f"for <@{FINANCE_DIRECTOR}>) "
        f"(request #{request_id})")


def test_a_stand_in_may_not_decide_a_request_on_an_account_they_own(world: World) -> None:
    # The finance director handed their approvals to a sales rep, who then approved the
    # higher limit of their own customer at the finance director's level.
    owner = "U01SALESCHO"  # Acme Packaging's owner in the ERP
    world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                      f"/credit delegate <@{owner}> until 2026-12-31")
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request_id, 1, Outcome.APPROVED)
    # No card and no buttons invite them to...
    level_two = [r.channel for r in rows(world) if r.kind == "approvals.card"
                 and r.dedup_key and r.dedup_key.startswith(f"approvals.card:{request_id}:2:")]
    assert level_two == [FINANCE_DIRECTOR]
    assert world.slack.slash(owner, SALES_CHANNEL, "/credit requests").buttons() == []
    # ...and a click on the finance director's card is refused, with why.
    refused = world.slack.click(owner, shown(world, request_id, 2, FINANCE_DIRECTOR),
                                "Approve")
    assert refused.text == (
        ":no_entry: You can't decide this request: you own the account of Acme Packaging, "
        f"and you would decide it standing in for <@{FINANCE_DIRECTOR}>. They, or another "
        "holder of the level's role, decide it.")
    assert len(decisions(world, request_id)) == 1
    with pytest.raises(StandInOwnsAccount):
        world.services.requests.decide(world.services.config.roster().member(owner),
                                       request_id, 2, Outcome.APPROVED)
    assert len(decisions(world, request_id)) == 1


def test_a_stand_in_who_decides_a_later_level_is_told_of_it_when_named(world: World) -> None:
    # Above 500,000 the CFO decides level 3 after the finance director's level 2: the CFO
    # standing in for the finance director could only reject those, and nothing said so.
    cfo = "U03CFO00001"
    answer = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                               f"/credit delegate <@{cfo}> until 2026-12-31")
    assert answer.text == (
        f":white_check_mark: <@{cfo}> decides your credit requests from Nov 29, 2026 "
        "through Dec 31, 2026. "
        "`/credit delegate end` ends it sooner. Note: "
        f"<@{cfo}> also decides a later level of some requests (as CFO); one person decides "
        "one level of a request, so on those they can only reject your level, not approve "
        "it: a stand-in who decides no later level can approve them all.")
    # A stand-in who decides no later level is told nothing more.
    other = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                              f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert "Note:" not in other.text


def test_a_request_the_stand_in_may_not_decide_is_named_to_the_delegator(world: World) -> None:
    # The credit manager approved level 1; the finance director then handed their
    # approvals to the credit manager, who was told none waited, and the finance
    # director nothing: the request sat until its deadline escalated it.
    request_id = file_request(world)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request_id, 1, Outcome.APPROVED)
    answer = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                               f"/credit delegate <@{CREDIT_MANAGER}> until 2026-12-31")
    assert answer.text == (
        f":white_check_mark: <@{CREDIT_MANAGER}> decides your credit requests from Nov 29, "
        "2026 through Dec 31, 2026. `/credit delegate end` ends it sooner. Request "
        f"#{request_id} waits for you and stays yours: <@{CREDIT_MANAGER}> filed it, decided "
        "a level of it or owns its account, so may not decide it for you.")
    [note] = [r.payload["text"] for r in rows(world) if r.channel == CREDIT_MANAGER
              and "hands you their credit approvals" in r.payload["text"]]
    assert note.endswith("you may decide the requests that wait for them then. None that "
                         "you may decide waits for them now.")
    # A stand-in who may decide it hears of it, and the delegator nothing more.
    other = world.slack.slash(FINANCE_DIRECTOR, SALES_CHANNEL,
                              f"/credit delegate <@{ANALYST}> until 2026-12-31")
    assert "stays yours" not in other.text
