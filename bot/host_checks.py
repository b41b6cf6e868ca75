"""What `creditbot serve` checks of the host it starts on, beyond its own settings.

Linux's *autogroup* scheduling (``kernel.sched_autogroup_enabled = 1``, the default of
many distributions) puts each session in a CPU scheduling group of its own. Every
PostgreSQL backend starts a session (the postmaster's children call ``setsid()``), so on
a host that also runs the bot each backend is a group of one beside the bot's busy
workers. Measured on the 2-core benchmark machine with both CPUs busy: now and then
every backend sat runnable for 1–4 s while the workers ran, and the checks waiting on
them with it (README, Performance). With the setting at 0, none did in the same runs.
The bot cannot change it (it is the host's, and root's), so it says so at start-up.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from storage.db import normalise_url

AUTOGROUP_SETTING = Path("/proc/sys/kernel/sched_autogroup_enabled")
# Names for this host that need no lookup (RFC 6761's .localhost, Debian's ip6- names).
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "localhost6", "localhost6.localdomain6",
                   "ip6-localhost", "ip6-loopback"}


def read_autogroup(path: Path = AUTOGROUP_SETTING) -> str | None:
    """The setting's value, or ``None`` where there is none (not Linux, a kernel built
    without it, a container that hides it)."""
    try:
        return path.read_text().strip()
    except (OSError, ValueError):  # ValueError: bytes that are not text
        return None


def database_on_this_host(database_url: str) -> bool:
    """Whether ``database_url`` names a PostgreSQL server reached through a loopback
    address, this host's own name or a Unix socket: one that shares this host's CPUs. A
    remote server's host is its own administrator's concern; SQLite runs inside the
    bot's processes. Other names are not looked up: a slow resolver must not hold up
    start-up for a warning."""
    try:
        url = make_url(normalise_url(database_url))
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        return False
    if url.get_backend_name().lower() != "postgresql":
        return False
    # libpq connects to `hostaddr` whatever the host says, from the query or else from
    # PGHOSTADDR; then to the hosts, from the query (`?host=/var/run/postgresql`, a
    # list), the URL or PGHOST; and with none, to its Unix socket.
    hosts = (_query_list(url.query.get("hostaddr"))
             or _query_list(os.environ.get("PGHOSTADDR"))
             or _query_list(url.query.get("host")) or ([url.host] if url.host else [])
             or _query_list(os.environ.get("PGHOST")) or [""])
    return any(_local(_without_port(host)) for host in hosts)


def _query_list(value: str | tuple[str, ...] | None) -> list[str]:
    parts = [value] if isinstance(value, str) else list(value or ())
    return [host for part in parts for host in part.split(",")]


def _without_port(host: str) -> str:
    """SQLAlchemy's multi-host form puts a port after each host (``?host=db:5432``)."""
    host = host.strip()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    name, colon, port = host.rpartition(":")
    return name if colon and port.isdigit() and ":" not in name else host


def _local(host: str) -> bool:
    host = host.strip()
    if not host or host.startswith("/"):
        return True  # libpq's default with no host is the Unix socket
    name = host.lower().rstrip(".")
    if name in _LOOPBACK_NAMES or name.endswith(".localhost"):
        return True
    try:
        address = _address(host.strip("[]").split("%")[0])
    except ValueError:
        own = socket.gethostname().lower()
        return name in {own, own.split(".")[0]}
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    # 0.0.0.0 as a destination reaches this host on Linux.
    return address.is_loopback or address.is_unspecified


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    try:
        # The C library's other forms, which libpq takes too: 127.1, 2130706433, 0x7f000001.
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except (OSError, ValueError):  # ValueError: a NUL in the text
        raise ValueError(text) from None


def autogroup_warning(database_url: str, autogroup: str | None) -> str | None:
    """The line `creditbot serve` logs when the database shares this host's CPUs under
    autogroup scheduling; ``None`` otherwise."""
    if autogroup != "1" or not database_on_this_host(database_url):
        return None
    return ("kernel.sched_autogroup_enabled is 1 and PostgreSQL runs on this host: each of "
            "its connections is then a CPU scheduling group of its own, and with the CPUs "
            "busy they can wait seconds for a CPU, and the checks with them. Serving "
            "anyway; as root, set it to 0 (`sysctl -w kernel.sched_autogroup_enabled=0`, "
            "and a line in /etc/sysctl.d/ to keep it; see README, Running)")
