"""Orders placed in creditbot count in the customer's exposure, as people see it through
signed HTTP → bot → Slack emulator: a second order is checked against the headroom the
first left (not the same headroom again), and `/credit check` shows the order in the
exposure line until the ERP has it."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import SALES, SALES_CHANNEL
from tests.e2e.test_orders import checks, sections

# Acme Industrial Supply (C0001): limit $1,700,000.00, exposure $338,022.72.


def fields(reply: Any) -> list[str]:
    return [f["text"] for b in reply.blocks if b.get("type") == "section"
            for f in b.get("fields", [])]


def test_a_second_order_meets_the_headroom_the_first_left_and_the_check_shows_it(world):
    first = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 817186 PO-1")
    assert sections(first) == [
        ":white_check_mark: *OK to ship*: order CB-1 (PO-1) of $817,186.00 for Acme Industrial "
        "Supply (C0001).\nAvailable credit after this order: $544,791.28 (limit "
        "$1,700,000.00, exposure before it $338,022.72)."]
    second = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 817186 PO-2")
    assert sections(second) == [
        ":no_entry: *Held*: order CB-2 (PO-2) of $817,186.00 for Acme Industrial Supply (C0001) "
        "is not OK to ship. It is recorded as held; the account owner is told.",
        "• Exposure $1,155,208.72 + this order $817,186.00 = $1,972,394.72 is above the "
        "limit $1,700,000.00.",
        "To ship it anyway, ask for a release: the approvers its amount calls for decide, "
        "and the answer to your request names them."]
    assert {k: v.state for k, v in checks(world).items()} == {"CB-1": "passed",
                                                            "CB-2": "held"}
    card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001")
    assert "*Exposure*\n$1,155,208.72\ninvoices $338,022.72 + orders $817,186.00, of "\
        "which $817,186.00 placed in creditbot and not in the ERP yet" in fields(card)
