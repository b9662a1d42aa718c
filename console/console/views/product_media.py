"""A product's images: uploaded from the product's page (multipart, through the gateway) and removed.

The catalog judges each file by its content (415 for a non-image, 413 when too large): the
console passes the file on as is and shows the catalog's answer.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError
from console.views.actions import action_failed

ROLES = ("vendor", "operator")


def register(bp) -> None:
    bp.route("/products/<product_id>/media", methods=["POST"])(web.signed_in_to_change(*ROLES)(upload_image))
    bp.route("/products/<product_id>/media/<media_id>/remove", methods=["POST"])(
        web.signed_in_to_change(*ROLES)(remove_image))


def upload_image(product_id: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return action_failed(ApiError(422, {"detail": _("Choose an image file to upload.")}))
    try:
        web.api().upload(f"/api/v1/products/{product_id}/media", "file", upload.filename, upload.read(),
                         upload.mimetype or "application/octet-stream")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.product_page", product_id=product_id, notice="image-added"))


def remove_image(product_id: str, media_id: str):
    try:
        web.api().delete(f"/api/v1/products/{product_id}/media/{media_id}")
    except ApiError as error:
        return action_failed(error)
    return redirect(url_for("console.product_page", product_id=product_id, notice="image-removed"))
