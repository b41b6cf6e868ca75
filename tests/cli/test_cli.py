"""The creditbot command line, as an operator uses it."""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Column, Engine, String, Table

import storage.db
from bot.cli import main
from bot.settings import Settings
from storage.db import MIGRATIONS, code_revision
from storage.models import Base
from tests.conftest import ROOT


@pytest.fixture
def cli(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_config_check_passes_on_the_shipped_config(cli):
    result = cli("config", "check")
    assert result.exit_code == 0
    assert result.stdout == (f"{ROOT / 'app.yaml'}: OK — Northwind Trading Co., 5 departments, "
                             "11 people, base currency USD\n")


def test_config_check_notes_default_routes_to_departments_it_does_not_have(cli, tmp_path):
    """Without a department called credit, limit and contract alerts went to the admin
    channel (or nowhere) while config check said only OK."""
    renamed = tmp_path / "app.yaml"
    renamed.write_text((ROOT / "app.yaml").read_text().replace(
        "  credit:\n    name: Credit Management", "  risk:\n    name: Credit Management")
        .replace("post_to: credit", "post_to: risk"), encoding="utf-8")
    result = cli("config", "check", str(renamed))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        f"{renamed}: note: alerts.routes is not given, and the default routes name "
        "departments you do not have (credit): nothing is posted for them, and an alert no "
        "other default route sends anywhere reaches nobody (organisation.admin_channel is "
        "not set either). Give alerts.routes naming your own departments (README: Alerts, "
        "Routing)."]


def test_config_check_notes_defaults_naming_departments_it_does_not_have(cli, tmp_path):
    """A German company's buchhaltung and recht: config check said OK, the weekly report
    failed every Monday, and an account sent to legal stayed with its collector."""
    renamed = tmp_path / "app.yaml"
    shipped = (ROOT / "app.yaml").read_text()
    renamed.write_text(shipped.replace("  finance:\n    name: F", "  buchhaltung:\n    name: F")
                       .replace("  legal:\n    name: Legal", "  recht:\n    name: Legal"),
                       encoding="utf-8")
    result = cli("config", "check", str(renamed))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[2:] == [
        f"{renamed}: note: reports.post_to is not given, and the weekly report goes to "
        "departments.finance, which you do not have: its run fails every week; set "
        "reports.post_to to your department's key",
        f"{renamed}: note: collections.legal_department is not given, and there is no "
        "departments.legal: an account escalated to legal stays with its collector and "
        "nothing is posted to a legal channel; set collections.legal_department to your "
        "legal department's key"]


def test_config_check_notes_default_policies_naming_roles_nobody_holds(cli, tmp_path):
    """Every kind left to the defaults (a CFO at level 3) in an organisation with no CFO:
    config check said OK, and the first large request was refused at filing."""
    shipped = (ROOT / "app.yaml").read_text()
    start, end = shipped.index("  limit_increase: &limit_policy"), shipped.index(
        "  # Deadlines (deadline_hours)")
    without = tmp_path / "app.yaml"
    without.write_text(shipped[:start] + shipped[end:], encoding="utf-8")
    assert cli("config", "check", str(without)).stdout.count("note:") == 0
    without.write_text((shipped[:start] + shipped[end:]).replace("  cfo: [U03CFO00001]\n", ""),
                       encoding="utf-8")
    result = cli("config", "check", str(without))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        f"{without}: note: approvals.{kind} is not given, and its default policy's levels "
        "name cfo, which nobody holds: those requests are refused when filed; write its "
        "bands, or name the role's holders under roles"
        for kind in ("limit_increase", "temporary_limit", "first_limit")]


@pytest.mark.parametrize(("written", "instead", "note"), [
    # Holidays are days: last year's list counted none of this year's, unsaid.
    ("    holidays: []", "    holidays: [2024-12-25, 2025-01-01]",
     "approvals.working_time.holidays has no day after today (the last is 2025-01-01): "
     "deadlines and reminders count every working day from now on; add the coming year's "
     "holidays"),
    # CET keeps summer time, but a July card read "as of Jul 1 (CET)".
    ("timezone: Asia/Shanghai", "timezone: CET",
     "organisation.timezone CET names a rule, not a place: cards and meetings show “CET” in "
     "summer as in winter; write the zone of the organisation's city, e.g. Europe/Berlin"),
    # U01SALESAMX for U01SALESAMY: accepted, and Amy's language was never set.
    ("  # holidays: [2027-01-01, 2027-02-17]\n", "people:\n  U01SALESAMX: {locale: zh-CN}\n"
     "  U01SALESAMY: {locale: zh-CN}\n",
     "people: U01SALESAMX is listed under no department or role; check the id (copied "
     "from their Slack profile)"),
    # The warehouse's channel added where a refusal to share says channels are opened:
    # its people saw every card shared there, and config check said OK.
    ("    departments: []\n", "    departments: [sales, credit, finance, legal]\n"
     "    share_channels: [C01SALES000, C03CREDIT00, C02FINANCE0, C04LEGAL000, C05LOGISTIC]\n",
     "access.credit_data.share_channels opens C05LOGISTIC, the channel of "
     "departments.logistics, whose members U06LOGIST01 may not see credit data: the cards "
     "shared there, and the alerts, agendas and cases posted there, show them the figures; "
     "take it out of the list unless that is meant")])
