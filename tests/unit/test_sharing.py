"""Sharing any card into a department's channel (domain.sharing) against the in-memory
unit of work: who may share, where, what is read afresh and what is recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member, ShareRefused
from domain.aging import AgingBuckets
from domain.alerts.model import Alert, AlertState, AlertType, Severity, Subject
from domain.approvals.use_cases import CreditRequests
from domain.check import CreditChecks, CustomerCheck, DeliveryUncertain, ShareUnconfirmed
from domain.events import CardShared
from domain.model import Customer, Invoice
from domain.money import Money
from domain.positions import CreditPolicyContext
from domain.sharing import (
    NOTE_LIMIT,
    CardGone,
    CardKind,
    CardSharing,
    SharedAlert,
    SharedCard,
    clean_note,
)
from domain.sharing_reads import card_readers
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
SALES = Member("U01SALESAMY", roles=frozenset({"sales"}))
OUTSIDER = Member("U9OUTSIDER1")
FINANCE = "C02FINANCE0"
CREDIT = "C03CREDIT00"
ELSEWHERE = "C0RANDOM000"
ACME = SharedCard(CardKind.CUSTOMER, "C0001")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(
        [Customer("C0001", "Acme Industrial Supply", usd("100000"), 30)],
        [Invoice("I1", "C0001", date(2026, 10, 1), date(2026, 10, 31), usd("40000"),
                 usd("40000"))])


@pytest.fixture
def sharing(uow: FakeUnitOfWork) -> CardSharing:
    access = CreditDataAccess(contacts=("U02CREDITMG",),
                              share_channels=frozenset({FINANCE, CREDIT}))
    checks = CreditChecks(uow, access, CreditPolicyContext("USD", AgingBuckets()),
                          lambda: NOW, ZoneInfo("Asia/Shanghai"))
    # Requests are read by the e2e tests; these read customers and alerts.
    readers = card_readers(checks, cast(CreditRequests, None))
    return CardSharing(uow, access, lambda: NOW, readers,
                       {"C01SALES000": "Sales", FINANCE: "Finance", CREDIT: "Credit"})


def test_the_picker_offers_the_departments_channels_open_to_credit_data(sharing):
    # Sales' channel is a department's, but not opened to credit data here.
    assert sharing.channels(SALES) == {FINANCE: "Finance", CREDIT: "Credit"}
    assert sharing.channels(OUTSIDER) == {}


def test_a_share_posts_fresh_figures_and_records_kind_subject_channel_and_note(sharing, uow):
    posted: list[object] = []
    found = sharing.share(SALES, ACME, FINANCE, "  please look before Friday's order  ",
                          posted.append)
    assert posted == [found]
    assert isinstance(found, CustomerCheck) and found.position.exposure == usd("40000.00")
    [entry] = uow.audit.entries
    assert (entry.at, entry.actor, entry.action, entry.subject, entry.details) == (
        NOW, "U01SALESAMY", "card.shared", "C0001",
        {"kind": "customer", "channel": FINANCE, "note": "please look before Friday's order"})
    assert uow.events.recorded == [CardShared(occurred_at=NOW, actor="U01SALESAMY",
                                              subject="C0001", channel=FINANCE,
                                              kind="customer")]


def test_figures_are_read_when_shared_not_when_the_button_was_drawn(sharing, uow):
    sharing.share(SALES, ACME, FINANCE, None, lambda _: None)
    uow.receivables.invoices.append(Invoice("I2", "C0001", date(2026, 11, 1),
                                            date(2026, 12, 1), usd("5000"), usd("5000")))
    found = sharing.share(SALES, ACME, FINANCE, None, lambda _: None)
    assert isinstance(found, CustomerCheck) and found.position.exposure == usd("45000.00")
    assert "note" not in uow.audit.entries[-1].details


def test_an_alert_is_shared_as_it_was_last_found_with_its_customer_now(sharing, uow):
    alert = Alert(AlertType.OVERDUE, "C0001", Subject("C0001", "Acme Industrial Supply"),
                  Severity.WARNING, 1, usd("40000"), Decimal("40000"), 29, {"bucket": "1-30"})
    uow.alerts.saved[alert.condition] = AlertState(
        alert.condition, alert.type, "C0001", 1, Severity.WARNING, 1, first_seen=NOW,
        last=alert)
    found = sharing.share(SALES, SharedCard(CardKind.ALERT, "overdue:C0001"), CREDIT,
                          "for the committee", lambda _: None)
    assert isinstance(found, SharedAlert)
    assert found.state.last == alert and isinstance(found.customer, CustomerCheck)
    assert uow.audit.entries[-1].details == {"kind": "alert", "channel": CREDIT,
                                             "note": "for the committee"}
    assert uow.audit.entries[-1].subject == "overdue:C0001"


def test_an_alert_no_longer_known_is_refused_and_nothing_posted(sharing, uow):
    posted: list[object] = []
    with pytest.raises(CardGone):
        sharing.share(SALES, SharedCard(CardKind.ALERT, "overdue:C0999"), CREDIT, None,
                      posted.append)
    assert posted == [] and uow.audit.entries == []


def test_someone_who_may_not_see_credit_data_is_refused_and_the_attempt_recorded(sharing,
                                                                                uow):
    posted: list[object] = []
    with pytest.raises(AccessDenied) as refused:
        sharing.share(OUTSIDER, ACME, FINANCE, "hi", posted.append)
    assert refused.value.contacts == ("U02CREDITMG",)
    assert posted == []
    [entry] = uow.audit.entries
    assert (entry.actor, entry.action, entry.subject, entry.details) == (
        "U9OUTSIDER1", "card.share_refused", "C0001", {"kind": "customer",
                                                       "channel": FINANCE})
    assert uow.events.recorded == []


def test_a_channel_not_opened_to_credit_data_is_refused_with_the_reason(sharing, uow):
    posted: list[object] = []
    with pytest.raises(ShareRefused) as refused:
        sharing.share(SALES, ACME, ELSEWHERE, None, posted.append)
    assert str(refused.value) == (
        "Credit positions can be shared only in the channels the organisation has opened to "
        "credit data (C02FINANCE0, C03CREDIT00); this one is not among them. A credit "
        "manager can open it (access.credit_data.share_channels in app.yaml).")
    assert posted == []
    [entry] = uow.audit.entries
    assert (entry.action, entry.details) == ("card.share_refused",
                                             {"kind": "customer", "channel": ELSEWHERE})


def test_a_post_slack_refused_leaves_no_record(sharing, uow):
    def refuse(_: object) -> None:
        raise RuntimeError("channel_not_found")

    with pytest.raises(RuntimeError):
        sharing.share(SALES, ACME, FINANCE, None, refuse)
    assert uow.audit.entries == [] and uow.events.recorded == []


def test_a_post_slack_may_have_taken_is_recorded_as_unconfirmed(sharing, uow):
    def no_answer(_: object) -> None:
        raise DeliveryUncertain

    with pytest.raises(ShareUnconfirmed):
        sharing.share(SALES, ACME, FINANCE, None, no_answer)
    [entry] = uow.audit.entries
    assert entry.details == {"kind": "customer", "channel": FINANCE, "confirmed": False}


def test_a_long_note_is_clipped():
    assert clean_note("x" * 2000) == "x" * (NOTE_LIMIT - 1) + "…"
    assert clean_note("  \n ") == "" and clean_note(None) == ""
