"""A check's reads through the driver (storage.check_reads): the same answers as the
repositories, and a data version that every committed import moves."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert

from bot.demo import load_demo_data
from domain.aging import AgingBuckets
from domain.collections.model import Assignment, AssignmentStatus
from domain.errors import RecordsUnavailable
from domain.lookup import normalize_name
from domain.model import AuditEntry
from domain.money import Money
from storage.audit_writer import BatchedAuditWriter
from storage.check_reads import SqlCheckReads
from storage.importer import IMPORT_LEASE
from storage.leases import try_acquire
from storage.models import AuditRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory
from tests.storage.test_importer import CUSTOMERS, INVOICES, run

TODAY = date(2026, 11, 29)


@pytest.fixture
def demo(engine):
    load_demo_data(engine, TODAY)
    return engine


def test_the_reads_answer_as_the_repositories_do(demo):
    reads = SqlCheckReads(demo)
    buckets = AgingBuckets()
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow, reads() as read:
        read.version()
        customers = uow.customers.fetch()
        assert len(customers) > 10
        for customer in customers:
            cid = customer.customer_id
            assert read.get(cid) == customer
            ids = [cid]
            assert read.aged_balances(ids, TODAY, buckets) == \
                uow.receivables.aged_balances(ids, TODAY, buckets)
            assert read.order_balances(ids) == uow.receivables.order_balances(ids)
            assert read.by_ids([cid, cid.lower()]) == uow.customers.by_ids([cid, cid.lower()])
            for name in filter(None, (customer.name, customer.name_local)):
                key = normalize_name(name)
                assert read.by_name_key(key) == uow.customers.by_name_key(key)
                for size in (1, 3, len(key)):
                    assert read.by_name_prefix(key[:size], 11) == \
                        uow.customers.by_name_prefix(key[:size], 11)
        assert read.by_name_prefix("no_such%thing", 11) == []
        assert read.all_name_keys() == uow.customers.all_name_keys()
        groups = {c.group_id for c in customers if c.group_id}
        assert groups
        for group in groups:
            assert read.group_members(group) == uow.customers.group_members(group)
            members = [m.customer_id for m in read.group_members(group)]
            assert read.aged_balances(members, TODAY, buckets) == \
                uow.receivables.aged_balances(members, TODAY, buckets)
            assert read.by_ids([group]) == uow.customers.by_ids([group])
            assert read.group_named([group]) == uow.customers.group_named([group])
        for day in (TODAY, TODAY - timedelta(days=400)):
            assert read.latest(day, "USD") == uow.rates.latest(day, "USD")


def test_open_credit_notes_read_the_same_both_ways_per_currency(engine, write_csv):
    # Negative invoices open between their amount and 0: summed per currency; a settled
    # one, an ordinary invoice and another customer's note left out.
    run(engine, write_csv, "customers", CUSTOMERS)
    run(engine, write_csv, "invoices", INVOICES + (
        "N1,C1,2026-11-20,2026-11-20,-300.00,USD,,,\n"
        "N2,C1,2026-11-21,2026-11-21,-50.25,USD,-20.25,open,\n"
        "N3,C1,2026-11-22,2026-11-22,-70,EUR,,disputed,\n"
        "N4,C1,2026-11-23,2026-11-23,-99,USD,0,paid,\n"
        "N5,C2,2026-11-23,2026-11-23,-5,EUR,,,\n"))
    expected = [Money(Decimal("-70"), "EUR"), Money(Decimal("-320.25"), "USD")]
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow, SqlCheckReads(engine)() as read:
        read.version()
        assert read.credit_notes("C1") == uow.receivables.credit_notes("C1") == expected
        assert read.credit_notes("C2") == [Money(Decimal("-5"), "EUR")]
        assert read.credit_notes("C9") == uow.receivables.credit_notes("C9") == []


def test_rates_of_mixed_bases_read_the_same_both_ways(engine):
    # Which rates count after a change of base is written in SQL twice too.
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO exchange_rates (date, currency, rate_to_base, base_currency) VALUES "
            "('2026-09-01', 'CNY', 0.128, NULL), ('2026-10-01', 'CNY', 0.129, 'EUR'), "
            "('2026-11-01', 'JPY', 0.0066, 'USD')"))
    reads = SqlCheckReads(engine)
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow, reads() as read:
        read.version()
        found = {base: read.latest(TODAY, base) for base in ("USD", "EUR", "GBP")}
        assert found == {base: uow.rates.latest(TODAY, base) for base in found}
    assert found["USD"] == {"JPY": Decimal("0.0066")}
    assert found["EUR"] == {"CNY": Decimal("0.129")}
    assert found["GBP"] == {}


def test_approved_terms_and_limits_read_the_same_both_ways(demo):
    # "Approved terms in force" and "an approved limit stands on the ERP's" are written
    # in SQL twice (the repositories and the check's own reads): the demo has no
    # approvals, so nothing compared them.
    from domain.approvals.model import (
        ChangeKind,
        CreditRequest,
        Level,
        LimitChange,
        RequestKind,
        RequestState,
        TermsChange,
    )
    from domain.money import Money

    at = datetime(2026, 11, 20, tzinfo=UTC)
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow:
        first, second, third = uow.customers.fetch()[:3]
        # The requests the changes were approved on (their ids are the rows' keys).
        for customer in (first, second, third, first, second):
            uow.credit_requests.add(CreditRequest(
                RequestKind.LIMIT_INCREASE, customer.customer_id, customer.name,
                "U01SALESAMY", at, "season", customer.credit_limit,
                (Level("credit_manager", 24),), state=RequestState.APPROVED, closed_at=at))
        # Standing (the ERP still exports what they replaced) and overtaken (it does not).
        uow.credit_requests.add_terms_change(TermsChange(
            first.customer_id, 90, first.payment_terms_days, at, "U02CREDITMG", 1))
        uow.credit_requests.add_terms_change(TermsChange(
            second.customer_id, 75, second.payment_terms_days + 1, at, "U02CREDITMG", 2))
        limit = first.credit_limit
        uow.credit_requests.add_limit_change(LimitChange(
            first.customer_id, ChangeKind.PERMANENT, Money(limit.amount * 2, limit.currency),
            limit, at, "U02CREDITMG", 3))
        uow.credit_requests.add_limit_change(LimitChange(
            second.customer_id, ChangeKind.TEMPORARY,
            Money(second.credit_limit.amount * 3, second.credit_limit.currency),
            second.credit_limit, at, "U02CREDITMG", 4, expires_on=TODAY))
        uow.credit_requests.add_limit_change(LimitChange(
            third.customer_id, ChangeKind.PERMANENT,
            Money(third.credit_limit.amount + 1, third.credit_limit.currency),
            Money(third.credit_limit.amount + 5, third.credit_limit.currency), at,
            "U02CREDITMG", 5))
        uow.commit()
    reads = SqlCheckReads(demo)
    ids = [first.customer_id, second.customer_id, third.customer_id]
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow, reads() as read:
        read.version()
        assert [read.get(cid) for cid in ids] == [uow.customers.get(cid) for cid in ids]
        assert [uow.customers.get(cid).payment_terms_days for cid in ids[:2]] == [
            90, second.payment_terms_days]
        for day in (TODAY, TODAY + timedelta(days=1)):
            assert read.effective_limits(ids, day) == \
                uow.credit_requests.effective_limits(ids, day)
        assert sorted(read.effective_limits(ids, TODAY)) == ids[:2]
        assert sorted(read.effective_limits(ids, TODAY + timedelta(days=1))) == ids[:1]


def _view(engine, actor="U01SALESAMY"):
    with engine.begin() as conn:
        conn.execute(insert(AuditRow.__table__).values(
            at=datetime.now(UTC), actor=actor, action="credit.checked", subject="C1",
            details={}))


def _version(reads):
    with reads() as read:
        return read.version()


def test_a_committed_import_moves_the_version_and_views_do_not(engine, write_csv):
    assert run(engine, write_csv, "customers", CUSTOMERS).committed
    reads = SqlCheckReads(engine)
    first = _version(reads)
    assert first is not None
    _view(engine)
    writer = BatchedAuditWriter(engine)
    writer.record(AuditEntry(datetime.now(UTC), "U1", "credit.checked", "C1", {}))
    writer.flush()
    assert _version(reads) == first
    assert run(engine, write_csv, "invoices", INVOICES).committed
    second = _version(reads)
    assert second != first
    _view(engine)
    assert _version(reads) == second
    # a dry run changes nothing, so the version stays
    assert not run(engine, write_csv, "invoices", INVOICES, dry_run=True).committed
    assert _version(reads) == second
    # another process (its own reads) agrees there was an import since it first looked
    other = SqlCheckReads(engine)
    before = _version(other)
    assert run(engine, write_csv, "customers", CUSTOMERS).committed
    assert _version(other) != before and _version(reads) != second


def test_an_import_lease_left_by_a_killed_import_stops_nothing(engine):
    """An import commits its data and moves the version in one transaction: a lease
    (here one whose holder was killed and never let go) says nothing about the data."""
    reads = SqlCheckReads(engine)
    first = _version(reads)
    lease = try_acquire(engine, IMPORT_LEASE, "killed:1", timedelta(minutes=2))
    assert lease is not None
    assert _version(reads) == first
    assert _version(SqlCheckReads(engine)) == first  # nor on a first look


def test_a_migration_undone_and_done_again_never_repeats_a_version(engine, write_csv):
    """A plain count would start again at 0, and a process that remembered the cards of
    1 would show them for the next 1: a restored backup or a promoted replica too."""
    from alembic import command

    from storage.db import alembic_config, upgrade

    reads = SqlCheckReads(engine)
    assert run(engine, write_csv, "customers", CUSTOMERS).committed
    seen = _version(reads)
    command.downgrade(alembic_config(engine), "0012")
    upgrade(engine)
    restarted = _version(reads)
    assert restarted > seen
    assert run(engine, write_csv, "customers", CUSTOMERS).committed
    assert _version(reads) > restarted


def test_a_database_that_is_gone_is_reported_as_unavailable(tmp_path):
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'missing.db'}")
    with pytest.raises(RecordsUnavailable):
        _version(SqlCheckReads(engine))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_that_died_in_the_pool_is_replaced_at_the_first_statement(engine):
    from sqlalchemy import text

    reads = SqlCheckReads(engine)
    version = _version(reads)  # leaves a connection in the reads' pool
    with engine.connect() as conn:  # a restarted server, as far as that connection knows
        killed = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    assert killed >= 1
    assert _version(reads) == version
    engine.dispose()  # lets go of the reads' connections too
    assert _version(reads) == version


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_after_a_restart_no_check_is_refused_for_the_other_dead_connections(engine):
    # After a server restart the first check's retry took the pool's next connection,
    # as dead: checks were refused for minutes, one pooled connection at a time.
    from sqlalchemy import text

    reads = SqlCheckReads(engine)
    version = _version(reads)
    with contextlib.ExitStack() as held:  # three connections in the reads' pool
        for _ in range(3):
            held.enter_context(reads()).version()
    assert reads.pool.checkedin() == 3
    with engine.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    assert [_version(reads) for _ in range(4)] == [version] * 4


def test_the_collector_is_the_open_assignments_with_its_status_and_none_once_it_closes(
        demo):
    reads = SqlCheckReads(demo)
    now = datetime(2026, 11, 29, 9, tzinfo=UTC)
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow:
        stored = uow.collections.add_assignment(Assignment(
            "C0001", "U04COLLECT1", AssignmentStatus.OPEN, "U02CREDITMG", now))
        uow.commit()
    with reads() as read:
        assert (read.collecting("C0001"), read.collecting("C0002")) == (
            ("U04COLLECT1", "open"), None)
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow:
        stored = uow.collections.save_assignment(dataclasses.replace(
            stored, status=AssignmentStatus.PROMISED))
        uow.commit()
    with reads() as read:
        assert read.collecting("C0001") == ("U04COLLECT1", "promised")
    with SqlUnitOfWork(unit_of_work_factory(demo)) as uow:
        uow.collections.save_assignment(dataclasses.replace(
            stored, status=AssignmentStatus.CLOSED, closed_at=now, closed_by="U02CREDITMG"))
        uow.commit()
    with reads() as read:
        assert read.collecting("C0001") is None


def test_assigning_reassigning_and_closing_a_collector_move_the_version(demo):
    reads = SqlCheckReads(demo)
    now = datetime(2026, 11, 29, 9, tzinfo=UTC)

    def version() -> object:
        with reads() as read:
            return read.version()

    def change(work: Callable[[Any], Any]) -> object:
        with SqlUnitOfWork(unit_of_work_factory(demo)) as uow:
            done = work(uow)
            uow.commit()
        return done

    seen = [version()]
    assert version() == seen[0]
    stored = change(lambda uow: uow.collections.add_assignment(Assignment(
        "C0001", "U04COLLECT1", AssignmentStatus.OPEN, "U02CREDITMG", now)))
    seen.append(version())
    stored = change(lambda uow: uow.collections.save_assignment(dataclasses.replace(
        stored, collector="U04COLLECT2")))
    seen.append(version())
    change(lambda uow: uow.collections.save_assignment(dataclasses.replace(
        stored, status=AssignmentStatus.CLOSED, closed_at=now, closed_by="U02CREDITMG")))
    seen.append(version())
    assert len(set(seen)) == 4, seen
    assert version() == seen[-1]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_version_is_read_through_libpq_and_the_cursor_agrees(engine):
    from storage.check_reads import _VERSION_NAME

    reads = SqlCheckReads(engine)
    first = _version(reads)
    with reads() as read:
        assert read._raw.info.get(_VERSION_NAME) is read._raw.dbapi_connection.pgconn
        assert read._libpq_version() == first
        # the prepared statement gone (a pooler's DISCARD, say): the cursor answers
        read._raw.dbapi_connection.pgconn.exec_(b"DEALLOCATE " + _VERSION_NAME)
        assert read.version() == first
        assert read.version() == first  # and it is prepared again


def test_a_check_read_leaves_nothing_for_the_garbage_collector(demo):
    """A read that referred to itself was freed only by the cyclic collector, with its
    cursor and connection: ~40 objects a check, and under load collections of 100,000
    of them stalled every thread of a worker for 50-200 ms."""
    import gc

    from storage.check_reads import SqlCheckRead

    reads = SqlCheckReads(demo)
    with reads() as read:  # the first use makes what a process keeps (the pool)
        read.version()
    gc.collect()
    # Only the reads' own garbage counts: other tests' threads in this process (senders,
    # audit writers) may leave theirs meanwhile.
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(20):
            with reads() as read:
                read.version()
                assert read.customers.by_ids(["C0001"])
                read.aged_balances(["C0001"], TODAY, AgingBuckets())
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, SqlCheckRead)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_version_that_times_out_waits_once(engine):
    """The libpq path's error is the cursor's: running the statement again on the
    cursor would wait as long again, and hold a request thread twice the timeout."""
    import time

    from sqlalchemy import text

    reads = SqlCheckReads(engine)
    _version(reads)  # prepared on the pooled connection
    with engine.connect() as locker:
        locker.execute(text("LOCK TABLE check_marks IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        with pytest.raises(RecordsUnavailable), reads() as read:
            read._raw.dbapi_connection.execute("SET statement_timeout = 400")
            read.version()
        waited = time.monotonic() - started
        locker.rollback()
    assert 0.4 <= waited < 0.75
    assert _version(reads) is not None  # the connection is fine afterwards


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transaction_of_many_changes_moves_the_version_once(engine):
    """The trigger fires for every row; updating the one version row for each walked its
    growing chain of row versions (20,000 rows: 2.8 s at commit, the row locked)."""
    from sqlalchemy import text

    reads = SqlCheckReads(engine)
    before = _version(reads)
    with engine.begin() as conn:
        conn.execute(insert(AuditRow.__table__), [dict(
            at=datetime.now(UTC), actor="U1", action="import.invoices", subject=f"S{n}",
            details={}) for n in range(2000)])
        conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred triggers now
        updates = conn.execute(text("SELECT n_tup_upd FROM pg_stat_xact_user_tables "
                                    "WHERE relname = 'check_marks'")).scalar_one()
    assert updates == 1
    after = _version(reads)
    assert after > before
    with engine.begin() as conn:  # the next transaction moves it again
        conn.execute(insert(AuditRow.__table__).values(
            at=datetime.now(UTC), actor="U1", action="import.rates", subject="S", details={}))
    assert _version(reads) > after
