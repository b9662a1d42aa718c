"""Vendor orders: vendors read and fulfil their own; operators read all and force-cancel; customers confirm.

A vendor order's owners and managers and admin operators also issue goodwill refunds (``POST …/refunds``, see
``orders.goodwill``); the vendor order's detail lists its refunds and what is still refundable.

Tenancy: a vendor's staff see their vendor's vendor orders only (``vendor_id`` from the token);
another vendor's id answers 404 on every route, as if it did not exist. Customers read their orders
through ``/api/v1/orders`` (403 on these lists); they may confirm delivery of, or cancel, their own.
"""
from __future__ import annotations

from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import CUSTOMER, OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.idempotency import idempotent
from chassis.pagination import SelectPage, close_request_session, request_session
from chassis.day_filters import created_within
from orders import fulfilment
from orders.api.orders import IDEMPOTENCY_KEY
from orders.api.schemas import (CancellationSchema, GoodwillRefundSchema, RefundRequestSchema, RefusalSchema,
                                ShipmentInputSchema, VendorOrderDetailSchema, VendorOrderQuerySchema,
                                VendorOrderSummarySchema)
from orders.api.callers import request_caller
from orders.domain.refunds import RefundStatus, refundable_minor
from orders.fulfilment import ShipVendorOrder
from orders.goodwill import GoodwillRefund, issue_goodwill_refund
from orders.refunds import refunds_by_vendor_order
from orders.models import Order, OrderLine, RefundRequest, Shipment, ShipmentLine, TimelineEntry, VendorOrder

SECURITY = [{"bearerAuth": []}]
ILLEGAL = "Illegal transition: the problem names the current and requested status"


