"""``/credit`` is answered without Bolt's middleware and listener machinery
(handlers.credit.CreditCommand, called from bot.slack_app.CreditBolt.dispatch): the
same answers as through Bolt, and everything else still goes through Bolt."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt import App, BoltRequest

from bot.config import load_config
from bot.local_server import LocalServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL, SECRET, STRANGER, TOKEN

LINES = ["/credit check C0013", "/credit check acme", "/credit 查询 C0013", "/credit help",
         "/credit", "/credit chek acme", "/credit check", "/credit check zzqqxx",
         "/credit check " + "x" * 300, "/credit check NORDIC", "/credit check 东方"]


@pytest.fixture
def bot(demo_url: str) -> Iterator[tuple[Services, object, SlackEmulator]]:
    users = {SALES: User(SALES, "amy"), CREDIT_MANAGER: User(CREDIT_MANAGER, "mei",
                                                             locale="zh-CN"),
             STRANGER: User(STRANGER, "stranger")}
    with SlackEmulator(token=TOKEN, users=users) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=demo_url)
        services = Services(settings, load_config(ROOT / "app.yaml"))
        yield services, create_bolt_app(services), emulator
        services.close()


@pytest.mark.parametrize("user", [SALES, CREDIT_MANAGER, STRANGER])
def test_credit_answers_as_it_would_through_bolt(bot, user):
    _, bolt, emulator = bot
    slack = SlackDriver("http://unused", SECRET, emulator)
    headers = {"content-type": ["application/x-www-form-urlencoded"]}
    assert bolt.credit is not None
    for line in LINES:
        body, _ = slack.slash_body(user, SALES_CHANNEL, line)
        through_bolt = App.dispatch(bolt, BoltRequest(body=body.decode(), headers=headers))
        assert bolt.credit.wanted(BoltRequest(body=body.decode(), headers=headers))
        straight = bolt.dispatch(BoltRequest(body=body.decode(), headers=headers))
        assert (straight.status, straight.body, straight.headers) == (
            through_bolt.status, through_bolt.body, through_bolt.headers), line


def test_bolt_routes_everything_but_credit(bot, monkeypatch):
    services, bolt, emulator = bot
    dispatched = []
    original = App.dispatch

    def dispatch(self, request):  # type: ignore[no-untyped-def]
        dispatched.append(request.body.get("type") or request.body.get("command"))
        return original(self, request)

    monkeypatch.setattr(App, "dispatch", dispatch)
    with LocalServer(create_wsgi_app(bolt, services.engine)) as server:
        slack = SlackDriver(server.url, SECRET, emulator)
        card = slack.slash(SALES, SALES_CHANNEL, "/credit check C0013")
        assert card.blocks[0]["type"] == "header"
        assert dispatched == []
        share, _request_more = card.buttons()
        result, _ = slack.press(SALES, SALES_CHANNEL, share, card)
        assert result.status == 200
        assert dispatched == ["block_actions"]
