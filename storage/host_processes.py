"""This host's processes, as creditbot records them (``host:pid``, with when the record
was made): whether the one that made a record still runs. A scheduler's job run and an
import's claim both need to know, to clean up after a process killed with kill -9."""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

# Linux's largest process id (pid_max can be set no higher).
_PID_MAX = 4_194_304
# The inode of the host's own process-id namespace (PROC_PID_INIT_INO): not a container.
_HOST_PID_NAMESPACE = 0xEFFFFFFC
# A random id Linux draws at each boot: the same for every container of a machine.
_BOOT_ID = "/proc/sys/kernel/random/boot_id"


@cache
def this_host() -> str:
    """This host as creditbot's records name it: its name, in a container its
    process-id namespace too, and the machine's boot id (``web-1#4026532512#3f2a9c1e``).
    Containers that share a host name (``--network host``, a fixed ``hostname:``) do not
    share process ids: one took another's live import claim for a dead process's, and
    marked a running job abandoned. Nor do two machines of one name (cloned VMs, a fixed
    ``hostname:`` on two hosts), whose namespaces' numbers may well be alike: the boot id
    tells them apart. A container restarted, or a machine rebooted, comes back as another:
    what its dead process held is then left to run out (an import claim's two minutes,
    housekeeping) rather than taken from someone alive."""
    parts = [socket.gethostname()]
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return parts[0]  # not Linux, or no /proc: the name alone, as before
    if namespace != _HOST_PID_NAMESPACE:
        parts.append(str(namespace))
    with contextlib.suppress(OSError):
        parts.append(Path(_BOOT_ID).read_text().strip()[:8])
    return "#".join(part for part in parts if part)


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
    fields = _stat(pid)
    # A zombie (killed, not yet reaped: a container whose first process reaps nothing)
    # still answers kill(0), and held its import claim until the claim ran out.
    if fields is not None and fields[0] in ("Z", "X"):
        return False
    started = _process_start(fields)
    return started is None or started <= since + timedelta(seconds=2)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's closing bracket (the state
    first), or None where they cannot be read."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _process_start(fields: list[str] | None) -> datetime | None:
    """When the process of ``fields`` (``_stat``) started, or None where that cannot be
    read."""
    if fields is None:
        return None
    try:
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text()
                    .splitlines() if line.startswith("btime "))
        ticks = int(fields[19])  # starttime, the 22nd field of the line
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
