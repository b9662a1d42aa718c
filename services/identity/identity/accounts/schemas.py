"""Request and response bodies of the account API."""
from __future__ import annotations

import marshmallow as ma


class SignUpSchema(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=320))
    password = ma.fields.String(required=True, load_only=True)


class TokenSchema(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class ResetRequestSchema(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=320))


class ResetConfirmSchema(TokenSchema):
    new_password = ma.fields.String(required=True, load_only=True)


class InvitationAcceptSchema(TokenSchema):
    password = ma.fields.String(required=True, load_only=True)


class PasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, load_only=True)
    new_password = ma.fields.String(required=True, load_only=True)


class CodeSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=40),
                            metadata={"description": "A TOTP code (or, to disable, a recovery code)"})


class AccountSchema(ma.Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    vendor_id = ma.fields.String(allow_none=True)
    email_verified = ma.fields.Boolean()
    two_factor_enabled = ma.fields.Boolean()


class EnrolmentSchema(ma.Schema):
    secret = ma.fields.String(metadata={"description": "Base32 TOTP secret, for manual entry"})
    provisioning_uri = ma.fields.String(metadata={"description": "otpauth:// URI to show as a QR code"})


class RecoveryCodesSchema(ma.Schema):
    recovery_codes = ma.fields.List(ma.fields.String(), metadata={"description": "Shown once; each works once"})
