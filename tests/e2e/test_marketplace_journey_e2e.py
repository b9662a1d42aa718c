"""The marketplace's main journey through the gateway only, every process real, identity issuing the tokens.

The stack (:class:`chassis.testing.stack.Stack`) runs every service's gunicorn web and worker and the
gateway, seeded as ``make run`` seeds it. People sign in through identity's login form (authorization
code + PKCE: the HTML form is read and posted, cookies kept); integrations (the operator's client,
the demo vendor's API client) use client_credentials. The orders worker sweeps every half second; the
payment timeout is one minute (its smallest value), so the unpaid order is placed first and its timeout
runs out while the other tests go on.
"""
from __future__ import annotations

import base64
import io
import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest

from chassis.testing.stack import ApiClient, Answer, Stack, eventually

pytestmark = pytest.mark.slow

SWEEPS = {"ORDERS_UNPAID_SWEEP_SECONDS": "0.5", "ORDERS_DEADLINE_SWEEP_SECONDS": "0.5"}
CHECKOUT_SETTINGS = {"payment_timeout_minutes": 1, "payment_attempts": 2}
ADDRESS = {"name": "Ada Lovelace", "line1": "1 Rue de la Paix", "postal_code": "75002", "city": "Paris",
           "country": "FR", "phone": "+33 1 23 45 67 89"}
WAREHOUSE = {**ADDRESS, "name": "Returns desk", "line1": "9 Quai de Valmy", "postal_code": "75010"}


@dataclass
class Vendor:
    api: ApiClient
    vendor_id: str


# --- the stack and its callers

@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("marketplace-journey"), env=SWEEPS) as running:
        yield running


@pytest.fixture(scope="module")
def operator(stack) -> ApiClient:
    """The demo operator's client (client_credentials, operator + admin)."""
    return stack.operator_api()


@pytest.fixture(scope="module")
def customer(stack) -> ApiClient:
    """The demo customer, signed in on the storefront's login form."""
    person = stack.credentials["customer"]
    return stack.api(log_in(stack, person["email"], person["password"]))


@pytest.fixture(scope="module")
def vendor_b(stack) -> Vendor:
    """A seeded, approved vendor acting through its API client (an integration: client_credentials)."""
    seeded = stack.credentials["vendors"][1]
    return Vendor(stack.api(stack.client_credentials_token(**seeded["client"])), seeded["vendor_id"])


@pytest.fixture(scope="module")
def vendor_b_offer(vendor_b, operator) -> dict:
    _, offer = list_product(vendor_b, operator, "Linen tea towel", price_minor=1250, shipping_minor=300, quantity=10)
    return offer


@pytest.fixture(scope="module", autouse=True)
def unpaid_order(operator, customer, vendor_b_offer) -> dict:
    """Placed before any other test, and never paid."""
    answer = operator.call("PATCH", "/api/v1/orders/settings", CHECKOUT_SETTINGS)
    assert answer.status == 200, answer
    order = place(customer, {vendor_b_offer["id"]: 1})
    order_when(customer, order["id"], "awaiting_payment")
    return order


# --- steps, as the storefront, vendors and operators take them

def log_in(stack: Stack, email: str, password: str) -> str:
    storefront = stack.credentials["clients"]["storefront"]
    return stack.log_in(email, password, storefront["client_id"], storefront["redirect_uri"])["access_token"]


def png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def list_product(vendor: Vendor, operator: ApiClient, title: str, *, price_minor: int, shipping_minor: int,
                 quantity: int) -> tuple[dict, dict]:
    """A product with an image and an offer, submitted by the vendor and approved by moderation."""
    created = vendor.api.call("POST", "/api/v1/products", {"title": title, "description": f"A **{title}**.",
                                                           "brand": "Atelier"})
    assert (created.status, created.body["vendor_id"], created.body["status"]) == (
        201, vendor.vendor_id, "draft"), created
    product_id = created.body["id"]
    image = vendor.api.upload(f"/api/v1/products/{product_id}/media", "photo.png", png((200, 80, 40)), "image/png")
    assert (image.status, image.body["kind"], image.body["width"]) == (201, "image", 64), image
    offer = vendor.api.call("POST", "/api/v1/offers", {
        "product_id": product_id, "sku": f"SKU-{product_id[:8]}", "price_minor": price_minor, "currency": "EUR",
        "shipping_minor": shipping_minor, "quantity": quantity})
    assert offer.status == 201, offer
    submitted = vendor.api.call("POST", f"/api/v1/products/{product_id}/submit")
    assert (submitted.status, submitted.body["status"]) == (200, "submitted"), submitted
    queue = operator.get("/api/v1/products/moderation")
    assert queue.status == 200 and product_id in {item["id"] for item in queue.body}, queue
    approved = operator.call("POST", f"/api/v1/products/{product_id}/approve")
    assert (approved.status, approved.body["status"]) == (200, "approved"), approved
    return approved.body, offer.body


