"""The grants identity offers: authorization_code + PKCE S256, client_credentials, refresh_token."""
from __future__ import annotations

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError
from authlib.oauth2.rfc7636 import CodeChallenge

from identity.models.base import now
from identity.oauth import store
from identity.oauth.context import session

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


class S256CodeChallenge(CodeChallenge):
    """PKCE with S256 only (authlib also allows, and defaults to, plain)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def save_authorization_code(self, code, request):
        store.save_code(session(), code, request.client.client_id, request.user.id, request.payload)

    def query_authorization_code(self, code, client):
        return store.redeem_code(session(), code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        authorization_code.used_at = now()  # kept, so that a second use is recognised as reuse

    def authenticate_user(self, authorization_code):
        return _active_user(authorization_code.user_id)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token):
        return store.use_refresh_token(session(), refresh_token)

    def authenticate_user(self, refresh_token):
        return _active_user(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token):
        refresh_token.rotated_at = now()


def _active_user(user_id: str):
    user = store.active_user(session(), user_id)
    if user is None:
        raise InvalidGrantError("the user is disabled")
    return user
