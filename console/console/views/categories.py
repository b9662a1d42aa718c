"""The category tree and each category's attributes, for operators (admins change them, the API decides).

The API has no attribute edit: an attribute is added or removed. Removing a category works
only when it is empty (the API says why otherwise).
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.display_names import category_names
from console.views.actions import action_failed
from console.views.catalog_forms import form_refused

KINDS = ("text", "number", "enum", "boolean")


def register(bp) -> None:
    operator, change = web.signed_in("operator"), web.signed_in_to_change("operator")
    bp.route("/categories")(operator(category_tree))
    bp.route("/categories", methods=["POST"])(change(create_category))
    bp.route("/categories/<category_id>")(operator(category_page))
    bp.route("/categories/<category_id>", methods=["POST"])(change(rename_category))
    bp.route("/categories/<category_id>/delete", methods=["POST"])(change(delete_category))
    bp.route("/categories/<category_id>/attributes", methods=["POST"])(change(add_attribute))
    bp.route("/categories/<category_id>/attributes/<attribute_id>/delete", methods=["POST"])(
        change(remove_attribute))


def category_tree():
    return render_template("categories.html", categories=indented_categories(), form={},
                           notice=request.args.get("notice"))


def create_category():
    form = request.form
    body = {"name": form.get("name", "").strip(), "slug": form.get("slug", "").strip(),
            "parent_id": form.get("parent_id") or None}
    try:
        category = web.api().post("/api/v1/categories", body)
    except ApiError as error:
        return form_refused(error, "categories.html", categories=indented_categories())
    return redirect(url_for("console.category_page", category_id=category["id"], notice="category-created"))


def category_page(category_id: str):
    category = web.api().get(f"/api/v1/categories/{category_id}")
    return render_template("category.html", category=category, kinds=KINDS, form={}, names=category_names(),
                           notice=request.args.get("notice"))


def rename_category(category_id: str):
    body = {"name": request.form.get("name", "").strip(), "slug": request.form.get("slug", "").strip()}
    return _change(category_id, lambda: web.api().patch(f"/api/v1/categories/{category_id}", body),
                   "category-saved")


def add_attribute(category_id: str):
    form = request.form
    body = {"code": form.get("code", "").strip(), "label": form.get("label", "").strip(),
            "kind": form.get("kind", ""), "required": form.get("required") == "true",
            "unit": form.get("unit", "").strip() or None,
            "options": [option.strip() for option in form.get("options", "").split(",") if option.strip()]}
    position = form.get("position", "").strip()
    if position.lstrip("-").isdigit():
        body["position"] = int(position)
    return _change(category_id, lambda: web.api().post(f"/api/v1/categories/{category_id}/attributes", body),
                   "attribute-added")


def remove_attribute(category_id: str, attribute_id: str):
    try:
        web.api().delete(f"/api/v1/categories/{category_id}/attributes/{attribute_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.category_page", category_id=category_id, notice="attribute-removed"))


def delete_category(category_id: str):
    try:
        web.api().delete(f"/api/v1/categories/{category_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.category_tree", notice="category-deleted"))


def _change(category_id: str, call, notice: str):
    """Run the API call; a refused form comes back as typed, under the API's explanation."""
    try:
        call()
    except ApiError as error:
        category = web.api().get(f"/api/v1/categories/{category_id}")
        return form_refused(error, "category.html", category=category, kinds=KINDS, names=category_names())
    return redirect(url_for("console.category_page", category_id=category_id, notice=notice))


def indented_categories() -> list[dict]:
    """Every category, parents first (the API's order), with its depth for indentation."""
    return [{**category, "depth": len([part for part in category["path"].split("/") if part]) - 1}
            for category in web.api().get("/api/v1/categories")]
