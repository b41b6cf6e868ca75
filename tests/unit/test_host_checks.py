"""`creditbot serve`'s warning about autogroup scheduling with PostgreSQL on the host."""

from __future__ import annotations

import logging
import socket
from typing import ClassVar

import pytest

from bot import serve
from bot.host_checks import autogroup_warning, database_on_this_host, read_autogroup

WARNING = ("kernel.sched_autogroup_enabled is 1 and PostgreSQL runs on this host: each of "
           "its connections is then a CPU scheduling group of its own, and with the CPUs "
           "busy they can wait seconds for a CPU, and the checks with them. Serving "
           "anyway; as root, set it to 0 (`sysctl -w kernel.sched_autogroup_enabled=0`, "
           "and a line in /etc/sysctl.d/ to keep it; see README, Running)")


@pytest.fixture(autouse=True)
def _no_libpq_environment(monkeypatch):
    """A URL without a host means what libpq's environment says: none here."""
    for name in ("PGHOST", "PGHOSTADDR"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://bot@127.0.0.1:5432/credit",
    "postgresql+psycopg://bot@127.0.0.2/credit",
    "postgresql+psycopg://bot@localhost/credit",
    "postgresql+psycopg://bot@LOCALHOST:5433/credit",
    "postgresql+psycopg://bot@[::1]:5432/credit",
    "postgresql+psycopg:///credit",  # no host: libpq's Unix socket
    "postgresql+psycopg://bot@/credit?host=/var/run/postgresql",
    "postgresql+psycopg://bot@db.internal/credit?host=/tmp/pg",
    "postgresql+psycopg://bot@x/credit?host=db1.internal,127.0.0.1",
    "postgresql://bot@localhost/credit",
    "postgresql+psycopg://bot@db.internal/credit?hostaddr=127.0.0.1",
    "postgres://bot@127.0.0.1/credit",
    "postgres://bot@localhost./credit",
    "postgresql://bot@ip6-localhost/credit",
    "postgresql://bot@db.localhost/credit",
    "postgresql://bot@0.0.0.0/credit",
    "postgresql://bot@[::ffff:127.0.0.1]/credit",
    "postgresql://bot@[::1%25lo]/credit",
    "postgresql://bot@/credit?host=localhost:5432",
    "postgresql://bot@/credit?host=db.remote:5432&host=127.0.0.1:5433",
    "postgresql://bot@/credit?host=[::1]:5433",
    "postgresql://bot@127.1/credit",
    "postgresql://bot@2130706433/credit",
    "postgresql://bot@localhost.localdomain/credit",
    "postgresql://bot@localhost6/credit",
    "postgresql://bot@0x7f000001/credit",
    "POSTGRESQL://bot@localhost/credit",
])
def test_a_postgresql_server_on_this_host_is_recognised(url):
    assert database_on_this_host(url)
    assert autogroup_warning(url, "1") == WARNING


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://bot@db.internal:5432/credit",
    "postgresql+psycopg://bot@10.0.0.5/credit",
    "postgresql+psycopg://bot@x/credit?host=db1.internal,db2.internal",
    "postgresql+psycopg://bot@localhost/credit?hostaddr=10.0.0.5",
    "postgresql:///credit?hostaddr=10.0.0.5",
    "postgresql://bot@/credit?host=db.remote:5432",
    "postgresql://bot@10.1/credit",
    "postgresql://u@::1/db",  # not a URL: SQLAlchemy reads a port ":1"
    "postgresql://u@h:notaport/db",
    "postgresql://u@[::1/db",
    "postgresql://u@ab\x00c/db",
    "postgresql://bot@0x0a000001/credit",
    "sqlite:///creditbot.db",
    "sqlite:///:memory:",
    "not a url",
    "",
])
def test_a_remote_server_or_sqlite_is_no_concern_of_this_host(url):
    assert not database_on_this_host(url)
    assert autogroup_warning(url, "1") is None


@pytest.mark.parametrize("environment, local", [
    ({}, True),  # libpq's Unix socket
    ({"PGHOST": "db.remote"}, False),
    ({"PGHOST": "127.0.0.1"}, True),
    ({"PGHOST": "/var/run/postgresql"}, True),
    ({"PGHOSTADDR": "10.0.0.5", "PGHOST": "localhost"}, False),
])
def test_a_url_without_a_host_is_where_libpq_environment_points(monkeypatch, environment,
                                                                 local):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert database_on_this_host("postgresql:///credit") is local
    assert database_on_this_host("postgresql://bot@db.remote/credit") is False


@pytest.mark.parametrize("address, local", [("127.0.0.1", True), ("10.255.255.1", False)])
def test_pghostaddr_is_where_libpq_connects_whatever_the_url_names(monkeypatch, address,
                                                                  local):
    monkeypatch.setenv("PGHOSTADDR", address)
    assert database_on_this_host("postgresql://bot@db.example.com/credit") is local
    assert database_on_this_host("postgresql://bot@localhost/credit") is local
    assert database_on_this_host("postgresql://bot@x/credit?hostaddr=10.0.0.5") is False


def test_this_hosts_own_name_is_this_host(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "ledger-01.corp.example")
    for name in ("ledger-01.corp.example", "LEDGER-01", "ledger-01.corp.example."):
        assert database_on_this_host(f"postgresql://bot@{name}:5432/credit"), name
    assert not database_on_this_host("postgresql://bot@ledger-02.corp.example/credit")


@pytest.mark.parametrize("setting", ["0", None])
def test_no_warning_without_autogroup_scheduling(setting):
    assert autogroup_warning("postgresql+psycopg://bot@127.0.0.1/credit", setting) is None


def test_the_setting_is_read_from_the_kernel_and_missing_is_none(tmp_path):
    setting = tmp_path / "sched_autogroup_enabled"
    setting.write_text("1\n")
    assert read_autogroup(setting) == "1"
    assert read_autogroup(tmp_path / "absent") is None
    assert read_autogroup(tmp_path) is None  # a directory
    setting.write_bytes(b"\xff\xfe\x00\x01")
    assert read_autogroup(setting) is None


class _Server:
    """gunicorn's place: what serve_http would run, not run."""
    started: ClassVar[list[dict[str, object]]] = []

    def __init__(self, options: dict[str, object], identity: object, config: object) -> None:
        self.options = options

    def run(self) -> None:
        self.started.append(self.options)


@pytest.mark.parametrize("setting, logged", [("1", [WARNING]), ("0", [])])
def test_serve_logs_the_warning_at_start_up_and_serves_anyway(monkeypatch, caplog, setting,
                                                              logged):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://bot@127.0.0.1:5432/credit")
    monkeypatch.setattr(serve, "read_autogroup", lambda: setting)
    monkeypatch.setattr(serve, "verify_token", lambda settings: None)
    monkeypatch.setattr(serve, "_Gunicorn", _Server)
    # No database here: the configuration's audit entry is tests/cli/test_config_in_force's.
    monkeypatch.setattr(serve, "config_on_record", lambda services, started: None)
    _Server.started.clear()
    with caplog.at_level(logging.WARNING, logger="creditbot.serve"):
        serve.serve_http(3999, 1, 1, scheduler=False, host="127.0.0.1")
    assert [record.getMessage() for record in caplog.records] == logged
    assert [options["bind"] for options in _Server.started] == ["127.0.0.1:3999"]
