"""require_auth, current_principal and caller_vendor_id in a tiny Flask app."""
from __future__ import annotations

import pytest
from flask import Flask, jsonify
from flask.views import MethodView
from werkzeug.exceptions import HTTPException

from chassis import context
from chassis.auth import KeySetUnavailable, TokenVerifier
from chassis.auth.flask import (
    caller_vendor_id, current_principal, install_verifier, require_auth,
)
from chassis.testing.tokens import TokenIssuer, tamper


class Offers(MethodView):
    @require_auth(scopes=["catalog:write"], roles=["vendor", "operator"])
    def post(self):
        return jsonify(vendor_id=caller_vendor_id())


def create_app(issuer: TokenIssuer) -> Flask:
    app = Flask(__name__)
    install_verifier(app, TokenVerifier(issuer.key_source(), issuer=issuer.issuer,
                                        audiences=["marketplace"]))

    @app.get("/orders")
    @require_auth(scopes=["orders:read"])
    def list_orders():
        principal = current_principal()
        assert context.principal() is principal
        return jsonify(subject=principal.subject, scopes=sorted(principal.scopes))

    @app.get("/settings")
    @require_auth(roles=["operator"])
    def settings():
        return jsonify(ok=True)

    @app.get("/vendor/balance")
    def vendor_balance():
        return jsonify(vendor_id=caller_vendor_id())

    app.add_url_rule("/offers", view_func=Offers.as_view("offers"))
    return app


@pytest.fixture(scope="module")
def issuer() -> TokenIssuer:
    return TokenIssuer()


@pytest.fixture
def client(issuer):
    return create_app(issuer).test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_valid_token_with_scope_reaches_the_view(client, issuer):
    response = client.get("/orders", headers=bearer(issuer.issue("u-1", scopes=["orders:read"])))
    assert response.status_code == 200
    assert response.json == {"subject": "u-1", "scopes": ["orders:read"]}


def test_missing_token_is_401_with_a_bare_bearer_challenge(client):
    response = client.get("/orders")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="marketplace"'


def test_other_scheme_is_treated_as_missing_token(client):
    response = client.get("/orders", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert response.status_code == 401
    assert "error=" not in response.headers["WWW-Authenticate"]


def test_scheme_is_case_insensitive(client, issuer):
    token = issuer.issue(scopes=["orders:read"])
    assert client.get("/orders", headers={"Authorization": f"bearer {token}"}).status_code == 200


@pytest.mark.parametrize("value", ["Bearer", "Bearer a b", "Bearer tok,en"])
def test_malformed_authorization_header_is_401(client, value):
    response = client.get("/orders", headers={"Authorization": value})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_invalid_token_is_401_with_invalid_token_challenge(client, issuer):
    response = client.get("/orders", headers=bearer(tamper(issuer.issue(scopes=["orders:read"]))))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="marketplace", error="invalid_token", error_description="invalid signature"')


def test_expired_token_is_401(client, issuer):
    response = client.get("/orders", headers=bearer(issuer.issue(scopes=["orders:read"], expires_in=-60)))
    assert response.status_code == 401
    assert 'error_description="expired"' in response.headers["WWW-Authenticate"]


def test_missing_scope_is_403_insufficient_scope(client, issuer):
    response = client.get("/orders", headers=bearer(issuer.issue(scopes=["orders:write"])))
    assert response.status_code == 403
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="orders:read"' in challenge


def test_missing_role_is_403(client, issuer):
    response = client.get("/settings", headers=bearer(issuer.issue(roles=["vendor"])))
    assert response.status_code == 403


def test_operator_role_passes(client, issuer):
    assert client.get("/settings", headers=bearer(issuer.issue(roles=["operator"]))).status_code == 200


def test_method_view_with_vendor_token_gets_its_vendor(client, issuer):
    token = issuer.issue(scopes=["catalog:write"], roles=["vendor"], vendor_id="v-9")
    response = client.post("/offers", headers=bearer(token))
    assert (response.status_code, response.json) == (200, {"vendor_id": "v-9"})


def test_caller_vendor_id_refuses_a_token_without_vendor(client, issuer):
    token = issuer.issue(scopes=["catalog:write"], roles=["operator"])
    response = client.post("/offers", headers=bearer(token))
    assert response.status_code == 403
    assert b"vendor-scoped" in response.data


def test_caller_vendor_id_without_decorator_still_requires_a_token(client):
    assert client.get("/vendor/balance").status_code == 401


@pytest.mark.parametrize(("endpoint", "token", "problem_type"), [
    ("list_orders", None, "missing-token"),
    ("list_orders", "a.b.c", "invalid-token"),
    ("list_orders", "no-scope", "insufficient-scope"),
    ("settings", "no-scope", "insufficient-role"),
    ("vendor_balance", "no-scope", "not-vendor-scoped"),
])
def test_errors_carry_a_problem_type_and_a_challenge(issuer, endpoint, token, problem_type):
    app = create_app(issuer)
    token = issuer.issue() if token == "no-scope" else token
    with app.test_request_context(headers=bearer(token) if token else {}):
        with pytest.raises(HTTPException) as caught:
            app.view_functions[endpoint]()
    assert caught.value.problem_type == problem_type
    assert any(name == "WWW-Authenticate" for name, _ in caught.value.get_headers())


def test_principal_does_not_leak_between_requests_in_one_app_context(issuer):
    app = create_app(issuer)
    client = app.test_client()
    with app.app_context():
        assert client.get("/orders", headers=bearer(issuer.issue(scopes=["orders:read"]))).status_code == 200
        assert client.get("/orders").status_code == 401


def test_unreachable_keys_answer_503(issuer):
    class Down:
        def key_for(self, kid):
            raise KeySetUnavailable("identity is down")

    app = create_app(issuer)
    install_verifier(app, TokenVerifier(Down(), issuer=issuer.issuer, audiences=["marketplace"]))
    response = app.test_client().get("/orders", headers=bearer(issuer.issue(scopes=["orders:read"])))
    assert response.status_code == 503
