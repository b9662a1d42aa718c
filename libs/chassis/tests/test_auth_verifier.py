"""TokenVerifier: what it accepts, what it refuses, and what it caches."""
from __future__ import annotations

import time

import pytest

from chassis.auth import InvalidToken, Principal, StaticKeySource, TokenVerifier
from chassis.testing.tokens import TokenIssuer, generate_key, tamper

ISSUER = "http://issuer.test"


@pytest.fixture(params=["ES256", "RS256"], scope="module")
def issuer(request) -> TokenIssuer:
    return TokenIssuer(issuer=ISSUER, audience="marketplace", alg=request.param)


@pytest.fixture
def verifier(issuer: TokenIssuer) -> TokenVerifier:
    return TokenVerifier(issuer.key_source(), issuer=ISSUER, audiences=["marketplace", "orders"])


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as caught:
        verifier.verify(token)
    if len(token) > 8:
        assert token not in str(caught.value)  # reasons never echo the token
    return caught.value.description


def test_valid_token_gives_its_principal(issuer, verifier):
    token = issuer.issue("user-7", scopes=["orders:read", "orders:write"], roles=["vendor"],
                         vendor_id="vendor-3", client_id="console")
    principal = verifier.verify(token)
    assert (principal.subject, principal.client_id, principal.vendor_id) == ("user-7", "console", "vendor-3")
    assert principal.scopes == frozenset({"orders:read", "orders:write"})
    assert principal.roles == frozenset({"vendor"})
    assert principal.token_id == principal.claims["jti"]
    assert principal.expires_at == principal.claims["exp"]


def test_audience_may_be_a_list_that_intersects(issuer, verifier):
    assert verifier.verify(issuer.issue(audience=["other-api", "orders"])).subject == "user-1"


def test_expired_token_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(expires_in=-31)) == "expired"


def test_expiry_within_leeway_is_accepted(issuer, verifier):
    assert verifier.verify(issuer.issue(expires_in=-5)).subject == "user-1"


def test_not_yet_valid_token_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(not_before=int(time.time()) + 120)) == "not yet valid"


def test_token_issued_in_the_future_is_refused(issuer, verifier):
    token = issuer.issue(extra_claims={"iat": int(time.time()) + 120})
    assert refused(verifier, token) == "issued in the future"


def test_wrong_issuer_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(extra_claims={"iss": "http://evil.test"})) == "invalid issuer"


def test_wrong_audience_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(audience="payments")) == "invalid audience"


@pytest.mark.parametrize(("claim", "reason"), [
    ("exp", "missing or invalid exp"), ("sub", "missing sub"),
    ("client_id", "missing client_id"), ("jti", "missing jti"),
])
def test_token_missing_a_required_claim_is_refused(issuer, verifier, claim, reason):
    claims = issuer.claims()
    del claims[claim]
    assert refused(verifier, issuer.sign_raw(issuer.header(), claims)) == reason


def test_boolean_exp_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(extra_claims={"exp": True})) == "missing or invalid exp"


def test_unknown_header_parameter_is_refused(issuer, verifier):
    token = issuer.sign_raw({**issuer.header(), "x-debug": "1"}, issuer.claims())
    assert refused(verifier, token) == "invalid header"


def test_alg_none_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue_unsigned_none()) == "algorithm not allowed"


def test_hs256_signed_with_the_public_key_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue_hs256_with_public_key()) == "algorithm not allowed"


def test_verifier_refuses_to_allow_symmetric_algorithms(issuer):
    with pytest.raises(ValueError):
        TokenVerifier(issuer.key_source(), issuer=ISSUER, audiences=["m"], algorithms=("HS256",))


def test_key_of_another_type_than_the_header_alg_is_refused(issuer, verifier):
    # Signed with an attacker's key of the other type, naming our kid.
    forged = TokenIssuer(issuer=ISSUER, alg="RS256" if issuer.alg == "ES256" else "ES256")
    token = forged.issue(headers_override={"kid": issuer.kid})
    assert refused(verifier, token) == "key does not match algorithm"


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "at+jws"])
def test_token_that_is_not_an_access_token_is_refused(issuer, verifier, typ):
    token = issuer.issue(headers_override={"typ": typ})
    assert refused(verifier, token).startswith("not an access token")


