"""A release request a re-check made pointless is closed, through the real path: an
order held, its release requested, then the invoices import shows the overdue invoices
paid; the re-check releases the order and, in the same transaction, withdraws the
request (cancelled by creditbot) and edits its card to say why."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import main
from domain.approvals.filing import Filing
from domain.approvals.model import Outcome, RequestKind, RequestState, Withdrawn
from storage.models import InvoiceRow
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_approval_decisions import EN, ZONE, block_texts, open_modal, rows, shown
from tests.e2e.test_orders import audit, checks


def test_the_release_request_is_withdrawn_when_a_recheck_releases_the_order(
        world, monkeypatch, tmp_path: Path):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order acme packaging 5k")
    assert checks(world)["CB-1"].state == "held"
    member = world.services.config.roster().member(SALES)
    filed = world.services.requests.file(member, Filing(
        "C0002", RequestKind.ORDER_RELEASE, "customer waiting", order_id="CB-1"))
    today = world.services.today()
    with Session(world.services.engine) as session:
        overdue = list(session.scalars(select(InvoiceRow).where(
            InvoiceRow.customer_id == "C0002", InvoiceRow.status == "open",
            InvoiceRow.due_date < today)))
    lines = ["invoice_id,customer_id,issue_date,due_date,amount,currency,open_amount,status"]
    lines += [f"{i.invoice_id},{i.customer_id},{i.issue_date},{i.due_date},{i.amount},"
              f"{i.currency},0,paid" for i in overdue]
    path = tmp_path / "invoices.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    result = CliRunner().invoke(main, ["import", "invoices", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert checks(world)["CB-1"].state == "released"
    request = world.services.requests.get(member, filed.id).request
    assert (request.state, request.closed_by) == (RequestState.CANCELLED, "creditbot")
    [withdrawn] = audit(world, "requests.withdrawn")
    assert (withdrawn.actor, withdrawn.details["request"]) == ("creditbot", filed.id)
    card = shown(world, filed.id, 1, CREDIT_MANAGER)
    assert request.closed_at is not None
    assert block_texts(card)[-1] == (
        f":heavy_minus_sign: Withdrawn by creditbot on {EN.moment(request.closed_at, ZONE)}: "
        "the order passes the rules now and is released, so no approval is needed any more.")
    assert card.buttons() == []
    # The edited card keeps the customer's figures as the import left them, before the
    # release: as an approved card does, the order is not in the exposure (it counted
    # $31,406.94 with it, and "Held because" added the order again).
    assert block_texts(card)[2:8] == [
        "*Requested*\nrelease order CB-1 of $5,000.00", "*Credit limit*\n$100,000.00",
        "*Exposure*\n$26,406.94", "*Available credit*\n$73,593.06", "*Overdue*\n$0.00",
        "*Payment terms*\n90 days"]
    assert block_texts(card)[10] == (
        "*Held because*\n• An invoice is 31 days overdue, more than the 30 days allowed "
        "($8,721.98 overdue in all).")



# -- the ERP changes the held order after its release was asked for ----------------------

def _import_orders(world, monkeypatch, tmp_path: Path, *rows: str) -> None:
    monkeypatch.setenv("DATABASE_URL", world.services.settings.database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    path = tmp_path / f"orders-{len(list(tmp_path.iterdir()))}.csv"
    path.write_text("order_id,customer_id,order_date,amount,currency,status\n"
                    + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["import", "orders", str(path)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def _release_of(world, customer: str, order: str) -> int:
    member = world.services.config.roster().member(SALES)
    return world.services.requests.file(member, Filing(
        customer, RequestKind.ORDER_RELEASE, "customer waiting", order_id=order)).id


def _request(world, request_id: int):
    member = world.services.config.roster().member(SALES)
    return world.services.requests.get(member, request_id).request


def _released_then_moved(world, monkeypatch, tmp_path: Path, to: str) -> int:
    """Lakeside's ERP order SO-MOVE-1 held, its release asked for, then re-imported under
    ``to``: the request's id."""
    today = world.services.today()
    _import_orders(world, monkeypatch, tmp_path, f"SO-MOVE-1,C0013,{today},50000,USD,open")
    request_id = _release_of(world, "C0013", "SO-MOVE-1")
    _import_orders(world, monkeypatch, tmp_path, f"SO-MOVE-1,{to},{today},50000,USD,open")
    return request_id


