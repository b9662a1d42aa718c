"""The AsyncAPI 3.0.0 document of the marketplace events, built from the registry."""

from __future__ import annotations

from importlib import metadata
from typing import Any

import yaml

from contracts.asyncapi.schemas import ENVELOPE, component_ref, component_schemas
from contracts.producers import EVERY_SERVICE
from contracts.registry import EventType, event_types
from contracts.subscriptions import (
    EXCHANGE, SERVICES, consumers_of, dead_letter_queue_name, queue_name,
)

AMQP_BINDING_VERSION = "0.3.0"
CONTENT_TYPE = "application/cloudevents+json"

DESCRIPTION = f"""\
Every event is published to the durable topic exchange `{EXCHANGE}` with the event type as
routing key. Each consuming service has a durable queue named after it, bound with the exact
event types it consumes, and a dead-letter queue `<service>.dead`.

A message body is a CloudEvents 1.0 structured-mode JSON envelope (specversion, id, source,
type, time, subject, datacontenttype, data) plus `correlationid`; `data` follows the schema
of the event type. Consumers must tolerate unknown properties, duplicates and events that
arrive out of order.

Embedded mode (the default for `make run` and tests) uses kombu's SQLAlchemy transport on a
SQLite file instead of RabbitMQ, with the same exchange, queues and routing keys.
"""


def build_document() -> dict[str, Any]:
    """The whole AsyncAPI document as plain data, in a stable order."""
    types = list(event_types().values())
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Marketplace events", "version": _version(), "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": {"production": {
            "host": "rabbitmq:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "RabbitMQ. Embedded mode replaces it with kombu on SQLite."}},
        "channels": {t.name: _channel(t) for t in types},
        "operations": {op_id: op for t in types for op_id, op in _operations(t)},
        "components": {"messages": {t.name: _message(t) for t in types},
                       "schemas": component_schemas()},
    }


def render_yaml() -> str:
    """The document as YAML; the same registry always renders the same text."""
    return yaml.dump(build_document(), Dumper=_BlockTextDumper, sort_keys=False,
                     allow_unicode=True, width=100)


def _channel(event_type: EventType) -> dict[str, Any]:
    return {
        "address": event_type.name,
        "description": f"Routing key `{event_type.name}` on the topic exchange `{EXCHANGE}`.",
        "messages": {event_type.name: {"$ref": f"#/components/messages/{event_type.name}"}},
        "bindings": {"amqp": {
            "is": "routingKey",
            "exchange": {"name": EXCHANGE, "type": "topic", "durable": True,
                         "autoDelete": False, "vhost": "/"},
            "bindingVersion": AMQP_BINDING_VERSION}},
    }


def _message(event_type: EventType) -> dict[str, Any]:
    return {
        "name": event_type.name,
        "title": event_type.name,
        "summary": event_type.description,
        "description": (f"A CloudEvents 1.0 JSON envelope with `type` = `{event_type.name}`; "
                        f"its `data` follows `#/components/schemas/{event_type.name}`."),
        "contentType": CONTENT_TYPE,
        "correlationId": {"location": "$message.payload#/correlationid"},
        "payload": {"allOf": [component_ref(ENVELOPE), {"properties": {
            "type": {"const": event_type.name}, "data": component_ref(event_type.name)}}]},
        "x-producer": event_type.producer,
    }


def _operations(event_type: EventType):
    channel = {"$ref": f"#/channels/{event_type.name}"}
    messages = [{"$ref": f"#/channels/{event_type.name}/messages/{event_type.name}"}]
    for producer in _producers(event_type):
        yield f"{producer}.send.{event_type.name}", {
            "action": "send", "channel": channel, "messages": messages, "x-producer": producer,
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION}}}
    for consumer in consumers_of(event_type.name):
        yield f"{consumer}.receive.{event_type.name}", {
            "action": "receive", "channel": channel, "messages": messages,
            "description": (f"Consumed from the durable queue `{queue_name(consumer)}`; "
                            f"failures end in `{dead_letter_queue_name(consumer)}`."),
            "x-consumer": consumer,
            "bindings": {"amqp": {"ack": True, "bindingVersion": AMQP_BINDING_VERSION}}}


def _producers(event_type: EventType) -> tuple[str, ...]:
    return SERVICES if event_type.producer == EVERY_SERVICE else (event_type.producer,)


def _version() -> str:
    return metadata.version("marketplace-contracts")


class _BlockTextDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` blocks so the descriptions stay readable."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_BlockTextDumper.add_representer(str, _represent_text)
