"""`/credit history`'s line for an order that was held: what became of it, each way."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from domain.money import Money
from domain.orders.model import OrderCheck, OrderSource, OrderState
from handlers.approvals.history_command import _held
from handlers.i18n import translator

HELD_AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
REQUESTS = SimpleNamespace(zone=ZoneInfo("Asia/Shanghai"))


def _check(state: OrderState, note: str | None, source: OrderSource = OrderSource.SLACK,
           order_id: str = "CB-4", reference: str | None = "PO-4") -> OrderCheck:
    return OrderCheck(source, order_id, "C1", "Acme", Money(Decimal("2500"), "USD"),
                      date(2026, 11, 20), state, (), HELD_AT, "U0REP00001",
                      reference=reference, released_at=LATER if note else None,
                      released_by="creditbot" if note in ("recheck", "closed") else
                      "U0CM000001" if note else None, release_note=note)


def _at(moment: datetime) -> str:
    return translator("en-US").moment(moment, REQUESTS.zone)


def test_each_way_an_order_left_its_hold_is_said():
    en = translator("en-US")
    held, later = _at(HELD_AT), _at(LATER)
    assert _held(_check(OrderState.RELEASED, "recheck"), REQUESTS, en) == (  # type: ignore[arg-type]
        f"• CB-4 (PO-4) of $2,500.00, held on {held}: released on {later}, as it passed "
        "the order rules again")
    assert _held(_check(OrderState.RELEASED, "closed", OrderSource.ERP, "SO-9", None),
                 REQUESTS, en) == (  # type: ignore[arg-type]
        f"• SO-9 of $2,500.00, held on {held}: released on {later}, as the ERP no longer "
        "has it open")
    assert _held(_check(OrderState.RELEASED, "request:12"), REQUESTS, en) == (  # type: ignore[arg-type]
        f"• CB-4 (PO-4) of $2,500.00, held on {held}: released by <@U0CM000001> on {later} "
        "(request #12)")
    # A hostile ERP id formats nothing and pings nobody.
    assert _held(_check(OrderState.HELD, None, OrderSource.ERP, "<!channel>*x*", None),
                 REQUESTS, en) == (  # type: ignore[arg-type]
        f"• &lt;!channel&gt;∗x∗ of $2,500.00, held on {held}: not to ship until released")