def test_a_release_asked_for_a_reps_order_is_withdrawn_when_the_erp_has_it_larger(
        world, monkeypatch, tmp_path: Path):
    # The approvers' card asked them to release $10,000; the ERP exported the rep's order
    # PO-77 at $12,000, and approving would have released that, unasked.
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-77")
    request_id = _release_of(world, "C0013", "CB-1")
    stale = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, CREDIT_MANAGER),
                       "Approve")
    today = world.services.today()
    _import_orders(world, monkeypatch, tmp_path, f"PO-77,C0013,{today},12000,USD,open")
    assert (checks(world)["CB-1"].state, checks(world)["CB-1"].amount) == ("held", 12000)
    request = _request(world, request_id)
    assert (request.state, request.closed_by, request.closed_note) == (
        RequestState.CANCELLED, "creditbot", Withdrawn.ORDER_CHANGED)
    # The form opened before is answered in words ("cancelled by <@creditbot>" was raw
    # markup, and the wrong word), and decides nothing.
    late = world.slack.submit(CREDIT_MANAGER, stale, {"comment": "ok"}).json()
    assert late["response_action"] == "update"
    assert late["view"]["blocks"][0]["text"]["text"] == (
        f"Request #{request_id} was withdrawn by creditbot: the ERP has changed the order "
        "since it was filed, so there is nothing left to decide. Its requester can ask "
        "again for the order as it is now.")
    assert checks(world)["CB-1"].state == "held"
    [withdrawn] = audit(world, "requests.withdrawn")
    assert withdrawn.details == {
        "request": request_id, "order": "CB-1", "why": "order_changed",
        "order_amount": "12000.00", "order_currency": "USD", "order_customer": "C0013"}
    card = shown(world, request_id, 1, CREDIT_MANAGER)
    assert request.closed_at is not None
    assert block_texts(card)[-1] == (
        f":heavy_minus_sign: Withdrawn by creditbot on {EN.moment(request.closed_at, ZONE)}: "
        "the ERP has changed the order since this request was filed (a larger amount, "
        "another currency or another customer), so approving it would release an order "
        "nobody asked about. The requester can ask again for the order as it is now.")
    assert card.buttons() == []
    [note] = [r for r in rows(world) if r.channel == SALES and r.kind == "approvals.note"]
    assert note.payload["text"] == (
        f":heavy_minus_sign: Your request #{request_id} · order release · Lakeside Furniture "
        "Outlet to release order CB-1 (PO-77) of $10,000.00 is withdrawn: the ERP now has "
        f"it at $12,000.00 dated {EN.date(today)}. The order is still held; ask again if it "
        "should ship as it is now.")
    [button] = [e for b in note.payload["blocks"] if b["type"] == "actions"
                for e in b["elements"]]
    assert (button["text"]["text"], button["action_id"]) == ("Request release",
                                                            "orders_request_release")
    assert '"order":"CB-1"' in button["value"] and '"customer":"C0013"' in button["value"]
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history lakeside").all_text()
    assert (f"withdrawn by creditbot on {EN.moment(request.closed_at, ZONE)}: the ERP "
            "changed the order") in history.split("\n")
    # One order, one hold: the ERP's copy was reviewed as an order of its own as well
    # (held behind itself), and approving the release asked again freed only CB-1.
    assert "PO-77" not in checks(world)
    again = _release_of(world, "C0013", "CB-1")
    member = world.services.config.roster().member(CREDIT_MANAGER)
    world.services.requests.decide(member, again, 1, Outcome.APPROVED)
    assert checks(world)["CB-1"].state == "released"
    assert [r.order_id for r in checks(world).values() if r.state == "held"
            and r.customer_id == "C0013"] == ["SO-0013-901"]


def test_a_release_stays_asked_for_when_the_erp_has_the_order_smaller(
        world, monkeypatch, tmp_path: Path):
    world.slack.slash(SALES, SALES_CHANNEL, "/credit order lakeside 10k PO-77")
    request_id = _release_of(world, "C0013", "CB-1")
    today = world.services.today()
    _import_orders(world, monkeypatch, tmp_path, f"PO-77,C0013,{today},9000,USD,open")
    assert (checks(world)["CB-1"].state, checks(world)["CB-1"].amount) == ("held", 9000)
    assert _request(world, request_id).state is RequestState.OPEN
    assert audit(world, "requests.withdrawn") == []


def test_a_release_of_an_erp_order_moved_to_another_customer_is_withdrawn(
        world, monkeypatch, tmp_path: Path):
    today = world.services.today()
    # Acme Packaging has an invoice overdue past the rules: still held, now its own.
    request_id = _released_then_moved(world, monkeypatch, tmp_path, "C0002")
    row = checks(world)["SO-MOVE-1"]
    assert (row.customer_id, row.state) == ("C0002", "held")
    request = _request(world, request_id)
    assert (request.state, request.closed_note) == (RequestState.CANCELLED,
                                                    Withdrawn.ORDER_CHANGED)
    [note] = [r for r in rows(world) if r.channel == SALES and r.kind == "approvals.note"]
    assert note.payload["text"] == (
        f":heavy_minus_sign: Your request #{request_id} · order release · Lakeside Furniture "
        "Outlet to release order SO-MOVE-1 of $50,000.00 is withdrawn: the ERP now has it "
        f"for Acme Packaging (C0002), at $50,000.00 dated {EN.date(today)}. The order is "
        "still held; ask again if it should ship as it is now.")


def test_a_release_of_an_erp_order_moved_and_released_is_withdrawn_as_released(
        world, monkeypatch, tmp_path: Path):
    # The request stayed open under the first customer for an order already released.
    request_id = _released_then_moved(world, monkeypatch, tmp_path, "C0001")
    assert checks(world)["SO-MOVE-1"].state == "released"
    request = _request(world, request_id)
    assert (request.state, request.closed_by, request.closed_note) == (
        RequestState.CANCELLED, "creditbot", Withdrawn.RELEASED)
    assert request.closed_at is not None
    history = world.slack.slash(SALES, SALES_CHANNEL, "/credit history lakeside").all_text()
    assert (f"withdrawn by creditbot on {EN.moment(request.closed_at, ZONE)}: the order "
            "passed the rules and was released") in history.split("\n")
