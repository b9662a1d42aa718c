"""/api/openapi.json, /api/docs and /api/v1/health against small real HTTP upstreams."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from html.parser import HTMLParser

import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from chassis.testing.apps import TEST_AUDIENCE, TEST_ISSUER
from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.upstream_specs import HttpSpecFetcher, UpstreamSpecs, spec_urls

UPSTREAMS = ("identity", "catalog", "orders", "payments", "analytics", "console")
CLOSED_PORT_URL = "http://127.0.0.1:9"  # discard port: nothing listens there in a test environment


def minimal_spec(service: str) -> dict:
    path = f"/api/v1/{service}/things"
    return {"openapi": "3.0.3", "info": {"title": service.title(), "version": "1.0.0"},
            "tags": [{"name": f"{service}_things"}],
            "paths": {path: {"get": {"tags": [f"{service}_things"], "security": [{"bearerAuth": []}],
                                     "responses": {"200": {"description": "OK"}}}}},
            "components": {"schemas": {"Problem": {"type": "object", "properties": {"title": {"type": "string"}}}},
                           "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                              "bearerFormat": "JWT"}}}}


class FakeUpstream:
    """A real HTTP server answering /readyz and its OpenAPI document; tests flip its state."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.serves_spec = name != "console"
        self.readyz_status = 200
        self.requests: Counter[str] = Counter()
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        self.requests[request.path] += 1
        if request.path == "/readyz":
            response = Response('{"status": "ready"}' if self.readyz_status == 200 else '{"status": 503}',
                                status=self.readyz_status, content_type="application/json")
        elif request.path == f"/api/v1/{self.name}/openapi.json" and self.serves_spec:
            response = Response(json.dumps(minimal_spec(self.name)), content_type="application/json")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def spec_requests(self) -> int:
        return self.requests[f"/api/v1/{self.name}/openapi.json"]

    def start(self) -> "FakeUpstream":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def upstreams():
    servers = {name: FakeUpstream(name).start() for name in UPSTREAMS}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def gateway_settings(upstreams, jwks_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_VAR_DIR", str(tmp_path))

    def build(**overrides) -> GatewaySettings:
        urls = {f"{name}_url": server.url for name, server in upstreams.items()}
        return GatewaySettings(**{**urls, "jwt_issuer": TEST_ISSUER, "jwt_audiences": [TEST_AUDIENCE],
                                  "jwks_url": jwks_url, "log_json": False, **overrides})
    return build


@pytest.fixture
def client(gateway_settings):
    return create_app(gateway_settings()).test_client()


# --- /api/openapi.json

def test_nothing_is_fetched_when_the_app_is_created(gateway_settings, upstreams):
    create_app(gateway_settings())

    assert sum(sum(server.requests.values()) for server in upstreams.values()) == 0


def test_merged_document_covers_every_running_service_and_validates(client):
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert [service["name"] for service in document["x-services"]["included"]] == \
        ["identity", "catalog", "orders", "payments", "analytics", "gateway"]
    assert document["x-services"]["unavailable"] == []
    assert {f"/api/v1/{name}/things" for name in UPSTREAMS if name != "console"} <= document["paths"].keys()
    assert "/api/v1/health" in document["paths"]
    assert document["components"]["securitySchemes"]["oauth2"]["flows"]["authorizationCode"] == {
        "authorizationUrl": f"{TEST_ISSUER}/oauth/authorize", "tokenUrl": f"{TEST_ISSUER}/oauth/token", "scopes": {}}


def test_an_unreachable_service_is_listed_as_unavailable(gateway_settings):
    client = create_app(gateway_settings(payments_url=CLOSED_PORT_URL)).test_client()

    document = client.get("/api/openapi.json").get_json()

    assert document["x-services"]["unavailable"] == ["payments"]
    assert "/api/v1/payments/things" not in document["paths"]
    validate(document)


def test_the_merged_document_is_cached_between_requests(client, upstreams):
    client.get("/api/openapi.json")
    client.get("/api/openapi.json")

    assert upstreams["catalog"].spec_requests() == 1


# --- the per-process cache, with a clock the test moves

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cache_for(upstreams, clock: Clock, refresh_seconds: float = 30.0) -> UpstreamSpecs:
    urls = spec_urls({name: server.url for name, server in upstreams.items()})
    return UpstreamSpecs(urls, HttpSpecFetcher(connect_timeout=1.0),
                         lambda documents, unavailable: {"services": list(documents), "unavailable": unavailable},
                         refresh_seconds=refresh_seconds, retry_seconds=5.0, clock=clock)


def test_a_service_coming_up_appears_after_the_retry_delay_and_not_before(upstreams):
    clock = Clock()
    upstreams["orders"].serves_spec = False
    specs = cache_for(upstreams, clock)
    assert specs.merged()["unavailable"] == ["orders"]

    upstreams["orders"].serves_spec = True
    clock.now += 4.9
    assert specs.merged()["unavailable"] == ["orders"]
    clock.now += 0.2
    assert specs.merged() == {"services": ["identity", "catalog", "orders", "payments", "analytics"],
                              "unavailable": []}
    assert upstreams["orders"].spec_requests() == 2
    assert upstreams["catalog"].spec_requests() == 1


def test_every_document_is_fetched_again_after_the_refresh_period(upstreams):
    clock = Clock()
    specs = cache_for(upstreams, clock, refresh_seconds=30.0)
    specs.merged()

    clock.now += 29.0
    specs.merged()
    assert upstreams["catalog"].spec_requests() == 1
    clock.now += 1.0
    specs.merged()
    assert [upstreams[name].spec_requests() for name in ("identity", "catalog", "analytics")] == [2, 2, 2]


def test_a_service_failing_a_refresh_keeps_its_last_document(upstreams):
    clock = Clock()
    specs = cache_for(upstreams, clock, refresh_seconds=30.0)
    specs.merged()

    upstreams["catalog"].serves_spec = False
    clock.now += 30.0

    assert "catalog" in specs.merged()["services"]


def test_concurrent_first_requests_fetch_each_document_once(upstreams):
    specs = cache_for(upstreams, Clock())
    results = []
    threads = [threading.Thread(target=lambda: results.append(specs.merged())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8 and all(result is results[0] for result in results)
    assert [upstreams[name].spec_requests() for name in ("identity", "catalog", "orders")] == [1, 1, 1]


# --- /api/docs

class AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ui_attributes: dict[str, str] = {}
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            if attributes.get("src"):
                self.urls.append(attributes["src"])
            else:
                self.inline_scripts += 1
        if tag == "link":
            self.urls.append(attributes["href"])
        if attributes.get("id") == "swagger-ui":
            self.ui_attributes = attributes


def parsed_page(client, url: str) -> AssetLinks:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = AssetLinks()
    page.feed(response.get_data(as_text=True))
    return page


def test_docs_page_loads_swagger_ui_from_the_gateway_itself(client):
    page = parsed_page(client, "/api/docs")

    assert page.urls and all(url.startswith("/") for url in page.urls)  # no CDN
    for url in page.urls:
        assert client.get(url).status_code == 200, url
    assert any(url.endswith("swagger-ui-bundle.js") for url in page.urls)
    assert page.inline_scripts == 0


def test_docs_page_points_swagger_ui_at_the_merged_document_with_pkce(client):
    page = parsed_page(client, "/api/docs")
    initializer = next(url for url in page.urls if url.endswith("swagger-initializer.js"))
    script = client.get(initializer).get_data(as_text=True)

    assert page.ui_attributes["data-spec-url"] == "/api/openapi.json"
    assert page.ui_attributes["data-oauth2-redirect-path"] == "/api/docs/oauth2-redirect.html"
    assert "usePkceWithAuthorizationCodeGrant: true" in script
    assert re.search(r"oauth2RedirectUrl:\s*window\.location\.origin \+ root\.dataset\.oauth2RedirectPath", script)


def test_docs_page_prefills_the_client_id_given_in_the_query_escaped(client):
    page = parsed_page(client, '/api/docs?client_id=docs"><script>')

    assert page.ui_attributes["data-client-id"] == 'docs"><script>'
    assert page.inline_scripts == 0


def test_oauth2_redirect_page_hands_the_code_back_to_swagger_ui(client):
    page = parsed_page(client, "/api/docs/oauth2-redirect.html")
    script = client.get("/api/docs/" + page.urls[0]).get_data(as_text=True)

    assert page.urls == ["oauth2-redirect.js"]
    assert "window.opener" in script and "swaggerUIRedirectOauth2" in script


def test_docs_files_other_than_the_listed_ones_are_not_served(client):
    assert client.get("/api/docs/index.html").status_code == 404
    assert client.get("/api/docs/..%2Fsettings.py").status_code in (400, 404)


# --- /api/v1/health

def test_health_reports_every_upstream_ready_to_an_operator(client, bearer):
    response = client.get("/api/v1/health", headers=bearer(roles=["operator"]))

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["upstreams"]) == set(UPSTREAMS)
    for result in body["upstreams"].values():
        assert result["status"] == "ready" and result["http_status"] == 200 and result["latency_ms"] >= 0


def test_health_is_503_problem_naming_unready_and_unreachable_upstreams(gateway_settings, upstreams, bearer):
    upstreams["orders"].readyz_status = 503
    client = create_app(gateway_settings(payments_url=CLOSED_PORT_URL)).test_client()

    response = client.get("/api/v1/health", headers=bearer(roles=["operator"]))

    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "urn:marketplace:problem:upstreams-degraded"
    assert body["detail"] == "not ready: orders, payments"
    assert body["upstreams"]["orders"]["status"] == "unready"
    assert body["upstreams"]["orders"]["http_status"] == 503
    assert body["upstreams"]["payments"]["status"] == "unreachable"
    assert body["upstreams"]["payments"]["http_status"] is None
    assert body["upstreams"]["catalog"]["status"] == "ready"


def test_health_is_forbidden_to_a_customer(client, bearer):
    response = client.get("/api/v1/health", headers=bearer(roles=["customer"]))

    assert response.status_code == 403


def test_health_requires_a_token(client):
    response = client.get("/api/v1/health")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_health_is_documented_in_the_gateways_own_document(client):
    document = client.application.extensions["chassis.api"].spec.to_dict()

    operation = document["paths"]["/api/v1/health"]["get"]
    assert set(operation["responses"]) >= {"200", "503"}
    assert operation["security"] == [{"bearerAuth": []}]