def test_config_check_notes_what_is_valid_and_most_likely_not_meant(cli, tmp_path, written,
                                                                    instead, note):
    shipped = (ROOT / "app.yaml").read_text()
    assert shipped.count(written) == 1
    path = tmp_path / "app.yaml"
    path.write_text(shipped.replace(written, instead), encoding="utf-8")
    result = cli("config", "check", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [f"{path}: note: {note}"]


def test_config_check_notes_a_route_no_alert_can_match_and_passes(cli, tmp_path):
    """Legal waited for critical contract alerts, which are a warning at most; refused,
    a configuration that turned large invoices off would not have started at all."""
    routed = tmp_path / "app.yaml"
    routed.write_text((ROOT / "app.yaml").read_text().replace(
        "  contract_notice_days: 30\n", "  contract_notice_days: 30\n  routes:\n"
        "    - when: {type: contract_expiring, severity: critical}\n"
        "      channels: [legal]\n"), encoding="utf-8")
    result = cli("config", "check", str(routed))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == [
        f"{routed}: note: alerts.routes.0.when: no alert this route matches is critical or "
        "more severe (contract_expiring alerts are info or warning): lower its severity or "
        "change its type"]


def test_config_check_lists_each_problem_and_fails(cli, tmp_path):
    bad = tmp_path / "app.yaml"
    bad.write_text((ROOT / "app.yaml").read_text().replace("C01SALES000", "sales")
                   .replace("base_currency: USD", "base_currency: US")
                   .replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, sixty, 90]"))
    result = cli("config", "check", str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}: line 11: organisation.base_currency: must be an ISO 4217 currency code such as "
        "USD, EUR or CNY, got \"US\"",
        f"{bad}: line 20: departments.sales.channel: must look like a Slack channel id (C or G "
        "and 8+ capitals/digits, e.g. C0123ABCDE), got \"sales\"; copy it from the channel's "
        "details in Slack",
        f"{bad}: line 51: aging.bucket_edges.1: must be a whole number of days, got \"sixty\"",
        f"3 problem(s) in {bad}",
    ]


def test_a_command_on_a_config_with_several_problems_names_the_first_and_the_check(
        cli, tmp_path, monkeypatch):
    """Every problem joined on one line made a line of thousands of characters in a
    server's log; the count, the first and the command that lists them all is one."""
    folder = tmp_path / "my config"
    folder.mkdir()
    bad = folder / "app.yaml"
    bad.write_text((ROOT / "app.yaml").read_text().replace("C01SALES000", "sales")
                   .replace("base_currency: USD", "base_currency: US"))
    monkeypatch.setenv("CREDITBOT_CONFIG", str(bad))
    result = cli("portfolio")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: {bad}: 2 problems, the first: line 11: organisation.base_currency: must be "
        "an ISO 4217 currency code such as USD, EUR or CNY, got \"US\"; creditbot config "
        f"check '{bad}' lists them all"]

    bad.write_text((ROOT / "app.yaml").read_text().replace("base_currency: USD",
                                                           "base_currency: US"))
    assert cli("portfolio").stderr.splitlines() == [
        f"error: {bad}: line 11: organisation.base_currency: must be an ISO 4217 currency "
        "code such as USD, EUR or CNY, got \"US\""]


def test_commands_refuse_an_unmigrated_database(cli, write_csv, tmp_path):
    sqlite3.connect(tmp_path / "cli.db").close()  # a database file, without creditbot's tables
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert "run `creditbot db upgrade` first" in result.stderr
    assert "Traceback" not in result.output


def test_db_upgrade_on_a_database_a_newer_creditbot_migrated_says_so_in_a_line(cli, tmp_path):
    """It said "run `creditbot db upgrade`", then upgrading printed an 89-line traceback."""
    assert cli("db", "upgrade").exit_code == 0
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: The database sqlite:///{tmp_path / 'cli.db'} is at revision 0099_future, "
        f"which this creditbot does not know (it knows up to {code_revision()}): a newer "
        "creditbot migrated it; run that version, or restore the backup taken before the "
        "upgrade.\n")


def test_db_upgrade_refuses_while_a_creditbot_runs_on_the_database(cli, tmp_path):
    """An upgrade under a live serve went through without a word, and the old code's
    scheduler went on running jobs on the new schema."""

    from alembic import command

    from storage.db import alembic_config, make_engine
    from storage.leases import SCHEDULER_LEASE, try_acquire

    assert cli("db", "upgrade").exit_code == 0
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.db'}")
    lease = try_acquire(engine, SCHEDULER_LEASE, "vm-7:4242", timedelta(minutes=5))
    assert lease is not None
    # Up to date: said so, whatever runs (a start-up script on a host restarting beside
    # the running ones failed, and was pushed to --force).
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    where = f"sqlite:///{tmp_path / 'cli.db'}"
    assert cli("db", "upgrade").stdout == f"{where} is up to date (revision {head})\n"
    # One migration behind, with a creditbot running: refused.
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(head).down_revision
    command.downgrade(alembic_config(engine), str(previous))
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    until = lease.expires_at.strftime("%Y-%m-%d %H:%M:%S")
    assert result.stderr == (
        "error: not upgraded: a creditbot is running on this database (its scheduler lease "
        f"is held by vm-7:4242 until {until} UTC). Stop every creditbot serve and scheduler "
        "first: a running one keeps its old code and goes on writing to the new schema. "
        "Then run this again (--force upgrades anyway).\n")
    assert cli("db", "upgrade", "--force").exit_code == 0
    lease.release()
    assert cli("db", "upgrade").exit_code == 0
    engine.dispose()