def place(customer: ApiClient, lines: dict[str, int]) -> dict:
    answer = customer.call("POST", "/api/v1/orders", {
        "lines": [{"offer_id": offer_id, "quantity": quantity} for offer_id, quantity in lines.items()],
        "shipping_address": ADDRESS}, idempotent=True)
    assert (answer.status, answer.body["status"]) == (201, "pending"), answer
    return answer.body


def order_when(customer: ApiClient, order_id: str, status: str, timeout: float = 30.0) -> dict:
    """The order as its customer reads it, once it is ``status``."""
    eventually(lambda: customer.get(f"/api/v1/orders/{order_id}").body["status"], status, timeout)
    order = customer.get(f"/api/v1/orders/{order_id}").body
    assert order["status"] == status, order
    return order


def pay(customer: ApiClient, order_id: str, method: str, timeout: float = 30.0) -> Answer:
    """The customer's payment, once payments has learned the order awaits it (404 / 409 until then)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = customer.call("POST", "/api/v1/payments", {"order_id": order_id, "payment_method": method},
                               idempotent=True)
        learning = answer.status == 404 or (answer.status == 409 and answer.body["type"].endswith("order-not-payable"))
        if not learning or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def part_of(order: dict, vendor_id: str) -> dict:
    [vendor_order] = [part for part in order["vendor_orders"] if part["vendor_id"] == vendor_id]
    return vendor_order


def commission_of(vendor_order: dict, rate_bps: int) -> int:
    """The default rate on each line's items (shipping bears none), half to even per line."""
    return sum(round(Fraction(line["unit_price_minor"] * line["quantity"] * rate_bps, 10_000))
               for line in vendor_order["lines"])


def offer_stock(vendor: Vendor, offer_id: str) -> tuple[int, int]:
    offer = vendor.api.get(f"/api/v1/offers/{offer_id}").body
    return offer["available_quantity"], offer["reserved_quantity"]


def days() -> dict[str, str]:
    """Yesterday to tomorrow in UTC: every fact of this run, even one crossing midnight."""
    today = datetime.now(timezone.utc).date()
    return {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1)), "tz": "UTC"}


# --- the journey

def onboard_vendor(stack: Stack, operator: ApiClient) -> Vendor:
    """A person signs up, applies as a vendor, an operator approves; signing in again gives vendor rights."""
    email, password = f"owner-{secrets.token_hex(4)}@atelier.example", secrets.token_urlsafe(12)
    signed_up = stack.api().call("POST", "/api/v1/users", {"email": email, "password": password})
    assert signed_up.status == 201, signed_up
    applicant = stack.api(log_in(stack, email, password))
    applied = applicant.call("POST", "/api/v1/vendors", {
        "company_name": "Atelier Ada", "registration_number": "FR40123456824", "country": "FR",
        "contact_email": email})
    assert (applied.status, applied.body["status"]) == (201, "pending"), applied
    vendor_id = applied.body["id"]
    assert applicant.call("POST", "/api/v1/products", {"title": "Too early"}).status == 403  # not a vendor yet
    approved = operator.call("POST", f"/api/v1/vendors/{vendor_id}/approve", {"reason": "documents checked"})
    assert (approved.status, approved.body["status"]) == (200, "approved"), approved
    vendor = Vendor(stack.api(log_in(stack, email, password)), vendor_id)
    claims = claims_of(vendor.api.token)
    assert ("vendor" in claims["roles"], claims["vendor_id"]) == (True, vendor_id), claims
    return vendor


