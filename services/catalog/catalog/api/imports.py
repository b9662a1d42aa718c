"""Catalog API: CSV imports of offers and products (jobs, progress, error reports) and CSV exports.

Vendors import and export their own data; operators act for one vendor with
``?vendor_id=`` (admins only for imports). A vendor_id is never read from a file.
"""
from __future__ import annotations

import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from sqlalchemy import select

from chassis.actors import event_actor
from chassis.app import runtime
from chassis.audit import UtcDateTime
from chassis.auth.flask import check_access, current_principal, require_auth
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import ADMIN, OPERATOR
from chassis.csv_cells import streamed_csv
from catalog.imports import csv_files, exports, jobs, offer_rows, product_rows
from catalog.models import ImportJob
from catalog.products import Editor

SECURITY = [{"bearerAuth": []}]
STAFF = ("vendor", "operator")
# The file part may be 10 MB; the multipart envelope around it needs a little more.
UPLOAD_LIMIT = csv_files.MAX_BYTES + 256 * 1024


class ImportQuerySchema(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(jobs.KINDS))
    vendor_id = ma.fields.String(metadata={"description": "Operators: the vendor imported for (required)"})


class VendorQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(metadata={"description": "Operators: one vendor (required for exports)"})


class ImportJobSchema(ma.Schema):
    id = ma.fields.String()
    vendor_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "offers or products"})
    status = ma.fields.String(metadata={"description": "running, done or failed"})
    filename = ma.fields.String()
    file_sha256 = ma.fields.String()
    total_rows = ma.fields.Integer()
    processed_rows = ma.fields.Integer()
    applied_rows = ma.fields.Integer()
    error_rows = ma.fields.Integer()
    failure = ma.fields.String(allow_none=True)
    created_by = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


def blueprint() -> Blueprint:
    blp = Blueprint("catalog_imports", __name__, url_prefix="/api/v1",
                    description="CSV imports of offers and products, their error reports, and CSV exports.")
    blp.teardown_request(close_request_session)
    blp.route("/imports")(_imports_resource(blp))
    _job_routes(blp)
    _export_routes(blp)
    return blp


def _imports_resource(blp: Blueprint):
    class Imports(MethodView):
        @require_auth(roles=STAFF)
        @blp.arguments(ImportQuerySchema, location="query")
        @blp.response(201, ImportJobSchema)
        @blp.alt_response(200, schema=ImportJobSchema,
                          description="This file was imported before: its job (resumed first if it had failed)")
        @blp.alt_response(413, description="The file is larger than 10 MB")
        @blp.doc(security=SECURITY, requestBody={"content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary"}}}}}})
        def post(self, query):
            """Import a CSV (multipart field `file`, UTF-8, `,` or `;`); the same file again returns its job.

            A job that failed (an unexpected error) resumes at its first uncommitted row.
            """
            vendor_id = _acting_vendor(query.get("vendor_id"), write=True)
            upload_name, raw = _uploaded_file()
            upload = jobs.Upload(vendor_id, query["kind"], upload_name, csv_files.sha256(raw),
                                 current_principal().subject)
            job_id, created = _import(upload, raw)
            return _job(job_id), 201 if created else 200

        @require_auth(roles=STAFF)
        @blp.arguments(VendorQuerySchema, location="query")
        @blp.response(200, ImportJobSchema(many=True))
        @blp.paginate(SelectPage)
        @blp.doc(security=SECURITY)
        def get(self, query):
            """The caller's import jobs, newest first (operators: every vendor's, or `?vendor_id=`)."""
            vendor_id = _acting_vendor(query.get("vendor_id"), write=False, optional=True)
            jobs_query = select(ImportJob.__table__).order_by(ImportJob.created_at.desc(), ImportJob.id)
            return jobs_query.where(ImportJob.vendor_id == vendor_id) if vendor_id else jobs_query
    return Imports


def _job_routes(blp: Blueprint) -> None:
    @blp.route("/imports/<job_id>")
    @require_auth(roles=STAFF)
    @blp.response(200, ImportJobSchema)
    @blp.doc(security=SECURITY)
    def import_job(job_id):
        """One import job: status, progress and counts (another vendor's answers 404)."""
        return _job(_readable_job(job_id))

    @blp.route("/imports/<job_id>/errors.csv")
    @require_auth(roles=STAFF)
    @blp.response(200)
    @blp.doc(security=SECURITY, responses=_csv_doc("line,column,message"))
    def import_job_errors(job_id):
        """The job's errors as CSV: `line` (the header is line 1), `column`, `message`."""
        return _csv(exports.job_errors, _readable_job(job_id), f"import-{job_id}-errors.csv")


