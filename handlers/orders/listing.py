"""``/credit orders``: the orders I placed in creditbot, newest first, each as it stands
(OK to ship, held, released, refused, withdrawn), a held one with its release request or
its *Request release* button, and each that still counts with *Withdraw order*."""

from __future__ import annotations

from slack_bolt import BoltContext

from domain.orders.model import OrderState
from domain.orders.use_cases import PlacedOrder
from handlers.deps import Deps
from handlers.i18n import N_, Translator
from handlers.order_label import order_label
from handlers.orders.blocks import (
    customer_name,
    order_amount,
    release_button,
    withdraw_actions,
)
from handlers.render import (
    MESSAGE_BUDGET,
    Block,
    Message,
    context,
    message,
    section,
    size,
)

SHOWN = 20
# Room kept for the note saying how many are shown.
NOTE_ROOM = 500
_STATES = {
    OrderState.PASSED: N_("OK to ship"),
    OrderState.HELD: N_("held: not to ship until released"),
    OrderState.RELEASED: N_("released"),
    OrderState.REFUSED: N_("refused: its release was rejected, it will not ship"),
    OrderState.WITHDRAWN: N_("withdrawn by you: it will not ship"),
}


def orders_command(context_: BoltContext, _rest: str) -> Message:
    deps: Deps = context_["deps"]
    placed = deps.orders.mine(context_["member"], limit=SHOWN + 1)
    catalogue = context_["catalogue"]
    return render(placed, context_["tr"], catalogue.as_typed(context_, "order"),
                  catalogue.as_typed(context_, "history"))


def render(placed: list[PlacedOrder], tr: Translator, command: str = "/credit order",
           history: str = "/credit history") -> Message:
    """``command``, ``history``: `/credit order` and `/credit history` as the person
    would write them (`/credit 订单`)."""
    if not placed:
        text = tr._("You have placed no order in creditbot yet. `{command} acme 120k` checks "
                    "one against the order rules and records it.", command=command)
        return message(text, [section(text)])
    heading = tr._("*Your orders*, newest first")
    blocks: list[Block] = [section(heading)]
    shown = 0
    for order in placed[:SHOWN]:
        these = [section(order_line(order, tr))]
        if order.check.is_held and order.release_request is None:
            these.append(release_button(order.check, tr, withdraw=True))
        elif order.check.state in (OrderState.PASSED, OrderState.RELEASED):
            these.append(withdraw_actions(order.check, tr))
        # Whole orders within Slack's size (twenty long references of & weigh more).
        if size(blocks + these) > MESSAGE_BUDGET - NOTE_ROOM:
            break
        blocks += these
        shown += 1
    if len(placed) > shown:
        blocks.append(context(tr._("Only your {n} latest orders are shown; `{history}` and a "
                                   "customer show its held orders.", n=shown,
                                   history=history)))
    return message(tr._("Your orders"), blocks)


def order_line(order: PlacedOrder, tr: Translator) -> str:
    check = order.check
    state = tr._(_STATES[check.state])
    if check.is_held and order.release_request is not None:
        state = tr._("{state}; its release is asked for in request #{request}",
                     state=state, request=order.release_request)
    return tr._("*{order}* · {customer} · {amount} · {day}: {state}",
                order=order_label(check.order_id, check.reference, tr),
                customer=customer_name(tr, order.customer.name if order.customer else
                                       check.customer_name, check.customer_id,
                                       order.customer.name_local if order.customer else
                                       check.customer_name_local),
                amount=order_amount(check.amount, order.in_limit, tr), day=check.order_date,
                state=state)
