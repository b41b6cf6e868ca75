"""The app.yaml a serving or scheduling process starts under goes on the audit record,
once per text, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import logging
import socket
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import OperationalError

import bot.config_record
from bot.config_record import config_on_record
from bot.wiring import build_services
from domain.errors import RecordsUnavailable
from storage.models import AuditRow
from tests.conftest import ROOT

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)


@pytest.fixture
def configured(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("DATABASE_URL", database_url)
    path = tmp_path / "app.yaml"
    path.write_text((ROOT / "app.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("CREDITBOT_CONFIG", str(path))
    return path


def _start(started: str) -> None:
    services = build_services()
    try:
        with time_machine.travel(NOW, tick=False):
            config_on_record(services, started)
    finally:
        services.close()


def _recorded() -> list[tuple[str, dict]]:
    services = build_services()
    try:
        with services.engine.connect() as conn:
            rows = conn.execute(select(AuditRow.action, AuditRow.details).where(
                AuditRow.action == "config.in_force").order_by(AuditRow.id)).all()
        return [(row.action, row.details) for row in rows]
    finally:
        services.close()


def test_each_text_started_under_is_recorded_once(configured):
    first = configured.read_text(encoding="utf-8")
    _start("serve")
    # Other entries in between: the last configuration is still the one found.
    services = build_services()
    with services.engine.begin() as conn:
        conn.execute(insert(AuditRow), [
            {"at": NOW, "actor": "U1", "action": "credit.checked", "subject": f"C{i}",
             "details": {}} for i in range(50)])
    services.close()
    _start("scheduler")
    second = first.replace("Northwind Trading Co.", "Northwind Trading Co. (Asia)")
    assert second != first
    configured.write_text(second, encoding="utf-8")
    _start("scheduler")

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    where = str(configured.resolve())
    host = socket.gethostname()
    assert _recorded() == [
        ("config.in_force", {"sha256": sha(first), "previous_sha256": None, "path": where,
                             "host": host, "started": "serve", "text": first}),
        ("config.in_force", {"sha256": sha(second), "previous_sha256": sha(first),
                             "path": where, "host": host, "started": "scheduler",
                             "text": second})]


def test_the_configurations_entries_are_indexed(configured):
    services = build_services()
    try:
        indexes = {index["name"]: index["column_names"]
                   for index in inspect(services.engine).get_indexes("audit_log")}
    finally:
        services.close()
    assert indexes["ix_audit_log_config"] == ["id"]


@pytest.mark.parametrize("wrapped", [False, True])
def test_a_database_refusing_the_entry_does_not_stop_the_start(configured, monkeypatch,
                                                                caplog, wrapped):
    # The unit of work says a database away as RecordsUnavailable: the start of `serve`
    # on a server down for a moment ended in its traceback.
    def refused(*_args, **_kwargs):
        problem = OperationalError("INSERT", {},
                                   Exception("attempt to write a readonly database"))
        if not wrapped:
            raise problem
        raise RecordsUnavailable() from problem

    monkeypatch.setattr(bot.config_record, "record_in_force", refused)
    with caplog.at_level(logging.INFO, logger="creditbot.config"):
        _start("serve")
    assert [record.getMessage() for record in caplog.records] == [
        "app.yaml could not be put on the audit record (attempt to write a readonly "
        "database); it will be at the next start"]
    assert _recorded() == []


def test_the_recorded_digest_is_the_files_own_line_endings_and_all(configured):
    # A file with CRLF line endings was recorded as its LF text: `sha256sum app.yaml`
    # did not match the log, and a change of line endings alone went unrecorded.
    crlf = configured.read_bytes().replace(b"\n", b"\r\n")
    configured.write_bytes(crlf)
    _start("scheduler")
    [(_, details)] = _recorded()
    assert details["sha256"] == hashlib.sha256(crlf).hexdigest()
    assert details["text"].encode("utf-8") == crlf


def test_the_scheduler_serve_starts_leaves_the_record_to_serve(configured, monkeypatch,
                                                               tmp_path):
    # Each serve's scheduler child recorded its private copy of app.yaml again, under a
    # temporary path that names no file: two hosts wrote four entries a restart.
    import subprocess

    from bot import serve
    from bot.config_record import SERVE_CHILD

    started: list[dict[str, str]] = []

    def popen(*_args, env=None, **_kwargs):  # type: ignore[no-untyped-def]
        started.append(env)
        return object()

    monkeypatch.setattr(subprocess, "Popen", popen)
    serve.start_scheduler(tmp_path / "creditbot-app-x.yaml")
    serve.start_scheduler()
    assert [(env[SERVE_CHILD], env.get("CREDITBOT_CONFIG")) for env in started] == [
        ("1", str(tmp_path / "creditbot-app-x.yaml")), ("1", str(configured))]
    # Such a child records nothing; a scheduler of its own does.
    from click.testing import CliRunner

    from bot.cli import main

    def stop_at_once(self, stop):  # type: ignore[no-untyped-def]
        stop.set()

    monkeypatch.setattr("bot.scheduler.Candidate.run", stop_at_once)
    # Not the process's logging: set at INFO for the root, it reached the next tests'
    # captured logs (slack_sdk's retries among a test's expected lines).
    monkeypatch.setattr("bot.serve.configure_logging", lambda level="INFO": None)
    monkeypatch.setattr("bot.delivery.start_beside_candidate", lambda *a, **k: None)
    monkeypatch.setenv(SERVE_CHILD, "1")
    assert CliRunner().invoke(main, ["scheduler"]).exit_code == 0
    assert _recorded() == []
    monkeypatch.delenv(SERVE_CHILD)
    assert CliRunner().invoke(main, ["scheduler"]).exit_code == 0
    assert [details["started"] for _, details in _recorded()] == ["scheduler"]


def test_a_start_logs_the_alert_routes_no_alert_can_match(configured, caplog):
    # Noted, not refused: large invoices turned off leave their routes idle, and the
    # bot still starts; the operator reads why nothing reaches that channel.
    configured.write_text(configured.read_text(encoding="utf-8").replace(
        "  large_invoice: 100000\n", "  large_invoice: null\n  routes:\n"
        "    - when: {type: large_invoice}\n      channels: [credit]\n"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="creditbot.config"):
        _start("serve")
    assert [record.getMessage() for record in caplog.records] == [
        "app.yaml: alerts.routes.0.when: no alert this route matches is info or more severe "
        "(large_invoice alerts are not watched (alerts.large_invoice is null)): watch them, "
        "or remove the route"]
    assert len(_recorded()) == 1


def test_a_start_under_another_text_than_another_hosts_warns(configured, caplog, monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "vm-a")
    _start("serve")
    configured.write_text(configured.read_text(encoding="utf-8").replace(
        "contract_notice_days: 30", "contract_notice_days: 45"), encoding="utf-8")
    monkeypatch.setattr(socket, "gethostname", lambda: "vm-b")
    with caplog.at_level(logging.WARNING, logger="creditbot.config"):
        _start("serve")
    first = _recorded()[0][1]["sha256"]
    assert [r.getMessage() for r in caplog.records] == [
        f"app.yaml is not the one vm-a started under at {NOW.isoformat()} (sha256 "
        f"{first[:12]}…): the hosts of one deployment should run the same file; start the "
        "others again with this one"]
