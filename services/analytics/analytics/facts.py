"""Use cases: each sales event becomes facts (once: every fact is unique on its natural key) and the rollup
deltas those facts imply.

Events may come in any order. A capture that arrives before its order's lines is stored; the lines are
attributed to it (at the capture's time) when they arrive. A customer's first order and an order's first
capture are decided by time (then id), so an earlier one arriving late takes the place of the later one.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from analytics.domain import buckets
from analytics.domain.metrics import LINE_SCOPES, MONEY_SCOPES, NONE, ORDER_SCOPES, PRODUCT, VENDOR
from analytics.models.sales import (SalesLine, SalesMovement, SalesOrder, SalesOutcome, SalesVendorOrder)
from analytics.rollups import OUTCOME_COUNTERS, Deltas


def _bucketed(at: datetime) -> dict:
    return {"hour": buckets.hour_start(at), "day": buckets.day_start(at)}


def order_placed(session: Session, deltas: Deltas, data: dict) -> bool:
    """Record an order, its vendor orders and lines (``order.placed``); False if it was known."""
    if session.get(SalesOrder, data["order_id"]) is not None:
        return False
    placed_at, currency = buckets.as_utc(datetime.fromisoformat(data["placed_at"])), data["currency"]
    order = SalesOrder(order_id=data["order_id"], customer_id=data["customer_id"], currency=currency,
                       placed_at=placed_at, **_bucketed(placed_at))
    session.add(order)
    deltas.add(placed_at, currency, ORDER_SCOPES, orders=1)
    _count_customer(session, deltas, order)
    for part in data["vendor_orders"]:
        vendor_order = SalesVendorOrder(
            vendor_order_id=part["vendor_order_id"], order_id=order.order_id, vendor_id=part["vendor_id"],
            currency=currency, shipping_minor=part["shipping_minor"], total_minor=part["total_minor"],
            placed_at=placed_at, **_bucketed(placed_at))
        lines = [SalesLine(vendor_order_id=vendor_order.vendor_order_id, line_id=line["line_id"],
                           order_id=order.order_id, vendor_id=vendor_order.vendor_id, product_id=line["product_id"],
                           category_id=line.get("category_id") or NONE, customer_id=order.customer_id,
                           quantity=line["quantity"], unit_price_minor=line["unit_price_minor"],
                           amount_minor=line["quantity"] * line["unit_price_minor"], currency=currency,
                           placed_at=placed_at, **_bucketed(placed_at)) for line in part["lines"]]
        session.add(vendor_order)
        session.add_all(lines)
        deltas.add(placed_at, currency, (VENDOR,), vendor_order.vendor_id, orders=1)
        for line in lines:
            deltas.add(placed_at, currency, LINE_SCOPES, line.vendor_id, line.product_id, line.category_id, orders=1)
        capture = session.get(SalesMovement, ("capture", vendor_order.vendor_order_id))
        if capture is not None:
            _attribute(deltas, capture, vendor_order, lines)
    session.flush()
    return True


def _count_customer(session: Session, deltas: Deltas, order: SalesOrder) -> None:
    """New or returning: the customer's first order (by placed_at, then id) is new; a first order that
    arrives after a later one makes that later one returning."""
    others = select(SalesOrder).where(SalesOrder.customer_id == order.customer_id,
                                      SalesOrder.order_id != order.order_id)
    if session.scalar(others.where(_before(SalesOrder.placed_at, SalesOrder.order_id, order.placed_at,
                                           order.order_id)).limit(1)) is not None:
        deltas.add(order.placed_at, order.currency, ORDER_SCOPES, returning_customers=1)
        return
    deltas.add(order.placed_at, order.currency, ORDER_SCOPES, new_customers=1)
    former = session.scalar(others.order_by(SalesOrder.placed_at, SalesOrder.order_id).limit(1))
    if former is not None:
        deltas.add(buckets.as_utc(former.placed_at), former.currency, ORDER_SCOPES, new_customers=-1,
                   returning_customers=1)


def _before(time_column, id_column, moment: datetime, identifier: str):
    return or_(time_column < moment, and_(time_column == moment, id_column < identifier))


def payment_captured(session: Session, deltas: Deltas, data: dict, at: datetime) -> bool:
    """Record a vendor order's capture (``payment.captured``, counted at ``at``); False if it was known."""
    if session.get(SalesMovement, ("capture", data["vendor_order_id"])) is not None:
        return False
    capture = SalesMovement(kind="capture", reference=data["vendor_order_id"], order_id=data["order_id"],
                            vendor_order_id=data["vendor_order_id"], vendor_id=data["vendor_id"],
                            amount_minor=data["amount_minor"], commission_minor=data.get("commission_minor", 0),
                            currency=data["currency"], occurred_at=buckets.as_utc(at), **_bucketed(at))
    _count_first_capture(session, deltas, capture)
    session.add(capture)
    deltas.add(at, capture.currency, MONEY_SCOPES, capture.vendor_id, gmv_minor=capture.amount_minor,
               commission_minor=capture.commission_minor)
    deltas.add(at, capture.currency, (VENDOR,), capture.vendor_id, captured_orders=1)
    vendor_order = session.get(SalesVendorOrder, capture.vendor_order_id)
    if vendor_order is not None:
        lines = session.scalars(select(SalesLine).where(SalesLine.vendor_order_id == vendor_order.vendor_order_id))
        _attribute(deltas, capture, vendor_order, list(lines))
    session.flush()
    return True


