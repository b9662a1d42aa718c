"""Believe ``X-Forwarded-*`` only from trusted proxies (the gateway, an nginx in front).

Identity's lockout and sign-up limits, and audit, key on the client's
address; behind the gateway the peer is the gateway, so the address must
come from its ``X-Forwarded-For`` — and only when the peer really is it.
"""
from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Callable, Iterable


class TrustedProxies:
    """The peers (IPs or CIDRs) allowed to tell us who the client is."""

    def __init__(self, networks: Iterable[str]) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str) -> bool:
        if not self.networks:
            return False
        parsed = _address(address)
        return parsed is not None and any(parsed in network for network in self.networks)

    def client_address(self, environ: dict) -> str:
        """The peer, or from a trusted peer the last X-Forwarded-For hop it does not trust."""
        peer = environ.get("REMOTE_ADDR", "")
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    def forwarded_value(self, environ: dict, header: str) -> str:
        """First value of ``X-Forwarded-<header>`` from a trusted peer, else ''."""
        if not self.trusts(environ.get("REMOTE_ADDR", "")):
            return ""
        value = environ.get(f"HTTP_X_FORWARDED_{header.upper()}", "")
        return value.split(",")[0].strip()


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedForwarded:
    """WSGI middleware: client address, scheme and host from a trusted proxy's headers."""

    def __init__(self, wsgi_app: Callable, proxies: TrustedProxies) -> None:
        self.wsgi_app = wsgi_app
        self.proxies = proxies

    def __call__(self, environ: dict, start_response: Callable):
        if self.proxies.trusts(environ.get("REMOTE_ADDR", "")):
            scheme = self.proxies.forwarded_value(environ, "proto").lower()
            host = self.proxies.forwarded_value(environ, "host")
            environ["chassis.peer_addr"] = environ.get("REMOTE_ADDR", "")
            environ["REMOTE_ADDR"] = self.proxies.client_address(environ)
            if scheme in ("http", "https"):
                environ["wsgi.url_scheme"] = scheme
            if host:
                environ["HTTP_HOST"] = host
        return self.wsgi_app(environ, start_response)
