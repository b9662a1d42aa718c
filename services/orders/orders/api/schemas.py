"""Marshmallow schemas of the orders API: what comes in and what goes out, no business rules.

Line counts and quantities are the domain's to refuse (one 422 naming the lines), so the
schemas only check shapes here.
"""
from __future__ import annotations

import re

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from orders.countries import is_country
from orders.domain.states import ReturnReason, ReturnStatus, VendorOrderStatus

ID = validate.Length(min=1, max=64)
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ]+$")


def _phone(value: str) -> None:
    """Loosely: an optional leading +, digits and spaces, 6 to 20 digits."""
    digits = sum(character.isdigit() for character in value)
    if not _PHONE_CHARACTERS.fullmatch(value) or not 6 <= digits <= 20:
        raise ma.ValidationError("a phone number: an optional +, then 6 to 20 digits, spaces allowed")


def _country(value: str) -> None:
    if not is_country(value):
        raise ma.ValidationError("an ISO 3166-1 alpha-2 country code in capitals, e.g. FR")


def _text(max_length: int, **options) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(min=1, max=max_length), **options)


class AddressSchema(ma.Schema):
    name = _text(200, required=True)
    line1 = _text(200, required=True)
    line2 = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    postal_code = _text(20, required=True)
    city = _text(100, required=True)
    country = ma.fields.String(required=True, validate=_country, metadata={"description": "ISO 3166-1 alpha-2"})
    phone = ma.fields.String(required=True, validate=_phone, metadata={"example": "+33 6 12 34 56 78"})


class RequestedLineSchema(ma.Schema):
    offer_id = ma.fields.String(required=True, validate=ID)
    quantity = ma.fields.Integer(required=True, strict=True, metadata={"description": "1 to 99"})


class PlaceOrderSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(RequestedLineSchema), required=True,
                           metadata={"description": "1 to 50 lines; lines of one offer are merged (still at most 99)"})
    shipping_address = ma.fields.Nested(AddressSchema, required=True)
    billing_address = ma.fields.Nested(AddressSchema, load_default=None, allow_none=True)
    expected_total = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                                       validate=validate.Range(min=0), metadata={
                                           "description": "The total the customer saw, in minor units; "
                                                          "the order is refused (422) when catalog's prices differ"})


class OrderLineSchema(ma.Schema):
    id = ma.fields.String()
    offer_id = ma.fields.String()
    product_id = ma.fields.String()
    category_id = ma.fields.String(allow_none=True)
    vendor_id = ma.fields.String()
    title = ma.fields.String()
    unit_price_minor = ma.fields.Integer()
    shipping_minor = ma.fields.Integer(metadata={"description": "The offer's shipping fee at placement"})
    quantity = ma.fields.Integer()
    currency = ma.fields.String()
    shipped_quantity = ma.fields.Integer()
    returned_quantity = ma.fields.Integer()


class RefundRequestSchema(ma.Schema):
    id = ma.fields.String(metadata={"description": "The refund_request_id of refund.requested"})
    return_id = ma.fields.String(allow_none=True)
    cause = ma.fields.String(metadata={"description": "return, cancellation, goodwill (issued by a person), or "
                                                      "payments (a refund payments started itself)"})
    amount_minor = ma.fields.Integer(metadata={"description": "What orders asked for"})
    currency = ma.fields.String()
    reason = ma.fields.String()
    status = ma.fields.String(metadata={"description": "requested, refunded or failed (its amount may be "
                                                       "requested again)"})
    refunded_minor = ma.fields.Integer(allow_none=True, metadata={"description": "What payments refunded"})
    failure_reason = ma.fields.String(allow_none=True, metadata={"description": "refund.failed's reason_code"})
    payment_refund_id = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class VendorOrderSchema(ma.Schema):
    id = ma.fields.String()
    vendor_id = ma.fields.String()
    status = ma.fields.String()
    status_reason = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    items_total_minor = ma.fields.Integer()
    shipping_minor = ma.fields.Integer(metadata={"description": "One fee per vendor order: the highest of its offers'"})
    total_minor = ma.fields.Integer()
    refunded_minor = ma.fields.Integer()
    created_at = UtcDateTime()
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    refunds = ma.fields.List(ma.fields.Nested(RefundRequestSchema))


