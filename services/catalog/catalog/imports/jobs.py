"""Import jobs: one per (vendor, kind, file); rows applied one savepoint each, progress committed per chunk.

A bad row rolls back its own savepoint and is reported (line, column, message); the
rows around it stay applied. Each chunk commits with the job's counters, so a
reader sees the progress while the job runs. An unexpected error stops the job
as ``failed``; the chunks committed before it stay applied.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from catalog.imports.cells import RowErrors
from catalog.imports.csv_files import Row, Table
from catalog.models import ImportError_, ImportJob
from catalog.models.base import new_id, now

CHUNK_ROWS = 200
KINDS = ("offers", "products")
log = logging.getLogger("catalog.imports")

ApplyRow = Callable[[Any, dict[str, str]], None]
ColumnOf = Callable[[str, dict[str, str]], str]


@dataclass(frozen=True)
class Upload:
    vendor_id: str
    kind: str
    filename: str
    file_sha256: str
    created_by: str | None


def existing_job(uow, upload: Upload) -> str | None:
    """The job of this very file, if it was uploaded before (same vendor, kind and SHA-256)."""
    with uow:
        return uow.session.scalar(select(ImportJob.id).where(
            ImportJob.vendor_id == upload.vendor_id, ImportJob.kind == upload.kind,
            ImportJob.file_sha256 == upload.file_sha256))


def open_job(uow, upload: Upload, total_rows: int) -> tuple[str, bool]:
    """``(job_id, created)``: a new running job, or the one a concurrent upload of the file made."""
    job_id = new_id()
    with uow:
        uow.session.add(ImportJob(id=job_id, vendor_id=upload.vendor_id, kind=upload.kind, status="running",
                                  filename=upload.filename[:300], file_sha256=upload.file_sha256,
                                  total_rows=total_rows, processed_rows=0, applied_rows=0, error_rows=0,
                                  created_by=upload.created_by, created_at=now(), updated_at=now()))
        uow.audit("import_job.created", "import_job", job_id,
                  after={"vendor_id": upload.vendor_id, "kind": upload.kind, "filename": upload.filename,
                         "file_sha256": upload.file_sha256, "total_rows": total_rows})
        try:
            uow.commit()
            return job_id, True
        except IntegrityError:
            uow.rollback()
    existing = existing_job(uow, upload)
    if existing is None:
        raise RuntimeError("import job vanished after a unique-key conflict")
    return existing, False


def run_job(uow, job_id: str, table: Table, apply_row: ApplyRow, column_of: ColumnOf) -> None:
    """Apply every row of ``table``; the job ends ``done``, or ``failed`` with ``failure`` set."""
    for start in range(0, len(table.rows), CHUNK_ROWS):
        chunk = table.rows[start:start + CHUNK_ROWS]
        try:
            _run_chunk(uow, job_id, chunk, apply_row, column_of)
        except Exception:
            log.exception("import job failed", extra={"job_id": job_id})
            _finish(uow, job_id, "failed", f"unexpected error in lines {chunk[0].line}-{chunk[-1].line}; "
                                            "rows before them were applied, these and later rows were not")
            return
    _finish(uow, job_id, "done")


def _run_chunk(uow, job_id: str, chunk: list[Row], apply_row: ApplyRow, column_of: ColumnOf) -> None:
    with uow:
        session = uow.session
        applied = failed = 0
        for row in chunk:
            errors = _apply_one(uow, row, apply_row, column_of)
            session.add_all(ImportError_(job_id=job_id, line=row.line, column=column[:100], message=message)
                            for column, message in errors)
            applied, failed = applied + (not errors), failed + bool(errors)
        job = session.get(ImportJob, job_id)
        job.processed_rows += len(chunk)
        job.applied_rows += applied
        job.error_rows += failed
        job.updated_at = now()
        uow.commit()


def _apply_one(uow, row: Row, apply_row: ApplyRow, column_of: ColumnOf) -> list[tuple[str, str]]:
    if row.problem:
        return [("", row.problem)]
    savepoint = uow.session.begin_nested()
    try:
        apply_row(uow, row.cells)
        uow.session.flush()
    except RowErrors as exc:
        savepoint.rollback()
        return exc.errors
    except HTTPException as exc:
        savepoint.rollback()
        return problem_errors(exc, row.cells, column_of)
    except IntegrityError:
        savepoint.rollback()
        return [("", "conflicts with existing data (a SKU or GTIN already taken?)")]
    savepoint.commit()
    return []


def problem_errors(problem: HTTPException, cells: dict[str, str], column_of: ColumnOf) -> list[tuple[str, str]]:
    """A domain Problem as ``(column, message)`` pairs, from its ``errors`` member when it has one."""
    errors = (getattr(problem, "extensions", None) or {}).get("errors")
    if not errors:
        return [(column_of(getattr(problem, "problem_type", "") or "", cells) if _names_column(problem) else "",
                 problem.description or problem.name)]
    return [(column_of(field, cells), message) for field, message in _flattened(errors)]


def _names_column(problem: HTTPException) -> bool:
    return getattr(problem, "problem_type", None) in {"sku-taken", "gtin-taken", "unknown-category",
                                                       "unknown-product", "product-archived"}


def _flattened(errors: Any, prefix: str = "") -> list[tuple[str, str]]:
    """``{"attributes": {"color": ["required"]}}`` -> ``[("attributes.color", "required")]``."""
    if isinstance(errors, dict):
        return [pair for key, value in errors.items()
                for pair in _flattened(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(errors, (list, tuple)):
        return [pair for item in errors for pair in _flattened(item, prefix)]
    return [(prefix, str(errors))]


def _finish(uow, job_id: str, status: str, failure: str | None = None) -> None:
    with uow:
        job = uow.session.get(ImportJob, job_id)
        job.status, job.failure, job.updated_at = status, failure, now()
        uow.commit()
