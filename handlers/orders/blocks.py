"""The answer to "can I ship this?" and the notes order review sends, in the reader's
language: each failed rule in plain words with its figures."""

from __future__ import annotations

from decimal import Decimal

from domain.model import Customer
from domain.money import Money
from domain.orders.model import (
    WITHDRAWN_HELD,
    Failure,
    OrderCheck,
    OrderSource,
    Rule,
    Verdict,
)
from domain.text import map_texts
from handlers.i18n import N_, Translator
from handlers.order_label import order_label
from handlers.orders.payloads import REQUEST_RELEASE, WITHDRAW, ReleaseValue
from handlers.render import (
    Block,
    Message,
    actions,
    button,
    confirmed,
    erp_text,
    mention,
    message,
    section,
)

NAME = 120

_RULES: dict[Rule, str] = {
    Rule.LIMIT: N_("Exposure {exposure} + this order {order} = {total} is above the limit "
                   "{limit} (tolerance {tolerance} %: {ceiling})."),
    Rule.OVERDUE: N_("An invoice is {days} days overdue, more than the {max_days} days "
                     "allowed ({overdue} overdue in all)."),
    Rule.ON_HOLD: N_("The customer is on hold: earlier orders are held ({orders})."),
    Rule.CONTRACT_LIMIT: N_("Contract {contract}: its open orders {used} + this order "
                            "{order} = {total} is above the contract's limit {limit}."),
}
# Without a tolerance, "(tolerance 0 %: $35,000.00)" repeated the limit on every line.
_OVER_THE_LIMIT = N_("Exposure {exposure} + this order {order} = {total} is above the limit "
                     "{limit}.")
_CONTRACT_ENDED = N_("Contract {contract} runs from {start} to {end}, so it does not cover "
                     "the order date {date}.")
_NO_CONTRACT = N_("No contract of this customer is valid on the order date {date}.")


def failure_text(failure: Failure, tr: Translator) -> str:
    # Words from the ERP (contract ids) are neutralised; amounts and days are written
    # the reader's way by the translator.
    figures = map_texts(failure.figures, lambda _, text: erp_text(text, 200))
    if failure.rule is Rule.CONTRACT_NOT_VALID:
        template = _CONTRACT_ENDED if figures.get("contract") else _NO_CONTRACT
        return tr._(template, **figures)
    if failure.rule is Rule.LIMIT and _no_tolerance(figures.get("tolerance")):
        return tr._(_OVER_THE_LIMIT, **figures)
    return tr._(_RULES[failure.rule], **figures)


def _no_tolerance(tolerance: object) -> bool:
    try:
        return Decimal(str(tolerance)) == 0
    except ArithmeticError:
        return False


def _failures(failures: tuple[Failure, ...], tr: Translator) -> str:
    return "\n".join("• " + failure_text(f, tr) for f in failures)


def customer_name(tr: Translator, name: str, customer_id: str,
                  local: str | None = None) -> str:
    """The customer as the reader knows it (its Chinese name to a Chinese reader, when
    the ERP has one), with its id in the reader's brackets."""
    return tr._("{name} ({id})", name=erp_text(tr.name_of(name, local), NAME),
                id=erp_text(customer_id, 64))


def order_amount(typed: Money, in_limit: Money | None, tr: Translator) -> str:
    """The order as typed and, when it is in another currency, its value in the limit's
    (``£10,000.00 ($12,601.27)``): the same on the rep's answer and the owner's note."""
    if in_limit is None or in_limit.currency == typed.currency:
        return tr.money(typed)
    # Chinese puts it in full-width brackets.
    return tr._("{amount} ({converted})", amount=tr.money(typed),
                converted=tr.money(in_limit))


