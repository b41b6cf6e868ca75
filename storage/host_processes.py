"""This host's processes, as creditbot records them (``host:pid``, with when the record
was made): whether the one that made a record still runs. A scheduler's job run and an
import's claim both need to know, to clean up after a process killed with kill -9."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

# Linux's largest process id (pid_max can be set no higher).
_PID_MAX = 4_194_304
# The inode of the host's own process-id namespace (PROC_PID_INIT_INO): not a container.
_HOST_PID_NAMESPACE = 0xEFFFFFFC


@cache
def this_host() -> str:
    """This host as creditbot's records name it: its name, and in a container its
    process-id namespace too (``web-1#4026532512``). Containers that share a host name
    (``--network host``, a fixed ``hostname:``) do not share process ids: one took
    another's live import claim for a dead process's, and marked a running job
    abandoned. A container restarted comes back in a new namespace: what its dead
    process held is then left to run out (an import claim's two minutes, housekeeping)
    rather than taken from someone alive."""
    name = socket.gethostname()
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return name  # not Linux, or no /proc: the name alone, as before
    return name if namespace == _HOST_PID_NAMESPACE else f"{name}#{namespace}"


def pid_of(host: str) -> int | None:
    """The process id in a run's ``host:pid``; None for one not written so (by hand)."""
    pid = host.rpartition(":")[2]
    if not (pid.isascii() and pid.isdigit()) or not 0 < int(pid) <= _PID_MAX:
        return None
    return int(pid)


def still_runs(pid: int, since: datetime) -> bool:
    """Whether process ``pid`` runs and may be the one that started a run at ``since``: a
    process started after it has only been given the dead one's id (a restarted
    container's scheduler, often the same small pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: it runs
    started = _process_start(pid)
    return started is None or started <= since + timedelta(seconds=2)


def _process_start(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux's /proc), or None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text()
                    .splitlines() if line.startswith("btime "))
        # The fields after the command's closing bracket; starttime is the 22nd field.
        ticks = int(stat.rpartition(")")[2].split()[19])
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def ended_here(who: str, since: datetime) -> bool:
    """Whether ``who`` (a record's ``host:pid``, made at ``since``) was a process of this
    host, other than this one, that runs no more: what it held may be taken at once
    rather than waited out (a kill -9 gave it no chance to let go)."""
    host, _, _ = who.rpartition(":")
    pid = pid_of(who)
    if host != this_host() or pid is None or pid == os.getpid():
        return False
    return not still_runs(pid, since)
