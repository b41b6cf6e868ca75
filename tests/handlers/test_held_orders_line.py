"""The check card's line about an account's held orders."""

from __future__ import annotations

from handlers.check.blocks import _held
from handlers.i18n import translator


def test_one_held_order_many_and_hostile_ids():
    en, zh = translator("en-US"), translator("zh-CN")
    assert _held(("SO-1",), en) == (
        ":no_entry: 1 held order: SO-1. Not to ship until it is released.")
    seven = tuple(f"CB-{n}" for n in range(1, 8))
    assert _held(seven, en) == (
        ":no_entry: 7 held orders: CB-1, CB-2, CB-3, CB-4, CB-5 … and 2 more orders. Not to "
        "ship until they are released.")
    # An ERP's order id formats nothing and pings nobody.
    assert _held(("<!channel>*x*",), en) == (
        ":no_entry: 1 held order: &lt;!channel&gt;∗x∗. Not to ship until it is released.")
    assert _held(("CB-1", "CB-2"), zh) == (
        ":no_entry: 2 笔订单被暂停：CB-1、CB-2。放行之前不得发货。")
    # Orders counted as orders (the list's "and N more" said 家, companies).
    assert _held(seven, zh) == (
        ":no_entry: 7 笔订单被暂停：CB-1、CB-2、CB-3、CB-4、CB-5 ……还有 2 笔。放行之前不得发货。")
