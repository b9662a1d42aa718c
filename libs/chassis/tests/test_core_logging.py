"""Request ids, the JSON access log, and secret masking in JSON log lines."""
from __future__ import annotations

import io
import json
import logging
import uuid

import pytest

from chassis import context
from chassis.app import build_app
from chassis.blueprint import Blueprint
from chassis.logs import MASK, JsonFormatter
from chassis.runtime import ServiceDefinition
from chassis.settings import ServiceSettings


class DemoSettings(ServiceSettings):
    service_name = "demo"


def demo_blueprints() -> list:
    blueprint = Blueprint("demo_logging", __name__, url_prefix="/api/v1/demo")

    @blueprint.route("/things/<thing_id>")
    def thing(thing_id):
        return {"id": thing_id, "request_id": context.request_id(), "correlation_id": context.correlation_id()}

    return [blueprint]


@pytest.fixture(scope="module")
def client():
    definition = ServiceDefinition(name="demo", title="Demo", version="1.0.0", settings_cls=DemoSettings,
                                   package="chassis", blueprints=demo_blueprints, uses_database=False,
                                   uses_broker=False)
    return build_app(definition, DemoSettings(log_json=False)).test_client()


@pytest.fixture
def json_log(caplog):
    """The log lines of the test as parsed JSON objects, formatted while the request runs."""
    caplog.set_level(logging.INFO)
    caplog.handler.setFormatter(JsonFormatter("demo"))
    return lambda: [json.loads(line) for line in caplog.text.splitlines()]


def is_uuid4(value: str) -> bool:
    try:
        return str(uuid.UUID(value, version=4)) == value
    except ValueError:
        return False


def test_valid_incoming_request_id_is_echoed(client):
    response = client.get("/api/v1/demo/things/1", headers={"X-Request-ID": "edge-7f3a:42"})

    assert response.headers["X-Request-ID"] == "edge-7f3a:42"


def test_request_without_an_id_gets_a_fresh_uuid(client):
    response = client.get("/api/v1/demo/things/1")

    assert is_uuid4(response.headers["X-Request-ID"]) is True


@pytest.mark.parametrize("unsafe_id", ["has spaces", "x" * 300, "<script>", "a\tb", ""])
def test_unsafe_incoming_request_id_is_replaced_by_a_fresh_uuid(client, unsafe_id):
    response = client.get("/api/v1/demo/things/1", headers={"X-Request-ID": unsafe_id})

    assert is_uuid4(response.headers["X-Request-ID"]) is True


@pytest.mark.parametrize("unsafe_id", ["req-1\n", "req-1\r\nSet-Cookie: a=b", "x" * 129, None])
def test_unsafe_id_is_refused_before_it_reaches_a_header_or_log(unsafe_id):
    assert context.valid_id(unsafe_id) is None


def test_id_of_up_to_128_safe_characters_is_accepted():
    assert context.valid_id("A-z_0.9:" + "x" * 120) == "A-z_0.9:" + "x" * 120


def test_request_id_is_bound_while_the_view_runs(client):
    response = client.get("/api/v1/demo/things/1", headers={"X-Request-ID": "req-bound"})

    assert response.get_json() == {"id": "1", "request_id": "req-bound", "correlation_id": "req-bound"}


def test_incoming_correlation_id_is_kept_beside_the_request_id(client):
    response = client.get("/api/v1/demo/things/1", headers={"X-Request-ID": "req-1", "X-Correlation-ID": "flow-9"})

    assert response.get_json() == {"id": "1", "request_id": "req-1", "correlation_id": "flow-9"}


def test_unsafe_correlation_id_falls_back_to_the_request_id(client):
    response = client.get("/api/v1/demo/things/1", headers={"X-Request-ID": "req-2", "X-Correlation-ID": "a b"})

    assert response.get_json() == {"id": "1", "request_id": "req-2", "correlation_id": "req-2"}


def test_request_restores_the_context_it_found(client):
    with context.bound(request_id="outer", correlation_id="outer-flow", principal="outer-caller"):
        client.get("/api/v1/demo/things/1", headers={"X-Request-ID": "req-gone"})

        assert (context.request_id(), context.correlation_id(), context.principal()) == (
            "outer", "outer-flow", "outer-caller")


