"""Marshmallow schemas of the payments API shared by its resources: shapes only, no business rules.

Amounts are integers in minor units with their ISO 4217 currency. Fields a caller may not see
(another vendor's money, the card of a customer) are dumped as ``null`` for that caller.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from chassis.day_filters import CreationDaysSchema
from chassis.errors import ProblemSchema
from payments.domain.states import ChargeStatus, PaymentStatus, RefundStatus

ID = validate.Length(min=1, max=64)


def _minor(description: str = "Minor units", **options) -> ma.fields.Integer:
    return ma.fields.Integer(metadata={"description": description}, **options)


class PayOrderSchema(ma.Schema):
    """What a customer sends: the order and a method, never an amount (it comes from the order)."""

    order_id = ma.fields.String(required=True, validate=ID)
    payment_method = ma.fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "A sandbox test method, e.g. pm_card_visa (an unknown one is a 422 naming the known ones)",
        "example": "pm_card_visa"})


class ChargeSchema(ma.Schema):
    """One vendor order's part of a payment, captured or voided on its own, refunded up to its capture."""

    vendor_order_id = ma.fields.String()
    vendor_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [status.value for status in ChargeStatus]})
    currency = ma.fields.String()
    amount_minor = _minor("Authorized for this vendor order")
    captured_minor = _minor()
    refunded_minor = _minor()
    failure_code = ma.fields.String(allow_none=True)
    captured_at = UtcDateTime(allow_none=True)


class PaymentSchema(ma.Schema):
    id = ma.fields.String()
    order_id = ma.fields.String()
    customer_id = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [status.value for status in PaymentStatus]})
    currency = ma.fields.String()
    amount_minor = _minor("The order total as payments learned it; null for vendor staff", allow_none=True)
    captured_minor = _minor("null for vendor staff", allow_none=True)
    voided_minor = _minor("null for vendor staff", allow_none=True)
    payment_method = ma.fields.String(allow_none=True, metadata={"description": "null for vendor staff"})
    card_brand = ma.fields.String(allow_none=True)
    card_last4 = ma.fields.String(allow_none=True)
    failure_code = ma.fields.String(allow_none=True, metadata={
        "description": "Why the provider declined, e.g. card_declined, insufficient_funds"})
    authorization_expires_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    charges = ma.fields.List(ma.fields.Nested(ChargeSchema), metadata={
        "description": "One per vendor order once authorized; vendor staff see only their own vendor's"})


class PaymentDeclinedSchema(ProblemSchema):
    """The 402 problem of a declined payment: the failed payment is stored and carried here."""

    failure_code = ma.fields.String(metadata={"description": "e.g. card_declined, insufficient_funds"})
    payment = ma.fields.Nested(PaymentSchema, metadata={"description": "The failed payment, as GET answers it"})


class RefundSchema(ma.Schema):
    id = ma.fields.String()
    refund_request_id = ma.fields.String()
    payment_id = ma.fields.String()
    order_id = ma.fields.String()
    vendor_order_id = ma.fields.String()
    vendor_id = ma.fields.String()
    customer_id = ma.fields.String()
    return_id = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": [status.value for status in RefundStatus]})
    currency = ma.fields.String()
    amount_minor = _minor("Given back to the customer")
    commission_reversed_minor = _minor("Commission given back to the vendor; null for customers", allow_none=True)
    reason = ma.fields.String(allow_none=True)
    failure_code = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()


class PaymentQuerySchema(CreationDaysSchema):
    status = ma.fields.String(validate=validate.OneOf([status.value for status in PaymentStatus]))
    order_id = ma.fields.String(validate=ID)
    customer_id = ma.fields.String(validate=ID)
    vendor_id = ma.fields.String(validate=ID, metadata={"description": "Payments with a charge of this vendor"})


class RefundQuerySchema(CreationDaysSchema):
    status = ma.fields.String(validate=validate.OneOf([status.value for status in RefundStatus]))
    order_id = ma.fields.String(validate=ID)
    vendor_id = ma.fields.String(validate=ID)
    customer_id = ma.fields.String(validate=ID)