def claims_of(token: str) -> dict:
    """The access token's claims, read as a client may (identity and every service verify them)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def search(stack: Stack, words: str) -> list[dict]:
    answer = stack.api().get("/api/v1/products", q=words)
    assert answer.status == 200, answer
    return answer.body


def test_a_new_vendor_sells_to_a_customer_is_paid_out_and_every_figure_agrees(
        stack, operator, customer, vendor_b, vendor_b_offer):
    vendor_a = onboard_vendor(stack, operator)
    product, offer = list_product(vendor_a, operator, "Indigo ceramic bowl", price_minor=2499, shipping_minor=495,
                                  quantity=5)
    storefront_shows(stack, product, best_price_minor=2499)

    order = place(customer, {offer["id"]: 2, vendor_b_offer["id"]: 1})
    assert {part["vendor_id"]: part["total_minor"] for part in order["vendor_orders"]} == {
        vendor_a.vendor_id: 2 * 2499 + 495, vendor_b.vendor_id: 1250 + 300}  # items + one shipping fee each
    order_when(customer, order["id"], "awaiting_payment")
    paid = pay(customer, order["id"], "pm_card_visa")
    assert (paid.status, paid.body["status"], paid.body["amount_minor"]) == (201, "authorized", 5493 + 1550), paid
    order = order_when(customer, order["id"], "processing")
    part_a, part_b = part_of(order, vendor_a.vendor_id), part_of(order, vendor_b.vendor_id)

    accept_one_part_and_refuse_the_other(customer, paid.body["id"], (vendor_a, part_a), (vendor_b, part_b))
    released = (9, 1)  # the refused unit is back on sale; the unpaid order still holds one
    assert eventually(lambda: offer_stock(vendor_b, vendor_b_offer["id"]), released) == released

    ship_and_deliver(customer, vendor_a, part_a)
    return_one_unit(customer, vendor_a, part_a)
    assert eventually(lambda: refunds_of(customer, order["id"]), [("refunded", 2499)]) == [("refunded", 2499)]
    assert eventually(lambda: offer_stock(vendor_a, offer["id"]), (4, 0)) == (4, 0)  # 5 - 2 sold + 1 restocked

    window = operator.call("PATCH", "/api/v1/orders/settings", {"return_window_days": 0})  # the window passes
    assert window.status == 200, window
    completed = order_when(customer, order["id"], "completed")
    assert {part["vendor_id"]: part["status"] for part in completed["vendor_orders"]} == {
        vendor_a.vendor_id: "completed", vendor_b.vendor_id: "refused"}
    assert part_of(completed, vendor_a.vendor_id)["refunded_minor"] == 2499

    commission, given_back = commission_and_reversal(operator, vendor_a, part_a, captured_minor=5493,
                                                     refunded_minor=2499)
    net = 5493 - commission - (2499 - given_back)
    credited_and_paid_out(operator, vendor_a, net)
    vendor_figures_agree(operator, vendor_a, product["id"], {
        "currency": "EUR", "orders": 1, "captured_orders": 1, "units": 2, "gmv_minor": 5493,
        "refunds_minor": 2499, "net_sales_minor": 5493 - 2499, "commission_revenue_minor": commission - given_back,
        "average_basket_minor": 5493})


def storefront_shows(stack: Stack, product: dict, best_price_minor: int) -> None:
    """Anyone finds the approved product by its words, with its best price, and sees its image."""
    [found] = search(stack, product["title"].lower())
    assert (found["id"], found["best_price_minor"], found["in_stock"], found["offer_count"]) == (
        product["id"], best_price_minor, True, 1), found
    [image] = stack.api().get(f"/api/v1/products/{product['id']}/media").body
    served = stack.api().send("GET", image["urls"]["original"], None, {})
    assert (served.status, served.headers["Content-Type"]) == (200, "image/png"), served


def accept_one_part_and_refuse_the_other(customer: ApiClient, payment_id: str, accepting: tuple[Vendor, dict],
                                         refusing: tuple[Vendor, dict]) -> None:
    """The accepted part is captured, the refused one voided; the payment is then settled."""
    (vendor, part), (other_vendor, other_part) = accepting, refusing
    accepted = vendor.api.call("POST", f"/api/v1/vendor-orders/{part['id']}/accept")
    assert (accepted.status, accepted.body["status"]) == (200, "accepted"), accepted
    refused = other_vendor.api.call("POST", f"/api/v1/vendor-orders/{other_part['id']}/refuse",
                                    {"reason": "out of stock"})
    assert (refused.status, refused.body["status"]) == (200, "refused"), refused

    def charges():
        payment = customer.get(f"/api/v1/payments/{payment_id}").body
        return {charge["vendor_order_id"]: (charge["status"], charge["captured_minor"])
                for charge in payment["charges"]}
    expected = {part["id"]: ("captured", part["total_minor"]), other_part["id"]: ("voided", 0)}
    assert eventually(charges, expected) == expected
    payment = customer.get(f"/api/v1/payments/{payment_id}").body
    assert (payment["status"], payment["captured_minor"], payment["voided_minor"]) == (
        "settled", part["total_minor"], other_part["total_minor"]), payment


def ship_and_deliver(customer: ApiClient, vendor: Vendor, part: dict) -> None:
    shipment = [{"line_id": line["id"], "quantity": line["quantity"]} for line in part["lines"]]
    shipped = vendor.api.call("POST", f"/api/v1/vendor-orders/{part['id']}/shipments", {
        "carrier": "colissimo", "tracking_number": "6A123", "lines": shipment})
    assert (shipped.status, shipped.body["status"]) == (200, "shipped"), shipped
    delivered = customer.call("POST", f"/api/v1/vendor-orders/{part['id']}/deliver")
    assert (delivered.status, delivered.body["status"]) == (200, "delivered"), delivered


def return_one_unit(customer: ApiClient, vendor: Vendor, part: dict) -> None:
    """Within the window: requested, approved, sent back, received and restocked (payments then refunds)."""
    line_id = part["lines"][0]["id"]
    returned = customer.call("POST", "/api/v1/returns", {
        "vendor_order_id": part["id"], "reason_code": "damaged", "lines": [{"line_id": line_id, "quantity": 1}]})
    assert (returned.status, returned.body["status"]) == (201, "requested"), returned
    path = f"/api/v1/returns/{returned.body['id']}"
    for caller, step, body, status in (
            (vendor.api, "approve", {"return_address": WAREHOUSE, "rma_number": "RMA-1"}, "approved"),
            (customer, "ship", {"carrier": "colissimo", "tracking_number": "RT-1"}, "shipped_back"),
            (vendor.api, "receive", {"lines": [{"line_id": line_id, "restock": True}]}, "received")):
        answer = caller.call("POST", f"{path}/{step}", body)
        assert (answer.status, answer.body["status"]) == (200, status), answer


def refunds_of(customer: ApiClient, order_id: str) -> list[tuple[str, int]]:
    return [(refund["status"], refund["amount_minor"]) for refund in customer.get(
        "/api/v1/refunds", order_id=order_id).body]


def commission_and_reversal(operator: ApiClient, vendor: Vendor, part: dict, *, captured_minor: int,
                            refunded_minor: int) -> tuple[int, int]:
    """The commission charged at capture and given back by the refund, as payments' invoice shows them."""
    rate_bps = operator.get("/api/v1/payments/settings").body["default_commission_rate_bps"]
    commission = commission_of(part, rate_bps)
    given_back = round(Fraction(commission * refunded_minor, captured_minor))  # in proportion, half to even
    [refund] = vendor.api.get("/api/v1/refunds").body
    assert refund["commission_reversed_minor"] == given_back, refund
    [total] = vendor.api.get(f"/api/v1/ledger/invoices/{vendor.vendor_id}/{this_month()}").body["totals"]
    assert (total["charged_minor"], total["reversed_minor"], total["commission_minor"]) == (
        commission, given_back, commission - given_back), total
    return commission, given_back


