"""One pool of keep-alive connections per upstream, with a small circuit breaker.

When an upstream refuses connections several times in a row it is answered
503 for a short cool-down instead of paying a connect attempt (and a retry)
on every request; the first request after the cool-down probes it again.
"""
from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.upstream_http import Connection


@dataclass(frozen=True)
class UpstreamPolicy:
    connect_timeout: float
    read_timeout: float
    retries: int
    pool_size: int
    failure_threshold: int
    cooldown_seconds: float
    # Shorter than the services' keep-alive (gunicorn: 5 s), so we drop a connection before they do.
    idle_seconds: float = 4.0


class Upstream:
    def __init__(self, name: str, base_url: str, policy: UpstreamPolicy) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream {name}: {base_url!r} is not an http(s) URL")
        self.name = name
        self.base_url = base_url
        self.policy = policy
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.host_header = parts.netloc
        self.tls = ssl.create_default_context() if parts.scheme == "https" else None
        self._idle: list[Connection] = []
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0

    def acquire(self) -> tuple[Connection, bool]:
        """A pooled connection still open (and whether it was reused), else a new one."""
        now = time.monotonic()
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                break
            if now - connection.idle_since < self.policy.idle_seconds and not connection.looks_closed():
                return connection, True
            connection.close()
        connection = Connection.open(self.host, self.port, self.policy.connect_timeout, self.tls)
        connection.sock.settimeout(self.policy.read_timeout)
        return connection, False

    def release(self, connection: Connection, reusable: bool) -> None:
        if reusable:
            connection.idle_since = time.monotonic()
            with self._lock:
                if len(self._idle) < self.policy.pool_size:
                    self._idle.append(connection)
                    return
        connection.close()

    def is_open(self) -> bool:
        """True while the breaker keeps requests away from a refusing upstream."""
        return self._open_until > time.monotonic()

    def retry_after(self) -> int:
        return max(1, int(self._open_until - time.monotonic() + 0.999))

    def record_success(self) -> None:
        if self._failures:
            with self._lock:
                self._failures = 0

    def record_connect_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.policy.failure_threshold:
                self._open_until = time.monotonic() + self.policy.cooldown_seconds
                self._failures = 0

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def build_upstreams(urls: dict[str, str], names: frozenset[str], policy: UpstreamPolicy) -> dict[str, Upstream]:
    """Pools for the routed upstreams that have an address (no connection is opened yet)."""
    return {name: Upstream(name, urls[name], policy) for name in names if name in urls}
