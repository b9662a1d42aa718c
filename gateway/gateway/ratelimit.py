"""Rate limits at the edge: fixed windows, counted in this process or in Redis.

Limits are written in the notation of `limits` (the engine under
Flask-Limiter: "100/minute;1000/hour"), which also provides the Redis
storage. Flask-Limiter itself hooks into Flask's request cycle, which the
proxy path never enters. In memory, a dictionary of windows replaces
limits' MemoryStorage, whose timer threads and locks cost more than the
rest of the edge checks together (bench/profile_gateway_path.py).
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string

from gateway.problems import EdgeProblem

log = logging.getLogger("gateway.ratelimit")
REDIS_TIMEOUT_SECONDS = 0.25
STORAGE_WARNING_INTERVAL = 30.0
SWEEP_INTERVAL_SECONDS = 60.0


@dataclass(frozen=True)
class Verdict:
    """The tightest limit a request counted against, for the RateLimit-* headers."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[str, str]]:
        return [("RateLimit-Limit", str(self.limit)), ("RateLimit-Remaining", str(self.remaining)),
                ("RateLimit-Reset", str(self.reset_seconds))]


@dataclass(frozen=True)
class Limit:
    name: str
    amount: int
    window_seconds: int
    text: str

    @classmethod
    def of(cls, name: str, item: RateLimitItem) -> "Limit":
        return cls(name, item.amount, item.get_expiry(), str(item))


class LocalWindows:
    """Fixed-window counters in this process (each gunicorn worker counts alone)."""

    def __init__(self) -> None:
        self._windows: dict[str, list] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.time() + SWEEP_INTERVAL_SECONDS

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        """Count one request; return the window's count and when it ends (epoch seconds)."""
        now = time.time()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                window = self._windows[key] = [now + window_seconds, 0]
            window[1] += 1
            if now >= self._next_sweep:
                self._sweep(now)
            return window[1], window[0]

    def _sweep(self, now: float) -> None:
        self._windows = {key: window for key, window in self._windows.items() if window[0] > now}
        self._next_sweep = now + SWEEP_INTERVAL_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


class RedisWindows:
    """Fixed-window counters shared by every gateway process through Redis (one round trip a hit)."""

    def __init__(self, url: str) -> None:
        # A Redis that stops answering must cost milliseconds, not hang every request.
        self.storage = storage_from_string(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                           socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        self._window_ends: dict[str, float] = {}

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        count = self.storage.incr(key, window_seconds)
        now = time.time()
        if count == 1:
            ends = self._window_ends[key] = now + window_seconds
        else:
            ends = self._window_ends.get(key, 0.0)
            if ends <= now:  # another process opened this window: ask Redis when it ends
                ends = self._window_ends[key] = self.storage.get_expiry(key)
        if len(self._window_ends) > 100_000:
            self._window_ends.clear()
        return count, ends

    def reset(self) -> None:
        self.storage.reset()
        self._window_ends.clear()


class EdgeLimiter:
    """Per-IP and per-caller limits, plus the stricter per-IP one of login and token routes."""

    def __init__(self, *, per_ip: str, per_caller: str, auth_per_ip: str, storage_url: str) -> None:
        self.windows = RedisWindows(storage_url) if storage_url else LocalWindows()
        self.per_ip = _parse("ip", "rate_limit_per_ip", per_ip)
        self.per_caller = _parse("caller", "rate_limit_per_caller", per_caller)
        self.auth_per_ip = _parse("auth-ip", "rate_limit_auth_per_ip", auth_per_ip)
        self._last_storage_warning = 0.0

    def check_client(self, client_ip: str, strict: bool, on_refusal) -> Verdict | None:
        """Count a request from ``client_ip`` (before any token check, so bad tokens are limited too)."""
        verdict = self._check(self.per_ip, client_ip, on_refusal)
        if strict:
            verdict = tighter(verdict, self._check(self.auth_per_ip, client_ip, on_refusal))
        return verdict

    def check_caller(self, caller: str, on_refusal) -> Verdict | None:
        """Count a request of an authenticated caller (client and subject of its token)."""
        return self._check(self.per_caller, caller, on_refusal)

    def _check(self, limits: list[Limit], key: str, on_refusal) -> Verdict | None:
        """Count against each limit; raise 429 when one is spent. Returns the tightest window."""
        tightest: Verdict | None = None
        for limit in limits:
            try:
                count, ends = self.windows.hit(f"gateway/{limit.name}/{limit.text}/{key}", limit.window_seconds)
            except Exception as error:  # storage down: serve unlimited rather than not at all
                self._storage_failed(error)
                return tightest
            verdict = Verdict(limit.amount, limit.amount - count, max(1, int(ends - time.time() + 0.999)))
            if verdict.remaining < 0:
                on_refusal(limit.name)
                raise _too_many(limit.name, verdict)
            tightest = tighter(tightest, verdict)
        return tightest

    def _storage_failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_storage_warning > STORAGE_WARNING_INTERVAL:
            self._last_storage_warning = now
            log.warning("rate-limit storage unavailable, requests are not limited: %s", type(error).__name__)

    def reset(self) -> None:
        self.windows.reset()


def tighter(first: Verdict | None, second: Verdict | None) -> Verdict | None:
    if first is None or (second is not None and second.remaining < first.remaining):
        return second
    return first


def _parse(name: str, setting: str, text: str) -> list[Limit]:
    if not text.strip():
        return []
    try:
        return [Limit.of(name, item) for item in parse_many(text)]
    except ValueError as error:
        raise ValueError(f"{setting}: {error}") from None


def _too_many(name: str, verdict: Verdict) -> EdgeProblem:
    headers = [("Retry-After", str(verdict.reset_seconds)),
               *Verdict(verdict.limit, 0, verdict.reset_seconds).headers()]
    return EdgeProblem(429, "rate-limited", f"too many requests ({name} limit of {verdict.limit}); "
                       f"retry in {verdict.reset_seconds} s", headers, limit=name)
