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
from domain.approvals.model import RequestKind, RequestState
from domain.approvals.use_cases import Filing
from storage.models import InvoiceRow
from tests.conftest import ROOT
from tests.e2e.conftest import CREDIT_MANAGER, SALES, SALES_CHANNEL
from tests.e2e.test_approval_decisions import EN, ZONE, block_texts, shown
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
    # The edited card keeps the customer's figures, as of the withdrawal.
    assert block_texts(card)[2:8] == [
        "*Requested*\nrelease order CB-1 of $5,000.00", "*Credit limit*\n$100,000.00",
        "*Exposure*\n$31,406.94", "*Available credit*\n$68,593.06", "*Overdue*\n$0.00",
        "*Payment terms*\n90 days"]

