"""Import jobs: one per (vendor, kind, file); rows applied one savepoint each, progress committed per chunk.

A bad row rolls back its own savepoint and is reported (line, column, message); the
rows around it stay applied. Each chunk commits with the job's counters, so a
reader sees the progress while the job runs. An unexpected error stops the job
as ``failed``; the chunks committed before it stay applied, and uploading the
same file again resumes the job at the first row it did not commit.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from catalog.imports.cells import RowErrors
from catalog.imports.csv_files import Row, Table
from catalog.imports.row_errors import ColumnOf, problem_errors
from catalog.models import ImportError_, ImportJob
from catalog.models.base import new_id, now

CHUNK_ROWS = 200
KINDS = ("offers", "products")
RUNNING, DONE, FAILED = "running", "done", "failed"
log = logging.getLogger("catalog.imports")

ApplyRow = Callable[[Any, dict[str, str]], None]


@dataclass(frozen=True)
class Upload:
    vendor_id: str
    kind: str
    filename: str
    file_sha256: str
    created_by: str | None


class JobState(NamedTuple):
    id: str
    status: str


def existing_job(uow, upload: Upload) -> JobState | None:
    """The job of this very file, if it was uploaded before (same vendor, kind and SHA-256)."""
    with uow:
        found = uow.session.execute(select(ImportJob.id, ImportJob.status).where(
            ImportJob.vendor_id == upload.vendor_id, ImportJob.kind == upload.kind,
            ImportJob.file_sha256 == upload.file_sha256)).first()
        return JobState(*found) if found else None


def claim_job(uow, upload: Upload, existing: JobState | None, total_rows: int) -> tuple[str, bool, bool]:
    """``(job_id, created, claimed)``: a new job, or the failed ``existing`` one restarted.

    ``claimed`` says this caller runs the job; a concurrent upload of the same file
    that lost the race answers the job without running it.
    """
    if existing is None:
        job_id, created = open_job(uow, upload, total_rows)
        return job_id, created, created
    return existing.id, False, restart_job(uow, existing.id)


def open_job(uow, upload: Upload, total_rows: int) -> tuple[str, bool]:
    """``(job_id, created)``: a new running job, or the one a concurrent upload of the file made."""
    job_id = new_id()
    with uow:
        uow.session.add(ImportJob(id=job_id, vendor_id=upload.vendor_id, kind=upload.kind, status=RUNNING,
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
    return existing.id, False


def restart_job(uow, job_id: str) -> bool:
    """Mark a ``failed`` job running again; False when it is not failed (any more).

    Counters and errors stay: they describe the chunks that committed, which the
    rerun skips. The conditional UPDATE lets one of concurrent uploads win; it runs
    before any read so SQLite never has to upgrade a read transaction to a write.
    """
    with uow:
        restarted = uow.session.execute(
            update(ImportJob).where(ImportJob.id == job_id, ImportJob.status == FAILED)
            .values(status=RUNNING, failure=None, updated_at=now())
            .execution_options(synchronize_session=False)).rowcount == 1
        if restarted:
            resumes_after = uow.session.get(ImportJob, job_id).processed_rows
            uow.audit("import_job.restarted", "import_job", job_id,
                      before={"status": FAILED, "processed_rows": resumes_after},
                      after={"status": RUNNING, "processed_rows": resumes_after})
            uow.commit()
        return restarted


def run_job(uow, job_id: str, table: Table, apply_row: ApplyRow, column_of: ColumnOf) -> None:
    """Apply the rows of ``table`` the job has not processed yet (all of a new job's).

    The job ends ``done``, or ``failed`` with ``failure`` set. Resuming after the
    committed chunks, rather than applying every row again, keeps a restart from
    applying a row twice: a product row without id or GTIN would create a second product.
    """
    for start in range(_processed_rows(uow, job_id), len(table.rows), CHUNK_ROWS):
        chunk = table.rows[start:start + CHUNK_ROWS]
        try:
            _run_chunk(uow, job_id, chunk, apply_row, column_of)
        except Exception:
            log.exception("import job failed", extra={"job_id": job_id})
            _finish(uow, job_id, FAILED, f"unexpected error in lines {chunk[0].line}-{chunk[-1].line}; "
                                          "rows before them were applied, these and later rows were not; "
                                          "upload the same file again to go on from there")
            return
    _finish(uow, job_id, DONE)


def _processed_rows(uow, job_id: str) -> int:
    with uow:
        return uow.session.scalar(select(ImportJob.processed_rows).where(ImportJob.id == job_id))


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


def _finish(uow, job_id: str, status: str, failure: str | None = None) -> None:
    with uow:
        job = uow.session.get(ImportJob, job_id)
        job.status, job.failure, job.updated_at = status, failure, now()
        uow.commit()
