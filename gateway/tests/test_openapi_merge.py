"""The merge of the services' OpenAPI documents, on the real documents and on small crafted ones."""
from __future__ import annotations

import copy
import importlib
import logging

import pytest
from openapi_spec_validator import validate

from gateway.openapi_merge import merge_specs

ISSUER = "https://gateway.example"
SERVICES_WITH_SPEC = ("identity", "catalog", "orders", "payments", "analytics")


@pytest.fixture(scope="module")
def real_specs(tmp_path_factory) -> dict[str, dict]:
    """Each service's own document, as its app builds it (no HTTP)."""
    specs = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MARKETPLACE_VAR_DIR", str(tmp_path_factory.mktemp("var")))
        for service in SERVICES_WITH_SPEC:
            app = importlib.import_module(f"{service}.app").create_app()
            specs[service] = app.extensions["chassis.api"].spec.to_dict()
            app.extensions["chassis.runtime"].dispose()
    return specs


def service_spec(title: str, paths: dict, schemas: dict | None = None, tags: list | None = None, **components) -> dict:
    return {"openapi": "3.0.3", "info": {"title": title, "version": "1.0.0", "description": f"{title} service"},
            "paths": paths, "tags": tags or [], "components": {"schemas": schemas or {}, **components}}


def get_returning(ref: str, tags: list[str] | None = None) -> dict:
    operation = {"responses": {"200": {"description": "OK",
                                       "content": {"application/json": {"schema": {"$ref": ref}}}}}}
    if tags is not None:
        operation["tags"] = tags
    return {"get": operation}


PROBLEM = {"type": "object", "properties": {"title": {"type": "string"}}}
CATALOG_PROBLEM = {"type": "object", "properties": {"code": {"type": "integer"}}}


def test_real_service_documents_merge_into_a_valid_openapi_document(real_specs):
    merged = merge_specs(real_specs, issuer=ISSUER)

    validate(merged)
    assert merged["openapi"] == "3.0.3"
    assert merged["info"]["title"] == "Marketplace back office API"
    assert merged["servers"] == [{"url": "/"}]


def test_every_documented_path_of_every_real_service_is_in_the_merged_document(real_specs):
    merged = merge_specs(real_specs, issuer=ISSUER)

    for service, spec in real_specs.items():
        for path, item in spec["paths"].items():
            if item:  # operations left out of the docs leave an empty path item behind
                assert path in merged["paths"], (service, path)


def test_chassis_components_identical_in_every_real_service_are_kept_once(real_specs):
    merged = merge_specs(real_specs, issuer=ISSUER)

    schemas = merged["components"]["schemas"]
    assert schemas["Problem"] == real_specs["identity"]["components"]["schemas"]["Problem"]
    assert not [name for name in schemas if name.endswith("Problem") and name != "Problem"]


def test_a_different_schema_under_a_taken_name_is_renamed_after_its_service():
    specs = {"identity": service_spec("Identity", {"/oauth/token": get_returning("#/components/schemas/Problem")},
                                      {"Problem": PROBLEM}),
             "catalog": service_spec("Catalog", {"/api/v1/products": get_returning("#/components/schemas/Problem")},
                                     {"Problem": CATALOG_PROBLEM})}

    merged = merge_specs(specs, issuer=ISSUER)

    assert merged["components"]["schemas"] == {"Problem": PROBLEM, "CatalogProblem": CATALOG_PROBLEM}
    assert _response_ref(merged, "/oauth/token") == "#/components/schemas/Problem"
    assert _response_ref(merged, "/api/v1/products") == "#/components/schemas/CatalogProblem"
    validate(merged)


