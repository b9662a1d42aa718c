"""validate(): examples pass, broken data fails with a message naming the JSON path."""

import pytest

from contracts import InvalidEvent, UnknownEventType, event_types, validate

EVENT_TYPES = sorted(event_types())


def test_every_event_type_has_an_example(example_types):
    assert example_types == set(EVENT_TYPES)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_example_data_is_valid(event_type, example_data):
    validate(event_type, example_data(event_type))


def test_missing_required_field_names_the_field(example_data):
    data = example_data("payment.captured")
    del data["vendor_order_id"]
    with pytest.raises(InvalidEvent, match=r"payment\.captured.* at \$: 'vendor_order_id'"):
        validate("payment.captured", data)


def test_lowercase_currency_is_refused(example_data):
    data = example_data("order.placed") | {"currency": "eur"}
    with pytest.raises(InvalidEvent, match=r"order\.placed.* at \$\.currency"):
        validate("order.placed", data)


def test_negative_amount_is_refused(example_data):
    data = example_data("vendor.credited") | {"commission_minor": -1}
    with pytest.raises(InvalidEvent, match=r"at \$\.commission_minor: -1 is less than"):
        validate("vendor.credited", data)


def test_float_amount_is_refused(example_data):
    data = example_data("payment.authorized") | {"amount_minor": 29.9}
    with pytest.raises(InvalidEvent, match=r"at \$\.amount_minor: 29\.9 is not of type 'integer'"):
        validate("payment.authorized", data)


def test_nested_error_names_the_full_path(example_data):
    data = example_data("order.placed")
    data["vendor_orders"][0]["lines"][0]["quantity"] = 0
    with pytest.raises(InvalidEvent) as caught:
        validate("order.placed", data)
    assert caught.value.path == "$.vendor_orders[0].lines[0].quantity"
    assert caught.value.event_type == "order.placed"


def test_timestamps_must_be_rfc3339(example_data):
    data = example_data("order.placed") | {"placed_at": "2025-03-02 14:05"}
    with pytest.raises(InvalidEvent, match=r"at \$\.placed_at: .* is not a 'date-time'"):
        validate("order.placed", data)


def test_refund_for_a_return_needs_the_return_id(example_data):
    data = example_data("refund.requested") | {"return_id": None}
    with pytest.raises(InvalidEvent, match=r"at \$\.return_id"):
        validate("refund.requested", data)


def test_unknown_properties_are_tolerated(example_data):
    validate("stock.low", example_data("stock.low") | {"warehouse": "lyon-2"})


def test_unknown_event_type_is_a_key_error_naming_it():
    with pytest.raises(UnknownEventType, match="unknown event type 'order.teleported'"):
        validate("order.teleported", {})
    assert issubclass(UnknownEventType, KeyError)
    assert issubclass(InvalidEvent, ValueError)
