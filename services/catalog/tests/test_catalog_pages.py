"""CMS pages: operators write Markdown, the storefront reads sanitised HTML of published pages."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest

from catalog import pages
from catalog.app import definition

PROBLEM = "application/problem+json"


@pytest.fixture
def http(service_app, tmp_path):
    return service_app(definition(), media_dir=str(tmp_path / "media")).test_client()


@pytest.fixture
def tokens(bearer):
    class Tokens:
        admin = bearer(subject="op-admin", roles=["operator", "admin"])
        support = bearer(subject="op-support", roles=["operator"])
        vendor = bearer(subject="staff-a", roles=["vendor"], vendor_id="vendor-a")
        customer = bearer(subject="customer-1", roles=["customer"])
    return Tokens


def create(http, tokens, **fields):
    body = {"slug": "about-us", "locale": "en", "title": "About us", "body": "We sell **mugs**.",
            "published": True, **fields}
    return http.post("/api/v1/pages", json=body, headers=tokens.admin)


def elements(html: str) -> list[tuple[str, list]]:
    """Every start tag of ``html`` with its attributes, in order."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))
    Collector().feed(html)
    return found


def public(http, slug="about-us", locale=None):
    return http.get(f"/api/v1/pages/by-slug/{slug}" + (f"?locale={locale}" if locale else ""))


# --- writing ------------------------------------------------------------------------------------

def test_an_admin_creates_a_page_with_its_body_rendered(http, tokens):
    response = create(http, tokens)
    assert response.status_code == 201, response.json
    body = response.json
    assert {k: body[k] for k in ("slug", "locale", "title", "body", "body_html", "published")} == {
        "slug": "about-us", "locale": "en", "title": "About us", "body": "We sell **mugs**.",
        "body_html": "<p>We sell <strong>mugs</strong>.</p>\n", "published": True}
    assert body["created_at"] == body["updated_at"] and body["created_at"].endswith("+00:00")
    assert http.get(f"/api/v1/pages/{body['id']}", headers=tokens.support).json == body


def test_scripts_event_handlers_and_javascript_links_are_removed_from_the_html(http, tokens):
    source = ("Hello <script>alert(1)</script>\n\n[click](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n"
              "<a href=\"javascript:alert(4)\">raw</a> [fine](https://example.com)")
    html = create(http, tokens, body=source).json["body_html"]
    # Raw HTML is shown as text (escaped); the only elements are paragraphs and the safe link.
    assert elements(html) == [("p", []), ("p", []), ("p", []),
                              ("a", [("href", "https://example.com"), ("rel", "noopener noreferrer nofollow")])]
    assert "&lt;script&gt;" in html
    assert public(http).json["body_html"] == html


def test_patch_changes_only_what_is_sent_and_rerenders_the_body(http, tokens):
    created = create(http, tokens).json
    patched = http.patch(f"/api/v1/pages/{created['id']}", json={"body": "# Hi"}, headers=tokens.admin)
    assert patched.status_code == 200
    assert (patched.json["title"], patched.json["body_html"], patched.json["published"]) == (
        "About us", "<h1>Hi</h1>\n", True)
    assert patched.json["updated_at"] > created["updated_at"]


def test_delete_removes_the_page(http, tokens):
    page_id = create(http, tokens).json["id"]
    assert http.delete(f"/api/v1/pages/{page_id}", headers=tokens.admin).status_code == 204
    assert http.get(f"/api/v1/pages/{page_id}", headers=tokens.admin).status_code == 404
    assert http.delete(f"/api/v1/pages/{page_id}", headers=tokens.admin).status_code == 404
    assert public(http).status_code == 404


def test_a_slug_is_unique_per_locale_only(http, tokens):
    create(http, tokens)
    duplicate = create(http, tokens, title="Again")
    assert (duplicate.status_code, duplicate.content_type) == (409, PROBLEM)
    assert duplicate.json["type"] == "urn:marketplace:problem:page-slug-taken"
    assert create(http, tokens, locale="fr").status_code == 201


def test_renaming_a_page_onto_a_taken_slug_is_409(http, tokens):
    create(http, tokens)
    other = create(http, tokens, slug="contact").json["id"]
    response = http.patch(f"/api/v1/pages/{other}", json={"slug": "about-us"}, headers=tokens.admin)
    assert response.status_code == 409
    assert http.get(f"/api/v1/pages/{other}", headers=tokens.admin).json["slug"] == "contact"


@pytest.mark.parametrize("slug", ["About-Us", "about us", "about--us", "-about", "about-", "../etc", "", "a" * 201])
def test_slugs_are_lowercase_letters_digits_and_single_hyphens(http, tokens, slug):
    response = create(http, tokens, slug=slug)
    assert (response.status_code, response.content_type) == (422, PROBLEM)
    assert "slug" in response.json["errors"]


