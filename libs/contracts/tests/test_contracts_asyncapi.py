"""The generated AsyncAPI document: current in docs/, complete, and self-consistent."""

from pathlib import Path

import pytest
import yaml

from contracts import consumers_of, event_types
from contracts.asyncapi import build_document, main, render_yaml

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"


@pytest.fixture(scope="module")
def document():
    return build_document()


def test_committed_document_is_current():
    assert COMMITTED.exists() and COMMITTED.read_text() == render_yaml(), (
        "docs/asyncapi.yaml is out of date: run `python -m contracts.asyncapi` from the repo root")


def test_rendering_is_deterministic_and_round_trips(document):
    assert render_yaml() == render_yaml()
    assert yaml.safe_load(render_yaml()) == document


def test_document_is_asyncapi_3(document):
    assert document["asyncapi"] == "3.0.0"
    assert document["servers"]["production"]["host"] == "rabbitmq:5672"


def test_there_is_one_channel_per_event_type_addressed_by_routing_key(document):
    assert {name: c["address"] for name, c in document["channels"].items()} == {
        name: name for name in event_types()}
    exchange = document["channels"]["order.placed"]["bindings"]["amqp"]["exchange"]
    assert (exchange["name"], exchange["type"], exchange["durable"]) == ("marketplace", "topic", True)


def test_every_consumer_has_a_receive_operation(document):
    receive = {op_id for op_id, op in document["operations"].items() if op["action"] == "receive"}
    expected = {f"{s}.receive.{t}" for t in event_types() for s in consumers_of(t)}
    assert receive == expected


def test_every_producer_has_a_send_operation(document):
    operations = document["operations"]
    assert operations["orders.send.order.placed"]["action"] == "send"
    assert "payments.send.settings.changed" in operations


def test_every_ref_resolves_inside_the_document(document):
    for ref in _refs(document):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]


def test_check_mode_fails_on_a_stale_file_and_write_mode_fixes_it(tmp_path, capsys):
    target = tmp_path / "asyncapi.yaml"
    target.write_text("asyncapi: 2.6.0\n")
    assert main([str(target), "--check"]) == 1
    assert "run `python -m contracts.asyncapi" in capsys.readouterr().err
    assert main([str(target)]) == 0
    assert main([str(target), "--check"]) == 0


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)
