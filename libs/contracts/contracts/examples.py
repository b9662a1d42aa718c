"""One valid example ``data`` per event type: documentation, and material for tests anywhere.

``example("order.placed", order_id="o-1")`` returns a fresh copy with
top-level fields replaced; every example validates against its schema (the
contracts tests check it).
"""
from __future__ import annotations

import copy
from typing import Any

ORDER, VENDOR_ORDER, VENDOR, CUSTOMER = "ord-7f3a", "vo-19c2", "ven-51d0", "usr-c0ff"
OFFER, PRODUCT, PAYMENT, RETURN = "off-aa01", "prd-0b7e", "pay-3e11", "ret-77d2"
OPERATOR = {"kind": "user", "id": "usr-0p01", "roles": ["operator"]}
VENDOR_STAFF = {"kind": "user", "id": "usr-v001", "roles": ["vendor"]}
STOCK_LINE = {"offer_id": OFFER, "vendor_id": VENDOR, "quantity": 2}
RETURN_LINE = {"line_id": "lin-1", "offer_id": OFFER, "quantity": 1}
ORDER_LINE = {"line_id": "lin-1", "offer_id": OFFER, "product_id": PRODUCT, "category_id": "cat-9",
              "vendor_id": VENDOR, "quantity": 2, "unit_price_minor": 1250, "title": "Teapot"}
ORDER_FACTS = {"order_id": ORDER, "customer_id": CUSTOMER}
ORDER_MONEY = {**ORDER_FACTS, "currency": "EUR", "total_minor": 2990}
VENDOR_ORDER_FACTS = {**ORDER_MONEY, "vendor_order_id": VENDOR_ORDER, "vendor_id": VENDOR}
RETURN_FACTS = {"return_id": RETURN, "order_id": ORDER, "vendor_order_id": VENDOR_ORDER,
                "vendor_id": VENDOR, "customer_id": CUSTOMER, "lines": [RETURN_LINE]}
PAYMENT_FACTS = {"payment_id": PAYMENT, "order_id": ORDER, "amount_minor": 2990, "currency": "EUR"}
PAYMENT_PART = {**PAYMENT_FACTS, "vendor_order_id": VENDOR_ORDER, "vendor_id": VENDOR}
PAYOUT = {"payout_id": "pyo-1", "vendor_id": VENDOR, "amount_minor": 10000, "currency": "EUR"}

