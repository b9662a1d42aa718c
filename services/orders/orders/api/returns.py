"""Returns (RMA): customers request and ship back; vendors approve, refuse and receive; operators arbitrate.

Tenancy: a customer sees their own returns, vendor staff their vendor's, operators all; any other
return answers 404 on every route, as if it did not exist.
"""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import select

from chassis.app import runtime
from chassis.auth.flask import require_auth
from chassis.auth.principal import CUSTOMER, OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.idempotency import idempotent
from chassis.pagination import SelectPage, close_request_session, request_session
from orders import returns
from orders.api.schemas import (RefusalSchema, ReturnApprovalSchema, ReturnQuerySchema, ReturnReceiptSchema,
                                ReturnRequestSchema, ReturnSchema, ReturnShipmentSchema, ReturnSummarySchema)
from orders.api.callers import request_caller
from orders.models import OrderLine, Return, ReturnLine

SECURITY = [{"bearerAuth": []}]
ILLEGAL = "Illegal transition: the problem names the current and requested status"


def blueprint() -> Blueprint:
    bp = Blueprint("orders_returns", __name__, url_prefix="/api/v1/returns",
                   description="Returns (RMA) of delivered units, from request to refund.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Returns(MethodView):
        @require_auth(roles=(CUSTOMER,))
        @idempotent(required=False)
        @bp.arguments(ReturnRequestSchema)
        @bp.response(201, ReturnSchema)
        @bp.alt_response(409, description="The vendor order is not delivered")
        @bp.doc(security=SECURITY)
        def post(self, body):
            """Request a return (the order's customer) of delivered units, within the return window.

            One 422 names every line that is not the vendor order's or exceeds its returnable units; 422 too
            once the window has closed. An optional `Idempotency-Key` makes a retry safe."""
            command = returns.RequestReturn(vendor_order_id=body["vendor_order_id"], reason_code=body["reason_code"],
                                            comment=body["comment"],
                                            lines={line["line_id"]: line["quantity"] for line in body["lines"]})
            with runtime().uow() as uow:
                return_id = returns.request_return(uow, request_caller(), command).id
                uow.commit()
            return _detail(request_session(), request_session().get(Return, return_id)), 201, {
                "Location": url_for("orders_returns.ReturnResource", return_id=return_id)}

        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.arguments(ReturnQuerySchema, location="query")
        @bp.response(200, ReturnSummarySchema(many=True))
        @bp.paginate(SelectPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Returns, newest first: a customer's own, a vendor's, or every one (operators)."""
            caller = request_caller()
            query = select(Return.__table__).order_by(Return.created_at.desc(), Return.id.desc())
            if not caller.operator:
                query = query.where(Return.vendor_id == caller.vendor_id if caller.vendor_id is not None
                                    else Return.customer_id == caller.customer_id)
            if "status" in filters:
                query = query.where(Return.status == filters["status"])
            return query

    @bp.route("/<return_id>")
    class ReturnResource(MethodView):
        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.response(200, ReturnSchema)
        @bp.doc(security=SECURITY)
        def get(self, return_id):
            """A return with its lines."""
            session = request_session()
            return _detail(session, returns.return_for(session, return_id, request_caller()))

    @bp.route("/<return_id>/approve")
    class Approval(MethodView):
        @require_auth(roles=(VENDOR, OPERATOR))
        @bp.arguments(ReturnApprovalSchema)
        @bp.response(200, ReturnSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, return_id):
            """Approve (its vendor; an admin operator may overrule a refusal) with a return address and RMA number."""
            command = returns.ApproveReturn(return_address=body["return_address"], rma_number=body["rma_number"])
            return _run(returns.approve, return_id, command)

    @bp.route("/<return_id>/refuse")
    class Refusal(MethodView):
        @require_auth(roles=(VENDOR,))
        @bp.arguments(RefusalSchema)
        @bp.response(200, ReturnSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, return_id):
            """Refuse a requested return with a reason (its vendor)."""
            return _run(returns.refuse, return_id, body["reason"])

    @bp.route("/<return_id>/ship")
    class ShipBack(MethodView):
        @require_auth(roles=(CUSTOMER,))
        @bp.arguments(ReturnShipmentSchema)
        @bp.response(200, ReturnSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, return_id):
            """Report an approved return shipped back, with its tracking (its customer): `shipped_back`."""
            command = returns.ShipBack(carrier=body["carrier"], tracking_number=body["tracking_number"],
                                       tracking_url=body["tracking_url"])
            return _run(returns.ship_back, return_id, command)

    @bp.route("/<return_id>/receive")
    class Receipt(MethodView):
        @require_auth(roles=(VENDOR,))
        @bp.arguments(ReturnReceiptSchema)
        @bp.response(200, ReturnSchema)
        @bp.alt_response(409, description=ILLEGAL)
        @bp.doc(security=SECURITY)
        def post(self, body, return_id):
            """Receive the parcel (its vendor), saying per line whether to restock: a refund of those units follows."""
            return _run(returns.receive, return_id, {line["line_id"]: line["restock"] for line in body["lines"]})

    return bp


def _run(use_case, return_id: str, *args) -> dict:
    """Run a returns use case in one unit of work; answer the return as it is now."""
    with runtime().uow() as uow:
        use_case(uow, return_id, request_caller(), *args)
        uow.commit()
    session = request_session()
    return _detail(session, session.get(Return, return_id))


def _detail(session, row: Return) -> dict:
    lines = session.execute(select(ReturnLine.order_line_id.label("line_id"), OrderLine.offer_id, OrderLine.title,
                                   OrderLine.unit_price_minor, ReturnLine.quantity, ReturnLine.restock)
                            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
                            .where(ReturnLine.return_id == row.id).order_by(OrderLine.position)).mappings().all()
    return {**{column.key: getattr(row, column.key) for column in Return.__table__.columns},
            "lines": [dict(line) for line in lines]}
