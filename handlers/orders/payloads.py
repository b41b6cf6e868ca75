"""Action ids and button values of order review."""

from __future__ import annotations

from pydantic import Field

from handlers.payloads import ActionValue

REQUEST_RELEASE = "orders_request_release"
WITHDRAW = "orders_withdraw"


class ReleaseValue(ActionValue):
    """An order, by id (held, for its release; placed, to withdraw it): the order and
    its customer are re-read when pressed."""

    order: str = Field(min_length=1, max_length=64)
    customer: str = Field(min_length=1, max_length=64)
