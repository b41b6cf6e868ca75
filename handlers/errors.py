"""The one place where failures become replies: a domain error is shown as it is
(it was written for people); anything else is an apology with a reference to the log.

Listeners are wrapped with ``guarded`` at registration rather than relying on Bolt's
``@app.error`` alone: the work of buttons and events runs lazily, after the response,
where only the listener itself can still tell the person what went wrong.
"""

from __future__ import annotations

import functools
import http.client
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from domain.access import AccessDenied, ShareRefused
from domain.amounts import AmountError
from domain.errors import DomainError, MissingRate, RecordsUnavailable, SeveralProblems
from domain.text import N_, CommandExample, CommandName, People, map_texts
from handlers.i18n import Translator, translator
from handlers.render import escape, quoted, strip_invisible
from handlers.replies import APOLOGY

log = logging.getLogger("creditbot.errors")
_CODE_SPAN = re.compile(r"`[^`]*`")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A value's name where it stands in a code span too (``explain``).
_IN_CODE = "__in_code"
# In a form's plain text: a person's mention and creditbot's command in a code span.
_MENTION = re.compile(r"<@\{(\w+)\}>")
# A code span in the words (a command, an id to copy): Slack shows a field's error as
# plain text, where the backticks would show.
_COMMAND_SPAN = re.compile(r"`([^`]*)`")
# The database failing people's requests is said at WARNING with its cause this often at
# most (the other failures at INFO): a web host run without the scheduler logged an
# outage only as "RecordsUnavailable" at INFO, which no alert on warnings sees.
# Each cause on its own: a statement timeout said a moment before the server went down
# folded "Connection refused" into INFO.
OUTAGE_REPEAT_SECONDS = 60.0
_outages: dict[str, tuple[float, int]] = {}  # cause → (said at, failures since)
_outage_lock = threading.Lock()
_NUMBERS = re.compile(r"\d+")


def access_refusal(error: AccessDenied, tr: Translator) -> str:
    """The one wording of "you may not see credit data", naming whom to ask."""
    return explain(error, tr)


def retyped(refused: DomainError, command: str) -> DomainError:
    """``refused`` naming the command as the person typed it (``/credit 订单 …``): its
    ``command`` parameter, or an example that starts with one (``/credit order acme
    120k EUR …``); each of several problems alike."""
    if isinstance(refused, SeveralProblems):
        for problem in refused.problems:
            retyped(problem, command)
    if "command" in refused.params:
        refused.params["command"] = command
    for key in ("example", "as_reference"):
        example = refused.params.get(key)
        if isinstance(example, CommandExample):
            refused.params[key] = CommandExample(_as_typed(example.command, command),
                                                 example.after)
        elif type(example) is str:
            refused.params[key] = _as_typed(example, command)
    return refused


def _as_typed(line: str, command: str) -> str:
    """``line`` (``/credit order acme 120k``) with its command as ``command`` was typed."""
    program = command.split(" ", 1)[0]  # /credit
    if not line.startswith(f"{program} "):
        return line
    name_end = line.find(" ", len(program) + 1)
    return command if name_end < 0 else command + line[name_end:]


def explained(error: DomainError, context: BoltContext) -> str:
    """``explain`` for a listener: the commands ``error`` names written as the person
    wrote theirs."""
    catalogue = context.get("catalogue")
    if catalogue is not None:
        commands_as_typed(error, lambda name: catalogue.as_typed(context, name))
    return explain(error, context.get("tr") or translator(None))


def commands_as_typed(error: DomainError, as_typed: Callable[[str], str]) -> None:
    """The commands ``error`` names (``CommandName``: `/credit requests`) written as the
    person wrote theirs: ``/credit 我的申请`` after ``/credit 订单``."""
    for problem in error.problems if isinstance(error, SeveralProblems) else (error,):
        for key, value in problem.params.items():
            if isinstance(value, CommandName):
                problem.params[key] = as_typed(value.name)


def field_error(error: DomainError, tr: Translator) -> str:
    """A domain error as a form shows it beside a field: Slack writes those as plain
    text, so its values stay as they are (``&amp;`` or a look-alike would show as such),
    a person is @their id rather than ``<@U…>``, and a command loses its code span."""
    if isinstance(error, AmountError):
        error = error.in_a_field()
    return explain(error, tr, plain=True)