def test_access_log_line_describes_the_request_as_json(client, json_log):
    client.get("/api/v1/demo/things/42", headers={"X-Request-ID": "req-access"})

    [entry] = [line for line in json_log() if line["logger"] == "chassis.access"]
    assert {key: value for key, value in entry.items() if key not in {"ts", "duration_ms"}} == {
        "level": "info", "service": "demo", "logger": "chassis.access", "message": "GET /api/v1/demo/things/42 200",
        "request_id": "req-access", "correlation_id": "req-access", "method": "GET",
        "path": "/api/v1/demo/things/42", "route": "/api/v1/demo/things/<thing_id>", "status": 200}


def test_access_log_line_carries_the_duration_in_milliseconds(client, json_log):
    client.get("/api/v1/demo/things/42")

    [entry] = [line for line in json_log() if line["logger"] == "chassis.access"]
    assert type(entry["duration_ms"]) is float and entry["duration_ms"] >= 0


def test_probes_are_not_access_logged_at_info_level(client, json_log):
    client.get("/livez")

    assert [line for line in json_log() if line["logger"] == "chassis.access"] == []


def format_record(**extra) -> dict:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("demo"))
    logger = logging.getLogger("test_core_logging.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login attempt", extra=extra)
    finally:
        logger.removeHandler(handler)
    return json.loads(stream.getvalue())


SECRETS = {"password": "hunter2", "client_secret": "cs-1234", "authorization": "Bearer eyJabc",
           "token": "tok-5678", "refresh_token": "rt-9", "session_cookie": "c00kie", "otp": "123456"}


def test_secret_looking_extra_keys_are_masked():
    entry = format_record(user="alice", **SECRETS)

    assert {key: entry[key] for key in ["user", *SECRETS]} == {"user": "alice", **{key: MASK for key in SECRETS}}


def test_secret_values_never_appear_in_the_log_line():
    line = json.dumps(format_record(**SECRETS))

    assert [value for value in SECRETS.values() if value in line] == []


def test_secrets_nested_in_an_extra_value_are_masked():
    entry = format_record(form={"email": "a@example.com", "password": "hunter2", "tokens": ["t1"]})

    assert entry["form"] == {"email": "a@example.com", "password": MASK, "tokens": MASK}


def test_log_line_names_the_service_level_logger_and_message():
    entry = format_record()

    assert {key: entry[key] for key in ("level", "service", "logger", "message")} == {
        "level": "warning", "service": "demo", "logger": "test_core_logging.masking", "message": "login attempt"}


def test_log_line_carries_the_bound_request_and_correlation_ids():
    with context.bound(request_id="req-log", correlation_id="flow-log"):
        entry = format_record()

    assert (entry["request_id"], entry["correlation_id"]) == ("req-log", "flow-log")


def test_new_ids_are_canonical_random_uuid4s():
    ids = [context.new_id() for _ in range(2000)]

    assert all(is_uuid4(value) and uuid.UUID(value).variant == uuid.RFC_4122 for value in ids)
    assert len(set(ids)) == len(ids)


@pytest.fixture
def json_stream(monkeypatch):
    """The chassis JSON handler, writing to a string buffer for the test."""
    from chassis import logs
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("demo"))
    monkeypatch.setattr(logs, "_json_handler", handler)
    return stream


def test_json_access_lines_escape_whatever_the_path_holds(json_stream):
    from chassis.access_log import log_access
    path = '/api/v1/x/"quoted"\\back\tslash/\u00e9t\u00e9/\x00'
    with context.bound(request_id="req-9", correlation_id='flow "9"'):
        log_access(logging.getLogger("chassis.access"), logging.INFO, "GET", path, "/api/v1/x/<rest>", 404, 1.5)

    [line] = json_stream.getvalue().splitlines()
    entry = json.loads(line)
    del entry["ts"]
    assert entry == {"level": "info", "service": "demo", "logger": "chassis.access", "message": f"GET {path} 404",
                     "request_id": "req-9", "correlation_id": 'flow "9"', "method": "GET", "path": path,
                     "route": "/api/v1/x/<rest>", "status": 404, "duration_ms": 1.5}
