"""The route table: parsing, longest-prefix matching on whole segments, and its errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from gateway.routing import RouteTableError, load_route_table, parse_route_table
from gateway.settings import DEFAULT_ROUTES_FILE, UPSTREAM_NAMES

UPSTREAMS = set(UPSTREAM_NAMES) | {"gateway"}


@pytest.fixture(scope="module")
def table():
    return load_route_table(DEFAULT_ROUTES_FILE, UPSTREAM_NAMES)


@pytest.mark.parametrize("path, upstream, route_class", [
    ("/oauth/token", "identity", "oauth"),
    ("/oauth/authorize", "identity", "oauth"),
    ("/oauth/userinfo", "identity", "account"),
    ("/.well-known/jwks.json", "identity", "public"),
    ("/login", "identity", "login"),
    ("/login/2fa", "identity", "login"),
    ("/api/v1/users", "identity", "signup"),
    ("/api/v1/users/", "identity", "operator"),
    ("/api/v1/users/7/lock", "identity", "operator"),
    ("/api/v1/users/password-reset", "identity", "login"),
    ("/api/v1/me/2fa", "identity", "account"),
    ("/api/v1/vendors/v1/staff", "identity", "account"),
    ("/api/v1/clients", "identity", "operator"),
    ("/api/v1/products", "catalog", "storefront"),
    ("/api/v1/products/p-1/offers", "catalog", "storefront"),
    ("/api/v1/media/m1", "catalog", "storefront"),
    ("/api/v1/imports", "catalog", "account"),
    ("/api/v1/orders", "orders", "account"),
    ("/api/v1/orders/o-1/cancel", "orders", "account"),
    ("/api/v1/vendor-orders/vo-1/accept", "orders", "account"),
    ("/api/v1/returns", "orders", "account"),
    ("/api/v1/payments", "payments", "account"),
    ("/api/v1/payouts/1", "payments", "account"),
    ("/api/v1/commission-rules", "payments", "account"),
    ("/api/v1/stats/sales", "analytics", "account"),
    ("/api/v1/track", "analytics", "public"),
    ("/api/v1/catalog/settings", "catalog", "operator"),
    ("/api/v1/orders/settings", "orders", "operator"),
    ("/api/v1/orders/audit", "orders", "operator"),
    ("/api/v1/payments/settings", "payments", "operator"),
    ("/api/v1/identity/audit", "identity", "operator"),
    ("/api/v1/analytics/settings", "analytics", "operator"),
    ("/api/v1/catalog/openapi.json", "catalog", "public"),
    ("/api/v1/orders/docs", "orders", "public"),
    ("/api/v1/payments/docs/assets/swagger-ui/swagger-ui.css", "payments", "public"),
    ("/api/v1/identity/redoc", "identity", "public"),
    ("/api/openapi.json", "gateway", "public"),
    ("/api/docs", "gateway", "public"),
    ("/api/v1/health", "gateway", "operator"),
    ("/console/", "console", "public"),
])
def test_default_table_routes_each_prefix(table, path, upstream, route_class):
    route = table.match(path)
    assert route is not None, path
    assert (route.upstream, route.route_class.name) == (upstream, route_class)


@pytest.mark.parametrize("path", ["/", "/nope", "/api/v1/productsx", "/api/v1", "/api/v1/unknown",
                                  "/oauthx/token", "/api/openapi.json/x", "/api/v1/orders-archive"])
def test_paths_outside_the_table_match_nothing(table, path):
    assert table.match(path) is None


def test_public_methods_per_class(table):
    storefront = table.match("/api/v1/products").route_class
    assert storefront.is_public("GET") and storefront.is_public("HEAD")
    assert not storefront.is_public("POST")
    signup = table.match("/api/v1/users").route_class
    assert signup.is_public("POST") and not signup.is_public("GET")
    assert signup.roles == ("operator",)  # listing users is for operators
    assert table.match("/oauth/token").route_class.pass_authorization


def _document(**route):
    return {"classes": {"open": {"public_methods": ["*"]}},
            "routes": [{"prefix": "/api/v1/x", "upstream": "catalog", "class": "open", **route}]}


@pytest.mark.parametrize("change, message", [
    ({"upstream": "warehouse"}, "unknown upstream 'warehouse'"),
    ({"class": "vip"}, "unknown class 'vip'"),
    ({"prefix": "api/v1/x"}, "must be a clean absolute path"),
    ({"prefix": "/api/../x"}, "must be a clean absolute path"),
    ({"methods": ["GET"]}, "unknown keys ['methods']"),
])
def test_invalid_routes_name_the_entry(change, message):
    with pytest.raises(RouteTableError) as raised:
        parse_route_table(_document(**change), UPSTREAMS)
    assert "routes[0]" in str(raised.value) and message in str(raised.value)


def test_duplicate_prefix_is_refused():
    document = _document()
    document["routes"].append(dict(document["routes"][0]))
    with pytest.raises(RouteTableError, match="defined twice"):
        parse_route_table(document, UPSTREAMS)


def test_bad_class_and_bad_file_are_refused(tmp_path: Path):
    with pytest.raises(RouteTableError, match="rate_limit"):
        parse_route_table({"classes": {"c": {"rate_limit": "fast"}}, "routes": []}, UPSTREAMS)
    broken = tmp_path / "routes.toml"
    broken.write_text("[[routes]\nprefix = ")
    with pytest.raises(RouteTableError, match=str(broken)):
        load_route_table(broken, UPSTREAM_NAMES)
