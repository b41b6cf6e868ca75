"""This host's processes, as creditbot records them (``host:pid``, with when the record
was made): whether the one that made a record still runs. A scheduler's job run and an
import's claim both need to know, to clean up after a process killed with kill -9."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Linux's largest process id (pid_max can be set no higher).
_PID_MAX = 4_194_304


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
