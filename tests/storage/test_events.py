"""Domain events and audit entries are written with the change that caused them, or not
at all, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from domain.events import CardShared
from domain.model import AuditEntry
from storage.models import AuditRow, DomainEventRow
from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)


def _shared() -> CardShared:
    return CardShared(occurred_at=NOW, actor="U01SALESAMY", subject="C0001",
                      channel="C01SALES000", kind="customer")


def _rows(engine):
    with engine.connect() as conn:
        events = conn.execute(select(DomainEventRow.__table__)).mappings().all()
        audit = conn.execute(select(AuditRow.__table__)).mappings().all()
    return events, audit


def test_an_event_and_its_audit_entry_commit_together(engine):
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.audit.append(AuditEntry(NOW, "U01SALESAMY", "credit.card_shared", "C0001",
                                    {"channel": "C01SALES000"}))
        uow.events.record(_shared())
        uow.commit()
    [event], [entry] = _rows(engine)
    assert (event["name"], event["actor"], event["subject"], event["payload"],
            event["occurred_at"], event["published_at"]) == (
        "credit.card_shared", "U01SALESAMY", "C0001",
        {"channel": "C01SALES000", "kind": "customer"}, NOW, None)
    assert entry["action"] == "credit.card_shared"


def test_nothing_is_written_when_the_use_case_does_not_commit(engine):
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.audit.append(AuditEntry(NOW, "U01SALESAMY", "credit.card_shared", "C0001", {}))
        uow.events.record(_shared())
    assert _rows(engine) == ([], [])


def test_a_rates_import_is_seen_at_once_despite_the_rate_cache(engine, write_csv):
    from datetime import date
    from decimal import Decimal

    from domain.imports import KINDS
    from storage.csv_source import CsvFile
    from storage.importer import CsvImporter

    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        assert uow.rates.latest(date(2026, 11, 29), "USD") == {}
    path = write_csv("rates.csv", "date,currency,rate_to_base\n2026-11-01,EUR,1.08\n")
    with CsvFile(path) as source:
        CsvImporter(engine).run(KINDS["rates"], source)
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        assert uow.rates.latest(date(2026, 11, 29), "USD") == {"EUR": Decimal("1.08")}
