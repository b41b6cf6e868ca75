"""What to write when a command's customer is unknown or unclear: one set of texts for
``/credit check``, ``/credit request``, ``/credit order`` and ``/credit history``, each
with an example of that command (the candidates' names, then "use the id")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from domain.amounts import CHINESE_DIGITS
from domain.errors import AmbiguousCustomer, CustomerLookupError, DomainError
from domain.lookup import (
    loosely_the_id,
    named_without_guessing,
    names_exactly,
    normalize_name,
    query_keys,
)
from domain.model import Customer
from domain.orders.typed import currency_word, only_currencies
from domain.refs import CustomerRef, labels
from domain.text import N_, CommandExample, Listed, Phrase
from handlers.i18n import Translator
from handlers.render import Block, context, erp_text

NOT_FOUND = N_("No customer matches “{query}”. Try part of the name or the customer id, "
               "e.g. `{example}`.")
CLOSEST = N_("No customer is named “{query}”. Closest: {names}. Use the id, e.g. "
             "`{example}`.")
AMBIGUOUS = N_("“{query}” matches several customers: {names}. Use the id, e.g. "
               "`{example}`.")
ID_APART = N_("“{typed}” is the id {id} with a space in it: write it as one word, e.g. "
               "`{command} {id} {rest}`.")
SHOWN = 5
# The longest rest of a line an example repeats (a reason pasted from a mail is not).
OWN_LINE = 80


class WhichCustomer(DomainError):
    """The customer is unknown or unclear; the message says how to name it."""


# How many words past the name taken a name with a number in it is followed on.
NAME_WORDS = 6


def name_going_on(lookup: Callable[[str], CustomerRef | None], words: Sequence[str],
                  taken: int) -> tuple[str, CustomerRef] | None:
    """A customer whose name goes on past the ``taken`` words read as the customer, into
    what was read as the amount (“Route 66 Diner 5k” read as Route, 66): the words it
    begins with and the customer, followed word by word while they still name one, so
    that “Route 66 Diner” is named where “Route 66” is a customer too. ``lookup``: the
    customer a text names by its id, a name or a name's start, else ``None``."""
    # A word of signs only ("+", "¥") adds nothing to a name that look-ups compare.
    if len(words) <= taken or not normalize_name(words[taken]):
        return None
    begun = " ".join(words[:taken + 1])
    found = lookup(begun)
    if found is None:
        return None
    for end in range(taken + 2, min(len(words), taken + NAME_WORDS) + 1):
        longer = lookup(" ".join(words[:end]))
        if longer is None:
            break
        found = longer
    return begun, found


def id_apart(lookup: Callable[[str], CustomerRef | None], words: Sequence[str],
             command: str) -> WhichCustomer | None:
    """"C 0003 5k" (an id read out, a space after its letter) said as what it is, rather
    than read as the customer "C" and amounts: "C 15 +5k" offered the customers starting
    with C and a line asking for a limit of 15. ``lookup``: as for ``name_going_on``."""
    if len(words) < 3 or not words[0].isalpha() or not words[1].isdigit():
        return None
    typed = " ".join(words[:2])
    found = lookup(typed)
    if found is None or not loosely_the_id(typed, found.customer_id):
        return None
    return WhichCustomer(ID_APART, typed=typed, id=found.customer_id,
                         rest=" ".join(words[2:]), command=command)


def own_line(after: str, otherwise: str) -> str:
    """What followed the customer in the person's line, for an example that puts the
    customer's id in its place (``/credit order C0002 5k PO-7``: the line to send
    again); ``otherwise`` when there was nothing or too much to repeat."""
    after = " ".join(after.split())
    return after if 0 < len(after) <= OWN_LINE else otherwise


def which_customer(error: CustomerLookupError, command: str, after: str = "",
                   program: str = "/credit") -> WhichCustomer:
    """The refusal for ``error`` in ``/credit <command> <customer> <after>`` (or the
    terminal's ``creditbot <command> …``)."""
    def example(customer_id: str) -> str:
        if len(customer_id.split()) != 1:  # "A&B 01": in quotes, or it reads as name and amount
            customer_id = f"\"{customer_id}\""
        if isinstance(after, Phrase):
            return CommandExample(" ".join((program, command, customer_id)), after)
        return " ".join(w for w in (program, command, customer_id, after) if w)

    query = error.query[:200]
    if not error.candidates:
        return WhichCustomer(NOT_FOUND, query=query, example=example("C0001"))
    names = Listed(labels(error.candidates[:SHOWN]))
    template = AMBIGUOUS if isinstance(error, AmbiguousCustomer) else CLOSEST
    if isinstance(after, str):
        after = _without_the_names_number(after, error.candidates[0])
    return WhichCustomer(template, query=query, names=names,
                         example=example(error.candidates[0].customer_id))


