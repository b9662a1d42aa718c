"""A TCP proxy a test puts between the services and a server (RabbitMQ, PostgreSQL) to make it go away.

To the services, :meth:`FaultProxy.cut` is the server vanishing: every live connection is reset
and every new one is reset as soon as it is accepted, until :meth:`FaultProxy.restore`. The
server itself keeps running for everyone else on the machine.
"""
from __future__ import annotations

import socket
import struct
import threading
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

CHUNK = 65536


class FaultProxy:
    """Forwards ``127.0.0.1:<port>`` to ``target``; one thread per direction of each connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        self.accepted = 0
        threading.Thread(target=self._accept, name=f"fault-proxy-{self.port}", daemon=True).start()

    @classmethod
    def in_front_of(cls, url: str) -> "FaultProxy":
        """A proxy to the host and port of ``url`` (``amqp://…``, ``postgresql+psycopg://…``)."""
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port)

    def url_through(self, url: str) -> str:
        """``url`` with its host and port replaced by this proxy's."""
        parts = urlsplit(url)
        credentials = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        return urlunsplit(parts._replace(netloc=f"{credentials}127.0.0.1:{self.port}"))

    def cut(self) -> None:
        """The server goes away: live connections are reset, new ones refused."""
        self._open.clear()
        with self._lock:
            live, self._live = self._live, set()
        for sock in live:
            _reset(sock)

    def restore(self) -> None:
        """The server is back: new connections go through again."""
        self._open.set()

    @contextmanager
    def outage(self):
        """The server unreachable for the block's duration."""
        self.cut()
        try:
            yield
        finally:
            self.restore()

    def close(self) -> None:
        self.cut()
        _reset(self._listener)  # shutdown wakes the thread blocked in accept()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # the listener was closed
                return
            if not self._open.is_set():
                _reset(client)
                continue
            self.accepted += 1
            threading.Thread(target=self._link, args=(client,), daemon=True).start()

    def _link(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        upstream.settimeout(None)
        with self._lock:
            if not self._open.is_set():  # cut while connecting
                _reset(client)
                _reset(upstream)
                return
            self._live |= {client, upstream}
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(CHUNK):
                sink.sendall(data)
        except OSError:
            pass
        # One side ended: so does the connection, both ways.
        with self._lock:
            self._live -= {source, sink}
        _reset(source)
        _reset(sink)


def _reset(sock: socket.socket) -> None:
    """Close abruptly (RST, no FIN handshake), waking a thread blocked reading it."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
