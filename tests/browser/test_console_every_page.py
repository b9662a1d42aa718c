"""Every page of the console's menus answers, against the real services, for an operator and for a vendor.

The console's pages were first tested against a stub gateway, which answers what its tests expect; here
each page calls the real APIs. A little world is built through the APIs first (a vendor application, a
product in moderation, an order paid, accepted, shipped, delivered and returned, a CMS page, a category, a
commission rule, a payout run) so the lists have rows and their detail pages can be opened.

Each role's pages are walked in one test that keeps going after a broken page and names every broken page
at the end: one run shows all that is wrong. Every page visited is kept as
``var/screenshots/<role>-<page>.png``.
"""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

import pytest

from tests.browser.world import accept, apply_as_vendor, list_product, part_of, place_and_pay, submit_product

pytestmark = pytest.mark.slow

ERROR_HEADINGS = ("You may not see this page", "Page not found", "A service is unavailable",
                  "A service could not answer", "Something went wrong", "Nothing to manage here")
# Text a page should never show: a Python None or a template's missing value leaking into the HTML.
LEAKS = re.compile(r"\bNone\b|\bUndefined\b|Traceback")
# The page's text but its lists of choices, where "None" is a choice ("None (top level)").
SHOWN_TEXT = """main => {
  const copy = main.cloneNode(true);
  copy.querySelectorAll("select, script").forEach(element => element.remove());
  return copy.textContent;
}"""
# A detail page: an id (UUID-like) one level under its list page (``/orders`` → ``/orders/<id>``).
DETAIL = re.compile(r"^/[0-9A-Za-z_-]{8,}$")


# --- the world

@pytest.fixture(scope="module")
def world(stack, operator_api, customer_api, vendor_apis) -> dict:
    """What the pages list, made through the APIs; the first seeded vendor's is what its owner sees."""
    vendor, seeded = vendor_apis[0], stack.credentials["vendors"][0]
    application = apply_as_vendor(stack, "Atelier Every Page SARL")
    waiting, _ = submit_product(vendor, "Every-page moderation vase")
    _, offer = list_product(vendor, operator_api, "Every-page linen apron", price_minor=3200)
    part = part_of(place_and_pay(customer_api, {offer["id"]: 2}), seeded["vendor_id"])
    accept(vendor, part["id"])
    lines = [{"line_id": line["id"], "quantity": line["quantity"]} for line in part["lines"]]
    shipped = vendor.call("POST", f"/api/v1/vendor-orders/{part['id']}/shipments",
                          {"carrier": "colissimo", "tracking_number": "6A9876543210", "lines": lines})
    assert shipped.status == 200, shipped
    delivered = vendor.call("POST", f"/api/v1/vendor-orders/{part['id']}/deliver")
    assert delivered.status == 200, delivered
    returned = customer_api.call("POST", "/api/v1/returns", {
        "vendor_order_id": part["id"], "reason_code": "damaged", "comment": "The apron came torn.",
        "lines": [{"line_id": lines[0]["line_id"], "quantity": 1}]})
    assert returned.status == 201, returned
    suffix = secrets.token_hex(3)
    page = operator_api.call("POST", "/api/v1/pages", {"slug": f"every-page-{suffix}", "title": "Shipping policy",
                                                       "body": "We ship **everywhere**.", "published": True})
    assert page.status == 201, page
    category = operator_api.call("POST", "/api/v1/categories", {"name": "Kitchen linen", "slug": f"linen-{suffix}"})
    assert category.status == 201, category
    rule = operator_api.call("POST", "/api/v1/commission-rules", {"vendor_id": seeded["vendor_id"], "rate_bps": 1200})
    assert rule.status == 201, rule
    run = operator_api.call("POST", "/api/v1/payouts/runs", idempotent=True)
    assert run.status == 201, run
    return {"application": application, "waiting": waiting, "vendor_order": part, "return": returned.body}


# --- walking the pages

def console(stack, path: str = "/") -> str:
    return f"{stack.gateway_url}/console{path}"


def page_name(path: str) -> str:
    """``/settings/identity`` → ``settings-identity``, ``/rules?vendor_id=1`` → ``rules-vendor_id``: a screenshot's name."""
    parts = urlsplit(path)
    name = parts.path.removeprefix("/console").strip("/").replace("/", "-") or "home"
    return f"{name}-{parts.query.split('=')[0]}" if parts.query else name


def menu_pages(page) -> list[tuple[str, str]]:
    """The main menu's pages as (name, path), in the menu's order: what this user can reach."""
    links = page.locator("header nav a")
    found = []
    for index in range(links.count()):
        path = urlsplit(links.nth(index).get_attribute("href")).path
        if path not in [each for _, each in found]:
            found.append((page_name(path), path))
    return found


