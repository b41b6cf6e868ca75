"""Checks through ``CreditChecks.reads``: positions are remembered per data version and
per day, and every check is still access-checked and recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access import AccessDenied, CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.check import CreditChecks
from domain.check.reads import Collecting, Remembered
from domain.collections.model import Assignment, AssignmentStatus
from domain.errors import AmbiguousCustomer
from domain.money import Money
from domain.positions import CreditPolicyContext
from domain.refs import CustomerRef
from tests.fakes import FakeUnitOfWork
from tests.unit.test_check_use_cases import CUSTOMERS, INVOICES, ORDERS

SALES = Member("U01SALESAMY", roles=frozenset({"sales"}))
OUTSIDER = Member("U9OUTSIDER1")
SHANGHAI = ZoneInfo("Asia/Shanghai")


class Reads:
    """The fake unit of work's repositories as a check's read, with a version the test
    sets; counts the statements a real read would run."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.data_version: int | None = 1
        self.lookups = 0
        self.positions = 0
        self.looks = 0  # version statements

    def __call__(self) -> Reads:
        return self

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def version(self) -> int | None:
        self.looks += 1
        return self.data_version

    @property
    def customers(self):  # type: ignore[no-untyped-def]
        return self

    @property
    def receivables(self):  # type: ignore[no-untyped-def]
        return self

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        # The repositories' methods; the first statement of a lookup and of a position
        # are counted.
        if name == "by_ids":
            self.lookups += 1
        if name == "aged_balances":
            self.positions += 1
        for repository in (self.uow.customers, self.uow.receivables):
            if hasattr(repository, name):
                return getattr(repository, name)
        raise AttributeError(name)

    @property
    def rates(self):  # type: ignore[no-untyped-def]
        return self.uow.rates

    @property
    def limits(self):  # type: ignore[no-untyped-def]
        return self.uow.credit_requests

    def collecting(self, customer_id: str) -> Collecting | None:
        current = self.uow.collections.open_assignment(customer_id)
        return Collecting(current.collector, current.status.value) if current else None

    def held_orders(self, customer_id: str) -> list[str]:
        return self.uow.orders.held_ids(customer_id)


class Views:
    def __init__(self) -> None:
        self.entries: list = []  # type: ignore[type-arg]

    def record(self, entry) -> None:  # type: ignore[no-untyped-def]
        self.entries.append(entry)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(CUSTOMERS, INVOICES, ORDERS, rates={"EUR": Decimal("1.10")})


@pytest.fixture
def reads(uow: FakeUnitOfWork) -> Reads:
    return Reads(uow)


@pytest.fixture
def views() -> Views:
    return Views()


@pytest.fixture
def clock() -> Clock:
    # 23:30 in Shanghai, half an hour before the organisation's midnight.
    return Clock(datetime(2026, 11, 29, 15, 30, tzinfo=UTC))


@pytest.fixture
def checks(uow, reads, views, clock) -> CreditChecks:  # type: ignore[no-untyped-def]
    return CreditChecks(uow, CreditDataAccess(contacts=("U02CREDITMG",)),
                        CreditPolicyContext("USD", AgingBuckets()), clock, SHANGHAI,
                        views=views, reads=reads)


def test_a_second_check_of_the_same_version_reads_nothing_again(checks, reads, views):
    first = checks.check(SALES, "acme")
    again = checks.check(SALES, "acme")
    assert again is first
    assert (reads.lookups, reads.positions) == (1, 1)
    # each check is recorded, remembered or not
    assert [(e.actor, e.action, e.subject, e.details) for e in views.entries] == [
        ("U01SALESAMY", "credit.checked", "C0001", {"query": "acme"})] * 2


def test_another_query_for_the_same_customer_reuses_its_position(checks, reads):
    first = checks.check(SALES, "acme")
    assert checks.check(SALES, "C0001") is first
    assert checks.check_ref(SALES, CustomerRef("C0001", "")) is first
    assert reads.positions == 1


def test_an_import_means_reading_again(checks, reads, uow):
    before = checks.check(SALES, "C0001")
    uow.customers.rows["C0001"] = CUSTOMERS[0].__class__(
        "C0001", "Acme Industrial Supply", Money(Decimal("250000"), "USD"), 30)
    assert checks.check(SALES, "C0001") is before  # same version: nothing imported yet
    reads.data_version = 2  # an import committed
    after = checks.check(SALES, "C0001")
    assert after.position.limit == Money(Decimal("250000"), "USD")
    assert before.position.limit == Money(Decimal("100000"), "USD")


