"""Every error of a chassis app is RFC 9457 problem+json with a stable type, and leaks nothing."""
from __future__ import annotations

import json
import logging

import marshmallow as ma
import pytest
from flask import request
from flask_smorest import abort

from chassis.app import MAX_BODY_BYTES, build_app
from chassis.blueprint import Blueprint
from chassis.errors import PROBLEM_CONTENT_TYPE, TYPE_PREFIX, Problem
from chassis.logs import JsonFormatter
from chassis.runtime import ServiceDefinition
from chassis.settings import ServiceSettings

SECRET_FAILURE = "ledger row 7 exploded with password=hunter2"


class DemoSettings(ServiceSettings):
    service_name = "demo"


class ItemSchema(ma.Schema):
    name = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1))


def demo_blueprints() -> list:
    blueprint = Blueprint("demo_errors", __name__, url_prefix="/api/v1/demo")

    @blueprint.route("/crash")
    def crash():
        raise RuntimeError(SECRET_FAILURE)

    @blueprint.route("/items", methods=["POST"])
    @blueprint.arguments(ItemSchema)
    @blueprint.response(201, ItemSchema)
    def create_item(item):
        return item

    @blueprint.route("/uploads", methods=["POST"])
    def upload():
        return {"size": len(request.get_data())}

    @blueprint.route("/orders/<order_id>/ship", methods=["POST"])
    def ship(order_id):
        raise Problem(409, "illegal-transition", f"order {order_id} is cancelled", current_status="cancelled")

    @blueprint.route("/busy")
    def busy():
        abort(409, message="someone else is editing this")

    return [blueprint]


@pytest.fixture(scope="module")
def client():
    definition = ServiceDefinition(name="demo", title="Demo", version="1.0.0", settings_cls=DemoSettings,
                                   package="chassis", blueprints=demo_blueprints, uses_database=False,
                                   uses_broker=False)
    app = build_app(definition, DemoSettings(log_json=False))
    return app.test_client()


@pytest.fixture
def json_log(caplog):
    """The log lines of the test as parsed JSON objects, formatted while the request runs."""
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter("demo"))
    return lambda: [json.loads(line) for line in caplog.text.splitlines()]


def test_unexpected_exception_answers_a_bare_500_problem_with_the_request_id(client):
    response = client.get("/api/v1/demo/crash", headers={"X-Request-ID": "req-crash-1"})

    assert (response.status_code, response.content_type, response.get_json()) == (500, PROBLEM_CONTENT_TYPE, {
        "type": "urn:marketplace:problem:internal-error", "title": "Internal Server Error", "status": 500,
        "instance": "/api/v1/demo/crash", "request_id": "req-crash-1"})


def test_unexpected_exception_text_never_reaches_the_client(client):
    body = client.get("/api/v1/demo/crash").get_data(as_text=True)

    assert [leak for leak in ("ledger", "hunter2", "Traceback", "RuntimeError") if leak in body] == []


def test_unexpected_exception_is_logged_with_its_traceback_and_request_id(client, json_log):
    client.get("/api/v1/demo/crash", headers={"X-Request-ID": "req-crash-2"})

    [entry] = [line for line in json_log() if line["logger"] == "chassis.errors"]
    assert (entry["level"], entry["request_id"], entry["exception"].startswith("Traceback"),
            entry["exception"].splitlines()[-1]) == ("error", "req-crash-2", True, f"RuntimeError: {SECRET_FAILURE}")


def test_invalid_body_answers_422_with_messages_per_field(client):
    response = client.post("/api/v1/demo/items", json={"quantity": 0})

    assert (response.status_code, response.content_type, response.get_json()) == (422, PROBLEM_CONTENT_TYPE, {
        "type": "urn:marketplace:problem:validation-failed", "title": "Unprocessable Entity", "status": 422,
        "detail": "The request did not validate; see 'errors'.", "instance": "/api/v1/demo/items",
        "request_id": response.headers["X-Request-ID"],
        "errors": {"name": ["Missing data for required field."],
                   "quantity": ["Must be greater than or equal to 1."]}})


def test_valid_body_reaches_the_view(client):
    response = client.post("/api/v1/demo/items", json={"name": "mug", "quantity": 2})

    assert (response.status_code, response.get_json()) == (201, {"name": "mug", "quantity": 2})


def test_wrong_method_answers_405_problem_with_the_allowed_methods(client):
    response = client.get("/api/v1/demo/items")

    assert (response.status_code, response.content_type, response.get_json()["type"],
            set(response.headers["Allow"].split(", "))) == (
        405, PROBLEM_CONTENT_TYPE, "urn:marketplace:problem:method-not-allowed", {"POST", "OPTIONS"})


def test_body_larger_than_the_limit_answers_413_problem(client):
    response = client.post("/api/v1/demo/uploads", data=b"x" * (MAX_BODY_BYTES + 1),
                           content_type="application/octet-stream")

    assert (response.status_code, response.content_type, response.get_json()["type"]) == (
        413, PROBLEM_CONTENT_TYPE, "urn:marketplace:problem:payload-too-large")


def test_body_within_the_limit_is_read(client):
    response = client.post("/api/v1/demo/uploads", data=b"x" * 1024, content_type="application/octet-stream")

    assert (response.status_code, response.get_json()) == (200, {"size": 1024})


def test_unknown_path_answers_404_problem(client):
    response = client.get("/api/v1/demo/nowhere")

    assert (response.status_code, response.content_type, response.get_json()["type"]) == (
        404, PROBLEM_CONTENT_TYPE, "urn:marketplace:problem:not-found")


def test_problem_raised_by_a_view_keeps_its_type_detail_and_extensions(client):
    response = client.post("/api/v1/demo/orders/ord-9/ship", headers={"X-Request-ID": "req-ship"})

    assert (response.status_code, response.content_type, response.get_json()) == (409, PROBLEM_CONTENT_TYPE, {
        "type": "urn:marketplace:problem:illegal-transition", "title": "Conflict", "status": 409,
        "detail": "order ord-9 is cancelled", "instance": "/api/v1/demo/orders/ord-9/ship",
        "request_id": "req-ship", "current_status": "cancelled"})


def test_flask_smorest_abort_message_becomes_the_detail(client):
    response = client.get("/api/v1/demo/busy", headers={"X-Request-ID": "req-busy"})

    assert (response.status_code, response.content_type, response.get_json()) == (409, PROBLEM_CONTENT_TYPE, {
        "type": "urn:marketplace:problem:conflict", "title": "Conflict", "status": 409,
        "detail": "someone else is editing this", "instance": "/api/v1/demo/busy", "request_id": "req-busy"})


@pytest.mark.parametrize("method, path, kwargs", [
    ("get", "/api/v1/demo/crash", {}),
    ("post", "/api/v1/demo/items", {"json": {}}),
    ("get", "/api/v1/demo/items", {}),
    ("get", "/api/v1/demo/nowhere", {}),
    ("post", "/api/v1/demo/orders/1/ship", {}),
])
def test_every_error_type_is_a_marketplace_problem_urn(client, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)

    assert (response.content_type, response.get_json()["type"].startswith(TYPE_PREFIX)) == (PROBLEM_CONTENT_TYPE, True)
