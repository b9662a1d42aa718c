"""Identity's rules, without a database."""
from __future__ import annotations

import pytest

from identity import domain


def test_pkce_requires_an_s256_challenge():
    assert domain.pkce_problem({}) == "code_challenge is required (PKCE with S256)"
    assert domain.pkce_problem({"code_challenge": "abc"}) == "code_challenge_method must be S256"
    assert domain.pkce_problem({"code_challenge": "abc", "code_challenge_method": "plain"}) is not None
    assert domain.pkce_problem({"code_challenge": "abc", "code_challenge_method": "S256"}) is None


def test_allowed_scope_keeps_only_the_clients_scopes_and_defaults_to_all_of_them():
    assert domain.allowed_scope("a c", ["a", "b"]) == "a"
    assert domain.allowed_scope(None, ["a", "b"]) == "a b"


def test_admin_and_support_are_operator_roles_only():
    assert domain.check_roles(["support", "operator"]) == ["operator", "support"]
    with pytest.raises(domain.RuleViolation):
        domain.check_roles(["vendor", "admin"])
    with pytest.raises(domain.RuleViolation):
        domain.check_roles(["root"])


def test_client_credentials_clients_must_be_confidential_and_code_clients_need_a_redirect_uri():
    assert domain.check_grant_type("authorization_code", ["https://a/cb"], True) == [
        "authorization_code", "refresh_token"]
    with pytest.raises(domain.RuleViolation):
        domain.check_grant_type("client_credentials", [], public=True)
    with pytest.raises(domain.RuleViolation):
        domain.check_grant_type("authorization_code", [], public=False)
    with pytest.raises(domain.RuleViolation):
        domain.check_grant_type("password", [], public=False)


def test_client_secrets_are_compared_by_hash():
    secret = domain.new_secret()
    assert len(secret) >= 43 and domain.secret_matches(secret, domain.hash_secret(secret))
    assert not domain.secret_matches(secret + "x", domain.hash_secret(secret))


def test_only_local_paths_are_safe_after_login():
    assert domain.is_safe_next("/oauth/authorize?a=1")
    assert not any(domain.is_safe_next(url) for url in ("//evil", "https://evil", "/\\evil", "", None))


def test_access_claims_follow_rfc9068():
    claims = domain.access_claims(issuer="http://i", audiences=["marketplace"], subject="u", client_id="c",
                                  scope="a", roles=["vendor"], vendor_id="v1", now=100, lifetime=600)
    assert {k: v for k, v in claims.items() if k != "jti"} == {
        "iss": "http://i", "sub": "u", "aud": ["marketplace"], "client_id": "c", "scope": "a",
        "roles": ["vendor"], "vendor_id": "v1", "iat": 100, "nbf": 100, "exp": 700}


def test_access_claims_carry_a_staff_role_only_when_there_is_one():
    common = dict(issuer="http://i", audiences=["m"], subject="u", client_id="c", scope="", roles=["vendor"],
                  vendor_id="v1", now=100, lifetime=600)
    assert domain.access_claims(**common, vendor_role="manager")["vendor_role"] == "manager"
    assert "vendor_role" not in domain.access_claims(**common, vendor_role=None)
