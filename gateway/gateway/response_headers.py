"""Headers the gateway adds to every answer: security headers and CORS."""
from __future__ import annotations

from typing import Iterable

from gateway.problems import EdgeProblem

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
EXPOSED_HEADERS = ("X-Request-ID, Location, ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, "
                   "RateLimit-Reset, X-Pagination, Idempotency-Replayed")
PREFLIGHT_MAX_AGE = "600"


def security_headers(https: bool, hsts_max_age: int) -> list[tuple[str, str]]:
    headers = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
               ("X-Frame-Options", "DENY")]
    if https and hsts_max_age > 0:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))
    return headers


def add_missing(headers: list[tuple[str, str]], extra: Iterable[tuple[str, str]]) -> None:
    """Append each of ``extra`` unless the upstream already set that header."""
    present = {name.lower() for name, _ in headers}
    headers.extend((name, value) for name, value in extra if name.lower() not in present)


class CorsPolicy:
    """Origins allowed to call the API from a browser (none by default; "*" for any).

    Credentials are never allowed: the API takes bearer tokens, not cookies.
    """

    def __init__(self, origins: Iterable[str]) -> None:
        cleaned = [origin.rstrip("/") for origin in origins]
        self.any_origin = "*" in cleaned
        self.origins = frozenset(cleaned)

    def allows(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    def is_preflight(self, environ: dict) -> bool:
        return (environ["REQUEST_METHOD"] == "OPTIONS" and "HTTP_ORIGIN" in environ
                and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ)

    def preflight_headers(self, environ: dict) -> list[tuple[str, str]]:
        """Headers of a 204 answer to a preflight; 403 for an origin not allowed."""
        origin = environ["HTTP_ORIGIN"]
        if not self.allows(origin):
            raise EdgeProblem(403, "cors-origin-not-allowed", f"origin {origin[:200]!r} may not call this API")
        headers = [("Access-Control-Allow-Origin", self._allow_value(origin)), ("Vary", "Origin"),
                   ("Access-Control-Allow-Methods", ALLOWED_METHODS), ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)]
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS")
        if requested:
            headers.append(("Access-Control-Allow-Headers", requested))
        return headers

    def response_headers(self, environ: dict) -> list[tuple[str, str]]:
        origin = environ.get("HTTP_ORIGIN")
        if not origin or not self.allows(origin):
            return []
        return [("Access-Control-Allow-Origin", self._allow_value(origin)), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", EXPOSED_HEADERS)]

    def _allow_value(self, origin: str) -> str:
        return "*" if self.any_origin else origin
