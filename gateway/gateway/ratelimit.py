"""Rate limits at the edge, counted with `limits` (the engine under Flask-Limiter).

The proxy path never enters Flask's request cycle, where Flask-Limiter hooks
in, so the gateway drives the same library directly: same limit notation,
same memory and Redis storages. Fixed windows: one counter increment per
limit and request, the cheapest strategy on Redis.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from gateway.problems import EdgeProblem

log = logging.getLogger("gateway.ratelimit")
REDIS_TIMEOUT_SECONDS = 0.25
STORAGE_WARNING_INTERVAL = 30.0


@dataclass(frozen=True)
class Verdict:
    """The tightest limit a request counted against, for the RateLimit-* headers."""

    limit: int
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[str, str]]:
        return [("RateLimit-Limit", str(self.limit)), ("RateLimit-Remaining", str(self.remaining)),
                ("RateLimit-Reset", str(self.reset_seconds))]


class EdgeLimiter:
    """Per-IP and per-caller limits, plus the stricter per-IP one of login and token routes."""

    def __init__(self, *, per_ip: str, per_caller: str, auth_per_ip: str, storage_url: str) -> None:
        self.storage = _storage(storage_url)
        self.strategy = FixedWindowRateLimiter(self.storage)
        self.per_ip = _parse("rate_limit_per_ip", per_ip)
        self.per_caller = _parse("rate_limit_per_caller", per_caller)
        self.auth_per_ip = _parse("rate_limit_auth_per_ip", auth_per_ip)
        self._last_storage_warning = 0.0

    def check_client(self, client_ip: str, strict: bool, on_refusal) -> Verdict | None:
        """Count a request from ``client_ip`` (before any token check, so bad tokens are limited too)."""
        checks = [("ip", self.per_ip, client_ip)]
        if strict:
            checks.append(("auth-ip", self.auth_per_ip, client_ip))
        return self._check(checks, on_refusal)

    def check_caller(self, caller: str, on_refusal) -> Verdict | None:
        """Count a request of an authenticated caller (client and subject of its token)."""
        return self._check([("caller", self.per_caller, caller)], on_refusal)

    def _check(self, checks, on_refusal) -> Verdict | None:
        """Count against each limit; raise 429 when one is spent. Returns the tightest window."""
        tightest: Verdict | None = None
        for name, items, key in checks:
            for item in items:
                try:
                    verdict = self._hit(name, item, key)
                except Exception as error:  # storage down: serve unlimited rather than not at all
                    self._storage_failed(error)
                    return tightest
                if verdict.remaining < 0:
                    on_refusal(name)
                    raise _too_many(name, verdict)
                tightest = tighter(tightest, verdict)
        return tightest

    def _hit(self, name: str, item: RateLimitItem, key: str) -> Verdict:
        allowed = self.strategy.hit(item, name, key)
        reset_at, remaining = self.strategy.get_window_stats(item, name, key)
        reset_seconds = max(1, int(reset_at - time.time() + 0.999))
        return Verdict(item.amount, remaining if allowed else -1, reset_seconds)

    def _storage_failed(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_storage_warning > STORAGE_WARNING_INTERVAL:
            self._last_storage_warning = now
            log.warning("rate-limit storage unavailable, requests are not limited: %s", type(error).__name__)

    def reset(self) -> None:
        self.storage.reset()


def _storage(url: str):
    if url.startswith(("redis://", "rediss://", "unix://")):
        # A Redis that stops answering must cost milliseconds, not hang every request.
        return storage_from_string(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                   socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    return storage_from_string(url or "memory://")


def tighter(first: Verdict | None, second: Verdict | None) -> Verdict | None:
    if first is None or (second is not None and second.remaining < first.remaining):
        return second
    return first


def _parse(setting: str, text: str) -> list[RateLimitItem]:
    if not text.strip():
        return []
    try:
        return parse_many(text)
    except ValueError as error:
        raise ValueError(f"{setting}: {error}") from None


def _too_many(name: str, verdict: Verdict) -> EdgeProblem:
    headers = [("Retry-After", str(verdict.reset_seconds)),
               *Verdict(verdict.limit, 0, verdict.reset_seconds).headers()]
    return EdgeProblem(429, "rate-limited", f"too many requests ({name} limit of {verdict.limit}); "
                       f"retry in {verdict.reset_seconds} s", headers, limit=name)
