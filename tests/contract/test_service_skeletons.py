"""Every service comes out of the same skeleton and honours the same contracts."""
from __future__ import annotations

import importlib

import pytest
from openapi_spec_validator import validate
from sqlalchemy import MetaData
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from contracts.subscriptions import subscriptions

SERVICES = ("identity", "catalog", "orders", "payments", "analytics")
OPERATOR = {"roles": ["operator", "admin"]}


def definition_of(name: str):
    return importlib.import_module(f"{name}.app").definition()


@pytest.fixture(params=SERVICES + ("gateway",))
def app(request, service_app):
    return service_app(definition_of(request.param))


def test_probes_answer(app):
    client = app.test_client()
    assert client.get("/livez").json == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_openapi_document_and_docs_are_served_under_the_service_prefix(app):
    name = app.extensions["chassis.runtime"].name
    client = app.test_client()
    spec = client.get(f"/api/v1/{name}/openapi.json").json
    assert spec["openapi"].startswith("3.")
    validate(spec)  # valid OpenAPI: the gateway merges these documents and clients generate code from them
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert client.get(f"/api/v1/{name}/docs").status_code == 200
    assert client.get(f"/api/v1/{name}/redoc").status_code == 200


@pytest.mark.parametrize("name", SERVICES)
def test_migrations_create_exactly_the_models(name, service_app):
    app = service_app(definition_of(name))
    runtime = app.extensions["chassis.runtime"]
    models = MetaData()
    for metadata in runtime.definition.all_metadata():
        for table in metadata.tables.values():
            table.to_metadata(models)
    with runtime.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, models) == []


@pytest.mark.parametrize("name", SERVICES)
def test_a_service_handles_exactly_the_events_it_subscribes_to(name):
    # A subscribed type without a handler would be dead-lettered ("unhandled") on every delivery.
    handled = set(definition_of(name).event_handlers())
    assert handled == set(subscriptions(name))


@pytest.mark.parametrize("name", SERVICES)
def test_operators_read_each_services_settings_and_others_cannot(name, service_app, bearer):
    client = service_app(definition_of(name)).test_client()
    url = f"/api/v1/{name}/settings"
    assert client.get(url, headers=bearer(**OPERATOR)).status_code == 200
    assert client.get(url, headers=bearer(roles=["vendor"], vendor_id="v1")).status_code == 403
    assert client.get(url).status_code == 401