@pytest.mark.parametrize("typ", ["AT+JWT", "application/at+jwt"])
def test_typ_is_case_insensitive_and_may_carry_the_media_type_prefix(issuer, verifier, typ):
    assert verifier.verify(issuer.issue(headers_override={"typ": typ})).subject == "user-1"


def test_token_without_kid_is_refused(issuer, verifier):
    assert refused(verifier, issuer.issue(headers_override={"kid": None})) == "missing kid"


def test_token_with_unknown_kid_is_refused(issuer, verifier):
    stranger = generate_key(issuer.alg, kid="not-published")
    assert refused(verifier, issuer.issue(key=stranger)) == "unknown key"


def test_token_with_crit_header_is_refused(issuer, verifier):
    token = issuer.sign_raw({**issuer.header(), "crit": ["exp"], "exp": 1}, issuer.claims())
    assert refused(verifier, token) == "unsupported critical header"


def test_tampered_payload_is_refused(issuer, verifier):
    assert refused(verifier, tamper(issuer.issue())) == "invalid signature"


def test_tampered_signature_is_refused(issuer, verifier):
    assert refused(verifier, tamper(issuer.issue(), part="signature")) == "invalid signature"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c", "é.é.é", "x" * 200_000])
def test_garbage_is_refused_as_malformed(verifier, garbage):
    assert refused(verifier, garbage) in {"malformed token", "malformed claims"}


def test_repeated_token_is_served_from_cache(issuer, verifier):
    token = issuer.issue(scopes=["orders:read"])
    first = verifier.verify(token)
    assert verifier.verify(token) is first
    assert len(verifier.cache) == 1


def test_cached_token_is_refused_once_expired(issuer):
    now = [time.time()]
    verifier = TokenVerifier(issuer.key_source(), issuer=ISSUER, audiences=["marketplace"],
                             leeway_seconds=0, clock=lambda: now[0])
    token = issuer.issue(expires_in=60)
    verifier.verify(token)
    now[0] += 61
    assert refused(verifier, token) == "expired"
    assert len(verifier.cache) == 0


def test_refused_token_is_never_cached(issuer, verifier):
    refused(verifier, tamper(issuer.issue()))
    refused(verifier, issuer.issue(audience="payments"))
    assert len(verifier.cache) == 0


def test_cache_is_bounded(issuer):
    verifier = TokenVerifier(issuer.key_source(), issuer=ISSUER, audiences=["marketplace"],
                             cache_size=3)
    tokens = [issuer.issue(f"user-{n}") for n in range(5)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier.cache) == 3
    assert verifier.cache.get(tokens[0]) is None and verifier.cache.get(tokens[-1]) is not None


def test_principal_reads_roles_and_vendor():
    principal = Principal.from_claims({
        "sub": "svc", "client_id": "orders", "jti": "j", "exp": 1,
        "scope": "catalog:read", "roles": ["service", "operator"],
    })
    assert principal.is_service and principal.is_operator and not principal.is_vendor
    assert principal.has_scope("catalog:read") and not principal.has_scope("catalog")
    assert principal.has_role("service") and principal.vendor_id is None


def test_principal_reads_the_vendor_staff_role(issuer, verifier):
    principal = verifier.verify(issuer.issue("staff-1", roles=["vendor"], vendor_id="ven-a", vendor_role="manager"))
    assert (principal.vendor_id, principal.vendor_role) == ("ven-a", "manager")


def test_a_vendor_token_without_a_staff_role_reads_as_none(issuer, verifier):
    """An API client's token, or one issued before identity put the claim in."""
    principal = verifier.verify(issuer.issue("client-1", roles=["vendor"], vendor_id="ven-a"))
    assert (principal.is_vendor, principal.vendor_id, principal.vendor_role) == (True, "ven-a", None)


@pytest.mark.parametrize("claims", [{"scope": ["a"]}, {"roles": "operator"}, {"vendor_id": 7}, {"vendor_role": 7},
                                    {"vendor_role": ""}, {"vendor_role": ["owner"]}])
def test_malformed_authorisation_claims_are_refused(issuer, verifier, claims):
    assert refused(verifier, issuer.issue(extra_claims=claims)).startswith("invalid claims")


def test_static_key_source_answers_by_kid(issuer):
    source = issuer.key_source()
    assert isinstance(source, StaticKeySource)
    assert source.key_for(issuer.kid).kid == issuer.kid
