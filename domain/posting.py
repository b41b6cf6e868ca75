"""Posting something into Slack on a person's behalf, then recording that it was posted:
the one order every share follows (a customer's card, an alert, a request)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.errors import DomainError
from domain.ports import UnitOfWork
from domain.text import N_


class DeliveryUncertain(Exception):
    """Raised by a publisher when Slack may have taken the message without saying so
    (the answer timed out, or a server error came back): posting again could post twice."""


class ShareUnconfirmed(DomainError):
    def __init__(self) -> None:
        super().__init__(N_("Slack did not confirm the card, so it may already be in the "
                            "channel. Look there before you share it again."))


def post_then_record(unit_of_work: Callable[[], UnitOfWork], clock: Callable[[], datetime],
                     publish: Callable[[], None],
                     record: Callable[[UnitOfWork, datetime, bool], None]) -> None:
    """Runs ``publish`` outside any transaction (a slow Slack holds no database
    connection), then ``record(uow, now, confirmed)`` in one that commits. A post Slack
    refused (``publish`` raising) records nothing; one whose answer never came may be in
    the channel, so it is recorded as unconfirmed and ShareUnconfirmed tells the person
    to look before sharing again."""
    confirmed = True
    try:
        publish()
    except DeliveryUncertain:
        confirmed = False
    with unit_of_work() as uow:
        record(uow, clock(), confirmed)
        uow.commit()
    if not confirmed:
        raise ShareUnconfirmed()
