"""Products: vendors create, edit, submit and archive theirs; operators list every vendor's and archive.

The list is the catalog's back-office listing (``scope=mine`` for a vendor, ``scope=all`` for
operators); a product's page shows its fields, its pending edit and its images.
"""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import redirect, render_template, request, url_for
from flask_babel import get_locale

from console import web
from console.api import ApiError
from console.display_names import vendor_names
from console.views.actions import action_failed
from console.views.catalog_forms import InvalidInput, attribute_values, form_refused, invalid_input
from console.views.categories import indented_categories

ROLES = ("vendor", "operator")
STATUSES = ("draft", "submitted", "approved", "rejected", "archived")
TEXT_FIELDS = ("title", "description", "brand", "gtin")


def register(bp) -> None:
    bp.route("/products")(web.signed_in(*ROLES)(product_list))
    bp.route("/products/new")(web.signed_in("vendor")(new_product))
    bp.route("/products/new", methods=["POST"])(web.signed_in("vendor")(create_product))
    bp.route("/products/<product_id>")(web.signed_in(*ROLES)(product_page))
    bp.route("/products/<product_id>", methods=["POST"])(web.signed_in("vendor")(edit_product))
    bp.route("/products/<product_id>/submit", methods=["POST"])(web.signed_in("vendor")(submit_product))
    bp.route("/products/<product_id>/archive", methods=["POST"])(web.signed_in_to_change(*ROLES)(archive_product))


def product_list():
    operator = web.current_session().user.is_operator
    filters = {"status": request.args.get("status") if request.args.get("status") in STATUSES else None,
               "q": request.args.get("q", "").strip() or None,
               "vendor_id": (request.args.get("vendor_id", "").strip() or None) if operator else None}
    page = web.listed("/api/v1/products", scope="all" if operator else "mine", **filters)
    vendors = vendor_names(product.get("vendor_id") for product in page.items) if operator else {}
    return render_template("products.html", page=page, filters=filters, statuses=STATUSES, vendors=vendors,
                           notice=request.args.get("notice"))


def new_product():
    """The form; picking a category (a GET) brings that category's attribute fields."""
    category_id = request.args.get("category_id") or None
    return render_template("product_form.html", form=request.args, **_form_context(category_id))


def create_product():
    context = _form_context(request.form.get("category_id") or None)
    try:
        body = _typed_fields(context["rules"])
        product = web.api().post("/api/v1/products", body)
    except InvalidInput as error:
        return invalid_input(error, "product_form.html", **context)
    except ApiError as error:
        return form_refused(error, "product_form.html", **context)
    return redirect(url_for("console.product_page", product_id=product["id"], notice="product-created"))


def product_page(product_id: str):
    product = web.api().get(f"/api/v1/products/{product_id}")
    media = web.api().get(f"/api/v1/products/{product_id}/media")
    return render_template("product.html", product=product, media=media, form=_as_form(product),
                           vendors=vendor_names([product.get("vendor_id")]), notice=request.args.get("notice"),
                           **_form_context(product.get("category_id")))


def edit_product(product_id: str):
    """Every field of the form is sent: for an approved product the API keeps only real changes pending."""
    product = web.api().get(f"/api/v1/products/{product_id}")
    media = web.api().get(f"/api/v1/products/{product_id}/media")
    context = {"product": product, "media": media, "vendors": vendor_names([product.get("vendor_id")]),
               **_form_context(request.form.get("category_id") or None)}
    try:
        web.api().patch(f"/api/v1/products/{product_id}", _typed_fields(context["rules"]))
    except InvalidInput as error:
        return invalid_input(error, "product.html", **context)
    except ApiError as error:
        return form_refused(error, "product.html", **context)
    return redirect(url_for("console.product_page", product_id=product_id, notice="product-saved"))


def submit_product(product_id: str):
    return _move(product_id, "submit", "product-submitted")


def archive_product(product_id: str):
    return _move(product_id, "archive", "product-archived")


def _move(product_id: str, action: str, notice: str):
    try:
        web.api().post(f"/api/v1/products/{product_id}/{action}")
    except ApiError as error:
        return action_failed(error)
    if request.form.get("back") == "list":
        return redirect(url_for("console.product_list", notice=notice))
    return redirect(url_for("console.product_page", product_id=product_id, notice=notice))


def _form_context(category_id: str | None) -> dict:
    """The categories to choose from (indented) and the chosen one's attributes (inherited ones included)."""
    categories = indented_categories()
    rules = web.api().get(f"/api/v1/categories/{category_id}")["attributes"] if category_id else []
    return {"categories": categories, "rules": rules, "category_id": category_id}


def _typed_fields(rules: list[dict]) -> dict:
    form = request.form
    body = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    body["brand"], body["gtin"] = body["brand"] or None, body["gtin"] or None
    body["category_id"] = form.get("category_id") or None
    body["attributes"] = attribute_values(rules, form)
    return body


def _as_form(product: dict) -> dict:
    """The product as its edit form's fields (attributes as ``attr:<code>``)."""
    fields = {name: product.get(name) or "" for name in TEXT_FIELDS}
    fields["category_id"] = product.get("category_id") or ""
    for code, value in (product.get("attributes") or {}).items():
        fields[f"attr:{code}"] = _as_text(value)
    return fields


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else ""
    if isinstance(value, (int, float)):  # typed back the way the reader's language writes numbers
        return format_decimal(value, locale=str(get_locale() or "en"), group_separator=False)
    return str(value)
