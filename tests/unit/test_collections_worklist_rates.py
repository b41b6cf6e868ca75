"""An account billed in a currency with no exchange rate does not take the worklist
down: it is listed in its own currency, after every account weighed in full, and its
line says which rate is missing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from domain.collections.work import CollectorsDay
from domain.money import Money
from handlers.collections.blocks import line
from handlers.i18n import translator
from tests.fakes import FakeUnitOfWork
from tests.unit.collections_day_world import make_day, make_uow
from tests.unit.test_collections_work import MEI, NOW, invoice


@pytest.fixture
def clock() -> list[datetime]:
    return [NOW]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return make_uow()


@pytest.fixture
def day(uow: FakeUnitOfWork, clock: list[datetime]) -> CollectorsDay:
    return make_day(uow, clock)


def test_an_account_without_a_rate_is_listed_last_in_its_own_currency(
        day: CollectorsDay, uow: FakeUnitOfWork) -> None:
    chf = Money(Decimal(900_000), "CHF")
    # The largest, oldest debt of all, but nothing says what a franc is worth.
    uow.receivables.invoices = [*uow.receivables.invoices, replace(
        invoice("I9", "C1", 200, 1), amount=chf, open_amount=chf)]
    listed = day.worklist(MEI).page
    assert [it.customer_id for it in listed.items] == ["C2", "C3", "C1"]
    c1 = listed.items[2]
    assert c1.unpriced == ("CHF",)
    assert c1.weight == Decimal(60_000)  # its USD invoices still weigh
    assert line(c1, translator("en-US")).splitlines()[1] == (
        "Overdue: 1-30 days: $1,000.00 · 90+ days: CHF\u00a0900,000.00 + $500.00 (no rate for "
        "CHF: listed last)")
