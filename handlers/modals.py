"""Modals: opening one from a slash command or a button, building its input blocks,
and reading what was submitted.

A feature declares each modal as a ``handlers.registry.View`` (callback_id, metadata
model, ``submit``). Opening one needs the ``trigger_id`` of the person's act (valid for
3 s): a button's ``body["trigger_id"]``; for a subcommand, ``context["trigger_id"]``
(handlers.credit puts the slash command's there). Every input block has one element
whose action_id is ``VALUE``, so ``submitted(view)[block_id]`` is what the person
entered there (a text, the selected option's value, a date ``YYYY-MM-DD``, a user
id), or None when they left it empty.
"""

from __future__ import annotations

import http.client
import logging
import math
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from domain.errors import DomainError
from domain.text import as_typed, looks_blank
from handlers.i18n import N_
from handlers.payloads import ActionValue
from handlers.render import Block, clip, plain, without_controls
from handlers.replies import passes, retry_pause

# Block Kit's limits for views (api.slack.com/reference/surfaces/views).
TITLE_TEXT = 24
BUTTON_LABEL = 24
PRIVATE_METADATA = 3000
LABEL_TEXT = 2000
HINT_TEXT = 2000
OPTION_TEXT = 75
PLACEHOLDER_TEXT = 150
# The one action_id of every input element creditbot builds.
VALUE = "value"
# A trigger lives 3 s from the person's act; it reached us some time after that, so the
# tries to open a form stop short of it.
OPEN_WITHIN_SECONDS = 2.5
FORM_BACKOFF_SECONDS = 0.2

log = logging.getLogger("creditbot.modals")


def _text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": plain(text, limit), "emoji": True}


def modal(callback_id: str, metadata: ActionValue, *, title: str, submit: str, close: str,
          blocks: Sequence[Block]) -> dict[str, Any]:
    encoded = metadata.encode()
    if len(encoded) > PRIVATE_METADATA:
        raise ValueError(f"private_metadata of {callback_id} is {len(encoded)} characters")
    return {"type": "modal", "callback_id": callback_id, "private_metadata": encoded,
            "title": _text(title, TITLE_TEXT), "submit": _text(submit, BUTTON_LABEL),
            "close": _text(close, BUTTON_LABEL), "blocks": list(blocks)}


class FormNotOpened(DomainError):
    """Slack did not open the form within the trigger's life: the person acts again."""

    def __init__(self) -> None:
        super().__init__(N_("Slack did not open the form in time: a form must open within 3 "
                            "seconds of your press or command, and Slack was slow to answer. "
                            "Please try again."))


class FormMaybeOpened(DomainError):
    """Slack answered too late to say whether the form opened: both may be true, so the
    person is told what to do if it did not (never "it failed" beside an open form)."""

    def __init__(self) -> None:
        super().__init__(N_("Slack was slow to answer while opening the form, so it may not "
                            "have opened. If no form opened, please press the button or type "
                            "the command again."))


def open_modal(context: BoltContext, trigger_id: str, view: Mapping[str, Any]) -> None:
    """Opens ``view`` for whoever acted, within the trigger's 3 s. A try Slack refused
    for its own trouble (429, 5xx, a passing error, the connection refused or closed) is
    tried again while the trigger lives, and a try after one whose answer was lost may
    find the trigger used: the form opened then (``exchanged_trigger_id``). A try that
    timed out may have opened it too: it is not tried again, and the person is told what
    to do if no form opened (``FormMaybeOpened``: true beside an open form, where "it
    failed" would not be; silence would leave them waiting). Past the trigger's life, or
    when Slack says it expired, the person is asked to try again (``FormNotOpened``)."""
    shared = context.client
    deadline = time.monotonic() + OPEN_WITHIN_SECONDS
    tries = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise FormNotOpened()
        client = WebClient(token=shared.token, base_url=shared.base_url,
                           timeout=max(1, math.ceil(left)), retry_handlers=[],
                           logger=shared.logger)
        tries += 1
        try:
            client.views_open(trigger_id=trigger_id, view=dict(view))
            return
        except SlackApiError as refused:
            error = str(refused.response.get("error") or "")
            if error == "exchanged_trigger_id" and tries > 1:
                log.info("views.open: the trigger was used by an earlier try, whose answer "
                         "was lost: the form is open")
                return
            if error == "expired_trigger_id":
                raise FormNotOpened() from None
            if not passes(refused):
                raise
            status = refused.response.status_code
            headers = refused.response.headers
            pause = (retry_pause(headers.get("Retry-After") or headers.get("retry-after"))
                     if status == 429 else FORM_BACKOFF_SECONDS)
            reason = f"HTTP {status} {error}"
        except (TimeoutError, URLError, OSError, http.client.HTTPException) as problem:
            cause = problem.reason if isinstance(problem, URLError) else problem
            if isinstance(cause, TimeoutError):
                log.warning("views.open: no answer in time (%r); the form may have opened, "
                            "so it is not tried again", cause)
                raise FormMaybeOpened() from None
            pause, reason = FORM_BACKOFF_SECONDS, repr(cause)
        if time.monotonic() + pause >= deadline:
            log.warning("views.open refused (%s) with no time left in the trigger's life",
                        reason)
            raise FormNotOpened()
        log.info("views.open refused try %d (%s); trying again in %.1f s", tries, reason,
                 pause)
        time.sleep(pause)


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool,
           hint: str | None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": _text(label, LABEL_TEXT),
                    "optional": optional, "element": {**element, "action_id": VALUE}}
    if hint:
        block["hint"] = _text(hint, HINT_TEXT)
    return block


