"""Which service publishes which event type, and what each event means.

The one readable place to answer "who emits X?". Every key below has a JSON Schema
for its `data` in `schemas/<event type>.json`. Events are facts, named in the past tense.
"""

EVERY_SERVICE = "*"

PRODUCERS: dict[str, dict[str, str]] = {
    "identity": {
        "user.registered": "A person signed up or was invited; the account exists.",
        "user.invited": "A vendor owner invited a new person; the mail's link sets the account's password.",
        "user.password_reset_requested": "An active account asked for a password reset; the mail carries the link.",
        "user.disabled": "An operator disabled a user account; it can no longer sign in.",
        "user.enabled": "An operator re-enabled a disabled user account.",
        "vendor.applied": "A company applied to sell on the marketplace.",
        "vendor.approved": "An operator approved a vendor application; the vendor may sell.",
        "vendor.rejected": "An operator rejected a vendor application.",
        "vendor.suspended": "An operator suspended a vendor; its offers must stop selling.",
        "vendor.reinstated": "An operator lifted a vendor suspension.",
    },
    "catalog": {
        "product.approved": "Moderation approved a product; it may be shown and sold.",
        "product.rejected": "Moderation rejected a product.",
        "stock.reserved": "Every line of an order was reserved (all or nothing).",
        "stock.rejected": "An order could not be reserved; nothing was reserved.",
        "stock.released": "Reserved stock of an order, or of one vendor order, went back on sale.",
        "stock.low": "An offer's available quantity fell to or below its alert threshold.",
        "offer.updated": "An offer's price, quantity or active flag changed.",
    },
    "orders": {
        "order.placed": "A customer placed an order, split into one vendor order per vendor.",
        "order.awaiting_payment": "Stock is reserved; the order waits for the customer to pay.",
        "order.rejected": "The order cannot go ahead (e.g. stock rejected); nothing to pay.",
        "order.processing": "The order is paid (authorized); vendors must accept their parts.",
        "order.cancelled": "The order was cancelled (left unpaid, its last allowed payment failed, or by request).",
        "order.completed": "Every vendor order of the order reached a final state.",
        "vendor_order.accepted": "A vendor accepted its part of an order; capture it.",
        "vendor_order.refused": "A vendor refused its part, or did not accept by the deadline.",
        "vendor_order.cancelled": "A vendor order was cancelled before shipping.",
        "vendor_order.shipped": "A vendor shipped its part of an order.",
        "vendor_order.delivered": "A vendor order was delivered to the customer.",
        "vendor_order.completed": "The return window closed; the vendor can be credited.",
        "return.requested": "A customer asked to return lines of a vendor order.",
        "return.approved": "The vendor approved a return request.",
        "return.refused": "The vendor refused a return request.",
        "return.received": "The vendor received the returned items back.",
        "refund.requested": "Orders asks payments to refund part of a vendor order.",
    },
    "payments": {
        "payment.authorized": "The order total was authorized on the customer's payment method.",
        "payment.failed": "Authorizing the order total failed.",
        "payment.captured": "The part of the authorization for one vendor order was captured.",
        "payment.voided": "The part of the authorization for one vendor order was released.",
        "payment.capture_failed": "Capturing a vendor order's part failed.",
        "payment.refunded": "Money went back to the customer for a vendor order.",
        "refund.failed": "A requested refund could not be made.",
        "vendor.credited": "A vendor's balance was credited with a completed vendor order, net of commission.",
        "payout.paid": "A vendor's available balance was paid out.",
        "payout.failed": "A vendor payout failed; the amount stays in the balance.",
    },
    EVERY_SERVICE: {
        "settings.changed": "An operator changed a service's settings (every service emits it).",
    },
}
