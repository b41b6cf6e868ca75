"""End-to-end: the bot's real WSGI app on a local port, signed requests from the
driver, every Slack call answered and recorded by the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import Engine

from bot.config import load_config
from bot.demo import load_demo_data
from bot.local_server import LocalServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.emulator import SlackEmulator, User
from bot.settings import Settings
from bot.slack_app import create_bolt_app
from bot.web import create_wsgi_app
from bot.wiring import Services
from tests.conftest import ROOT, clone_database

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, the demo org's zone
SECRET = "e2e-signing-secret"
TOKEN = "xoxb-e2e-token"
SALES = "U01SALESAMY"
CREDIT_MANAGER = "U02CREDITMG"
STRANGER = "U9STRANGER1"
SALES_CHANNEL = "C01SALES000"


@dataclass
class World:
    slack: SlackDriver
    emulator: SlackEmulator
    services: Services
    url: str


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


def _load_demo(engine: Engine) -> None:
    # At the tests' time, as if each test imported it itself under its `clock`.
    with time_machine.travel(NOW, tick=True):
        load_demo_data(engine, NOW.date())


@pytest.fixture
def demo_url(database_url: str, clock: None, template_database,  # type: ignore[no-untyped-def]
             request: pytest.FixtureRequest) -> str:
    """A fresh database holding the demo portfolio of NOW's day. The portfolio is imported
    once per process and backend (a seeded generator: the same every time), then copied."""
    clone_database(database_url, template_database("demo", _load_demo, database_url, request))
    return database_url


@pytest.fixture
def world(demo_url: str) -> Iterator[World]:
    users = {u: User(u, name) for u, name in ((SALES, "amy"), (CREDIT_MANAGER, "mei"),
                                              (STRANGER, "stranger"))}
    with SlackEmulator(token=TOKEN, users=users) as emulator:
        settings = Settings(slack_bot_token=TOKEN, slack_signing_secret=SECRET,
                            slack_api_url=emulator.api_url, database_url=demo_url)
        services = Services(settings, load_config(ROOT / "app.yaml"))
        app = create_wsgi_app(create_bolt_app(services), services.engine)
        with LocalServer(app) as server:
            yield World(SlackDriver(server.url, SECRET, emulator), emulator, services,
                        server.url)
        services.close()
        # Every message and view the bot sent in the test must be one Slack accepts.
        assert emulator.invalid == [], emulator.invalid
