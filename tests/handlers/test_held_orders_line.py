"""The check card's line about an account's held orders."""

from __future__ import annotations

from domain.model import HeldOrder
from handlers.check.blocks import held_text
from handlers.i18n import translator


def _orders(*ids: str) -> tuple[HeldOrder, ...]:
    return tuple(HeldOrder(order_id) for order_id in ids)


def test_one_held_order_many_and_hostile_ids():
    en, zh = translator("en-US"), translator("zh-CN")
    assert held_text(_orders("SO-1"), en) == (
        ":no_entry: 1 held order: SO-1. Not to ship until it is released.")
    seven = _orders(*(f"CB-{n}" for n in range(1, 8)))
    assert held_text(seven, en) == (
        ":no_entry: 7 held orders: CB-1, CB-2, CB-3, CB-4, CB-5 … and 2 more orders. Not to "
        "ship until they are released.")
    # An ERP's order id formats nothing and pings nobody.
    assert held_text(_orders("<!channel>*x*"), en) == (
        ":no_entry: 1 held order: &lt;!channel&gt;∗x∗. Not to ship until it is released.")
    assert held_text(_orders("CB-1", "CB-2"), zh) == (
        ":no_entry: 2 笔订单被暂停：CB-1、CB-2。放行之前不得发货。")
    # Orders counted as orders (the list's "and N more" said 家, companies).
    assert held_text(seven, zh) == (
        ":no_entry: 7 笔订单被暂停：CB-1、CB-2、CB-3、CB-4、CB-5 ……还有 2 笔。放行之前不得发货。")


def test_an_order_placed_in_creditbot_is_named_with_the_reps_reference():
    # A rep knows her orders by her PO numbers: "CB-1, CB-2" told her nothing.
    held = (HeldOrder("CB-1", "PO-LK-501"), HeldOrder("SO-9"), HeldOrder("CB-2", "<@U1>*x*"))
    assert held_text(held, translator("en-US")) == (
        ":no_entry: 3 held orders: CB-1 (PO-LK-501), SO-9, CB-2 (&lt;@U1&gt;∗x∗). Not to "
        "ship until they are released.")
    assert held_text(held[:1], translator("zh-CN")) == (
        ":no_entry: 1 笔订单被暂停：CB-1（PO-LK-501）。放行之前不得发货。")
