"""The schema files themselves: valid, complete, and consistent with each other."""

from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from contracts import event_types, get
from contracts.asyncapi.schemas import component_schemas

EVENT_TYPES = sorted(event_types())


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_schema_is_a_valid_2020_12_schema(event_type):
    Draft202012Validator.check_schema(get(event_type).schema)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_required_field_is_described(event_type):
    schema = get(event_type).schema
    assert set(schema["required"]) <= set(schema["properties"])


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_schemas_tolerate_additional_properties(event_type):
    assert get(event_type).schema.get("additionalProperties", True) is True


def test_every_schema_file_belongs_to_a_registered_event_type():
    schema_dir = resources.files("contracts") / "schemas"
    file_names = {entry.name.removesuffix(".json") for entry in schema_dir.iterdir()
                  if entry.name.endswith(".json")}
    assert file_names == set(EVENT_TYPES)


def test_defs_with_the_same_name_are_identical_across_schema_files():
    component_schemas()  # raises ValueError naming the file whose $defs drift


def test_money_is_integer_minor_units_everywhere():
    money = component_schemas()["minor_amount"]
    assert money["type"] == "integer" and money["minimum"] == 0
    assert component_schemas()["currency"]["pattern"] == "^[A-Z]{3}$"
