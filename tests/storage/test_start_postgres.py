""".ci/start-postgres, which CI and developers run as `eval "$(.ci/start-postgres)" &&
pytest`: a cluster that does not start must stop that line, and leave nothing behind."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

NEEDS_SERVER = pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb") or os.geteuid() != 0
    or shutil.which("runuser") is None, reason="needs root and Debian's postgresql server binaries")


@NEEDS_SERVER
def test_a_port_already_taken_fails_the_eval_and_leaves_no_data_folder() -> None:
    # Its own parent folder, which user postgres can enter (pytest's tmp_path is root's).
    parent = Path(tempfile.mkdtemp(prefix="start-postgres-test."))
    parent.chmod(0o755)
    try:
        _fails_and_leaves_nothing_in(parent)
    finally:
        shutil.rmtree(parent)


def _fails_and_leaves_nothing_in(parent: Path) -> None:
    elsewhere = _data_folders()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            ["bash", "-c", 'eval "$(.ci/start-postgres)" && echo "pytest would run"'],
            cwd=ROOT, env={**os.environ, "PGTEST_PORT": str(port), "PGTEST_PARENT": str(parent)},
            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stdout == ""
    # One line, the server's own reason in it (pg_ctl's two lines are not passed on).
    assert result.stderr == (
        f"start-postgres: the server did not start on port {port} (could not bind IPv4 "
        'address "127.0.0.1": Address already in use): if the port is taken, set '
        "PGTEST_PORT to another\n")
    assert list(parent.iterdir()) == []
    assert _data_folders() == elsewhere


def _data_folders() -> set[str]:
    return set(glob.glob("/tmp/creditbot-pg.*")) | set(glob.glob("/dev/shm/creditbot-pg.*"))


@NEEDS_SERVER
@pytest.mark.parametrize("prefix", ["start-postgres-test.", "start postgres test."],
                         ids=["plain", "with-a-space"])
def test_the_cluster_is_made_in_the_folder_pgtest_parent_names(prefix: str) -> None:
    """A space in the folder's path stopped the server (its socket option split there),
    and the printed export of PGTEST_DATA split there too."""
    parent = Path(tempfile.mkdtemp(prefix=prefix))
    parent.chmod(0o755)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    try:
        result = subprocess.run(
            ["bash", "-c", 'eval "$(.ci/start-postgres)" && echo "$PGTEST_DATA" && '
             'runuser -u postgres -- "$PGTEST_BIN/pg_ctl" -D "$PGTEST_DATA" -m fast stop'],
            cwd=ROOT, env={**os.environ, "PGTEST_PORT": str(port), "PGTEST_PARENT": str(parent)},
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        data = Path(result.stdout.splitlines()[0])
        assert data.parent == parent and data.name.startswith("creditbot-pg.")
        assert (data / "PG_VERSION").is_file()
    finally:
        shutil.rmtree(parent)


def test_the_suite_runs_clean_without_a_postgresql_server() -> None:
    """Quick start's test command on a machine without PostgreSQL: its tests are skipped,
    and nothing tries to reach a server at the end of the session (the templates'
    teardown once did, and the run ended in errors)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("CREDITBOT_TEST_POSTGRES_URL", "CREDITBOT_REQUIRE_POSTGRES")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "tests/e2e/test_check.py::test_healthz"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 passed, 1 skipped in ")