def credited_and_paid_out(operator: ApiClient, vendor: Vendor, net: int) -> None:
    """The completed vendor order's net becomes available; a payout run pays exactly that."""
    def balances():
        return vendor.api.get(f"/api/v1/balances/{vendor.vendor_id}").body["balances"]
    credited = [{"currency": "EUR", "pending_minor": 0, "available_minor": net}]
    assert eventually(balances, credited) == credited
    run = operator.call("POST", "/api/v1/payouts/runs", idempotent=True)
    assert run.status == 201, run
    paid = [(payout["status"], payout["amount_minor"]) for payout in run.body["payouts"]
            if payout["vendor_id"] == vendor.vendor_id]
    assert paid == [("paid", net)], run.body
    assert [(payout["status"], payout["amount_minor"]) for payout in vendor.api.get("/api/v1/payouts").body] == paid
    assert balances() == [{"currency": "EUR", "pending_minor": 0, "available_minor": 0}]


def vendor_figures_agree(operator: ApiClient, vendor: Vendor, product_id: str, expected: dict) -> None:
    """The vendor's summary, series, top product and rank say what orders and payments hold."""
    def summary():
        return vendor.api.get("/api/v1/stats/summary", **days()).body["money"]
    assert eventually(summary, [expected]) == [expected]
    series = vendor.api.get("/api/v1/stats/series", metric="gmv", granularity="day", **days()).body["points"]
    assert sum(point["value"] for point in series) == expected["gmv_minor"], series
    [top] = vendor.api.get("/api/v1/stats/top-products", metric="gmv", **days()).body
    shipping = expected["gmv_minor"] - top["gmv_minor"]  # a product's GMV is its lines; shipping is apart
    assert (top["product_id"], top["units"], shipping) == (product_id, expected["units"], 495), top
    ranked = operator.get("/api/v1/stats/top-vendors", metric="gmv", **days()).body
    assert {**expected, "vendor_id": vendor.vendor_id} in ranked, ranked


def this_month() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m")


