"""Orders placed in creditbot count in exposure, on SQLite and PostgreSQL, through the
repositories and the check's own reads alike: a passed or released Slack order counts
(a held one does not) from its order date for ``pending_days``, until the ERP exports
an order of the same customer whose id is the reference the rep typed. Placing and
releasing move the check's data version, so no remembered position misses them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine, insert

from domain.exposure import OrderBalance
from domain.lookup import normalize_name
from domain.money import Money
from domain.orders.model import OrderCheck, OrderSource, OrderState
from storage.check_reads import SqlCheckReads
from storage.models import CustomerRow, OrderRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
SINCE = TODAY - timedelta(days=30)


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), [dict(
            customer_id=cid, name=name, name_key=normalize_name(name), currency="USD",
            credit_limit=Decimal("1000000"), payment_terms_days=30)
            for cid, name in (("C1", "Acme"), ("C2", "Beta"))])
        conn.execute(insert(OrderRow.__table__), [
            dict(order_id="E1", customer_id="C1", order_date=TODAY, amount=Decimal("100"),
                 currency="USD", status="open", contract_id=None),
            # The ERP's order for C1's PO-9 arrived: the Slack order with that reference
            # counts no more (the ERP's counts instead, while open).
            dict(order_id="PO-9", customer_id="C1", order_date=TODAY, amount=Decimal("7"),
                 currency="USD", status="invoiced", contract_id=None),
            # Another customer's order with the same id stands for nothing of C1's.
            dict(order_id="PO-8", customer_id="C2", order_date=TODAY, amount=Decimal("5"),
                 currency="USD", status="invoiced", contract_id=None)])


def slack(amount: str, state: OrderState, *, reference: str | None = None,
          day: date = TODAY, currency: str = "USD", customer: str = "C1") -> OrderCheck:
    return OrderCheck(OrderSource.SLACK, "", customer, "Acme",
                      Money(Decimal(amount), currency), day, state, (), NOW, "U0REP00001",
                      reference=reference)


def place_all(engine: Engine) -> None:
    with uow(engine) as work:
        for order in (
            slack("1000", OrderState.PASSED),
            slack("2000", OrderState.RELEASED, reference="PO-8"),
            slack("40000", OrderState.HELD),                       # held: not shipping
            slack("300", OrderState.PASSED, reference="PO-9"),     # the ERP has it
            # Typed with other separators, it is the same order: counted as the rep's and
            # as the ERP's, the exposure held it twice.
            slack("700", OrderState.PASSED, reference="po 9"),
            slack("710", OrderState.PASSED, reference="PO - 9"),  # spaces round one: one
            slack("720", OrderState.PASSED, reference="PO #9"),
            slack("730", OrderState.PASSED, reference="PO-9."),   # a sentence's stop
            slack("50", OrderState.PASSED, day=SINCE),             # the last day it counts
            slack("60000", OrderState.PASSED, day=SINCE - timedelta(days=1)),  # too old
            slack("20", OrderState.PASSED, currency="EUR"),
            slack("4", OrderState.PASSED, customer="C2"),
        ):
            work.orders.add(order)
        # An ERP order's check is no Slack order: the ERP's own row counts it.
        work.orders.add(dataclasses.replace(
            slack("100", OrderState.PASSED), source=OrderSource.ERP, order_id="E1"))
        work.commit()


EXPECTED = {
    OrderBalance("C1", "USD", Decimal("100"), 1),
    OrderBalance("C1", "USD", Decimal("3050"), 3, placed=True),
    OrderBalance("C1", "EUR", Decimal("20"), 1, placed=True),
}


def _normal(balances: list[OrderBalance]) -> set[OrderBalance]:
    return {dataclasses.replace(b, amount=Decimal(b.amount).normalize()) for b in balances}


def test_placed_orders_count_until_the_erp_has_them_through_both_reads(engine):
    seed(engine)
    place_all(engine)
    expected = _normal(list(EXPECTED))
    with uow(engine) as work:
        assert _normal(work.receivables.order_balances(["C1"], SINCE)) == expected
        # Without a day (a caller that has none) the ERP's orders only.
        assert _normal(work.receivables.order_balances(["C1"])) == {
            OrderBalance("C1", "USD", Decimal("100"), 1)}
        everyone = _normal(work.receivables.order_balances(None, SINCE))
        assert OrderBalance("C2", "USD", Decimal("4"), 1, placed=True) in everyone
        assert expected <= everyone
    with SqlCheckReads(engine)() as read:
        read.version()
        assert _normal(read.order_balances(["C1"], SINCE)) == expected
        assert _normal(read.order_balances(["C1"])) == {
            OrderBalance("C1", "USD", Decimal("100"), 1)}


def test_placing_and_releasing_an_order_move_the_check_version(engine):
    seed(engine)
    reads = SqlCheckReads(engine)

    def version() -> object:
        with reads() as read:
            return read.version()

    first = version()
    assert first is not None and version() == first
    with uow(engine) as work:
        held = work.orders.add(slack("10", OrderState.HELD))
        work.commit()
    placed = version()
    assert placed != first
    with uow(engine) as work:
        work.orders.save(dataclasses.replace(held, state=OrderState.RELEASED,
                                             released_at=NOW, released_by="creditbot"))
        work.commit()
    released = version()
    assert released not in (first, placed)
    assert version() == released


def test_placed_orders_under_a_contract_count_in_its_use(engine):
    seed(engine)
    with uow(engine) as work:
        for order in (
            dataclasses.replace(slack("10", OrderState.PASSED), contract_id="K9"),
            dataclasses.replace(slack("20", OrderState.HELD), contract_id="K9"),
            dataclasses.replace(slack("40", OrderState.PASSED, reference="PO-9"),
                                contract_id="K9"),                  # the ERP has it
            dataclasses.replace(slack("45", OrderState.PASSED, reference="PO/9"),
                                contract_id="K9"),                  # so too
            # Another order: its parts are not PO-9's (read without separators, they
            # were, and it left the exposure).
            dataclasses.replace(slack("46", OrderState.PASSED, reference="P-O-9"),
                                contract_id="K9"),
            dataclasses.replace(slack("80", OrderState.RELEASED), contract_id="K8"),
        ):
            work.orders.add(order)
        work.commit()
    with uow(engine) as work:
        assert work.orders.contract_orders("K9") == []
        placed = work.orders.contract_orders("K9", SINCE)
        assert sorted((p.customer_id, p.amount.amount, p.contract_id) for p in placed) == [
            ("C1", Decimal("10"), "K9"), ("C1", Decimal("46"), "K9")]
        named = work.orders.erp_order_named("C1", "po/9")
        assert named is not None and named.order_id == "PO-9"
        assert work.orders.erp_order_named("C2", "po/9") is None


def test_six_orders_at_once_take_the_headroom_once(engine):
    import threading
    from zoneinfo import ZoneInfo

    from domain.access import CreditDataAccess, Member
    from domain.aging import AgingBuckets
    from domain.orders.model import OrderRules
    from domain.orders.use_cases import OrderChecks
    from domain.positions import CreditPolicyContext

    seed(engine)  # C1: limit $1,000,000, an open ERP order of $100
    checks = OrderChecks(lambda: uow(engine), CreditDataAccess(),
                         CreditPolicyContext("USD", AgingBuckets((30, 60, 90))),
                         OrderRules(on_hold=False, contracts=False), lambda: NOW,
                         ZoneInfo("Asia/Shanghai"))
    rep = Member("U0REP00001", frozenset({"sales"}))
    barrier = threading.Barrier(6)
    states: list[OrderState] = []

    def place() -> None:
        barrier.wait()
        answer = checks.place(rep, "C1", "300000")
        assert answer.check is not None
        states.append(answer.check.state)

    threads = [threading.Thread(target=place) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # $100 + 3 x $300,000 fits in $1,000,000; a fourth would not.
    assert sorted(states) == [OrderState.HELD] * 3 + [OrderState.PASSED] * 3
    with uow(engine) as work:
        [placed] = [b for b in work.receivables.order_balances(["C1"], SINCE) if b.placed]
    assert (placed.amount, placed.orders) == (Decimal("900000"), 3)