def test_renaming_a_schema_also_renames_the_components_that_refer_to_it():
    error_response = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    product = {"type": "object", "properties": {"error": {"$ref": "#/components/schemas/Problem"}}}
    paths = {"/api/v1/products": {"get": {"responses": {"default": {"$ref": "#/components/responses/ERROR"}}}}}
    specs = {"identity": service_spec("Identity", {}, {"Problem": PROBLEM}, responses={"ERROR": error_response}),
             "catalog": service_spec("Catalog", paths, {"Problem": CATALOG_PROBLEM, "Product": product},
                                     responses={"ERROR": copy.deepcopy(error_response)})}

    merged = merge_specs(specs, issuer=ISSUER)

    components = merged["components"]
    assert components["schemas"]["Product"]["properties"]["error"] == {"$ref": "#/components/schemas/CatalogProblem"}
    assert components["responses"]["ERROR"] == error_response
    assert components["responses"]["CatalogERROR"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/CatalogProblem"}
    assert merged["paths"]["/api/v1/products"]["get"]["responses"]["default"] == {"$ref": "#/components/responses/CatalogERROR"}
    validate(merged)


def test_a_path_documented_twice_keeps_the_first_service_and_warns(caplog):
    specs = {"identity": service_spec("Identity", {"/shared": get_returning("#/components/schemas/Problem")},
                                      {"Problem": PROBLEM}),
             "catalog": service_spec("Catalog", {"/shared": {"post": {"responses": {"204": {"description": "No"}}}}})}

    with caplog.at_level(logging.WARNING, logger="gateway.openapi"):
        merged = merge_specs(specs, issuer=ISSUER)

    assert list(merged["paths"]["/shared"]) == ["get"]
    assert any("/shared" in record.getMessage() and "catalog" in record.getMessage() for record in caplog.records)


def test_security_schemes_offer_oauth2_with_pkce_and_bearer_tokens():
    merged = merge_specs({}, issuer=ISSUER + "/")

    schemes = merged["components"]["securitySchemes"]
    assert schemes["oauth2"]["flows"] == {
        "authorizationCode": {"authorizationUrl": f"{ISSUER}/oauth/authorize", "tokenUrl": f"{ISSUER}/oauth/token",
                              "scopes": {}},
        "clientCredentials": {"tokenUrl": f"{ISSUER}/oauth/token", "scopes": {}},
    }
    assert "PKCE" in schemes["oauth2"]["description"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def test_operations_taking_a_bearer_token_also_accept_the_oauth2_scheme():
    operation = {"security": [{"bearerAuth": []}], "responses": {"204": {"description": "Done"}}}
    specs = {"catalog": service_spec("Catalog", {"/api/v1/products": {"get": operation}})}

    merged = merge_specs(specs, issuer=ISSUER)

    assert merged["paths"]["/api/v1/products"]["get"]["security"] == [{"bearerAuth": []}, {"oauth2": []}]


def test_x_services_lists_included_and_unavailable_services():
    specs = {"identity": service_spec("Identity", {}), "catalog": service_spec("Catalog", {})}

    merged = merge_specs(specs, issuer=ISSUER, unavailable=["payments", "orders"])

    assert merged["x-services"] == {
        "included": [{"name": "identity", "title": "Identity", "version": "1.0.0"},
                     {"name": "catalog", "title": "Catalog", "version": "1.0.0"}],
        "unavailable": ["orders", "payments"]}
    assert "orders, payments" in merged["info"]["description"]


def test_each_service_gets_a_tag_group_and_a_tag_taken_by_another_service_is_prefixed():
    users_tag = {"name": "users", "description": "Users"}
    specs = {"identity": service_spec("Identity", {"/api/v1/users": get_returning("#/components/schemas/P", ["users"])},
                                      {"P": PROBLEM}, tags=[users_tag]),
             "orders": service_spec("Orders", {"/api/v1/orders/users": get_returning("#/components/schemas/P", ["users"])},
                                    {"P": PROBLEM}, tags=[dict(users_tag)])}

    merged = merge_specs(specs, issuer=ISSUER)

    assert [tag["name"] for tag in merged["tags"]] == ["identity", "users", "orders", "orders_users"]
    assert merged["x-tagGroups"] == [{"name": "Identity", "tags": ["identity", "users"]},
                                     {"name": "Orders", "tags": ["orders", "orders_users"]}]
    assert merged["paths"]["/api/v1/orders/users"]["get"]["tags"] == ["orders_users"]
    validate(merged)


def test_untagged_operations_are_filed_under_their_service():
    specs = {"catalog": service_spec("Catalog", {"/api/v1/products": get_returning("#/components/schemas/P")},
                                     {"P": PROBLEM})}

    merged = merge_specs(specs, issuer=ISSUER)

    assert merged["paths"]["/api/v1/products"]["get"]["tags"] == ["catalog"]


def test_operations_marked_hide_are_left_out_so_the_document_stays_valid():
    hidden = {"hide": True, "responses": {"200": {"description": "Login page"}}}
    shown = {"responses": {"200": {"description": "Token"}}}
    specs = {"identity": service_spec("Identity", {"/login": {"get": hidden}, "/oauth/token": {"post": shown, "get": hidden}})}

    merged = merge_specs(specs, issuer=ISSUER)

    assert "/login" not in merged["paths"]
    assert list(merged["paths"]["/oauth/token"]) == ["post"]
    validate(merged)


def test_merging_leaves_the_input_documents_unchanged():
    specs = {"catalog": service_spec("Catalog", {"/api/v1/products": get_returning("#/components/schemas/P")},
                                     {"P": PROBLEM})}
    before = copy.deepcopy(specs)

    merge_specs(specs, issuer=ISSUER)

    assert specs == before


def _response_ref(merged: dict, path: str) -> str:
    return merged["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
