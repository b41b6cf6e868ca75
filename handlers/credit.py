"""``/credit SUBCOMMAND ...``: find the subcommand (or its alias) in the catalogue,
answer within the acknowledgement."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from logging import Logger
from typing import Any

from slack_bolt import Ack, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from domain.errors import RecordsUnavailable
from domain.orders.typed import names_nothing
from domain.text import BLANK_LOOKING, as_typed, simplified
from handlers.answer import answer
from handlers.deps import Deps
from handlers.errors import guarded
from handlers.help.blocks import typed_word, unknown_word
from handlers.i18n import Translator
from handlers.middleware import attach_to
from handlers.registry import COMMAND, Catalogue
from handlers.render import Message, message, section, user_text, without_controls


def on_credit(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    name, rest = split_command(str(command.get("text") or ""))
    # A subcommand that opens a modal needs it (handlers.modals.open_modal).
    context["trigger_id"] = command.get("trigger_id")
    catalogue: Catalogue = context["catalogue"]
    key = command_key(command) if catalogue.records(name) else None
    answer(ack, context, lambda: _once(context, key, lambda: dispatch(context, name, rest),
                                       catalogue.shows(name)))


def command_key(command: dict[str, Any]) -> str:
    """What makes a command the same as a replay of it: Slack's trigger_id, one per
    person's act, else the whole command (its response_url is one per command too)."""
    trigger = command.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        key = f"trigger:{trigger}"
        return key if len(key) <= 200 else f"key:{hashlib.sha256(key.encode()).hexdigest()}"
    whole = json.dumps(command, sort_keys=True, default=str).encode()
    return f"command:{hashlib.sha256(whole).hexdigest()}"


def _once(context: BoltContext, key: str | None, run: Callable[[], Message],
          shows: bool = False) -> Message:
    """``run``, unless ``key`` was seen before: a replayed command that records answers
    nothing and records nothing. Claimed inside the answer's budget, so that a database
    slow to say answers as any slow command does (through the response_url), and a claim
    that fails runs nothing (the records-not-answering reply) rather than risk running
    twice; told as a read for a command that ``shows`` a list or a report."""
    try:
        if key is not None and not context["deps"].first_time(key):
            return "", None
    except RecordsUnavailable as unavailable:
        if shows:
            # The driver's reason kept: the log says why (handlers.errors).
            raise RecordsUnavailable(reading=True) from unavailable.__cause__
        raise
    return run()


# A link or channel Slack made of escaped text: <target|label> or <target>. Slack
# escapes typed "<" and ">" as entities, so these brackets are Slack's own.
_LINK = re.compile(r"<(?P<target>(?:https?://|mailto:|#)[^|>]*)(?:\|(?P<label>[^>]*))?>")


# A word that shows nothing (a Hangul filler, a blank Braille pattern) is no word.
_BLANK_WORD = re.compile(rf"(?<!\S)[{BLANK_LOOKING}]+(?!\S)")


