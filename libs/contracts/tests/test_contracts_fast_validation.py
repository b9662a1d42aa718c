"""The fast check never accepts what jsonschema (2020-12, authoritative) refuses."""
from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest
from jsonschema import Draft202012Validator

from contracts import event_types
from contracts.registry import _accepts, _format_checker, load_schema

EVENT_TYPES = sorted(event_types())
# Keywords whose meaning draft-07 (compiled by fastjsonschema) and 2020-12 share.
SHARED_KEYWORDS = {"$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties", "required",
                   "additionalProperties", "items", "minItems", "maxItems", "enum", "const", "minimum", "maximum",
                   "minLength", "maxLength", "pattern", "format", "anyOf", "oneOf", "allOf", "not", "if", "then",
                   "else", "minProperties", "maxProperties", "uniqueItems", "examples"}
WRONG_VALUES = (None, True, 0, -1, 1.5, "", "x" * 300, "2025-13-45T99:00:00Z", [], {})


def keywords(node: Any, under_properties: bool = False) -> Iterator[str]:
    """Every keyword used in a schema (property names and $defs names are not keywords)."""
    if isinstance(node, list):
        for item in node:
            yield from keywords(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if not under_properties:
                yield key
            yield from keywords(value, under_properties=not under_properties and key in ("properties", "$defs"))


def mutations(data: Any) -> Iterator[Any]:
    """The data with, in turn, each value replaced by each wrong value, and each object key removed."""
    if isinstance(data, dict):
        for key in data:
            for wrong in (*WRONG_VALUES, *mutations(data[key])):
                yield {**data, key: wrong}
            yield {k: v for k, v in data.items() if k != key}
    elif isinstance(data, list):
        for index, item in enumerate(data):
            for wrong in (*WRONG_VALUES, *mutations(item)):
                yield data[:index] + [wrong] + data[index + 1:]


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_schemas_use_only_keywords_both_drafts_share(event_type):
    assert set(keywords(load_schema(event_type))) <= SHARED_KEYWORDS


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_fast_check_agrees_with_jsonschema_on_mutated_examples(event_type, example_data):
    authoritative = Draft202012Validator(load_schema(event_type), format_checker=_format_checker())
    example = example_data(event_type)
    assert _accepts(event_type, example)
    checked = refused = 0
    for mutated in mutations(copy.deepcopy(example)):
        if _accepts(event_type, mutated):
            assert authoritative.is_valid(mutated), json.dumps(mutated)[:300]
        else:
            refused += 1
        checked += 1
    assert refused > 0 and checked > refused  # the mutations exercise both answers
