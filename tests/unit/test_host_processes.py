"""This host's name in creditbot's records: containers sharing a host name are told
apart by their process-id namespace, so that one never takes another's live import
claim, or marks its running job abandoned, for a dead process's."""

from __future__ import annotations

import os
import socket
from types import SimpleNamespace

import pytest

from storage import host_processes
from storage.host_processes import this_host


@pytest.fixture(autouse=True)
def fresh() -> None:
    this_host.cache_clear()
    yield
    this_host.cache_clear()


@pytest.mark.parametrize(("inode", "boot", "named"), [
    # The host's own processes: its name and its boot; two machines named alike (cloned
    # VMs) took each other's live leases for dead ones.
    (0xEFFFFFFC, "3f2a9c1e-77d4-4c1e-9b1a-0c5d2e8f6a10", "web-1#3f2a9c1e"),
    (4026532512, "3f2a9c1e-77d4-4c1e-9b1a-0c5d2e8f6a10",
     "web-1#4026532512#3f2a9c1e"),                       # a container's: its namespace too
    (4026532512, None, "web-1#4026532512")])             # no boot id to read
def test_a_host_is_named_with_its_boot_and_a_container_with_its_namespace(
        monkeypatch, tmp_path, inode, boot, named):
    monkeypatch.setattr(socket, "gethostname", lambda: "web-1")
    real = os.stat
    monkeypatch.setattr(host_processes.os, "stat", lambda path, *a, **k: SimpleNamespace(
        st_ino=inode) if path == "/proc/self/ns/pid" else real(path, *a, **k))
    boot_id = tmp_path / "boot_id"
    if boot is not None:
        boot_id.write_text(boot + "\n")
    monkeypatch.setattr(host_processes, "_BOOT_ID", str(boot_id))
    assert this_host() == named


def test_a_killed_process_not_yet_reaped_runs_no_more():
    # A zombie answers kill(0): an import killed in a container whose first process
    # reaps nothing held its claim until the claim ran out.
    import subprocess
    import time
    from datetime import UTC, datetime, timedelta

    from storage.host_processes import still_runs

    since = datetime.now(UTC) - timedelta(seconds=1)
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert still_runs(child.pid, since + timedelta(seconds=1))
        child.kill()
        for _ in range(100):  # not waited for: a zombie until reaped
            if host_processes._stat(child.pid)[0] == "Z":
                break
            time.sleep(0.02)
        os.kill(child.pid, 0)  # still there for kill(0)
        assert not still_runs(child.pid, since + timedelta(seconds=1))
    finally:
        child.wait()


def test_without_proc_the_host_name_alone(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "mac-1")

    def missing(path: str, *args: object, **kwargs: object) -> None:
        raise FileNotFoundError(path)

    monkeypatch.setattr(host_processes.os, "stat", missing)
    assert this_host() == "mac-1"
