"""CMS pages of the front office, for operators: list (drafts included), write, publish or unpublish.

Any operator reads them; only admins write (the API's rule, mirrored: a support operator gets no form).
"""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from console import web
from console.api import ApiError
from console.views.actions import action_failed
from console.views.catalog_forms import form_refused

FIELDS = ("slug", "locale", "title", "body")


def register(bp) -> None:
    operator, change = web.signed_in("operator"), web.signed_in_to_change("operator")
    bp.route("/pages")(operator(cms_page_list))
    bp.route("/pages/new")(change(new_cms_page))  # a form and nothing else
    bp.route("/pages/new", methods=["POST"])(change(create_cms_page))
    bp.route("/pages/<page_id>")(operator(cms_page))
    bp.route("/pages/<page_id>", methods=["POST"])(change(save_cms_page))
    bp.route("/pages/<page_id>/<move>", methods=["POST"])(change(publish_cms_page))


def cms_page_list():
    published = {"yes": "true", "no": "false"}.get(request.args.get("published", ""))
    filters = {"locale": request.args.get("locale", "").strip() or None, "published": published}
    page = web.listed("/api/v1/pages", **filters)
    return render_template("cms_pages.html", page=page, filters=request.args, notice=request.args.get("notice"))


def new_cms_page():
    return render_template("cms_page.html", cms_page=None, form={"locale": "fr"})


def create_cms_page():
    body = {**_typed(), "published": request.form.get("published") == "true"}
    try:
        created = web.api().post("/api/v1/pages", body)
    except ApiError as error:
        return form_refused(error, "cms_page.html", cms_page=None)
    return redirect(url_for("console.cms_page", page_id=created["id"], notice="cms-page-created"))


def cms_page(page_id: str):
    found = web.api().get(f"/api/v1/pages/{page_id}")
    return render_template("cms_page.html", cms_page=found, form=found, notice=request.args.get("notice"))


def save_cms_page(page_id: str):
    try:
        web.api().patch(f"/api/v1/pages/{page_id}", _typed())
    except ApiError as error:
        return form_refused(error, "cms_page.html", cms_page=web.api().get(f"/api/v1/pages/{page_id}"))
    return redirect(url_for("console.cms_page", page_id=page_id, notice="cms-page-saved"))


def publish_cms_page(page_id: str, move: str):
    """``publish`` or ``unpublish``: a PATCH of ``published`` alone."""
    if move not in ("publish", "unpublish"):
        return render_template("error.html", status=404), 404
    try:
        web.api().patch(f"/api/v1/pages/{page_id}", {"published": move == "publish"})
    except ApiError as error:
        return action_failed(error)
    if request.form.get("back") == "list":
        return redirect(url_for("console.cms_page_list", notice=f"cms-page-{move}"))
    return redirect(url_for("console.cms_page", page_id=page_id, notice=f"cms-page-{move}"))


def _typed() -> dict:
    return {name: request.form.get(name, "").strip() if name != "body" else request.form.get(name, "")
            for name in FIELDS}
