"""Delivery: the sender that turns the outbox into Slack messages (``sender.py``).

The Web API methods it calls need these bot scopes besides ``chat:write``: ``im:write``
to open a direct message, the ``*:history`` scopes to look for a message whose post
went unanswered before posting it again (without them it posts again), and
``files:write`` to upload and share the files a message carries (the weekly report's
charts).
"""

from handlers.delivery.sender import (
    DeliveryReport,
    Sender,
    SystemClock,
    delivery_client,
    run_sender,
)
from handlers.registry import Feature

SCOPES = ("chat:write", "im:write", "channels:history", "groups:history", "im:history",
          # files.getUploadURLExternal / completeUploadExternal: charts (weekly report)
          "files:write")

# Declares the scopes only: the sender runs as a loop beside the scheduler, not as a
# cron job or a listener. Listed in handlers.features.FEATURES, the manifest asks for them.
FEATURE = Feature(name="delivery", scopes=SCOPES)

__all__ = ["FEATURE", "SCOPES", "DeliveryReport", "Sender", "SystemClock", "delivery_client",
           "run_sender"]
