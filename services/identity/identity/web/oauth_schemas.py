"""What the OAuth2 endpoints take and answer, for their OpenAPI documentation only (authlib parses and answers).

Their errors are RFC 6749 error objects (``{"error": "invalid_client"}``), not problem+json.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from chassis.errors import PROBLEM_CONTENT_TYPE, ProblemSchema

GRANT_TYPES = ("authorization_code", "client_credentials", "refresh_token")
TOKEN_TYPE_HINTS = ("access_token", "refresh_token")


class OAuthErrorSchema(ma.Schema):
    """RFC 6749 section 5.2."""

    error = ma.fields.String(required=True, metadata={"description": "invalid_request, invalid_client, "
                                                                     "invalid_grant, unsupported_grant_type..."})
    error_description = ma.fields.String()


def oauth_errors(blueprint) -> list:
    """Documentation of the error objects: 401 for a client that failed to authenticate, else 400.

    A request the service refuses before authlib reads it (a NUL character) is a 400 problem+json.
    """
    refused = "A request the authorization server refuses"
    return [blueprint.alt_response(400, schema=OAuthErrorSchema, content_type="application/json", description=refused),
            blueprint.alt_response(400, schema=ProblemSchema, content_type=PROBLEM_CONTENT_TYPE, description=refused),
            blueprint.alt_response(401, schema=OAuthErrorSchema, content_type="application/json",
                                   description="Client authentication failed")]


class ClientCredentialsSchema(ma.Schema):
    """client_secret_post (client_secret_basic sends them in the Authorization header instead)."""

    client_id = ma.fields.String()
    client_secret = ma.fields.String()


class TokenRequestSchema(ClientCredentialsSchema):
    grant_type = ma.fields.String(required=True, validate=validate.OneOf(GRANT_TYPES))
    code = ma.fields.String(metadata={"description": "authorization_code"})
    redirect_uri = ma.fields.String(metadata={"description": "authorization_code"})
    code_verifier = ma.fields.String(metadata={"description": "authorization_code (PKCE)"})
    refresh_token = ma.fields.String(metadata={"description": "refresh_token"})
    scope = ma.fields.String()


class TokenResponseSchema(ma.Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True)
    expires_in = ma.fields.Integer()
    refresh_token = ma.fields.String()
    scope = ma.fields.String()


class RevocationRequestSchema(ClientCredentialsSchema):
    token = ma.fields.String(required=True)
    token_type_hint = ma.fields.String(validate=validate.OneOf(TOKEN_TYPE_HINTS))


class IntrospectionRequestSchema(RevocationRequestSchema):
    pass


class IntrospectionSchema(ma.Schema):
    """RFC 7662 section 2.2: ``active`` alone for a token that is not (or no longer) valid."""

    active = ma.fields.Boolean(required=True)

    class Meta:
        unknown = ma.INCLUDE  # the token's claims, when active


class UserInfoSchema(ma.Schema):
    sub = ma.fields.String()
    email = ma.fields.String()
    roles = ma.fields.List(ma.fields.String())
    vendor_id = ma.fields.String(allow_none=True)
    vendor_role = ma.fields.String(allow_none=True, metadata={
        "description": "the staff role in the vendor (owner, manager or staff); none for other users"})
