"""Use cases: sales events become facts (once: every fact is unique on its natural key) and the rollup deltas
those facts imply, a batch of events at a time.

Events may come in any order. A capture that arrives before its order's lines is stored; the lines are
attributed to it (at the capture's time) when they arrive. A customer's first order and an order's first
capture are decided by time (then id), so an earlier one arriving late takes the place of the later one.

A batch costs a fixed number of statements whatever its size: one look-up per kind of fact already known,
one INSERT (executemany) per fact table. Its deltas are the difference the new facts make to the rollups,
exactly what recording its events one by one would add (the first of the same fact in a batch wins, as the
later ones would have found it known).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Iterable

from sqlalchemy import String, and_, any_, bindparam, exists, insert, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased

from analytics.domain import buckets
from analytics.domain.metrics import LINE_SCOPES, MONEY_SCOPES, NONE, ORDER_SCOPES, PRODUCT, VENDOR
from analytics.models.sales import (SalesLine, SalesMovement, SalesOrder, SalesOutcome, SalesVendorOrder)
from analytics.rollups import OUTCOME_COUNTERS, Deltas

ORDERS, VENDOR_ORDERS, LINES = SalesOrder.__table__, SalesVendorOrder.__table__, SalesLine.__table__
MOVEMENTS, OUTCOMES = SalesMovement.__table__, SalesOutcome.__table__
# event type -> outcome kind (reference: the order, vendor order or return)
OUTCOME_EVENTS = {"order.cancelled": "order_cancelled", "vendor_order.refused": "vendor_order_refused",
                  "vendor_order.cancelled": "vendor_order_cancelled", "return.requested": "return_requested",
                  "return.received": "return_received"}


def _bucketed(at: datetime) -> dict:
    return {"hour": buckets.hour_start(at), "day": buckets.day_start(at)}


@dataclass
class _Batch:
    """The candidate facts of a batch, first of each natural key only (dicts keep arrival order)."""

    orders: dict[str, dict] = field(default_factory=dict)  # order_id -> row, plus "parts": [(vendor order, lines)]
    captures: dict[str, dict] = field(default_factory=dict)  # vendor_order_id -> movement row
    refunds: dict[str, dict] = field(default_factory=dict)  # refund_id -> movement row
    outcomes: dict[tuple[str, str], dict] = field(default_factory=dict)  # (kind, reference) -> row

    def add(self, event_type: str, data: dict, at: datetime) -> None:
        at = buckets.as_utc(at)
        if event_type == "order.placed":
            if data["order_id"] not in self.orders:
                self.orders[data["order_id"]] = _order_rows(data)
        elif event_type == "payment.captured":
            self.captures.setdefault(data["vendor_order_id"], dict(
                kind="capture", reference=data["vendor_order_id"], order_id=data["order_id"],
                vendor_order_id=data["vendor_order_id"], vendor_id=data["vendor_id"],
                amount_minor=data["amount_minor"], commission_minor=data.get("commission_minor", 0),
                currency=data["currency"], occurred_at=at, **_bucketed(at)))
        elif event_type == "payment.refunded":
            self.refunds.setdefault(data["refund_id"], dict(
                kind="refund", reference=data["refund_id"], order_id=data["order_id"],
                vendor_order_id=data["vendor_order_id"], vendor_id=data["vendor_id"],
                amount_minor=data["amount_minor"], commission_minor=data["commission_reversed_minor"],
                currency=data["currency"], occurred_at=at, **_bucketed(at)))
        else:
            kind = OUTCOME_EVENTS[event_type]
            if kind == "order_cancelled":
                reference, vendor_id, currency = data["order_id"], NONE, data["currency"]
            elif event_type.startswith("vendor_order."):
                reference, vendor_id, currency = data["vendor_order_id"], data["vendor_id"], data["currency"]
            else:  # return.requested, return.received
                reference, vendor_id, currency = data["return_id"], data["vendor_id"], NONE
            self.outcomes.setdefault((kind, reference), dict(kind=kind, reference=reference, vendor_id=vendor_id,
                                                             currency=currency, occurred_at=at, **_bucketed(at)))


def _order_rows(data: dict) -> dict:
    placed_at, currency = buckets.as_utc(datetime.fromisoformat(data["placed_at"])), data["currency"]
    bucketed = _bucketed(placed_at)
    order = dict(order_id=data["order_id"], customer_id=data["customer_id"], currency=currency,
                 placed_at=placed_at, **bucketed)
    parts = []
    for part in data["vendor_orders"]:
        vendor_order = dict(vendor_order_id=part["vendor_order_id"], order_id=order["order_id"],
                            vendor_id=part["vendor_id"], currency=currency, shipping_minor=part["shipping_minor"],
                            total_minor=part["total_minor"], placed_at=placed_at, **bucketed)
        lines = [dict(vendor_order_id=vendor_order["vendor_order_id"], line_id=line["line_id"],
                      order_id=order["order_id"], vendor_id=vendor_order["vendor_id"], product_id=line["product_id"],
                      category_id=line.get("category_id") or NONE, customer_id=order["customer_id"],
                      quantity=line["quantity"], unit_price_minor=line["unit_price_minor"],
                      amount_minor=line["quantity"] * line["unit_price_minor"], currency=currency,
                      placed_at=placed_at, **bucketed) for line in part["lines"]]
        parts.append((vendor_order, lines))
    return {"row": order, "parts": parts}


def record(session: Session, deltas: Deltas, events: Iterable[tuple[str, dict, datetime]]) -> int:
    """Record the facts of sales events (type, data, event time) not known yet, adding the rollup deltas
    they imply to ``deltas``; the number of facts of the batch that were new (orders counted once)."""
    batch = _Batch()
    for event_type, data, at in events:
        batch.add(event_type, data, at)
    connection = session.connection()
    known = _known_movements(connection, batch)
    new_orders = _new_orders(connection, deltas, batch)
    new_captures = [row for reference, row in batch.captures.items() if ("capture", reference) not in known]
    new_refunds = [row for reference, row in batch.refunds.items() if ("refund", reference) not in known]
    new_outcomes = _new_outcomes(connection, batch)

    # Captures: money and captured vendor orders; lines of vendor orders known (or new) attributed to them.
    _count_first_captures(connection, deltas, new_captures)
    new_vendor_orders = {vendor_order["vendor_order_id"]: (vendor_order, lines)
                         for order in new_orders for vendor_order, lines in order["parts"]}
    placed_before = _placed_vendor_orders(connection, [row["reference"] for row in new_captures
                                                       if row["reference"] not in new_vendor_orders])
    for capture in new_captures:
        at = capture["occurred_at"]
        deltas.add(at, capture["currency"], MONEY_SCOPES, capture["vendor_id"], gmv_minor=capture["amount_minor"],
                   commission_minor=capture["commission_minor"])
        deltas.add(at, capture["currency"], (VENDOR,), capture["vendor_id"], captured_orders=1)
        placed = new_vendor_orders.get(capture["reference"]) or placed_before.get(capture["reference"])
        if placed is not None:
            _attribute(deltas, capture, *placed)
    for vendor_order_id, placed in new_vendor_orders.items():  # captured before its order arrived
        capture = known.get(("capture", vendor_order_id))
        if capture is not None:
            _attribute(deltas, capture, *placed)
    for refund in new_refunds:
        deltas.add(refund["occurred_at"], refund["currency"], MONEY_SCOPES, refund["vendor_id"],
                   refunds_minor=refund["amount_minor"], commission_reversed_minor=refund["commission_minor"])
    for row in new_outcomes:
        if row["kind"] == "order_cancelled":
            deltas.add(row["occurred_at"], row["currency"], ORDER_SCOPES, cancelled_orders=1)
        else:
            deltas.add(row["occurred_at"], row["currency"], MONEY_SCOPES, row["vendor_id"],
                       **{OUTCOME_COUNTERS[row["kind"]]: 1})

    _insert(connection, ORDERS, [order["row"] for order in new_orders])
    _insert(connection, VENDOR_ORDERS, [vendor_order for vendor_order, _ in new_vendor_orders.values()])
    _insert(connection, LINES, [line for _, lines in new_vendor_orders.values() for line in lines])
    _insert(connection, MOVEMENTS, new_captures + new_refunds)
    _insert(connection, OUTCOMES, new_outcomes)
    return len(new_orders) + len(new_captures) + len(new_refunds) + len(new_outcomes)


def _insert(connection, table, rows: list[dict]) -> None:
    """On PostgreSQL one INSERT whatever the number of rows (columns as arrays, unnested), elsewhere an
    executemany of one statement."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(_unnested_insert(table), {name: [row[name] for row in rows] for name in table.c.keys()})
    else:
        connection.execute(insert(table), rows)


