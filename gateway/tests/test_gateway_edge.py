"""The edge's own decisions: the auth matrix per route class, rate limits, CORS, refusals."""
from __future__ import annotations

import time

import pytest

from chassis.testing.backends import backend_name
from gateway.app import create_app
from gateway.testing import EchoUpstream, gateway_settings, write_routes

ROUTES = """
[classes.public]
public_methods = ["*"]
[classes.oauth]
public_methods = ["*"]
rate_limit = "auth"
pass_authorization = true
[classes.storefront]
public_methods = ["GET", "HEAD"]
[classes.account]
[classes.operator]
roles = ["operator"]
[classes.writer]
scopes = ["catalog:write"]

[[routes]]
prefix = "/public"
upstream = "catalog"
class = "public"
[[routes]]
prefix = "/oauth"
upstream = "identity"
class = "oauth"
[[routes]]
prefix = "/storefront"
upstream = "catalog"
class = "storefront"
[[routes]]
prefix = "/account"
upstream = "orders"
class = "account"
[[routes]]
prefix = "/operator"
upstream = "identity"
class = "operator"
[[routes]]
prefix = "/writer"
upstream = "catalog"
class = "writer"
"""


@pytest.fixture(scope="module")
def echo():
    with EchoUpstream() as upstream:
        yield upstream


@pytest.fixture
def make_client(tmp_path, jwks_url, echo):
    routes = write_routes(tmp_path, ROUTES)

    def build(**overrides):
        return create_app(gateway_settings(jwks_url, upstream_url=echo.url, routes_file=routes,
                                           **overrides)).test_client()
    return build


@pytest.fixture
def client(make_client):
    return make_client()


@pytest.fixture
def tokens(token_issuer):
    return {
        "none": {},
        "bad": {"Authorization": "Bearer " + token_issuer.issue(expires_in=-300)},
        "garbage": {"Authorization": "Bearer not.a.token"},
        "customer": {"Authorization": "Bearer " + token_issuer.issue("c-1", roles=["customer"])},
        "operator": {"Authorization": "Bearer " + token_issuer.issue("o-1", roles=["operator"])},
        "writer": {"Authorization": "Bearer " + token_issuer.issue("w-1", roles=["vendor"],
                                                                   scopes=["catalog:write"])},
        "basic": {"Authorization": "Basic Y2xpZW50OnNlY3JldA=="},
    }


# (method, path, token) -> status at the edge; 200 means it reached the echo upstream.
MATRIX = [
    ("GET", "/public/x", "none", 200), ("POST", "/public/x", "none", 200),
    ("GET", "/public/x", "bad", 401), ("GET", "/public/x", "customer", 200),
    ("POST", "/oauth/token", "basic", 200), ("POST", "/oauth/token", "bad", 200),
    ("GET", "/storefront/p", "none", 200), ("HEAD", "/storefront/p", "none", 200),
    ("GET", "/storefront/p", "garbage", 401), ("POST", "/storefront/p", "none", 401),
    ("POST", "/storefront/p", "basic", 401), ("POST", "/storefront/p", "customer", 200),
    ("GET", "/account/o", "none", 401), ("GET", "/account/o", "bad", 401),
    ("GET", "/account/o", "garbage", 401), ("GET", "/account/o", "customer", 200),
    ("GET", "/operator/u", "none", 401), ("GET", "/operator/u", "bad", 401),
    ("GET", "/operator/u", "customer", 403), ("GET", "/operator/u", "operator", 200),
    ("PUT", "/writer/p", "none", 401), ("PUT", "/writer/p", "bad", 401),
    ("PUT", "/writer/p", "customer", 403), ("PUT", "/writer/p", "writer", 200),
]


