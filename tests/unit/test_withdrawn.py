"""Why creditbot withdrew a request, one derived answer for every place that says it:
requests withdrawn before the reason was kept (closed by creditbot, no ``closed_note``)
read as released, as all of them were; a person's Cancel is no withdrawal."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from domain.approvals.model import CreditRequest, Level, RequestKind, RequestState, Withdrawn
from domain.approvals.rules import RequestClosed
from domain.money import Money
from handlers.approvals.request_render import state_word
from handlers.i18n import translator

AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
FILED = CreditRequest(
    kind=RequestKind.ORDER_RELEASE, customer_id="C0013", customer_name="Lakeside",
    requested_by="U01SALESAMY", filed_at=AT, reason="r", measured=Money(Decimal(1), "USD"),
    route=(Level("credit_manager", 24),), order_id="CB-1", id=7)


def _closed(by: str, note: Withdrawn | None = None) -> CreditRequest:
    return dataclasses.replace(FILED, state=RequestState.CANCELLED, closed_at=AT,
                               closed_by=by, closed_note=note)


def test_each_kind_of_close_is_told_apart():
    en = translator("en-US")
    cases = [(_closed("creditbot"), Withdrawn.RELEASED, "withdrawn"),  # before 0019
             (_closed("creditbot", Withdrawn.ORDER_CHANGED), Withdrawn.ORDER_CHANGED,
              "withdrawn"),
             (_closed("U01SALESAMY"), None, "cancelled"),
             (FILED, None, "waiting for a decision")]
    assert [(r.withdrawn, state_word(r, en)) for r, _, _ in cases] == [
        (why, word) for _, why, word in cases]


def test_a_late_press_on_a_request_withdrawn_before_the_reason_was_kept_says_why():
    # It answered "cancelled by <@creditbot>": raw markup, and the wrong word.
    assert str(RequestClosed(_closed("creditbot"))) == (
        "Request #7 was withdrawn by creditbot: the order passes the rules now and is "
        "released, so there is nothing left to decide.")
    assert str(RequestClosed(_closed("U01SALESAMY"))) == (
        "Request #7 was cancelled by <@U01SALESAMY>, so there is nothing left to decide.")
