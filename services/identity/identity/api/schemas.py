"""Request and response bodies of identity's management API (vendors, users, clients)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from chassis.audit import UtcDateTime
from chassis.pagination import ids_filter
from identity.vendors.domain import StaffRole, VendorStatus

NON_BLANK = validate.Length(min=1, max=1000)


class VendorApplicationSchema(ma.Schema):
    """Unknown fields (``vendor_id``, ``status``...) are refused: the applicant never sets them."""

    company_name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    registration_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))
    country = ma.fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z]{2}$"),
                               metadata={"description": "ISO 3166-1 alpha-2"})
    contact_email = ma.fields.Email(required=True)


class VendorSchema(ma.Schema):
    id = ma.fields.String()
    company_name = ma.fields.String()
    registration_number = ma.fields.String()
    country = ma.fields.String()
    contact_email = ma.fields.String()
    status = ma.fields.String()
    owner_user_id = ma.fields.String()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class VendorQuerySchema(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf([status.value for status in VendorStatus]))
    id = ids_filter()


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=NON_BLANK)


class StaffInvitationSchema(ma.Schema):
    email = ma.fields.Email(required=True)
    role = ma.fields.String(load_default=StaffRole.STAFF.value,
                            validate=validate.OneOf([role.value for role in StaffRole]))


class StaffRoleSchema(ma.Schema):
    role = ma.fields.String(required=True, validate=validate.OneOf([role.value for role in StaffRole]))


class StaffMemberSchema(ma.Schema):
    user_id = ma.fields.String()
    email = ma.fields.String()
    role = ma.fields.String()
    status = ma.fields.String()
    added_at = UtcDateTime()


class ClientSchema(ma.Schema):
    client_id = ma.fields.String()
    name = ma.fields.String()
    first_party = ma.fields.Boolean()
    grant_types = ma.fields.List(ma.fields.String())
    redirect_uris = ma.fields.List(ma.fields.String())
    scopes = ma.fields.List(ma.fields.String())
    roles = ma.fields.List(ma.fields.String())
    vendor_id = ma.fields.String(allow_none=True)
    created_at = UtcDateTime()
    revoked_at = UtcDateTime(allow_none=True)


class ClientSecretSchema(ma.Schema):
    client_id = ma.fields.String()
    client_secret = ma.fields.String(allow_none=True, metadata={"description": "Shown once; only its hash is kept"})


class VendorClientRequestSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class ClientRequestSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    grant_type = ma.fields.String(required=True, validate=validate.OneOf(["client_credentials", "authorization_code"]))
    redirect_uris = ma.fields.List(ma.fields.Url(require_tld=False), load_default=list)
    roles = ma.fields.List(ma.fields.String(), load_default=list)
    scopes = ma.fields.List(ma.fields.String(), load_default=list)
    public = ma.fields.Boolean(load_default=False)
    first_party = ma.fields.Boolean(load_default=False)


class ManagedUserSchema(ma.Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    created_at = UtcDateTime()


class UserQuerySchema(ma.Schema):
    q = ma.fields.String(metadata={"description": "Part of the email"})
    role = ma.fields.String()
    status = ma.fields.String()
    id = ids_filter()


class RolesSchema(ma.Schema):
    roles = ma.fields.List(ma.fields.String(), required=True)
    reason = ma.fields.String(required=True, validate=NON_BLANK)
