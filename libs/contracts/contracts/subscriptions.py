"""The subscription map: which service consumes which event types, and the topology names.

Binding keys are exact event types, never wildcards, so adding an event type never
starts delivering it to a service that did not ask for it.
"""

EXCHANGE = "marketplace"

SERVICES = ("identity", "catalog", "orders", "payments", "analytics")

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "identity": (),
    "catalog": (
        "order.placed",  # reserve stock for every line
        "order.cancelled",  # release the order's reservations
        "order.rejected",
        "vendor_order.refused",  # release that vendor's reservations
        "vendor_order.cancelled",
        "vendor_order.shipped",  # reserved units become sold
        "return.received",  # restock returned lines when asked to
        "vendor.suspended",  # stop selling the vendor's offers
        "vendor.reinstated",
    ),
    "orders": (
        "stock.reserved",
        "stock.rejected",
        "payment.authorized",
        "payment.failed",
        "payment.captured",
        "payment.capture_failed",
        "payment.refunded",
        "refund.failed",
    ),
    "payments": (
        "order.placed",  # remember amounts and vendor split before the customer pays
        "order.awaiting_payment",
        "order.cancelled",  # void what was authorized and not captured
        "order.rejected",  # an authorization that came before the rejection is voided
        "order.completed",
        "vendor_order.accepted",  # capture that vendor's part
        "vendor_order.refused",  # void that vendor's part
        "vendor_order.cancelled",
        "vendor_order.completed",  # credit the vendor, net of commission
        "refund.requested",
    ),
    "analytics": (
        "order.placed",  # orders, lines and customers, at their placement time
        "order.cancelled",
        "vendor_order.refused",
        "vendor_order.cancelled",
        "payment.captured",  # GMV, units and commission, at capture time
        "payment.refunded",
        "return.requested",
        "return.received",
        "product.approved",  # which vendor sells which product (vendors' product traffic)
        "offer.updated",
    ),
}


def subscriptions(service: str) -> tuple[str, ...]:
    """The event types `service` consumes (its queue's binding keys)."""
    try:
        return SUBSCRIPTIONS[service]
    except KeyError:
        raise KeyError(f"unknown service {service!r}; known: {', '.join(SERVICES)}") from None


def consumers_of(event_type: str) -> tuple[str, ...]:
    """The services that consume `event_type`, in SERVICES order."""
    return tuple(service for service in SERVICES if event_type in SUBSCRIPTIONS[service])


def queue_name(service: str) -> str:
    """The durable queue a service consumes from."""
    return service


def dead_letter_queue_name(service: str) -> str:
    """Where a service's queue sends events that keep failing."""
    return f"{service}.dead"
