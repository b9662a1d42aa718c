"""The world the console's pages show, built through the gateway's APIs as the storefront, vendors' tools
and operators' scripts build it: vendor applications, products in moderation or on sale, paid orders."""
from __future__ import annotations

import secrets
import time

from chassis.testing.stack import ApiClient, Answer, Stack, eventually

ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}


def log_in(stack: Stack, person: dict) -> str:
    """A person's access token, signed in on identity's login form for the storefront (a public client)."""
    storefront = stack.credentials["clients"]["storefront"]
    return stack.log_in(person["email"], person["password"], storefront["client_id"],
                        storefront["redirect_uri"])["access_token"]


def apply_as_vendor(stack: Stack, company_name: str) -> dict:
    """A person signs up and applies as a vendor: a pending application."""
    person = {"email": f"owner-{secrets.token_hex(4)}@atelier.example", "password": secrets.token_urlsafe(12)}
    signed_up = stack.api().call("POST", "/api/v1/users", person)
    assert signed_up.status == 201, signed_up
    applied = stack.api(log_in(stack, person)).call("POST", "/api/v1/vendors", {
        "company_name": company_name, "registration_number": f"FR{secrets.randbelow(10**11):011d}",
        "country": "FR", "contact_email": person["email"]})
    assert (applied.status, applied.body["status"]) == (201, "pending"), applied
    return applied.body


def submit_product(vendor: ApiClient, title: str, *, price_minor: int = 2499, quantity: int = 10) -> tuple[dict, dict]:
    """A product with one offer, submitted to moderation by the vendor: (product, offer)."""
    created = vendor.call("POST", "/api/v1/products", {"title": title, "description": f"A **{title}**.",
                                                      "brand": "Atelier"})
    assert created.status == 201, created
    offer = vendor.call("POST", "/api/v1/offers", {
        "product_id": created.body["id"], "sku": f"SKU-{created.body['id'][:8]}", "price_minor": price_minor,
        "currency": "EUR", "shipping_minor": 495, "quantity": quantity})
    assert offer.status == 201, offer
    submitted = vendor.call("POST", f"/api/v1/products/{created.body['id']}/submit")
    assert (submitted.status, submitted.body["status"]) == (200, "submitted"), submitted
    return submitted.body, offer.body


def list_product(vendor: ApiClient, operator: ApiClient, title: str, **offer) -> tuple[dict, dict]:
    """A product on sale: submitted by the vendor, approved by an operator's script."""
    product, offer = submit_product(vendor, title, **offer)
    approved = operator.call("POST", f"/api/v1/products/{product['id']}/approve")
    assert (approved.status, approved.body["status"]) == (200, "approved"), approved
    return approved.body, offer


def place_and_pay(customer: ApiClient, lines: dict[str, int]) -> dict:
    """The customer's order of ``{offer_id: quantity}``, paid by card: the order once it is processing."""
    placed = customer.call("POST", "/api/v1/orders", {
        "lines": [{"offer_id": offer_id, "quantity": quantity} for offer_id, quantity in lines.items()],
        "shipping_address": ADDRESS}, idempotent=True)
    assert placed.status == 201, placed
    order_id = placed.body["id"]
    status = eventually(lambda: customer.get(f"/api/v1/orders/{order_id}").body["status"], "awaiting_payment")
    assert status == "awaiting_payment", status
    paid = pay(customer, order_id)
    assert (paid.status, paid.body["status"]) == (201, "authorized"), paid
    status = eventually(lambda: customer.get(f"/api/v1/orders/{order_id}").body["status"], "processing")
    assert status == "processing", status
    return customer.get(f"/api/v1/orders/{order_id}").body


def part_of(order: dict, vendor_id: str) -> dict:
    """The vendor order of ``vendor_id`` in a customer's order."""
    [part] = [part for part in order["vendor_orders"] if part["vendor_id"] == vendor_id]
    return part


def accept(vendor: ApiClient, vendor_order_id: str) -> None:
    """The vendor accepts its part (payments then captures it)."""
    accepted = vendor.call("POST", f"/api/v1/vendor-orders/{vendor_order_id}/accept")
    assert (accepted.status, accepted.body["status"]) == (200, "accepted"), accepted


def pay(customer: ApiClient, order_id: str, timeout: float = 30.0) -> Answer:
    """The card payment, once payments has learned the order awaits it (404 / 409 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = customer.call("POST", "/api/v1/payments", {"order_id": order_id, "payment_method": "pm_card_visa"},
                               idempotent=True)
        learning = answer.status == 404 or (answer.status == 409 and answer.body["type"].endswith("order-not-payable"))
        if not learning or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)
