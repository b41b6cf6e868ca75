"""The direct messages an assignment sends, queued in the outbox inside the use case's
transaction (``domain.collections.use_cases.AssignmentNotices``): the new collector gets
the account's card, the one it was taken from a line saying so; a run of the rules that
gives a collector several accounts sends them one list instead of a card each. Each in
their language, with a dedup key per assignment version (or run) and person, so a
retried use case never sends one twice."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from zoneinfo import ZoneInfo

from domain.check import CustomerCheck
from domain.collections.assignment import BY_RULES
from domain.collections.use_cases import AssignmentChange
from domain.messages import OutgoingMessage
from domain.people import is_user_id
from domain.ports import Outbox
from handlers.check.blocks import card, names
from handlers.collections.blocks import LISTED, listed
from handlers.i18n import Translator, translator
from handlers.render import (
    Message,
    context,
    erp_text,
    mention,
    message,
    section,
)

NOTE = "collections.assignment"
NAME = 200


def _who(by: str, tr: Translator, rotation: bool = False) -> str:
    if rotation:
        return tr._("the rotation to the collector with the least overdue to collect, as no "
                    "assignment rule matched")
    return tr._("the assignment rules") if by == BY_RULES else mention(by)


def _today(change: AssignmentChange, timezone: str) -> date:
    return change.assignment.assigned_at.astimezone(ZoneInfo(timezone)).date()


def _next_step(change: AssignmentChange, tr: Translator, today: date) -> str:
    """When the account's next step is due: today for a new assignment, but an account
    taken over keeps the step its collector set, which may be later or already late."""
    day = change.assignment.next_action_on
    if day is None:
        return tr._("Its next step has no date yet.")
    if day == today:
        return tr._("Its next step is due today.")
    if day < today:
        return tr._("Its next step was due on {day}.", day=day)
    return tr._("Its next step is due on {day}.", day=day)


def _step_in_list(change: AssignmentChange, tr: Translator, today: date) -> str | None:
    day = change.assignment.next_action_on
    if day == today:
        return None
    if day is None:
        return tr._("next step not dated")
    if day < today:
        return tr._("next step was due on {day}", day=day)
    return tr._("next step on {day}", day=day)


def taken_over(change: AssignmentChange, tr: Translator, timezone: str) -> Message:
    """The new collector's message: what they now own, and the account's card."""
    customer = change.customer
    name = erp_text(names(customer, tr)[0], NAME)
    note = tr._("You now collect this account (assigned by {who}).",
                who=_who(change.by, tr, change.by_rotation))
    if change.previous:
        note = tr._("You now collect this account instead of {previous} (assigned by "
                    "{who}).", previous=mention(change.previous),
                    who=_who(change.by, tr, change.by_rotation))
    if change.position is not None and not change.position.aging.overdue.amount:
        # "Its next step is due today" alone sent them to call about a current account,
        # and beside this it said two things at once.
        note = tr.sentences(note, tr._("Nothing of it is overdue now: there is nothing to "
                                       "collect until an invoice falls due."))
    else:
        note = tr.sentences(note, _next_step(change, tr, _today(change, timezone)))
    fallback = tr._("You now collect {name} ({id})", name=name,
                    id=erp_text(customer.customer_id, 64))
    if change.position is None:
        return message(fallback, [section(note)])
    _, blocks = card(CustomerCheck(customer, change.position, held=change.held), tr,
                     timezone=timezone, shareable=False, note=note)
    return message(fallback, blocks or [section(note)])


def handed_back(change: AssignmentChange, tr: Translator) -> Message:
    """The previous collector's message: the account is no longer theirs."""
    customer = change.customer
    name, cid = erp_text(names(customer, tr)[0], NAME), erp_text(customer.customer_id, 64)
    if change.closed:
        text = tr._("{who} took {name} ({id}) off your collections: nobody collects it "
                    "now.", who=_who(change.by, tr), name=name, id=cid)
    else:
        text = tr._("{who} reassigned {name} ({id}) to {collector}: you no longer collect "
                    "it.", who=_who(change.by, tr), name=name, id=cid,
                    collector=mention(change.assignment.collector))
    return message(text, [section(text)])


