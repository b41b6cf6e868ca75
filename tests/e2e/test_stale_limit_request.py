"""Approving a limit request the ERP has since overtaken is refused, through signed
HTTP → bot → Slack emulator: filed +100k (100k → 200k), level 1 approved, then the ERP
raises the limit to 1,000,000; the finance director's approval is answered beside the
comment field, and nothing is decided or recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from domain.approvals.deciding import Deciding
from storage.models import CustomerRow, LimitChangeRow
from tests.e2e.conftest import CREDIT_MANAGER, World
from tests.e2e.test_approval_decisions import (
    FINANCE_DIRECTOR,
    approve,
    decisions,
    file_request,
    open_modal,
    shown,
)
from tests.e2e.test_orders import audit


def replaced_by(answer: Any) -> str:
    """The text of the view a form's submission was replaced by."""
    said = answer.json()
    assert said["response_action"] == "update"
    return str(said["view"]["blocks"][0]["text"]["text"])


def test_the_last_approval_of_an_overtaken_request_is_refused(world: World) -> None:
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "ok")
    with world.services.engine.begin() as conn:  # the next customers import
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(credit_limit=Decimal(1_000_000)))
    view = open_modal(world, FINANCE_DIRECTOR,
                      shown(world, request_id, 2, FINANCE_DIRECTOR), "Approve")
    # The form is replaced by why: nothing in it (the comment) could make it right.
    assert replaced_by(world.slack.submit(FINANCE_DIRECTOR, view, {"comment": "fine"})) == (
        "The limit is already $1,000,000.00, not below the $200,000.00 this request asks "
        "for: it can only be rejected or cancelled.")
    assert [d.level for d in decisions(world, request_id)] == [1]
    assert audit(world, "limits.changed") == []
    with world.services.engine.connect() as conn:
        assert conn.execute(LimitChangeRow.__table__.select()).all() == []


def test_the_last_approval_after_the_erp_changed_the_customers_currency_is_refused(
        world: World) -> None:
    # Approved, a USD limit stood on the EUR limit the ERP had moved the customer to, and
    # every `/credit order` of the customer answered "cannot combine EUR and USD".
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "ok")
    with world.services.engine.begin() as conn:  # the next customers import
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(currency="EUR"))
    view = open_modal(world, FINANCE_DIRECTOR,
                      shown(world, request_id, 2, FINANCE_DIRECTOR), "Approve")
    assert replaced_by(world.slack.submit(FINANCE_DIRECTOR, view, {"comment": "fine"})) == (
        "The customer's limit is now €100,000.00, in EUR, not in USD as this request asks: "
        "it can only be rejected or cancelled. File a new request in EUR.")
    assert [d.level for d in decisions(world, request_id)] == [1]
    assert audit(world, "limits.changed") == []


def test_an_earlier_level_of_an_overtaken_request_is_refused_too(world: World) -> None:
    # Level 1 approved a request the ERP had overtaken, and level 2's card showed
    # "$200,000.00 (now $100,000.00 …)" beside a credit limit of $250,000.00.
    request_id = file_request(world)
    with world.services.engine.begin() as conn:  # the next customers import
        conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                     .values(credit_limit=Decimal(250_000)))
    view = open_modal(world, CREDIT_MANAGER, shown(world, request_id, 1, "C03CREDIT00"),
                      "Approve")
    assert replaced_by(world.slack.submit(CREDIT_MANAGER, view, {"comment": "ok"})) == (
        "The limit is already $250,000.00, not below the $200,000.00 this request asks "
        "for: it can only be rejected or cancelled.")
    assert decisions(world, request_id) == []


# PostgreSQL alone: on SQLite the decision holds the database's one write lock, so no
# import commits inside it.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_import_committed_inside_the_final_approval_overtakes_its_change(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # On PostgreSQL each statement sees what is committed: an import raising the ERP's
    # limit to $300,000 between the approval's check (against $100,000) and the change's
    # own read made the $200,000 change stand on the ERP's $300,000, and lower it.
    request_id = file_request(world)
    approve(world, CREDIT_MANAGER, request_id, 1, "ok")
    standing = Deciding.standing
    imported: list[bool] = []
    calls: list[bool] = []

    def import_meanwhile(self: Deciding, *args: Any, **kwargs: Any) -> Any:
        calls.append(True)
        # The first read is the press's (the form's figures now); the second is the
        # approval's, between its check and the change: the next customers import then.
        if len(calls) == 2:
            with world.services.engine.begin() as conn:
                conn.execute(update(CustomerRow).where(CustomerRow.customer_id == "C0002")
                             .values(credit_limit=Decimal(300_000)))
            imported.append(True)
        return standing(self, *args, **kwargs)

    monkeypatch.setattr(Deciding, "standing", import_meanwhile)
    approve(world, FINANCE_DIRECTOR, request_id, 2, "fine")
    assert imported and [d.level for d in decisions(world, request_id)] == [1, 2]
    with world.services.engine.connect() as conn:
        [change] = conn.execute(LimitChangeRow.__table__.select()).mappings().all()
    assert (change["credit_limit"], change["previous_limit"]) == (200_000, 100_000)
    card = world.slack.slash(CREDIT_MANAGER, "C03CREDIT00", "/credit check C0002")
    assert "*Credit limit*\n$300,000.00" in card.texts()