class TimelineEntrySchema(ma.Schema):
    at = UtcDateTime()
    vendor_order_id = ma.fields.String(allow_none=True, metadata={"description": "null for the order itself"})
    actor = ma.fields.Dict()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String()
    reason = ma.fields.String(allow_none=True)


class OrderSummarySchema(ma.Schema):
    id = ma.fields.String()
    customer_id = ma.fields.String()
    status = ma.fields.String()
    currency = ma.fields.String()
    items_total_minor = ma.fields.Integer()
    shipping_minor = ma.fields.Integer()
    total_minor = ma.fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OrderSchema(OrderSummarySchema):
    status_reason = ma.fields.String(allow_none=True)
    shipping_address = ma.fields.Nested(AddressSchema)
    billing_address = ma.fields.Nested(AddressSchema, allow_none=True)
    vendor_orders = ma.fields.List(ma.fields.Nested(VendorOrderSchema))
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntrySchema))


# --- vendor orders (fulfilment)


class VendorOrderQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf([status.value for status in VendorOrderStatus]))
    created_from = ma.fields.Date(metadata={"description": "Created on or after this day (UTC)"})
    created_to = ma.fields.Date(metadata={"description": "Created on or before this day (UTC)"})

    @ma.validates_schema
    def _range(self, data, **kwargs) -> None:
        if "created_from" in data and "created_to" in data and data["created_from"] > data["created_to"]:
            raise ma.ValidationError("created_from is after created_to", "created_to")


class VendorOrderSummarySchema(ma.Schema):
    id = ma.fields.String()
    order_id = ma.fields.String()
    vendor_id = ma.fields.String()
    customer_id = ma.fields.String()
    status = ma.fields.String()
    status_reason = ma.fields.String(allow_none=True)
    currency = ma.fields.String()
    items_total_minor = ma.fields.Integer()
    shipping_minor = ma.fields.Integer()
    total_minor = ma.fields.Integer()
    refunded_minor = ma.fields.Integer()
    status_changed_at = UtcDateTime()
    captured_at = UtcDateTime(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ShipmentLineSchema(ma.Schema):
    line_id = ma.fields.String(required=True, validate=ID)
    quantity = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))


class ShipmentSchema(ma.Schema):
    id = ma.fields.String()
    carrier = ma.fields.String()
    tracking_number = ma.fields.String()
    tracking_url = ma.fields.String(allow_none=True)
    actor = ma.fields.Dict()
    shipped_at = UtcDateTime()
    lines = ma.fields.List(ma.fields.Nested(ShipmentLineSchema))


class VendorOrderDetailSchema(VendorOrderSummarySchema):
    shipping_address = ma.fields.Nested(AddressSchema, metadata={"description": "Where the vendor ships"})
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))
    shipments = ma.fields.List(ma.fields.Nested(ShipmentSchema))
    refunds = ma.fields.List(ma.fields.Nested(RefundRequestSchema))
    refundable_minor = ma.fields.Integer(metadata={
        "description": "What may still be refunded: the total less what was refunded and what requests still wait for"})
    timeline = ma.fields.List(ma.fields.Nested(TimelineEntrySchema))


class RefusalSchema(ma.Schema):
    reason = _text(1000, required=True)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("say why, not only spaces")


class GoodwillRefundSchema(ma.Schema):
    amount_minor = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1), metadata={
        "description": "Minor units of the vendor order's currency; at most its refundable_minor (else 409)"})
    reason = ma.fields.String(required=True, validate=[validate.Length(min=1, max=1000), _not_blank])


