"""The check capability's use cases against the in-memory unit of work: who may look,
what is recorded, and that a failed share leaves no trace."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member, ShareRefused
from domain.aging import AgingBuckets
from domain.check import (
    CreditChecks,
    CustomerCheck,
    DeliveryUncertain,
    GroupCheck,
    QueryTooLong,
    ShareUnconfirmed,
)
from domain.errors import DomainError
from domain.events import CardShared
from domain.model import Customer, Invoice, Order
from domain.money import Money
from domain.positions import CreditPolicyContext
from domain.refs import CustomerRef, GroupRef
from tests.fakes import FakeUnitOfWork

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
SALES = Member("U01SALESAMY", roles=frozenset({"sales"}))
OUTSIDER = Member("U9OUTSIDER1")
CHANNEL = "C01SALES000"
ELSEWHERE = "C0RANDOM000"


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


CUSTOMERS = [
    Customer("C0001", "Acme Industrial Supply", usd("100000"), 30),
    Customer("C0002", "Bergmann Maschinenbau GmbH", eur("50000"), 60, group_id="NORDIC"),
    Customer("C0003", "Bergmann Service GmbH", eur("10000"), 30, group_id="NORDIC"),
]
INVOICES = [
    Invoice("I1", "C0001", date(2026, 10, 1), date(2026, 10, 31), usd("40000"), usd("40000")),
    Invoice("I2", "C0002", date(2026, 11, 1), date(2026, 12, 1), eur("20000"), eur("20000")),
    Invoice("I3", "C0003", date(2026, 8, 1), date(2026, 8, 31), eur("12000"), eur("12000")),
]
ORDERS = [Order("O1", "C0001", date(2026, 11, 20), usd("5000"))]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(CUSTOMERS, INVOICES, ORDERS, rates={"EUR": Decimal("1.10")})


@pytest.fixture
def checks(uow: FakeUnitOfWork) -> CreditChecks:
    access = CreditDataAccess(contacts=("U02CREDITMG",), share_channels=frozenset({CHANNEL}))
    return CreditChecks(uow, access, CreditPolicyContext("USD", AgingBuckets()),
                        lambda: NOW, ZoneInfo("Asia/Shanghai"))


def test_a_check_answers_with_the_position_and_records_who_looked(checks, uow):
    found = checks.check(SALES, "acme")
    assert isinstance(found, CustomerCheck)
    assert found.customer.customer_id == "C0001"
    assert found.position.exposure == usd("45000.00")
    assert found.position.available == usd("55000.00")
    assert found.position.aging.oldest_overdue_days == 29  # due 31 Oct, today 29 Nov
    [entry] = uow.audit.entries
    assert (entry.actor, entry.action, entry.subject, entry.details, entry.at) == (
        "U01SALESAMY", "credit.checked", "C0001", {"query": "acme"}, NOW)


def test_full_width_letters_find_the_customer(checks):
    found = checks.check(SALES, "ＡＣＭＥ　ｉｎｄｕｓｔｒｉａｌ")
    assert isinstance(found, CustomerCheck) and found.customer.customer_id == "C0001"


def test_a_group_id_gives_the_pooled_position_and_each_member(checks, uow):
    found = checks.check(SALES, "nordic")
    assert isinstance(found, GroupCheck)
    assert [m.customer.customer_id for m in found.members] == ["C0002", "C0003"]
    # pooled in the base currency: (50,000 + 10,000) EUR at 1.10 = 66,000 USD
    assert found.position.limit == usd("66000.00")
    assert found.position.exposure == usd("35200.00")
    assert found.members[1].position.exposure == eur("12000.00")
    assert uow.audit.entries[0].subject == "group:NORDIC"


def test_people_outside_the_configuration_see_nothing_and_the_attempt_is_recorded(checks,
                                                                                 uow):
    with pytest.raises(AccessDenied) as refused:
        checks.check(OUTSIDER, "acme")
    assert refused.value.contacts == ("U02CREDITMG",)
    [entry] = uow.audit.entries
    assert (entry.actor, entry.action, entry.subject, entry.details) == (
        "U9OUTSIDER1", "credit.check_refused", "", {"query": "acme"})


def test_a_pasted_essay_is_not_a_customer_name(checks):
    with pytest.raises(QueryTooLong) as refused:
        checks.check(SALES, "x" * 3000)
    assert str(refused.value) == (
        "That is 3000 characters long, too long to be a customer's name or id (at most 200). "
        "Try part of the name or the id, e.g. C0001.")


def test_sharing_posts_fresh_figures_and_records_the_share(checks, uow):
    posted = []
    found = checks.share(SALES, CustomerRef("C0001", ""), CHANNEL, posted.append)
    assert posted == [found]
    [entry] = uow.audit.entries
    assert (entry.action, entry.subject, entry.details) == (
        "credit.card_shared", "C0001", {"channel": CHANNEL})
    [event] = uow.events.recorded
    assert event == CardShared(occurred_at=NOW, actor="U01SALESAMY", subject="C0001",
                               channel=CHANNEL, kind="customer")
    assert event.payload() == {"channel": CHANNEL, "kind": "customer"}


def test_a_group_card_can_be_shared_too(checks, uow):
    found = checks.share(SALES, GroupRef("NORDIC"), CHANNEL, lambda _: None)
    assert isinstance(found, GroupCheck)
    assert uow.events.recorded[0].kind == "group"


def test_sharing_outside_the_allowed_channels_is_refused_before_anything_happens(checks, uow):
    posted = []
    with pytest.raises(ShareRefused) as refused:
        checks.share(SALES, CustomerRef("C0001", ""), ELSEWHERE, posted.append)
    assert refused.value.allowed == (CHANNEL,)
    assert posted == [] and uow.events.recorded == []
    [entry] = uow.audit.entries
    assert (entry.action, entry.subject, entry.details) == (
        "credit.share_refused", "C0001", {"channel": ELSEWHERE})


def test_a_share_that_slack_refused_is_not_recorded(checks, uow):
    def refuse(_found):
        raise ConnectionError("Slack is down")

    with pytest.raises(ConnectionError):
        checks.share(SALES, CustomerRef("C0001", ""), CHANNEL, refuse)
    assert uow.audit.entries == [] and uow.events.recorded == [] and uow.commits == 0


def test_outsiders_cannot_share_either(checks, uow):
    with pytest.raises(AccessDenied):
        checks.share(OUTSIDER, CustomerRef("C0001", ""), CHANNEL, lambda _: None)
    assert [(e.actor, e.action) for e in uow.audit.entries] == [
        ("U9OUTSIDER1", "credit.share_refused")]
    assert uow.events.recorded == []


def test_a_share_slack_may_have_taken_is_recorded_and_not_to_be_repeated(checks, uow):
    def no_answer(_found):
        raise DeliveryUncertain

    with pytest.raises(ShareUnconfirmed) as unconfirmed:
        checks.share(SALES, CustomerRef("C0001", ""), CHANNEL, no_answer)
    assert str(unconfirmed.value) == (
        "Slack did not confirm the card, so it may already be in the channel. Look "
        "there before you share it again.")
    [entry] = uow.audit.entries
    assert (entry.action, entry.details) == ("credit.card_shared",
                                             {"channel": CHANNEL, "confirmed": False})
    assert [e.subject for e in uow.events.recorded] == ["C0001"]


def test_a_button_names_its_customer_exactly_not_by_a_lookup(checks, uow):
    # "C0002" is an id here, never a name to match roughly
    found = checks.check_ref(SALES, CustomerRef("C0002", ""))
    assert isinstance(found, CustomerCheck) and found.customer.customer_id == "C0002"
    with pytest.raises(DomainError, match=r"^Customer C9999 no longer exists\.$"):
        checks.check_ref(SALES, CustomerRef("C9999", ""))


def test_with_a_view_log_a_check_writes_nothing_in_its_own_transaction(uow):
    class Views:
        def __init__(self):
            self.entries = []

        def record(self, entry):
            self.entries.append(entry)

    views = Views()
    checks = CreditChecks(uow, CreditDataAccess(share_channels=frozenset({CHANNEL})),
                          CreditPolicyContext("USD", AgingBuckets()), lambda: NOW,
                          ZoneInfo("Asia/Shanghai"), views=views)
    checks.check(SALES, "acme")
    assert uow.commits == 0 and uow.audit.entries == []
    assert [(e.action, e.subject) for e in views.entries] == [("credit.checked", "C0001")]