def verdict_message(customer: Customer, verdict: Verdict, tr: Translator,
                    check: OrderCheck | None = None) -> Message:
    """The answer to ``/credit order`` (``check`` is the recorded order) and to
    ``/credit check <customer> <amount>`` (no ``check``)."""
    who = customer_name(tr, customer.name, customer.customer_id, customer.name_local)
    amount = order_amount(verdict.typed or verdict.order, verdict.order, tr)
    order = order_label(check.order_id, check.reference, tr) if check is not None else None
    blocks: list[Block] = []
    if verdict.passed:
        if order is not None:
            head = tr._(":white_check_mark: *OK to ship*: order {order} of {amount} for "
                        "{customer}.", order=order, amount=amount, customer=who)
        else:
            head = tr._(":white_check_mark: *OK to ship*: an order of {amount} for "
                        "{customer} passes the order rules.", amount=amount, customer=who)
        if verdict.headroom.is_negative:
            body = tr._("It uses {over} of the tolerance above the limit {limit}.",
                        over=tr.money(-verdict.headroom), limit=tr.money(verdict.limit))
        else:
            body = tr._("Available credit after this order: {headroom} (limit {limit}, "
                        "exposure before it {exposure}).", headroom=tr.money(verdict.headroom),
                        limit=tr.money(verdict.limit), exposure=tr.money(verdict.exposure))
        if verdict.contract_binds and verdict.contract_left is not None \
                and verdict.contract_limit is not None:
            body += "\n" + tr._("Contract {contract}: {left} of its limit {limit} left after "
                                "this order.", contract=erp_text(verdict.contract_id or "", 64),
                                left=tr.money(verdict.contract_left),
                                limit=tr.money(verdict.contract_limit))
        blocks = [section(head + "\n" + body)]
        if check is not None:  # a typed mistake is taken back here, not by the credit team
            blocks.append(withdraw_actions(check, tr))
        return message(head, blocks)
    if order is not None and check is not None and customer.owner_slack_id not in (
            None, check.checked_by):
        head = tr._(":no_entry: *Held*: order {order} of {amount} for {customer} is not OK "
                    "to ship. It is recorded as held; the account owner is told.",
                    order=order, amount=amount, customer=who)
    elif order is not None:  # the rep owns the account (or nobody does): nobody else told
        head = tr._(":no_entry: *Held*: order {order} of {amount} for {customer} is not OK "
                    "to ship. It is recorded as held.", order=order, amount=amount,
                    customer=who)
    else:
        head = tr._(":no_entry: *Not OK to ship*: an order of {amount} for {customer} would "
                    "be held.", amount=amount, customer=who)
    blocks = [section(head), section(_failures(verdict.failures, tr))]
    if check is not None:
        # Who decides depends on the release's amount (app.yaml's bands): the filing's
        # answer names the levels; "a credit manager decides" was wrong for a large one.
        blocks.append(section(tr._("To ship it anyway, ask for a release: the approvers "
                                   "its amount calls for decide, and the answer to your "
                                   "request names them.")))
        blocks.append(release_button(check, tr, withdraw=True))
    return message(head, blocks)


def held_note(check: OrderCheck, tr: Translator, in_limit: Money | None = None
              ) -> tuple[str, list[Block]]:
    order = order_label(check.order_id, check.reference, tr)
    amount = order_amount(check.amount, in_limit, tr)
    who = customer_name(tr, check.customer_name, check.customer_id, check.customer_name_local)
    if check.source is OrderSource.SLACK:
        # The owner decides whether to call the customer, the rep, or ask for a release.
        head = tr._(":no_entry: Order {order} of {amount} for {customer}, placed by {rep}, "
                    "is held: it is not to ship until it is released.", order=order,
                    amount=amount, customer=who, rep=mention(check.checked_by))
    else:
        head = tr._(":no_entry: Order {order} of {amount} for {customer} is held: it is not "
                    "to ship until it is released.", order=order, amount=amount,
                    customer=who)
    return head, [section(head), section(_failures(check.failures, tr)),
                  section(tr._("It is released on its own once it passes (invoices paid, a "
                               "limit raised), or when an order release is approved.")),
                  release_button(check, tr)]


