"""A rep takes back an order they placed (a mistyped amount): *Withdraw order* on the
answer, on `/credit orders` and on the answer to the order retyped. Signed HTTP -> bot
-> use case -> emulator, on SQLite and PostgreSQL. A mistyped held order could not be
taken back at all: it held every later order of the customer until a credit manager
rejected a release asked for only to be rejected."""

from __future__ import annotations

import threading
import time
from typing import Any

from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT
from tests.e2e.conftest import SALES, SALES_CHANNEL
from tests.e2e.test_orders import (
    OWNER_C0013,
    _release_asked,
    audit,
    checks,
    deliver,
    direct_messages,
    sections,
)

WITHDRAWN = (":leftwards_arrow_with_hook: Order CB-1 (PO-77) of $1,000,000.00 for Lakeside "
             "Furniture Outlet (C0013) is withdrawn: it will not ship, and no longer holds "
             "the customer's later orders.")


def moment(world: Any, order: str, field: str) -> str:
    """An order's stored moment as /credit history writes it (the world's clock ticks)."""
    from handlers.i18n import translator

    with world.services.uow() as uow:
        stored = uow.orders.find("C0013", order)
    zone = world.services.config.organisation.zone
    return translator("en-US").moment(getattr(stored, field), zone)


def labels(reply: Any) -> list[str]:
    return [b["text"]["text"] for b in reply.buttons()]


def test_a_mistyped_held_order_is_withdrawn_and_placed_again_under_its_reference(world):
    typo = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 1000k PO-77")
    assert labels(typo) == ["Request release", "Withdraw order"]
    [withdraw] = [b for b in typo.buttons() if b["text"]["text"] == "Withdraw order"]
    # Slack asks first: it cannot be undone. Held, it counted in no exposure (it said so).
    assert withdraw["confirm"]["text"]["text"] == (
        "Order CB-1 (PO-77) of $1,000,000.00 will not ship, and no longer holds the "
        "customer's later orders. Place it again as a new order if it should ship.")
    # Only the rep who placed it takes it back.
    other = world.slack.click(OWNER_C0013, typo, "Withdraw order")
    assert other is not None and other.all_text() == (
        f"Order CB-1 was placed by <@{SALES}>: only they can withdraw it.")
    assert checks(world)["CB-1"].state == "held"

    done = world.slack.click(SALES, typo, "Withdraw order")
    assert done is not None and (done.text, sections(done)) == (WITHDRAWN, [WITHDRAWN])
    row = checks(world)["CB-1"]
    assert (row.state, row.released_by, row.release_note) == (
        "withdrawn", SALES, "withdrawn:held")
    [entry] = audit(world, "orders.withdrawn")
    assert (entry.actor, entry.subject, entry.details["order"]) == (SALES, "C0013", "CB-1")
    # The owner heard of the hold, and would chase its release.
    deliver(world)
    assert direct_messages(world, OWNER_C0013)[-1] == (
        ":leftwards_arrow_with_hook: Order CB-1 (PO-77) of $1,000,000.00 for Lakeside "
        f"Furniture Outlet (C0013), held until now, was withdrawn by <@{SALES}>, who placed "
        "it: it will not ship.")

    # Its reference is free for the order as it should have been, which it holds no more.
    again = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 1k PO-77")
    assert sections(again)[0] == (
        ":no_entry: *Held*: order CB-2 (PO-77) of $1,000.00 for Lakeside Furniture Outlet "
        "(C0013) is not OK to ship. It is recorded as held; the account owner is told.")
    assert "CB-1" not in sections(again)[1]
    # Pressed again on the old answer: said, nothing changed.
    twice = world.slack.click(SALES, typo, "Withdraw order")
    assert twice is not None and twice.all_text() == (
        "Order CB-1 is withdrawn already: it will not ship and counts nowhere.")
    listing = world.slack.slash(SALES, SALES_CHANNEL, "/credit orders")
    assert sections(listing)[1:] == [
        "*CB-2 (PO-77)* · Lakeside Furniture Outlet (C0013) · $1,000.00 · Nov 29, 2026: "
        "held: not to ship until released",
        "*CB-1 (PO-77)* · Lakeside Furniture Outlet (C0013) · $1,000,000.00 · Nov 29, "
        "2026: withdrawn by you: it will not ship"]
    assert labels(listing) == ["Request release", "Withdraw order"]
    # The customer's history keeps the hold, and who took it back.
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0013").all_text()
    held, gone = moment(world, "CB-1", "checked_at"), moment(world, "CB-1", "released_at")
    assert (f"• CB-1 (PO-77) of $1,000,000.00, held on {held}: withdrawn by <@{SALES}>, who "
            f"placed it, on {gone}; it will not ship") in history.splitlines()


def test_an_order_ok_to_ship_withdrawn_gives_its_headroom_back(world):
    def available() -> str:
        card = world.slack.slash(SALES, SALES_CHANNEL, "/credit check C0001").all_text()
        lines = card.splitlines()
        return lines[lines.index("*Available credit*") + 1]

    before = available()
    placed = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 20k PO-7")
    assert labels(placed) == ["Withdraw order"]
    assert placed.buttons()[0]["confirm"]["text"]["text"] == (
        "Order CB-1 (PO-7) of $20,000.00 will not ship, and no longer counts in the "
        "customer's exposure. Place it again as a new order if it should ship.")
    assert available() != before
    # Retyped to mend it: the answer offers to take the first back.
    retyped = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 2k PO-7")
    assert labels(retyped) == ["Withdraw order"]
    done = world.slack.click(SALES, retyped, "Withdraw order")
    assert done is not None and done.text == (
        ":leftwards_arrow_with_hook: Order CB-1 (PO-7) of $20,000.00 for Acme Industrial "
        "Supply (C0001) is withdrawn: it will not ship, and no longer counts in the "
        "customer's exposure.")
    assert checks(world)["CB-1"].state == "withdrawn"
    assert available() == before


