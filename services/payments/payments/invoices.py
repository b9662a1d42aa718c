"""A vendor's commission invoice for one calendar month (UTC): the commission lines charged at capture
and given back by refunds that month, with their rule, base, rate and fee, and totals per currency
(charged minus reversed)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, select

from chassis.csv_cells import csv_lines
from chassis.errors import Problem
from payments.models import CommissionLine
from payments.models.base import utc

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_lines = CommissionLine.__table__
LINE_FIELDS = ("id", "created_at", "kind", "order_id", "vendor_order_id", "line_id", "category_id", "refund_id",
               "rule_id", "rule_scope", "rate_bps", "base_minor", "fixed_fee_minor", "commission_minor", "currency")
CSV_BATCH = 1000


@dataclass(frozen=True)
class Month:
    name: str  # YYYY-MM
    start: datetime
    end: datetime  # exclusive

    @classmethod
    def parse(cls, name: str) -> "Month":
        match = _MONTH.fullmatch(name)
        if match is None:
            raise Problem(422, "validation-failed", "the month is YYYY-MM, e.g. 2026-11",
                          errors={"month": ["YYYY-MM"]})
        year, month = int(match[1]), int(match[2])
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        return cls(name, datetime(year, month, 1, tzinfo=timezone.utc), datetime(*following, 1, tzinfo=timezone.utc))


def invoice_number(vendor_id: str, month: Month) -> str:
    return f"COM-{month.name}-{vendor_id}"


def lines(connection: Connection, vendor_id: str, month: Month) -> Iterator[dict]:
    """The month's commission lines of ``vendor_id``, in the order they were written."""
    after = None
    while True:
        query = _month_query(vendor_id, month).limit(CSV_BATCH)
        if after is not None:
            query = query.where(_lines.c.id > after)
        rows = connection.execute(query).mappings().all()
        yield from ({**row, "created_at": utc(row["created_at"])} for row in rows)
        if len(rows) < CSV_BATCH:
            return
        after = rows[-1]["id"]


def totals(invoice_lines: Iterable[dict]) -> list[dict]:
    """Per currency: commission charged, reversed (as a positive amount) and due (charged minus reversed)."""
    tally: dict[str, dict] = {}
    for line in invoice_lines:
        _count(tally, line)
    return _totals(tally)


def csv_export(connection: Connection, vendor_id: str, month: Month) -> Iterator[str]:
    """The lines as CSV, then one ``total`` row per currency (commission = charged minus reversed)."""
    def records():
        tally: dict[str, dict] = {}
        for line in lines(connection, vendor_id, month):
            _count(tally, line)
            yield [_cell(field, line[field]) for field in LINE_FIELDS]
        for total in _totals(tally):
            yield ["", "", "total", *[""] * 10, str(total["commission_minor"]), total["currency"]]
    return csv_lines(LINE_FIELDS, records())


def _count(tally: dict[str, dict], line: dict) -> None:
    total = tally.setdefault(line["currency"], {"currency": line["currency"], "charged_minor": 0,
                                                "reversed_minor": 0, "line_count": 0})
    total["charged_minor" if line["kind"] == "charge" else "reversed_minor"] += abs(line["commission_minor"])
    total["line_count"] += 1


def _totals(tally: dict[str, dict]) -> list[dict]:
    return [{**total, "commission_minor": total["charged_minor"] - total["reversed_minor"]}
            for _, total in sorted(tally.items())]


def _cell(field: str, value) -> str:
    if value is None:
        return ""
    return value.isoformat() if field == "created_at" else str(value)


def _month_query(vendor_id: str, month: Month):
    # The index (vendor_id, created_at) finds the month; id orders lines written in the same instant.
    return (select(*(_lines.c[field] for field in LINE_FIELDS))
            .where(_lines.c.vendor_id == vendor_id, _lines.c.created_at >= month.start,
                   _lines.c.created_at < month.end)
            .order_by(_lines.c.id))
