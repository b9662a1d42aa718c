"""Reading an uploaded CSV: UTF-8 (BOM tolerated), comma or semicolon, a header, bounded size.

Everything wrong with the file as a whole is a 422 (413 for size) raised before any
row is applied; what is wrong with one row travels with that row (``Row.problem``).
"""
from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass

from chassis.errors import Problem
from catalog.imports.cells import unguarded

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 10_000


@dataclass(frozen=True)
class Row:
    """One data record: ``line`` is where it starts in the file (the header is line 1)."""

    line: int
    cells: dict[str, str]
    problem: str | None = None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: list[Row]
    delimiter: str


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def check_size(raw: bytes) -> None:
    if len(raw) > MAX_BYTES:
        raise Problem(413, "file-too-large", f"the file has {len(raw)} bytes; at most {MAX_BYTES} are accepted",
                      max_bytes=MAX_BYTES)


def read_table(raw: bytes) -> Table:
    """The header and rows of ``raw``; 422 for a file that is not a usable CSV."""
    text = _decoded(raw)
    delimiter = _sniffed_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = _header(reader)
        return Table(columns, _rows(reader, columns), delimiter)
    except csv.Error as exc:
        raise _invalid(f"line {reader.line_num}: {exc}") from None


def _decoded(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _invalid(f"the file is not UTF-8 text (line {line}, byte {exc.start}); "
                       "save it as 'CSV UTF-8'") from None


def _sniffed_delimiter(text: str) -> str:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    return ";" if first_line.count(";") > first_line.count(",") else ","


def _header(reader) -> tuple[str, ...]:
    record = next((record for record in reader if any(cell.strip() for cell in record)), None)
    if record is None:
        raise _invalid("the file is empty: a header line naming the columns is required")
    columns = tuple(cell.strip().lower() for cell in record)
    # Counted once: a header of many thousand columns must not cost a count per column.
    duplicates = sorted(column for column, count in Counter(columns).items() if count > 1)
    if duplicates or "" in columns:
        raise _invalid("every column needs a distinct name", columns=duplicates or [""])
    return columns


def _rows(reader, columns: tuple[str, ...]) -> list[Row]:
    rows: list[Row] = []
    start = reader.line_num + 1
    for record in reader:
        if any(cell.strip() for cell in record):
            rows.append(_row(start, record, columns))
            if len(rows) > MAX_ROWS:
                raise Problem(422, "too-many-rows", f"the file has more than {MAX_ROWS} rows; split it",
                              max_rows=MAX_ROWS)
        start = reader.line_num + 1
    return rows


def _row(line: int, record: list[str], columns: tuple[str, ...]) -> Row:
    # Spreadsheets drop trailing empty cells: a short record is read as empty cells.
    # Exports guard formula-like text with an apostrophe; reading takes it off again.
    cells = {column: (unguarded(record[index].strip()) if index < len(record) else "")
             for index, column in enumerate(columns)}
    extra = record[len(columns):]
    if any(cell.strip() for cell in extra):
        return Row(line, cells, f"{len(record)} cells but the header names {len(columns)} columns")
    return Row(line, cells)


def _invalid(detail: str, **extensions) -> Problem:
    return Problem(422, "invalid-csv", detail, **extensions)


def check_columns(columns: tuple[str, ...], *, known, required: tuple[str, ...], hint: str = "") -> None:
    """422 naming the unknown and the missing columns; ``known(column)`` says if a name is accepted."""
    unknown = [column for column in columns if not known(column)]
    missing = [column for column in required if column not in columns]
    if unknown or missing:
        parts = ([f"unknown columns: {', '.join(unknown)}"] if unknown else []) + \
                ([f"missing columns: {', '.join(missing)}"] if missing else [])
        raise Problem(422, "invalid-columns", "; ".join(parts) + (f" ({hint})" if hint else ""),
                      unknown_columns=unknown, missing_columns=missing)