def test_db_upgrade_then_import(cli, write_csv, tmp_path):
    where = f"sqlite:///{tmp_path / 'cli.db'}"
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    first = cli("db", "upgrade")
    assert first.exit_code == 0
    assert first.stdout == f"{where} upgraded from empty to {head}\n"
    assert cli("db", "upgrade").stdout == f"{where} is up to date (revision {head})\n"
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,USD,1000,30\nC2,Beta,USD,2000,30\n")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 0
    assert "customers: 2 rows read — 2 inserted, 0 updated, 0 unchanged, 0 rejected " \
           "(committed)" in result.stdout
    dry = cli("import", "customers", str(path), "--dry-run")
    assert "0 inserted, 0 updated, 2 unchanged" in dry.stdout


def test_a_bad_file_lists_rows_and_exits_non_zero(cli, write_csv):
    cli("db", "upgrade")
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,USD,1000,30\nC2,Beta,EURO,2000,30\nC3,Gamma,USD,-1,30\n")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert "line 3, column currency: “EURO” is not an ISO 4217 currency code" in result.stderr
    assert "line 4, column credit_limit: is negative" in result.stderr
    assert "nothing was imported: 2 row(s) have problems" in result.stderr
    # A dry run of the same: its good row merged and rolled back, said as a dry run.
    tried = cli("import", "customers", str(path), "--skip-invalid", "--dry-run")
    assert tried.exit_code == 0
    assert tried.stdout.splitlines()[-1] == (
        "customers: 3 rows read — 1 inserted, 0 updated, 0 unchanged, 2 rejected (dry run, "
        "nothing changed)")
    skipped = cli("import", "customers", str(path), "--skip-invalid")
    assert skipped.exit_code == 0
    assert skipped.stdout.splitlines()[-1] == (
        "customers: 3 rows read — 1 inserted, 0 updated, 0 unchanged, 2 rejected "
        "(committed)")


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "the file is empty"), (b"customer_id,name\nC1,x\n", "missing required column"),
     (b"\x89PNG\r\n\x1a\n\x00\x00", "NUL bytes")],
)
def test_bad_files_end_in_one_clear_line(cli, write_csv, content, reason):
    cli("db", "upgrade")
    path = write_csv("x.csv", content)
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert reason in result.stderr and "Traceback" not in result.output
    # Named by its file, as every problem of a file is.
    assert result.stderr.startswith(f"error: {path}: ")


def test_demo_loads_and_prints_the_portfolio(cli):
    with time_machine.travel(datetime(2026, 11, 29, 3, tzinfo=UTC), tick=False):
        result = cli("demo")
        assert result.exit_code == 0, result.output
        assert "invoices:" in result.stdout and "0 rejected (committed)" in result.stdout
        assert "Northwind Trading Co. — credit position as of 2026-11-29" in result.stdout
        assert "15 of 50 customers" in result.stdout
        # Its ERP orders reviewed as a first import would, without the owners' notes.
        assert ("orders: 32 open ERP order(s) reviewed, 22 held (the demo's account owners "
                "are not messaged)") in result.stdout.splitlines()
        card = cli("position", "acme indus")
    assert card.exit_code == 0
    assert "Acme Industrial Supply (C0001)" in card.stdout
    for label in ("Credit limit", "Exposure", "Available credit", "61-90", "Payment terms"):
        assert label in card.stdout


@pytest.mark.parametrize(("base", "notice"), [("EUR", False), ("CHF", True)])
def test_demo_says_when_its_rates_are_not_in_the_base(cli, monkeypatch, tmp_path, base,
                                                       notice):
    config = tmp_path / "app.yaml"
    config.write_text(re.sub(r"(?m)^(\s*base_currency:\s*)USD", rf"\g<1>{base}",
                             (ROOT / "app.yaml").read_text(encoding="utf-8")),
                      encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(config))
    result = cli("demo")
    assert result.exit_code == 0, result.output
    line = (f"The demo's exchange rates are priced in US dollars, not in your base currency "
            f"{base}, so its figures that need converting show as missing a rate. Its rates "
            "are in the base currency when organisation.base_currency is USD, EUR, GBP, CNY "
            "or JPY.")
    assert (line in result.stdout.splitlines()) is notice


def test_an_unknown_customer_gets_suggestions_not_a_crash(cli):
    cli("demo")
    result = cli("position", "acme packagin co")
    assert result.exit_code == 0 and "Acme Packaging (C0002)" in result.stdout
    result = cli("position", "zzqqxx")
    assert result.exit_code == 1 and "No customer matches “zzqqxx”" in result.stderr


def test_a_connection_option_libpq_does_not_know_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:Secret1@127.0.0.1:1/none?ssl=true")
    result = cli("portfolio")
    assert result.exit_code == 1
    assert result.stderr == 'error: cannot use the database: invalid connection option "ssl"\n'


def test_a_password_in_the_query_is_never_shown(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL",
                       "postgresql://nobody@127.0.0.1:1/none?password=Secret1&connect_timeout=3")
    result = cli("portfolio")
    assert result.exit_code == 1
    assert "Secret1" not in result.output
    assert result.stderr.startswith(
        "error: cannot use the database postgresql+psycopg://nobody@127.0.0.1:1/none?"
        "connect_timeout=3&password=***: connection failed")


def test_an_unreachable_database_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot use the database: connection failed")
    # psycopg writes its reason over two lines; the operator gets one.
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output


