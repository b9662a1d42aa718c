"""The subscription map is consistent with the registry."""

import pytest

from contracts import SERVICES, consumers_of, event_types, get, subscriptions
from contracts.subscriptions import SUBSCRIPTIONS


def test_every_service_has_an_entry_and_nothing_else_does():
    assert set(SUBSCRIPTIONS) == set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_every_subscribed_type_is_a_registered_event_type(service):
    assert set(subscriptions(service)) <= set(event_types())


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_subscribes_to_its_own_events(service):
    own = [t for t in subscriptions(service) if get(t).producer in (service, "*")]
    assert own == []


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_subscribes_twice_to_a_type(service):
    assert len(subscriptions(service)) == len(set(subscriptions(service)))


def test_consumers_of_lists_services_in_a_stable_order():
    assert consumers_of("order.placed") == ("catalog", "payments", "analytics")
    assert consumers_of("stock.low") == ()


def test_unknown_service_is_refused_by_name():
    with pytest.raises(KeyError, match="unknown service 'billing'"):
        subscriptions("billing")
