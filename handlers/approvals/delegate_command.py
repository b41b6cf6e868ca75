"""``/credit delegate``: show my delegations; ``@someone until YYYY-MM-DD`` hands my
approvals to a stand-in (``from YYYY-MM-DD`` before ``until`` starts it later);
``end`` ends mine."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from slack_bolt import BoltContext

from domain.approvals.delegation import DelegationRefused
from domain.approvals.model import Delegation
from domain.days import UNTIL_WORDS, read_day
from domain.errors import DomainError
from domain.people import TYPED_USER_ID
from domain.text import N_, DatedPhrase, simplified
from handlers.approvals.request_render import role_name
from handlers.deps import Deps
from handlers.errors import retyped
from handlers.i18n import Translator
from handlers.render import Block, Message, context, message, section

# In the reader's language: "@mei 至 2026-12-31" for a Chinese reader.
USAGE = DatedPhrase(N_("@mei until {until}"))
# <@U123|name> (an autocomplete pick, escaped by Slack) or <@U123>, or a typed id with
# or without an @ (as the sandbox and the assign command take it).
_PERSON = re.compile(rf"^(?:<@(?P<mention>[UW][A-Z0-9]{{2,20}})(?:\|[^>]*)?>"
                     rf"|@?(?P<id>{TYPED_USER_ID}))$", re.IGNORECASE)
# "从 2026-12-20 至 2026-12-31" as a Chinese reader writes it, the day joined or not.
_FROM = "from|从|自"
_UNTIL = "|".join(sorted(UNTIL_WORDS, key=len, reverse=True))
# "until" may be left out before the last day: "@mei 2026-12-31" says as much.
_LINE = re.compile(rf"^(?P<who><@[^>]*>|\S+)\s+(?:(?:{_FROM})\s*(?P<start>\S+)\s+)?"
                   rf"(?:(?:{_UNTIL})\s*)?(?P<until>\S+)$", re.IGNORECASE)
_NO_FROM = re.compile(rf"^(?P<who><@[^>]*>|\S+)\s+(?P<start>\S+)\s+"
                      rf"(?P<until>(?:{_UNTIL})\s*\S+)$", re.IGNORECASE)
# The same with words after the last day.
_EXTRA = re.compile(_LINE.pattern.removesuffix("$") + r"\s+(?P<extra>.+)$", re.IGNORECASE)
_END = frozenset({"end", "stop", "结束"})
# What may follow "end" and mean the same: "end now".
_NOW = frozenset({"", "now", "today", "现在"})


class DelegateLineError(DomainError):
    pass


def delegate(context: BoltContext, rest: str) -> Message:
    deps: Deps = context["deps"]
    tr: Translator = context["tr"]
    member = context["member"]
    # NFKC: a Chinese input method types full-width digits and dashes (２０２６－１２－３１).
    # A delegation holds a person, days and creditbot's words (从, 至, 结束): read in
    # Simplified characters too when typed in Traditional (`委託 結束`, `從…至`).
    text = simplified(" ".join(unicodedata.normalize("NFKC", rest).split()))
    # Every example as the command was typed: `/credit 委托 … 结束` for who wrote 委托.
    command = context["catalogue"].as_typed(context, "delegate")
    end = "end" if command.isascii() else "结束"
    if not text:
        return shown(deps.requests.delegations(member), member.user_id, tr, command, end)
    first, _, then = text.lower().partition(" ")
    if first in _END and then not in _NOW:
        # "end 2026-12-31" read as a person called "end".
        return _say(tr._("`{command} {end}` ends your delegation now, and takes nothing "
                         "after it; to end it on a later day, hand it over again with that "
                         "day: `{command} {example}`.", command=command, end=end,
                         example=USAGE))
    if first in _END:
        ended = deps.requests.end_delegation(member)
        if not ended:
            return _say(tr._("You have no delegation in force, so there is nothing to end."))
        return _say(":white_check_mark: " + tr._(
            "Your delegation has ended: your credit requests come to you again."))
    delegate_id, starts, until = parse_delegation(text, command)
    try:
        made = deps.requests.delegate(member, delegate_id, until, starts)
    except DelegationRefused as refused:  # its example, as the command was typed
        raise retyped(refused, command) from None
    granted = made.granted
    said = ":white_check_mark: " + tr._(
        "<@{who}> decides your credit requests from {start} through {until}. "
        "`{command} {end}` ends it sooner.", who=granted.delegate,
        start=granted.starts_on, until=granted.until, command=command, end=end)
    if made.kept:
        # They keep waiting for the delegator: the stand-in was told none waited, and a
        # request sat until its deadline escalated it.
        said = tr.sentences(said, tr.ngettext(
            "Request {requests} waits for you and stays yours: <@{who}> filed it, decided "
            "a level of it or owns its account, so may not decide it for you.",
            "Requests {requests} wait for you and stay yours: <@{who}> filed them, decided "
            "a level of them or owns their account, so may not decide them for you.",
            len(made.kept), requests=tr.listing(f"#{n}" for n in made.kept),
            who=granted.delegate))
    if made.only_to_reject:
        said = tr.sentences(said, tr._(
            "Note: <@{who}> also decides a later level of some requests (as {roles}); one "
            "person decides one level of a request, so on those they can only reject your "
            "level, not approve it: a stand-in who decides no later level can approve them "
            "all.", who=granted.delegate,
            roles=tr.listing(role_name(role) for role in made.only_to_reject)))
    if made.replaced is not None:
        said = tr.sentences(said, tr._("This replaces your delegation to <@{who}> until "
                                       "{until}.", who=made.replaced.delegate,
                                       until=made.replaced.until))
    if made.cover_gap:
        # Booking a later absence ends today's cover: say so, not only "replaces".
        said = tr.sentences(said, tr._(
            "Until {start} nobody stands in for you: you have one delegation at a "
            "time, and the new one replaces the one running today.",
            start=granted.starts_on))
    return _say(said)


# 从/至 written against their days, as a Chinese reader may: "从2026/12/2至2027/12/2"
# (the Chinese words only: "from" and "until" joined to a digit may be inside an id).
_CHINESE = "|".join(w for w in f"{_FROM}|{_UNTIL}".split("|") if not w.isascii())
_JOINED = re.compile(rf"(\d)({_CHINESE})|({_CHINESE})(\d)")


def parse_delegation(text: str, command: str = "/credit delegate"
                     ) -> tuple[str, date | None, date]:
    spaced = _JOINED.sub(lambda m: " ".join(filter(None, m.groups())), text)
    # "@mei 2026-12-20 until 2026-12-31": a first day without its "from".
    no_from = _NO_FROM.match(spaced)
    if no_from is not None and _is_day(no_from["start"]):
        spaced = f"{no_from['who']} from {no_from['start']} {no_from['until']}"
    line = _LINE.match(spaced)
    extra = _EXTRA.match(spaced) if line is None else None
    if extra is not None and _PERSON.match(extra["who"]) and _is_day(extra["until"]):
        # "@mei until 2026-12-31 because I am away": both were written; the reason is
        # what is too much.
        raise DelegateLineError(N_("Write nothing after the last day: “{extra}” is not "
                                   "needed, e.g. `{command} {example}`."),
                                extra=extra["extra"][:80], command=command, example=USAGE)
    if line is None or line["until"].lower() in UNTIL_WORDS:  # "@mei until", no day
        raise DelegateLineError(N_("Write whom and until when: `{command} {example}` (pick "
                                   "the person from the list Slack shows as you type @)."),
                                command=command, example=USAGE)
    person = _PERSON.match(line["who"])
    if person is None:
        raise DelegateLineError(N_("I can't tell who “{who}” is: pick the person from the "
                                   "list Slack shows as you type @, e.g. `{command} "
                                   "{example}`."), who=line["who"][:80], command=command,
                                example=USAGE)
    starts = _day(line["start"], command) if line["start"] else None
    return (person["mention"] or person["id"]).upper(), starts, _day(line["until"], command)


def _is_day(text: str) -> bool:
    try:
        read_day(text)
    except ValueError:
        return False
    return True


def _day(text: str, command: str) -> date:
    try:
        return read_day(text)
    except ValueError:
        raise DelegateLineError(N_("“{day}” is not a date: write it as YYYY-MM-DD, e.g. "
                                   "`{command} {example}`."), day=text[:40],
                                command=command, example=USAGE) from None


def shown(delegations: list[Delegation], me: str, tr: Translator, command: str,
          end: str) -> Message:
    given = [d for d in delegations if d.delegator == me]
    taken = [d for d in delegations if d.delegate == me]
    blocks: list[Block] = []
    if given:
        blocks.append(section("*" + tr._("You delegated") + "*\n" + "\n".join(
            "• " + tr._("to <@{who}> from {start} through {until}", who=d.delegate,
                        start=d.starts_on, until=d.until) for d in given[:20])))
    if taken:
        blocks.append(section("*" + tr._("You stand in for") + "*\n" + "\n".join(
            "• " + tr._("<@{who}> from {start} through {until}", who=d.delegator,
                        start=d.starts_on, until=d.until) for d in taken[:20])))
    if not blocks:
        blocks.append(section(tr._("No delegation from or to you is in force.")))
    blocks.append(context(tr._("Hand your approvals to a stand-in with `{command} "
                               "{example}`; `{command} {end}` ends yours.",
                               command=command, end=end, example=USAGE)))
    fallback = tr._("Delegations: {given} from you, {taken} to you", given=len(given),
                    taken=len(taken))
    return message(fallback, blocks)


def _say(text: str) -> Message:
    return message(text, [section(text)])
