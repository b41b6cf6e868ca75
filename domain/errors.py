"""Errors the domain raises; each carries a message fit to show a person as is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.refs import CustomerRef, labels
from domain.text import N_, Listed


class DomainError(Exception):
    """A business rule said no. ``str(error)`` is the explanation in English (the CLI
    shows it); ``template`` and ``params`` let Slack show it in the reader's language."""

    # A refusal for want of a right (shown under a lock): whom to ask is in it.
    locked = False

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params) if params else template)


class SeveralProblems(DomainError):
    """Things wrong each on its own (an amount and a date): all are said at once, so one
    round puts them right. ``template`` and ``params`` are the first's; ``str`` and
    ``handlers.errors.explain`` say every one."""

    problems: tuple[DomainError, ...]

    def __init__(self, problems: Sequence[DomainError]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first.template, **first.params)
        self.args = (" ".join(str(p) for p in self.problems),)


class CurrencyError(DomainError):
    pass


class MissingRate(DomainError):
    def __init__(self, currency: str, base: str, as_of: date) -> None:
        self.currency = currency
        self.base = base
        self.as_of = as_of
        super().__init__(
            N_("No exchange rate for {currency} (to {base}) on or before {day}: import one "
               "with `creditbot import rates FILE.csv`."),
            currency=currency, base=base, day=as_of)


class CustomerLookupError(DomainError):
    def __init__(self, query: str, candidates: Sequence[CustomerRef], template: str,
                 **params: Any) -> None:
        self.query = query
        self.candidates = tuple(candidates)
        super().__init__(template, query=query, **params)


class CustomerNotFound(CustomerLookupError):
    def __init__(self, query: str, candidates: Sequence[CustomerRef] = ()) -> None:
        if candidates:
            names = Listed(labels(candidates))
            super().__init__(query, candidates,
                             N_("No customer is named “{query}”. Closest: {names}"), names=names)
        else:
            super().__init__(query, candidates, N_("No customer matches “{query}”."))


class AmbiguousCustomer(CustomerLookupError):
    """``total``: how many customers match, when more than the ``candidates`` listed."""

    def __init__(self, query: str, candidates: Sequence[CustomerRef],
                 total: int | None = None) -> None:
        names = Listed(labels(candidates))
        self.total = max(total or 0, len(candidates))
        if self.total > len(candidates):
            super().__init__(query, candidates,
                             N_("“{query}” matches {total} customers, among them {names}. "
                                "Type more of the name, or use the id."),
                             total=self.total, names=names)
            return
        super().__init__(query, candidates,
                         N_("“{query}” matches several customers: {names}. Which one?"),
                         names=names)


class TryAgain(DomainError):
    """Nothing was written, and the same request a moment later may well succeed (the
    database was busy, or someone changed the record meanwhile): a form stays open with
    what was typed, the message beside its first field."""


class RecordsUnavailable(TryAgain):
    """The database did not answer in time (down, locked by a long import, overloaded):
    nothing was changed, and trying again later is the remedy. ``reading``: only a read
    failed (a check), where "nothing was changed" would answer a question nobody asked."""

    def __init__(self, reading: bool = False) -> None:
        if reading:
            super().__init__(N_("The credit records are not answering just now. Please try "
                                "again in a minute."))
            return
        super().__init__(N_("The credit records are not answering just now, so nothing was "
                            "changed. Please try again in a minute."))


def behind(problem: BaseException) -> BaseException:
    """What an operator's log names: the driver's or the writers' gate's error behind
    "the credit records are not answering", which is a person's sentence."""
    if isinstance(problem, RecordsUnavailable) and problem.__cause__ is not None:
        return problem.__cause__
    return problem


class FieldProblem(DomainError):
    """What is wrong with one field of a form (``where``: its block id), in words that
    say how to write it. ``lookup``: the customer the field names could not be found or
    was unclear (the form adds how to name one)."""

    def __init__(self, where: str, template: str, **params: Any) -> None:
        self.where = where
        self.lookup: CustomerLookupError | None = None
        super().__init__(template, **params)


class FormRefused(SeveralProblems):
    """A form that cannot be taken as filled in: every problem, field by field, so the
    person corrects them in one round."""

    problems: tuple[FieldProblem, ...]

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        super().__init__(problems)

    def by_field(self) -> dict[str, FieldProblem]:
        """The first problem of each field."""
        found: dict[str, FieldProblem] = {}
        for problem in self.problems:
            found.setdefault(problem.where, problem)
        return found
