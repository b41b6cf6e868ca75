"""What the collector's day refuses, each saying what was wrong and what to do: an
account or a dispute that is not the person's, a form sent twice, invoices that are not
the account's open ones, a promise in the wrong currency or for more than is open."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.errors import DomainError, FieldProblem
from domain.money import Money
from domain.text import N_, AccountName, CommandName, Listed, People


class NotYourAccount(DomainError):
    """``name``: the customer's, when known: the refusal names the account as people
    know it, and the command to assign it by its id. ``ask``: when the person may not
    assign, those who may (the command would only be refused)."""

    def __init__(self, customer: str, collector: str | None, name: str | None = None,
                 ask: People | None = None, local: str | None = None) -> None:
        label = AccountName(customer, name, local)
        if collector is None and ask is not None:
            super().__init__(N_("Nobody collects {account} now: ask {who} to assign a collector."),
                             account=label, who=ask)
        elif collector is None:
            super().__init__(N_("Nobody collects {account} now: assign a collector first with "
                                "`{assign} {customer} @someone`."),
                             account=label, customer=customer, assign=CommandName("assign"))
        else:
            super().__init__(N_("{account} is collected by <@{collector}>; only they or "
                                "the collections lead can record against it."),
                             account=label, collector=collector)


class NotYourDispute(DomainError):
    """Said to someone a dispute is not for: the account by its name, and the people who
    may resolve it by name (a raw customer id and roles alone sent them looking)."""

    def __init__(self, customer: str, department: str | None, name: str | None = None,
                 people: People | None = None, local: str | None = None) -> None:
        label = AccountName(customer, name, local)
        people = people or People()
        if department and people:
            super().__init__(N_("Only the {department} department, the dispute's owner, "
                                "the account's collector or the collections lead ({people}) "
                                "can resolve this dispute of {account}."),
                             department=department, account=label, people=people)
        elif people:
            super().__init__(N_("Only the dispute's owner, the account's collector or the "
                                "collections lead ({people}) can resolve this dispute of "
                                "{account}."), account=label, people=people)
        elif department:
            super().__init__(N_("Only the {department} department can resolve this dispute "
                                "of {account}."), department=department, account=label)
        else:
            super().__init__(N_("Nobody can resolve this dispute of {account} now: ask "
                                "the collections lead to assign the account."),
                             account=label)


# The promise and dispute forms' fields a problem belongs to (their block ids).
AMOUNT, INVOICES, DEPARTMENT, OWNER = "amount", "invoices", "department", "owner"
DUE, NEXT = "due", "next"  # a promise's pay-by day, a logged action's next step


class NotTheirDispute(FieldProblem):
    """The owner named for a dispute cannot take it (field error beside the owner)."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(OWNER, template, **params)


class AlreadyRecorded(DomainError):
    """The same form was submitted again (a double click, a retry): recorded once."""

    def __init__(self) -> None:
        super().__init__(N_("This form was already recorded."))


class UnknownDepartment(FieldProblem):
    def __init__(self, departments: Sequence[str]) -> None:
        super().__init__(DEPARTMENT, N_("Pick the department that resolves the dispute from "
                                        "the list ({departments})."),
                         departments=Listed(departments) or "—")


class UnknownInvoices(FieldProblem):
    def __init__(self, customer: str, invoices: Sequence[str]) -> None:
        self.invoices = tuple(invoices)
        if len(invoices) == 1:
            super().__init__(INVOICES, N_("{invoices} is not an open invoice of {customer}: "
                                          "name invoices from the account's open ones, "
                                          "separated by commas."),
                             invoices=invoices[0], customer=customer)
            return
        super().__init__(INVOICES, N_("{invoices} are not open invoices of {customer}: name "
                                      "invoices from the account's open ones, separated by "
                                      "commas."),
                         invoices=Listed(invoices), customer=customer)


class SettledInvoices(FieldProblem):
    """Invoices of the account that are paid: said so, not "not an open invoice", which
    reads as a typo in the id."""

    def __init__(self, invoices: Sequence[str]) -> None:
        if len(invoices) == 1:
            super().__init__(INVOICES, N_("{invoices} is paid already: name invoices from "
                                          "the account's open ones, separated by commas."),
                             invoices=invoices[0])
            return
        super().__init__(INVOICES, N_("{invoices} are paid already: name invoices from the "
                                      "account's open ones, separated by commas."),
                         invoices=Listed(invoices))