def _export_routes(blp: Blueprint) -> None:
    for kind, write in (("offers", exports.offers), ("products", exports.products)):
        def export(query, write=write, kind=kind):
            vendor_id = _acting_vendor(query.get("vendor_id"), write=False)
            return _csv(write, vendor_id, f"{kind}.csv")
        export.__name__ = f"export_{kind}"
        export.__doc__ = f"The caller's {kind} as CSV, in the columns `POST /imports?kind={kind}` reads back."
        view = blp.doc(security=SECURITY, responses=_csv_doc(f"The {kind}, one per line"))(blp.response(200)(
            blp.arguments(VendorQuerySchema, location="query")(export)))
        blp.route(f"/exports/{kind}.csv", methods=["GET"])(require_auth(roles=STAFF)(view))


def _csv_doc(description: str) -> dict:
    return {"200": {"description": description, "content": {"text/csv": {"schema": {"type": "string"}}}}}


def _import(upload: jobs.Upload, raw: bytes) -> tuple[str, bool]:
    uow = runtime().uow()
    existing = jobs.existing_job(uow, upload)
    # Done or running: answered as it is, never run twice. Failed: resumed below.
    if existing and existing.status != jobs.FAILED:
        return existing.id, False
    table = csv_files.read_table(raw)
    apply_row, column_of = _row_handling(upload, table)
    job_id, created, claimed = jobs.claim_job(uow, upload, existing, len(table.rows))
    if claimed:
        jobs.run_job(uow, job_id, table, apply_row, column_of)
    return job_id, created


def _row_handling(upload: jobs.Upload, table: csv_files.Table):
    """How one row of this upload is applied, and how a domain field names its CSV column."""
    vendor_id = upload.vendor_id
    if upload.kind == "offers":
        csv_files.check_columns(table.columns, known=offer_rows.is_column, required=offer_rows.REQUIRED,
                                hint="the vendor comes from your token, never from the file")
        actor, decimal_comma = event_actor(), table.delimiter == ";"

        def apply_offer(uow, cells):
            offer_rows.apply(uow, vendor_id, cells, actor=actor, decimal_comma=decimal_comma)
        return apply_offer, offer_rows.column_of
    csv_files.check_columns(table.columns, known=product_rows.is_column, required=product_rows.REQUIRED,
                            hint="attributes are attr:<code> columns; the vendor comes from your token")
    # An operator importing for a vendor acts as that vendor: the products are the vendor's.
    editor = Editor(vendor_id=vendor_id, is_operator=False)

    def apply_product(uow, cells):
        product_rows.apply(uow, vendor_id, cells, editor=editor)
    return apply_product, product_rows.column_of


def _uploaded_file() -> tuple[str, bytes]:
    request.max_content_length = UPLOAD_LIMIT
    upload = request.files.get("file")
    if upload is None:
        raise Problem(422, "validation-failed", "send the CSV as the multipart field 'file'",
                      errors={"file": ["required"]})
    raw = upload.read(csv_files.MAX_BYTES + 1)
    csv_files.check_size(raw)
    return upload.filename or "upload.csv", raw


def _acting_vendor(requested: str | None, *, write: bool, optional: bool = False) -> str | None:
    """The vendor whose data is read or written: the token's, or an operator's explicit choice."""
    principal = current_principal()
    if principal.is_operator:
        if write:
            check_access(principal, roles=(OPERATOR, ADMIN), any_role=False)
        if not requested and not optional:
            raise Problem(422, "validation-failed", "operators name the vendor with ?vendor_id=",
                          errors={"vendor_id": ["required for operators"]})
        return requested or None
    if not principal.is_vendor or not principal.vendor_id:
        raise Problem(403, "forbidden", "only vendors and operators import and export")
    if requested and requested != principal.vendor_id:
        raise Problem(403, "forbidden", "vendors import and export only their own data")
    return principal.vendor_id


def _readable_job(job_id: str) -> str:
    principal = current_principal()
    with runtime().database.reads() as session:
        vendor_id = session.scalar(select(ImportJob.vendor_id).where(ImportJob.id == job_id))
    if vendor_id is None or not (principal.is_operator or vendor_id == principal.vendor_id):
        raise Problem(404, "not-found", f"no import job {job_id!r}")
    return job_id


def _job(job_id: str) -> dict:
    with runtime().database.reads() as session:
        job = session.get(ImportJob, job_id)
        return {column.name: getattr(job, column.name) for column in ImportJob.__table__.columns}


def _csv(write, key: str, filename: str) -> Response:
    return streamed_csv(runtime().database, write, key, filename=filename)
