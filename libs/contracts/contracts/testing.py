"""Test helpers for services: check that what they publish follows the contracts.

Plain assertions, no pytest import, so any test runner shows the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contracts.registry import InvalidEvent, UnknownEventType, validate


def assert_valid_event(event_type: str, data: Mapping[str, Any]) -> None:
    """Fail the test unless `event_type` is registered and `data` follows its schema."""
    __tracebackhide__ = True  # point pytest at the caller, not at this helper
    try:
        validate(event_type, data)
    except (UnknownEventType, InvalidEvent) as error:
        raise AssertionError(str(error)) from None


class PublishedEvents(list):
    """Events a fake publisher recorded, in publish order.

    Items are CloudEvents envelopes: mappings (or objects) with at least `type` and `data`.
    """

    def record(self, event_type: str, data: Mapping[str, Any], **attributes: Any) -> dict:
        """Check the event against its contract, then append its envelope and return it."""
        __tracebackhide__ = True
        assert_valid_event(event_type, data)
        envelope = {**attributes, "type": event_type, "data": dict(data)}
        self.append(envelope)
        return envelope

    def of_type(self, event_type: str) -> list:
        """The recorded envelopes of one event type, in publish order."""
        return [event for event in self if _attribute(event, "type") == event_type]

    def data_of(self, event_type: str) -> list[dict[str, Any]]:
        """The `data` payloads of one event type, in publish order."""
        return [_attribute(event, "data") for event in self.of_type(event_type)]

    def types(self) -> list[str]:
        """The event type of every recorded event, in publish order."""
        return [_attribute(event, "type") for event in self]

    def assert_all_valid(self) -> None:
        """Fail the test if any recorded event breaks its contract."""
        __tracebackhide__ = True
        for event in self:
            assert_valid_event(_attribute(event, "type"), _attribute(event, "data"))


def _attribute(event: Any, name: str) -> Any:
    # Accept plain dict envelopes and envelope objects alike, whatever the publisher stores.
    return event[name] if isinstance(event, Mapping) else getattr(event, name)
