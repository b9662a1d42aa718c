"""The OAuth2 endpoints clients call: token, revoke, introspect, userinfo."""
from __future__ import annotations

from flask import current_app, request

from chassis.blueprint import Blueprint
from chassis.errors import Problem
from identity.oauth import store
from identity.oauth.context import in_unit_of_work, server, session
from identity.oauth.tokens import verified_claims
from identity.vendors import membership as vendor_membership
from identity.web.oauth_schemas import (IntrospectionRequestSchema, IntrospectionSchema, RevocationRequestSchema,
                                        TokenRequestSchema, TokenResponseSchema, UserInfoSchema, oauth_errors)

blueprint = Blueprint("identity_oauth", __name__, description="OAuth2 token endpoints (RFC 6749, 7009, 7662).")


@blueprint.route("/oauth/token", methods=["POST"])
@Blueprint.documented(blueprint.arguments(TokenRequestSchema, location="form"),
                      blueprint.response(200, TokenResponseSchema), *oauth_errors(blueprint))
def token():
    """Issue tokens: authorization_code (PKCE S256), client_credentials, refresh_token (rotated)."""
    return in_unit_of_work(lambda: server().create_token_response())


@blueprint.route("/oauth/revoke", methods=["POST"])
@Blueprint.documented(blueprint.arguments(RevocationRequestSchema, location="form"),
                      blueprint.response(200, description="Revoked, or not a token of this client (RFC 7009)"),
                      *oauth_errors(blueprint))
def revoke():
    """RFC 7009: revoke a refresh token (and its family)."""
    return in_unit_of_work(lambda: server().create_endpoint_response("revocation"))


@blueprint.route("/oauth/introspect", methods=["POST"])
@Blueprint.documented(blueprint.arguments(IntrospectionRequestSchema, location="form"),
                      blueprint.response(200, IntrospectionSchema), *oauth_errors(blueprint))
def introspect():
    """RFC 7662, for service and operator clients."""
    return in_unit_of_work(lambda: server().create_endpoint_response("introspection"))


@blueprint.route("/oauth/userinfo", methods=["GET"])
@Blueprint.documented(blueprint.response(200, UserInfoSchema))
def userinfo():
    """Who the bearer of a user's access token is."""
    return in_unit_of_work(_userinfo)


def _userinfo():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    settings = current_app.extensions["chassis.runtime"].settings
    claims = verified_claims(token, settings.jwt_issuer, settings.jwt_audiences) if scheme.lower() == "bearer" else None
    if claims is None:
        raise Problem(401, "unauthorized", "a valid bearer access token is required",
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    user = store.active_user(session(), claims["sub"])
    if user is None:
        raise Problem(403, "forbidden", "this token does not belong to an active user")
    # What its access tokens say: a vendor's staff get the vendor role, its id and their staff role.
    return {"sub": user.id, "email": user.email, **vendor_membership.token_claims(session(), user)}