def test_an_order_whose_release_is_asked_for_is_withdrawn_once_the_request_is_cancelled(
        world):
    held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-9")
    request = _release_asked(world, held)
    refused = world.slack.click(SALES, held, "Withdraw order")
    assert refused is not None and refused.all_text() == (
        f"The release of order CB-1 is asked for in request #{request.id}: cancel the "
        "request first (`/credit requests` lists it), then withdraw the order.")
    assert checks(world)["CB-1"].state == "held" and audit(world, "orders.withdrawn") == []


def import_order(world: Any, monkeypatch: Any, tmp_path: Any, line: str) -> None:
    """The ERP's orders file of one open order ``id,customer,amount``, imported."""
    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    order_id, customer, amount = line.split(",")
    path = tmp_path / "orders.csv"
    path.write_text("order_id,customer_id,order_date,amount,currency,status\n"
                    f"{order_id},{customer},{world.services.today()},{amount},USD,open\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "orders", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_an_order_the_erp_has_imported_is_withdrawn_in_the_erp(world, monkeypatch, tmp_path):
    # Withdrawn here, it still counted and shipped as the ERP's order: "it will not ship"
    # would have been untrue.
    placed = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 20k PO-88")
    import_order(world, monkeypatch, tmp_path, "PO-88,C0001,20000")
    refused = world.slack.click(SALES, placed, "Withdraw order")
    assert refused is not None and refused.all_text() == (
        "Order CB-1 is in the ERP now, as its order PO-88: cancel it there; creditbot "
        "follows the ERP's orders as they are imported.")
    assert checks(world)["CB-1"].state == "passed"


def test_the_erp_order_under_a_withdrawn_orders_reference_is_checked(world, monkeypatch,
                                                                     tmp_path):
    # The withdrawn $2,000,000 order counted as the check of the ERP's $1,500,000 one under
    # its reference: never checked nor held, the customer 108% of its limit on the card.
    typo = world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 2000k PO-7")
    world.slack.click(SALES, typo, "Withdraw order")
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order C0001 20k PO-7")
    import_order(world, monkeypatch, tmp_path, "PO-7,C0001,1500000")
    erp = checks(world)["PO-7"]
    assert (erp.state, erp.customer_id, [f["rule"] for f in erp.failures]) == (
        "held", "C0001", ["limit"])


def test_a_release_filed_while_the_order_is_withdrawn_leaves_one_of_them(world, monkeypatch):
    # On PostgreSQL both went through: the order withdrawn, and a release request for it
    # that nobody could approve ("not held any more").
    from domain.approvals.filing import Filing
    from domain.approvals.model import RequestKind
    from domain.errors import DomainError
    from domain.orders.holds import HoldReview

    held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-9")
    find = HoldReview.find

    def slow_find(self: HoldReview, *args: Any) -> Any:
        found = find(self, *args)
        time.sleep(1.0)  # the filing has read the order as held, and not yet written
        return found

    monkeypatch.setattr(HoldReview, "find", slow_find)
    filed: list[object] = []

    def file() -> None:
        owner = world.services.config.roster().member(OWNER_C0013)
        try:
            filed.append(world.services.requests.file(owner, Filing(
                "C0013", RequestKind.ORDER_RELEASE, "pays friday", order_id="CB-1")))
        except DomainError as refused:
            filed.append(refused)

    filing = threading.Thread(target=file)
    filing.start()
    time.sleep(0.3)
    pressed = world.slack.click(SALES, held, "Withdraw order")
    filing.join()
    request_filed = not isinstance(filed[0], DomainError)
    withdrawn = checks(world)["CB-1"].state == "withdrawn"
    assert request_filed != withdrawn, (filed, pressed)
    if request_filed:
        assert pressed is not None and pressed.all_text().startswith(
            "The release of order CB-1 is asked for in request #")


def test_a_released_order_withdrawn_keeps_its_release_in_the_history(world):
    # Withdrawn, its row said only who withdrew it: who released it, and by which
    # request, was gone from the customer's history.
    from domain.approvals.model import Outcome
    from tests.e2e.conftest import CREDIT_MANAGER

    held = world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-5")
    request = _release_asked(world, held)
    manager = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(manager, request.id, 1, Outcome.APPROVED)
    listing = world.slack.slash(SALES, SALES_CHANNEL, "/credit orders")
    assert labels(listing) == ["Withdraw order"]
    world.slack.click(SALES, listing, "Withdraw order")
    row = checks(world)["CB-1"]
    assert (row.state, row.released_by, row.release_note) == (
        "withdrawn", CREDIT_MANAGER, f"withdrawn:request:{request.id}")
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history C0013").all_text()
    [line] = [line for line in history.splitlines() if line.startswith("• CB-1 (PO-5)")]
    released = moment(world, "CB-1", "released_at")
    assert line.endswith(f": released by <@{CREDIT_MANAGER}> on {released} (request "
                         f"#{request.id}); then withdrawn by <@{SALES}>, who placed it: it "
                         "will not ship")


def test_withdraw_typed_as_a_command_points_to_the_orders_list(world):
    said = world.slack.slash(SALES, SALES_CHANNEL, "/credit withdraw CB-1")
    assert said.text == ("`/credit withdraw` is not something I know. Did you mean "
                         "`/credit orders`? Try `/credit help`.")