@pytest.mark.parametrize("method, path, token, status", MATRIX)
def test_auth_matrix(client, tokens, method, path, token, status):
    response = client.open(path, method=method, headers=tokens[token])
    assert response.status_code == status
    if status == 401:
        challenge = response.headers["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="marketplace"')
        assert ('error="invalid_token"' in challenge) == (token != "none" and token != "basic")
    if status == 403:
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
        assert response.content_type == "application/problem+json"


def test_missing_scope_is_named(client, tokens):
    response = client.put("/writer/p", headers=tokens["customer"])
    assert response.get_json()["type"] == "urn:marketplace:problem:insufficient-scope"
    assert 'scope="catalog:write"' in response.headers["WWW-Authenticate"]


def test_tokens_are_verified_from_the_jwks_with_the_issuers_key(client, token_issuer):
    from chassis.testing.tokens import generate_key
    forged = token_issuer.issue("o-1", roles=["operator"], key=generate_key("ES256", kid=token_issuer.key.kid))
    assert client.get("/operator/u", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_unknown_paths_are_a_404_problem(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["type"] == "urn:marketplace:problem:no-route"


@pytest.mark.parametrize("path", ["/public/../operator/u", "/public/%2e%2e/operator/u", "/public/%2E%2E/x",
                                  "/public/..%2foperator", "/public/%252e%252e/x", "/public/a\\..\\b",
                                  "/public/./x", "/public/%00"])
def test_path_traversal_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json()["type"] == "urn:marketplace:problem:path-traversal"


def test_content_length_with_transfer_encoding_is_refused(client):
    response = client.post("/public/x", data=b"abc", headers={"Transfer-Encoding": "chunked"})
    assert response.status_code == 400
    assert response.get_json()["type"] == "urn:marketplace:problem:ambiguous-body-length"


def test_per_ip_limit_refuses_then_resets(make_client):
    client = make_client(rate_limit_per_ip="3/second")
    statuses = [client.get("/public/x").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/public/x")
    assert refused.get_json()["type"] == "urn:marketplace:problem:rate-limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 1
    assert refused.headers["RateLimit-Limit"] == "3" and refused.headers["RateLimit-Remaining"] == "0"
    time.sleep(1.1)
    again = client.get("/public/x")
    assert again.status_code == 200 and again.headers["RateLimit-Remaining"] == "2"


def test_clients_at_different_addresses_have_separate_budgets(make_client):
    client = make_client(rate_limit_per_ip="1/minute")
    assert client.get("/public/x", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 200
    assert client.get("/public/x", environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code == 429
    assert client.get("/public/x", environ_base={"REMOTE_ADDR": "198.51.100.2"}).status_code == 200


def test_token_and_login_routes_have_the_stricter_limit(make_client):
    client = make_client(rate_limit_auth_per_ip="2/minute")
    assert [client.post("/oauth/token").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/public/x").status_code == 200


def test_bad_tokens_are_rate_limited_too(make_client, tokens):
    client = make_client(rate_limit_per_ip="2/minute")
    assert [client.get("/account/o", headers=tokens["garbage"]).status_code for _ in range(3)] == [401, 401, 429]


def test_per_caller_limit_follows_the_token_not_the_address(make_client, token_issuer):
    client = make_client(rate_limit_per_caller="2/minute")
    alice = {"Authorization": "Bearer " + token_issuer.issue("alice")}
    bob = {"Authorization": "Bearer " + token_issuer.issue("bob")}
    assert [client.get("/account/o", headers=alice).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/account/o", headers=bob).status_code == 200


@pytest.mark.skipif(backend_name() != "postgres", reason="the real-services run covers Redis")
def test_limits_are_shared_through_redis(make_client):
    url = "redis://127.0.0.1:6379/15"
    first, second = make_client(rate_limit_per_ip="3/minute", redis_url=url), \
        make_client(rate_limit_per_ip="3/minute", redis_url=url)
    first.application.extensions["gateway"].limiter.reset()
    statuses = [client.get("/public/x").status_code for client in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


def test_security_headers_on_every_answer(client, tokens):
    for response in (client.get("/public/x"), client.get("/account/o"), client.get("/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in response.headers
    secure = client.get("/public/x", base_url="https://shop.example")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_cors_headers_unless_configured(client):
    response = client.get("/public/x", headers={"Origin": "https://shop.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options("/account/o", headers={"Origin": "https://shop.example",
                                                      "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403


def test_cors_for_allowed_origins(make_client):
    client = make_client(cors_origins=["https://shop.example"])
    preflight = client.options("/account/o", headers={
        "Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    actual = client.get("/public/x", headers={"Origin": "https://shop.example"})
    assert actual.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "X-Request-ID" in actual.headers["Access-Control-Expose-Headers"]
    other = client.get("/public/x", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_an_invalid_route_table_stops_the_gateway_with_its_name(tmp_path, jwks_url):
    from chassis.settings import ConfigurationError
    routes = write_routes(tmp_path, '[[routes]]\nprefix = "/x"\nupstream = "nowhere"\nclass = "c"\n')
    with pytest.raises(ConfigurationError, match="unknown upstream 'nowhere'"):
        create_app(gateway_settings(jwks_url, routes_file=routes))


def test_an_unreachable_rate_limit_store_fails_open_quickly(make_client):
    client = make_client(rate_limit_per_ip="1/minute", redis_url="redis://127.0.0.1:9/0")
    started = time.monotonic()
    assert [client.get("/public/x").status_code for _ in range(3)] == [200, 200, 200]
    assert time.monotonic() - started < 3


def test_an_unexpected_failure_is_a_bare_500_problem(client, monkeypatch):
    from gateway import dispatcher

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(dispatcher, "forward", broken)
    response = client.get("/public/x")
    assert response.status_code == 500 and b"secret internals" not in response.get_data()
    assert response.get_json()["type"] == "urn:marketplace:problem:internal-error"
