"""A customer's credit position as a message: shared by the slash command and buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.errors import CustomerLookupError
from domain.positions import customer_position
from handlers.blocks.check_card import check_card, which_customer
from handlers.deps import Deps


def position_message(context: BoltContext, query: str) -> tuple[str, list[dict[str, Any]]]:
    """The check card, or the "which customer?" message when the query is not clear."""
    deps: Deps = context["deps"]
    deps.access.require(context["member"])
    with deps.unit_of_work() as uow:
        try:
            customer, position = customer_position(uow, query, deps.today(), deps.policy)
        except CustomerLookupError as unclear:
            return which_customer(unclear)
    return check_card(customer, position, timezone=deps.timezone)
