"""Opening a form within its trigger's 3 s, whatever Slack's Web API does meanwhile: a
form opens once, and the person is told to try again only when it surely did not open
(never a form and an apology together)."""

from __future__ import annotations

import time

from tests.e2e.conftest import SALES, SALES_CHANNEL, World

TOO_LATE = ("Slack did not open the form in time: a form must open within 3 seconds of "
            "your press or command, and Slack was slow to answer. Please try again.")


def open_request_form(world: World) -> tuple[str, str]:
    """Types `/credit request` (it opens the request form): the command's own answer
    (the HTTP response's text) and its response_url."""
    body, response_url = world.slack.slash_body(SALES, SALES_CHANNEL, "/credit request")
    result = world.slack.post(body)
    assert result.status == 200
    immediate = result.json().get("text", "") if result.body.strip() else ""
    return immediate, response_url


def answers(world: World, sent: tuple[str, str]) -> list[str]:
    """What the person was told: in the command's answer, or later on its response_url."""
    immediate, response_url = sent
    later = [c.text for c in world.emulator.calls_to("response_url")
             if c.path and response_url.endswith(c.path)]
    return ([immediate] if immediate else []) + later


def opened(world: World) -> list[str]:
    return [view["callback_id"] for _, view in world.emulator.views]


def settle(world: World, method: str, count: int) -> None:
    deadline = time.monotonic() + 8
    while len(world.emulator.calls_to(method)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # anything more (another try, an answer) would have gone out by now


def test_an_answer_lost_after_slack_opened_the_form_is_not_apologised_for(world):
    # Slack opened the form and the connection closed before its answer: the try again
    # finds the trigger used, which means the form is open.
    world.emulator.fail("views.open", "lost")
    url = open_request_form(world)
    settle(world, "views.open", 2)
    assert [(c.status, c.args.get("trigger_id") is not None)
            for c in world.emulator.calls_to("views.open")] == [(0, True), (200, True)]
    assert opened(world) == ["credit_request"]
    assert answers(world, url) == []
    assert world.emulator.calls_to("chat.postEphemeral") == []


def test_a_refusal_slack_recovers_from_opens_the_form_on_the_next_try(world):
    world.emulator.fail("views.open", "http500")
    world.emulator.trigger_seconds = 3.0
    url = open_request_form(world)
    settle(world, "views.open", 2)
    assert [c.status for c in world.emulator.calls_to("views.open")] == [500, 200]
    assert opened(world) == ["credit_request"]
    assert answers(world, url) == []


def test_a_rate_limit_longer_than_the_trigger_asks_the_person_to_try_again(world):
    # Waiting out Retry-After would outlive the trigger: Slack would answer
    # expired_trigger_id. The person hears why, and what to do, at once.
    world.emulator.trigger_seconds = 3.0
    world.emulator.fail("views.open", "ratelimited", retry_after=30)
    url = open_request_form(world)
    settle(world, "views.open", 1)
    assert [c.status for c in world.emulator.calls_to("views.open")] == [429]
    assert opened(world) == []
    assert answers(world, url) == [TOO_LATE]


def test_a_trigger_slack_says_expired_asks_the_person_to_try_again(world):
    world.emulator.fail("views.open", "error", error="expired_trigger_id")
    url = open_request_form(world)
    settle(world, "views.open", 1)
    assert len(world.emulator.calls_to("views.open")) == 1
    assert answers(world, url) == [TOO_LATE]


MAYBE = ("Slack was slow to answer while opening the form, so it may not have opened. If "
         "no form opened, please press the button or type the command again.")


def test_a_try_that_timed_out_is_not_tried_again_and_says_what_to_do_if_no_form_opened(
        world):
    # Slack answers after the bot stopped waiting, having opened the form: trying again
    # could not help, and "it failed" would sit beside an open form.
    world.emulator.fail("views.open", "slow", delay=6)
    url = open_request_form(world)
    # Recorded once Slack answered (6 s); the bot stopped waiting at 3 s, and would have
    # tried again then.
    settle(world, "views.open", 1)
    assert len(world.emulator.calls_to("views.open")) == 1
    assert opened(world) == ["credit_request"]
    assert answers(world, url) == [MAYBE]


def test_a_try_that_timed_out_after_the_trigger_expired_is_not_left_unsaid(world):
    # Slack slower than the trigger's life: no form, and the person hears what to do.
    world.emulator.trigger_seconds = 3.0
    world.emulator.fail("views.open", "slow", delay=3.6)
    url = open_request_form(world)
    settle(world, "views.open", 1)
    assert opened(world) == []
    assert answers(world, url) == [MAYBE]


def test_a_form_is_opened_once_for_a_trigger(world):
    # The emulator holds the bot to Slack's rule: a trigger opens one view.
    world.emulator.trigger_seconds = 3.0
    url = open_request_form(world)
    settle(world, "views.open", 1)
    [(trigger, _)] = world.emulator.views
    assert world.emulator.answer("views.open", {"trigger_id": trigger, "view": {}}) == {
        "ok": False, "error": "exchanged_trigger_id"}
    assert answers(world, url) == []
