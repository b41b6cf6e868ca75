"""``/credit order <customer> <amount> [currency] [reference]`` and its *Request release*
button: parse, call the use case, render."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.amounts import AmountError
from domain.errors import CustomerLookupError, DomainError
from domain.orders.context import OrderRefused
from domain.orders.model import OrderState
from domain.orders.typed import (
    NoCustomer,
    TwoAmounts,
    TypedOrder,
    leading_amount,
    names_no_customer,
    numeric,
    order_words,
    split_order,
    starts_quoted,
)
from domain.orders.use_cases import RepeatedOrder
from handlers.customer_hint import (
    id_apart,
    money_for_a_name,
    name_going_on,
    own_line,
    which_customer,
)
from handlers.deps import Deps
from handlers.errors import explain, retyped
from handlers.i18n import N_
from handlers.orders.blocks import (
    customer_name,
    release_button,
    verdict_message,
    withdraw_actions,
    withdrawn_text,
)
from handlers.orders.payloads import ReleaseValue
from handlers.payloads import opened_in
from handlers.render import Message, erp_text, message, section

NUMBER_IN_THE_NAME = N_("“{words}” begins the name of {customer}: put the name in quotes, "
                        "e.g. `{command} \"{customer}\" 120k`.")
USAGE = N_("Write the customer, then the amount, e.g. `{command} acme 120k`, "
           "`{command} 华夏物流 25万 CNY PO-2026-118` (a currency and your order "
           "reference may follow the amount; a name with a number in it goes in quotes).")


def order(context: BoltContext, text: str) -> Message:
    deps: Deps = context["deps"]
    command = context["catalogue"].as_typed(context, "order")
    try:
        typed = split_order(text)
    except TwoAmounts as two:
        # "plant 7 5k": 7 is the name's (Plant 7), which the quotes would have said.
        if two.name_words:
            _name_goes_on(context, text, two.name_words, command)
        _id_apart(context, text, command)
        raise retyped(two, command) from None
    except DomainError as refused:
        raise retyped(refused, command) from None
    lead = leading_amount(text) if typed is None else None
    if typed is None and (names_no_customer(text) or (lead is not None and not (
            deps.orders.names_a_customer(context["member"], lead)))):
        # '"" 5k' was "“5k” is not an amount", "€ 5k" "the amount is missing after €5k",
        # and "5k PO-1" "“PO-1” is not an amount".
        _customer_after(context, text, lead, command)
        raise NoCustomer(command)
    if typed is None:
        words = text.split()
        if len(words) >= 2 and (numeric(words[-1]) or not deps.orders.names_a_customer(
                context["member"], " ".join(words))):
            raise AmountError(words[-1])
        tr = context["tr"]
        usage = tr._(USAGE, command=command)
        if words:
            usage = tr.sentences(tr._("The amount is missing after “{customer}”.",
                                      customer=erp_text(" ".join(words), 120)), usage)
        return message(usage, [section(usage)])
    if not starts_quoted(text) and money_for_a_name(
            lambda query: deps.orders.customer_named(context["member"], query, close=False),
            typed.customer):
        raise NoCustomer(command)  # "€ $ 5k", "USD 5k PO-1": no customer named
    _number_in_the_name(context, text, typed, command)
    try:
        answer = deps.orders.place(context["member"], typed.customer, typed.amount,
                                   typed.currency, typed.reference)
    except CustomerLookupError as unclear:
        # The line as typed, only the customer changed, even where its amount will be
        # refused in turn ("-5k", "¥20000"): a generic "120k" in its place, with no
        # reference, looked like the rep's own line corrected and was copied as such.
        typed_after = " ".join(filter(None, (typed.amount, typed.currency, typed.reference)))
        raise which_customer(unclear, context["catalogue"].typed_name(context, "order"),
                             own_line(typed_after, "120k")) from None
    except RepeatedOrder as repeated:
        placed, tr = repeated.placed, context["tr"]
        # Retyped by the rep who placed it, to mend a mistyped amount: withdrawn, its
        # reference is free for the order as it should be.
        mine = placed.checked_by == context["member"].user_id
        counts = placed.state in (OrderState.PASSED, OrderState.RELEASED)
        if repeated.release_request is not None or not (placed.is_held or (mine and counts)):
            raise
        # Retyped for a held order: the way on is its release, one press away.
        said = explain(repeated, tr)
        buttons = (release_button(placed, tr, withdraw=mine) if placed.is_held else
                   withdraw_actions(placed, tr))
        return message(said, [section(said), buttons])
    return verdict_message(answer.customer, answer.verdict, context["tr"], answer.check)


def _customer_after(context: BoltContext, text: str, lead: str | None, command: str) -> None:
    """Refuses "5k acme packaging" (the amount first) by saying so, with the line in
    order to copy: "Name the customer" read as if none had been named."""
    stripped = text.strip()
    if lead is None or not stripped.startswith(lead):
        return
    rest = stripped[len(lead):].strip()
    if rest and context["deps"].orders.names_a_customer(context["member"], rest):
        raise DomainError(N_("Write the customer first, then the amount: `{command} "
                             "{customer} {amount}`."), command=command,
                          customer=rest, amount=lead)


def _number_in_the_name(context: BoltContext, text: str, typed: TypedOrder,
                        command: str) -> None:
    """“Route 66 Diner 5k” read as Route, 66 and the reference “Diner 5k” (or “Club 5k
    Runners 10k” as 5k, “Pier 39 USD Traders” as 39 USD): the name goes on past what was
    taken for the amount, and the order would be of that. Refused, with the quotes to
    write. Looked for only where words follow the amount (a reference or a currency)."""
    if starts_quoted(text) or (typed.reference is None and typed.currency is None):
        return
    _name_goes_on(context, text, len(typed.customer.split()), command)


def _id_apart(context: BoltContext, text: str, command: str) -> None:
    member, orders = context["member"], context["deps"].orders
    apart = id_apart(lambda query: orders.customer_named(member, query), order_words(text),
                     command)
    if apart is not None:
        raise apart


def _name_goes_on(context: BoltContext, text: str, taken: int, command: str) -> None:
    """Refuses the line when a customer's name goes on past its first ``taken`` words."""
    member, orders = context["member"], context["deps"].orders
    found = name_going_on(lambda query: orders.customer_named(member, query, close=False),
                          order_words(text), taken)
    if found is not None:
        begun, named = found
        raise OrderRefused(NUMBER_IN_THE_NAME, words=begun, customer=named.name,
                           command=command)


