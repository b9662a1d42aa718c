"""RFC 7009 revocation and RFC 7662 introspection."""
from __future__ import annotations

from authlib.oauth2.rfc6749.errors import UnauthorizedClientError
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import current_app

from identity.oauth import store
from identity.oauth.context import session
from identity.oauth.tokens import verified_claims

INTROSPECTING_ROLES = frozenset({"service", "operator"})


class Revocation(RevocationEndpoint):
    """Revoking a refresh token revokes its whole family.

    Access tokens are self-contained JWTs that live at most 15 minutes; they are
    not revocable one by one (RFC 7009 lets a server answer 200 for them).
    """

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def query_token(self, token_string, token_type_hint):
        return store.find_refresh_token(session(), token_string)

    def revoke_token(self, token, request):
        store.revoke_family(session(), token.family_id)


class Introspection(IntrospectionEndpoint):
    """For service and operator clients only."""

    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def authenticate_token(self, request, client):
        if not INTROSPECTING_ROLES & set(client.roles):
            raise UnauthorizedClientError("only service clients may introspect tokens")
        return super().authenticate_token(request, client)

    def query_token(self, token_string, token_type_hint):
        if token_type_hint != "refresh_token":
            settings = current_app.extensions["chassis.runtime"].settings
            claims = verified_claims(token_string, settings.jwt_issuer, settings.jwt_audiences)
            if claims is not None:
                return {"kind": "access", **claims}
        row = store.find_refresh_token(session(), token_string)
        return {"kind": "refresh", "row": row} if row is not None else None

    def check_permission(self, token, client, request):
        return True

    def create_introspection_payload(self, token):
        return self.introspect_token(token) if token else {"active": False}

    def introspect_token(self, token):
        if token["kind"] == "refresh":
            return _refresh_payload(token["row"])
        claims = {name: value for name, value in token.items() if name != "kind"}
        live = store.active_client(session(), claims["client_id"]) is not None and (
            claims["sub"] == claims["client_id"] or store.active_user(session(), claims["sub"]) is not None)
        return {"active": live, "token_type": "Bearer", **claims} if live else {"active": False}


def _refresh_payload(row) -> dict:
    if not row.is_usable() or store.active_client(session(), row.client_id) is None:
        return {"active": False}
    return {"active": True, "token_type": "refresh_token", "client_id": row.client_id, "sub": row.user_id,
            "scope": row.scope, "exp": int(row.expires_at.timestamp())}
