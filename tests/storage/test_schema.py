import shutil
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text, update
from sqlalchemy.exc import DBAPIError

from storage.db import (
    SchemaNotReady,
    make_engine,
    require_current_schema,
    schema_revisions,
    upgrade,
)
from storage.models import AuditRow, Base


def test_migrations_from_empty_reach_head_and_match_the_models(engine):
    current, head = schema_revisions(engine)
    assert current == head
    require_current_schema(engine)
    with engine.connect() as conn:
        assert [d for d in compare_metadata(MigrationContext.configure(conn), Base.metadata)
                if not _for_another_dialect(d, conn.dialect.name)] == []
        tables = set(inspect(conn).get_table_names())
    assert {"customers", "invoices", "orders", "payments", "contracts", "exchange_rates",
            "audit_log"} <= tables


def _for_another_dialect(difference, dialect: str) -> bool:
    """An index the models create on another database only (``Index.ddl_if``), which
    the migrations rightly left out of this one."""
    if difference[0] != "add_index":
        return False
    # Autogenerate hands over a copy of the index without its ddl_if: the model's own.
    [model] = [i for t in Base.metadata.tables.values() for i in t.indexes
               if i.name == difference[1].name]
    only = model._ddl_if
    return only is not None and only.dialect not in (None, dialect)


def test_an_unmigrated_database_is_refused_with_a_hint(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}", create=True)
    with pytest.raises(SchemaNotReady) as empty:
        require_current_schema(engine)
    assert str(empty.value) == (f"The database sqlite:///{tmp_path / 'empty.db'} is empty: "
                                "run `creditbot db upgrade` first.")


def test_another_programs_database_is_not_called_empty(tmp_path):
    # "is empty: run `creditbot db upgrade`" would have put creditbot's tables beside
    # another program's.
    engine = make_engine(f"sqlite:///{tmp_path / 'theirs.db'}", create=True)
    with engine.begin() as conn:
        for n in range(7):
            conn.exec_driver_sql(f"CREATE TABLE t{n} (x)")
    with pytest.raises(SchemaNotReady) as theirs:
        require_current_schema(engine)
    assert str(theirs.value) == (
        f"The database sqlite:///{tmp_path / 'theirs.db'} has no creditbot tables but holds "
        "others (t0, t1, t2, t3, t4 and 2 more): point DATABASE_URL at creditbot's database; "
        "if creditbot is to share this one, run `creditbot db upgrade` first.")


@pytest.mark.parametrize(("revision", "tables"), [
    # "a newer creditbot migrated it; restore the backup" sent an operator who named the
    # wrong database into a restore.
    ("ae1027a6acf", ["users"]),
    # Numbered like creditbot's: "run db upgrade", which failed on "no such table"; at
    # creditbot's own head, "up to date", then "no such table" on every command.
    ("0005", ["customers", "widgets"]), ("head", ["customers", "widgets"])])
def test_another_programs_migrated_database_is_named_so_and_left_alone(tmp_path, revision,
                                                                      tables):
    from storage.db import code_revision

    revision = code_revision() if revision == "head" else revision
    engine = make_engine(f"sqlite:///{tmp_path / 'theirs.db'}", create=True)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{revision}')")
        for table in tables:
            conn.exec_driver_sql(f"CREATE TABLE {table} (x)")
    expected = (f"The database sqlite:///{tmp_path / 'theirs.db'} holds another program's "
                f"tables ({', '.join(['alembic_version', *tables])}) at its migrations' "
                f"revision {revision}: point DATABASE_URL at creditbot's database.")
    for refused in (require_current_schema, upgrade):
        with pytest.raises(SchemaNotReady) as theirs:
            refused(engine)
        assert str(theirs.value) == expected
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == \
            revision


def test_creditbots_tables_without_their_revision_are_not_migrated_again(sqlite_template,
                                                                         tmp_path):
    # A partial restore without alembic_version: "has no creditbot tables … run db
    # upgrade" was said, and the upgrade failed on "table customers already exists".
    path = tmp_path / "restored.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    expected = (f"The database sqlite:///{path} holds creditbot's tables but not the record "
                "of their schema revision (the alembic_version table is missing or empty, as "
                "after a partial restore): restore the whole database from its backup; "
                "`creditbot db upgrade` cannot tell which migrations these tables have had.")
    for refused in (require_current_schema, upgrade):
        with pytest.raises(SchemaNotReady) as restored:
            refused(engine)
        assert str(restored.value) == expected


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}", create=True)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_audit_log_is_append_only(engine):
    table = AuditRow.__table__
    with engine.begin() as conn:
        conn.execute(insert(table).values(at=datetime.now(UTC), actor="U1", action="test",
                                          subject="x", details={}))
    for statement in (update(table).values(actor="someone else"), table.delete()):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["U1"]


