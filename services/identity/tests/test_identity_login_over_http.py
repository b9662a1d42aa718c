"""The whole authorization-code + PKCE flow through the real login form, against ``identity web``."""
from __future__ import annotations

import json
import secrets
import socket
import time
import urllib.parse

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from chassis.auth.jwks import JWKSCache
from chassis.auth.verifier import TokenVerifier
from chassis.testing.processes import ServiceProcess, service_env
from identity.testing import PASSWORD, REDIRECT_URI, Browser, basic_auth, csrf_from, query_of

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def identity_web(world, tmp_path):
    """``identity web`` with two gunicorn workers on the test database (no session secret: the var dir's)."""
    port = free_port()
    settings = world.app.extensions["chassis.runtime"].settings
    (tmp_path / "metrics").mkdir()
    env = service_env(settings, {"MARKETPLACE_VAR_DIR": str(tmp_path / "var"),
                                 "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")})
    process = ServiceProcess.command("identity", "web", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                                     env=env, log_path=tmp_path / "identity-web.log").start()
    browser = Browser(f"http://127.0.0.1:{port}")
    _wait_until_live(browser, process)
    yield browser
    process.stop()


def _wait_until_live(browser: Browser, process: ServiceProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if browser.request("/livez")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"identity web did not start:\n{process.log()[-3000:]}")


def test_authorization_code_flow_through_the_login_form(world, identity_web):
    world.user()
    client = world.client()
    verifier = secrets.token_urlsafe(48)
    query = urllib.parse.urlencode({
        "response_type": "code", "client_id": client.client_id, "redirect_uri": REDIRECT_URI, "state": "s1",
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256"})
    status, headers, _ = identity_web.request(f"/oauth/authorize?{query}")
    assert status == 302 and headers["Location"].startswith("/login?")
    status, _, page = identity_web.request(headers["Location"])
    next_url = query_of(headers["Location"])["next"]
    status, headers, _ = identity_web.request("/login", {"email": "ada@example.com", "password": PASSWORD,
                                                         "csrf_token": csrf_from(page), "next": next_url})
    assert (status, headers["Location"]) == (302, next_url)
    status, headers, _ = identity_web.request(next_url)
    assert status == 302 and headers["Location"].startswith(REDIRECT_URI)
    callback = query_of(headers["Location"])
    assert callback["state"] == "s1"
    form = {"grant_type": "authorization_code", "code": callback["code"], "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier}
    status, _, body = identity_web.request("/oauth/token", form, basic_auth(client.client_id, client.client_secret))
    assert status == 200, body
    token = json.loads(body)["access_token"]
    settings = world.app.extensions["chassis.runtime"].settings
    token_verifier = TokenVerifier(JWKSCache(identity_web.base_url + "/.well-known/jwks.json"),
                              issuer=settings.jwt_issuer, audiences=settings.jwt_audiences)
    assert set(token_verifier.verify(token).roles) == {"customer"}