@cache
def _unnested_insert(table):
    arrays = ", ".join(f"CAST(:{column.name} AS {column.type.compile(postgresql.dialect())}[])" for column in table.c)
    return text(f"INSERT INTO {table.name} ({', '.join(table.c.keys())}) SELECT * FROM unnest({arrays})")


def _among(column, name: str, dialect: str):
    """``column`` is one of the list bound as ``name`` (on PostgreSQL ``= ANY(array)``: one statement text
    whatever the list's length, so the server prepares it once)."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(String)))
    return column.in_(bindparam(name, expanding=True))


def _known_movements(connection, batch: _Batch) -> dict[tuple[str, str], dict]:
    """(kind, reference) -> known movement, for the batch's captures and refunds and the captures of the
    vendor orders of its orders."""
    references = {*batch.captures, *batch.refunds,
                  *(vendor_order["vendor_order_id"] for order in batch.orders.values()
                    for vendor_order, _ in order["parts"])}
    if not references:
        return {}
    rows = connection.execute(_movements_by_reference(connection.dialect.name), {"references": sorted(references)})
    return {(row.kind, row.reference): {"occurred_at": buckets.as_utc(row.occurred_at), "currency": row.currency}
            for row in rows}


@cache
def _movements_by_reference(dialect: str):
    return select(MOVEMENTS.c.kind, MOVEMENTS.c.reference, MOVEMENTS.c.occurred_at, MOVEMENTS.c.currency).where(
        _among(MOVEMENTS.c.reference, "references", dialect))


def _new_orders(connection, deltas: Deltas, batch: _Batch) -> list[dict]:
    """The batch's orders not known yet, their order, vendor-order and line deltas counted (customers too)."""
    if not batch.orders:
        return []
    known = set(connection.scalars(_known_orders(connection.dialect.name), {"ids": list(batch.orders)}))
    new = [order for order_id, order in batch.orders.items() if order_id not in known]
    for order in new:
        row = order["row"]
        deltas.add(row["placed_at"], row["currency"], ORDER_SCOPES, orders=1)
        for vendor_order, lines in order["parts"]:
            deltas.add(row["placed_at"], row["currency"], (VENDOR,), vendor_order["vendor_id"], orders=1)
            for line in lines:
                deltas.add(row["placed_at"], row["currency"], LINE_SCOPES, line["vendor_id"], line["product_id"],
                           line["category_id"], orders=1)
    _count_customers(connection, deltas, [order["row"] for order in new])
    return new


