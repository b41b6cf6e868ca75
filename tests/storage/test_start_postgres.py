""".ci/start-postgres, which CI and developers run as `eval "$(.ci/start-postgres)" &&
pytest`: a cluster that does not start must stop that line, and leave nothing behind."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess

import pytest

from tests.conftest import ROOT


@pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb") or os.geteuid() != 0
                    or shutil.which("runuser") is None,
                    reason="needs root and Debian's postgresql server binaries")
def test_a_port_already_taken_fails_the_eval_and_leaves_no_data_folder():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = set(glob.glob("/tmp/creditbot-pg.*"))
        result = subprocess.run(
            ["bash", "-c", 'eval "$(.ci/start-postgres)" && echo "pytest would run"'],
            cwd=ROOT, env={**os.environ, "PGTEST_PORT": str(port)},
            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert result.stdout == ""
    assert f"start-postgres: the server did not start on port {port} (taken? set " \
           "PGTEST_PORT to another)" in result.stderr
    assert set(glob.glob("/tmp/creditbot-pg.*")) == before
