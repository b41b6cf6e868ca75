"""The worklist's reads on SQLite and PostgreSQL: open invoices and payments since a day
(storage.repositories.receivables), and ``/credit collect`` for a collector with 500
accounts answered well within the 2 s the bot answers inline in (use case + rendering,
measured and printed; run with ``-s`` to see the figures)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, insert, update

from domain.access import CreditDataAccess, Member
from domain.aging import AgingBuckets
from domain.collections.day import WorkPolicy
from domain.collections.work import CollectorsDay
from handlers.collections.blocks import worklist
from handlers.collections.blocks_notices import CollectionNotices
from handlers.i18n import translator
from handlers.render import BLOCKS_PER_MESSAGE, SECTION_TEXT
from storage.models import CollectionAssignmentRow, CustomerRow, InvoiceRow, PaymentRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = NOW.date()
COLLECTOR = "U04COLLECT1"
ACCOUNTS = 500
INVOICES_EACH = 6
BUDGET_SECONDS = 2.0


def seed(engine: Engine, accounts: int) -> None:
    customers, invoices, assignments = [], [], []
    for n in range(accounts):
        cid = f"C{n:05}"
        customers.append({"customer_id": cid, "name": f"Customer {n}", "name_key": f"customer{n}",
                          "currency": "USD", "credit_limit": Decimal(100_000),
                          "payment_terms_days": 30})
        for k in range(INVOICES_EACH):
            due = TODAY - timedelta(days=(n * 7 + k * 23) % 200 - 30)
            amount = Decimal(1000 + (n * 37 + k * 101) % 9000)
            invoices.append({"invoice_id": f"I{n:05}-{k}", "customer_id": cid,
                             "issue_date": due - timedelta(days=30), "due_date": due,
                             "amount": amount, "currency": "USD", "open_amount": amount,
                             "status": "open"})
        assignments.append({"customer_id": cid, "collector": COLLECTOR, "status": "open",
                            "assigned_by": "rules", "assigned_at": NOW - timedelta(days=3),
                            "next_action_on": TODAY if n % 10 == 0 else None, "version": 1})
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow), customers)
        conn.execute(insert(InvoiceRow), invoices)
        conn.execute(insert(CollectionAssignmentRow), assignments)


def day_of(engine: Engine) -> CollectorsDay:
    sessions = unit_of_work_factory(engine)
    return CollectorsDay(lambda: SqlUnitOfWork(sessions), CreditDataAccess(), WorkPolicy(),
                         AgingBuckets(), "USD", lambda: NOW, UTC,
                         CollectionNotices(lambda _: "en-US", UTC),
                         # Collectors app.yaml lists: only they are nudged.
                         people=lambda user: Member(user, roles=frozenset({"collector"})))


def test_open_invoices_and_payments_since(engine: Engine) -> None:
    seed(engine, 2)
    with engine.begin() as conn:
        conn.execute(insert(PaymentRow), [
            {"payment_id": "P1", "customer_id": "C00000", "date": TODAY, "amount": Decimal(300),
             "currency": "USD", "invoice_id": "I00000-1"},
            {"payment_id": "P2", "customer_id": "C00000", "date": TODAY - timedelta(days=9),
             "amount": Decimal(700), "currency": "USD", "invoice_id": None},
            {"payment_id": "P3", "customer_id": "C00000", "date": TODAY, "amount": Decimal(5),
             "currency": "EUR", "invoice_id": None}])
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        found = uow.receivables.open_invoices(["C00001", "C00000"])
        # By customer, then oldest due first.
        assert [i.invoice_id for i in found][:INVOICES_EACH] == [
            "I00000-5", "I00000-4", "I00000-3", "I00000-2", "I00000-1", "I00000-0"]
        assert len(found) == 2 * INVOICES_EACH
        assert found[-1].open_amount.amount == Decimal(1037)
        # The total per currency and day (the EUR payment apart, for the caller to
        # convert at its day's rates).
        ten, nine = TODAY - timedelta(days=10), TODAY - timedelta(days=9)
        assert uow.receivables.paid_since("C00000", ten) == {
            ("USD", TODAY): Decimal(300), ("USD", nine): Decimal(700),
            ("EUR", TODAY): Decimal(5)}
        assert uow.receivables.paid_since("C00000", TODAY) == {("USD", TODAY): Decimal(300),
                                                               ("EUR", TODAY): Decimal(5)}
        assert uow.receivables.paid_since("C00000", date(2020, 1, 1),
                                          ["I00000-1"]) == {("USD", TODAY): Decimal(300)}
        assert uow.receivables.paid_since("C00001", TODAY) == {}
        # Up to a day: the payment dated today is after it.
        assert uow.receivables.paid_since("C00000", ten, until=TODAY - timedelta(days=1)) == {
            ("USD", nine): Decimal(700)}


def test_settled_names_the_customers_invoices_with_nothing_left_to_pay(engine: Engine) -> None:
    seed(engine, 2)
    with engine.begin() as conn:
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == "I00000-1")
                     .values(status="paid", open_amount=Decimal(0)))
        # Open in name, nothing left on it: settled as well.
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == "I00000-2")
                     .values(open_amount=Decimal(0)))
        conn.execute(update(InvoiceRow).where(InvoiceRow.invoice_id == "I00001-1")
                     .values(status="paid", open_amount=Decimal(0)))
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        assert uow.receivables.settled("C00000") == {"I00000-1", "I00000-2"}
        assert uow.receivables.settled("C00002") == set()


@pytest.mark.xdist_group("timing")
def test_collect_for_500_accounts_answers_within_the_inline_budget(engine: Engine) -> None:
    seed(engine, ACCOUNTS)
    day = day_of(engine)
    tr = translator("en-US")
    me = Member(COLLECTOR, roles=frozenset({"collector"}))
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        text, blocks = worklist(day.worklist(me, 1), tr)
        timings.append(time.perf_counter() - started)
    listed = day.worklist(me, 50)
    print(f"\n/credit collect, {ACCOUNTS} accounts on {engine.dialect.name}: median "
          f"{statistics.median(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms")
    assert text == "500 accounts to collect"
    assert len(blocks) <= BLOCKS_PER_MESSAGE
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks if b["type"] == "section")
    assert (listed.page.number, listed.page.pages, len(listed.page.items)) == (50, 50, 10)
    assert statistics.median(timings) < BUDGET_SECONDS