def blueprint() -> Blueprint:
    bp = Blueprint("orders_vendor_orders", __name__, url_prefix="/api/v1/vendor-orders",
                   description="Vendor orders: the part of an order one vendor accepts, ships and delivers.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class VendorOrders(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(VendorOrderQuerySchema, location="query")
        @bp.response(200, VendorOrderSummarySchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Vendor orders, newest first: your vendor's (vendor staff); every one (operators)."""
            caller = request_caller()
            query = select(VendorOrder.__table__).order_by(VendorOrder.created_at.desc(), VendorOrder.id.desc())
            if not caller.operator:
                query = query.where(VendorOrder.vendor_id == caller.vendor_id)
            if "status" in filters:
                query = query.where(VendorOrder.status == filters["status"])
            return created_within(query, VendorOrder.created_at, filters)

    @bp.route("/<vendor_order_id>")
    class VendorOrderResource(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.response(200, VendorOrderDetailSchema)
        @bp.doc(security=SECURITY)
        def get(self, vendor_order_id):
            """A vendor order with its lines, shipments, timeline and the address to ship to."""
            session = request_session()
            return _detail(session, fulfilment.vendor_order_for(session, vendor_order_id, request_caller()))

    @bp.route("/<vendor_order_id>/accept")
    class Acceptance(MethodView):
        @require_auth(roles=(VENDOR,))
        @bp.response(200, VendorOrderDetailSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, vendor_order_id):
            """Accept (vendor staff): `awaiting_acceptance → accepted`; payments captures this part."""
            return _run(fulfilment.accept, vendor_order_id)

    @bp.route("/<vendor_order_id>/refuse")
    class Refusal(MethodView):
        @require_auth(roles=(VENDOR,))
        @bp.arguments(RefusalSchema)
        @bp.response(200, VendorOrderDetailSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, vendor_order_id):
            """Refuse with a reason (vendor staff): payments voids this part, catalog releases its stock."""
            return _run(fulfilment.refuse, vendor_order_id, body["reason"])

    @bp.route("/<vendor_order_id>/shipments")
    class Shipments(MethodView):
        @require_auth(roles=(VENDOR,))
        @idempotent(required=False)
        @bp.arguments(ShipmentInputSchema)
        @bp.response(200, VendorOrderDetailSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, vendor_order_id):
            """Ship some or all remaining units (vendor staff): `partially_shipped` until every unit is shipped.

            422 names the lines that are not this vendor order's or exceed what remains to ship. An optional
            `Idempotency-Key` makes a retried shipment safe."""
            return _run(fulfilment.ship, vendor_order_id, _shipment(body))

    @bp.route("/<vendor_order_id>/deliver")
    class Delivery(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR, CUSTOMER))
        @bp.response(200, VendorOrderDetailSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, vendor_order_id):
            """Confirm delivery (its vendor, an admin operator or the order's customer): `shipped → delivered`."""
            return _run(fulfilment.deliver, vendor_order_id)

    @bp.route("/<vendor_order_id>/cancel")
    class Cancellation(MethodView):
        @require_auth(roles=(OPERATOR, CUSTOMER, VENDOR))
        @bp.arguments(CancellationSchema)
        @bp.response(200, VendorOrderDetailSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, vendor_order_id):
            """Cancel: the order's customer before shipping; an admin operator, with a reason, until delivery.

            After capture a refund of this part is requested. Vendors refuse instead (403 here)."""
            return _run(fulfilment.cancel, vendor_order_id, body["reason"])

    @bp.route("/<vendor_order_id>/refunds")
    class GoodwillRefunds(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @idempotent()
        @bp.arguments(GoodwillRefundSchema)
        @bp.response(201, RefundRequestSchema)
        @bp.alt_response(400, description="No Idempotency-Key header")
        @bp.alt_response(409, description="Not captured (`not-captured`), or more than may still be refunded "
                                          "(`exceeds-refundable`, naming `refundable_minor`)")
        @bp.doc(security=SECURITY, parameters=[IDEMPOTENCY_KEY])
        def post(self, body, vendor_order_id):
            """Issue a goodwill refund: a `goodwill` request and its `refund.requested`.

            By its vendor's owners and managers (`vendor_role`) and admin operators; plain staff, a vendor token
            without `vendor_role` (an API client) and support operators get 403 `insufficient-role`. Only once its
            payment was captured, and at most `refundable_minor`: a larger amount is refused, never capped.
            Payments debits the vendor and gives commission back in proportion; `payment.refunded` or
            `refund.failed` then settles the request as any other."""
            with runtime().uow() as uow:
                refund_request_id = issue_goodwill_refund(uow, vendor_order_id, request_caller(),
                                                          GoodwillRefund(body["amount_minor"], body["reason"])).id
                uow.commit()
            return _columns(request_session().get(RefundRequest, refund_request_id)), 201

    return bp


def _run(use_case, vendor_order_id: str, *args) -> dict:
    """Run a fulfilment use case in one unit of work; answer the vendor order as it is now."""
    with runtime().uow() as uow:
        use_case(uow, vendor_order_id, request_caller(), *args)
        uow.commit()
    session = request_session()
    return _detail(session, session.get(VendorOrder, vendor_order_id))


def _shipment(body: dict) -> ShipVendorOrder:
    return ShipVendorOrder(carrier=body["carrier"], tracking_number=body["tracking_number"],
                           tracking_url=body["tracking_url"],
                           lines={line["line_id"]: line["quantity"] for line in body["lines"]})


def _columns(row) -> dict:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def _detail(session, vendor_order: VendorOrder) -> dict:
    lines = session.scalars(select(OrderLine).where(OrderLine.vendor_order_id == vendor_order.id)
                            .order_by(OrderLine.position)).all()
    shipments = session.scalars(select(Shipment).where(Shipment.vendor_order_id == vendor_order.id)
                                .order_by(Shipment.shipped_at, Shipment.id)).all()
    shipped = session.scalars(select(ShipmentLine).join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
                              .where(ShipmentLine.shipment_id.in_([s.id for s in shipments]))
                              .order_by(OrderLine.position)).all()
    timeline = session.scalars(select(TimelineEntry).where(TimelineEntry.vendor_order_id == vendor_order.id)
                               .order_by(TimelineEntry.at, TimelineEntry.id)).all()
    address = session.scalar(select(Order.shipping_address).where(Order.id == vendor_order.order_id))
    refunds = refunds_by_vendor_order(session, [vendor_order.id]).get(vendor_order.id, [])
    waiting = [refund.amount_minor for refund in refunds if refund.status == RefundStatus.REQUESTED]
    return {**_columns(vendor_order), "shipping_address": address, "lines": [_columns(line) for line in lines],
            "refunds": [_columns(refund) for refund in refunds],
            "refundable_minor": refundable_minor(vendor_order.total_minor, vendor_order.refunded_minor, waiting),
            "timeline": [_columns(entry) for entry in timeline],
            "shipments": [{**_columns(shipment), "lines": [{"line_id": row.order_line_id, "quantity": row.quantity}
                                                           for row in shipped if row.shipment_id == shipment.id]}
                          for shipment in shipments]}
