"""The direct messages an assignment sends, queued in the outbox inside the use case's
transaction (``domain.collections.use_cases.AssignmentNotices``): the new collector gets
the account's card, the one it was taken from a line saying so; each in their language,
with a dedup key per assignment version and person, so a retried use case never sends
one twice."""

from __future__ import annotations

from collections.abc import Callable

from domain.check import CustomerCheck
from domain.collections.assignment import BY_RULES
from domain.collections.use_cases import AssignmentChange
from domain.messages import OutgoingMessage
from domain.people import is_user_id
from domain.ports import Outbox
from handlers.check.blocks import card, names
from handlers.i18n import Translator, translator
from handlers.render import Message, erp_text, mention, message, section

NOTE = "collections.assignment"
NAME = 200


def _who(by: str, tr: Translator, rotation: bool = False) -> str:
    if rotation:
        return tr._("the least-load rotation, as no assignment rule matched")
    return tr._("the assignment rules") if by == BY_RULES else mention(by)


def taken_over(change: AssignmentChange, tr: Translator, timezone: str) -> Message:
    """The new collector's message: what they now own, and the account's card."""
    customer = change.customer
    name = erp_text(names(customer, tr)[0], NAME)
    note = tr._("You now collect this account (assigned by {who}). Its next step is due "
                "today.", who=_who(change.by, tr, change.by_rotation))
    if change.previous:
        note = tr._("You now collect this account instead of {previous} (assigned by "
                    "{who}). Its next step is due today.", previous=mention(change.previous),
                    who=_who(change.by, tr, change.by_rotation))
    fallback = tr._("You now collect {name} ({id})", name=name,
                    id=erp_text(customer.customer_id, 64))
    if change.position is None:
        return message(fallback, [section(note)])
    _, blocks = card(CustomerCheck(customer, change.position), tr, timezone=timezone,
                     shareable=False, note=note)
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


class AssignmentNotices:
    def __init__(self, locale_of: Callable[[str], str], timezone: str) -> None:
        self.locale_of = locale_of
        self.timezone = timezone

    def queue(self, outbox: Outbox, change: AssignmentChange) -> None:
        assignment = change.assignment
        told: list[tuple[str, Message]] = []
        if change.previous and is_user_id(change.previous):
            told.append((change.previous,
                         handed_back(change, translator(self.locale_of(change.previous)))))
        if not change.closed and is_user_id(assignment.collector):
            tr = translator(self.locale_of(assignment.collector))
            told.append((assignment.collector, taken_over(change, tr, self.timezone)))
        for person, (text, blocks) in told:
            outbox.add(OutgoingMessage(
                channel=person, kind=NOTE, text=text, blocks=blocks or [],
                dedup_key=f"{NOTE}:{assignment.id}:{assignment.version}:{person}"))
