"""Proxying through a real HTTP upstream: what goes up, what comes back, and failures."""
from __future__ import annotations

import io
import json
import socket
import threading
import time

import pytest

from gateway.app import create_app
from gateway.testing import CLOSED_URL, EchoUpstream, gateway_settings, write_routes

PUBLIC_ROUTES = """
[classes.open]
public_methods = ["*"]

[[routes]]
prefix = "/api/v1/products"
upstream = "catalog"
class = "open"

[[routes]]
prefix = "/api/v1/media"
upstream = "catalog"
class = "open"
uploads = true

[[routes]]
prefix = "/api/v1/orders"
upstream = "orders"
class = "open"
"""


@pytest.fixture(scope="module")
def echo():
    with EchoUpstream() as upstream:
        yield upstream


@pytest.fixture
def make_gateway(tmp_path, jwks_url, echo):
    routes = write_routes(tmp_path, PUBLIC_ROUTES)

    def build(**overrides):
        overrides.setdefault("upstream_url", echo.url)
        return create_app(gateway_settings(jwks_url, routes_file=routes, **overrides)).test_client()
    return build


@pytest.fixture
def client(make_gateway):
    return make_gateway()


def test_method_path_query_and_body_reach_the_upstream_unchanged(client):
    response = client.post("/api/v1/products/a%20b/offers?q=x%26y&page=2", data=b"x" * 1000,
                           headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    seen = response.get_json()
    assert seen["method"] == "POST"
    assert seen["path"] == "/api/v1/products/a b/offers"
    assert seen["raw_uri"] == "/api/v1/products/a%20b/offers?q=x%26y&page=2"
    assert seen["query"] == "q=x%26y&page=2"
    assert seen["body_length"] == 1000 and seen["content_length"] == "1000"


def test_hop_by_hop_headers_are_dropped_and_others_kept(client):
    response = client.get("/api/v1/products", headers={
        "Connection": "keep-alive, X-Secret-Hop", "X-Secret-Hop": "1", "Keep-Alive": "timeout=5",
        "TE": "trailers", "Upgrade": "websocket", "Proxy-Authorization": "Basic eA==",
        "Accept-Language": "fr", "Authorization": "Basic dXNlcjpwdw=="})
    headers = response.get_json()["headers"]
    for dropped in ("connection", "x-secret-hop", "keep-alive", "te", "upgrade", "proxy-authorization"):
        assert dropped not in headers
    assert headers["accept-language"] == "fr"
    assert headers["authorization"] == "Basic dXNlcjpwdw=="


def test_forwarding_headers_come_from_the_gateway_not_the_client(client):
    response = client.get("/api/v1/products", environ_base={"REMOTE_ADDR": "203.0.113.7"}, headers={
        "X-Forwarded-For": "10.9.9.9", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
        "Forwarded": "for=10.9.9.9", "X-Real-IP": "10.9.9.9", "Host": "shop.example"})
    headers = response.get_json()["headers"]
    assert headers["x-forwarded-for"] == "203.0.113.7"
    assert headers["x-forwarded-host"] == "shop.example"
    assert headers["x-forwarded-proto"] == "http"
    assert "forwarded" not in headers and "x-real-ip" not in headers


def test_a_trusted_proxy_may_name_the_client(make_gateway):
    client = make_gateway(trusted_proxies=["10.0.0.0/8"])
    response = client.get("/api/v1/products", environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={
        "X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "shop.example"})
    headers = response.get_json()["headers"]
    assert headers["x-forwarded-for"] == "198.51.100.4, 10.1.2.3"
    assert headers["x-forwarded-proto"] == "https" and headers["x-forwarded-host"] == "shop.example"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_request_id_is_kept_when_valid_and_replaced_when_not(client):
    kept = client.get("/api/v1/products", headers={"X-Request-ID": "client-id-123"})
    assert kept.get_json()["headers"]["x-request-id"] == "client-id-123"
    assert kept.headers.getlist("X-Request-ID") == ["client-id-123"]  # the upstream's copy is dropped
    replaced = client.get("/api/v1/products", headers={"X-Request-ID": "bad id\twith spaces"})
    new_id = replaced.get_json()["headers"]["x-request-id"]
    assert new_id != "bad id\twith spaces" and replaced.headers["X-Request-ID"] == new_id


def test_traceparent_keeps_the_trace_and_starts_a_span(client):
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    response = client.get("/api/v1/products", headers={
        "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01", "tracestate": "vendor=1"})
    headers = response.get_json()["headers"]
    version, trace, span, flags = headers["traceparent"].split("-")
    assert (version, trace, flags) == ("00", trace_id, "01") and span != "00f067aa0ba902b7"
    assert headers["tracestate"] == "vendor=1"
    fresh = client.get("/api/v1/products", headers={"traceparent": "garbage"}).get_json()["headers"]
    assert len(fresh["traceparent"].split("-")[1]) == 32 and "tracestate" not in fresh


def test_response_status_headers_and_cookies_come_back(client):
    response = client.get("/api/v1/products/status/418")
    assert response.status_code == 418
    assert response.headers["X-Upstream"] == "echo"
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_head_and_no_content_answers_carry_no_body(client):
    head = client.head("/api/v1/products")
    assert head.status_code == 200 and head.get_data() == b"" and head.headers["X-Upstream"] == "echo"
    empty = client.delete("/api/v1/products/status/204")
    assert empty.status_code == 204 and empty.get_data() == b""


def test_large_bodies_stream_both_ways(make_gateway):
    client = make_gateway()
    streamed = client.get("/api/v1/products/stream?size=3000000")
    assert streamed.status_code == 200 and len(streamed.get_data()) == 3_000_000
    upload = client.post("/api/v1/media", data=b"y" * (12 * 1024 * 1024))
    assert upload.status_code == 200 and upload.get_json()["body_length"] == 12 * 1024 * 1024


@pytest.mark.parametrize("size, path, status", [
    (11 * 1024 * 1024, "/api/v1/products", 413),
    (11 * 1024 * 1024, "/api/v1/media", 200),
    (51 * 1024 * 1024, "/api/v1/media", 413),
])
def test_body_limit_by_declared_length(client, size, path, status):
    response = client.post(path, data=b"z" * size)
    assert response.status_code == status
    if status == 413:
        assert response.get_json()["type"] == "urn:marketplace:problem:payload-too-large"


def test_body_limit_on_a_chunked_body(make_gateway):
    client = make_gateway(max_body_bytes=100_000)
    response = client.post("/api/v1/products", input_stream=io.BytesIO(b"c" * 300_000),
                           headers={"Transfer-Encoding": "chunked"},
                        environ_overrides={"CONTENT_LENGTH": ""})
    assert response.status_code == 413
    small = client.post("/api/v1/products", input_stream=io.BytesIO(b"c" * 10_000),
                        headers={"Transfer-Encoding": "chunked"},
                        environ_overrides={"CONTENT_LENGTH": ""})
    assert small.status_code == 200 and small.get_json()["body_length"] == 10_000


def test_an_upstream_that_refuses_connections_is_a_fast_502_then_503(make_gateway):
    client = make_gateway(upstream_url=CLOSED_URL, upstream_failure_threshold=3, upstream_cooldown_seconds=30)
    started = time.monotonic()
    first = client.get("/api/v1/products")
    assert first.status_code == 502 and time.monotonic() - started < 1.0
    assert first.get_json()["type"] == "urn:marketplace:problem:upstream-unavailable"
    opened = client.get("/api/v1/products")  # the retries of the first request tripped the breaker
    assert opened.status_code == 503 and int(opened.headers["Retry-After"]) >= 1


def test_a_slow_upstream_is_a_504_at_the_read_timeout(make_gateway):
    client = make_gateway(upstream_read_timeout=0.3)
    started = time.monotonic()
    response = client.get("/api/v1/products/slow?seconds=2")
    assert response.status_code == 504 and time.monotonic() - started < 1.5
    assert response.get_json()["type"] == "urn:marketplace:problem:upstream-timeout"


class HangUpOnce:
    """A raw HTTP server that drops the first connection without answering, then answers 200."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                self.connections += 1
                connection.recv(65536)
                if self.connections > 1:
                    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


@pytest.mark.parametrize("method, status, connections", [("GET", 200, 2), ("POST", 502, 1)])
def test_only_idempotent_requests_are_retried(make_gateway, method, status, connections):
    upstream = HangUpOnce()
    try:
        response = make_gateway(upstream_url=upstream.url).open("/api/v1/products", method=method)
        assert response.status_code == status
        assert upstream.connections == connections
    finally:
        upstream.listener.close()


def test_problem_bodies_carry_the_request_id(client):
    response = client.get("/no/such/route", headers={"X-Request-ID": "rid-42"})
    body = json.loads(response.get_data())
    assert response.status_code == 404 and response.content_type == "application/problem+json"
    assert body["request_id"] == "rid-42" and body["instance"] == "/no/such/route"


def test_a_routed_upstream_without_an_address_is_a_503(make_gateway):
    client = make_gateway(orders_url="")
    response = client.get("/api/v1/orders")
    assert response.status_code == 503
    assert response.get_json()["type"] == "urn:marketplace:problem:upstream-not-configured"
    assert client.get("/api/v1/products").status_code == 200
