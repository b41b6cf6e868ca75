"""Showing a customer's credit position: shared by the slash command and the buttons."""

from __future__ import annotations

from slack_bolt import BoltContext

from domain.errors import CustomerLookupError
from domain.positions import customer_position
from handlers.blocks.check_card import check_card, which_customer
from handlers.deps import Deps


def show_position(context: BoltContext, query: str, *, replace_original: bool = False) -> None:
    deps: Deps = context["deps"]
    deps.access.require(context["member"])
    with deps.unit_of_work() as uow:
        try:
            customer, position = customer_position(uow, query, deps.today(), deps.policy)
        except CustomerLookupError as unclear:
            text, blocks = which_customer(unclear)
            context["reply"](text, blocks, replace_original=replace_original)
            return
    text, blocks = check_card(customer, position, timezone=deps.timezone)
    context["reply"](text, blocks, replace_original=replace_original)