class AmbiguousInvoice(FieldProblem):
    """An id typed in another case or width that reads as two open invoices or more."""

    def __init__(self, customer: str, typed: str, matches: Sequence[str]) -> None:
        super().__init__(INVOICES, N_("{invoice} reads as more than one open invoice of "
                                      "{customer} ({matches}): write it exactly as the one "
                                      "you mean."),
                         invoice=typed, customer=customer, matches=Listed(matches))


class PromiseCurrency(FieldProblem):
    """A promise in a currency none of the account's open invoices is billed in: refused
    rather than converted, so what is promised is what the ERP will show paid."""

    def __init__(self, customer: str, currency: str, currencies: Sequence[str],
                 invoices: Sequence[str] = ()) -> None:
        example = f"{currencies[0]} 25k"
        if invoices:  # the invoices named are, whatever else the account is billed in
            super().__init__(AMOUNT, N_("The invoices named ({invoices}) are billed in "
                                        "{currencies}, not {currency}: write the amount in "
                                        "{currencies}, e.g. {example}."),
                             invoices=Listed(invoices), currency=currency,
                             currencies=Listed(currencies), example=example)
            return
        super().__init__(AMOUNT, N_("{customer} is billed in {currencies}, not {currency}: "
                                    "write the amount in {currencies}, e.g. {example}."),
                         customer=customer, currency=currency,
                         currencies=Listed(currencies), example=example)


class MixedCurrencies(FieldProblem):
    """The invoices named are billed in several currencies; a promise is in one."""

    def __init__(self, currencies: Sequence[str]) -> None:
        super().__init__(INVOICES, N_("These invoices are billed in {currencies}: a promise "
                                      "is in one currency, so name the invoices of one of "
                                      "them (a promise for each currency, if need be)."),
                         currencies=Listed(currencies))


class AlreadyDisputed(FieldProblem):
    """Invoices an open dispute names already: a second dispute would be resolved apart
    from the first, and its resolution would say reminders resume while the other
    still holds them."""

    def __init__(self, invoices: Sequence[str], since: date) -> None:
        if len(invoices) == 1:
            super().__init__(INVOICES, N_("{invoices} is already in an open dispute, opened "
                                          "on {since}: resolve that one first, or name "
                                          "other invoices."),
                             invoices=invoices[0], since=since)
            return
        super().__init__(INVOICES, N_("{invoices} are already in open disputes, the oldest "
                                      "opened on {since}: resolve those first, or name "
                                      "other invoices."),
                         invoices=Listed(invoices), since=since)


class NothingOverdue(DomainError):
    """An account with nothing past due: legal would have nothing to collect."""

    def __init__(self, customer: str, name: str | None = None) -> None:
        if name and name != customer:
            customer = f"{name} ({customer})"
        super().__init__(N_("{customer} has nothing overdue in the latest import, so there "
                            "is nothing for legal to collect: log what happened with Log "
                            "action instead."),
                         customer=customer)


class NothingOpen(FieldProblem):
    """An account with no open invoice: there is no money to promise."""

    def __init__(self, customer: str) -> None:
        super().__init__(AMOUNT, N_("{customer} has no open invoice in the latest import, so "
                                    "there is nothing to promise: log the call with Log "
                                    "action instead."), customer=customer)


class PromiseTooLarge(FieldProblem):
    """More than the named invoices (none named: the account) have open."""

    def __init__(self, customer: str, amount: Money, open_: Money,
                 invoices: Sequence[str] = ()) -> None:
        if not invoices:
            super().__init__(AMOUNT, N_("{amount} is more than {customer} has open ({open}): "
                                        "promise at most the open amount."),
                             amount=amount, customer=customer, open=open_)
        elif len(invoices) == 1:
            super().__init__(AMOUNT, N_("{amount} is more than {invoices} has open ({open}): "
                                        "promise at most that, or name more invoices."),
                             amount=amount, invoices=invoices[0], open=open_)
        else:
            super().__init__(AMOUNT, N_("{amount} is more than {invoices} have open together "
                                        "({open}): promise at most that, or name more "
                                        "invoices."),
                             amount=amount, invoices=Listed(invoices), open=open_)


class NotAnOverseer(DomainError):
    """Someone other than the lead or an assigner asked for another collector's list."""

    locked = True

    def __init__(self, overseers: Sequence[str]) -> None:
        self.overseers = tuple(overseers)
        super().__init__(N_("Another collector's list is for the collections lead and those "
                            "who assign accounts ({who}); `{collect}` alone shows yours."),
                         who=People(self.overseers), collect=CommandName("collect"))
