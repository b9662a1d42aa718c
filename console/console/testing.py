"""A stand-in for the gateway (and identity behind it) in the console's tests: a real HTTP server.

It runs the OAuth2 side for real — client authentication, PKCE S256, refresh-token rotation with
reuse detection, revocation, userinfo — with opaque tokens, and answers API paths with whatever
a test registered, recording every call. A list registered for a GET is filtered by the
``id`` query parameters when the call has any, as the APIs' ``?id=a&id=b`` lookups are.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import re
import threading
from dataclasses import dataclass, field

from urllib.parse import parse_qs, urlsplit

from flask import Flask, jsonify, request
from werkzeug.serving import make_server


@dataclass
class StubUser:
    sub: str
    email: str
    roles: list[str]
    vendor_id: str | None = None
    vendor_role: str | None = None  # owner, manager or staff for a vendor's people


PUBLIC_URL = "http://console.test"


@dataclass
class ApiCall:
    method: str
    path: str
    args: dict
    body: dict | None
    token: str | None
    headers: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)  # multipart: field -> (filename, bytes, content type)
    form: dict = field(default_factory=dict)
    arg_lists: dict = field(default_factory=dict)  # every value of each query parameter (``args``: the first)


@dataclass
class StubGateway:
    client_id: str = "console-client"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    access_lifetime: int = 600
    codes: dict = field(default_factory=dict)          # code -> (challenge, redirect_uri, user)
    access_tokens: dict = field(default_factory=dict)  # token -> user
    refresh_tokens: dict = field(default_factory=dict)  # token -> {"user", "family", "used"}
    revoked_families: set = field(default_factory=set)
    revoked: list = field(default_factory=list)
    refreshes: int = 0
    answers: dict = field(default_factory=dict)        # (method, path) -> (status, body, headers)
    calls: list = field(default_factory=list)
    url: str = ""  # set once served

    # --- what tests do
    def authorize(self, code_challenge: str, user: StubUser,
                  redirect_uri: str = f"{PUBLIC_URL}/console/callback") -> str:
        """What identity's /oauth/authorize does once the user signed in: a code bound to the challenge."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = (code_challenge, redirect_uri, user)
        return code

    def answer(self, method: str, path: str, body=None, status: int = 200, headers: dict | None = None) -> None:
        self.answers[(method, path)] = (status, body, headers or {})

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as if its 10 minutes were over)."""
        self.access_tokens.clear()

    def calls_to(self, path: str, method: str | None = None) -> list[ApiCall]:
        return [call for call in self.calls if call.path == path and (method is None or call.method == method)]

    # --- the server
    def app(self) -> Flask:
        app = Flask("stub_gateway")
        app.add_url_rule("/oauth/token", view_func=self._token, methods=["POST"])
        app.add_url_rule("/oauth/revoke", view_func=self._revoke, methods=["POST"])
        app.add_url_rule("/oauth/userinfo", view_func=self._userinfo)
        app.add_url_rule("/api/<path:rest>", view_func=self._api, methods=["GET", "POST", "PATCH", "PUT", "DELETE"])
        return app

    def _client_authenticated(self) -> bool:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    def _token(self):
        if not self._client_authenticated():
            return jsonify(error="invalid_client"), 401
        grant = request.form.get("grant_type")
        if grant == "authorization_code":
            return self._code_grant()
        if grant == "refresh_token":
            return self._refresh_grant()
        return jsonify(error="unsupported_grant_type"), 400

    def _code_grant(self):
        challenge, redirect_uri, user = self.codes.pop(request.form.get("code", ""), (None, None, None))
        verifier = request.form.get("code_verifier", "")
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if user is None or computed != challenge or request.form.get("redirect_uri") != redirect_uri:
            return jsonify(error="invalid_grant"), 400
        return self._issue(user, family=secrets.token_hex(4))

    def _refresh_grant(self):
        row = self.refresh_tokens.get(request.form.get("refresh_token", ""))
        if row is None or row["family"] in self.revoked_families:
            return jsonify(error="invalid_grant"), 400
        if row["used"]:  # reuse: the whole family goes, as identity does
            self.revoked_families.add(row["family"])
            return jsonify(error="invalid_grant"), 400
        row["used"] = True
        self.refreshes += 1
        return self._issue(row["user"], family=row["family"])

    def _issue(self, user: StubUser, family: str):
        access, refresh = f"at-{secrets.token_hex(8)}", f"rt-{secrets.token_hex(8)}"
        self.access_tokens[access] = user
        self.refresh_tokens[refresh] = {"user": user, "family": family, "used": False}
        return jsonify(access_token=access, refresh_token=refresh, token_type="Bearer",
                       expires_in=self.access_lifetime)

    def _revoke(self):
        if not self._client_authenticated():
            return jsonify(error="invalid_client"), 401
        row = self.refresh_tokens.get(request.form.get("token", ""))
        if row is not None:
            self.revoked_families.add(row["family"])
            self.revoked.append(request.form["token"])
        return "", 200

    def _bearer_user(self) -> StubUser | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return self.access_tokens.get(token) if scheme == "Bearer" else None

    def _userinfo(self):
        user = self._bearer_user()
        if user is None:
            return jsonify(title="Unauthorized"), 401
        return jsonify(sub=user.sub, email=user.email, roles=user.roles, vendor_id=user.vendor_id,
                       vendor_role=user.vendor_role)

    def _api(self, rest: str):
        path = f"/api/{rest}"
        token = request.headers.get("Authorization", "").partition(" ")[2] or None
        files = {name: (upload.filename, upload.read(), upload.mimetype) for name, upload in request.files.items()}
        self.calls.append(ApiCall(request.method, path, request.args.to_dict(), request.get_json(silent=True), token,
                                  dict(request.headers), files, request.form.to_dict(),
                                  request.args.to_dict(flat=False)))
        if self._bearer_user() is None:
            return _problem(401, "Unauthorized")
        status, body, headers = self.answers.get((request.method, path), (404, None, {}))
        if request.method == "GET" and "id" in request.args and isinstance(body, list):
            body = [row for row in body if row.get("id") in request.args.getlist("id")]
        if status >= 400 and isinstance(body, dict):  # a whole problem document, with its extensions
            return jsonify(body), status, {"Content-Type": "application/problem+json", **headers}
        if status >= 400:
            return _problem(status, body or "Error")
        if isinstance(body, bytes) or status == 204:  # a CSV report, or no content
            return body or b"", status, headers
        return jsonify(body), status, headers


def _problem(status: int, detail: str):
    response = jsonify(status=status, title=detail, detail=detail)
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


class RunningStub:
    """``StubGateway`` served on 127.0.0.1 at a free port until ``close()``."""

    def __init__(self, stub: StubGateway) -> None:
        self.stub = stub
        self._server = make_server("127.0.0.1", 0, stub.app(), threaded=True)
        self.url = stub.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


OPERATOR = StubUser("user-op", "ops@example.com", ["operator", "admin"])
SUPPORT = StubUser("user-sup", "support@example.com", ["operator", "support"])  # reads, changes nothing
VENDOR = StubUser("user-ven", "owner@vendor-a.example", ["vendor"], vendor_id="ven-a", vendor_role="owner")
VENDOR_STAFF = StubUser("user-ven-staff", "packer@vendor-a.example", ["vendor"], vendor_id="ven-a",
                        vendor_role="staff")  # accepts and ships; owners and managers refund
CUSTOMER = StubUser("user-cus", "someone@example.com", ["customer"])


def sign_in(browser, stub: StubGateway, user: StubUser, next_path: str = "/console/"):
    """The whole authorization-code round trip, with the stub playing identity's authorize page."""
    started = browser.get("/console/login", query_string={"next": next_path})
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    code = stub.authorize(query["code_challenge"][0], user, query["redirect_uri"][0])
    return browser.get("/console/callback", query_string={"code": code, "state": query["state"][0]})


def csrf_of(browser) -> str:
    """The CSRF token a signed-in page's forms carry (the header's sign-out form has one)."""
    page = browser.get("/console/signed-out").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
