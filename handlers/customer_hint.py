"""What to write when a command's customer is unknown or unclear: one set of texts for
``/credit check``, ``/credit request``, ``/credit order`` and ``/credit history``, each
with an example of that command (the candidates' names, then "use the id")."""

from __future__ import annotations

from typing import Any

from domain.errors import AmbiguousCustomer, CustomerLookupError, DomainError
from domain.text import N_, Phrase

NOT_FOUND = N_("No customer matches “{query}”. Try part of the name or the customer id, "
               "e.g. `{example}`.")
CLOSEST = N_("No customer is named “{query}”. Closest: {names}. Use the id, e.g. "
             "`{example}`.")
AMBIGUOUS = N_("“{query}” matches several customers: {names}. Use the id, e.g. "
               "`{example}`.")
SHOWN = 5


class WhichCustomer(DomainError):
    """The customer is unknown or unclear; the message says how to name it."""


class _Example(str):
    """A command to copy whose last words are a ``Phrase`` (an example reason): shown
    with them in the reader's language, the command's own words as they are."""

    def __new__(cls, command: str, after: Phrase) -> _Example:
        made = super().__new__(cls, f"{command} {after}")
        made.command, made.after = command, after
        return made

    command: str
    after: Phrase

    def shown_by(self, tr: Any) -> str:
        return f"{self.command} {self.after.shown_by(tr)}"


def which_customer(error: CustomerLookupError, command: str, after: str = "",
                   program: str = "/credit") -> WhichCustomer:
    """The refusal for ``error`` in ``/credit <command> <customer> <after>`` (or the
    terminal's ``creditbot <command> …``)."""
    def example(customer_id: str) -> str:
        if isinstance(after, Phrase):
            return _Example(" ".join((program, command, customer_id)), after)
        return " ".join(w for w in (program, command, customer_id, after) if w)

    query = error.query[:200]
    if not error.candidates:
        return WhichCustomer(NOT_FOUND, query=query, example=example("C0001"))
    names = ", ".join(c.label() for c in error.candidates[:SHOWN])
    template = AMBIGUOUS if isinstance(error, AmbiguousCustomer) else CLOSEST
    return WhichCustomer(template, query=query, names=names,
                         example=example(error.candidates[0].customer_id))
