"""A form's submission, answered within Slack's 3 s.

Slack shows field errors and a form's outcome only when they come in the HTTP answer to
the submission, and drops an answer later than 3 s, showing the person its own "trouble
connecting" error, even when the decision was recorded. The form's ``submit`` may wait
for the records (2 s for SQLite's writers' turn during an import, PostgreSQL's statement
timeout), after the delivery was claimed (up to 1.5 s more): so it runs on the forms'
own threads, and what has not finished ``ACK_BUDGET_SECONDS`` after the request arrived
is answered by turning the form into a "still recording" note, which that thread makes
into what happened (recorded, refused, or not answering) once it is known and Slack has
the note (``views.update``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as Overran
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, BoltContext
from slack_sdk.errors import SlackApiError, SlackClientError

from domain.errors import TryAgain
from domain.text import N_
from handlers.answer import ACK_BUDGET_SECONDS
from handlers.errors import field_error, message_for
from handlers.render import clip, escape

if TYPE_CHECKING:
    from handlers.registry import Submitted, View

log = logging.getLogger("creditbot.forms")

# What a form shows beside a field, at most (Slack does not say; 2,000 reads whole).
FIELD_ERROR_CHARS = 2000
# The request's arrival (time.monotonic()), put in the Bolt context by bot.web: the
# budget counts the delivery's claim too.
ARRIVED = "arrived"
# Left for Slack's own answer to reach the person, at least: a form whose budget went
# on the claim still gets its note.
_SMALLEST_WAIT = 0.05
# When the note may be made into the outcome, after the request arrived: once Slack has
# the answer that put the note up, or has given up on it (3 s). An update that overtook
# that answer was itself overwritten by the note, which then said "in a moment" for good.
_OUTCOME_AFTER = 3.5
# The forms' own threads: queued behind the slash commands' work on the shared
# executor, a form waited for a thread and was told the records were slow.
_FORMS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="creditbot-form")

STILL_RECORDING = N_("⏳ Still recording this: the credit records are slow to answer just "
                     "now. This note will say how it went in a moment; you can close it, "
                     "and the outcome reaches you as it would have.")
RECORDED = N_("✅ Recorded. You can close this.")
# What a form would have shown beside its fields, said in the note: it can no longer
# show them there.
REFUSED_LATE = N_("{problems}\nClose this and open the form again.")
# To the person, when the note that would have said it was closed.
NOT_RECORDED = N_("Your form “{form}” was not recorded: {problems}")


class _Submission:
    """Whether the answer gave up waiting (``late``) or the form finished first: decided
    under one lock, so that exactly one of the two says the outcome."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.late = self.finished = False


Outcome = tuple["Submitted", Exception | None]