_FORMS = ("creditbot works with PostgreSQL through psycopg 3 "
          "(postgresql://user:password@host:5432/database) and SQLite (sqlite:///creditbot.db)")


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [("DATABASE_URL", "mysql://app:secret@db.example.com/credit",
      f'DATABASE_URL "mysql://app:***@db.example.com/credit" is a mysql URL: {_FORMS}'),
     ("DATABASE_URL", "postgresql+psycopg2://app:secret@db.example.com/credit",
      'DATABASE_URL "postgresql+psycopg2://app:***@db.example.com/credit" asks for the psycopg2 '
      'driver, which creditbot does not ship: write "postgresql://app:***@db.example.com/credit" '
      "(creditbot uses psycopg 3)"),
     ("DATABASE_URL", "sqlite+pysqlcipher:///x.db",
      'DATABASE_URL "sqlite+pysqlcipher:///x.db" asks for the pysqlcipher driver, which '
      'creditbot does not ship: write "sqlite:///x.db" (creditbot uses Python\'s sqlite3)'),
     ("DATABASE_URL", "nonsense://x", f'DATABASE_URL "nonsense://x" is a nonsense URL: {_FORMS}'),
     # ("" counts as not set: test_an_empty_variable_counts_as_not_set)
     ("DATABASE_URL", "postgresql://app:secret@db:five/credit",
      f'DATABASE_URL "postgresql://***@db:five/credit" is not a database URL: {_FORMS}'),
     # Quotes kept in the value (Docker's --env-file): "not a database URL" alone left
     # the operator guessing, as the Slack secrets' message does not.
     ("DATABASE_URL", '"postgresql://app:Secret1@db.example.com/credit"',
      'DATABASE_URL "\\"postgresql://***@db.example.com/credit\\"" begins with a quote, '
      "which is part of the value where it was set (Docker's --env-file keeps quotes): "
      "write it without quotes"),
     # An SQLite file without its slashes: nothing to hide, and the URL to write.
     ("DATABASE_URL", "sqlite:/srv/creditbot.db",
      'DATABASE_URL "sqlite:/srv/creditbot.db" is not a database URL: an SQLite file is '
      "written with three slashes, sqlite:////srv/creditbot.db"),
     # libpq's several hosts with their ports: the form that holds them is said.
     ("DATABASE_URL", "postgresql://app:secret@db1:5432,db2:5432/credit?"
                      "target_session_attrs=read-write",
      'DATABASE_URL "postgresql://***@db1:5432,db2:5432/credit?target_session_attrs='
      'read-write" lists several hosts with their ports, which this URL form cannot hold: '
      "give each as a host parameter, e.g. postgresql://user:password@/creditbot?"
      "host=db1:5432&host=db2:5432&target_session_attrs=read-write"),
     ("DATABASE_URL", "mysql://app@db.example.com/credit?sslmode=x&password=Secret1",
      'DATABASE_URL "mysql://app@db.example.com/credit?password=***&sslmode=x" is a mysql '
      f"URL: {_FORMS}"),
     ("DATABASE_URL", "postgresql://app@db:five/credit?sslpassword=Secret1&x=1",
      f'DATABASE_URL "postgresql://***@db:five/credit?sslpassword=***&x=1" is not a database '
      f"URL: {_FORMS}"),
     # No part of a password with a raw @, / or ? in it shows, however the URL breaks.
     ("DATABASE_URL", "postgresql://app:p@ss:w/rd?#x@127.0.0.1:5432/credit",
      'DATABASE_URL "postgresql://***@127.0.0.1:5432/credit" has an @ or a / in its user '
      "name or password: write an @ there as %40, a / as %2F and a : in the user name as "
      "%3A"),
     ("DATABASE_URL", "postgresql://user:Secret1/Secret2",  # the @ forgotten
      f'DATABASE_URL "postgresql://***" is not a database URL: {_FORMS}'),
     ("DATABASE_URL", "postgresql:/user:Secret1@Secret2@127.0.0.1:1/db",
      f'DATABASE_URL "***" is not a database URL: {_FORMS}'),
     *[("DATABASE_URL", raw, f'DATABASE_URL "***" is not a database URL: {_FORMS}')
       for raw in ("alice:Secret1", "host=127.0.0.1 dbname=cb user=app password=Secret1",
                   "app@127.0.0.1/cb?password=Secret1", "//app@h/cb?password=Secret1",
                   "Secret1")],
     ("DATABASE_URL", "postgresql://u@h:bad/cb?Password=Secret1&%70assword=Secret2&x=1",
      'DATABASE_URL "postgresql://***@h:bad/cb?Password=***&%70assword=***&x=1" is not a '
      f"database URL: {_FORMS}"),
     *[("DATABASE_URL", raw,
        f'DATABASE_URL "{seen}" is not an SQLite URL creditbot can use: SQLite\'s URL names a '
        "file and nothing else: sqlite:///relative/path.db or sqlite:////absolute/path.db")
       for raw, seen in (("sqlite://db.example.com/x.db?password=Secret1",
                          "sqlite://db.example.com/x.db?password=***"),
                         ("sqlite://alice:Secret1@h/x.db?sslpassword=Secret2",
                          "sqlite://***@h/x.db?sslpassword=***"))],
     *[("DATABASE_URL", raw,
        f'DATABASE_URL "{seen}" holds a control character (a NUL or %00, say) or bytes that '
        "are not UTF-8: write it again in plain text, with %-escapes only for @ / : ? # and %")
       for raw, seen in (("postgresql://alice:Secret1%00x@127.0.0.1:5432/cb",
                          "postgresql://***@127.0.0.1:5432/cb"),
                         ("postgresql://u:p@h/cb?application_name=x%00",
                          "postgresql://***@h/cb?application_name=x%00"),
                         ("postgresql://alice:Secret1\udcff@h/cb", "postgresql://***@h/cb"),
                         ("postgresql://alice:Secret1%ff@h/cb", "postgresql://***@h/cb"))],
     *[("DATABASE_URL", raw,
        'DATABASE_URL "postgresql://***@127.0.0.1:5432/credit" has an @ or a / in its user '
        "name or password: write an @ there as %40, a / as %2F and a : in the user name as "
        "%3A")
       for raw in ("postgresql://app:Top@Secret1@127.0.0.1:5432/credit",
                   # With a : after the @ too: it was "is not a database URL".
                   "postgresql://app:p@ss:w/rd@127.0.0.1:5432/credit",
                   "postgresql://app:Secret1@Secret2/Secret3@127.0.0.1:5432/credit",
                   "postgresql://app:Secret1@Secret2?Secret3@127.0.0.1:5432/credit",
                   "postgresql://us@er:Secret1@Secret2@127.0.0.1:5432/credit",
                   "postgresql://us/er:Secret1@127.0.0.1:5432/credit")],
     # No file: an in-memory database, gone when the command ends, the next command
     # saying "run db upgrade first" for ever.
     *[("DATABASE_URL", raw, f'DATABASE_URL "{raw}" names no database file: write '
        "sqlite:///relative/path.db or sqlite:////absolute/path.db")
       for raw in ("sqlite:///", "sqlite://", "sqlite:///:memory:")],
     ("DATABASE_URL", "sqlite:////nonexistent/dir/x.db",
      'DATABASE_URL "sqlite:////nonexistent/dir/x.db": the folder "/nonexistent/dir" does '
      "not exist; create it, or correct the path"),
     ("PORT", "abc", 'environment variable PORT: must be a whole number, got "abc"'),
     ("PORT", "0", 'environment variable PORT: must be at least 1, got "0"'),
     ("PORT", "70000", 'environment variable PORT: must be at most 65535, got "70000"'),
     ("CREDITBOT_LOG_LEVEL", "loud", "environment variable CREDITBOT_LOG_LEVEL: must be "
      "one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got \"loud\"")],
)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("portfolio",), ("demo",)])
def test_a_bad_environment_is_one_line(cli, monkeypatch, variable, value, expected, command):
    monkeypatch.setenv(variable, value)
    result = cli(*command)
    assert result.exit_code == 1
    assert result.stderr == f"error: {expected}\n"
    assert result.stdout == ""
    assert "Secret" not in result.output


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://user:Secret1/Secret2", "postgresql://***"),
    ("postgresql://user:Secret1@Secret2@127.0.0.1:1/db", "postgresql://***@127.0.0.1:1/db"),
])
def test_the_sandboxs_database_is_judged_as_database_url_is(cli, url, shown):
    result = cli("sandbox", "--database", url)
    assert result.exit_code == 1
    assert result.stderr.startswith(f'error: --database "{shown}" ')
    assert len(result.stderr.splitlines()) == 1
    assert "Secret" not in result.output


