"""What every dashboard query shares: a range of days (``from`` / ``to``, both inclusive) and whose
figures the caller may read (operators: the vendor they name, or all; vendor staff: their own only)."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import validate

from chassis.auth.flask import current_principal
from chassis.errors import Problem
from chassis.modeling import now

DEFAULT_DAYS = 30
MAX_DAYS = 1096


class DaysQuerySchema(ma.Schema):
    """``from`` / ``to`` (default: the last 30 days, at most 1096), and ``format`` (json or csv)."""

    from_ = ma.fields.Date(data_key="from", metadata={"description": "First day, inclusive (default: 29 days "
                                                                     "before `to`)"})
    to = ma.fields.Date(metadata={"description": "Last day, inclusive (default: today in UTC)"})
    format = ma.fields.String(validate=validate.OneOf(("json", "csv")), metadata={
        "description": "csv for a CSV download (or Accept: text/csv)"})

    @ma.post_load
    def _range(self, data, **kwargs) -> dict:
        data.setdefault("to", now().date())
        if "from_" not in data:  # DEFAULT_DAYS days up to `to`, never before the first day a date can name
            data["from_"] = date.fromordinal(max(1, data["to"].toordinal() - (DEFAULT_DAYS - 1)))
        if data["from_"] > data["to"]:
            raise ma.ValidationError("from is after to", "to")
        if (data["to"] - data["from_"]).days >= MAX_DAYS:
            raise ma.ValidationError(f"at most {MAX_DAYS} days", "from")
        return data


def readable_vendor(asked: str | None) -> str | None:
    """Operators: the vendor asked (None: the whole marketplace); vendor staff: always their own, and
    another vendor's id is a 403 (never honoured)."""
    principal = current_principal()
    if principal.is_operator:
        return asked
    if not principal.vendor_id:
        raise Problem(403, "forbidden", "a vendor token names its vendor (vendor_id claim)")
    if asked not in (None, principal.vendor_id):
        raise Problem(403, "forbidden", "vendor staff read their own vendor's figures only")
    return principal.vendor_id
