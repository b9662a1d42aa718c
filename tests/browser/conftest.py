"""The console in a real browser (Debian's chromium, headless, driven by Playwright) against the full stack.

One :class:`chassis.testing.stack.Stack` per module, with the console behind its gateway; every page is
reached through the gateway's URL, and people sign in on identity's own login page. The world the pages
show (vendor applications, products, paid orders) is built through the APIs, as the storefront, vendors'
tools and operators' scripts build it.

Each test gets a fresh browser context (its own cookies) at 1280x800; pages worth showing are saved by
``screenshot`` under ``var/screenshots/<name>.png`` (git-ignored; three are copied to docs/screenshots).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from chassis.testing.stack import ApiClient, Stack
from tests.browser.world import log_in

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}


# --- the browser

@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium, headless. A missing browser fails: CI must run these tests, never skip them."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install chromium)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium, request):
    """A new tab in a context of its own (no cookie shared between tests), in English.

    When the test fails, what the tab showed is kept as ``var/screenshots/failed-<test>.png``.
    """
    context = chromium.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    try:
        yield tab
        if getattr(request.node, "browser_test_failed", False):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(SCREENSHOTS / f"failed-{request.node.name}.png"))
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Tells the ``page`` fixture, at teardown, whether the test itself failed."""
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture(scope="session")
def screenshot():
    """``screenshot(page, "operator-dashboard")``: the visible viewport, kept as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    return take


@pytest.fixture
def sign_in(stack):
    """``sign_in(page, person)``: open the console, follow "Sign in" to identity's login page, come back signed in."""
    from playwright.sync_api import expect

    def as_person(page, person: dict) -> None:
        page.goto(f"{stack.gateway_url}/console/")
        page.get_by_role("link", name="Sign in").click()
        page.get_by_label("Email").fill(person["email"])
        page.get_by_label("Password").fill(person["password"])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return as_person


# --- the stack and its callers

@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(tmp_path_factory.mktemp("console-browser"), console=True) as running:
        yield running


@pytest.fixture(scope="module")
def operator_api(stack) -> ApiClient:
    """The demo operator's client (client_credentials, operator + admin)."""
    return stack.operator_api()


@pytest.fixture(scope="module")
def customer_api(stack) -> ApiClient:
    """The demo customer, signed in on the storefront's login form."""
    return stack.api(log_in(stack, stack.credentials["customer"]))


@pytest.fixture(scope="module")
def vendor_apis(stack) -> list[ApiClient]:
    """Each seeded vendor's integration (its API client, client_credentials), in the credentials' order."""
    return [stack.api(stack.client_credentials_token(**vendor["client"])) for vendor in stack.credentials["vendors"]]
