"""Event types of the published language: lookup, schemas and validation.

Schemas and compiled validators are loaded on first use and cached, so importing
`contracts` stays cheap for every process that merely names an event type.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from contracts.producers import PRODUCERS


class UnknownEventType(KeyError):
    """The name is not an event type of the published language."""

    def __str__(self) -> str:  # KeyError would repr() the message, quotes and all
        return str(self.args[0]) if self.args else ""


class InvalidEvent(ValueError):
    """Event data does not follow its event type's schema."""

    def __init__(self, event_type: str, path: str, message: str) -> None:
        super().__init__(f"invalid {event_type} event data at {path}: {message}")
        self.event_type = event_type
        self.path = path


@dataclass(frozen=True)
class EventType:
    """One event type: its name (= routing key), producing service and meaning."""

    name: str
    producer: str
    description: str

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON Schema (draft 2020-12) of the event's `data`, loaded on first use."""
        return load_schema(self.name)


@functools.cache
def event_types() -> dict[str, EventType]:
    """Every event type by name, in the order of the producers table."""
    return {
        name: EventType(name, producer, description)
        for producer, described in PRODUCERS.items()
        for name, description in described.items()
    }


def get(name: str) -> EventType:
    """The event type called `name`; raises UnknownEventType if there is none."""
    try:
        return event_types()[name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {name!r}") from None


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """Read `schemas/<name>.json` from the package."""
    schema_file = resources.files("contracts") / "schemas" / f"{name}.json"
    return json.loads(schema_file.read_text(encoding="utf-8"))


def validate(event_type: str, data: Any) -> None:
    """Check `data` against the schema of `event_type`.

    Raises UnknownEventType for an unknown type and InvalidEvent, naming the JSON path
    of the most relevant error, when the data does not follow the schema.
    """
    from jsonschema.exceptions import best_match

    name = get(event_type).name
    if _accepts(name, data):
        return
    validator = _validator(name)
    error = best_match(validator.iter_errors(data))
    if error is not None:
        raise InvalidEvent(event_type, error.json_path, error.message)


def _accepts(name: str, data: Any) -> bool:
    """The fast check: schemas compiled to Python by fastjsonschema, about 50x quicker than jsonschema.

    Every event published goes through here. It only ever *accepts*: data it
    refuses goes to jsonschema, which decides and names the error. The schemas use
    only keywords that mean the same in draft-07 (what fastjsonschema compiles) and
    2020-12 (the tests check both validators agree on every example and mutation).
    """
    from fastjsonschema import JsonSchemaException

    try:
        _compiled(name)(data)
    except JsonSchemaException:
        return False
    return True


@functools.cache
def _compiled(name: str):
    import fastjsonschema

    # A deep copy: compiling annotates the schema, and load_schema's copy is shared.
    draft07 = {**copy.deepcopy(load_schema(name)), "$schema": "http://json-schema.org/draft-07/schema#"}
    return fastjsonschema.compile(draft07, formats={"date-time": _is_rfc3339})


@functools.cache
def _validator(name: str):
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(name), format_checker=_format_checker())


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@functools.cache
def _format_checker():
    from jsonschema import FormatChecker

    checker = FormatChecker()
    # jsonschema only checks date-time when an optional package is installed; the
    # contract must not depend on what happens to be installed, so check it here.
    checker.checks("date-time")(_is_rfc3339)
    return checker


def _is_rfc3339(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "type" reports non-strings; formats only judge strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
