"""An approval card lists the customer's held orders where the check's card does: an
approver raising a limit sees the orders it would release (a temporary limit's card
showed "Exposure $0.00" and nothing of the $10,000.01 order behind the request)."""

from __future__ import annotations

from datetime import timedelta

from domain.approvals.filing import Filing
from domain.approvals.model import RequestKind
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_approval_decisions import CREDIT_CHANNEL, block_texts, shown
from tests.e2e.test_orders import checks

HELD = ":no_entry: 1 held order: {order}. Not to ship until it is released."


def test_a_limit_requests_card_lists_the_held_orders_and_a_release_card_the_others(world):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 5k PO-7")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 6k PO-8")
    assert [checks(world)[o].state for o in ("CB-1", "CB-2")] == ["held", "held"]
    member = world.services.config.roster().member(SALES)
    expires = world.services.today() + timedelta(days=20)
    temporary = world.services.requests.file(member, Filing(
        "C0002", RequestKind.TEMPORARY_LIMIT, "season stock", amount="+20k",
        expires_on=expires))
    texts = block_texts(shown(world, temporary.id, 1, CREDIT_CHANNEL))
    assert ":no_entry: 2 held orders: CB-1 (PO-7), CB-2 (PO-8). Not to ship until they " \
           "are released." in texts
    # Where the check's card has it: after the figures, before the aging.
    held_at = texts.index(":no_entry: 2 held orders: CB-1 (PO-7), CB-2 (PO-8). Not to "
                          "ship until they are released.")
    assert texts[held_at + 1].startswith("*Aging*")
    release = world.services.requests.file(member, Filing(
        "C0002", RequestKind.ORDER_RELEASE, "customer waiting", order_id="CB-1"))
    texts = block_texts(shown(world, release.id, 1, CREDIT_MANAGER))
    # Its own order is what the card is about: only the other is listed.
    assert HELD.format(order="CB-2 (PO-8)") in texts
    assert not any("CB-1 (PO-7)" in text for text in texts if text.startswith(":no_entry:"))