def test_the_sandbox_names_its_own_option_for_a_database_file_not_there(cli, tmp_path):
    # It said "or correct DATABASE_URL", which the person had not set.
    missing = tmp_path / "missing.db"
    result = cli("sandbox", "--database", f"sqlite:///{missing}")
    assert result.exit_code == 1
    assert result.stderr == (
        f'error: --database "sqlite:///{missing}": there is no file "{missing}"; make one '
        "with `creditbot db upgrade` (or `creditbot demo`) and that URL in DATABASE_URL, or "
        "leave --database out for a fresh one with the demo portfolio\n")
    assert not missing.exists()
    # A file's path instead of a URL: the URL for it (it said "***" is not a database
    # URL, hiding what was typed, which holds nothing to hide).
    result = cli("sandbox", "--database", str(missing))
    assert result.stderr == (
        f'error: --database "{missing}" is a file\'s path, not a database URL: write '
        f"sqlite:///{missing} for that SQLite file\n")


def test_a_read_only_database_says_what_to_give_access_to(cli, write_csv, monkeypatch):
    # What SQLite says of a file the user may read but not write (the suite runs as root,
    # who writes any file, so the driver's refusal is raised where the import writes).
    import sqlite3

    from sqlalchemy.exc import OperationalError

    import bot.cli.imports

    def refused(*_args, **_kwargs):
        raise OperationalError("INSERT …", None,
                               sqlite3.OperationalError("attempt to write a readonly database"))

    cli("db", "upgrade")
    monkeypatch.setattr(bot.cli.imports, "import_csv", refused)
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,USD,1000,30\n")
    result = cli("import", "customers", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot use the database: attempt to write a readonly database: creditbot "
        "must write the database file and, beside it, its -wal and -shm files; give the "
        "user it runs as write access to them and their folder\n")


def test_messages_with_brackets_are_printed_as_written(cli, write_csv):
    cli("db", "upgrade")
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,[red]USD,1000,30\n")
    result = cli("import", "customers", str(path))
    assert "“[red]USD” is not an ISO 4217 currency code" in result.stderr


