"""Puts the services, the catalogue, the person, their language and a reply function
into every listener's context."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from handlers.deps import Deps
from handlers.registry import Catalogue
from handlers.replies import Replier

# Payloads a person sends by acting: answered in that person's language.
_PERSON_ACTS = frozenset({"block_actions", "view_submission", "view_closed", "shortcut",
                          "message_action"})


def register(app: App, deps: Deps, catalogue: Catalogue) -> None:
    @app.use
    def attach(context: BoltContext, body: dict[str, Any], next: Callable[[], None]) -> None:
        attach_to(context, body, deps, catalogue)
        next()


def attach_to(context: BoltContext, body: dict[str, Any], deps: Deps,
              catalogue: Catalogue) -> None:
    """What every listener finds in its context (also for ``/credit``, which
    handlers.credit.CreditCommand answers without Bolt's middleware)."""
    context["deps"] = deps
    context["catalogue"] = catalogue
    context["request_id"] = uuid.uuid4().hex[:12]
    context["member"] = deps.member(context.user_id or "")
    # The language of whoever acted: a click is answered in the clicker's language.
    # An event is nobody's request (and Slack sends many): it costs no lookup.
    if body.get("command") or body.get("type") in _PERSON_ACTS:
        context["tr"] = deps.languages.for_person(context.user_id, context.client)
    else:
        context["tr"] = deps.languages.for_channel(context.channel_id)
    url = body.get("response_url") or context.response_url
    context["reply"] = Replier(
        deps.response_url(url) if url else None, context.client,
        context.channel_id, context.user_id, context["request_id"], context["tr"])
