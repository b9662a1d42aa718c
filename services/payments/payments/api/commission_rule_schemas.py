"""What the commission rule resources take and answer (shapes and ranges only; scope conflicts are the use case's)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from payments.domain.commissions import PRECEDENCE

ID = validate.Length(min=1, max=64)
# Amounts in minor units: far above any real fee, far below what the database's integers hold.
MINOR = validate.Range(min=0, max=10**12)


def _rate(**options) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=validate.Range(0, 10_000),
                             metadata={"description": "Basis points of each line, 0 to 10000 (1500 = 15 %)"}, **options)


class TermsSchema(ma.Schema):
    rate_bps = _rate()
    fixed_fee_minor = ma.fields.Integer(strict=True, validate=MINOR,
                                        metadata={"description": "Once per vendor order (the largest that applies)"})
    min_minor = ma.fields.Integer(strict=True, allow_none=True, validate=MINOR)
    max_minor = ma.fields.Integer(strict=True, allow_none=True, validate=MINOR,
                                  metadata={"description": "At least min_minor"})

    @ma.validates_schema
    def _max_not_below_min(self, data, **kwargs) -> None:
        if data.get("min_minor") is not None and data.get("max_minor") is not None \
                and data["max_minor"] < data["min_minor"]:
            raise ma.ValidationError("must be at least min_minor", "max_minor")


class RuleInputSchema(TermsSchema):
    """A new rule: no vendor and no category makes it the default."""

    vendor_id = ma.fields.String(load_default=None, allow_none=True, validate=ID)
    category_id = ma.fields.String(load_default=None, allow_none=True, validate=ID)
    rate_bps = _rate(required=True)


class RuleSchema(ma.Schema):
    id = ma.fields.String(allow_none=True, metadata={"description": "null: the runtime setting's default rate"})
    scope = ma.fields.String(metadata={"description": " > ".join(PRECEDENCE)})
    vendor_id = ma.fields.String(allow_none=True)
    category_id = ma.fields.String(allow_none=True)
    rate_bps = ma.fields.Integer()
    fixed_fee_minor = ma.fields.Integer()
    min_minor = ma.fields.Integer(allow_none=True)
    max_minor = ma.fields.Integer(allow_none=True)
    created_at = UtcDateTime(allow_none=True)
    updated_at = UtcDateTime(allow_none=True)


class RuleQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(validate=ID, metadata={
        "description": "Operators: the rules applying to this vendor (its own, per-category, default)"})
    category_id = ma.fields.String(validate=ID)


class PreviewQuerySchema(ma.Schema):
    vendor_id = ma.fields.String(validate=ID, metadata={"description": "Required of operators; vendors: their own"})
    category_id = ma.fields.String(load_default=None, validate=ID)
    amount_minor = ma.fields.Integer(required=True, validate=validate.Range(min=0))


class PreviewSchema(ma.Schema):
    vendor_id = ma.fields.String()
    category_id = ma.fields.String(allow_none=True)
    amount_minor = ma.fields.Integer()
    rule = ma.fields.Nested(RuleSchema)
    commission_minor = ma.fields.Integer(metadata={"description": "As a one-line vendor order (fixed fee included)"})
    net_minor = ma.fields.Integer(metadata={"description": "What the vendor would be owed"})
    precedence = ma.fields.List(ma.fields.String())
