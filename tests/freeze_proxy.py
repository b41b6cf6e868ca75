"""A TCP relay in front of PostgreSQL that can stop relaying without closing anything:
to the client, a server that stopped on a host whose kernel still acknowledges every
packet (its processes suspended, its disk stalled). New connections are accepted and
left unanswered while frozen, as a stopped postmaster's backlog would."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from types import TracebackType

from sqlalchemy.engine import make_url


class FreezeProxy:
    def __init__(self, upstream_url: str) -> None:
        url = make_url(upstream_url)
        self.upstream = (url.host or "127.0.0.1", url.port or 5432)
        self._url = url
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thawed = threading.Event()
        self._thawed.set()
        self._closing = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self._url.set(host="127.0.0.1", port=self.port).render_as_string(
            hide_password=False)

    def freeze(self) -> None:
        self._thawed.clear()

    def thaw(self) -> None:
        self._thawed.set()

    def __enter__(self) -> FreezeProxy:
        threading.Thread(target=self._accept, daemon=True, name="freeze-proxy").start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._closing.set()
        self._thawed.set()
        self._listener.close()
        with self._lock:
            for held in self._sockets:
                with contextlib.suppress(OSError):
                    held.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        self._thawed.wait()  # a frozen server answers no new connection either
        try:
            server = socket.create_connection(self.upstream)
        except OSError:
            client.close()
            return
        with self._lock:
            self._sockets += [client, server]
        pairs = {client: server, server: client}
        try:
            while not self._closing.is_set():
                self._thawed.wait()
                ready, _, _ = select.select(list(pairs), [], [], 0.1)
                if not self._thawed.is_set():
                    continue  # frozen: what arrived waits in the kernel's buffers
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    pairs[source].sendall(data)
        except (OSError, ValueError):  # closed by __exit__ meanwhile
            return
        finally:
            for held in (client, server):
                with contextlib.suppress(OSError):
                    held.close()
