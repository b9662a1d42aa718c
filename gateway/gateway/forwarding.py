"""Headers the gateway sends upstream: hop-by-hop ones dropped, forwarding and tracing added.

``X-Forwarded-*`` sent by a client is only believed when the peer is a
trusted proxy (GATEWAY_TRUSTED_PROXIES); otherwise anyone could pick the
address rate limits and audit logs see.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from chassis.forwarded import TrustedProxies

# RFC 9110 7.6.1 connection-specific fields, plus the legacy proxy ones.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"})
# Set by the gateway itself; a client's copy is dropped (or, from a trusted proxy, folded in).
# Expect: the gateway's server already answered any 100-continue; the body follows at once.
_REPLACED = frozenset({"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port",
                       "forwarded", "x-real-ip", "x-request-id", "x-correlation-id", "traceparent",
                       "tracestate", "host", "expect"})
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")
_TRACESTATE_MAX = 512


@lru_cache(maxsize=256)
def _header_name(environ_key: str) -> str:
    return environ_key[5:].replace("_", "-").title()


def upstream_headers(environ: dict, *, request_id: str, correlation_id: str | None,
                     proxies: TrustedProxies) -> dict[str, str]:
    """The request headers to send upstream."""
    connection_listed = {token.strip().lower() for token in environ.get("HTTP_CONNECTION", "").split(",")}
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if not key.startswith("HTTP_"):
            continue
        name = _header_name(key)
        lowered = name.lower()
        if lowered in HOP_BY_HOP or lowered in _REPLACED or lowered in connection_listed:
            continue
        headers[name] = value
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    headers.update(_forwarded(environ, proxies))
    headers["X-Request-ID"] = request_id
    if correlation_id:
        headers["X-Correlation-ID"] = correlation_id
    headers.update(trace_headers(environ))
    return headers


def _forwarded(environ: dict, proxies: TrustedProxies) -> dict[str, str]:
    peer = environ.get("REMOTE_ADDR", "")
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    proto = environ.get("wsgi.url_scheme", "http")
    chain = peer
    if proxies.trusts(peer):
        earlier = environ.get("HTTP_X_FORWARDED_FOR", "").strip()
        chain = f"{earlier}, {peer}" if earlier else peer
        proto = request_scheme(environ, proxies)
        host = proxies.forwarded_value(environ, "host") or host
    return {"X-Forwarded-For": chain, "X-Forwarded-Proto": proto, "X-Forwarded-Host": host}


def request_scheme(environ: dict, proxies: TrustedProxies) -> str:
    """http or https as the client used it (HSTS is only sent over https)."""
    forwarded = proxies.forwarded_value(environ, "proto").lower()
    return forwarded if forwarded in ("http", "https") else environ.get("wsgi.url_scheme", "http")


def trace_headers(environ: dict) -> dict[str, str]:
    """W3C trace context: keep the caller's trace id, start our own span under it."""
    span_id = os.urandom(8).hex()
    incoming = _TRACEPARENT.fullmatch(environ.get("HTTP_TRACEPARENT", "").strip())
    if incoming is None or incoming.group(1) == "0" * 32 or incoming.group(2) == "0" * 16:
        return {"traceparent": f"00-{os.urandom(16).hex()}-{span_id}-00"}
    headers = {"traceparent": f"00-{incoming.group(1)}-{span_id}-{incoming.group(3)}"}
    state = environ.get("HTTP_TRACESTATE", "")
    if state and len(state) <= _TRACESTATE_MAX:
        headers["tracestate"] = state
    return headers
