"""Placing an order: the use case behind ``POST /api/v1/orders``.

The caller asks catalog for quotes first (``orders.catalog_client``), outside any transaction;
``place_order`` then checks and prices the cart, stores the order, its vendor orders, the line
snapshots and the first timeline entry, and writes ``order.placed`` to the outbox, all in one commit.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orders.domain.money import PricedLine, order_totals, split_by_vendor, vendor_order_totals
from orders.domain.placement import OfferQuote, RequestedLine, check_request, price_order, raise_for_problems
from orders.domain.states import OrderStatus, VendorOrderStatus
from orders.models import Order, OrderLine, TimelineEntry, VendorOrder
from orders.models.base import new_id, now

PENDING_ORDER, PENDING_VENDOR_ORDER = OrderStatus.PENDING.value, VendorOrderStatus.PENDING.value


@dataclass(frozen=True)
class PlacedOrder:
    """What a placement stored, so the answer is built without reading it back."""

    order: Order
    vendor_orders: list[VendorOrder]
    lines: list[OrderLine]
    timeline: list[TimelineEntry]


@dataclass(frozen=True)
class PlaceOrder:
    """The customer's cart and addresses; prices are never part of it."""

    lines: Sequence[RequestedLine]
    shipping_address: Mapping[str, Any]
    billing_address: Mapping[str, Any] | None = None
    expected_total_minor: int | None = None


def place_order(uow, customer_id: str, request: PlaceOrder, quotes: Mapping[str, OfferQuote],
                *, actor: Mapping[str, Any] | None = None) -> PlacedOrder:
    """Store a ``pending`` order split into one vendor order per vendor and emit ``order.placed``.

    Refuses with one 422 (:class:`PlacementRefused`) naming every offending request line.
    Commits nothing: the caller commits ``uow``.
    """
    merged, problems = check_request(request.lines)
    raise_for_problems(problems)
    lines, problems = price_order(merged, quotes, request.expected_total_minor)
    raise_for_problems(problems)
    moment, actor = now(), actor or {"kind": "user", "id": customer_id, "roles": ["customer"]}
    groups = split_by_vendor(lines)
    totals = order_totals(vendor_order_totals(group) for group in groups.values())
    order = Order(id=new_id(), customer_id=customer_id, status=PENDING_ORDER, currency=lines[0].currency,
                  items_total_minor=totals.items_minor, shipping_minor=totals.shipping_minor,
                  total_minor=totals.total_minor, shipping_address=dict(request.shipping_address),
                  billing_address=dict(request.billing_address) if request.billing_address else None,
                  created_at=moment, updated_at=moment)
    # Ids are ours, but the mappers have no relationships to order the inserts by: one flush per parent
    # table (the order, then all its vendor orders in one INSERT), the lines go with the commit.
    uow.session.add(order)
    uow.session.flush()
    vendor_orders = {vendor_id: _vendor_order(order, vendor_id, group, moment) for vendor_id, group in groups.items()}
    uow.session.add_all(vendor_orders.values())
    uow.session.flush()
    positions = {line.offer_id: position for position, line in enumerate(lines)}  # merged: one line per offer
    lines_by_vendor = {vendor_id: _order_lines(vendor_orders[vendor_id], group, positions)
                       for vendor_id, group in groups.items()}
    all_lines = [line for rows in lines_by_vendor.values() for line in rows]
    entry = TimelineEntry(order_id=order.id, at=moment, actor=dict(actor), from_status=None, to_status=PENDING_ORDER,
                          reason=None)
    uow.session.add_all([*all_lines, entry])
    uow.publish("order.placed", _placed_data(order, [_vendor_order_data(vendor_orders[vendor_id], rows)
                                                     for vendor_id, rows in lines_by_vendor.items()]), subject=order.id)
    return PlacedOrder(order, list(vendor_orders.values()), sorted(all_lines, key=lambda line: line.position), [entry])


def _vendor_order(order: Order, vendor_id: str, group: list[PricedLine], moment) -> VendorOrder:
    totals = vendor_order_totals(group)
    return VendorOrder(id=new_id(), order_id=order.id, vendor_id=vendor_id, customer_id=order.customer_id,
                       status=PENDING_VENDOR_ORDER, currency=order.currency, items_total_minor=totals.items_minor,
                       shipping_minor=totals.shipping_minor, total_minor=totals.total_minor, refunded_minor=0,
                       status_changed_at=moment, created_at=moment, updated_at=moment)


def _order_lines(vendor_order: VendorOrder, group: list[PricedLine], positions: Mapping[str, int]) -> list[OrderLine]:
    return [OrderLine(id=new_id(), order_id=vendor_order.order_id, vendor_order_id=vendor_order.id,
                      position=positions[line.offer_id],
                      offer_id=line.offer_id, product_id=line.product_id, category_id=line.category_id,
                      vendor_id=line.vendor_id, title=line.title, unit_price_minor=line.unit_price_minor,
                      shipping_minor=line.shipping_minor, quantity=line.quantity, currency=line.currency,
                      shipped_quantity=0, returned_quantity=0)
            for line in group]


def _vendor_order_data(vendor_order: VendorOrder, rows: list[OrderLine]) -> dict:
    """One vendor order's part of ``order.placed``."""
    return {"vendor_order_id": vendor_order.id, "vendor_id": vendor_order.vendor_id,
            "items_total_minor": vendor_order.items_total_minor, "shipping_minor": vendor_order.shipping_minor,
            "total_minor": vendor_order.total_minor, "lines": [_line_data(row) for row in rows]}


def _line_data(line: OrderLine) -> dict:
    return {"line_id": line.id, "offer_id": line.offer_id, "product_id": line.product_id,
            "category_id": line.category_id, "vendor_id": line.vendor_id, "quantity": line.quantity,
            "unit_price_minor": line.unit_price_minor, "title": line.title}


def _placed_data(order: Order, vendor_orders: list[dict]) -> dict:
    return {"order_id": order.id, "customer_id": order.customer_id, "currency": order.currency,
            "total_minor": order.total_minor, "placed_at": order.created_at.isoformat(),
            "vendor_orders": vendor_orders}