def text_input(block_id: str, label: str, *, initial: str | None = None,
               multiline: bool = False, optional: bool = False, hint: str | None = None,
               placeholder: str | None = None, max_length: int = 3000) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline,
                               "max_length": max_length}
    if initial:
        element["initial_value"] = clip(initial, max_length)
    if placeholder:
        element["placeholder"] = _text(placeholder, PLACEHOLDER_TEXT)
    return _input(block_id, label, element, optional=optional, hint=hint)


def option(value: str, label: str) -> dict[str, Any]:
    return {"text": _text(label, OPTION_TEXT), "value": value}


def select(block_id: str, label: str, options: Sequence[dict[str, Any]], *,
           initial: str | None = None, optional: bool = False,
           hint: str | None = None) -> Block:
    element: dict[str, Any] = {"type": "static_select", "options": list(options)}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return _input(block_id, label, element, optional=optional, hint=hint)


def date_input(block_id: str, label: str, *, optional: bool = False,
               hint: str | None = None) -> Block:
    return _input(block_id, label, {"type": "datepicker"}, optional=optional, hint=hint)


def time_input(block_id: str, label: str, *, optional: bool = False,
               hint: str | None = None, initial: str | None = None) -> Block:
    """Slack's time picker (HH:MM), as a phone shows it: typed, 15点30分 did not fit a
    five-character box, and 下午3点 was no time."""
    element: dict[str, Any] = {"type": "timepicker"}
    if initial:
        element["initial_time"] = initial
    return _input(block_id, label, element, optional=optional, hint=hint)


def user_input(block_id: str, label: str, *, optional: bool = False,
               hint: str | None = None) -> Block:
    return _input(block_id, label, {"type": "users_select"}, optional=optional, hint=hint)


def submitted(view: Mapping[str, Any]) -> dict[str, str | None]:
    """block_id → what the person entered (stripped; None if empty or absent)."""
    found: dict[str, str | None] = {}
    values = (view.get("state") or {}).get("values") or {}
    if not isinstance(values, dict):
        return found
    for block_id, elements in values.items():
        state = elements.get(VALUE) if isinstance(elements, dict) else None
        found[str(block_id)] = _value_of(state) if isinstance(state, dict) else None
    return found


def _value_of(state: Mapping[str, Any]) -> str | None:
    raw: Any
    if "selected_option" in state:
        chosen = state.get("selected_option")
        raw = chosen.get("value") if isinstance(chosen, dict) else None
    elif "selected_date" in state:
        raw = state.get("selected_date")
    elif "selected_time" in state:
        raw = state.get("selected_time")
    elif "selected_user" in state:
        raw = state.get("selected_user")
    else:
        raw = state.get("value")
    if not isinstance(raw, str):
        return None
    # Invisible characters go, as in a command (domain.text.as_typed); what shows nothing
    # (zero-width spaces, a Hangul filler) is nothing written: a title or a reason of them
    # passed every "required" check and showed blank.
    cleaned = as_typed(without_controls(raw)).strip()
    return None if looks_blank(cleaned) else cleaned