EXAMPLES = {
    "user.registered": {"user_id": CUSTOMER, "email": "ada@example.com", "roles": ["customer"]},
    "user.invited": {"user_id": "usr-v002", "email": "new.hire@teaandco.example", "vendor_id": VENDOR,
                     "role": "manager", "invitation": {
                         "token": "Zm9vYmFy-invitation", "expires_at": "2025-03-08T09:30:00Z",
                         "url": "https://shop.example/accept-invitation?token=Zm9vYmFy-invitation"}},
    "user.password_reset_requested": {"user_id": CUSTOMER, "email": "ada@example.com", "reset": {
        "token": "Zm9vYmFy-reset", "expires_at": "2025-03-01T10:30:00Z",
        "url": "https://shop.example/reset-password?token=Zm9vYmFy-reset"}},
    "user.disabled": {"user_id": CUSTOMER, "reason": "chargeback fraud", "actor": OPERATOR},
    "user.enabled": {"user_id": CUSTOMER, "actor": OPERATOR},
    "vendor.applied": {"vendor_id": VENDOR, "company_name": "Tea & Co", "country": "FR",
                       "owner_user_id": "usr-v001", "applied_at": "2025-03-01T09:30:00Z"},
    "vendor.approved": {"vendor_id": VENDOR, "actor": OPERATOR},
    "vendor.rejected": {"vendor_id": VENDOR, "reason": "incomplete KYC", "actor": OPERATOR},
    "vendor.suspended": {"vendor_id": VENDOR, "reason": "counterfeit goods", "actor": OPERATOR},
    "vendor.reinstated": {"vendor_id": VENDOR, "actor": OPERATOR},
    "product.approved": {"product_id": PRODUCT, "vendor_id": VENDOR, "actor": OPERATOR},
    "product.rejected": {"product_id": PRODUCT, "vendor_id": None, "reason": "blurry images"},
    "stock.reserved": {"order_id": ORDER, "lines": [STOCK_LINE]},
    "stock.rejected": {"order_id": ORDER, "lines": [
        {**STOCK_LINE, "available_quantity": 1, "reason": "insufficient_stock"}]},
    "stock.released": {"order_id": ORDER, "vendor_order_id": VENDOR_ORDER, "lines": [STOCK_LINE],
                       "reason": "vendor_order_refused"},
    "stock.low": {"offer_id": OFFER, "vendor_id": VENDOR, "available_quantity": 3, "threshold": 5},
    "offer.updated": {"offer_id": OFFER, "vendor_id": VENDOR, "product_id": PRODUCT,
                      "price_minor": 1250, "currency": "EUR", "available_quantity": 40,
                      "active": True},
    "order.placed": {**ORDER_MONEY, "placed_at": "2025-03-02T14:05:09.120+01:00", "vendor_orders": [
        {"vendor_order_id": VENDOR_ORDER, "vendor_id": VENDOR, "items_total_minor": 2500,
         "shipping_minor": 490, "total_minor": 2990, "lines": [ORDER_LINE]}]},
    "order.awaiting_payment": {**ORDER_MONEY, "payment_due_at": "2025-03-02T14:35:09Z"},
    "order.rejected": {**ORDER_FACTS, "reason": "stock_rejected"},
    "order.processing": {**ORDER_FACTS, "payment_id": PAYMENT},
    "order.cancelled": {**ORDER_MONEY, "reason": "payment_timeout",
                        "actor": {"kind": "system", "id": None}},
    "order.completed": ORDER_MONEY,
    "vendor_order.accepted": {**VENDOR_ORDER_FACTS, "actor": VENDOR_STAFF},
    "vendor_order.refused": {**VENDOR_ORDER_FACTS, "reason": "out of stock in warehouse"},
    "vendor_order.cancelled": {**VENDOR_ORDER_FACTS, "reason": "customer request"},
    "vendor_order.shipped": {**VENDOR_ORDER_FACTS, "carrier": "colissimo", "tracking_number": "6A12345678901",
                             "shipment_id": "shp-1", "partial": True,
                             "lines": [{"line_id": "lin-1", "offer_id": OFFER, "quantity": 1}]},
    "vendor_order.delivered": {**VENDOR_ORDER_FACTS, "delivered_at": "2025-03-05T11:00:00Z"},
    "vendor_order.completed": VENDOR_ORDER_FACTS,
    "return.requested": {**RETURN_FACTS, "reason": "arrived broken"},
    "return.approved": {**RETURN_FACTS, "actor": VENDOR_STAFF},
    "return.refused": {**RETURN_FACTS, "reason": "outside the return window"},
    "return.received": {**RETURN_FACTS, "lines": [{**RETURN_LINE, "restock": False}]},
    "refund.requested": {"refund_request_id": "rfq-1", "cause": "return", "return_id": RETURN,
                         "order_id": ORDER, "vendor_order_id": VENDOR_ORDER, "vendor_id": VENDOR,
                         "amount_minor": 1250, "currency": "EUR", "reason": "arrived broken"},
    "payment.authorized": {**PAYMENT_FACTS, "payment_method": {"brand": "visa", "last4": "4242"}},
    "payment.failed": {"payment_id": PAYMENT, "order_id": ORDER, "reason_code": "card_declined"},
    "payment.captured": {**PAYMENT_PART, "commission_minor": 299},
    "payment.voided": PAYMENT_PART,
    "payment.capture_failed": {**PAYMENT_PART, "reason_code": "authorization_expired"},
    "payment.refunded": {**PAYMENT_PART, "refund_id": "rfd-1", "refund_request_id": "rfq-1",
                         "amount_minor": 1250, "commission_reversed_minor": 125},
    "refund.failed": {**PAYMENT_PART, "refund_request_id": "rfq-1", "amount_minor": 1250,
                      "reason_code": "payment_not_captured"},
    "vendor.credited": {"vendor_id": VENDOR, "order_id": ORDER, "vendor_order_id": VENDOR_ORDER,
                        "gross_minor": 2990, "commission_minor": 299, "net_minor": 2691,
                        "currency": "EUR"},
    "payout.paid": PAYOUT,
    "payout.failed": {**PAYOUT, "reason_code": "invalid_iban"},
    "settings.changed": {"service": "orders", "actor": OPERATOR, "changed": {
        "return_window_days": {"before": 14, "after": 30}}},
}


def example(event_type: str, **overrides: Any) -> dict:
    """A fresh, valid ``data`` for ``event_type``, with top-level fields replaced by ``overrides``."""
    return {**copy.deepcopy(EXAMPLES[event_type]), **overrides}