def test_version_comes_from_the_installed_distribution(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout == f"creditbot {importlib.metadata.version('creditbot')}\n"
    assert result.stdout == "creditbot 0.1.0\n"


def test_python_dash_m_runs_the_same_command_line():
    done = subprocess.run([sys.executable, "-m", "bot.cli", "--version"], capture_output=True,
                          text=True, check=False, cwd=ROOT)
    assert (done.returncode, done.stdout, done.stderr) == (0, "creditbot 0.1.0\n", "")


@pytest.fixture
def scratch_migrations(tmp_path, monkeypatch):
    """A copy of the migrations, so a generated revision never lands in the repository."""
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(storage.db, "MIGRATIONS", copy)
    monkeypatch.chdir(tmp_path)
    return copy / "versions"


def _next_number() -> str:
    numbers = [int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("[0-9]*.py")]
    return f"{max(numbers) + 1:04d}"


def test_db_revision_autogenerates_the_next_migration_from_the_models(cli, scratch_migrations):
    before = sorted(p.name for p in (MIGRATIONS / "versions").iterdir())
    widgets = Table("widgets", Base.metadata, Column("widget_id", String(20), primary_key=True))
    try:
        result = cli("db", "revision", "-m", "Add widgets!")
    finally:
        Base.metadata.remove(widgets)
    number = _next_number()
    written = Path("migrations", "versions", f"{number}_add_widgets.py")
    assert result.exit_code == 0, result.output
    assert result.stdout == (f"wrote {written}: autogenerated from the models; review it, then "
                             "run `creditbot db upgrade`\n")
    source = written.read_text()
    assert f"revision = '{number}'" in source or f'revision = "{number}"' in source
    assert ("op.create_table(" in source and "'widgets'" in source) or '"widgets"' in source
    assert sorted(p.name for p in (MIGRATIONS / "versions").iterdir()) == before


def test_db_revision_without_model_changes_writes_an_empty_migration(cli, scratch_migrations):
    result = cli("db", "revision", "-m", "backfill owners")
    written = Path("migrations", "versions", f"{_next_number()}_backfill_owners.py")
    assert result.exit_code == 0
    assert result.stdout == (f"wrote {written}: the models match the migrations, so upgrade() "
                             "and downgrade() are empty; write them by hand\n")
    assert written.exists()


def test_db_revision_needs_words_in_its_message(cli, scratch_migrations):
    result = cli("db", "revision", "-m", "!!!")
    assert result.exit_code == 1
    assert result.stderr == ('error: give -m a few words saying what the migration does, e.g. '
                             '-m "add credit requests"\n')
    assert list(scratch_migrations.glob(f"{_next_number()}_*")) == []


def test_db_revision_on_branched_migrations_is_one_line(cli, scratch_migrations):
    # Two migrations with the same parent: alembic cannot say which one comes next.
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    (scratch_migrations / "9998_side.py").write_text(
        f'revision = "9998"\ndown_revision = "{head}"\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
    (scratch_migrations / "9997_other.py").write_text(
        f'revision = "9997"\ndown_revision = "{head}"\nbranch_labels = None\n'
        "depends_on = None\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n")
    result = cli("db", "revision", "-m", "next")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no migration written: the migrations branch (heads 9997, 9998 revise the same "
        "migration); set one's down_revision to the other, then run this again\n")
    assert list(scratch_migrations.glob("9999_*")) == []


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_variable_counts_as_not_set(cli, monkeypatch, tmp_path, empty):
    # `DATABASE_URL=` in an env file: the default SQLite file in the working directory,
    # as if the variable were not there, not "is not a database URL".
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PORT", "SLACK_API_URL"):
        monkeypatch.setenv(name, empty)
    assert cli("db", "upgrade").exit_code == 0
    assert (tmp_path / "creditbot.db").is_file()
    settings = Settings()
    assert (settings.database_url, settings.port, settings.slack_api_url) == (
        "sqlite:///creditbot.db", 3000, "https://slack.com/api/")


@pytest.mark.parametrize("command", [("jobs", "list"), ("db", "upgrade"),
                                     ("position", "C1")])
def test_a_database_url_naming_a_file_that_is_no_database_gets_one_line(
        cli, monkeypatch, tmp_path, command):
    other = tmp_path / "invoices.csv"
    other.write_text("invoice_id,customer_id\nI1,C1\n" * 50)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    result = cli(*command)
    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot use the database: file is not a database: the database URL names a "
        "file that is not an SQLite database; point DATABASE_URL (or --database) at "
        "creditbot's database (`creditbot db upgrade` creates one)\n")


def test_a_path_the_system_refuses_gets_one_line(cli, monkeypatch, tmp_path):
    long = tmp_path / ("x" * 300 + ".db")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{long}")
    result = cli("jobs", "list")
    assert result.exit_code == 1
    assert result.stderr == f"error: File name too long: {long}\n"


def test_a_bad_variable_fails_config_check_in_one_line(cli, monkeypatch):
    monkeypatch.setenv("PORT", "99999")
    result = cli("config", "check")
    assert result.exit_code == 1
    assert result.stderr == 'error: environment variable PORT: must be at most 65535, got "99999"\n'


@pytest.mark.parametrize("token", ["xoxb-令牌", "xoxb-1 2", "xoxb-\x071"])
def test_a_token_that_cannot_be_sent_is_refused_without_showing_it(cli, monkeypatch, token):
    monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    result = cli("serve")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: environment variable SLACK_BOT_TOKEN: must be the value Slack shows, in "
        "visible ASCII characters only: it holds a space, a control or a non-ASCII "
        "character\n")


@pytest.mark.parametrize("variable", ["SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"])
@pytest.mark.parametrize("quoted", ['"{}"', "'{}'", '"{}', "{}'"])
def test_a_secret_kept_in_its_quotes_is_refused_without_showing_it(cli, monkeypatch, variable,
                                                                    quoted):
    # Docker's --env-file keeps the quotes: every request Slack signed was refused (401)
    # with nothing said when the server started. A quote at one end only (the other lost
    # in the paste) was let through the same way.
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-3")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "8f742231b10e8888abcd99yyyzzz85a5")
    secret = "8f742231b10e8888abcd99yyyzzz85a5" if variable == "SLACK_SIGNING_SECRET" \
        else "xoxb-1-2-3"
    monkeypatch.setenv(variable, quoted.format(secret))
    result = cli("serve")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: environment variable {variable}: must be the value Slack shows, with no "
        "quote at either end (Docker's --env-file keeps quotes as part of the value): write "
        "it bare\n")


