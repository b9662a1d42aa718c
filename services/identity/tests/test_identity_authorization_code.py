"""authorization_code with PKCE S256: what /oauth/authorize and /oauth/token accept and refuse."""
from __future__ import annotations

import secrets

from identity.testing import REDIRECT_URI, csrf_from, query_of


def test_authorization_code_flow_with_pkce_issues_tokens(signed_in):
    tokens = signed_in.tokens_for_user(signed_in.client())
    assert tokens["token_type"] == "Bearer" and tokens["refresh_token"] and tokens["expires_in"] == 600


def test_authorize_sends_an_anonymous_visitor_to_the_login_form(world):
    response = world.authorize(world.client())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Foauth%2Fauthorize")


def test_implicit_grant_is_refused(signed_in):
    response = signed_in.authorize(signed_in.client(), response_type="token")
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "unsupported_response_type"
    assert "access_token" not in response.headers["Location"]


def test_missing_code_challenge_is_refused_at_authorize(signed_in):
    response = signed_in.authorize(signed_in.client(), code_challenge=None, code_challenge_method=None)
    assert response.status_code == 302
    assert query_of(response.headers["Location"]) == {
        "error": "invalid_request", "error_description": "code_challenge is required (PKCE with S256)", "state": "xyz"}


def test_plain_code_challenge_is_refused_at_authorize(signed_in):
    response = signed_in.authorize(signed_in.client(), code_challenge="a" * 50, code_challenge_method="plain")
    assert response.status_code == 302
    assert query_of(response.headers["Location"])["error"] == "invalid_request"
    assert "code" not in query_of(response.headers["Location"])


def test_redirect_uri_must_match_exactly_and_is_never_redirected_to(signed_in):
    response = signed_in.authorize(signed_in.client(), redirect_uri=REDIRECT_URI + "/other")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["error"] == "invalid_request"


def test_wrong_code_verifier_is_refused(signed_in):
    client = signed_in.client()
    verifier = secrets.token_urlsafe(48)
    response = signed_in.exchange(client, signed_in.code_for(client, verifier), secrets.token_urlsafe(48))
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_redirect_uri_at_the_token_endpoint_must_match(signed_in):
    client = signed_in.client()
    verifier = secrets.token_urlsafe(48)
    response = signed_in.token(client, grant_type="authorization_code", code=signed_in.code_for(client, verifier),
                               redirect_uri="https://evil.example/cb", code_verifier=verifier)
    assert response.json["error"] == "invalid_grant"


def test_reusing_a_code_is_refused_and_revokes_the_tokens_issued_from_it(signed_in):
    client = signed_in.client()
    verifier = secrets.token_urlsafe(48)
    code = signed_in.code_for(client, verifier)
    first = signed_in.exchange(client, code, verifier).json
    assert signed_in.exchange(client, code, verifier).json["error"] == "invalid_grant"
    refreshed = signed_in.token(client, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert refreshed.json["error"] == "invalid_grant"


def test_public_client_uses_pkce_without_a_secret(signed_in):
    client = signed_in.client(public=True)
    assert client.client_secret is None
    assert "access_token" in signed_in.tokens_for_user(client)


def test_third_party_client_asks_for_consent_and_denial_is_sent_back(signed_in):
    client = signed_in.client(first_party=False, name="Partner app")
    page = signed_in.authorize(client)
    assert page.status_code == 200 and "Allow Partner app?" in page.text
    action = page.request.full_path
    denied = signed_in.http.post(action, data={"csrf_token": csrf_from(page.text), "decision": "deny"})
    assert query_of(denied.headers["Location"])["error"] == "access_denied"
    allowed = signed_in.http.post(action, data={"csrf_token": csrf_from(page.text), "decision": "allow"})
    assert "code" in query_of(allowed.headers["Location"])


def test_consent_without_csrf_token_is_refused(signed_in):
    client = signed_in.client(first_party=False)
    page = signed_in.authorize(client)
    response = signed_in.http.post(page.request.full_path, data={"decision": "allow"})
    assert response.status_code == 400
    assert response.json["type"] == "urn:marketplace:problem:csrf-failed"
