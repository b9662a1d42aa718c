"""/livez, /readyz and /metrics, and the multiprocess metrics directory."""
from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chassis.app import build_app
from chassis.blueprint import Blueprint
from chassis.errors import PROBLEM_CONTENT_TYPE
from chassis.metrics import prepare_multiprocess_dir
from chassis.runtime import ServiceDefinition
from chassis.settings import ServiceSettings
from payments.app import definition as payments_definition

UNREACHABLE_DATABASE_URL = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"


class DemoSettings(ServiceSettings):
    service_name = "demo"


def demo_blueprints() -> list:
    blueprint = Blueprint("demo_health", __name__, url_prefix="/api/v1/demo")

    @blueprint.route("/things/<thing_id>")
    def thing(thing_id):
        return {"id": thing_id}

    return [blueprint]


DEMO = ServiceDefinition(name="demo", title="Demo", version="1.0.0", settings_cls=DemoSettings, package="chassis",
                         blueprints=demo_blueprints, uses_database=False, uses_broker=False)


@pytest.fixture(scope="module")
def client():
    return build_app(DEMO, DemoSettings(log_json=False)).test_client()


@pytest.fixture
def database_down_client():
    """Payments (without its broker) pointed at a database nobody listens for."""
    definition = dataclasses.replace(payments_definition(), uses_broker=False)
    app = build_app(definition, definition.settings_cls(log_json=False,
                                                        database_url=UNREACHABLE_DATABASE_URL))
    yield app.test_client()
    app.extensions["chassis.runtime"].dispose()


@pytest.fixture(autouse=True)
def single_process_metrics(monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)


def test_livez_answers_ok(client):
    response = client.get("/livez")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_livez_answers_ok_while_the_database_is_down(database_down_client):
    response = database_down_client.get("/livez")

    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_readyz_reports_the_database_and_broker_checks(service_app):
    response = service_app(payments_definition()).test_client().get("/readyz")

    assert (response.status_code, response.get_json()) == (
        200, {"status": "ready", "checks": {"database": "ok", "broker": "ok"}})


def test_readyz_of_a_service_without_dependencies_is_ready(client):
    response = client.get("/readyz")

    assert (response.status_code, response.get_json()) == (200, {"status": "ready", "checks": {}})


def test_readyz_answers_503_problem_naming_the_unreachable_database(database_down_client):
    response = database_down_client.get("/readyz", headers={"X-Request-ID": "probe-1"})

    assert (response.status_code, response.content_type, response.get_json()) == (503, PROBLEM_CONTENT_TYPE, {
        "type": "urn:marketplace:problem:not-ready", "title": "Service Unavailable", "status": 503,
        "detail": "a dependency is unavailable", "instance": "/readyz", "request_id": "probe-1",
        "checks": {"database": "failed: OperationalError"}})


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """Every sample of ``/metrics`` by name and labels."""
    text = client.get("/metrics").get_data(as_text=True)
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def sample(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_count_requests_by_route_template(client):
    labels = {"method": "GET", "route": "/api/v1/demo/things/<thing_id>", "status": "200"}
    before = sample(scrape(client), "http_requests_total", **labels)

    client.get("/api/v1/demo/things/7")
    client.get("/api/v1/demo/things/8")

    assert sample(scrape(client), "http_requests_total", **labels) - before == 2.0


def test_metrics_never_label_a_route_with_a_concrete_path(client):
    client.get("/api/v1/demo/things/7")

    assert [labels for name, labels in scrape(client) if ("route", "/api/v1/demo/things/7") in labels] == []


def test_metrics_count_unmatched_paths_under_one_label(client):
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = sample(scrape(client), "http_requests_total", **labels)

    client.get("/no/such/page")
    client.get("/wp-login.php")

    assert sample(scrape(client), "http_requests_total", **labels) - before == 2.0


def test_metrics_record_the_latency_of_each_route(client):
    labels = {"method": "GET", "route": "/api/v1/demo/things/<thing_id>"}
    before = sample(scrape(client), "http_request_duration_seconds_count", **labels)

    client.get("/api/v1/demo/things/7")

    assert sample(scrape(client), "http_request_duration_seconds_count", **labels) - before == 1.0


def test_metrics_are_served_in_the_prometheus_text_format(client):
    response = client.get("/metrics")

    assert (response.status_code, response.mimetype) == (200, "text/plain")


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_prepare_multiprocess_dir_creates_the_directory(tmp_path):
    prepare_multiprocess_dir(tmp_path / "metrics" / "web")

    assert (tmp_path / "metrics" / "web").is_dir()


def test_prepare_multiprocess_dir_removes_files_of_dead_processes_and_keeps_live_ones(tmp_path, dead_pid):
    live = os.getpid()
    for name in (f"counter_{dead_pid}.db", f"histogram_{dead_pid}.db", f"gauge_livemax_{dead_pid}.db",
                 f"counter_{live}.db", f"gauge_livemax_{live}.db"):
        (tmp_path / name).write_bytes(b"")

    prepare_multiprocess_dir(tmp_path)

    assert sorted(path.name for path in tmp_path.iterdir()) == [f"counter_{live}.db", f"gauge_livemax_{live}.db"]


def test_prepare_multiprocess_dir_keeps_files_without_a_pid(tmp_path):
    for name in ("README", "counter.db", "notes_v2.txt"):
        (tmp_path / name).write_bytes(b"")

    prepare_multiprocess_dir(tmp_path)

    assert sorted(path.name for path in tmp_path.iterdir()) == ["README", "counter.db", "notes_v2.txt"]
