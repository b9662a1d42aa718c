"""The service-to-service HTTP client against a real local server.

One ThreadingHTTPServer plays both the identity provider (``POST /token``) and the
downstream service (every other path); it records each request and answers from a
per-path script, falling back to ``200 {"ok": true}``.
"""
from __future__ import annotations

import base64
import json
import socket
import threading
import time
import traceback
from collections import defaultdict, deque
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from chassis.context import bound
from chassis.http_client import (
    ClientCredentialsTokens,
    Response,
    ServiceClient,
    ServiceError,
    ServiceUnavailable,
    TokenFetchError,
)
from chassis.http_client.client import retry_policy

CLIENT_ID = "orders-service"
SECRET = "s3cr3t+with/odd@chars"  # characters RFC 6749 §2.3.1 requires to be form-encoded


@dataclass
class Recorded:
    method: str
    path: str
    headers: Message
    body: bytes


@dataclass
class Scripted:
    status: int = 200
    payload: object = field(default_factory=lambda: {"ok": True})
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class FakeServices:
    """Shared state between the test and the server threads."""

    base_url: str = ""
    token_lifetime: float = 3600
    token_delay: float = 0.0
    token_refusal: Scripted | None = None
    requests: list[Recorded] = field(default_factory=list)
    scripts: dict[str, deque[Scripted]] = field(default_factory=lambda: defaultdict(deque))
    issued: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, path: str, *answers: Scripted) -> None:
        self.scripts[path].extend(answers)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if urlsplit(r.path).path == path]

    def answer(self, request: Recorded) -> Scripted:
        with self.lock:
            self.requests.append(request)
            if request.path == "/token":
                return self._token_answer(request)
            queue = self.scripts[urlsplit(request.path).path]
            return queue.popleft() if queue else Scripted()

    def _token_answer(self, request: Recorded) -> Scripted:
        scheme, _, encoded = (request.headers["Authorization"] or "").partition(" ")
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        if scheme != "Basic" or (unquote_plus(user), unquote_plus(password)) != (CLIENT_ID, SECRET):
            return Scripted(401, {"error": "invalid_client"})
        if self.token_refusal:
            return self.token_refusal
        self.issued += 1
        payload = {"access_token": f"token-{self.issued}", "token_type": "Bearer",
                   "expires_in": self.token_lifetime}
        return Scripted(200, payload, delay=self.token_delay)


def handler_for(fake: FakeServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the client pool expects

        def handle_any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            answer = fake.answer(Recorded(self.command, self.path, self.headers, body))
            time.sleep(answer.delay)
            raw = answer.payload if isinstance(answer.payload, bytes) else json.dumps(answer.payload).encode()
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:
                pass  # the client gave up (read timeout test)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def services():
    fake = FakeServices()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_port}"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def tokens(services):
    return ClientCredentialsTokens(f"{services.base_url}/token", CLIENT_ID, SECRET, scope="catalog.read")


@pytest.fixture
def client(services, tokens):
    service_client = ServiceClient(services.base_url, tokens=tokens, backoff_factor=0.01)
    yield service_client
    service_client.close()


@pytest.fixture
def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def full_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc)


# --- tokens -------------------------------------------------------------------------------

def test_token_request_uses_client_credentials_grant_and_basic_auth(services, tokens):
    assert tokens.token() == "token-1"

    [request] = services.calls("/token")
    assert request.method == "POST"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.body.decode()) == {"grant_type": ["client_credentials"], "scope": ["catalog.read"]}


def test_token_is_fetched_once_and_reused_across_calls(services, client):
    for _ in range(3):
        client.get("/products")

    assert len(services.calls("/token")) == 1
    assert [r.headers["Authorization"] for r in services.calls("/products")] == ["Bearer token-1"] * 3


def test_token_is_refetched_near_expiry(services, tokens):
    services.token_lifetime = 1  # shorter than the margin: renewed at half-life

    first, cached = tokens.token(), tokens.token()
    time.sleep(0.6)

    assert (first, cached, tokens.token()) == ("token-1", "token-1", "token-2")


