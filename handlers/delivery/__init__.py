"""Delivery: the sender that turns the outbox into Slack messages (``sender.py``).

The Web API methods it calls need these bot scopes besides ``chat:write``: ``im:write``
to open a direct message, and the ``*:history`` scopes to look for a message whose post
went unanswered before posting it again (without them it posts again).
"""

from handlers.delivery.sender import (
    DeliveryReport,
    Sender,
    SystemClock,
    delivery_client,
    run_sender,
)

SCOPES = ("chat:write", "im:write", "channels:history", "groups:history", "im:history")

__all__ = ["SCOPES", "DeliveryReport", "Sender", "SystemClock", "delivery_client",
           "run_sender"]
