"""``/credit check <customer | group>`` and the candidate buttons: parse, call the use
case, render."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext

from domain.errors import CustomerLookupError
from handlers.check.blocks import card, which_customer
from handlers.check.payloads import SubjectValue
from handlers.deps import Deps
from handlers.render import Message


def check(context: BoltContext, query: str) -> Message:
    """The card, or the "which customer?" question when the query is not clear."""
    deps: Deps = context["deps"]
    try:
        found = deps.checks.check(context["member"], query)
    except CustomerLookupError as unclear:
        return which_customer(unclear, context["tr"])
    return card(found, context["tr"], timezone=deps.timezone,
                shareable=_may_share_here(context))


def on_pick(body: dict[str, Any], context: BoltContext) -> None:
    """A candidate button: the card of the customer picked, in place of the question."""
    picked: SubjectValue = context["payload"]
    deps: Deps = context["deps"]
    found = deps.checks.check_ref(context["member"], picked.ref())
    context["reply"](*card(found, context["tr"], timezone=deps.timezone,
                          shareable=_may_share_here(context)), replace_original=True)


def _may_share_here(context: BoltContext) -> bool:
    """Offer *Share in channel* only where it would work (the use case still checks)."""
    deps: Deps = context["deps"]
    return deps.access.may_share(context["member"], context.channel_id)