@cache
def _known_orders(dialect: str):
    return select(ORDERS.c.order_id).where(_among(ORDERS.c.order_id, "ids", dialect))


def _count_customers(connection, deltas: Deltas, orders: list[dict]) -> None:
    """New or returning: a customer's first order (by placed_at, then id) is new, the others returning; a
    first order that arrives after a later one makes that later one returning."""
    if not orders:
        return
    first_known = {row.customer_id: row for row in connection.execute(
        _first_orders(connection.dialect.name), {"customers": list({order["customer_id"] for order in orders})})}
    firsts: dict[str, tuple] = {}
    for customer_id, known in first_known.items():
        firsts[customer_id] = (buckets.as_utc(known.placed_at), known.order_id)
    for order in orders:
        moment = (order["placed_at"], order["order_id"])
        if order["customer_id"] not in firsts or moment < firsts[order["customer_id"]]:
            firsts[order["customer_id"]] = moment
    for order in orders:
        first = firsts[order["customer_id"]] == (order["placed_at"], order["order_id"])
        deltas.add(order["placed_at"], order["currency"], ORDER_SCOPES, new_customers=int(first),
                   returning_customers=int(not first))
    for customer_id, known in first_known.items():
        if firsts[customer_id][1] != known.order_id:  # no longer the first
            deltas.add(buckets.as_utc(known.placed_at), known.currency, ORDER_SCOPES, new_customers=-1,
                       returning_customers=1)


@cache
def _first_orders(dialect: str):
    """Each given customer's first known order."""
    earlier = aliased(ORDERS)
    return select(ORDERS.c.customer_id, ORDERS.c.order_id, ORDERS.c.placed_at, ORDERS.c.currency).where(
        _among(ORDERS.c.customer_id, "customers", dialect),
        ~exists().where(earlier.c.customer_id == ORDERS.c.customer_id, _before(
            earlier.c.placed_at, earlier.c.order_id, ORDERS.c.placed_at, ORDERS.c.order_id)))


def _before(time_column, id_column, moment, identifier):
    return or_(time_column < moment, and_(time_column == moment, id_column < identifier))