def given_by_rules(changes: Sequence[AssignmentChange], tr: Translator,
                   timezone: str) -> Message:
    """One collector's message for a run of the rules: the accounts they now collect, in
    the order the run placed them (largest overdue in the base currency first: amounts
    in several currencies cannot be ordered as shown), and where their worklist is."""
    rotation = {c.by_rotation for c in changes}
    who = (tr._("the assignment rules, and where none matched the rotation to the collector "
                "with the least overdue to collect") if len(rotation) > 1
           else _who(BY_RULES, tr, rotation.pop()))
    today = _today(changes[0], timezone)
    steps = [_step_in_list(c, tr, today) for c in changes]
    if all(step is None for step in steps):
        title = tr.ngettext("You now collect {n} overdue account (assigned by {who}); its "
                            "next step is due today:",
                            "You now collect {n} overdue accounts (assigned by {who}); "
                            "their next step is due today:", len(changes), who=who)
    else:  # accounts taken over keep their own next step: each line says when
        title = tr.ngettext("You now collect {n} overdue account (assigned by {who}):",
                            "You now collect {n} overdue accounts (assigned by {who}):",
                            len(changes), who=who)
    lines: list[str] = []
    for change, step in zip(changes[:LISTED], steps, strict=False):
        account = tr._("{name} ({id})", name=erp_text(names(change.customer, tr)[0], NAME),
                       id=erp_text(change.customer.customer_id, 64))
        aging = change.position.aging if change.position else None
        if aging is not None and aging.oldest_overdue_days:
            account += " · " + tr.ngettext("{amount} overdue, oldest {n} day",
                                           "{amount} overdue, oldest {n} days",
                                           aging.oldest_overdue_days, amount=aging.overdue)
        if change.held:
            account += " · " + tr.ngettext("{n} held order", "{n} held orders",
                                           len(change.held))
        if change.previous:  # a collector app.yaml let go: their promise may be open
            account += " · " + tr._("taken over from {previous}",
                                    previous=mention(change.previous))
        if step is not None:
            account += " · " + step
        lines.append("• " + account)
    text = listed(title, lines, len(changes), tr)
    # The notification ends where the title does, not on the colon before the list.
    return message(title.rstrip(":："), [section(text), context(tr._(
        "Your worklist, with a card per account: `/credit collect`"))])


class AssignmentNotices:
    def __init__(self, locale_of: Callable[[str], str], timezone: str) -> None:
        self.locale_of = locale_of
        self.timezone = timezone

    def queue_by_rules(self, outbox: Outbox, changes: Sequence[AssignmentChange]) -> None:
        """One account: its card, as an assignment by hand sends; more: one list."""
        by_collector: dict[str, list[AssignmentChange]] = defaultdict(list)
        for change in changes:
            by_collector[change.assignment.collector].append(change)
        for collector, given in by_collector.items():
            if len(given) == 1 or not is_user_id(collector):
                for change in given:
                    self.queue(outbox, change)
                continue
            text, blocks = given_by_rules(given, translator(self.locale_of(collector)),
                                          self.timezone)
            first = min(c.assignment.id for c in given)
            outbox.add(OutgoingMessage(channel=collector, kind=NOTE, text=text,
                                       blocks=blocks or [],
                                       dedup_key=f"{NOTE}:rules:{first}:{collector}"))

    def queue(self, outbox: Outbox, change: AssignmentChange) -> None:
        assignment = change.assignment
        told: list[tuple[str, Message]] = []
        if change.previous and change.tell_previous and is_user_id(change.previous):
            told.append((change.previous,
                         handed_back(change, translator(self.locale_of(change.previous)))))
        if not change.closed and is_user_id(assignment.collector):
            tr = translator(self.locale_of(assignment.collector))
            told.append((assignment.collector, taken_over(change, tr, self.timezone)))
        for person, (text, blocks) in told:
            outbox.add(OutgoingMessage(
                channel=person, kind=NOTE, text=text, blocks=blocks or [],
                dedup_key=f"{NOTE}:{assignment.id}:{assignment.version}:{person}"))