def problems_with(page, response, name: str) -> list[str]:
    """What is wrong with the page just loaded: its status, the error page, no heading, leaked text."""
    if response is None:
        return [f"{name}: no answer"]
    found = []
    if response.status != 200:
        found.append(f"{name}: answered {response.status}")
    headings = page.locator("main h1")
    if headings.count() == 0:
        found.append(f"{name}: no heading")
    else:
        heading = headings.first.inner_text().strip()
        if heading in ERROR_HEADINGS:
            detail = page.locator("main").inner_text().replace("\n", " ")[:200]
            found.append(f"{name}: the error page «{heading}» ({detail})")
        elif not heading:
            found.append(f"{name}: an empty heading")
    leak = LEAKS.search(page.locator("main").evaluate(SHOWN_TEXT))
    if leak:
        found.append(f"{name}: shows «{leak.group()}»")
    return found


def detail_links(page, list_path: str) -> list[str]:
    """The first link to a detail page under ``list_path`` (an id below it), if the list has one."""
    links = page.locator("main a[href]")
    for index in range(links.count()):
        path = urlsplit(links.nth(index).get_attribute("href")).path
        if path.startswith(list_path + "/") and DETAIL.match(path[len(list_path):]):
            return [path]
    return []


def visit(stack, page, screenshot, role: str, name: str, path: str) -> list[str]:
    response = page.goto(console(stack, path.removeprefix("/console")))
    screenshot(page, f"{role}-{name}")
    return problems_with(page, response, f"{name} ({path})")


def filter_once(stack, page, screenshot, role: str, name: str) -> list[str]:
    """Submits the page's GET filter form, if any, with each list's first real choice picked.

    A form that needs typed input (a preview asking for a vendor and an amount) is not a filter: skipped."""
    forms = page.locator("main form[method=get], main form[method=GET]").filter(
        has_not=page.locator("[required]"))
    if forms.count() == 0:
        return []
    form = forms.first
    selects = form.locator("select")
    for index in range(selects.count()):
        values = [value for value in selects.nth(index).locator("option").evaluate_all(
            "options => options.map(option => option.value)") if value]
        if values:
            selects.nth(index).select_option(values[0])
    with page.expect_navigation() as navigation:
        form.locator("button, input[type=submit]").first.click()
    screenshot(page, f"{role}-{name}-filtered")
    return problems_with(page, navigation.value, f"{name} filtered ({page.url})")


def walk(stack, page, screenshot, role: str) -> list[str]:
    """Every page of the menu, its filter form once, and its first detail page: every problem found."""
    problems = []
    for name, path in menu_pages(page):
        problems += visit(stack, page, screenshot, role, name, path)
        details = detail_links(page, path)
        problems += filter_once(stack, page, screenshot, role, name)
        for detail in details:
            problems += visit(stack, page, screenshot, role, f"{name}-detail", detail)
    return problems


def test_every_page_of_the_operators_menu_and_their_first_detail_page_answer(
        stack, world, page, sign_in, screenshot):
    sign_in(page, stack.credentials["operator"])
    pages = [path for _, path in menu_pages(page)]
    assert len(pages) >= 15, pages

    problems = walk(stack, page, screenshot, "operator")
    for extra in ("/settings/identity", "/settings/catalog", "/settings/orders", "/settings/payments", "/settings/analytics",
                  "/refunds", "/payouts/preview", "/pages/new", "/account",
                  f"/commission-rules?vendor_id={stack.credentials['vendors'][0]['vendor_id']}&amount=25"):
        problems += visit(stack, page, screenshot, "operator", page_name(extra), extra)

    assert not problems, "\n".join(problems)


def test_every_page_of_a_vendors_menu_and_their_first_detail_page_answer(stack, world, page, sign_in, screenshot):
    sign_in(page, stack.credentials["vendors"][0]["owner"])
    pages = [path for _, path in menu_pages(page)]
    assert len(pages) >= 10, pages

    problems = walk(stack, page, screenshot, "vendor")
    for extra in ("/products/new", "/account"):
        problems += visit(stack, page, screenshot, "vendor", page_name(extra), extra)

    assert not problems, "\n".join(problems)


def test_the_lists_show_what_was_made_and_name_vendors_and_products(stack, world, page, sign_in):
    """The lists are not empty for want of a correct query, and they name what the API can name."""
    vendor = stack.credentials["vendors"][0]
    problems = []

    def expect_on(path: str, *texts: str) -> None:
        page.goto(console(stack, path))
        shown = page.locator("main").inner_text()
        problems.extend(f"{path} does not show «{text}»" for text in texts if text not in shown)

    sign_in(page, stack.credentials["operator"])
    expect_on("/vendors", "Atelier Every Page SARL")
    expect_on("/moderation", "Every-page moderation vase", f"Vendor {vendor['name']}")
    expect_on("/products", "Every-page linen apron", vendor["name"])
    expect_on("/orders", world["vendor_order"]["id"], vendor["name"])
    expect_on("/returns", world["return"]["id"], "Damaged")
    expect_on("/pages", "Shipping policy")
    expect_on("/categories", "Kitchen linen")
    page.context.clear_cookies()

    sign_in(page, vendor["owner"])
    expect_on("/offers", "Every-page linen apron", "Every-page moderation vase")
    expect_on("/orders", world["vendor_order"]["id"])
    expect_on("/returns", world["return"]["id"])
    assert not problems, "\n".join(problems)