def _count_first_captures(connection, deltas: Deltas, captures: list[dict]) -> None:
    """An order counts once in ``captured_orders``, at its first capture (by time, then vendor order id)."""
    if not captures:
        return
    known: dict[str, list] = {}
    orders = sorted({row["order_id"] for row in captures})
    for row in connection.execute(_order_captures(connection.dialect.name), {"orders": orders}):
        known.setdefault(row.order_id, []).append((buckets.as_utc(row.occurred_at), row.reference, row.currency))
    first_known = {order_id: min(rows) for order_id, rows in known.items()}
    firsts = dict(first_known)
    for capture in captures:
        moment = (capture["occurred_at"], capture["reference"], capture["currency"])
        if capture["order_id"] not in firsts or moment[:2] < firsts[capture["order_id"]][:2]:
            firsts[capture["order_id"]] = moment
    for capture in captures:
        if firsts[capture["order_id"]][1] == capture["reference"]:
            deltas.add(capture["occurred_at"], capture["currency"], ORDER_SCOPES, captured_orders=1)
    for order_id, (moment, reference, currency) in first_known.items():
        if firsts[order_id][1] != reference:  # no longer the first
            deltas.add(moment, currency, ORDER_SCOPES, captured_orders=-1)


@cache
def _order_captures(dialect: str):
    return select(MOVEMENTS.c.order_id, MOVEMENTS.c.reference, MOVEMENTS.c.occurred_at, MOVEMENTS.c.currency).where(
        MOVEMENTS.c.kind == "capture", _among(MOVEMENTS.c.order_id, "orders", dialect))


def _placed_vendor_orders(connection, vendor_order_ids: list[str]) -> dict[str, tuple[dict, list[dict]]]:
    """vendor_order_id -> (vendor order, its lines) of the known vendor orders among ``vendor_order_ids``."""
    if not vendor_order_ids:
        return {}
    found: dict[str, tuple[dict, list[dict]]] = {}
    for row in connection.execute(_vendor_orders_with_lines(connection.dialect.name), {"ids": vendor_order_ids}):
        vendor_order, lines = found.setdefault(row.vendor_order_id, (
            {"vendor_id": row.vendor_id, "shipping_minor": row.shipping_minor}, []))
        if row.line_id is not None:
            lines.append({"vendor_id": row.line_vendor_id, "product_id": row.product_id,
                          "category_id": row.category_id, "amount_minor": row.amount_minor,
                          "quantity": row.quantity})
    return found


@cache
def _vendor_orders_with_lines(dialect: str):
    return (select(VENDOR_ORDERS.c.vendor_order_id, VENDOR_ORDERS.c.vendor_id, VENDOR_ORDERS.c.shipping_minor,
                   LINES.c.line_id, LINES.c.vendor_id.label("line_vendor_id"), LINES.c.product_id,
                   LINES.c.category_id, LINES.c.amount_minor, LINES.c.quantity)
            .select_from(VENDOR_ORDERS.outerjoin(LINES, LINES.c.vendor_order_id == VENDOR_ORDERS.c.vendor_order_id))
            .where(_among(VENDOR_ORDERS.c.vendor_order_id, "ids", dialect)))


def _attribute(deltas: Deltas, capture: dict, vendor_order: dict, lines: list[dict]) -> None:
    """A captured vendor order's lines (and shipping) counted at the capture's time."""
    at, currency = capture["occurred_at"], capture["currency"]
    for line in lines:
        deltas.add(at, currency, LINE_SCOPES, line["vendor_id"], line["product_id"], line["category_id"],
                   gmv_minor=line["amount_minor"], captured_orders=1, units=line["quantity"])
        deltas.add(at, currency, MONEY_SCOPES, line["vendor_id"], units=line["quantity"])
    if vendor_order["shipping_minor"] > 0:
        deltas.add(at, currency, (PRODUCT,), vendor_order["vendor_id"], NONE, gmv_minor=vendor_order["shipping_minor"])


def _new_outcomes(connection, batch: _Batch) -> list[dict]:
    if not batch.outcomes:
        return []
    references = sorted({reference for _, reference in batch.outcomes})
    known = {(row.kind, row.reference) for row in connection.execute(
        _outcomes_by_reference(connection.dialect.name), {"references": references})}
    return [row for key, row in batch.outcomes.items() if key not in known]


@cache
def _outcomes_by_reference(dialect: str):
    return select(OUTCOMES.c.kind, OUTCOMES.c.reference).where(
        _among(OUTCOMES.c.reference, "references", dialect))
