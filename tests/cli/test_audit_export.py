"""`creditbot audit export`, on SQLite and PostgreSQL: the days asked for (midnight to
midnight in the organisation's time zone), every field as recorded, a hostile text
neutralised against spreadsheet formulas, bad dates refused with a clear line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, insert

from bot.cli import main
from bot.cli.audit import neutralised
from storage.db import normalise_url
from storage.models import AuditRow
from tests.conftest import ROOT

HEADER = ["time", "actor", "action", "subject", "details"]


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def logged(database_url):
    """Entries around the days 2026-11-30 and 2026-12-01 in Shanghai (UTC+8)."""
    engine = create_engine(normalise_url(database_url))
    entries = [
        # 23:59 on 29 November in Shanghai: before the first day.
        (datetime(2026, 11, 29, 15, 59, 59, tzinfo=UTC), "U01SALESAMY", "credit.checked",
         "C0001", {}),
        # 00:00 on 30 November in Shanghai: the first entry exported.
        (datetime(2026, 11, 29, 16, 0, tzinfo=UTC), "U02CREDITMG", "requests.approved",
         "C0001", {"comment": "ok, 好的", "request": 7, "final": True}),
        (datetime(2026, 11, 30, 3, 0, 0, 250000, tzinfo=UTC), "=HYPERLINK(\"http://x\")",
         "+limits.changed", "-2+3", {"reason": "=1+1"}),
        (datetime(2026, 11, 30, 4, 0, tzinfo=UTC), "@SUM(A1)", "creditbot", "'quoted",
         {"line": "a,b\n\"c\""}),
        # 23:59 on 1 December in Shanghai: the last day's last minute.
        (datetime(2026, 12, 1, 15, 59, tzinfo=UTC), "creditbot", "limits.reverted", "C0002",
         {}),
        # 2 December in Shanghai: after --until.
        (datetime(2026, 12, 1, 16, 0, tzinfo=UTC), "creditbot", "requests.expired", "C0003",
         {}),
    ]
    with engine.begin() as conn:
        conn.execute(insert(AuditRow.__table__), [
            {"at": at, "actor": actor, "action": action, "subject": subject, "details": details}
            for at, actor, action, subject, details in entries])
    engine.dispose()


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_days_asked_for_with_hostile_fields_neutralised(cli, logged):
    done = cli("audit", "export", "--since", "2026-11-30", "--until", "2026-12-01")
    assert done.exit_code == 0, done.output
    rows = parsed(done.output)
    assert rows == [
        HEADER,
        ["2026-11-29T16:00:00+00:00", "U02CREDITMG", "requests.approved", "C0001",
         '{"comment": "ok, 好的", "final": true, "request": 7}'],
        ["2026-11-30T03:00:00.250000+00:00", "'=HYPERLINK(\"http://x\")", "'+limits.changed",
         "'-2+3", '{"reason": "=1+1"}'],
        ["2026-11-30T04:00:00+00:00", "'@SUM(A1)", "creditbot", "''quoted",
         '{"line": "a,b\\n\\"c\\""}'],
        ["2026-12-01T15:59:00+00:00", "creditbot", "limits.reverted", "C0002", "{}"],
    ]
    assert json.loads(rows[3][4]) == {"line": "a,b\n\"c\""}


def test_without_until_everything_since_goes_to_the_file(cli, logged, tmp_path):
    target = tmp_path / "audit.csv"
    done = cli("audit", "export", "--since", "2026-12-01", "--output", str(target))
    assert (done.exit_code, done.output) == (0, "")
    rows = parsed(target.read_text(encoding="utf-8"))
    assert [row[2] for row in rows] == ["action", "limits.reverted", "requests.expired"]
    assert not (tmp_path / "audit.csv.part").exists()


_EXPORT = ("audit", "export")


@pytest.mark.parametrize(("command", "expected"), [
    ((*_EXPORT, "--since", "30/11/2026"), "Invalid value for '--since': '30/11/2026' is not "
                                          "a date: write it as YYYY-MM-DD, e.g. 2026-11-01"),
    ((*_EXPORT, "--since", "2026-02-30"), "Invalid value for '--since': '2026-02-30' is no "
                                          "day of the calendar: February 2026 has 28 days"),
    ((*_EXPORT, "--since", "2026-11-30", "--until", "tomorrow"),
     "Invalid value for '--until': 'tomorrow' is not a date: write it as YYYY-MM-DD, e.g. "
     "2026-11-01"),
    ((*_EXPORT, "--since", "2026-11-30", "--until", "2026-11-01"),
     "Invalid value for '--until': 2026-11-01 is before --since 2026-11-30: the last day "
     "must be on or after the first"),
    # Every command's dates are judged alike (--as-of said "does not match the format").
    (("portfolio", "--as-of", "2026-13-01"),
     "Invalid value for '--as-of': '2026-13-01' is no day of the calendar: 13 is no month "
     "(01 to 12)"),
    # Aging reaches years around the day: 0001-01-01 overflowed into a traceback.
    (("portfolio", "--as-of", "0001-01-01"),
     "Invalid value for '--as-of': '0001-01-01' is out of reach: give a day from 1900 to "
     "9000"),
    (("portfolio", "--as-of", "２０２６-01-05"),
     "Invalid value for '--as-of': '２０２６-01-05' is not a date: write it as YYYY-MM-DD, "
     "e.g. 2026-11-01"),
    (("position", "C0001", "--as-of", "31/12/2026"),
     "Invalid value for '--as-of': '31/12/2026' is not a date: write it as YYYY-MM-DD, e.g. "
     "2026-11-01"),
])
def test_bad_dates_get_a_clear_line_and_exit_2(cli, command, expected):
    done = cli(*command)
    # One line: the usage lines click prints before an error say nothing about dates.
    assert (done.exit_code, done.output) == (2, f"Error: {expected}\n")


def test_a_missing_since_gets_clicks_usage_and_exit_2(cli):
    done = cli("audit", "export")
    assert done.exit_code == 2
    assert done.output.splitlines()[-1] == "Error: Missing option '--since'."


def test_an_unwritable_output_is_one_line(cli, tmp_path):
    done = cli("audit", "export", "--since", "2026-11-30", "--output",
               str(tmp_path / "missing" / "audit.csv"))
    assert done.exit_code == 1
    assert done.output == (f"Error: cannot write {tmp_path / 'missing' / 'audit.csv'}: "
                           "No such file or directory\n")


@pytest.mark.parametrize(("field", "shown"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("'x", "''x"), ("x=1", "x=1"), ("", ""), ("好", "好"),
    # After spaces (an import that trims them runs it), or full-width (an input method's).
    (" =lead-space.csv", "' =lead-space.csv"), ("\u3000=x", "'\u3000=x"),
    ("＝fullwidth.csv", "'＝fullwidth.csv"), ("＠A1", "'＠A1"), ("  plain", "  plain"),
])
def test_what_is_neutralised(field, shown):
    assert neutralised(field) == shown


def test_a_reader_that_stops_early_ends_it_quietly(database_url, tmp_path):
    """`creditbot audit export … | head -1`: no traceback, no error line."""
    engine = create_engine(normalise_url(database_url))
    at = datetime(2026, 11, 30, 3, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(AuditRow.__table__), [
            {"at": at, "actor": "U01SALESAMY", "action": "credit.checked",
             "subject": f"C{n:05d}", "details": {"query": "x" * 100}} for n in range(5000)])
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": database_url,
           "CREDITBOT_CONFIG": str(ROOT / "app.yaml")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "audit", "export", "--since", "2026-11-30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"time,actor,action,subject,details\r\n"
    process.stdout.close()
    assert process.wait(60) == 1
    assert process.stderr.read() == b""


@pytest.mark.parametrize("days", [("--since", "0001-01-01"),
                                  ("--since", "2026-11-01", "--until", "9999-12-31"),
                                  ("--since", "0001-01-01", "--until", "9999-12-31")])
def test_the_first_and_last_days_a_date_can_hold_export_everything(cli, logged, days):
    """They overflowed into an OverflowError and a traceback."""
    done = cli("audit", "export", *days)
    assert done.exit_code == 0, done.output
    assert len(parsed(done.output)) == 1 + 6