def test_concurrent_callers_share_a_single_token_request(services, tokens):
    services.token_delay = 0.2
    start = threading.Barrier(10)
    seen: list[str] = []

    def need_token() -> None:
        start.wait()
        seen.append(tokens.token())

    threads = [threading.Thread(target=need_token) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert seen == ["token-1"] * 10
    assert len(services.calls("/token")) == 1


def test_token_endpoint_error_raises_its_oauth_error_code_without_the_secret(services, tokens):
    services.token_refusal = Scripted(400, {"error": "invalid_scope", "error_description": "unknown scope"})

    with pytest.raises(TokenFetchError) as raised:
        tokens.token()

    assert (raised.value.error, raised.value.status) == ("invalid_scope", 400)
    assert "unknown scope" in str(raised.value)
    assert SECRET not in full_text(raised.value) and SECRET not in repr(tokens)


def test_unreachable_token_endpoint_raises_token_fetch_error_without_the_secret(closed_port_url):
    tokens = ClientCredentialsTokens(f"{closed_port_url}/token", CLIENT_ID, SECRET)

    with pytest.raises(TokenFetchError) as raised:
        tokens.token()

    assert closed_port_url in str(raised.value)
    assert SECRET not in full_text(raised.value)


# --- authorization and headers ------------------------------------------------------------

def test_unauthorized_answer_refetches_the_token_and_retries_once(services, client):
    services.script("/products", Scripted(401, {}))

    response = client.get("/products")

    assert response.status == 200
    assert [r.headers["Authorization"] for r in services.calls("/products")] == ["Bearer token-1", "Bearer token-2"]


def test_second_unauthorized_answer_is_returned_to_the_caller(services, client):
    services.script("/orders", Scripted(401, {}), Scripted(401, {}))

    response = client.post("/orders", json={})

    assert response.status == 401
    assert len(services.calls("/orders")) == 2


def test_bound_request_and_correlation_ids_are_forwarded(services, client):
    with bound(request_id="req-42", correlation_id="corr-7"):
        client.get("/products")

    [request] = services.calls("/products")
    assert (request.headers["X-Request-ID"], request.headers["X-Correlation-ID"]) == ("req-42", "corr-7")


def test_fresh_ids_are_sent_when_none_are_bound(services, client):
    client.get("/products")
    client.get("/products")

    first, second = (r.headers for r in services.calls("/products"))
    assert first["X-Request-ID"] and first["X-Correlation-ID"] == first["X-Request-ID"]
    assert second["X-Request-ID"] != first["X-Request-ID"]


def test_json_body_params_and_default_headers_are_sent(services, client):
    client.put("/products/7", json={"name": "lamp"}, params={"notify": "no"}, headers={"X-Tenant": "t1"})

    [request] = services.calls("/products/7")
    assert (request.method, urlsplit(request.path).query, json.loads(request.body)) == \
        ("PUT", "notify=no", {"name": "lamp"})
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "marketplace-service"
    assert request.headers["X-Tenant"] == "t1"


def test_a_raw_body_is_sent_as_is_with_the_callers_content_type(services, client):
    client.post("/imports", content=b"--b\r\nfile\r\n--b--\r\n",
                headers={"Content-Type": "multipart/form-data; boundary=b"})

    [request] = services.calls("/imports")
    assert (request.body, request.headers["Content-Type"]) == (b"--b\r\nfile\r\n--b--\r\n",
                                                               "multipart/form-data; boundary=b")


def test_idempotency_key_header_is_sent(services, client):
    client.post("/payments", json={"amount_minor": 1200}, idempotency_key="pay-order-9")

    [request] = services.calls("/payments")
    assert request.headers["Idempotency-Key"] == "pay-order-9"


# --- retries ------------------------------------------------------------------------------

def test_get_is_retried_after_503_then_succeeds(services, client):
    services.script("/products", Scripted(503, {}))

    response = client.get("/products")

    assert (response.status, response.json()) == (200, {"ok": True})
    assert len(services.calls("/products")) == 2


def test_get_returns_the_last_503_after_exhausting_retries(services, client):
    services.script("/products", *[Scripted(503, {})] * 3)

    response = client.get("/products")

    assert response.status == 503
    assert len(services.calls("/products")) == 3  # one call + retries=2


def test_post_is_not_retried_after_503(services, client):
    services.script("/orders", Scripted(503, {}))

    response = client.post("/orders", json={"sku": "A1"})

    assert response.status == 503
    assert len(services.calls("/orders")) == 1


def test_post_with_idempotency_key_is_not_retried_after_503(services, client):
    services.script("/payments", Scripted(503, {}))

    response = client.post("/payments", json={}, idempotency_key="pay-1")

    assert response.status == 503
    assert len(services.calls("/payments")) == 1


def test_post_with_idempotency_key_may_retry_connection_failures_only():
    keyed, plain = retry_policy("POST", 2, 0.1, "pay-1"), retry_policy("POST", 2, 0.1, None)

    assert (keyed.connect, keyed.read, keyed.status) == (2, 0, 0)
    assert plain.total == 0


# --- transport failures -------------------------------------------------------------------

def test_connection_refused_raises_service_unavailable_fast_after_retries(closed_port_url, tokens):
    client = ServiceClient(closed_port_url, tokens=tokens)  # default retries and backoff
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable) as raised:
        client.get("/products")

    assert time.monotonic() - started < 2
    assert closed_port_url in str(raised.value) and "refused" in str(raised.value).lower()
    assert "token-1" not in full_text(raised.value)


def test_read_timeout_is_honoured(services, tokens):
    services.script("/slow", Scripted(delay=1.0))
    client = ServiceClient(services.base_url, tokens=tokens, read_timeout=0.2)
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable, match="timed out"):
        client.get("/slow")

    assert time.monotonic() - started < 0.9


def test_per_call_timeout_overrides_the_read_timeout(services, client):
    services.script("/slow", Scripted(delay=1.0))
    started = time.monotonic()

    with pytest.raises(ServiceUnavailable, match="timed out"):
        client.get("/slow", timeout=0.2)

    assert time.monotonic() - started < 0.9


# --- responses and errors -----------------------------------------------------------------

def test_problem_json_answer_is_parsed_into_service_error(services, client):
    problem = {"type": "https://marketplace.example/problems/out-of-stock", "title": "Out of stock",
               "status": 409, "detail": "sku A1 has 0 available"}
    services.script("/reservations", Scripted(409, problem, content_type="application/problem+json"))

    response = client.post("/reservations", json={"sku": "A1"})

    with pytest.raises(ServiceError) as raised:
        response.raise_for_status()
    assert (raised.value.status, raised.value.problem) == (409, problem)
    assert "sku A1 has 0 available" in str(raised.value)


def test_error_without_problem_body_gets_a_minimal_problem(services, client):
    services.script("/products", Scripted(500, b"boom", content_type="text/plain"))

    with pytest.raises(ServiceError) as raised:
        client.delete("/products").raise_for_status()

    assert raised.value.problem == {"status": 500, "title": "Internal Server Error"}


def test_response_is_ok_only_for_2xx_and_decodes_json():
    assert Response(204, {}, b"").ok and Response(204, {}, b"").json() is None
    assert not Response(302, {}, b"").ok
    assert Response(200, {}, b'{"id": 1}').json() == {"id": 1}
