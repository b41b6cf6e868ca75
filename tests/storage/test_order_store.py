"""Order checks on SQLite and PostgreSQL: a check and its failures come back exactly
(hostile text included), Slack orders get creditbot's CB- ids, held orders and ERP
orders not yet reviewed are found, a stale version is refused; and a release by
approval racing a release by re-check releases the order once."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert

from domain.access import CreditDataAccess
from domain.aging import AgingBuckets
from domain.lookup import normalize_name
from domain.money import Money
from domain.orders.context import OrderChanged
from domain.orders.model import Failure, OrderCheck, OrderRules, OrderSource, OrderState, Rule
from domain.orders.use_cases import OrderChecks
from domain.positions import CreditPolicyContext
from storage.check_reads import SqlCheckReads
from storage.models import ContractRow, CustomerRow, OrderRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 30)
HOSTILE = "PO <!channel> *x* 订单 \u202e"


def uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(unit_of_work_factory(engine))


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(insert(CustomerRow.__table__), [dict(
            customer_id="C1", name="Acme", name_key=normalize_name("Acme"), currency="USD",
            credit_limit=Decimal("1000"), payment_terms_days=30, owner_slack_id="U0OWNER001")])
        conn.execute(insert(OrderRow.__table__), [
            dict(order_id="E2", customer_id="C1", order_date=TODAY, amount=Decimal("10"),
                 currency="USD", status="open", contract_id="K1"),
            dict(order_id="E1", customer_id="C1", order_date=TODAY - timedelta(days=1),
                 amount=Decimal("20"), currency="USD", status="open", contract_id=None),
            dict(order_id="E3", customer_id="C1", order_date=TODAY, amount=Decimal("30"),
                 currency="USD", status="shipped", contract_id="K1")])
        conn.execute(insert(ContractRow.__table__), [dict(
            contract_id="K1", customer_id="C1", start_date=date(2026, 1, 1),
            end_date=date(2026, 12, 31), payment_terms_days=30, credit_limit=Decimal("500"),
            currency="USD")])


def check(**changes: object) -> OrderCheck:
    base = OrderCheck(OrderSource.SLACK, "", "C1", "Acme", Money(Decimal("1234.5"), "USD"),
                      TODAY, OrderState.HELD,
                      (Failure(Rule.LIMIT, {"exposure": "USD 1.00", "over": HOSTILE}),),
                      NOW, "U0REP00001", reference=HOSTILE)
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_check_comes_back_exactly_with_its_slack_id(engine):
    seed(engine)
    with uow(engine) as work:
        first = work.orders.add(check())
        second = work.orders.add(check(state=OrderState.PASSED, failures=()))
        work.commit()
    assert (first.order_id, second.order_id) == (f"CB-{first.id}", f"CB-{second.id}")
    with uow(engine) as work:
        assert work.orders.find("C1", first.order_id) == dataclasses.replace(first, version=1)
        assert work.orders.held() == [first]
        assert work.orders.held(["C1"]) == [first]
        assert work.orders.held(["C2"]) == []
        assert work.orders.held_ids("C1") == [first.order_id]
        assert work.orders.held_ids("C2") == []


def test_erp_orders_not_reviewed_contracts_and_their_orders(engine):
    seed(engine)
    with uow(engine) as work:
        assert [o.order_id for o in work.orders.unreviewed_erp_orders()] == ["E1", "E2"]
        work.orders.add(check(source=OrderSource.ERP, order_id="E1"))
        work.commit()
    with uow(engine) as work:
        assert [o.order_id for o in work.orders.unreviewed_erp_orders()] == ["E2"]
        [contract] = work.orders.contracts("C1")
        assert (contract.contract_id, contract.credit_limit) == (
            "K1", Money(Decimal("500"), "USD"))
        assert sorted(o.order_id for o in work.orders.contract_orders("K1")) == ["E2", "E3"]
        assert work.orders.erp_order("E3").status.value == "shipped"  # type: ignore[union-attr]
        with pytest.raises(OrderChanged):
            work.orders.add(check(source=OrderSource.ERP, order_id="E1"))


def test_a_stale_version_is_refused(engine):
    seed(engine)
    with uow(engine) as work:
        stored = work.orders.add(check())
        work.orders.save(dataclasses.replace(stored, state=OrderState.RELEASED))
        with pytest.raises(OrderChanged):
            work.orders.save(dataclasses.replace(stored, state=OrderState.RELEASED))


def test_approval_and_recheck_racing_release_the_order_once(engine):
    seed(engine)
    checks = OrderChecks(lambda: uow(engine), CreditDataAccess(),
                         CreditPolicyContext("USD", AgingBuckets((30, 60, 90))),
                         OrderRules(contracts=False), lambda: NOW, ZoneInfo("Asia/Shanghai"))
    with uow(engine) as work:
        held = work.orders.add(check(amount=Money(Decimal("5"), "USD")))
        work.commit()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def by_approval() -> None:
        barrier.wait()
        try:
            with uow(engine) as work:
                work.begin_write()
                results.append(checks.release_approved(work, "C1", held.order_id, 9,
                                                       "U0CM000001", NOW))
                work.commit()
        except OrderChanged as lost:
            results.append(lost)

    def by_recheck() -> None:
        barrier.wait()
        results.append(checks.recheck())

    threads = [threading.Thread(target=by_approval), threading.Thread(target=by_recheck)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with uow(engine) as work:
        stored = work.orders.find("C1", held.order_id)
    assert stored is not None and stored.state is OrderState.RELEASED
    assert stored.version == 2


def test_orders_placed_at_once_each_see_the_holds_before_them(engine):
    from domain.access import Member

    seed(engine)
    checks = OrderChecks(lambda: uow(engine), CreditDataAccess(),
                         CreditPolicyContext("USD", AgingBuckets((30, 60, 90))),
                         OrderRules(contracts=False), lambda: NOW, ZoneInfo("Asia/Shanghai"))
    rep = Member("U0REP00001", frozenset({"sales"}))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def place() -> None:
        barrier.wait()
        try:
            checks.place(rep, "C1", "2000")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=place) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with uow(engine) as work:
        held = work.orders.held(["C1"])
    assert len(held) == 8
    for index, order in enumerate(held):
        on_hold = [f for f in order.failures if f.rule is Rule.ON_HOLD]
        expected = [o.order_id for o in held[:index]]
        assert [dict(f.figures)["count"] for f in on_hold] == (
            [str(len(expected))] if expected else [])


def test_a_hold_is_found_by_customer_source_and_id(engine):
    seed(engine)
    with uow(engine) as work:
        slack = work.orders.add(check())
        # An ERP order whose id happens to be the Slack order's, and another customer's.
        erp = work.orders.add(check(source=OrderSource.ERP, order_id=slack.order_id))
        other = work.orders.add(check(source=OrderSource.ERP, order_id="SO-1",
                                      customer_id="C2"))
        work.commit()
    assert slack.order_id.startswith("CB-")
    with uow(engine) as work:
        assert work.orders.find("C1", slack.order_id) == slack
        assert work.orders.find("C1", slack.order_id, OrderSource.ERP) == erp
        assert work.orders.find("C1", slack.order_id, OrderSource.SLACK) == slack
        assert work.orders.find("C2", slack.order_id) is None
        assert work.orders.find("C2", "SO-1") == other
        assert work.orders.find("C1", "SO-1") is None


def test_a_reps_reference_names_the_erps_order_whatever_the_case_of_letters(engine):
    # The rep typed e2; the ERP exports E2: the same order, reviewed once
    # (its check is hers), found by her reference, and counted once in the exposure.
    seed(engine)
    with uow(engine) as work:
        work.orders.add(check(reference="e2", state=OrderState.PASSED, failures=()))
        work.commit()
    with uow(engine) as work:
        assert [o.order_id for o in work.orders.unreviewed_erp_orders()] == ["E1"]
        assert work.orders.erp_order_named("C1", "e2").order_id == "E2"  # type: ignore[union-attr]
        assert work.orders.erp_order_named("C2", "e2") is None
        balances = work.receivables.order_balances(["C1"], TODAY - timedelta(days=30))
    # The ERP's open E1 and E2; her order is E2, not counted again as placed.
    assert [b for b in balances if b.placed] == []


def test_an_erp_copy_at_more_than_the_rep_placed_is_reviewed(engine):
    seed(engine)  # E1 20, E2 10 (open)
    with uow(engine) as work:
        work.orders.add(check(reference="e1", amount=Money(Decimal("15"), "USD"),
                              state=OrderState.PASSED, failures=()))
        work.orders.add(check(reference="E2", amount=Money(Decimal("10"), "USD"),
                              state=OrderState.PASSED, failures=()))
        work.commit()
    with uow(engine) as work:
        assert [o.order_id for o in work.orders.unreviewed_erp_orders()] == ["E1"]


def test_the_orders_the_exposure_counts_come_with_their_dates(engine):
    # The review and the re-checks leave out of an order's exposure those dated after
    # it: they need each counted order's date, as the exposure's own sums count them.
    seed(engine)  # E1 20 (yesterday), E2 10 (today), both open; E3 30 shipped (today)
    with uow(engine) as work:
        work.orders.add(check(reference="P-1", amount=Money(Decimal("5"), "USD"),
                              state=OrderState.PASSED, failures=()))
        work.orders.add(check(reference="e2", amount=Money(Decimal("9"), "USD"),
                              state=OrderState.RELEASED, failures=()))  # it is E2
        work.orders.add(check(reference="P-3", order_date=TODAY - timedelta(days=40),
                              state=OrderState.PASSED, failures=()))  # no longer counts
        held = work.orders.add(check(reference="P-4", order_date=TODAY + timedelta(days=3)))
        work.commit()
    with uow(engine) as work:
        counted = work.orders.exposure_orders("C1", TODAY - timedelta(days=30))
        assert sorted((o.order_id, o.order_date, o.amount.amount) for o in counted) == [
            ("CB-1", TODAY, Decimal("5")),
            ("E1", TODAY - timedelta(days=1), Decimal("20")),
            ("E2", TODAY, Decimal("10")), ("E3", TODAY, Decimal("30"))]
        # The holds an order of a day comes after: those dated by it.
        assert work.orders.held_ids("C1") == [held.order_id]
        assert work.orders.held_ids("C1", TODAY) == []
        assert work.orders.held_ids("C1", TODAY + timedelta(days=3)) == [held.order_id]


def test_the_check_card_lists_held_orders_oldest_first_and_by_number(engine):
    # The ERP exported SO-901 before SO-900 and SO-10 before SO-9: the card listed
    # them that way, and a reader looking for the tenth found it before the ninth.
    seed(engine)
    day = TODAY - timedelta(days=3)
    with uow(engine) as work:
        for order_id, order_date in (("SO-901", TODAY), ("SO-900", TODAY), ("SO-10", day),
                                     ("SO-9", day), ("SO-11", TODAY - timedelta(days=9))):
            work.orders.add(check(source=OrderSource.ERP, order_id=order_id,
                                  order_date=order_date, reference=None))
        placed = work.orders.add(check(order_date=day))
        work.commit()
    with SqlCheckReads(engine)() as read:
        read.version()
        held = [order.order_id for order in read.held_orders("C1")]
    assert held == ["SO-11", placed.order_id, "SO-9", "SO-10", "SO-900", "SO-901"]