def test_locales_are_stored_in_canonical_case_and_nonsense_refused(http, tokens):
    assert create(http, tokens, locale="fr_fr").json["locale"] == "fr-FR"
    assert create(http, tokens, locale="english").status_code == 422
    assert create(http, tokens, locale="en-US; drop").status_code == 422


def test_a_page_without_locale_is_in_the_default_locale(http, tokens):
    response = http.post("/api/v1/pages", json={"slug": "faq", "title": "FAQ"}, headers=tokens.admin)
    assert (response.json["locale"], response.json["published"], response.json["body_html"]) == ("en", False, "")


def test_writes_are_audited(http, tokens):
    page_id = create(http, tokens).json["id"]
    http.patch(f"/api/v1/pages/{page_id}", json={"published": False}, headers=tokens.admin)
    entries = http.get(f"/api/v1/catalog/audit?target_id={page_id}", headers=tokens.support).json
    assert [(e["action"], e["actor"]) for e in entries] == [("page.updated", "op-admin"), ("page.created", "op-admin")]
    assert (entries[0]["before"]["published"], entries[0]["after"]["published"]) == (True, False)


# --- listing ------------------------------------------------------------------------------------

def test_operators_list_every_page_drafts_included_paginated(http, tokens):
    for slug in ("terms", "about-us", "contact"):
        create(http, tokens, slug=slug, published=slug != "terms")
    listed = http.get("/api/v1/pages?page_size=2", headers=tokens.support)
    assert listed.status_code == 200
    assert [p["slug"] for p in listed.json] == ["about-us", "contact"]
    assert json.loads(listed.headers["X-Pagination"])["total"] == 3
    drafts = http.get("/api/v1/pages?published=false", headers=tokens.support).json
    assert [p["slug"] for p in drafts] == ["terms"]


# --- the storefront -----------------------------------------------------------------------------

def test_the_storefront_reads_a_published_page_by_slug(http, tokens):
    create(http, tokens)
    response = public(http)
    assert response.status_code == 200
    assert set(response.json) == {"slug", "locale", "title", "body_html", "updated_at"}
    assert (response.json["title"], response.json["locale"]) == ("About us", "en")
    assert response.headers["Content-Language"] == "en"


def test_an_unpublished_page_is_invisible_to_the_storefront(http, tokens):
    page_id = create(http, tokens, published=False).json["id"]
    assert (public(http).status_code, public(http).content_type) == (404, PROBLEM)
    http.patch(f"/api/v1/pages/{page_id}", json={"published": True}, headers=tokens.admin)
    assert public(http).status_code == 200


def test_a_missing_locale_falls_back_to_its_language_then_to_english(http, tokens):
    create(http, tokens, title="About us")
    assert public(http, locale="fr-FR").json["locale"] == "en"
    create(http, tokens, locale="fr", title="Qui sommes-nous")
    assert (public(http, locale="fr-FR").json["title"], public(http, locale="fr-FR").json["locale"]) == (
        "Qui sommes-nous", "fr")
    create(http, tokens, locale="fr-CA", title="À propos", published=False)
    assert public(http, locale="fr-CA").json["locale"] == "fr"  # the draft is skipped
    assert public(http, locale="de").json["locale"] == "en"


def test_no_published_page_in_any_fallback_locale_is_404(http, tokens):
    create(http, tokens, locale="fr")
    assert public(http, locale="de").status_code == 404
    assert public(http, slug="Not_A_Slug").status_code == 404
    assert public(http, locale="not a locale").status_code == 422


def test_fallback_order():
    assert pages.fallback_locales("fr-FR") == ["fr-FR", "fr", "en"]
    assert pages.fallback_locales("en") == ["en"]


# --- who may do what ----------------------------------------------------------------------------

def test_writes_need_an_admin_operator(http, tokens):
    page_id = create(http, tokens).json["id"]
    for headers, status in (({}, 401), (tokens.vendor, 403), (tokens.customer, 403), (tokens.support, 403)):
        assert http.post("/api/v1/pages", json={"slug": "x", "title": "X"}, headers=headers).status_code == status
        assert http.patch(f"/api/v1/pages/{page_id}", json={"title": "Y"}, headers=headers).status_code == status
        assert http.delete(f"/api/v1/pages/{page_id}", headers=headers).status_code == status


def test_reading_drafts_needs_an_operator(http, tokens):
    page_id = create(http, tokens, published=False).json["id"]
    for headers, status in (({}, 401), (tokens.vendor, 403), (tokens.customer, 403)):
        assert http.get("/api/v1/pages", headers=headers).status_code == status
        assert http.get(f"/api/v1/pages/{page_id}", headers=headers).status_code == status
    assert http.get(f"/api/v1/pages/{page_id}", headers=tokens.support).status_code == 200
