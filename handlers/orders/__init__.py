"""Order review in Slack: ``/credit order`` ("can I ship this?"), the *Request release*
button of a held order, *Withdraw order* for the rep who placed one, the owner's notes,
and the ``orders`` job that reviews the ERP's open orders and releases held orders that
pass again."""

from __future__ import annotations

from handlers.i18n import N_
from handlers.orders.command import on_request_release, on_withdraw, order
from handlers.orders.jobs import run_orders
from handlers.orders.listing import orders_command
from handlers.orders.payloads import REQUEST_RELEASE, WITHDRAW, ReleaseValue
from handlers.registry import Action, Feature, Job, Subcommand

FEATURE = Feature(
    name="orders",
    subcommands=(
        Subcommand("order", N_("can I ship this? an order checked against the order rules "
                               "(limit, overdue, holds, contract); held when one fails"),
                   "acme 120k USD PO-2026-118", order, aliases=("订单",),
                   needs_argument=N_("a customer and an amount")),
        Subcommand("orders", N_("the orders you placed, newest first, each OK to ship, "
                                "held (with its release), released, refused or "
                                "withdrawn; one typed by mistake is withdrawn from here"),
                   "",
                   orders_command, aliases=("我的订单",), shows=True, takes_nothing=True,
                   done_by=("withdraw", "撤回", "撤回订单", "撤单")),
    ),
    actions=(Action(REQUEST_RELEASE, on_request_release, ReleaseValue),
             Action(WITHDRAW, on_withdraw, ReleaseValue)),
    jobs=(Job("orders", N_("reviews the ERP's open orders not yet reviewed and releases held "
              "orders that pass the order rules again"), "*/15 * * * *", run_orders),),
    # chat:write: the owners' notes (the outbox sender posts them; handlers.delivery
    # declares im:write, which opens their direct messages).
    scopes=("commands", "chat:write"),
)

__all__ = ["FEATURE"]
