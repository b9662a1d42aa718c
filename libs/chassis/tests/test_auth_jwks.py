"""JWKSCache against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from joserfc.jwk import KeySet

from chassis.auth import InvalidToken, JWKSCache, KeySetUnavailable, TokenVerifier, UnknownKey
from chassis.testing.tokens import TokenIssuer, generate_key


class JWKSServer:
    """Serves ``document`` at /jwks.json and counts the hits."""

    def __init__(self, document: dict) -> None:
        self.document = document
        self.hits = 0
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits += 1
                body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.running = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop listening: later connections are refused."""
        if self.running:
            self.running = False
            self.httpd.shutdown()
            self.httpd.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
def server(issuer):
    server = JWKSServer(issuer.jwks())
    yield server
    server.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(server, clock) -> JWKSCache:
    return JWKSCache(server.url, ttl_seconds=300, min_refetch_interval=10, timeout=1.0, clock=clock)


def test_keys_are_fetched_once_and_cached(cache, server, issuer):
    for _ in range(5):
        assert cache.key_for(issuer.kid).kid == issuer.kid
    assert server.hits == 1


def test_keys_are_refetched_after_the_ttl(cache, server, issuer, clock):
    cache.key_for(issuer.kid)
    clock.now += 301
    cache.key_for(issuer.kid)
    assert server.hits == 2


def test_rotated_key_triggers_one_refetch(cache, server, issuer, clock):
    cache.key_for(issuer.kid)
    new_key = generate_key("ES256", kid="rotated-2")
    server.document = KeySet([issuer.key, new_key]).as_dict(private=False)
    clock.now += 11
    assert cache.key_for("rotated-2").kid == "rotated-2"
    assert cache.key_for("rotated-2").kid == "rotated-2"
    assert server.hits == 2


def test_bogus_kids_refetch_at_most_once_per_interval(cache, server, issuer, clock):
    cache.key_for(issuer.kid)
    clock.now += 11
    for n in range(50):
        with pytest.raises(UnknownKey):
            cache.key_for(f"bogus-{n}")
    assert server.hits == 2
    clock.now += 11
    with pytest.raises(UnknownKey):
        cache.key_for("bogus-again")
    assert server.hits == 3


def test_concurrent_bogus_kids_cause_one_fetch(cache, server, issuer, clock):
    cache.key_for(issuer.kid)
    clock.now += 11

    def flood() -> None:
        for n in range(20):
            with pytest.raises(UnknownKey):
                cache.key_for(f"bogus-{n}")

    threads = [threading.Thread(target=flood) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.hits == 2


def test_server_down_with_nothing_cached_is_unavailable(server, clock, issuer):
    cache = JWKSCache(server.url, timeout=1.0, clock=clock)
    server.stop()
    with pytest.raises(KeySetUnavailable):
        cache.key_for(issuer.kid)


def test_server_error_with_nothing_cached_is_unavailable(cache, server, issuer):
    server.status = 500
    with pytest.raises(KeySetUnavailable):
        cache.key_for(issuer.kid)


def test_server_down_with_cached_keys_still_verifies(cache, server, issuer, clock):
    verifier = TokenVerifier(cache, issuer=issuer.issuer, audiences=["marketplace"])
    verifier.verify(issuer.issue("before"))
    server.stop()
    clock.now += 301  # keys are stale and the refresh fails: keep using them
    assert verifier.verify(issuer.issue("after")).subject == "after"


def test_unknown_kid_while_server_down_is_an_invalid_token(cache, server, issuer, clock):
    verifier = TokenVerifier(cache, issuer=issuer.issuer, audiences=["marketplace"])
    verifier.verify(issuer.issue())
    server.stop()
    clock.now += 11
    with pytest.raises(InvalidToken, match="unknown key"):
        verifier.verify(issuer.issue(key=generate_key("ES256", kid="elsewhere")))


def test_unusable_keys_in_the_document_are_skipped(cache, server, issuer):
    server.document = {"keys": [{"kty": "nope", "kid": "weird"}, *issuer.jwks()["keys"]]}
    assert cache.key_for(issuer.kid).kid == issuer.kid


def test_document_that_is_not_a_jwks_is_unavailable(cache, server, issuer):
    server.document = {"issuer": "not a jwks"}
    with pytest.raises(KeySetUnavailable):
        cache.key_for(issuer.kid)