def split_command(text: str) -> tuple[str, str]:
    """(subcommand, the rest) from what Slack sent. Slack escapes ``&``, ``<`` and ``>``
    in command text as HTML entities; they are turned back here, once, and escaped
    again wherever they are shown. Any whitespace separates the subcommand (a Chinese
    input method types a full-width space, or ``：`` after the word), and a full-width
    subcommand (``ｃｈｅｃｋ``) reads as its ASCII form."""
    # The manifest asks Slack to escape the text (a picked @person arrives as
    # <@U123|name>), which also turns what looks like a link or a channel into
    # <http://acme.com|acme.com> or <#C123|sales>: read back as typed. People stay ids.
    text = _LINK.sub(lambda found: found["label"] or found["target"], text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    # Invisible characters go (a zero-width space glued to "until" or "EUR" made a
    # temporary limit a permanent one, a euro order a dollar one), and a word that shows
    # nothing is no word (as a request's reason it passed "a reason is needed").
    text = _BLANK_WORD.sub("", as_typed(without_controls(text)))
    parts = text.split(None, 1)
    if not parts:
        return "", ""
    name = unicodedata.normalize("NFKC", parts[0])
    rest = parts[1].strip() if len(parts) > 1 else ""
    if ":" in name and not name.startswith(":"):  # "查询：华夏物流" → 查询, 华夏物流
        name, _, glued = name.partition(":")
        rest = f"{glued} {rest}".strip()
    return name, rest


def dispatch(context: BoltContext, name: str, rest: str) -> Message:
    catalogue: Catalogue = context["catalogue"]
    tr: Translator = context["tr"]
    subcommand = catalogue.subcommand(name or "help")
    if subcommand is None and catalogue.subcommand(simplified(name)) is not None:
        # Traditional characters (`/credit 申請` from Taipei): the Simplified word, which
        # the answers name; a word that is none stays as typed in the refusal.
        name = simplified(name)
        subcommand = catalogue.subcommand(name)
    if subcommand is None:
        return unknown_word(catalogue, tr, name)
    # Quotes around nothing (`/credit check ""`) name nothing either.
    if subcommand.needs_argument and names_nothing(rest):
        # This subcommand's usage alone: the whole help would bury the one line that
        # matters under thirty others.
        # As typed: who wrote `/credit 分配` is shown `/credit 分配 acme @maria`.
        typed = typed_word(name.lower())
        command = f"`{COMMAND} {typed}`"
        problem = tr._("{command} needs {what}: {example}", command=command,
                       what=tr._(subcommand.needs_argument),
                       example=f"`{COMMAND} {typed} {subcommand.example}`")
        hint = tr._("Try {command}.",
                    command=f"`{COMMAND} {catalogue.written_like('help', name)}`")
        usage = f":warning: {problem}\n{command} — {tr._(subcommand.summary)}\n{hint}"
        return message(tr._("{problem} {hint}", problem=problem, hint=hint),
                       [section(usage)])
    context["typed_word"] = name  # a usage answer names the command as it was typed
    if subcommand.takes_nothing and rest.strip():
        text = tr._("`{command}` takes nothing after it; “{typed}” is not needed.",
                    typed=user_text(rest.strip(), 100),
                    command=catalogue.as_typed(context, subcommand.name))
        return message(text, [section(text)])
    return subcommand.run(context, rest)


class CreditCommand:
    """``/credit`` answered without Bolt's middleware chain and listener machinery
    (bot.slack_app's app calls it from ``dispatch``): for a check answered from what the
    bot remembers, Bolt's routing (each middleware, listener matching, an argument
    injection per call) cost more CPU than the check. The context is completed as Bolt
    completes it (what ``App._init_context`` and the authorisation middleware add: a
    logger, the token and a Web API client for this request), then ``attach_to`` as
    the middleware does; the listener is the one registered (``on_credit``, guarded)
    and its ack is the answer. Every other request goes through Bolt."""

    def __init__(self, client: WebClient, authorize: Callable[..., AuthorizeResult],
                 deps: Deps, catalogue: Catalogue, logger: Logger) -> None:
        self._client = client
        self._authorize = authorize
        self._deps = deps
        self._catalogue = catalogue
        self._logger = logger
        self._run = guarded(on_credit)

    def __call__(self, request: BoltRequest) -> BoltResponse:
        context = request.context  # with the ids Bolt read from the payload
        context["logger"] = self._logger
        result = self._authorize(enterprise_id=context.enterprise_id,
                                 team_id=context.team_id, user_id=context.user_id)
        context.set_authorize_result(result)
        token = result.bot_token or result.user_token
        context["token"] = token
        shared = self._client
        context["client"] = WebClient(
            token=token, base_url=shared.base_url, timeout=shared.timeout, ssl=shared.ssl,
            proxy=shared.proxy, headers=shared.headers, team_id=context.team_id,
            logger=shared.logger, retry_handlers=(None if shared.retry_handlers is None
                                                  else shared.retry_handlers.copy()))
        attach_to(context, request.body, self._deps, self._catalogue)
        ack = context.ack
        self._run(ack=ack, command=request.body, context=context)
        return ack.response or BoltResponse(status=200, body="")

    @staticmethod
    def wanted(request: BoltRequest) -> bool:
        """A slash command Bolt would hand to ``on_credit`` (its command listener)."""
        body = request.body
        return (isinstance(body, dict) and body.get("command") == COMMAND
                and not body.get("ssl_check") and not request.lazy_only)
