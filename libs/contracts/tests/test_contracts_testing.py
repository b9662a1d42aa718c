"""The helpers services use in their own tests."""

import pytest

from contracts.testing import PublishedEvents, assert_valid_event


def test_assert_valid_event_accepts_valid_data(example_data):
    assert_valid_event("stock.reserved", example_data("stock.reserved"))


def test_assert_valid_event_fails_with_the_path(example_data):
    data = example_data("stock.reserved") | {"order_id": 42}
    with pytest.raises(AssertionError, match=r"stock\.reserved.* at \$\.order_id"):
        assert_valid_event("stock.reserved", data)


def test_assert_valid_event_fails_on_an_unknown_type():
    with pytest.raises(AssertionError, match="unknown event type 'stock.teleported'"):
        assert_valid_event("stock.teleported", {})


def test_published_events_filters_by_type(example_data):
    published = PublishedEvents()
    placed = published.record("order.placed", example_data("order.placed"), id="evt-1")
    published.record("stock.low", example_data("stock.low"))
    assert published.types() == ["order.placed", "stock.low"]
    assert published.of_type("order.placed") == [placed]
    assert published.data_of("stock.low") == [example_data("stock.low")]
    assert placed["id"] == "evt-1"


def test_record_refuses_an_invalid_event():
    with pytest.raises(AssertionError, match="stock.low"):
        PublishedEvents().record("stock.low", {"offer_id": "off-1"})


def test_assert_all_valid_checks_events_appended_by_a_fake_publisher():
    published = PublishedEvents([{"type": "payout.paid", "data": {"payout_id": "p-1"}}])
    with pytest.raises(AssertionError, match=r"payout\.paid"):
        published.assert_all_valid()
