"""Payments: a customer pays an order awaiting payment; customers, vendor staff and operators read them.

The amount is never sent: it is the order total as payments learned it from ``order.placed``, so
a body with ``amount_minor`` or any other unknown field is refused (422).

A declined card answers ``402 payment-declined`` (problem+json carrying the failed ``payment``),
not a 201: a client that only looks at the status code must not take a decline for a success.
The failed payment is stored all the same (listed, readable), and the order stays awaiting payment,
so the customer can pay again with another method (and a new ``Idempotency-Key``).

Tenancy: a customer reads their own payments; vendor staff read the payments holding a charge of
their vendor, with only that vendor's charges and no payment-wide amounts or card; operators read
all and filter. Another tenant's payment is a 404.
"""
from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from sqlalchemy import exists, null, select

from chassis.app import runtime
from chassis.auth.flask import current_principal, require_auth
from chassis.auth.principal import CUSTOMER, OPERATOR, VENDOR
from chassis.blueprint import Blueprint
from chassis.day_filters import created_within
from chassis.errors import Problem
from chassis.idempotency import idempotent
from chassis.pagination import SelectPage, close_request_session, request_connection
from payments.api.callers import Reader, request_reader
from payments.api.schemas import PaymentDeclinedSchema, PaymentQuerySchema, PaymentSchema, PayOrderSchema
from payments.authorization import Pay, pay_order
from payments.domain.states import PaymentStatus
from payments.models import Charge, Payment

SECURITY = [{"bearerAuth": []}]
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": True, "schema": {"type": "string"},
                   "description": "Required: a retry with the same key and body answers the first response "
                                  "without paying twice"}
# What vendor staff do not see of a payment: the other vendors' money (the total reveals it) and the card.
_HIDDEN_FROM_VENDORS = ("amount_minor", "captured_minor", "voided_minor", "payment_method", "card_brand",
                        "card_last4")


def blueprint() -> Blueprint:
    bp = Blueprint("payments_payments", __name__, url_prefix="/api/v1/payments",
                   description="Payments: one authorization of an order's total, split into one charge per "
                               "vendor order.")
    bp.teardown_request(close_request_session)

    @bp.route("")
    class Payments(MethodView):
        @require_auth(roles=(CUSTOMER,))
        @idempotent()
        @bp.arguments(PayOrderSchema)
        @bp.response(201, PaymentSchema)
        @bp.alt_response(400, description="No Idempotency-Key header")
        @bp.alt_response(402, schema=PaymentDeclinedSchema,
                         description="Declined by the provider (`payment-declined`): the problem carries the failed "
                                     "`payment` (stored, with its `failure_code`); the order stays awaiting "
                                     "payment: pay again with another method and a new key")
        @bp.alt_response(404, description="No such order of this customer")
        @bp.alt_response(409, description="The order is not awaiting payment or already has a payment "
                                          "(`order-not-payable`, `order-already-paid`), or a request with this key "
                                          "is still running (`idempotency-key-in-flight`)")
        @bp.alt_response(422, description="Unknown fields (an amount is never accepted), an unknown payment method "
                                          "(`known_methods` lists them) or this key reused for another body")
        @bp.doc(security=SECURITY, parameters=[IDEMPOTENCY_KEY])
        def post(self, body):
            """Pay an order awaiting payment (its customer): its total is authorized, one charge per vendor order.

            201 with the authorized payment and `payment.authorized` emitted; a declined card is a 402
            problem carrying the failed payment, and `payment.failed` is emitted."""
            command = Pay(order_id=body["order_id"], customer_id=current_principal().subject,
                          payment_method=body["payment_method"])
            paid = pay_order(runtime().uow(), command)
            location = url_for("payments_payments.PaymentResource", payment_id=paid.payment.id)
            # Answered from what was just written (a customer sees every field): no second read.
            payment = {**_columns(paid.payment), "charges": paid.charges}
            if payment["status"] == PaymentStatus.FAILED:
                raise Problem(402, "payment-declined",
                              f"the payment method was declined ({payment['failure_code']}); pay again with "
                              f"another method and a new Idempotency-Key (orders cancels the order after its "
                              f"payment_attempts failed attempts)", headers={"Location": location},
                              failure_code=payment["failure_code"], payment=PaymentSchema().dump(payment))
            return payment, 201, {"Location": location}

        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.arguments(PaymentQuerySchema, location="query")
        @bp.response(200, PaymentSchema(many=True))
        @bp.paginate(PaymentPage)
        @bp.doc(security=SECURITY)
        def get(self, filters):
            """Payments, newest first: a customer's own, a vendor's (only its charges), every one for operators.

            Filters narrow within what the caller may see, never widen it."""
            return visible_payments(request_reader(), filters)

    @bp.route("/<payment_id>")
    class PaymentResource(MethodView):
        @require_auth(roles=(CUSTOMER, VENDOR, OPERATOR))
        @bp.response(200, PaymentSchema)
        @bp.doc(security=SECURITY)
        def get(self, payment_id):
            """A payment with its charges (its customer; vendor staff of a charge in it, seeing only theirs)."""
            reader = request_reader()
            found = request_connection().execute(visible_payments(reader, {}).where(Payment.id == payment_id))
            row = found.mappings().first()
            if row is None:
                raise Problem(404, "not-found", f"payment {payment_id} not found")
            return {**row, "charges": charges_by_payment([payment_id], reader).get(payment_id, [])}

    return bp


class PaymentPage(SelectPage):
    """A page of payment rows, each with its charges (one query for the page; a vendor's own charges only)."""

    @property
    def items(self):
        rows = super().items
        charges = charges_by_payment([row["id"] for row in rows], request_reader())
        return [{**row, "charges": charges.get(row["id"], [])} for row in rows]


def visible_payments(reader: Reader, filters: dict):
    """Payment columns the reader may see, newest first, narrowed by the filters."""
    columns = [column.label(column.key) if reader.vendor_id is None or column.key not in _HIDDEN_FROM_VENDORS
               else null().label(column.key) for column in Payment.__table__.columns]
    query = select(*columns).order_by(Payment.created_at.desc(), Payment.id.desc())
    if reader.customer_id is not None:
        query = query.where(Payment.customer_id == reader.customer_id)
    if reader.vendor_id is not None:
        query = query.where(_has_charge_of(reader.vendor_id))
    for name in ("status", "order_id", "customer_id"):
        if name in filters:
            query = query.where(getattr(Payment, name) == filters[name])
    if "vendor_id" in filters:
        query = query.where(_has_charge_of(filters["vendor_id"]))
    return created_within(query, Payment.created_at, filters)


def _has_charge_of(vendor_id: str):
    return exists().where(Charge.payment_id == Payment.id, Charge.vendor_id == vendor_id)


def charges_by_payment(payment_ids: list[str], reader: Reader) -> dict[str, list[dict]]:
    """The charges of these payments by payment id, in vendor order id order; a vendor's own only."""
    if not payment_ids:
        return {}
    query = select(Charge.__table__).where(Charge.payment_id.in_(payment_ids)).order_by(Charge.vendor_order_id)
    if reader.vendor_id is not None:
        query = query.where(Charge.vendor_id == reader.vendor_id)
    grouped: dict[str, list[dict]] = {}
    for charge in request_connection().execute(query).mappings():
        grouped.setdefault(charge["payment_id"], []).append(dict(charge))
    return grouped


def _columns(payment: Payment) -> dict:
    return {column.key: getattr(payment, column.key) for column in Payment.__table__.columns}
