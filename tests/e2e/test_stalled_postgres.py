"""A PostgreSQL server that stops answering while a person decides a request (its
processes suspended, its disk stalled: the host still acknowledges every packet, so
neither statement_timeout nor TCP notices). The answer comes within the client's bound
(storage.stall_guard), nothing is half-recorded, and once the server answers again the
same form decides once. Through signed HTTP, the bot and the Slack emulator; the server
stopped by a relay that stops relaying (tests.freeze_proxy)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.config import load_config
from bot.local_server import LocalServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from handlers.form_submit import STILL_RECORDING
from storage.db import make_engine
from storage.stall_guard import GRACE_SECONDS
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, SECRET, TOKEN, World
from tests.e2e.test_approval_decisions import CREDIT_CHANNEL, decisions, open_modal, shown
from tests.freeze_proxy import FreezeProxy

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)

TIMEOUT = 1.0  # the server's statement_timeout here (5 s in `creditbot serve`)


@pytest.fixture
def stalling(demo_url: str) -> Iterator[tuple[World, FreezeProxy]]:
    users = {u: User(u, name) for u, name in ((SALES, "amy"), (CREDIT_MANAGER, "mei"))}
    with FreezeProxy(demo_url) as relay, SlackEmulator(token=TOKEN, users=users) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=relay.url)
        services = Services(settings, load_config(ROOT / "app.yaml"))
        # As serving_services makes it, with a shorter statement_timeout.
        services.engine = make_engine(relay.url, statement_timeout=TIMEOUT)
        app = create_wsgi_app(create_bolt_app(services), services.engine)
        with LocalServer(app) as server:
            yield World(SlackDriver(server.url, SECRET, emulator), emulator, services,
                        server.url), relay
        relay.thaw()
        services.close()


def test_a_decision_sent_while_the_server_is_stopped_is_answered_and_not_recorded(
        stalling: tuple[World, FreezeProxy]) -> None:
    world, relay = stalling
    filed = world.slack.slash(SALES, SALES_CHANNEL,
                              "/credit request acme packaging +100k Q1 season")
    assert filed.text.startswith("Request #1 filed")
    view = open_modal(world, CREDIT_MANAGER, shown(world, 1, 1, CREDIT_CHANNEL), "Approve")
    relay.freeze()
    started = time.monotonic()
    result = world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"})
    # Within Slack's 3 s: the form says it is still recording (handlers.form_submit).
    assert time.monotonic() - started < 2.6
    assert result.status == 200
    assert result.json()["view"]["blocks"][0]["text"]["text"] == STILL_RECORDING
    # It waited 26 s in a trial, for as long as the server was stopped, then recorded
    # the decision Slack had given up on. The pooled connection's ping cut off, a new
    # connection's 3 s to connect, a margin: then the note says what happened.
    [told] = world.emulator.wait_for("views.update",
                                     timeout=(TIMEOUT + GRACE_SECONDS) + 3 + 6)
    took = time.monotonic() - started
    print(f"\ntold after {took:.1f} s")
    assert told.args["view"]["blocks"][0]["text"]["text"] == (
        "The credit records are not answering just now, so nothing was changed. Please try "
        "again in a minute.\nClose this and open the form again.")
    relay.thaw()
    assert decisions(world, 1) == []
    again = world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"})
    assert (again.status, again.body) == (200, "")
    [decided] = decisions(world, 1)
    assert (decided.level, decided.decided_by, decided.comment) == (1, CREDIT_MANAGER, "ok")
