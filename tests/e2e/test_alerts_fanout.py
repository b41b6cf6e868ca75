"""Many overdue invoices across many customers reach Slack as a handful of messages per
channel, not one per invoice or customer: one digest per channel or person, its lines
packed into a few pages, each page delivered once. A small version of the fan-out in
tests/bench/bench_alerts.py (2,000 customers, 10,000 invoices there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.sandbox.emulator import SlackEmulator
from bot.wiring import Services
from handlers.alerts.blocks import number_pages
from handlers.delivery.sender import DeliveryReport, Sender, delivery_client
from storage.outbox import OutboxStore
from tests.bench.bench_alerts import fanout_scan, load_fanout, posted_outbox_ids
from tests.bench.datagen import FANOUT_CREDIT_MANAGERS, FANOUT_DEPARTMENTS
from tests.e2e.outbox_world import FakeClock

CUSTOMERS = 200
INVOICES = 1_000
# Messages one channel or person may get from one scan of this portfolio: the first
# page and its thread.
MAX_MESSAGES = 3
TOKEN = "xoxb-fanout"


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    services = load_fanout(database_url, tmp_path, CUSTOMERS, INVOICES)
    yield services
    services.close()


def test_overdue_invoices_reach_each_channel_as_one_short_digest(services: Services) -> None:
    found = fanout_scan(services)

    departments = services.config.departments
    channels = {key: d.channel for key, d in departments.items()}
    # Default routes: overdue to the customer's department and finance, 90+ also to
    # legal; limit use and large invoices to credit, the critical ones to the managers.
    assert set(found.per_destination) == {*channels.values(), *FANOUT_CREDIT_MANAGERS}
    assert found.counts["announced"] == found.counts["conditions"] > CUSTOMERS
    assert found.counts["unrouted"] == 0
    for destination, (digests, lines, pages) in found.per_destination.items():
        assert digests == 1, destination
        assert pages == number_pages(lines) <= MAX_MESSAGES, (destination, lines, pages)
    # Every customer is overdue: each department's channel has its own customers' lines,
    # finance has them all.
    for key in FANOUT_DEPARTMENTS:
        assert found.per_destination[channels[key]][1] == CUSTOMERS // len(FANOUT_DEPARTMENTS)
    assert found.per_destination[channels["finance"]][1] == CUSTOMERS
    total = sum(pages for _, _, pages in found.per_destination.values())
    assert found.outbox == total <= MAX_MESSAGES * len(found.per_destination)

    with SlackEmulator(token=TOKEN) as emulator:
        clock = FakeClock()
        sender = Sender(OutboxStore(services.engine),
                        delivery_client(TOKEN, emulator.api_url, timeout=10), clock=clock,
                        owner="fanout-test")
        delivered = DeliveryReport()
        for _ in range(10):
            report = sender.deliver_due()
            if report == DeliveryReport():
                break
            delivered = delivered + report
        assert delivered == DeliveryReport(sent=total)
        posted = posted_outbox_ids(emulator)
        assert len(posted) == total and set(posted.values()) == {1}
        assert emulator.invalid == []
        # At one message a second per channel, the busiest channel sets the pace.
        busiest = max(pages for _, _, pages in found.per_destination.values())
        assert clock.slept <= busiest
