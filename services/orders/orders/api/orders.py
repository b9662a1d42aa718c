"""Orders: customers place them and read their own; operators read any, filter them and force-cancel.

Tenancy of the list: a customer's filters apply within their own orders, so they only narrow it
(``customer_id`` of someone else answers an empty page, ``vendor_id`` their orders with that vendor).
"""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from chassis.actors import event_actor
from chassis.app import runtime
from chassis.auth.flask import current_principal, require_auth
from chassis.auth.principal import CUSTOMER, OPERATOR
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.idempotency import idempotent
from chassis.pagination import SelectPage, close_request_session, request_session
from chassis.permissions import ADMIN, operator_write
from chassis.day_filters import CreationDaysSchema, created_within
from orders.api.filters import total_within
from orders.api.schemas import OrderSchema, OrderSummarySchema, PlaceOrderSchema
from orders.catalog_client import catalog_client
from orders.domain.placement import RequestedLine, check_request, raise_for_problems
from orders.domain.states import OrderStatus
from orders.models import Order, OrderLine, TimelineEntry, VendorOrder
from orders.operator_actions import force_cancel
from orders.placement import PlaceOrder, place_order
from orders.refunds import refunds_by_vendor_order
from orders.saga import cancel_order

SECURITY = [{"bearerAuth": []}]
CUSTOMER_CANCEL, OPERATOR_CANCEL = "cancelled_by_customer", "cancelled_by_operator"
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"},
                   "description": "Required: a retry with the same key and body answers the first response"}


