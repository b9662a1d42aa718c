"""The registry: lookup, producers, and nothing heavy at import time."""

import subprocess
import sys

import pytest

from contracts import EventType, UnknownEventType, event_types, get
from contracts.producers import PRODUCERS


def test_get_returns_the_event_type_with_its_producer_and_meaning():
    event_type = get("stock.reserved")
    assert (event_type.name, event_type.producer) == ("stock.reserved", "catalog")
    assert event_type.description
    assert event_type.schema["title"] == "stock.reserved data"


def test_get_unknown_event_type_raises():
    with pytest.raises(UnknownEventType):
        get("nope.happened")


def test_settings_changed_is_produced_by_every_service():
    assert get("settings.changed").producer == "*"


def test_every_event_type_has_exactly_one_producer_entry():
    names = [name for described in PRODUCERS.values() for name in described]
    assert len(names) == len(set(names)) == len(event_types())


def test_event_types_are_frozen():
    with pytest.raises(AttributeError):
        get("order.placed").name = "order.renamed"
    assert all(isinstance(t, EventType) for t in event_types().values())


def test_importing_contracts_loads_no_schema_library():
    probe = "import sys, contracts; contracts.get('order.placed'); print('jsonschema' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
