"""The credit check card, and the "which customer?" message."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from domain.errors import AmbiguousCustomer, CustomerLookupError
from domain.exposure import CreditPosition
from domain.model import Customer
from handlers.blocks.common import clip, escape, mention, to_dicts

SHARE = "credit_check_share"
PICK = "credit_check_pick"


def _field(label: str, value: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=f"*{label}*\n{value}")


def check_card(customer: Customer, position: CreditPosition, *, timezone: str,
               shareable: bool = True, note: str | None = None
               ) -> tuple[str, list[dict[str, Any]]]:
    available = position.available.format()
    if position.over_limit:
        available = f":red_circle: *{available}* — over the limit"
    elif position.utilisation is not None and position.utilisation >= 0.9:
        available = f":large_orange_circle: {available}"
    oldest = position.aging.oldest_overdue_days
    overdue = position.aging.overdue.format()
    if oldest is not None:
        overdue += f"\noldest {oldest} day{'s' if oldest != 1 else ''} past due"
    owner = mention(customer.owner_slack_id) if customer.owner_slack_id else "nobody assigned"
    aging = "  ·  ".join(f"`{label}` {amount.format()}" for label, amount
                         in zip(position.aging.labels, position.aging.amounts, strict=True))
    context = [f"as of {position.as_of.isoformat()} ({timezone})",
               f"{position.invoice_count} open invoice{'s' * (position.invoice_count != 1)}",
               f"{position.order_count} open order{'s' * (position.order_count != 1)}"]
    if position.utilisation is not None:
        context.append(f"{position.utilisation:.0%} of the limit used")
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(customer.name, 150), emoji=False)),
        SectionBlock(fields=[
            _field("Customer", f"{escape(customer.customer_id)} · owner {owner}"),
            _field("Credit limit", position.limit.format()),
            _field("Exposure", f"{position.exposure.format()}\ninvoices "
                               f"{position.open_invoices.format()} + orders "
                               f"{position.open_orders.format()}"),
            _field("Available credit", available),
            _field("Overdue", overdue),
            _field("Payment terms", f"{customer.payment_terms_days} days"),
        ]),
        SectionBlock(text=MarkdownTextObject(text=f"*Aging*  {aging}")),
        ContextBlock(elements=[MarkdownTextObject(text="  ·  ".join(context))]),
    ]
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    if shareable:
        blocks.append(ActionsBlock(block_id="check_actions", elements=[
            ButtonElement(text="Share in channel", action_id=SHARE,
                          value=customer.customer_id)]))
    text = (f"{customer.name}: available {position.available.format()} of "
            f"{position.limit.format()}, overdue {position.aging.overdue.format()}")
    return text, to_dicts(blocks)


def which_customer(error: CustomerLookupError) -> tuple[str, list[dict[str, Any]]]:
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=escape(
        f"“{error.query}” matches several customers. Which one?"
        if isinstance(error, AmbiguousCustomer) else f"No customer matches “{error.query}”."
        + (" Did you mean one of these?" if error.candidates else
           " Try part of the name or the customer id, e.g. `/credit check C0001`."))))]
    if error.candidates:
        blocks.append(ActionsBlock(block_id="check_candidates", elements=[
            ButtonElement(text=clip(ref.label(), 75), action_id=f"{PICK}:{i}",
                          value=ref.customer_id)
            for i, ref in enumerate(error.candidates[:25])]))
    return escape(str(error)), to_dicts(blocks)