def test_the_audit_log_through_the_unit_of_work(engine):
    from zoneinfo import ZoneInfo

    from domain.model import AuditEntry
    from storage.unit_of_work import SqlUnitOfWork, unit_of_work_factory

    shanghai = datetime(2026, 11, 29, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        uow.audit.append(AuditEntry(shanghai, "U02CREDITMG", "limit.approve", "C0001",
                                    {"limit": "150000.00", "currency": "USD"}))
        uow.commit()
    with SqlUnitOfWork(unit_of_work_factory(engine)) as uow:
        [entry] = uow.audit.recent()
    assert entry.at == shanghai and entry.at.tzinfo is not None  # same instant, aware
    assert (entry.actor, entry.action, entry.subject) == ("U02CREDITMG", "limit.approve",
                                                          "C0001")
    assert entry.details == {"limit": "150000.00", "currency": "USD"}
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEntry(datetime(2026, 11, 29, 18, 30), "U1", "x", "y")


def test_the_financial_figures_have_one_list():
    """The table, the import and the domain name the same statement figures."""
    from domain.imports import KINDS
    from domain.model import FINANCIAL_FIELDS
    from storage.models import CustomerRow

    assert FINANCIAL_FIELDS == ("revenue", "total_assets", "total_liabilities",
                                "current_assets", "current_liabilities", "retained_earnings",
                                "ebit", "equity")
    assert set(FINANCIAL_FIELDS) <= set(CustomerRow.__table__.columns.keys())
    assert set(FINANCIAL_FIELDS) <= {f.name for f in KINDS["customers"].fields}


def test_the_upgrade_removes_only_the_jobs_english_notes_of_promises_kept(engine):
    from alembic import command

    from storage.db import alembic_config, upgrade

    command.downgrade(alembic_config(engine), "0019")
    at = datetime(2026, 12, 1, 7, tzinfo=UTC)
    rows = [("C1", "note", "promise 2 kept (GBP 20,000.00 by 2026-12-11)", "creditbot"),
            ("C1", "note", "promise 2 kept (they said so on the phone)", "U04COLLECT1"),
            ("C1", "call", "promise 2 kept (checked)", "creditbot"),
            ("C2", "note", "reminders resumed", "creditbot")]
    with engine.begin() as conn:
        for customer, kind, outcome, by in rows:
            conn.execute(text('INSERT INTO collection_actions (customer_id, kind, outcome, '
                              '"by", at) VALUES (:c, :k, :o, :b, :at)'),
                         {"c": customer, "k": kind, "o": outcome, "b": by,
                          "at": at.replace(tzinfo=None).isoformat(sep=" ")})
    upgrade(engine)
    with engine.connect() as conn:
        left = conn.execute(text('SELECT outcome, "by" FROM collection_actions '
                                 "ORDER BY id")).all()
    assert [tuple(row) for row in left] == [(o, b) for _c, _k, o, b in rows[1:]]


# Each migration that works the customers' name keys out again: (the revision before it,
# the customers as stored before it, their keys after it). 0030: without accents; 0038:
# Traditional Chinese as Simplified (華夏物流 typed in Taipei found nothing of 华夏物流).
_REKEYED = [
    ("0029", [("E1", "Ferretería López", "ferretería lópez", "Ferretería Local",
               "ferretería local"), ("E2", "Plain Ltd", "plain ltd", None, None)],
     [("ferreteria lopez", "ferreteria local"), ("plain ltd", None)]),
    ("0037", [("T1", "Harbour Trading", "harbour trading", "港灣貿易有限公司",
               "港灣貿易有限公司"), ("T2", "华夏物流", "华夏物流", None, None)],
     [("harbour trading", "港湾贸易有限公司"), ("华夏物流", None)]),
]


@pytest.mark.parametrize(("before", "stored", "keyed"), _REKEYED)
def test_an_upgrade_works_customer_name_keys_out_again_and_a_downgrade_back(
        engine, before, stored, keyed):
    from alembic import command

    from storage.db import alembic_config, upgrade

    command.downgrade(alembic_config(engine), before)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (customer_id, name, name_key, name_local, "
                          "name_local_key, currency, credit_limit, payment_terms_days) "
                          "VALUES (:id, :name, :key, :local, :local_key, 'EUR', 1, 30)"),
                     [dict(zip(("id", "name", "key", "local", "local_key"), row, strict=True))
                      for row in stored])

    def keys() -> list[tuple[str, str | None]]:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(
                "SELECT name_key, name_local_key FROM customers ORDER BY customer_id"))]

    upgrade(engine)
    assert keys() == keyed
    command.downgrade(alembic_config(engine), before)
    assert keys() == [(key, local_key) for _, _, key, _, local_key in stored]
    upgrade(engine)


@pytest.mark.parametrize(("recorded", "labelled"), [
    # The app.yaml put on the record last: its base is the rates'.
    (["organisation: {base_currency: USD}", "organisation:\n  base_currency: EUR\n"], "EUR"),
    ([], None),  # no server ever started: nothing known
    (["organisation: [unclosed"], None),
    (["organisation: {base_currency: euro}"], None),
], ids=["last-recorded", "none-recorded", "not-yaml", "no-code"])
def test_the_upgrade_labels_the_rates_with_the_base_of_the_configuration_in_force(
        engine, recorded, labelled):
    from alembic import command
    from sqlalchemy import insert

    from storage.db import alembic_config, upgrade
    from storage.models import AuditRow

    command.downgrade(alembic_config(engine), "0039")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO exchange_rates (date, currency, rate_to_base) "
                          "VALUES ('2026-11-01', 'CNY', 0.128)"))
        for n, config in enumerate(recorded):
            conn.execute(insert(AuditRow.__table__).values(
                at=datetime(2026, 11, 1 + n, tzinfo=UTC), actor="system",
                action="config.in_force", subject="app.yaml",
                details={"sha256": str(n), "text": config}))
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT base_currency FROM exchange_rates")).scalar_one() \
            == labelled
