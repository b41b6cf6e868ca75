"""The notes a hold or a release sends, queued in the outbox inside the use case's
transaction (``domain.orders.ports.OrderNotices``): one direct message per person told,
in their language; a dedup key per order, what happened and person, so a retried use
case never sends one twice."""

from __future__ import annotations

from collections.abc import Callable

from domain.messages import OutgoingMessage
from domain.orders.ports import OrderChange, OrderHappened
from domain.people import is_user_id
from domain.ports import Outbox
from handlers.i18n import translator
from handlers.orders.blocks import held_note, released_note, withdrawn_note
from handlers.render import section

NOTE = "orders.note"


class OrderNotices:
    def __init__(self, locale_of: Callable[[str], str]) -> None:
        self.locale_of = locale_of

    def queue(self, outbox: Outbox, change: OrderChange) -> None:
        check = change.check
        for person in change.recipients:
            if not is_user_id(person):
                continue  # an owner id the ERP got wrong: nobody to tell
            tr = translator(self.locale_of(person))
            if change.happened is OrderHappened.HELD:
                text, blocks = held_note(check, tr, change.in_limit)
            elif change.happened is OrderHappened.WITHDRAWN:
                text = withdrawn_note(check, tr, change.in_limit)
                blocks = [section(text)]
            else:
                text, blocks = released_note(
                    check, tr, approved=change.happened is OrderHappened.APPROVED,
                    in_limit=change.in_limit)
            outbox.add(OutgoingMessage(
                channel=person, kind=NOTE, text=text, blocks=blocks,
                dedup_key=f"{NOTE}:{check.source.value}:{check.id}:{change.happened.value}:"
                          f"{check.version}:{person}"))