class CancellationSchema(ma.Schema):
    reason = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=1000),
                              metadata={"description": "Required from operators"})


class ShipmentInputSchema(ma.Schema):
    carrier = _text(100, required=True)
    tracking_number = _text(100, required=True)
    tracking_url = ma.fields.Url(load_default=None, schemes={"http", "https"}, validate=validate.Length(max=2000))
    lines = ma.fields.List(ma.fields.Nested(ShipmentLineSchema), required=True, validate=validate.Length(min=1, max=50),
                           metadata={"description": "Units shipped now per line; at most what remains to ship"})

    @ma.validates("lines")
    def _distinct(self, lines, **kwargs) -> None:
        _distinct_lines(lines)


# --- returns (RMA)



class ReturnRequestLineSchema(ma.Schema):
    line_id = ma.fields.String(required=True, validate=ID)
    quantity = ma.fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))


def _distinct_lines(lines: list[dict]) -> None:
    # A line that did not validate comes without its line_id (its own error is already reported).
    line_ids = [line["line_id"] for line in lines if "line_id" in line]
    if len(set(line_ids)) != len(line_ids):
        raise ma.ValidationError("each line at most once")


class ReturnRequestSchema(ma.Schema):
    vendor_order_id = ma.fields.String(required=True, validate=ID)
    reason_code = ma.fields.String(required=True, validate=validate.OneOf([reason.value for reason in ReturnReason]))
    comment = ma.fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    lines = ma.fields.List(ma.fields.Nested(ReturnRequestLineSchema), required=True,
                           validate=[validate.Length(min=1, max=50), _distinct_lines],
                           metadata={"description": "Units to return per line: at most shipped − returned − "
                                                    "already in an open return"})


class ReturnApprovalSchema(ma.Schema):
    return_address = ma.fields.Nested(AddressSchema, required=True)
    rma_number = _text(64, required=True)


class ReturnShipmentSchema(ma.Schema):
    carrier = _text(100, required=True)
    tracking_number = _text(100, required=True)
    tracking_url = ma.fields.Url(load_default=None, schemes={"http", "https"}, validate=validate.Length(max=2000))


class ReturnReceiptLineSchema(ma.Schema):
    line_id = ma.fields.String(required=True, validate=ID)
    restock = ma.fields.Boolean(required=True, metadata={"description": "Put these units back on sale"})


class ReturnReceiptSchema(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(ReturnReceiptLineSchema), required=True,
                           validate=[validate.Length(min=1, max=50), _distinct_lines],
                           metadata={"description": "Every line of the return, once"})


class ReturnQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf([status.value for status in ReturnStatus]))


class ReturnSummarySchema(ma.Schema):
    id = ma.fields.String()
    order_id = ma.fields.String()
    vendor_order_id = ma.fields.String()
    vendor_id = ma.fields.String()
    customer_id = ma.fields.String()
    status = ma.fields.String()
    reason_code = ma.fields.String()
    refund_minor = ma.fields.Integer(allow_none=True, metadata={"description": "Set on receipt"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ReturnLineSchema(ma.Schema):
    line_id = ma.fields.String()
    offer_id = ma.fields.String()
    title = ma.fields.String()
    unit_price_minor = ma.fields.Integer()
    quantity = ma.fields.Integer()
    restock = ma.fields.Boolean(allow_none=True, metadata={"description": "The vendor's choice on receipt"})


class ReturnSchema(ReturnSummarySchema):
    comment = ma.fields.String(allow_none=True)
    rma_number = ma.fields.String(allow_none=True)
    return_address = ma.fields.Nested(AddressSchema, allow_none=True)
    refusal_reason = ma.fields.String(allow_none=True)
    carrier = ma.fields.String(allow_none=True)
    tracking_number = ma.fields.String(allow_none=True)
    tracking_url = ma.fields.String(allow_none=True)
    received_at = UtcDateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(ReturnLineSchema))