def test_a_declined_card_then_another_card_pays_the_order(customer, vendor_b_offer):
    order = place(customer, {vendor_b_offer["id"]: 1})
    order_when(customer, order["id"], "awaiting_payment")

    declined = pay(customer, order["id"], "pm_card_chargeDeclined")
    assert (declined.status, declined.body["failure_code"], declined.body["payment"]["status"]) == (
        402, "card_declined", "failed"), declined
    paid = pay(customer, order["id"], "pm_card_mastercard")
    assert (paid.status, paid.body["status"], paid.body["amount_minor"]) == (201, "authorized", 1550), paid
    processing = order_when(customer, order["id"], "processing")
    assert [part["status"] for part in processing["vendor_orders"]] == ["awaiting_acceptance"]
    listed = customer.get("/api/v1/payments", order_id=order["id"]).body
    assert [(row["id"], row["status"]) for row in listed] == [
        (paid.body["id"], "authorized"), (declined.body["payment"]["id"], "failed")]


def test_the_last_allowed_declined_payment_cancels_the_order_and_releases_its_stock(
        customer, vendor_b, vendor_b_offer):
    order = place(customer, {vendor_b_offer["id"]: 2})
    order_when(customer, order["id"], "awaiting_payment")
    stock_before = offer_stock(vendor_b, vendor_b_offer["id"])

    first = pay(customer, order["id"], "pm_card_insufficientFunds")
    assert (first.status, first.body["failure_code"]) == (402, "insufficient_funds"), first
    second = pay(customer, order["id"], "pm_card_chargeDeclined")  # attempt 2 of payment_attempts = 2
    assert (second.status, second.body["failure_code"]) == (402, "card_declined"), second

    cancelled = order_when(customer, order["id"], "cancelled")
    assert (cancelled["status_reason"], [part["status"] for part in cancelled["vendor_orders"]]) == (
        "card_declined", ["cancelled"]), cancelled
    released = (stock_before[0] + 2, stock_before[1] - 2)
    assert eventually(lambda: offer_stock(vendor_b, vendor_b_offer["id"]), released) == released


def test_an_order_left_unpaid_is_cancelled_when_its_payment_timeout_passes(customer, unpaid_order):
    cancelled = order_when(customer, unpaid_order["id"], "cancelled", timeout=90)
    assert (cancelled["status_reason"], [part["status"] for part in cancelled["vendor_orders"]]) == (
        "payment_timeout", ["cancelled"])


def test_marketplace_figures_in_analytics_equal_what_orders_and_payments_hold(operator):
    """Every order, capture, refund and commission of the run, counted by analytics, to the cent."""
    def from_orders_and_payments():
        orders = all_pages(operator, "/api/v1/orders")
        payments = all_pages(operator, "/api/v1/payments")
        refunds = [refund for refund in all_pages(operator, "/api/v1/refunds") if refund["status"] == "refunded"]
        gmv = sum(payment["captured_minor"] for payment in payments)
        commission = sum(invoice_due(operator, vendor_id) for vendor_id in {
            charge["vendor_id"] for payment in payments for charge in payment["charges"] if charge["captured_minor"]})
        captured_orders = sum(1 for payment in payments if payment["captured_minor"])
        refunded = sum(refund["amount_minor"] for refund in refunds)
        return {"orders": len(orders), "captured_orders": captured_orders, "gmv_minor": gmv,
                "refunds_minor": refunded, "net_sales_minor": gmv - refunded, "commission_revenue_minor": commission,
                "cancelled_orders": sum(1 for order in orders if order["status"] == "cancelled")}

    def from_analytics():
        summary = operator.get("/api/v1/stats/summary", **days()).body
        [money] = summary["money"] or [{}]
        figures = {name: money.get(name) for name in ("orders", "captured_orders", "gmv_minor", "refunds_minor",
                                                      "net_sales_minor", "commission_revenue_minor")}
        return {**figures, "cancelled_orders": summary["counts"]["cancelled_orders"]}

    expected = from_orders_and_payments()
    # Tests run in file order: by now the journey has captured and refunded, the other orders were cancelled.
    assert expected["gmv_minor"] and expected["refunds_minor"] and expected["cancelled_orders"], expected
    assert eventually(from_analytics, expected) == expected


def all_pages(caller: ApiClient, path: str) -> list[dict]:
    answer = caller.get(path, page_size=100)
    assert answer.status == 200 and len(answer.body) < 100, answer
    return answer.body


def invoice_due(operator: ApiClient, vendor_id: str) -> int:
    return sum(total["commission_minor"] for total in operator.get(
        f"/api/v1/ledger/invoices/{vendor_id}/{this_month()}").body["totals"])
