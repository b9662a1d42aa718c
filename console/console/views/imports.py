"""CSV imports: a vendor uploads offers or products, then follows the job and reads its per-row errors.

The job page polls itself with htmx every 2 s while the job runs and stops once it is done
(a plain reload does the same without JavaScript). The error report is the catalog's
``errors.csv``, shown as a table and downloadable through the console.
"""
from __future__ import annotations

import csv
import io
from itertools import islice

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from console import web
from console.api import ApiError
from console.views.actions import action_failed

ROLES = ("vendor", "operator")
KINDS = ("offers", "products")
SHOWN_ERRORS = 200  # rows of the report on the page; the download has them all


def register(bp) -> None:
    bp.route("/imports")(web.signed_in(*ROLES)(import_list))
    bp.route("/imports", methods=["POST"])(web.signed_in_to_change(*ROLES)(upload_import))
    bp.route("/imports/<job_id>")(web.signed_in(*ROLES)(import_job))
    bp.route("/imports/<job_id>/errors.csv")(web.signed_in(*ROLES)(import_errors_csv))
    bp.route("/exports/<kind>.csv")(web.signed_in(*ROLES)(export_csv))


def import_list():
    page = web.listed("/api/v1/imports")
    return render_template("imports.html", page=page, kinds=KINDS, form=request.args)


def upload_import():
    """Vendors import for themselves; (admin) operators name the vendor, as the API asks."""
    kind, upload = request.form.get("kind"), request.files.get("file")
    if kind not in KINDS or upload is None or not upload.filename:
        return _upload_refused(_("Choose what the file holds and a CSV file."))
    try:
        job = web.api().upload("/api/v1/imports", "file", upload.filename, upload.read(),
                               upload.mimetype or "text/csv", kind=kind,
                               vendor_id=request.form.get("vendor_id", "").strip() or None)
    except ApiError as error:
        if error.status in (400, 413, 415, 422):
            return _upload_refused(error.message, status=error.status)
        return action_failed(error)
    return redirect(url_for("console.import_job", job_id=job["id"]))


def import_job(job_id: str):
    """The job's progress and, once there are any, its errors; htmx polls get the progress block only."""
    job = web.api().get(f"/api/v1/imports/{job_id}")
    errors = _error_rows(job_id) if job.get("error_rows") and job.get("status") != "running" else []
    template = "partials/import_progress.html" if request.headers.get("HX-Request") else "import_job.html"
    return render_template(template, job=job, errors=errors)


def import_errors_csv(job_id: str):
    content, content_type = web.api().get_raw(f"/api/v1/imports/{job_id}/errors.csv")
    return Response(content, content_type=content_type if "csv" in content_type else "text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="import-{job_id}-errors.csv"'})


def export_csv(kind: str):
    """Today's offers or products in the columns the import reads back: edit them, then import them."""
    if kind not in KINDS:
        return render_template("error.html", status=404), 404
    vendor_id = request.args.get("vendor_id", "").strip() or None
    content = web.api().get_raw(f"/api/v1/exports/{kind}.csv", vendor_id=vendor_id)[0]
    return Response(content, content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def _error_rows(job_id: str) -> list[dict]:
    """The report's rows (``line``, ``column``, ``message``), the first SHOWN_ERRORS of them."""
    content = web.api().get_raw(f"/api/v1/imports/{job_id}/errors.csv")[0]
    return list(islice(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))), SHOWN_ERRORS))


def _upload_refused(message: str, status: int = 422):
    page = web.listed("/api/v1/imports")
    return render_template("imports.html", page=page, kinds=KINDS, form=request.form, refusal=message), status
