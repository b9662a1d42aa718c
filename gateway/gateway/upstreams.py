"""One pooled keep-alive connection pool per upstream, with a small circuit breaker.

When an upstream refuses connections several times in a row it is answered
503 for a short cool-down instead of paying a connect attempt (and a retry)
on every request; the first request after the cool-down probes it again.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3


@dataclass(frozen=True)
class UpstreamPolicy:
    connect_timeout: float
    read_timeout: float
    retries: int
    pool_size: int
    failure_threshold: int
    cooldown_seconds: float


class Upstream:
    def __init__(self, name: str, base_url: str, policy: UpstreamPolicy) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream {name}: {base_url!r} is not an http(s) URL")
        self.name = name
        self.base_url = base_url
        self.policy = policy
        pool_class = urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
        self.pool = pool_class(
            parts.hostname, parts.port, maxsize=policy.pool_size, block=False, retries=False,
            timeout=urllib3.Timeout(connect=policy.connect_timeout, read=policy.read_timeout))
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = 0.0

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
        self.pool.close()


def build_upstreams(urls: dict[str, str], names: frozenset[str], policy: UpstreamPolicy) -> dict[str, Upstream]:
    """Pools for the upstreams the route table uses (no connection is opened yet)."""
    missing = names - set(urls)
    if missing:
        raise ValueError(f"route table names upstreams without an address: {sorted(missing)}")
    return {name: Upstream(name, urls[name], policy) for name in names}