def test_spaces_around_a_url_or_a_secret_are_trimmed(monkeypatch):
    from bot.settings import Settings

    monkeypatch.setenv("DATABASE_URL", " sqlite:///x.db\n")
    monkeypatch.setenv("SLACK_BOT_TOKEN", " xoxb-1-2 \n")
    settings = Settings()
    assert settings.database_url == "sqlite:///x.db"
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-2"


def test_show_errors_takes_no_negative_count(cli, write_csv):
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,USD,1000,30\n")
    cli("db", "upgrade")
    result = CliRunner().invoke(main, ["import", "customers", str(path), "--show-errors", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--show-errors': -1 is not in the range x>=0." in result.stderr


def test_show_errors_zero_counts_the_problems_without_listing_them(cli, write_csv):
    path = write_csv("c.csv", "customer_id,name,currency,credit_limit,payment_terms_days\n"
                              "C1,Acme,USD,abc,30\nC2,Beta,USD,xyz,30\n")
    cli("db", "upgrade")
    result = cli("import", "customers", str(path), "--show-errors", "0")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "2 problem(s), not listed (--show-errors 0)"


def _one_revision_behind(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Engine:
    """The database's engine, its schema one migration behind the code's: an upgrade
    pending, as a server on older code would see it."""
    from alembic import command

    from storage.db import alembic_config, make_engine

    monkeypatch.setenv("DATABASE_URL", database_url)
    engine = make_engine(database_url)
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(head).down_revision
    command.downgrade(alembic_config(engine), str(previous))
    return engine


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_db_upgrade_sees_a_web_host_run_without_a_scheduler(cli, monkeypatch, database_url):
    """A `serve --no-scheduler` on the old code holds no lease: the upgrade went through
    under it, and it went on writing with its old code."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = _one_revision_behind(monkeypatch, database_url)
    web = make_engine(database_url, connect_args={"application_name": "creditbot serve 4242"})
    with web.connect() as held:
        held.execute(text("SELECT 1"))
        result = cli("db", "upgrade")
        assert result.exit_code == 1
        assert result.stderr == (
            "error: not upgraded: a creditbot is running on this database (connected: "
            "creditbot serve 4242). Stop every creditbot serve and scheduler first: a "
            "running one keeps its old code and goes on writing to the new schema. Then "
            "run this again (--force upgrades anyway).\n")
        # With a scheduler's lease held as well, both are named: naming the lease alone,
        # the operator stopped its holder, ran the upgrade again, and only then heard of
        # the web host.
        from storage.leases import SCHEDULER_LEASE, try_acquire

        lease = try_acquire(engine, SCHEDULER_LEASE, "vm-7:4243", timedelta(minutes=5))
        assert lease is not None
        until = lease.expires_at.strftime("%Y-%m-%d %H:%M:%S")
        assert cli("db", "upgrade").stderr == (
            "error: not upgraded: a creditbot is running on this database (its scheduler "
            f"lease is held by vm-7:4243 until {until} UTC; connected: creditbot serve "
            "4242). Stop every creditbot serve and scheduler first: a running one keeps its "
            "old code and goes on writing to the new schema. Then run this again (--force "
            "upgrades anyway).\n")
        lease.release()
    web.dispose()
    assert cli("db", "upgrade").exit_code == 0
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_db_upgrade_sees_connections_that_give_no_name(cli, monkeypatch, database_url):
    """A web host of a creditbot older than the naming gives its connections none: the
    upgrade went through under it, and it filed a second open request for a customer in
    the old key's shape."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = _one_revision_behind(monkeypatch, database_url)
    old = make_engine(database_url, connect_args={"application_name": ""})
    with old.connect() as held:
        held.execute(text("SELECT 1"))
        result = cli("db", "upgrade")
        assert (result.exit_code, result.stderr) == (1, (
            "error: not upgraded: a creditbot is running on this database (connected: 1 "
            "connection giving no name from 127.0.0.1 (an older creditbot, which named "
            "none, or another program: --force if it is no creditbot)). Stop every "
            "creditbot serve and scheduler first: a running one keeps its old code and goes "
            "on writing to the new schema. Then run this again (--force upgrades "
            "anyway).\n"))
    old.dispose()
    assert cli("db", "upgrade").exit_code == 0
    engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_db_upgrade_sees_a_web_host_that_has_answered_nothing_or_lost_its_connections(
        cli, monkeypatch, database_url):
    """A worker that had answered nothing held no connection, nor one whose connections
    a PostgreSQL restart had closed: the upgrade went through under both. Each serving
    process keeps one open (``bot.serve.keep_present``) and opens it again."""
    from sqlalchemy import text

    from bot.serve import keep_present
    from storage.db import make_engine

    engine = _one_revision_behind(monkeypatch, database_url)
    web = make_engine(database_url, connect_args={"application_name": "creditbot serve 4343"})
    stop = threading.Event()
    present = keep_present(web, every=0.05, stop=stop)

    def connected() -> set[int]:
        """The backends of the web host's connections."""
        with engine.connect() as conn:
            return set(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE application_name = "
                "'creditbot serve 4343'")).scalars())

    def wait_for(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 10
        while not condition():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    wait_for(lambda: bool(connected()))  # nothing answered, and yet there
    assert "connected: creditbot serve 4343" in cli("db", "upgrade").stderr
    # Its connection closed under it, as a database restart closes them: open again.
    closed = connected()
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                          "application_name = 'creditbot serve 4343'"))
    wait_for(lambda: bool(connected() - closed))
    assert "connected: creditbot serve 4343" in cli("db", "upgrade").stderr
    stop.set()
    assert present is not None
    present.join(5)
    web.dispose()


