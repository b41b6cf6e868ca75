"""``/credit check <customer | group> [amount]`` and the candidate buttons: parse, call
the use case, render. With an amount at the end (``/credit check acme 120k``, ``…
USD 50k``) the check answers "can I ship this?" by the order rules, recording nothing
(``domain.orders.typed.split_check`` says how the amount is told from the name)."""

from __future__ import annotations

import threading
from typing import Any

from slack_bolt import BoltContext

from domain.check import Checked, CustomerCheck
from domain.errors import CustomerLookupError, DomainError
from domain.lookup import loosely_the_id
from domain.orders.typed import NoCustomer, amount_read, money_only, split_check, unquoted
from handlers.check.blocks import card, which_customer
from handlers.check.payloads import SubjectValue
from handlers.customer_hint import guessed
from handlers.deps import Deps
from handlers.errors import retyped
from handlers.i18n import Translator
from handlers.orders.blocks import verdict_message
from handlers.render import Message


def check(context: BoltContext, query: str) -> Message:
    """The card, or the "which customer?" question when the query is not clear."""
    deps: Deps = context["deps"]
    try:
        typed = split_check(query)
    except DomainError as refused:  # its example as typed: `/credit 查询 acme 120k EUR`
        raise retyped(refused, context["catalogue"].as_typed(context, "check")) from None
    if typed is None:  # 'Acme' or “Lakeside Furniture”, pasted in quotes, is the name
        query = unquoted(query)
    try:
        # "Studio 54" ends in what reads as an amount: a whole name wins over the split.
        found = (deps.checks.check(context["member"], query) if typed is None
                 else deps.checks.check_whole(context["member"], query))
        if found is None:
            assert typed is not None
            answer = deps.orders.check(context["member"], typed.customer, typed.amount,
                                       typed.currency)
            return verdict_message(answer.customer, answer.verdict, context["tr"])
    except CustomerLookupError as unclear:
        # "€ $ 5k", "CNY 5k": an amount, and no customer named; but "0003" that C0003's
        # and K0003's ids both end in is asked about.
        if money_only(query) and not (unclear.candidates and all(
                loosely_the_id(query, c.customer_id) for c in unclear.candidates)):
            raise NoCustomer(context["catalogue"].as_typed(context, "check")) from None
        return which_customer(unclear, context["tr"],
                              None if typed is None else amount_read(typed),
                              command=context["catalogue"].as_typed(context, "check"))
    text, blocks = _cards.card(found, context["tr"], deps.timezone, _may_share_here(context),
                               deps.assignments.may_assign(context["member"]))
    note = guessed(query, found.customer, context["tr"]) if isinstance(
        found, CustomerCheck) else None
    if note is None or not blocks:
        return text, blocks
    return text, [blocks[0], note, *blocks[1:]]  # under the customer's name


class _Cards:
    """Cards already rendered, by the position they show (the very object: the use case
    hands out the same one while the data version and the day hold) and how they are
    shown. Entries keep their position alive, so its id cannot be reused meanwhile."""

    def __init__(self, most: int = 4096) -> None:
        self.most = most
        self._cards: dict[tuple[int, str, str, bool, bool], tuple[Checked, Message]] = {}
        self._lock = threading.Lock()

    def card(self, found: Checked, tr: Translator, timezone: str, shareable: bool,
             assignable: bool = False) -> Message:
        key = (id(found), tr.tag, timezone, shareable, assignable)
        done = self._cards.get(key)
        if done is not None and done[0] is found:
            return done[1]
        shown = card(found, tr, timezone=timezone, shareable=shareable,
                     assignable=assignable)
        with self._lock:
            if len(self._cards) >= self.most:
                self._cards = {}
            self._cards[key] = (found, shown)
        return shown


_cards = _Cards()


def on_pick(body: dict[str, Any], context: BoltContext) -> None:
    """A candidate button: the card of the customer picked, in place of the question."""
    picked: SubjectValue = context["payload"]
    deps: Deps = context["deps"]
    found = deps.checks.check_ref(context["member"], picked.ref())
    context["reply"](*card(found, context["tr"], timezone=deps.timezone,
                          shareable=_may_share_here(context),
                          assignable=deps.assignments.may_assign(context["member"])),
                     replace_original=True)


def _may_share_here(context: BoltContext) -> bool:
    """Offer *Share in channel* only where it would work (the use case still checks)."""
    deps: Deps = context["deps"]
    return deps.access.may_share(context["member"], context.channel_id)
