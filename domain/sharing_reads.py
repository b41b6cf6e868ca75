"""How each kind of shareable card is read afresh, from the capabilities that own it."""

from __future__ import annotations

from domain.approvals.model import RequestRecord
from domain.approvals.rules import RequestNotFound
from domain.approvals.use_cases import CreditRequests
from domain.check import CreditChecks
from domain.ports import UnitOfWork
from domain.refs import CustomerRef, GroupRef
from domain.sharing import CardGone, CardKind, Reader, SharedAlert, SharedRequest


def card_readers(checks: CreditChecks, requests: CreditRequests) -> dict[CardKind, Reader]:
    def customer(uow: UnitOfWork, subject: str) -> object:
        return checks.fresh(uow, CustomerRef(subject, ""))

    def group(uow: UnitOfWork, subject: str) -> object:
        return checks.fresh(uow, GroupRef(subject))

    def alert(uow: UnitOfWork, subject: str) -> object:
        state = uow.alerts.states([subject]).get(subject)
        if state is None:
            raise CardGone()
        return SharedAlert(state, checks.fresh(uow, CustomerRef(state.customer_id, "")))

    def request(uow: UnitOfWork, subject: str) -> object:
        number = int(subject)
        found = uow.credit_requests.get(number)
        if found is None:
            raise RequestNotFound(number)
        decisions = uow.credit_requests.decisions([number]).get(number, [])
        return SharedRequest(RequestRecord(found, tuple(decisions)),
                             requests.standing(uow, found.customer_id, found.order_id))

    return {CardKind.CUSTOMER: customer, CardKind.GROUP: group, CardKind.ALERT: alert,
            CardKind.REQUEST: request}
