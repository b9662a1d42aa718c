"""Helpers for identity's tests: a world of users and clients driving the OAuth2 endpoints.

Test-only (like ``chassis.testing``); nothing here runs in a service process.
"""
from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from base64 import b64encode
from http.cookiejar import CookieJar
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from identity import handlers

REDIRECT_URI = "https://app.example/callback"
PASSWORD = "correct horse battery"


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def basic_auth(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + b64encode(f"{client_id}:{secret}".encode()).decode()}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test follows (or inspects) every redirect itself


class Browser:
    """A cookie-keeping HTTP client over real sockets that does not follow redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects)

    def request(self, path: str, form: dict | None = None, headers: dict | None = None):
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, response.headers, response.read().decode()


class IdentityWorld:
    """Builds users and clients through the real handlers and drives the OAuth2 endpoints."""

    def __init__(self, app) -> None:
        self.app = app
        self.http = app.test_client()

    def uow(self):
        return self.app.extensions["chassis.runtime"].uow()

    def user(self, email: str = "ada@example.com", roles=("customer",), vendor_id=None) -> str:
        return handlers.create_user(self.uow(), email, PASSWORD, list(roles), vendor_id)

    def client(self, grant_type: str = "authorization_code", **options):
        options.setdefault("redirect_uris", [REDIRECT_URI] if grant_type == "authorization_code" else [])
        options.setdefault("first_party", True)
        return handlers.create_client(self.uow(), options.pop("name", "shop"), grant_type, **options)

    def log_in(self, email: str = "ada@example.com", password: str = PASSWORD):
        csrf = csrf_from(self.http.get("/login").text)
        return self.http.post("/login", data={"email": email, "password": password, "csrf_token": csrf})

    def authorize(self, client, verifier: str | None = None, **overrides):
        verifier = verifier or secrets.token_urlsafe(48)
        params = {"response_type": "code", "client_id": client.client_id, "redirect_uri": REDIRECT_URI,
                  "state": "xyz", "code_challenge": create_s256_code_challenge(verifier),
                  "code_challenge_method": "S256", **overrides}
        return self.http.get("/oauth/authorize", query_string={k: v for k, v in params.items() if v is not None})

    def code_for(self, client, verifier: str) -> str:
        response = self.authorize(client, verifier)
        assert response.status_code == 302, response.text
        return query_of(response.headers["Location"])["code"]

    def token(self, client, **form):
        headers = basic_auth(client.client_id, client.client_secret) if client.client_secret else {}
        if not client.client_secret:
            form["client_id"] = client.client_id
        return self.http.post("/oauth/token", data=form, headers=headers)

    def exchange(self, client, code: str, verifier: str):
        return self.token(client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT_URI,
                          code_verifier=verifier)

    def tokens_for_user(self, client):
        """Log in, authorize and exchange the code: the token response."""
        verifier = secrets.token_urlsafe(48)
        response = self.exchange(client, self.code_for(client, verifier), verifier)
        assert response.status_code == 200, response.text
        return response.json


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """The TOTP code of ``secret`` for the current time-step (or one ``steps_ahead``)."""
    import time

    import pyotp
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def change_runtime_settings(world: IdentityWorld, **changes) -> None:
    """Operators' runtime settings, changed as the settings API would."""
    from chassis.runtime_settings import change
    from identity.settings import IdentityRuntimeSettings
    with world.uow() as uow:
        change(uow, IdentityRuntimeSettings, changes, reason="test")
        uow.commit()


def second_step(world: IdentityWorld, code: str, page: str = "/login/2fa"):
    """Post a code to a login step page (TOTP, recovery code or the first code at enrolment)."""
    csrf = csrf_from(world.http.get(page).text)
    return world.http.post(page, data={"code": code, "csrf_token": csrf})


def enrol_two_factor(world: IdentityWorld, bearer_header: dict) -> tuple[str, list[str]]:
    """Turn 2FA on through the API: the secret and the recovery codes."""
    secret = world.http.post("/api/v1/me/2fa", headers=bearer_header).json["secret"]
    confirmed = world.http.post("/api/v1/me/2fa/confirm", json={"code": totp_code(secret)}, headers=bearer_header)
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json["recovery_codes"]