def test_nothing_is_remembered_while_an_import_runs(checks, reads):
    reads.data_version = None
    first = checks.check(SALES, "acme")
    second = checks.check(SALES, "acme")
    assert second is not first and second == first
    assert (reads.lookups, reads.positions) == (2, 2)


def test_midnight_in_the_organisations_zone_ages_the_invoices_again(checks, reads, clock):
    before = checks.check(SALES, "C0003")
    clock.now += timedelta(minutes=45)  # 00:15 in Shanghai, still the 29th in UTC
    after = checks.check(SALES, "C0003")
    assert reads.positions == 2
    assert (before.position.as_of.day, after.position.as_of.day) == (29, 30)
    assert after.position.aging.oldest_overdue_days == \
        before.position.aging.oldest_overdue_days + 1  # type: ignore[operator]


def test_a_new_collector_shows_once_the_version_moves(checks, reads, uow, clock):
    first = checks.check(SALES, "acme")
    assert first.collecting is None
    uow.collections.add_assignment(Assignment("C0001", "U04COLLECT1", AssignmentStatus.OPEN,
                                              "U02CREDITMG", clock.now))
    reads.data_version = 2  # what the assignment's commit does to the real version
    assigned = checks.check(SALES, "acme")
    assert assigned.collecting == ("U04COLLECT1", "open")
    # the card is remembered with its collector: the same object while nothing moves
    assert checks.check(SALES, "C0001") is assigned
    assert reads.positions == 2


def test_a_remembered_check_reads_no_collector(checks, reads, uow, clock):
    """The collector is part of the remembered position (assignments move the version):
    a remembered check is the version statement alone."""
    first = checks.check(SALES, "acme")
    uow.collections.add_assignment(Assignment("C0001", "U04COLLECT1", AssignmentStatus.OPEN,
                                              "U02CREDITMG", clock.now))
    assert checks.check(SALES, "acme") is first
    assert first.collecting is None


def test_a_remembered_position_is_still_refused_to_outsiders(checks, views):
    checks.check(SALES, "acme")
    with pytest.raises(AccessDenied):
        checks.check(OUTSIDER, "acme")
    with pytest.raises(AccessDenied):
        checks.check_ref(OUTSIDER, CustomerRef("C0001", ""))


def test_an_unclear_query_is_asked_again_each_time(checks, reads):
    for _ in range(2):
        with pytest.raises(AmbiguousCustomer):
            checks.check(SALES, "bergmann")
    assert reads.lookups == 2


def test_a_group_is_remembered_like_a_customer(checks, reads):
    first = checks.check(SALES, "NORDIC")
    assert checks.check(SALES, "nordic") is first
    assert reads.positions == 1


def test_remembered_values_belong_to_one_version():
    remembered: Remembered[str, int] = Remembered(most=2)
    remembered.put(1, "a", 10)
    assert remembered.get(1, "a") == 10
    assert remembered.get(2, "a") is None
    remembered.put(2, "b", 20)
    assert remembered.get(1, "a") is None and remembered.get(2, "b") == 20
    remembered.put(2, "c", 30)
    remembered.put(2, "d", 40)  # bounded: starts again past ``most``
    assert remembered.get(2, "b") is None and remembered.get(2, "d") == 40


def test_a_whole_name_ending_in_a_number_is_one_look_and_a_recorded_check(checks, reads,
                                                                          views):
    first = checks.check_whole(SALES, "acme")
    assert first is not None and first.customer.customer_id == "C0001"
    assert checks.check_whole(SALES, "acme") is first
    assert reads.looks == 2  # one version statement per check, nothing else
    assert [(e.action, e.subject, e.details) for e in views.entries] == [
        ("credit.checked", "C0001", {"query": "acme"})] * 2


def test_a_name_and_an_amount_is_no_check_and_records_nothing(checks, views):
    assert checks.check_whole(SALES, "acme 50k") is None
    assert views.entries == []


def test_someone_who_may_not_see_credit_data_gets_no_whole_name_check(checks, views):
    # their order check is refused (and recorded) by the orders use case
    assert checks.check_whole(OUTSIDER, "acme") is None
    assert views.entries == []