@pytest.mark.parametrize(("typed", "meant"), [("migrate", "db upgrade"),
                                                ("makemigrations", "db revision"),
                                                ("worker", "scheduler")])
def test_a_command_named_as_other_tools_name_it_points_to_creditbots(typed, meant):
    # `creditbot migrate` answered "No such command 'migrate'." and nothing more.
    result = CliRunner().invoke(main, [typed])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"Error: No such command '{typed}'. Did you mean 'creditbot {meant}'?")
    other = CliRunner().invoke(main, ["frob"])
    assert other.stderr.splitlines()[-1] == "Error: No such command 'frob'."


@pytest.mark.parametrize(("args", "named"), [
    (["--port", "3000"], "--port is"), (["--host", "10.9.9.9", "--workers", "4"],
                                         "--host, --workers are")])
def test_serve_in_socket_mode_refuses_the_options_of_serving_over_http(cli, args, named):
    # `--host 10.9.9.9` passed without a word, and a probe was set up for a port nothing
    # listens on.
    result = cli("serve", "--socket-mode", *args)
    assert result.exit_code == 1
    assert result.stderr == (f"error: {named} for serving over HTTP: with --socket-mode "
                             "creditbot connects out to Slack and listens on no port (and "
                             "has no /healthz)\n")


@pytest.fixture
def database_and_user(monkeypatch, postgres_template):
    """A new PostgreSQL database its owner (the admin) made, and a URL of it as a user of
    its own who owns nothing (``cb_…``, password ``pw``); both dropped afterwards."""
    import uuid

    from sqlalchemy.engine import make_url

    from tests.conftest import POSTGRES_URL, admin_sql

    assert POSTGRES_URL is not None  # postgres_template skips without one
    name, role = f"creditbot_test_{uuid.uuid4().hex[:12]}", f"cb_{uuid.uuid4().hex[:8]}"
    admin_sql(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'", f"CREATE DATABASE {name}")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    admin = make_url(POSTGRES_URL).set(database=name)
    try:
        yield admin, admin.set(username=role, password="pw")
    finally:
        admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgres
def test_tables_another_user_created_are_named_as_such_with_the_grant(
        monkeypatch, database_and_user):
    # `db upgrade` run as postgres, the bot as its own user: "cannot use the database:
    # permission denied for table alembic_version", naming neither cause nor fix.
    admin, user = database_and_user
    monkeypatch.setenv("DATABASE_URL", admin.render_as_string(hide_password=False))
    assert CliRunner().invoke(main, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("DATABASE_URL", user.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["jobs", "list"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (1, (
        "error: cannot use the database: permission denied for table alembic_version: "
        "creditbot's tables belong to another database user (was `creditbot db upgrade` "
        "run as another one?); run it as the user DATABASE_URL names, or GRANT ALL ON "
        "ALL TABLES IN SCHEMA public TO USER and the same ON ALL SEQUENCES\n"))


@pytest.mark.postgres
def test_db_upgrade_as_an_owner_who_may_not_read_every_statistic_sees_others_sessions(
        monkeypatch, database_and_user):
    # Run as the database's owner (no superuser), other users' sessions showed no type or
    # address: unnamed ones were skipped, and one named after this process's pid (another
    # container's pid 1) was taken for this process's own.
    import os

    from sqlalchemy import create_engine, text

    from tests.conftest import admin_sql

    admin, user = database_and_user
    admin_sql(f"ALTER DATABASE {admin.database} OWNER TO {user.username}")
    monkeypatch.setenv("DATABASE_URL", user.render_as_string(hide_password=False))
    held = []
    for name in ("", f"creditbot serve {os.getpid()}"):
        engine = create_engine(admin.set(drivername="postgresql+psycopg"),
                               connect_args={"application_name": name})
        held.append((engine, engine.connect()))
        held[-1][1].execute(text("SELECT 1"))
    try:
        result = CliRunner().invoke(main, ["db", "upgrade"], catch_exceptions=False)
    finally:
        for engine, conn in held:
            conn.close()
            engine.dispose()
    assert (result.exit_code, result.stderr) == (1, (
        "error: not upgraded: a creditbot is running on this database (connected: creditbot "
        f"serve {os.getpid()}, 1 connection giving no name from an address hidden from this "
        "database user (a session of postgres) (an older creditbot, which named none, or "
        "another program: --force if it is no creditbot)). Stop every creditbot serve and "
        "scheduler first: a running one keeps its old code and goes on writing to the new "
        "schema. Then run this again (--force upgrades anyway).\n"))


@pytest.mark.postgres
def test_db_upgrade_by_a_user_who_may_not_create_tables_says_how_to_grant_it(
        monkeypatch, database_and_user):
    # "cannot use the database: permission denied for schema public. LINE 2: CREATE TABLE
    # alembic_version (. ^": SQL fragments, and no word of what to change (PostgreSQL 15
    # lets only the database's owner create tables in public).
    _, user = database_and_user
    monkeypatch.setenv("DATABASE_URL", user.render_as_string(hide_password=False))
    result = CliRunner().invoke(main, ["db", "upgrade"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (1, (
        "error: cannot use the database: permission denied for schema public: the "
        "database user may not create creditbot's tables there; make it the database's "
        "owner (createdb --owner USER, or ALTER DATABASE … OWNER TO USER) or GRANT "
        "CREATE ON SCHEMA public TO USER\n"))
