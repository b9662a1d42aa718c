"""Catalog's event consumer: every subscription handled, duplicates and late events tolerated."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from contracts.subscriptions import SUBSCRIPTIONS
from catalog.events import handlers_by_type, set_vendor_state
from catalog.models import Offer, Product, VendorState


def _vendor_order_event(order: dict, vendor_order_id: str, **extra) -> dict:
    vendor_order = next(vo for vo in order["vendor_orders"] if vo["vendor_order_id"] == vendor_order_id)
    return {"order_id": order["order_id"], "vendor_order_id": vendor_order_id, "vendor_id": vendor_order["vendor_id"],
            "customer_id": "cus-1", "currency": "EUR", "total_minor": 0, "reason": "out of stock", **extra}


def _cancelled(order: dict) -> dict:
    return {"order_id": order["order_id"], "customer_id": "cus-1", "currency": "EUR", "total_minor": 0,
            "reason": "payment timeout"}


def _listed(world, offer_id: str) -> bool:
    with world.runtime.uow() as uow:
        return uow.session.get(Product, uow.session.get(Offer, offer_id).product_id).listed


def test_catalog_handles_exactly_its_subscriptions():
    assert sorted(handlers_by_type()) == sorted(SUBSCRIPTIONS["catalog"])


def test_order_placed_twice_under_two_event_ids_reserves_once(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3))

    assert stock_world.deliver("order.placed", order, event_id="evt-1") == "handled"
    assert stock_world.deliver("order.placed", order, event_id="evt-1") == "duplicate"  # the inbox
    assert stock_world.deliver("order.placed", order, event_id="evt-2") == "handled"  # the order's own record

    assert stock_world.stock(teapot) == (7, 3)
    assert [kind for kind, _ in stock_world.outbox("stock.reserved", "stock.rejected")] == ["stock.reserved"]


def test_order_cancelled_and_rejected_release_the_whole_order_once(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-b", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 2), ("vo-b", "ven-b", cups, 2))
    stock_world.deliver("order.placed", order)

    stock_world.deliver("order.cancelled", _cancelled(order))
    stock_world.deliver("order.rejected", {"order_id": order["order_id"], "customer_id": "cus-1", "reason": "late"})

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((10, 0), (10, 0))
    [(_, released)] = stock_world.outbox("stock.released")
    assert (released["reason"], released["vendor_order_id"], len(released["lines"])) == ("order_cancelled", None, 2)


def test_vendor_order_refused_or_cancelled_releases_only_that_vendor_order(stock_world):
    teapot, cups, mugs = (stock_world.offer(vendor, 10) for vendor in ("ven-a", "ven-b", "ven-c"))
    order = stock_world.order(("vo-a", "ven-a", teapot, 1), ("vo-b", "ven-b", cups, 2), ("vo-c", "ven-c", mugs, 3))
    stock_world.deliver("order.placed", order)

    stock_world.deliver("vendor_order.refused", _vendor_order_event(order, "vo-b"))
    stock_world.deliver("vendor_order.cancelled", _vendor_order_event(order, "vo-c"))

    assert [stock_world.stock(offer) for offer in (teapot, cups, mugs)] == [(9, 1), (10, 0), (10, 0)]
    assert [(data["vendor_order_id"], data["reason"]) for _, data in stock_world.outbox("stock.released")] == [
        ("vo-b", "vendor_order_refused"), ("vo-c", "vendor_order_cancelled")]


def test_shipped_vendor_order_is_sold_and_returned_units_restocked_once(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3))
    stock_world.deliver("order.placed", order)
    stock_world.deliver("vendor_order.shipped", _vendor_order_event(order, "vo-a", carrier="DHL",
                                                                    tracking_number="JD0001"))
    assert stock_world.stock(teapot) == (7, 0)

    received = {"return_id": "ret-1", "order_id": order["order_id"], "vendor_order_id": "vo-a", "vendor_id": "ven-a",
                "customer_id": "cus-1", "lines": [{"line_id": "l1", "offer_id": teapot, "quantity": 2,
                                                   "restock": True}]}
    stock_world.deliver("return.received", received)
    stock_world.deliver("return.received", received)  # re-emitted under another event id

    assert stock_world.stock(teapot) == (9, 0)


def _parcel(order: dict, shipment_id: str, *lines: tuple[str, int], partial: bool = True) -> dict:
    return _vendor_order_event(order, "vo-a", carrier="DHL", tracking_number=f"JD-{shipment_id}",
                               shipment_id=shipment_id, partial=partial,
                               lines=[{"line_id": f"l-{n}", "offer_id": offer_id, "quantity": quantity}
                                      for n, (offer_id, quantity) in enumerate(lines)])


def test_each_parcel_sells_its_units_and_a_later_cancel_releases_only_the_rest(stock_world):
    teapot, cups = stock_world.offer("ven-a", 10), stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 4), ("vo-a", "ven-a", cups, 2))
    stock_world.deliver("order.placed", order)

    stock_world.deliver("vendor_order.shipped", _parcel(order, "shp-1", (teapot, 1), (teapot, 1)))
    stock_world.deliver("vendor_order.shipped", _parcel(order, "shp-2", (cups, 1)))
    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((6, 2), (8, 1))

    stock_world.deliver("vendor_order.cancelled", _vendor_order_event(order, "vo-a"))

    assert (stock_world.stock(teapot), stock_world.stock(cups)) == ((8, 0), (9, 0))
    [(_, released)] = stock_world.outbox("stock.released")
    assert sorted((line["offer_id"], line["quantity"]) for line in released["lines"]) == sorted([(teapot, 2),
                                                                                                 (cups, 1)])


def test_returned_units_of_a_partly_shipped_vendor_order_are_restocked_beside_its_reservation(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 4))
    stock_world.deliver("order.placed", order)
    stock_world.deliver("vendor_order.shipped", _parcel(order, "shp-1", (teapot, 3)))

    stock_world.deliver("return.received", {
        "return_id": "ret-1", "order_id": order["order_id"], "vendor_order_id": "vo-a", "vendor_id": "ven-a",
        "customer_id": "cus-1", "lines": [{"line_id": "l-0", "offer_id": teapot, "quantity": 2, "restock": True}]})
    assert stock_world.stock(teapot) == (8, 1)  # 6 on sale + 2 back; the unshipped unit still held

    stock_world.deliver("vendor_order.shipped", _parcel(order, "shp-2", (teapot, 1), partial=False))
    assert stock_world.stock(teapot) == (8, 0)


def test_order_cancelled_before_it_was_seen_placed_reserves_nothing_later(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    order = stock_world.order(("vo-a", "ven-a", teapot, 3))

    stock_world.deliver("order.cancelled", _cancelled(order))
    stock_world.deliver("order.placed", order)

    assert stock_world.stock(teapot) == (10, 0)
    assert stock_world.reservations(order["order_id"]) == []
    # orders already holds the order cancelled: no stock.reserved / stock.rejected to contradict it.
    assert stock_world.outbox("stock.reserved", "stock.rejected", "stock.released") == []


def test_suspended_vendor_is_refused_and_unlisted_until_reinstated(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    suspension = {"vendor_id": "ven-a", "reason": "counterfeit", "actor": {"kind": "user", "id": "op-1"}}
    assert _listed(stock_world, teapot)
    stock_world.deliver("vendor.suspended", suspension)
    assert not _listed(stock_world, teapot)

    refused = stock_world.order(("vo-a", "ven-a", teapot, 1))
    stock_world.deliver("order.placed", refused)
    [(_, rejected)] = stock_world.outbox("stock.rejected")
    assert rejected["lines"] == [{"offer_id": teapot, "vendor_order_id": "vo-a", "vendor_id": "ven-a", "quantity": 1,
                                  "available_quantity": 10, "reason": "vendor_suspended"}]

    stock_world.deliver("vendor.reinstated", {"vendor_id": "ven-a", "actor": {"kind": "user", "id": "op-1"}})
    assert _listed(stock_world, teapot)
    stock_world.deliver("order.placed", stock_world.order(("vo-a", "ven-a", teapot, 1)))
    assert stock_world.stock(teapot) == (9, 1)


def test_an_older_vendor_state_arriving_late_is_ignored(stock_world):
    teapot = stock_world.offer("ven-a", 10)
    suspended_at = datetime(2026, 1, 2, tzinfo=timezone.utc)
    assert _listed(stock_world, teapot)

    assert set_vendor_state(stock_world.runtime.uow(), "ven-a", suspended=True, as_of=suspended_at)
    assert not set_vendor_state(stock_world.runtime.uow(), "ven-a", suspended=False,
                                as_of=suspended_at - timedelta(seconds=1))

    with stock_world.runtime.uow() as uow:
        assert uow.session.get(VendorState, "ven-a").suspended is True
    assert not _listed(stock_world, teapot)
