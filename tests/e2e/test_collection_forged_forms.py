"""A dispute form sent with forged values (an owner that is no user id, a channel id as
owner, a department that is not configured) is refused beside the field, with nothing
written and nothing posted; a mention is rendered only from a checked user id."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.e2e.test_collection_fixes import assign, errors
from tests.e2e.test_collector_day import deliver, fill, invoices

PICK_OWNER = "Pick the dispute's owner from the list of people, or leave it empty."
PICK_DEPARTMENT = ("Pick the department that resolves the dispute from the list (Credit "
                   "Management, Finance & Accounts Receivable, Legal, Logistics, Sales).")


def disputes(world: Any) -> list[tuple[Any, ...]]:
    with Session(world.services.engine) as s:
        return [tuple(r) for r in s.execute(text(
            "select department, owner from collection_disputes"))]


def forged(value: str) -> dict[str, Any]:
    return {"type": "static_select", "selected_option": {"value": value}}


def test_a_forged_dispute_form_is_refused_beside_the_field(world):
    assign(world)
    disputed = invoices(world)[0].invoice_id
    assert errors(fill(world, "Dispute", {
        "invoices": disputed, "reason": "r1", "department": "sales",
        "owner": {"type": "users_select",
                  "selected_user": "U1> <!channel> <https://evil.example|click"}})) == {
        "owner": PICK_OWNER}
    assert errors(fill(world, "Dispute", {
        "invoices": disputed, "reason": "r2", "department": forged("nope"),
        "owner": {"type": "users_select", "selected_user": "C0GENERAL01"}})) == {
        "department": PICK_DEPARTMENT, "owner": PICK_OWNER}
    assert errors(fill(world, "Dispute", {
        "invoices": disputed, "reason": "r3", "department": forged("nope")})) == {
        "department": PICK_DEPARTMENT}
    deliver(world)
    assert disputes(world) == []
    posted = [c.args for c in world.emulator.calls_to("chat.postMessage")]
    assert not [p for p in posted if "<!channel>" in (p.get("text") or "")
                or "evil.example" in (p.get("text") or "")]
    # The genuine form still works.
    assert fill(world, "Dispute", {"invoices": disputed, "reason": "damaged",
                                   "department": "sales"}).body == ""
    assert disputes(world) == [("sales", None)]