def blueprint() -> Blueprint:
    bp = Blueprint("orders_orders", __name__, url_prefix="/api/v1/orders",
                   description="Orders: a customer's cart priced by catalog, split into one vendor order per vendor.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Orders(MethodView):
        @require_auth(roles=(CUSTOMER,))
        @idempotent()
        @bp.arguments(PlaceOrderSchema)
        @bp.response(201, OrderSchema)
        @bp.alt_response(400, description="No Idempotency-Key header")
        @bp.alt_response(409, description="A request with this key is still running; retry later")
        @bp.alt_response(503, description="Catalog cannot price the cart now; nothing stored, retry with the key")
        @bp.doc(security=SECURITY, parameters=[IDEMPOTENCY_KEY])
        def post(self, body):
            """Place an order (customers): priced by catalog now, stored `pending`, `order.placed` emitted.

            Refused with one 422 whose `lines` name every offending request line (unknown or unsellable offer,
            mixed currencies, quantities, line count) or the order (`expected_total` differs). 503 when catalog
            cannot price the cart; nothing is stored then."""
            command = _command(body)
            merged, problems = check_request(command.lines)
            raise_for_problems(problems)  # before asking catalog anything
            quotes = catalog_client().quote([line.offer_id for line in merged])
            with runtime().uow() as uow:
                placed = place_order(uow, current_principal().subject, command, quotes, actor=event_actor())
                uow.commit()
                body = order_view(placed.order, placed.vendor_orders, placed.lines, placed.timeline, refunds={})
            return body, 201, {"Location": url_for("orders_orders.OrderResource", order_id=placed.order.id)}

        @require_auth(roles=(CUSTOMER, OPERATOR))
        @bp.arguments(OrderQuerySchema, location="query")
        @bp.response(200, OrderSummarySchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Orders, newest first: a customer's own; operators see every order. Filters narrow, never widen."""
            principal = current_principal()
            query = _matching(filters)
            if not principal.is_operator:
                query = query.where(Order.customer_id == principal.subject)
            return query

    @bp.route("/<order_id>")
    class OrderResource(MethodView):
        @require_auth(roles=(CUSTOMER, OPERATOR))
        @bp.response(200, OrderSchema)
        @bp.doc(security=SECURITY)
        def get(self, order_id):
            """An order with its vendor orders, lines, totals and timeline (its customer, operators)."""
            session = request_session()
            order = session.get(Order, order_id)
            principal = current_principal()
            if order is None or not (principal.is_operator or order.customer_id == principal.subject):
                raise Problem(404, "not-found", f"order {order_id} not found")
            return _order_dict(session, order)

    @bp.route("/<order_id>/cancel")
    class OrderCancellation(MethodView):
        @require_auth(roles=(CUSTOMER, OPERATOR))
        @bp.arguments(CancelOrderSchema)
        @bp.response(200, OrderSchema)
        @bp.alt_response(409, description="The order is not awaiting payment")
        @bp.doc(security=SECURITY)
        def post(self, body, order_id):
            """Cancel an unpaid order (its customer, admin operators): `cancelled`, `order.cancelled` emitted.

            Only an order `awaiting_payment`; a paid order is cancelled vendor order by vendor order."""
            principal = current_principal()
            if principal.is_operator and ADMIN not in principal.roles:
                raise Problem(403, "forbidden", "only admin operators cancel orders")
            with runtime().uow() as uow:
                order = uow.session.get(Order, order_id, with_for_update=True)
                if order is None or not (principal.is_operator or order.customer_id == principal.subject):
                    raise Problem(404, "not-found", f"order {order_id} not found")
                default_reason = OPERATOR_CANCEL if principal.is_operator else CUSTOMER_CANCEL
                cancel_order(uow, order, event_actor(), body.get("reason") or default_reason)
                uow.commit()
            return _order_dict(request_session(), request_session().get(Order, order_id))

    @bp.route("/<order_id>/force-cancel")
    class OrderForceCancellation(MethodView):
        @operator_write()
        @bp.arguments(ForceCancelSchema)
        @bp.response(200, OrderSchema)
        @bp.alt_response(409, description="Pending (stock reservation in flight), final, or a vendor order delivered")
        @bp.doc(security=SECURITY)
        def post(self, body, order_id):
            """Force-cancel any order not yet final (admin operators, with a reason).

            Unpaid: cancelled as a customer would. Paid: each open vendor order is cancelled (a refund is
            requested for a captured part, a void otherwise, the stock released), then the order settles."""
            force_cancel(runtime().uow(), order_id, event_actor(), body["reason"])
            return _order_dict(request_session(), request_session().get(Order, order_id))

    return bp


MAX_TOTAL_MINOR = 10**12


class OrderQuerySchema(CreationDaysSchema):
    status = fields.String(validate=validate.OneOf([status.value for status in OrderStatus]))
    vendor_id = fields.String(validate=validate.Length(min=1, max=64),
                              metadata={"description": "Orders with a vendor order of this vendor"})
    customer_id = fields.String(validate=validate.Length(min=1, max=64))
    # Bounded: a total past the database's integers would fail the query (a 500), not match nothing.
    min_total = fields.Integer(validate=validate.Range(min=0, max=MAX_TOTAL_MINOR),
                               metadata={"description": "Minor units, inclusive"})
    max_total = fields.Integer(validate=validate.Range(min=0, max=MAX_TOTAL_MINOR),
                               metadata={"description": "Minor units, inclusive"})

    @validates_schema
    def _totals_in_order(self, data, **kwargs) -> None:
        if "min_total" in data and "max_total" in data and data["min_total"] > data["max_total"]:
            raise ValidationError("min_total is above max_total", "max_total")


class ForceCancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class CancelOrderSchema(Schema):
    reason = fields.String(load_default=None, validate=validate.Length(min=1, max=1000),
                           metadata={"description": "Why; defaults to cancelled_by_customer / cancelled_by_operator"})


def _matching(filters: dict):
    """One select of order columns, newest first, narrowed by the filters (a vendor's: one subquery)."""
    query = select(Order.__table__).order_by(Order.created_at.desc(), Order.id.desc())
    if "status" in filters:
        query = query.where(Order.status == filters["status"])
    if "customer_id" in filters:
        query = query.where(Order.customer_id == filters["customer_id"])
    if "vendor_id" in filters:
        query = query.where(Order.id.in_(select(VendorOrder.order_id)
                                         .where(VendorOrder.vendor_id == filters["vendor_id"])))
    query = total_within(query, Order.total_minor, filters)
    return created_within(query, Order.created_at, filters)


def _command(body: dict) -> PlaceOrder:
    return PlaceOrder(lines=[RequestedLine(line["offer_id"], line["quantity"]) for line in body["lines"]],
                      shipping_address=body["shipping_address"], billing_address=body["billing_address"],
                      expected_total_minor=body["expected_total"])


def _columns(row) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def _order_dict(session, order: Order) -> dict:
    vendor_orders = session.scalars(select(VendorOrder).where(VendorOrder.order_id == order.id)).all()
    lines = session.scalars(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all()
    timeline = session.scalars(select(TimelineEntry).where(TimelineEntry.order_id == order.id)
                               .order_by(TimelineEntry.at, TimelineEntry.id)).all()
    refunds = refunds_by_vendor_order(session, [vendor_order.id for vendor_order in vendor_orders])
    return order_view(order, vendor_orders, lines, timeline, refunds)


def order_view(order: Order, vendor_orders, lines, timeline, refunds) -> dict:
    """The order as ``OrderSchema`` shows it: vendor orders in the order of their first line, each with
    its lines (by position) and refunds."""
    first_position = {}
    for line in lines:
        first_position.setdefault(line.vendor_order_id, line.position)
    vendor_orders = sorted(vendor_orders, key=lambda vendor_order: first_position.get(vendor_order.id, 0))
    return {**_columns(order), "timeline": [_columns(entry) for entry in timeline],
            "vendor_orders": [{**_columns(vendor_order),
                               "lines": [_columns(line) for line in lines if line.vendor_order_id == vendor_order.id],
                               "refunds": [_columns(refund) for refund in refunds.get(vendor_order.id, [])]}
                              for vendor_order in vendor_orders]}