def on_request_release(body: dict[str, Any], context: BoltContext) -> None:
    """*Request release*: the request form, filled in with the order release and the
    held order (the person adds the reason)."""
    from handlers.approvals.request_modal import form_word, release_view
    from handlers.modals import open_modal

    pressed: ReleaseValue = context["payload"]
    deps: Deps = context["deps"]
    deps.access.require(context["member"])
    refused = deps.orders.release_refusal(context["member"], pressed.customer, pressed.order)
    if refused is not None:  # said at the press, not after the form is filled in
        context["reply"](explain(refused, context["tr"]))
        return
    channel = opened_in(body)
    try:
        named = deps.requests.customer(context["member"], pressed.customer)
    except DomainError as gone:  # removed by an import since the reply was shown
        context["reply"](explain(gone, context["tr"]))
        return
    tr = context["tr"]
    view = release_view(tr, channel=channel, customer=pressed.customer,
                        shown=customer_name(tr, named.name, named.customer_id, named.name_local),
                        order=pressed.order, typed=form_word(context))
    open_modal(context, str(body.get("trigger_id") or ""), view)


def on_withdraw(body: dict[str, Any], context: BoltContext) -> None:
    """*Withdraw order* (after Slack's own confirmation): the order taken back, said to
    the rep alone; a refusal says why (placed by someone else, its release asked for)."""
    pressed: ReleaseValue = context["payload"]
    deps: Deps = context["deps"]
    tr = context["tr"]
    try:
        withdrawn = deps.orders.withdraw(context["member"], pressed.customer, pressed.order)
    except DomainError as refused:
        context["reply"](explain(refused, tr))
        return
    said = withdrawn_text(withdrawn, tr)
    context["reply"](said, [section(said)])