def release_button(check: OrderCheck, tr: Translator, *, withdraw: bool = False) -> Block:
    """*Request release* (and, for its placer, ``withdraw``: *Withdraw order*)."""
    value = ReleaseValue(order=check.order_id[:64], customer=check.customer_id[:64]).encode()
    buttons = [button(tr._("Request release"), REQUEST_RELEASE, value)]
    if withdraw:
        buttons.append(withdraw_button(check, tr, value))
    # The order's own block id: Slack refuses a message whose block ids repeat, and a
    # list of orders holds several of these.
    return actions(f"orders_release_{check.id}", *buttons)


def withdraw_button(check: OrderCheck, tr: Translator, value: str | None = None) -> Block:
    order = order_label(check.order_id, check.reference, tr)
    # A held order counts in no exposure (it holds the later orders); one OK to ship or
    # released counts, and holds nothing.
    question = (N_("Order {order} of {amount} will not ship, and no longer holds the "
                   "customer's later orders. Place it again as a new order if it should "
                   "ship.") if check.is_held else
                N_("Order {order} of {amount} will not ship, and no longer counts in the "
                   "customer's exposure. Place it again as a new order if it should ship."))
    return confirmed(
        button(tr._("Withdraw order"), WITHDRAW, value or ReleaseValue(
            order=check.order_id[:64], customer=check.customer_id[:64]).encode()),
        tr._("Withdraw the order?"), tr._(question, order=order, amount=tr.money(check.amount)),
        tr._("Withdraw"), tr._("Keep it"))


def withdraw_actions(check: OrderCheck, tr: Translator) -> Block:
    """*Withdraw order* alone, for an order that holds nothing to release."""
    return actions(f"orders_withdraw_{check.id}", withdraw_button(check, tr))


def withdrawn_note(check: OrderCheck, tr: Translator, in_limit: Money | None = None) -> str:
    """The owner's note: the hold they heard of is gone, by the rep's hand."""
    return tr._(":leftwards_arrow_with_hook: Order {order} of {amount} for {customer}, "
                "held until now, was withdrawn by {rep}, who placed it: it will not ship.",
                order=order_label(check.order_id, check.reference, tr),
                amount=order_amount(check.amount, in_limit, tr),
                customer=customer_name(tr, check.customer_name, check.customer_id,
                                       check.customer_name_local),
                rep=mention(check.checked_by))


def withdrawn_text(check: OrderCheck, tr: Translator) -> str:
    """The rep's answer: ``check`` as withdrawn (``withdrawn_record``)."""
    template = (N_(":leftwards_arrow_with_hook: Order {order} of {amount} for {customer} is "
                   "withdrawn: it will not ship, and no longer holds the customer's later "
                   "orders.") if check.release_note == WITHDRAWN_HELD else
                N_(":leftwards_arrow_with_hook: Order {order} of {amount} for {customer} is "
                   "withdrawn: it will not ship, and no longer counts in the customer's "
                   "exposure."))
    return tr._(template,
                order=order_label(check.order_id, check.reference, tr),
                amount=tr.money(check.amount),
                customer=customer_name(tr, check.customer_name, check.customer_id,
                                       check.customer_name_local))


def released_note(check: OrderCheck, tr: Translator, *, approved: bool,
                  in_limit: Money | None = None) -> tuple[str, list[Block]]:
    order = order_label(check.order_id, check.reference, tr)
    amount = order_amount(check.amount, in_limit, tr)
    who = customer_name(tr, check.customer_name, check.customer_id, check.customer_name_local)
    if approved:
        head = tr._(":white_check_mark: Order {order} of {amount} for {customer} is "
                    "released: its order release was approved.", order=order,
                    amount=amount, customer=who)
    else:
        head = tr._(":white_check_mark: Order {order} of {amount} for {customer} passes the "
                    "order rules now and is released: no approval is needed any more.",
                    order=order, amount=amount, customer=who)
    return head, [section(head)]
