"""JSON Schemas as AsyncAPI components: the CloudEvents envelope and every event's data.

Each schema file keeps its reusable parts in its own `$defs`; here they are hoisted into
`components/schemas` so AsyncAPI tools resolve every `$ref` inside the one document.
"""

from __future__ import annotations

import copy
from typing import Any

from contracts.registry import event_types

ENVELOPE = "cloudevent"
_LOCAL_REF = "#/$defs/"
_COMPONENT_REF = "#/components/schemas/"


def component_schemas() -> dict[str, Any]:
    """The envelope, every event's data schema, then the shared definitions."""
    data_schemas: dict[str, Any] = {}
    shared: dict[str, Any] = {}
    for event_type in event_types().values():
        schema = _as_component(event_type.schema)
        for name, definition in schema.pop("$defs", {}).items():
            _add_shared(shared, name, definition, event_type.name)
        data_schemas[event_type.name] = schema
    return {ENVELOPE: envelope_schema(), **data_schemas, **dict(sorted(shared.items()))}


def component_ref(name: str) -> dict[str, str]:
    """A `$ref` to a schema in `components/schemas`."""
    return {"$ref": _COMPONENT_REF + name}


def envelope_schema() -> dict[str, Any]:
    """The CloudEvents 1.0 structured-mode envelope every message body is."""
    return {
        "type": "object",
        "description": "CloudEvents 1.0 envelope (structured mode, JSON) plus `correlationid`.",
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype",
                     "correlationid", "data"],
        "properties": {
            "specversion": {"const": "1.0"},
            "id": {"type": "string", "minLength": 1,
                   "description": "Unique per event; consumers skip ids already in their inbox."},
            "source": {"type": "string", "format": "uri-reference",
                       "description": "The producing service, e.g. `orders`."},
            "type": {"type": "string", "description": "The event type, also the routing key."},
            "time": {"type": "string", "format": "date-time",
                     "description": "When the fact happened (RFC 3339)."},
            "subject": {"type": "string",
                        "description": "Id of the thing the event is about, e.g. the order id."},
            "datacontenttype": {"const": "application/json"},
            "correlationid": {"type": "string", "minLength": 1,
                              "description": "Request/correlation id carried across services."},
            "data": {"type": "object", "description": "Follows the schema of the event type."},
        },
    }


def _as_component(schema: dict[str, Any]) -> dict[str, Any]:
    # $id would re-base relative refs and $schema is implied by the document's schema format.
    component = {k: v for k, v in copy.deepcopy(schema).items() if k not in ("$schema", "$id")}
    return _rewrite_refs(component)


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _rewritten(key, value) for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _rewritten(key: str, value: Any) -> Any:
    if key == "$ref" and isinstance(value, str) and value.startswith(_LOCAL_REF):
        return _COMPONENT_REF + value[len(_LOCAL_REF):]
    return _rewrite_refs(value)


def _add_shared(shared: dict[str, Any], name: str, definition: Any, event_type: str) -> None:
    if name in shared and shared[name] != definition:
        raise ValueError(f"$defs/{name} in {event_type} differs from the same definition elsewhere")
    shared[name] = definition