def _without_the_names_number(after: str, named: CustomerRef) -> str:
    """``after`` without its first word when that is a word of the customer's name and
    an amount follows: "Esc 33 +5000 more" meant "<!channel> 33 Esc"; its example with
    the id, "X11 33 +5000 more", typed back asked for 33."""
    words = after.split()
    in_name = {_bare(word) for name in (named.name, named.name_local) if name
               for word in name.split()}
    if len(words) > 1 and _bare(words[0]) in in_name and _starts_an_amount(words[1]):
        return " ".join(words[1:])
    return after


def _bare(word: str) -> str:
    """A word as names are compared here: folded, without its punctuation ("21," in
    "Forever 21, Inc" is "21"; "３３" is "33")."""
    return re.sub(r"\W", "", unicodedata.normalize("NFKC", word)).casefold()


def _starts_an_amount(word: str) -> bool:
    """Whether an amount starts with ``word``: a sign, a digit, a currency's sign or code
    ("$5000", "USD 5000"), or a Chinese numeral ("五万")."""
    folded = unicodedata.normalize("NFKC", word)
    return folded[:1] in "+-$€£¥" or folded[:1].isdigit() \
        or folded[:1] in CHINESE_DIGITS or currency_word(folded)


def in_a_form(error: CustomerLookupError) -> WhichCustomer:
    """The refusal for a form's customer field: the same words, with an id alone as the
    example (a field holds the customer, not a command), never "Which one?", which a
    field offers no way to answer."""
    query = error.query[:200]
    if not error.candidates:
        return WhichCustomer(NOT_FOUND, query=query, example="C0002")
    names = Listed(labels(error.candidates[:SHOWN]))
    return WhichCustomer(AMBIGUOUS if isinstance(error, AmbiguousCustomer) else CLOSEST,
                         query=query, names=names, example=error.candidates[0].customer_id)


BY_ID, BY_NAME = "id", "name"


def guess(query: str, customer: Customer | CustomerRef) -> str | None:
    """How ``customer`` was found for ``query`` when it was not named: ``BY_ID`` for an
    id written loosely (``0003`` for C0003), ``BY_NAME`` for a close match of a name
    (``lakesid furnture``); ``None`` when the query named it (its id, its name, the
    start or a part of it)."""
    names = (customer.name, customer.name_local)
    if named_without_guessing(query, customer.customer_id, names):
        return None
    # A heading pasted back, "Acme Packaging (C0002)": its id is in it.
    if customer.customer_id.casefold() in re.split(r"[\s()\[\],;:]+", query.casefold()):
        return None
    if any(key in normalize_name(name) for key in query_keys(query) for name in names if name):
        return None
    return BY_ID if loosely_the_id(query, customer.customer_id) else BY_NAME


def guessed(query: str, customer: Customer | CustomerRef, tr: Translator) -> Block | None:
    """A line over a card shown for a customer ``query`` did not name (``guess``): said,
    so that a typo is not mistaken for the customer's exact name, and the next look can
    be by its id."""
    how = guess(query, customer)
    if how is None:
        return None
    if how == BY_ID:
        return context(tr._(":mag: No customer has the id “{query}”: this is {id}, "
                            "{customer}.", query=erp_text(query, 100),
                            customer=erp_text(tr.name_of(customer.name, customer.name_local),
                                              100),
                            id=erp_text(customer.customer_id, 64)))
    return context(tr._(":mag: No customer is named “{query}”: this is the closest, "
                        "{customer} ({id}).", query=erp_text(query, 100),
                        customer=erp_text(tr.name_of(customer.name, customer.name_local), 100),
                        id=erp_text(customer.customer_id, 64)))


def money_for_a_name(lookup: Callable[[str], CustomerRef | None], customer: str) -> bool:
    """Whether only currencies stand where the customer goes (“USD 5k”, “€ $ 5k”) and no
    customer is named exactly so: a customer called “AMD” is, but “USD” only begins “USD
    Logistics”, and a line of money names no customer by a name's start. ``lookup`` as
    for ``name_going_on``."""
    if not only_currencies(customer):
        return False
    named = lookup(customer)
    return named is None or not names_exactly(customer, named)
