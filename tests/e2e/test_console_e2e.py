"""The console in front of real identity, through the real gateway: sign in with authorization code +
PKCE as a confidential client, act with the user's token, sign out with revocation.

identity, the gateway and the console run as gunicorn processes on free ports; the test is a browser
(cookies, no redirects followed) talking to the gateway only.
"""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, select

from chassis import runtime_settings
from chassis.testing.apps import settings_for, start_app
from chassis.testing.backends import Backend, backend_name
from chassis.testing.processes import ServiceProcess, service_env
from chassis.testing.stack import free_port, wait_ready
from console.app import definition as console_definition
from identity.app import definition as identity_definition
from identity.models.grants import RefreshToken
from identity.settings import IdentityRuntimeSettings
from identity.testing import PASSWORD, Browser, IdentityWorld, csrf_from, query_of
from identity.vendors.handlers import VendorApplication, apply_for_vendor

pytestmark = pytest.mark.slow
OPERATOR_EMAIL = "ops@example.com"


class ConsoleStack:
    def __init__(self, workdir) -> None:
        self.workdir = workdir
        self.gateway_url = f"http://127.0.0.1:{free_port()}"
        self.identity_url = f"http://127.0.0.1:{free_port()}"
        self.console_url = f"http://127.0.0.1:{free_port()}"
        self.backend = Backend(backend_name(), workdir)
        self.processes: list[ServiceProcess] = []

    def start(self) -> None:
        jwks = f"{self.identity_url}/.well-known/jwks.json"
        identity_settings = settings_for(identity_definition(), self.backend, jwks, jwt_issuer=self.gateway_url,
                                         session_secret="e2e-session-secret")
        client = self._seed_identity(identity_settings)
        console_settings = settings_for(console_definition(), self.backend, jwks)
        start_app(console_definition(), console_settings).extensions["chassis.runtime"].dispose()  # migrated
        common = {"MARKETPLACE_VAR_DIR": str(self.workdir / "var"), "PYTHONUNBUFFERED": "1"}
        # Two workers: identity verifies bearer tokens against its own JWKS endpoint.
        self._start("identity", self.identity_url, service_env(identity_settings, common), workers=2)
        self._start("console", self.console_url, service_env(console_settings, {
            **common, "CONSOLE_GATEWAY_URL": self.gateway_url, "CONSOLE_CLIENT_ID": client.client_id,
            "CONSOLE_CLIENT_SECRET": client.client_secret}))
        closed = f"http://127.0.0.1:{free_port()}"
        # The console calls back through the gateway while the gateway waits for the console's page:
        # the gateway needs more than one request in flight, or the two wait for each other.
        self._start("gateway", self.gateway_url, {"WEB_THREADS": "4",
            **common, "GATEWAY_IDENTITY_URL": self.identity_url, "GATEWAY_CONSOLE_URL": self.console_url,
            "GATEWAY_CATALOG_URL": closed, "GATEWAY_ORDERS_URL": closed, "GATEWAY_PAYMENTS_URL": closed,
            "GATEWAY_ANALYTICS_URL": closed, "GATEWAY_JWT_ISSUER": self.gateway_url, "GATEWAY_JWKS_URL": jwks,
            "GATEWAY_JWT_AUDIENCES": json.dumps(identity_settings.jwt_audiences)})
        self.identity_database_url = identity_settings.database_url

    def _seed_identity(self, settings):
        app = start_app(identity_definition(), settings)
        try:
            world = IdentityWorld(app)
            world.user(OPERATOR_EMAIL, roles=["operator", "admin"])
            applicant = world.user("owner@atelier.example")
            self.vendor_id = apply_for_vendor(world.uow(), applicant, VendorApplication(
                "Atelier Lumière SARL", "FR12345678901", "FR", "owner@atelier.example"))
            with world.uow() as uow:  # operators sign in with a password only here
                runtime_settings.change(uow, IdentityRuntimeSettings, {"two_factor_required_roles": []}, "e2e")
                uow.commit()
            return world.client("authorization_code", name="console", first_party=True,
                                redirect_uris=[f"{self.gateway_url}/console/callback"])
        finally:
            app.extensions["chassis.runtime"].dispose()

    def _start(self, service: str, url: str, env: dict[str, str], workers: int = 1) -> None:
        (self.workdir / "metrics" / service).mkdir(parents=True, exist_ok=True)
        env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "metrics" / service)}
        process = ServiceProcess.command(service, "web", "--bind", url[len("http://"):], "--workers", str(workers),
                                         env=env, log_path=self.workdir / f"{service}.log")
        self.processes.append(process.start())
        wait_ready(f"{url}/livez", process)

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.backend.cleanup()

    def revoked_refresh_tokens(self) -> list:
        engine = create_engine(self.identity_database_url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(select(RefreshToken.revoked_at)).scalars())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = ConsoleStack(tmp_path_factory.mktemp("console-e2e"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


def sign_in(stack: ConsoleStack) -> Browser:
    """What a person does: open the console, sign in on identity's page, come back signed in."""
    browser = Browser(stack.gateway_url)
    status, headers, _ = browser.request("/console/login?next=/console/vendors")
    assert status == 302 and headers["Location"].startswith(f"{stack.gateway_url}/oauth/authorize?")
    status, headers, _ = browser.request(headers["Location"][len(stack.gateway_url):])
    assert status == 302 and headers["Location"].startswith("/login?")
    _, _, login_page = browser.request(headers["Location"])
    next_url = query_of(headers["Location"])["next"]
    status, headers, _ = browser.request("/login", {"email": OPERATOR_EMAIL, "password": PASSWORD,
                                                    "csrf_token": csrf_from(login_page), "next": next_url})
    assert status == 302
    status, headers, _ = browser.request(next_url)
    assert status == 302 and headers["Location"].startswith(f"{stack.gateway_url}/console/callback?")
    status, headers, _ = browser.request(headers["Location"][len(stack.gateway_url):])
    assert (status, headers["Location"]) == (302, "/console/vendors")
    return browser


def test_an_operator_signs_in_and_approves_a_vendor_application(stack):
    browser = sign_in(stack)

    status, _, pending = browser.request("/console/vendors")
    assert status == 200 and "Atelier Lumière SARL" in pending
    status, _, _ = browser.request(f"/console/vendors/{stack.vendor_id}/approve",
                                   {"reason": "papers checked", "csrf_token": csrf_from(pending)})
    assert status == 302
    _, _, approved = browser.request("/console/vendors?status=approved")
    assert "Atelier Lumière SARL" in approved


def test_no_token_reaches_the_browser(stack):
    browser = sign_in(stack)

    cookies = {cookie.name: cookie for cookie in browser.cookies}
    console_cookie = cookies["console_session"]
    assert console_cookie.path == "/console" and console_cookie.has_nonstandard_attr("HttpOnly")
    _, _, page = browser.request("/console/vendors")
    assert not re.search(r"eyJ[\w-]+\.[\w-]+\.", page)  # no JWT in the page


def test_signing_out_revokes_the_refresh_token_at_identity(stack):
    browser = sign_in(stack)
    revoked_before = sum(1 for revoked_at in stack.revoked_refresh_tokens() if revoked_at is not None)
    _, _, page = browser.request("/console/vendors")

    status, headers, _ = browser.request("/console/logout", {"csrf_token": csrf_from(page)})

    assert (status, headers["Location"]) == (302, "/console/signed-out")
    revoked_after = sum(1 for revoked_at in stack.revoked_refresh_tokens() if revoked_at is not None)
    assert revoked_after == revoked_before + 1
    status, headers, _ = browser.request("/console/vendors")
    assert status == 302 and headers["Location"].startswith("/console/login")
