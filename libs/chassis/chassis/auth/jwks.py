"""Verification keys: a JWKS fetched over HTTP and cached, or a static set.

Both sources answer ``key_for(kid)``; the verifier needs nothing else.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

import urllib3
from joserfc.jwk import Key, KeySet

from .errors import KeySetUnavailable, UnknownKey
from .keysource import StaticKeySource, index_by_kid, parse_jwks

__all__ = ["JWKSCache", "StaticKeySource", "parse_jwks"]

log = logging.getLogger(__name__)

# A JWKS is a few keys; anything bigger is a misconfigured URL or an attack.
MAX_JWKS_BYTES = 256 * 1024


class JWKSCache:
    """A JWKS fetched from ``url``, cached and refreshed, safe across threads.

    Keys are refreshed after ``ttl_seconds``; an unknown ``kid`` (the issuer
    rotated) triggers a refetch, but at most once per
    ``min_refetch_interval`` seconds so a flood of made-up kids cannot hammer
    identity. When a refresh fails the old keys stay in use.
    """

    def __init__(self, url: str, *, http: Any = None, ttl_seconds: float = 300,
                 min_refetch_interval: float = 10, timeout: float = 3.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.ttl_seconds = ttl_seconds
        self.min_refetch_interval = min_refetch_interval
        self._timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self._http = http if http is not None else urllib3.PoolManager()
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, Key] | None = None
        self._keyset: KeySet | None = None
        self._fetched_at = float("-inf")
        self._last_attempt = float("-inf")

    @property
    def keyset(self) -> KeySet | None:
        """The cached key set, or None before the first successful fetch."""
        return self._keyset

    def key_for(self, kid: str) -> Key:
        """The key for ``kid``; raises ``UnknownKey`` or ``KeySetUnavailable``."""
        keys = self._keys
        if keys is None or self._clock() - self._fetched_at >= self.ttl_seconds:
            keys = self._refresh(force=False)
        key = keys.get(kid)
        if key is None:
            key = self._refresh(force=True).get(kid)
        if key is None:
            raise UnknownKey(kid)
        return key

    def _refresh(self, *, force: bool) -> dict[str, Key]:
        stale = self._keys
        # With stale keys in hand, don't queue behind a slow fetch: another
        # thread is already refreshing, and the old keys are still good.
        if not self._lock.acquire(blocking=stale is None or force):
            return stale  # type: ignore[return-value]
        try:
            return self._refresh_locked(force)
        finally:
            self._lock.release()

    def _refresh_locked(self, force: bool) -> dict[str, Key]:
        now = self._clock()
        fresh = self._keys is not None and now - self._fetched_at < self.ttl_seconds
        if fresh and not force:
            return self._keys  # type: ignore[return-value]  # refreshed while we waited
        if now - self._last_attempt < self.min_refetch_interval:
            if self._keys is None:
                raise KeySetUnavailable(f"JWKS fetch from {self.url} failed recently")
            return self._keys
        self._last_attempt = now
        try:
            keyset = self._fetch()
        except Exception as exc:  # noqa: BLE001 - any failure means "keep the old keys"
            if self._keys is None:
                raise KeySetUnavailable(f"cannot fetch JWKS from {self.url}: {exc}") from exc
            log.warning("JWKS refresh from %s failed, keeping cached keys: %s", self.url, exc)
            return self._keys
        self._keyset, self._keys, self._fetched_at = keyset, index_by_kid(keyset), now
        return self._keys

    def _fetch(self) -> KeySet:
        response = self._http.request(
            "GET", self.url, headers={"Accept": "application/json"},
            timeout=self._timeout, retries=False, preload_content=False,
        )
        try:
            if response.status != 200:
                raise ValueError(f"HTTP {response.status}")
            body = response.read(MAX_JWKS_BYTES + 1)
        finally:
            response.release_conn()
        if len(body) > MAX_JWKS_BYTES:
            raise ValueError("JWKS document too large")
        return parse_jwks(json.loads(body))
