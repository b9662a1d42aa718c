"""The gateway as deployed: gunicorn processes, real identity, a real OAuth2 token, raw sockets."""
from __future__ import annotations

import base64
import json
import secrets
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from chassis.testing.apps import settings_for, start_app
from chassis.testing.backends import Backend, backend_name
from chassis.testing.processes import ServiceProcess, service_env
from chassis.testing.stack import free_port, wait_ready
from identity.app import definition as identity_definition
from identity.testing import PASSWORD, Browser, IdentityWorld, csrf_from, query_of

pytestmark = pytest.mark.slow


class Stack:
    """identity + an echo app (gunicorn gthread, keep-alive) + the gateway, all on free ports."""

    def __init__(self, workdir) -> None:
        self.workdir = workdir
        self.gateway_url = f"http://127.0.0.1:{free_port()}"
        self.identity_port, self.echo_port, self.closed_port = free_port(), free_port(), free_port()
        self.processes: list[ServiceProcess] = []
        self.backend = Backend(backend_name(), workdir)

    def start(self) -> None:
        identity_url = f"http://127.0.0.1:{self.identity_port}"
        jwks = f"{identity_url}/.well-known/jwks.json"
        settings = settings_for(identity_definition(), self.backend, jwks, jwt_issuer=self.gateway_url,
                                session_secret="e2e-session-secret")
        app = start_app(identity_definition(), settings)
        world = IdentityWorld(app)
        self.client = world.client("client_credentials", roles=["operator"], first_party=False)
        world.user("docs-reader@example.com")
        self.docs_redirect = f"{self.gateway_url}/api/docs/oauth2-redirect.html"
        self.docs_client = world.client(public=True, redirect_uris=[self.docs_redirect])
        app.extensions["chassis.runtime"].dispose()
        common = {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PYTHONUNBUFFERED": "1"}
        # Two workers: identity verifies bearer tokens against its own JWKS endpoint.
        self.identity = self._start("identity", ["web", "--bind", f"127.0.0.1:{self.identity_port}",
                                                 "--workers", "2"], service_env(settings, common))
        self.echo = self._spawn([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.echo_port}",
                                 "--threads", "4", "--keep-alive", "30", "gateway.testing:echo_app"], common, "echo")
        gateway_env = {
            **common, "GATEWAY_IDENTITY_URL": identity_url, "GATEWAY_CATALOG_URL": f"http://127.0.0.1:{self.echo_port}",
            "GATEWAY_ORDERS_URL": f"http://127.0.0.1:{self.closed_port}",
            "GATEWAY_PAYMENTS_URL": f"http://127.0.0.1:{self.closed_port}",
            "GATEWAY_ANALYTICS_URL": f"http://127.0.0.1:{self.closed_port}",
            "GATEWAY_JWT_ISSUER": self.gateway_url, "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_JWT_AUDIENCES": json.dumps(settings.jwt_audiences),
            "GATEWAY_RATE_LIMIT_AUTH_PER_IP": "12/minute", "GATEWAY_UPSTREAM_READ_TIMEOUT": "3",
            "GATEWAY_LOG_JSON": "true"}
        self.gateway = self._start("gateway", ["web", "--bind", self.gateway_url[7:], "--workers", "1"], gateway_env)
        wait_ready(f"{identity_url}/livez", self.identity)
        wait_ready(f"http://127.0.0.1:{self.echo_port}/livez", self.echo)
        wait_ready(f"{self.gateway_url}/livez", self.gateway)

    def _start(self, service: str, args: list[str], env: dict[str, str]) -> ServiceProcess:
        (self.workdir / "metrics" / service).mkdir(parents=True, exist_ok=True)
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics" / service)}
        process = ServiceProcess.command(service, *args, env=env, log_path=self.workdir / f"{service}.log")
        self.processes.append(process.start())
        return process

    def _spawn(self, argv: list[str], env: dict[str, str], name: str) -> ServiceProcess:
        process = ServiceProcess(argv, env, self.workdir / f"{name}.log")
        self.processes.append(process.start())
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.backend.cleanup()

    def request(self, path: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
        request = urllib.request.Request(self.gateway_url + path, method=method, headers=headers or {}, data=data)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def token(self) -> str:
        basic = base64.b64encode(f"{self.client.client_id}:{self.client.client_secret}".encode()).decode()
        status, _, body = self.request("/oauth/token", method="POST", data=b"grant_type=client_credentials",
                                       headers={"Authorization": f"Basic {basic}",
                                                "Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        return json.loads(body)["access_token"]

    def raw(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", int(self.gateway_url.rsplit(":", 1)[1])), timeout=5) as conn:
            conn.sendall(request)
            received = b""
            while True:
                try:
                    block = conn.recv(65536)
                except socket.timeout:
                    break
                if not block:
                    break
                received += block
            return received


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = Stack(tmp_path_factory.mktemp("gateway-e2e"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def operator_token(stack):
    return stack.token()


def test_a_real_token_from_identity_opens_identitys_api_through_the_gateway(stack, operator_token):
    status, headers, body = stack.request("/api/v1/users", headers={
        "Authorization": f"Bearer {operator_token}", "X-Request-ID": "e2e-users-1"})
    assert status == 200, body
    assert headers["X-Request-ID"] == "e2e-users-1"
    stack.identity.wait_for_log("e2e-users-1")  # the id travelled to the service's access log


def test_the_edge_answers_401_itself(stack):
    status, headers, body = stack.request("/api/v1/users", headers={"X-Request-ID": "e2e-no-token"})
    assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer")
    assert json.loads(body)["type"] == "urn:marketplace:problem:missing-token"
    time.sleep(0.3)
    assert "e2e-no-token" not in stack.identity.log()


def test_upstream_connections_are_kept_alive_and_reused(stack):
    ports = set()
    for _ in range(3):
        status, _, body = stack.request("/api/v1/products")
        assert status == 200
        ports.add(json.loads(body)["client_port"])
        # A chunked answer (no Content-Length from gunicorn) read to its end keeps the connection too.
        status, _, streamed = stack.request("/api/v1/products/stream?size=300000")
        assert status == 200 and len(streamed) == 300000
    assert len(ports) == 1


def test_an_upstream_that_is_down_is_a_fast_502(stack, operator_token):
    started = time.monotonic()
    status, _, body = stack.request("/api/v1/orders", headers={"Authorization": f"Bearer {operator_token}"})
    assert status in (502, 503) and time.monotonic() - started < 2
    assert json.loads(body)["type"] == "urn:marketplace:problem:upstream-unavailable"


def test_a_slow_upstream_is_a_504_at_the_read_timeout(stack):
    started = time.monotonic()
    # The read timeout is 3 s (identity's argon2 alone may take 1 s on a busy machine).
    status, _, body = stack.request("/api/v1/products/slow?seconds=8")
    assert status == 504 and time.monotonic() - started < 6
    assert json.loads(body)["type"] == "urn:marketplace:problem:upstream-timeout"


def test_smuggling_with_both_lengths_is_refused(stack):
    answer = stack.raw(b"POST /api/v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                       b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/users HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert answer.count(b"HTTP/1.1 ") == 1  # the smuggled second request was never answered


@pytest.mark.parametrize("target", [b"/api/v1/products/../../api/v1/users", b"/api/v1/products/%2e%2e/x",
                                    b"/api/v1/products/%252e%252e/x"])
def test_traversal_on_the_wire_is_refused(stack, target):
    answer = stack.raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]


def test_oversized_bodies_are_refused_before_reaching_the_service(stack, operator_token):
    # Declared, not sent: the gateway answers from the header without reading 10 MB.
    answer = stack.raw(b"POST /api/v1/products HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n"
                       b"Authorization: Bearer " + operator_token.encode() + b"\r\n"
                       b"Connection: close\r\n\r\nxyz")
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"urn:marketplace:problem:payload-too-large" in answer


def test_merged_openapi_and_operator_health(stack, operator_token):
    status, _, body = stack.request("/api/openapi.json")
    document = json.loads(body)
    assert status == 200 and "/api/v1/users" in document["paths"]
    assert "oauth2" in document["components"]["securitySchemes"]
    status, _, body = stack.request("/api/v1/health", headers={"Authorization": f"Bearer {operator_token}"})
    health = json.loads(body)
    assert status == 503 and health["upstreams"]["identity"]["status"] == "ready"
    assert health["upstreams"]["orders"]["status"] == "unreachable"


def test_the_api_docs_sign_in_through_the_gateway(stack):
    """What Swagger UI's Authorize button does: authorization code + PKCE, all through the gateway."""
    browser = Browser(stack.gateway_url)
    client_id = stack.docs_client.client_id
    status, _, page = browser.request(f"/api/docs?client_id={client_id}")
    assert status == 200 and client_id in page
    verifier = secrets.token_urlsafe(48)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": stack.docs_redirect, "state": "docs",
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"})
    status, headers, _ = browser.request(f"/oauth/authorize?{query}")
    assert status == 302 and headers["Location"].startswith("/login?")
    _, _, login_page = browser.request(headers["Location"])
    next_url = query_of(headers["Location"])["next"]
    status, headers, _ = browser.request("/login", {"email": "docs-reader@example.com", "password": PASSWORD,
                                                    "csrf_token": csrf_from(login_page), "next": next_url})
    assert status == 302
    status, headers, _ = browser.request(next_url)
    assert status == 302 and headers["Location"].startswith(stack.docs_redirect)
    callback = query_of(headers["Location"])
    assert browser.request(headers["Location"][len(stack.gateway_url):])[0] == 200  # the redirect page
    status, _, body = browser.request("/oauth/token", {
        "grant_type": "authorization_code", "code": callback["code"], "redirect_uri": stack.docs_redirect,
        "client_id": client_id, "code_verifier": verifier})
    assert status == 200, body
    token = json.loads(body)["access_token"]
    status, _, me = browser.request("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and json.loads(me)["email"] == "docs-reader@example.com"


def test_token_endpoint_rate_limit_then_metrics(stack):
    statuses = []
    for _ in range(10):
        status, headers, _ = stack.request("/oauth/token", method="POST", data=b"grant_type=client_credentials",
                                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        statuses.append(status)
        if status == 429:
            assert int(headers["Retry-After"]) >= 1 and headers["RateLimit-Remaining"] == "0"
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}
    _, _, body = stack.request("/metrics")
    metrics = body.decode()
    assert 'gateway_requests_total{route_class="signup",status="200",upstream="identity"}' in metrics
    assert 'gateway_rate_limited_total{limit="auth-ip"}' in metrics
    assert 'gateway_upstream_duration_seconds_bucket{le="0.005",upstream="identity"}' in metrics
    assert 'gateway_upstream_errors_total{kind="read-timeout",upstream="catalog"}' in metrics