def _count_first_capture(session: Session, deltas: Deltas, capture: SalesMovement) -> None:
    """An order counts once in ``captured_orders``, at its first capture (by time, then vendor order id)."""
    others = select(SalesMovement).where(SalesMovement.kind == "capture", SalesMovement.order_id == capture.order_id)
    if session.scalar(others.where(_before(SalesMovement.occurred_at, SalesMovement.reference,
                                           capture.occurred_at, capture.reference)).limit(1)) is not None:
        return
    deltas.add(capture.occurred_at, capture.currency, ORDER_SCOPES, captured_orders=1)
    former = session.scalar(others.order_by(SalesMovement.occurred_at, SalesMovement.reference).limit(1))
    if former is not None:
        deltas.add(buckets.as_utc(former.occurred_at), former.currency, ORDER_SCOPES, captured_orders=-1)


def _attribute(deltas: Deltas, capture: SalesMovement, vendor_order: SalesVendorOrder, lines: list[SalesLine]) -> None:
    """A captured vendor order's lines (and shipping) counted at the capture's time."""
    at = buckets.as_utc(capture.occurred_at)
    for line in lines:
        deltas.add(at, capture.currency, LINE_SCOPES, line.vendor_id, line.product_id, line.category_id,
                   gmv_minor=line.amount_minor, captured_orders=1, units=line.quantity)
        deltas.add(at, capture.currency, MONEY_SCOPES, line.vendor_id, units=line.quantity)
    if vendor_order.shipping_minor > 0:
        deltas.add(at, capture.currency, (PRODUCT,), vendor_order.vendor_id, NONE,
                   gmv_minor=vendor_order.shipping_minor)


def payment_refunded(session: Session, deltas: Deltas, data: dict, at: datetime) -> bool:
    """Record a refund (``payment.refunded``, counted at ``at``); False if it was known."""
    if session.get(SalesMovement, ("refund", data["refund_id"])) is not None:
        return False
    refund = SalesMovement(kind="refund", reference=data["refund_id"], order_id=data["order_id"],
                           vendor_order_id=data["vendor_order_id"], vendor_id=data["vendor_id"],
                           amount_minor=data["amount_minor"], commission_minor=data["commission_reversed_minor"],
                           currency=data["currency"], occurred_at=buckets.as_utc(at), **_bucketed(at))
    session.add(refund)
    deltas.add(at, refund.currency, MONEY_SCOPES, refund.vendor_id, refunds_minor=refund.amount_minor,
               commission_reversed_minor=refund.commission_minor)
    session.flush()
    return True


def outcome(session: Session, deltas: Deltas, kind: str, reference: str, at: datetime, vendor_id: str = NONE,
            currency: str = NONE) -> bool:
    """Count a refusal, cancellation or return once (``kind`` × ``reference``); False if it was known."""
    if session.get(SalesOutcome, (kind, reference)) is not None:
        return False
    session.add(SalesOutcome(kind=kind, reference=reference, vendor_id=vendor_id, currency=currency,
                             occurred_at=buckets.as_utc(at), **_bucketed(at)))
    if kind == "order_cancelled":
        deltas.add(at, currency, ORDER_SCOPES, cancelled_orders=1)
    else:
        deltas.add(at, currency, MONEY_SCOPES, vendor_id, **{OUTCOME_COUNTERS[kind]: 1})
    session.flush()
    return True
