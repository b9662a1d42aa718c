"""Each service documents itself under /api/v1/<service>/: openapi.json and the docs pages."""
from __future__ import annotations

import marshmallow as ma
import pytest
from flask.views import MethodView

from chassis.app import build_app
from chassis.blueprint import Blueprint
from chassis.errors import PROBLEM_CONTENT_TYPE
from chassis.runtime import ServiceDefinition
from chassis.settings import ServiceSettings
from payments.app import definition as payments_definition

BEARER_AUTH = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class DemoSettings(ServiceSettings):
    service_name = "demo"


class ItemSchema(ma.Schema):
    name = ma.fields.String(required=True)


def demo_blueprints() -> list:
    blueprint = Blueprint("demo_items", __name__, url_prefix="/api/v1/demo/items", description="Demo items.")

    @blueprint.route("")
    class Items(MethodView):
        @blueprint.arguments(ItemSchema)
        @blueprint.response(201, ItemSchema)
        @blueprint.doc(security=[{"bearerAuth": []}])
        def post(self, item):
            """Create an item."""
            return item

    @blueprint.route("/<item_id>")
    class Item(MethodView):
        @blueprint.response(200, ItemSchema)
        def get(self, item_id):
            """Read an item."""
            return {"name": item_id}

    return [blueprint]


@pytest.fixture(scope="module")
def demo_client():
    definition = ServiceDefinition(name="demo", title="Demo", version="2.3.0", settings_cls=DemoSettings,
                                   package="chassis", blueprints=demo_blueprints, description="A demo service.",
                                   uses_database=False, uses_broker=False)
    return build_app(definition, DemoSettings(log_json=False)).test_client()


@pytest.fixture
def demo_spec(demo_client):
    return demo_client.get("/api/v1/demo/openapi.json").get_json()


@pytest.fixture
def payments_client(service_app):
    return service_app(payments_definition()).test_client()


def test_openapi_document_is_served_as_json_under_the_service_prefix(demo_client):
    response = demo_client.get("/api/v1/demo/openapi.json")

    assert (response.status_code, response.mimetype, response.get_json()["openapi"]) == (200, "application/json", "3.0.3")


def test_openapi_document_describes_the_service(demo_spec):
    assert demo_spec["info"] == {"title": "Demo", "version": "2.3.0", "description": "A demo service."}


def test_openapi_document_lists_exactly_the_service_paths(demo_spec):
    assert set(demo_spec["paths"]) == {"/api/v1/demo/items", "/api/v1/demo/items/{item_id}"}


def test_openapi_document_declares_the_bearer_security_scheme(demo_spec):
    assert demo_spec["components"]["securitySchemes"] == {"bearerAuth": BEARER_AUTH}


def test_protected_operation_requires_the_bearer_scheme(demo_spec):
    assert demo_spec["paths"]["/api/v1/demo/items"]["post"]["security"] == [{"bearerAuth": []}]


def test_documented_error_responses_are_problem_json(demo_spec):
    error = demo_spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]

    assert error["content"] == {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_documented_success_responses_stay_plain_json(demo_spec):
    created = demo_spec["paths"]["/api/v1/demo/items"]["post"]["responses"]["201"]

    assert list(created["content"]) == ["application/json"]


def test_swagger_ui_page_is_served_under_the_service_prefix(demo_client):
    response = demo_client.get("/api/v1/demo/docs")

    assert (response.status_code, response.mimetype, "/api/v1/demo/openapi.json" in response.get_data(as_text=True)) == (
        200, "text/html", True)


def test_payments_openapi_document_holds_its_audit_and_settings_resources(payments_client):
    spec = payments_client.get("/api/v1/payments/openapi.json").get_json()

    assert {"/api/v1/payments/audit", "/api/v1/payments/settings"} - set(spec["paths"]) == set()


def test_payments_openapi_document_declares_the_bearer_security_scheme(payments_client):
    spec = payments_client.get("/api/v1/payments/openapi.json").get_json()

    assert spec["components"]["securitySchemes"] == {"bearerAuth": BEARER_AUTH}


def test_payments_docs_page_is_served(payments_client):
    response = payments_client.get("/api/v1/payments/docs")

    assert (response.status_code, response.mimetype) == (200, "text/html")
