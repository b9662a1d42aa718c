"""The marketplace published language: event types, their schemas, and who consumes what.

Importing this package loads no schema; schemas and validators are built on first use.
"""

from contracts.registry import (
    EventType, InvalidEvent, UnknownEventType, event_types, get, load_schema, validate,
)
from contracts.subscriptions import SERVICES, consumers_of, subscriptions

__all__ = [
    "SERVICES", "EventType", "InvalidEvent", "UnknownEventType", "consumers_of",
    "event_types", "get", "load_schema", "subscriptions", "validate",
]
