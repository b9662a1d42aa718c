"""Operators and vendors use the console in chromium, through the gateway, every process real.

They sign in on identity's login page; what they act on was made through the APIs beforehand
(tests/browser/world.py), and what they did is checked both on the page and through the APIs.
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.world import accept, apply_as_vendor, list_product, part_of, place_and_pay, submit_product

pytestmark = pytest.mark.slow
# Analytics counts orders from the events it consumes: the dashboard catches up within seconds.
ANALYTICS_CATCH_UP_SECONDS = 60


def console(stack, path: str) -> str:
    return f"{stack.gateway_url}/console{path}"


def tile(page, name: str):
    """The figure of a dashboard tile, found by its heading."""
    return page.locator(".tile").filter(has=page.get_by_role("heading", name=name, exact=True)).locator(".figure")


# --- operators

def test_an_operator_approves_a_pending_vendor_application(stack, page, sign_in, screenshot, operator_api):
    application = apply_as_vendor(stack, "Maison Indigo SAS")
    sign_in(page, stack.credentials["operator"])

    page.goto(console(stack, "/vendors"))
    row = page.get_by_role("row").filter(has_text="Maison Indigo SAS")
    screenshot(page, "vendor-applications")
    row.get_by_label("Reason").first.fill("Registration papers checked")
    row.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status")).to_have_text("Approved.")
    assert operator_api.get(f"/api/v1/vendors/{application['id']}").body["status"] == "approved"


def test_an_operator_approves_a_product_waiting_in_the_moderation_queue(
        stack, page, sign_in, screenshot, operator_api, vendor_apis):
    product, _ = submit_product(vendor_apis[0], "Indigo ceramic bowl")
    sign_in(page, stack.credentials["operator"])

    page.goto(console(stack, "/moderation"))
    waiting = page.get_by_role("article").filter(has=page.get_by_role("heading", name="Indigo ceramic bowl"))
    expect(waiting).to_be_visible()
    screenshot(page, "moderation-queue")
    waiting.get_by_role("button", name="Approve").click()

    expect(waiting.get_by_role("status")).to_have_text("Approved.")
    assert operator_api.get(f"/api/v1/products/{product['id']}").body["status"] == "approved"


def test_the_operator_dashboard_shows_an_order_once_it_is_paid_and_its_sales_once_accepted(
        stack, page, sign_in, screenshot, operator_api, customer_api, vendor_apis):
    offers = [list_product(vendor, operator_api, title, price_minor=price)[1] for vendor, title, price in zip(
        vendor_apis, ("Linen tea towel", "Brass desk lamp"), (1250, 8900))]
    sign_in(page, stack.credentials["operator"])  # an operator lands on the marketplace dashboard
    expect(page.get_by_role("heading", name="Marketplace dashboard")).to_be_visible()
    orders_before, gmv_before = tile(page, "Orders").inner_text(), tile(page, "GMV").inner_text()

    order = place_and_pay(customer_api, {offers[0]["id"]: 2, offers[1]["id"]: 1})
    for vendor, seeded in zip(vendor_apis, stack.credentials["vendors"]):
        accept(vendor, part_of(order, seeded["vendor_id"])["id"])

    deadline = time.monotonic() + ANALYTICS_CATCH_UP_SECONDS
    while tile(page, "GMV").inner_text() == gmv_before and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    assert int(tile(page, "Orders").inner_text()) == int(orders_before) + 1
    assert tile(page, "GMV").inner_text() != gmv_before
    screenshot(page, "operator-dashboard")


# --- vendors

def test_a_vendor_changes_an_offers_stock_inline_on_the_offers_page(
        stack, page, sign_in, screenshot, operator_api, vendor_apis):
    _, offer = list_product(vendor_apis[0], operator_api, "Stoneware jug", quantity=10)
    sign_in(page, stack.credentials["vendors"][0]["owner"])

    page.goto(console(stack, "/offers"))
    row = page.get_by_role("row").filter(has_text=offer["sku"])
    row.get_by_label("New available quantity").fill("7")
    row.get_by_role("button", name="Save").click()

    expect(row.get_by_role("status")).to_have_text("Offer saved.")
    expect(row.get_by_role("cell").nth(3)).to_have_text("7")  # Available
    assert vendor_apis[0].get(f"/api/v1/offers/{offer['id']}").body["available_quantity"] == 7
    screenshot(page, "offers")


def test_a_vendor_accepts_an_order_then_ships_it_with_a_tracking_number(
        stack, page, sign_in, screenshot, operator_api, customer_api, vendor_apis):
    vendor = stack.credentials["vendors"][0]
    _, offer = list_product(vendor_apis[0], operator_api, "Walnut serving board", price_minor=4500)
    part = part_of(place_and_pay(customer_api, {offer["id"]: 2}), vendor["vendor_id"])
    sign_in(page, vendor["owner"])
    screenshot(page, "vendor-dashboard")

    page.goto(console(stack, "/orders"))
    page.get_by_role("link", name=part["id"]).click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_have_text("Order accepted.")
    screenshot(page, "vendor-order")
    page.get_by_label("Carrier").fill("colissimo")
    page.get_by_label("Tracking number", exact=True).fill("6A0123456789")
    page.get_by_role("button", name="Record shipment").click()

    expect(page.get_by_role("status")).to_have_text("Shipment recorded.")
    expect(page.get_by_role("listitem").filter(has_text="6A0123456789")).to_be_visible()
    shipped = vendor_apis[0].get(f"/api/v1/vendor-orders/{part['id']}").body
    assert (shipped["status"], [shipment["tracking_number"] for shipment in shipped["shipments"]]) == (
        "shipped", ["6A0123456789"])


def test_a_vendor_gets_the_403_page_on_an_operator_page(stack, page, sign_in):
    sign_in(page, stack.credentials["vendors"][0]["owner"])

    response = page.goto(console(stack, "/vendors"))

    assert response.status == 403
    expect(page.get_by_role("heading", name="You may not see this page")).to_be_visible()


def test_a_vendor_cannot_open_another_vendors_order(stack, page, sign_in, operator_api, customer_api, vendor_apis):
    other = stack.credentials["vendors"][1]
    _, offer = list_product(vendor_apis[1], operator_api, "Other vendor's candle", price_minor=1800)
    part = part_of(place_and_pay(customer_api, {offer["id"]: 1}), other["vendor_id"])
    sign_in(page, stack.credentials["vendors"][0]["owner"])

    response = page.goto(console(stack, f"/orders/{part['id']}"))

    assert response.status in (403, 404)
    expect(page.get_by_role("heading", name=re.compile("You may not see this page|Page not found"))).to_be_visible()
    expect(page.get_by_text("Other vendor's candle")).to_have_count(0)


# --- every page

def test_the_language_switch_shows_the_console_in_french_and_back(stack, page, sign_in, screenshot):
    sign_in(page, stack.credentials["operator"])
    expect(page.get_by_role("heading", name="Marketplace dashboard")).to_be_visible()

    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name="Tableau de bord de la marketplace")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    screenshot(page, "operator-dashboard-fr")
    page.get_by_role("button", name="English").click()

    expect(page.get_by_role("heading", name="Marketplace dashboard")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


# --- every page

def test_the_first_tab_stop_skips_the_menu_to_the_page(stack, page, sign_in):
    sign_in(page, stack.credentials["operator"])

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def test_on_a_phone_wide_screen_the_page_does_not_scroll_sideways(stack, page, sign_in, screenshot):
    sign_in(page, stack.credentials["operator"])
    page.set_viewport_size({"width": 375, "height": 740})

    page.goto(console(stack, "/customer-orders"))

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "orders-on-a-phone")