def explain(error: DomainError, tr: Translator, *, plain: bool = False) -> str:
    """A domain error in the reader's language, for mrkdwn. The values in it (a
    customer's name, what the person typed) are escaped and format nothing; people and
    channels become Slack mentions. ``plain``: see ``field_error``."""
    if isinstance(error, MissingRate):
        # The remedy (`creditbot import rates`) is an admin's: the log keeps it, and the
        # person in Slack, often a sales rep, is told whom to ask.
        log.warning("%s", error)
        return tr._(N_("No exchange rate for {currency} (to {base}) on or before {day}: "
                       "ask the credit team to import the exchange rates."),
                    currency=error.currency, base=error.base, day=error.as_of)
    if isinstance(error, SeveralProblems):
        return tr.sentences(*(explain(problem, tr, plain=plain) for problem in error.problems))
    if isinstance(error, ShareRefused):
        where = tr.listing(f"<#{c}>" for c in error.allowed)
        return ":lock: " + tr._(error.template, channels=where or tr._("no channel yet"))
    # A value the translator shows by a name of its own (a role, an example phrase) is
    # creditbot's text, translated there; the rest came from people or the ERP.
    # Inside a code span (a command to copy) a value keeps its characters, so that the
    # copy works; elsewhere its formatting characters format nothing. A value in both
    # (a customer's name in the sentence and in its example) is written each way: given
    # the code span's way throughout, the name formatted itself in the sentence.
    words = tr._(error.template)
    spans = _CODE_SPAN.findall(words)
    in_code = {name for span in spans for name in _PLACEHOLDER.findall(span)}
    in_prose = set(_PLACEHOLDER.findall(_CODE_SPAN.sub("", words)))
    both = in_code & in_prose if not plain else set()
    if both:
        words = _CODE_SPAN.sub(lambda span: _PLACEHOLDER.sub(
            lambda found: "{" + found[1] + _IN_CODE + "}" if found[1] in both
            else found[0], span[0]), words)

    def value(name: str, v: str) -> str:
        # Nothing invisible either: two names told apart by a zero-width space are listed
        # as they show, their ids telling them apart.
        if plain:
            return v
        if (name in in_code and name not in both) or name.endswith(_IN_CODE):
            return escape(strip_invisible(v).replace("`", "'"))
        return quoted(v)

    params = {**error.params, **{name + _IN_CODE: error.params[name] for name in both
                                 if name in error.params}}
    values = map_texts(params, value)
    if plain:
        values = {k: v.shown_by(tr, plain=True) if isinstance(v, People) else v
                  for k, v in values.items()}
        # The words only, never a value the person typed: that is quoted as it was.
        words = _COMMAND_SPAN.sub(r"\1", _MENTION.sub(r"@{\1}", words))
    text = tr.fill(words, values) if values else words
    return ":lock: " + text if error.locked else text


def refused(error: DomainError, tr: Translator) -> str:
    """A refusal as a reply: ⛔ and its words, or the lock alone when it is about credit
    data being confidential (":no_entry: :lock:" said the same twice)."""
    text = explain(error, tr)
    return text if text.startswith(":lock: ") else ":no_entry: " + text


def message_for(error: Exception, context: BoltContext) -> str:
    """What to tell the person about ``error``; unexpected errors are logged here."""
    request_id = context.get("request_id", "-")
    tr: Translator = context.get("tr") or translator(None)
    if isinstance(error, RecordsUnavailable):
        _outage_seen(request_id, error)
        return explained(error, context)
    if isinstance(error, DomainError):
        if not isinstance(error, MissingRate):  # logged at WARNING as it is explained
            log.info("[%s] %s: %s", request_id, type(error).__name__, error)
        return explained(error, context)
    if isinstance(error, SlackApiError):
        # Slack refused a call even after the retries: say so, not "our side".
        log.warning("[%s] Slack refused %s: %s", request_id,
                    error.response.api_url if error.response else "a call",
                    error.response.get("error") if error.response else error)
        return tr._(APOLOGY, request_id=request_id)
    if isinstance(error, (URLError, ConnectionError, TimeoutError, http.client.HTTPException)):
        # A Slack call's connection failed (closed, timed out): as much Slack's trouble
        # as a refusal is, and no bug of ours to look for.
        log.warning("[%s] could not reach Slack: %r", request_id, error)
        return tr._(APOLOGY, request_id=request_id)
    log.error("[%s] unhandled error in a listener", request_id, exc_info=error)
    return tr._("Sorry — something went wrong on our side. It is logged with reference "
                "`{request_id}`; please tell your creditbot admin.", request_id=request_id)


def _outage_seen(request_id: str, error: RecordsUnavailable) -> None:
    cause = error.__cause__
    reason = next(iter(str(cause).splitlines()), "") if cause is not None else ""
    reason = f"{type(cause).__name__}: {reason}" if cause is not None else "no cause given"
    # What its last words say, without their numbers (ports, pids, seconds): psycopg's
    # every connection failure starts alike ("connection failed: connection to server
    # at …, port … failed: Connection refused"), and ends with what went wrong.
    kind = f"{type(cause).__name__}: {_NUMBERS.sub('', reason.rsplit(': ', 1)[-1])[:80]}"
    now = time.monotonic()
    with _outage_lock:
        said_at, others = _outages.get(kind, (float("-inf"), 0))
        said = now - said_at >= OUTAGE_REPEAT_SECONDS
        if len(_outages) > 100:  # causes seldom differ; a flood of odd ones stays small
            _outages.clear()
        _outages[kind] = (now, 0) if said else (said_at, others + 1)
    if said:
        log.warning("[%s] the database failed a request (%s)%s", request_id, reason,
                    f"; {others} more since the last such line" if others else "")
    else:
        log.info("[%s] RecordsUnavailable: %s", request_id, reason)


def report(error: Exception, context: BoltContext) -> None:
    text = message_for(error, context)
    reply = context.get("reply")
    if reply:
        reply(text)


def ack_only(ack: Ack) -> None:
    """The acknowledgement of a listener whose work runs lazily, after the response."""
    ack()


def guarded(listener: Callable[..., None]) -> Callable[..., None]:
    """Bolt injects arguments by the names in the listener's signature; ``wraps`` keeps
    them visible (inspect follows ``__wrapped__``). Every listener must take ``context``."""

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        try:
            listener(**kwargs)
        except Exception as error:
            report(error, kwargs["context"])

    return run


def register(app: App) -> None:
    @app.error
    def on_error(error: Exception, context: BoltContext, body: dict[str, Any]) -> None:
        report(error, context)
