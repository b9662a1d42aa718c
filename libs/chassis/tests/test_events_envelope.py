"""CloudEvents envelope: what goes out comes back identical; what cannot be read says why."""
from __future__ import annotations

import pytest

from chassis.events.envelope import CloudEvent, MalformedEvent


def valid_body(**changes) -> dict:
    body = {"specversion": "1.0", "id": "evt-1", "source": "/marketplace/orders", "type": "order.placed",
            "time": "2024-05-01T12:00:00.000000+00:00", "data": {"order_id": "o-1"}}
    body.update(changes)
    return body


def test_envelope_round_trips_through_a_dict():
    event = CloudEvent.new("orders", "order.placed", {"order_id": "o-1", "total_minor": 1250},
                           subject="o-1", correlation_id="corr-1")

    assert CloudEvent.from_dict(event.to_dict()) == event


def test_envelope_dict_carries_the_cloudevents_attributes_and_drops_unset_ones():
    event = CloudEvent(id="evt-1", source="/marketplace/orders", type="order.placed",
                       time="2024-05-01T12:00:00.000000+00:00", data={"order_id": "o-1"})

    assert event.to_dict() == {"specversion": "1.0", "id": "evt-1", "source": "/marketplace/orders",
                               "type": "order.placed", "time": "2024-05-01T12:00:00.000000+00:00",
                               "data": {"order_id": "o-1"}, "datacontenttype": "application/json"}


def test_unknown_attributes_are_kept_as_extensions_and_written_back():
    body = valid_body(traceparent="00-abc-def-01")

    event = CloudEvent.from_dict(body)

    assert event.extensions == {"traceparent": "00-abc-def-01"}
    assert event.to_dict()["traceparent"] == "00-abc-def-01"


def test_new_event_names_its_source_service():
    event = CloudEvent.new("payments", "payment.captured", {"payment_id": "p-1"})

    assert (event.source, event.type, event.specversion) == ("/marketplace/payments", "payment.captured", "1.0")
    assert event.occurred_at.tzinfo is not None


@pytest.mark.parametrize("body", [[], "order.placed", 42, None], ids=["list", "string", "number", "null"])
def test_an_envelope_that_is_not_an_object_is_malformed(body):
    with pytest.raises(MalformedEvent, match="not a JSON object"):
        CloudEvent.from_dict(body)


@pytest.mark.parametrize("attribute", ["specversion", "id", "source", "type", "time", "data"])
def test_an_envelope_missing_a_required_attribute_is_malformed(attribute):
    body = valid_body()
    del body[attribute]

    with pytest.raises(MalformedEvent, match=f"lacks {attribute}"):
        CloudEvent.from_dict(body)


def test_an_envelope_of_another_specversion_is_malformed():
    with pytest.raises(MalformedEvent, match="specversion '0.3'"):
        CloudEvent.from_dict(valid_body(specversion="0.3"))


@pytest.mark.parametrize("data", [["o-1"], "o-1", None])
def test_an_envelope_whose_data_is_not_an_object_is_malformed(data):
    with pytest.raises(MalformedEvent, match="data is not a JSON object"):
        CloudEvent.from_dict(valid_body(data=data))


@pytest.mark.parametrize("attribute", ["id", "source", "type", "time"])
def test_an_envelope_with_an_empty_string_attribute_is_malformed(attribute):
    with pytest.raises(MalformedEvent, match=f"{attribute} must be a non-empty string"):
        CloudEvent.from_dict(valid_body(**{attribute: ""}))
