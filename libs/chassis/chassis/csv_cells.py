"""CSV that is safe to open in a spreadsheet: every cell guarded against formulas, lines streamed.

Spreadsheets evaluate a cell starting with ``= + - @`` tab or CR (CSV injection); OWASP's advice
is a leading apostrophe. Apostrophes already before such a start get one more, so that taking one
away on import (:func:`unguarded`) gives back any text exactly. Negative numbers are left alone:
they are the only values services write that start with a trigger, and spreadsheets read them as
numbers.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator

_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_GUARDED_START = re.compile(r"'+[=+\-@\t\r]")
_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?([eE][+-]?\d+)?")


def guarded(cell: str) -> str:
    """``cell`` as written to a CSV: ``'`` before a start a spreadsheet would evaluate as a formula."""
    if _FORMULA_START.match(cell) and not _NEGATIVE_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def unguarded(cell: str) -> str:
    """``cell`` as read from a CSV: what :func:`guarded` was given (one ``'`` less before a formula start)."""
    return cell[1:] if _GUARDED_START.match(cell) else cell


def csv_lines(header: Iterable[str], records: Iterable[Iterable[str]]) -> Iterator[str]:
    """The header then each record, one CSV line (CRLF) at a time, every cell guarded against formulas.

    Every CSV a service emits goes through here, so no column can forget the guard.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for record in itertools.chain([list(header)], records):
        writer.writerow([guarded(cell) for cell in record])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def streamed_csv(database, write, *args, filename: str):
    """A ``text/csv`` attachment whose lines ``write(session, *args)`` yields while the body is sent.

    It reads on a session of its own: the request's is closed before a streamed body is written.
    """
    from flask import Response, stream_with_context

    def lines():
        session = database.reads()
        try:
            yield from write(session, *args)
        finally:
            session.close()
    safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return Response(stream_with_context(lines()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{safe_name}"'})


def wants_csv(query: dict) -> bool:
    """Whether a resource answering JSON or CSV should answer CSV: ``?format=csv``, else ``Accept: text/csv``
    preferred to JSON."""
    from flask import request
    if "format" in query:
        return query["format"] == "csv"
    return request.accept_mimetypes.best_match(("application/json", "text/csv")) == "text/csv"