def submission_listener(view: View) -> Callable[..., None]:
    """Bolt's listener for ``view``'s submissions: ``submit`` answers in the ack."""

    def on_submit(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        # Without one from bot.web (Socket Mode), the listener's start: the note's
        # outcome must still wait for Slack to have the note.
        arrived = context.get(ARRIVED) or time.monotonic()
        submitted = body.get("view") or {}
        person = str((body.get("user") or {}).get("id") or "")
        state = _Submission()

        def run() -> Outcome:
            try:
                result: Outcome = (view.submit(submitted, context), None)
            except Exception as error:
                result = (None, error)
            with state.lock:
                state.finished, late = True, state.late
            if late:
                # Told from this thread, the form's own: handed to another executor, it
                # held a slash command's thread while it waited, and a server stopping
                # refused it. Work already running is finished before the process exits.
                _tell_late(result, submitted, context, arrived, person)
            return result

        running = _FORMS.submit(run)
        wait = max(ACK_BUDGET_SECONDS - (time.monotonic() - arrived), _SMALLEST_WAIT)
        try:
            outcome, error = running.result(timeout=wait)
        except Overran:
            with state.lock:
                state.late = not state.finished
            if state.late:
                ack(response_action="update",
                    view=_note(submitted, context["tr"]._(STILL_RECORDING), context))
                return
            outcome, error = running.result()  # done as the budget ran out
        if error is not None:
            _refused(ack, submitted, error, context)
        elif callable(outcome):
            ack()
            context["deps"].background.submit(_after_ack(outcome, context))
        elif outcome:
            # Each within what Slack shows beside a field; a refusal that quotes what was
            # typed (an amount of 60,000 digits) came back at its full length.
            ack(response_action="errors",
                errors={field: clip(str(said), FIELD_ERROR_CHARS)
                        for field, said in outcome.items()})
        else:
            ack()

    return on_submit


def _refused(ack: Ack, submitted: Mapping[str, Any], error: Exception,
             context: BoltContext) -> None:
    said = message_for(error, context)
    # What was typed stays when trying again is the remedy: replaced by a note, a form's
    # outcome or reason had to be typed again for a lock gone a second later.
    field = _first_input(submitted) if isinstance(error, TryAgain) else None
    if field is not None and isinstance(error, TryAgain):
        ack(response_action="errors",
            errors={field: clip(field_error(error, context["tr"]), FIELD_ERROR_CHARS)})
    else:
        ack(response_action="update", view=notice_view(submitted, said))


def _tell_late(result: Outcome, submitted: Mapping[str, Any], context: BoltContext,
               arrived: float, person: str) -> None:
    """The "still recording" note made into what happened; a refusal the note cannot
    show (the person closed it, as it invites) goes to them directly."""
    tr = context["tr"]
    after: Callable[[], None] | None = None
    refused: str | None = None  # what was wrong, when nothing was recorded
    outcome, error = result
    if error is not None:
        refused = message_for(error, context)
        # Trying again is the remedy, said as a refusal beside a field would have been.
        text = tr._(REFUSED_LATE, problems=refused) if isinstance(error, TryAgain) \
            else refused
    else:
        if callable(outcome):
            # Recorded: said first, then the form's own messages (Slack calls, slow).
            text, after = tr._(RECORDED), outcome
        elif outcome:
            # Plain text beside a field, mrkdwn in the note: what was typed escaped.
            refused = " ".join(escape(clip(str(said), FIELD_ERROR_CHARS))
                               for said in outcome.values())
            text = tr._(REFUSED_LATE, problems=refused)
        else:
            text = tr._(RECORDED)
    time.sleep(max(0.0, arrived + _OUTCOME_AFTER - time.monotonic()))
    if not _show(submitted, text, context) and refused is not None and person:
        _tell_directly(person, submitted, refused, context)
    if after is not None:
        _after_ack(after, context)()


def _note(submitted: Mapping[str, Any], text: str, context: BoltContext) -> dict[str, Any]:
    """The form as a note of ``text``, closed by "Close": the form's own "Cancel" under
    "Recorded" read as undoing it."""
    close = {"type": "plain_text", "text": context["tr"]._("Close")}
    return notice_view({**submitted, "close": close}, text)


def _show(submitted: Mapping[str, Any], text: str, context: BoltContext) -> bool:
    """Whether the note now says ``text``."""
    try:
        context["client"].views_update(view_id=str(submitted.get("id") or ""),
                                       view=_note(submitted, text, context))
        return True
    except (SlackApiError, SlackClientError, OSError) as problem:
        # Closed meanwhile (Slack answers not_found), or Slack away: what was recorded
        # still reaches the person by the form's own messages.
        log.warning("could not show the outcome of a slow form %s: %s",
                    submitted.get("callback_id"), _slack_said(problem))
        return False


def _tell_directly(person: str, submitted: Mapping[str, Any], text: str,
                   context: BoltContext) -> None:
    title = str((submitted.get("title") or {}).get("text") or "")
    said = context["tr"]._(NOT_RECORDED, form=title, problems=text)
    try:
        context["client"].chat_postMessage(channel=person, text=said)
    except (SlackApiError, SlackClientError, OSError) as problem:
        log.error("could not tell %s that their form %s was not recorded: %s", person,
                  submitted.get("callback_id"), _slack_said(problem))


def _slack_said(problem: Exception) -> str:
    """One line: Slack's error code when it gave one."""
    if isinstance(problem, SlackApiError) and problem.response is not None:
        return str(problem.response.get("error"))
    return " ".join(str(problem).split())[:200]


def _after_ack(work: Callable[[], None], context: BoltContext) -> Callable[[], None]:
    def run() -> None:
        try:
            work()
        except Exception as error:
            # The modal is gone: the log (message_for logs unexpected errors) is all
            # that is left to tell.
            message_for(error, context)

    return run


def _first_input(submitted: Mapping[str, Any]) -> str | None:
    """The block id of the form's first field, where a try-again message is shown."""
    for block in submitted.get("blocks") or []:
        if isinstance(block, dict) and block.get("type") == "input" \
                and isinstance(block.get("block_id"), str):
            return str(block["block_id"])
    return None


def notice_view(submitted: Mapping[str, Any], text: str) -> dict[str, Any]:
    """The modal turned into a note (its title kept): what went wrong, a Close button."""
    title = submitted.get("title") or {"type": "plain_text", "text": "creditbot"}
    close = submitted.get("close") or {"type": "plain_text", "text": "OK"}
    return {"type": "modal", "title": title, "close": close,
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]}
