"""What the ledger resources read from the query string and answer: statements and commission invoices."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from payments import statements


class StatementQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(validate=validate.Length(min=1, max=64),
                                 metadata={"description": "Required of operators; vendor staff: their own"})
    account = ma.fields.String(load_default="available", validate=validate.OneOf(tuple(statements.ACCOUNTS)))
    currency = ma.fields.String(validate=validate.Regexp("^[A-Z]{3}$"),
                                metadata={"description": "Default: the default_currency setting"})
    from_ = ma.fields.Date(data_key="from", metadata={"description": "First day (UTC), inclusive"})
    to = ma.fields.Date(metadata={"description": "Last day (UTC), inclusive"})
    cursor = ma.fields.String(validate=validate.Length(max=200), metadata={"description": "next_cursor of a page"})
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    format = ma.fields.String(validate=validate.OneOf(("json", "csv")))

    @ma.validates_schema
    def _days_in_order(self, data, **kwargs) -> None:
        if "from_" in data and "to" in data and data["from_"] > data["to"]:
            raise ma.ValidationError("from is after to", "to")


class FormatQuerySchema(ma.Schema):
    format = ma.fields.String(validate=validate.OneOf(("json", "csv")))


class EntrySchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = UtcDateTime()
    transaction_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "capture, release, refund, payout, payout_failed..."})
    memo = ma.fields.String()
    order_id = ma.fields.String(allow_none=True)
    vendor_order_id = ma.fields.String(allow_none=True)
    source_id = ma.fields.String(metadata={"description": "The vendor order, refund or payout that posted it"})
    amount_minor = ma.fields.Integer(metadata={"description": "Owed to the vendor: + credits it, - debits it"})
    balance_after_minor = ma.fields.Integer(metadata={"description": "Owed to the vendor after this entry"})


class StatementSchema(ma.Schema):
    vendor_id = ma.fields.String()
    account = ma.fields.String()
    currency = ma.fields.String()
    start = ma.fields.DateTime(allow_none=True)
    end = ma.fields.DateTime(allow_none=True, metadata={"description": "Exclusive"})
    opening_balance_minor = ma.fields.Integer(metadata={"description": "Owed before the period"})
    closing_balance_minor = ma.fields.Integer(metadata={"description": "Owed at the end of the period"})
    entries = ma.fields.List(ma.fields.Nested(EntrySchema))
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "null on the last page"})


class InvoiceLineSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = UtcDateTime()
    kind = ma.fields.String(metadata={"description": "charge (at capture) or reversal (a refund, negative)"})
    order_id, vendor_order_id, line_id = ma.fields.String(), ma.fields.String(), ma.fields.String()
    category_id, refund_id, rule_id = (ma.fields.String(allow_none=True), ma.fields.String(allow_none=True),
                                       ma.fields.String(allow_none=True, metadata={"description": "null: default"}))
    rule_scope = ma.fields.String()
    rate_bps, base_minor, fixed_fee_minor = ma.fields.Integer(), ma.fields.Integer(), ma.fields.Integer()
    commission_minor = ma.fields.Integer()
    currency = ma.fields.String()


class InvoiceTotalSchema(ma.Schema):
    currency = ma.fields.String()
    charged_minor = ma.fields.Integer()
    reversed_minor = ma.fields.Integer(metadata={"description": "Given back by refunds, as a positive amount"})
    commission_minor = ma.fields.Integer(metadata={"description": "Due: charged minus reversed"})
    line_count = ma.fields.Integer()


class InvoiceSchema(ma.Schema):
    number = ma.fields.String()
    vendor_id = ma.fields.String()
    month = ma.fields.String()
    start, end = ma.fields.DateTime(), ma.fields.DateTime(metadata={"description": "Exclusive"})
    lines = ma.fields.List(ma.fields.Nested(InvoiceLineSchema))
    totals = ma.fields.List(ma.fields.Nested(InvoiceTotalSchema))
