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


@pytest.mark.parametrize(("inode", "named"), [
    (0xEFFFFFFC, "web-1"),                    # the host's own processes: its name
    (4026532512, "web-1#4026532512")])        # a container's: its namespace too
def test_a_container_is_named_with_its_process_namespace(monkeypatch, inode, named):
    monkeypatch.setattr(socket, "gethostname", lambda: "web-1")
    real = os.stat
    monkeypatch.setattr(host_processes.os, "stat", lambda path, *a, **k: SimpleNamespace(
        st_ino=inode) if path == "/proc/self/ns/pid" else real(path, *a, **k))
    assert this_host() == named


def test_without_proc_the_host_name_alone(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "mac-1")

    def missing(path: str, *args: object, **kwargs: object) -> None:
        raise FileNotFoundError(path)

    monkeypatch.setattr(host_processes.os, "stat", missing)
    assert this_host() == "mac-1"
