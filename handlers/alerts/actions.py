"""A digest's buttons: parse, call one use case, answer.

Acknowledge and Snooze answer nothing on success: the use case queues the edit of the
digest (every page, in every channel that shows the line) through the outbox, and
that edit is the answer everyone sees. A refusal (no access, the alert closed since)
reaches the clicker alone, through ``handlers.errors.guarded``.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from handlers.alerts.payloads import AlertValue, SnoozeValue
from handlers.check.blocks import card
from handlers.check.payloads import SubjectValue
from handlers.deps import Deps


def on_acknowledge(body: dict[str, Any], context: BoltContext) -> None:
    pressed: AlertValue = context["payload"]
    deps: Deps = context["deps"]
    deps.alerts.acknowledge(context["member"], pressed.digest, pressed.condition)


def on_snooze(body: dict[str, Any], context: BoltContext) -> None:
    pressed: SnoozeValue = context["payload"]
    deps: Deps = context["deps"]
    deps.alerts.snooze(context["member"], pressed.digest, pressed.condition, pressed.days)


def on_credit_check(body: dict[str, Any], context: BoltContext) -> None:
    """The customer's card, to the clicker alone: the digest stays as it is."""
    pressed: SubjectValue = context["payload"]
    deps: Deps = context["deps"]
    member = context["member"]
    found = deps.checks.check_ref(member, pressed.ref())
    context["reply"](*card(found, context["tr"], timezone=deps.timezone,
                           shareable=deps.access.may_share(member, context.channel_id),
                           assignable=deps.assignments.may_assign(member)))
