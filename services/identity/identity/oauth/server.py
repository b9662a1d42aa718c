"""The authorization server of one app: grants, endpoints, token generator, persistence."""
from __future__ import annotations

from authlib.integrations.flask_oauth2 import AuthorizationServer
from flask import Flask

from identity.oauth import store
from identity.oauth.context import session
from identity.oauth.endpoints import Introspection, Revocation
from identity.oauth.grants import (AuthorizationCodeGrant, ClientCredentialsGrant, RefreshTokenGrant,
                                   S256CodeChallenge)
from identity.oauth.tokens import AccessTokenGenerator


def build_server(app: Flask) -> AuthorizationServer:
    """No implicit and no password grant are registered: asking for them is unsupported."""
    settings = app.extensions["chassis.runtime"].settings
    server = AuthorizationServer(app, query_client=_query_client, save_token=_save_token)
    server.register_token_generator("default", AccessTokenGenerator(settings.jwt_issuer, settings.jwt_audiences))
    server.register_grant(AuthorizationCodeGrant, [S256CodeChallenge(required=True)])
    server.register_grant(ClientCredentialsGrant)
    server.register_grant(RefreshTokenGrant)
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    return server


def _query_client(client_id: str):
    return store.active_client(session(), client_id)


def _save_token(token: dict, request) -> None:
    if "refresh_token" not in token:
        return
    code = getattr(request, "authorization_code", None)
    previous = getattr(request, "refresh_token", None)
    family_id = code.family_id if code is not None else previous.family_id
    store.save_refresh_token(session(), token["refresh_token"], family_id, request.client.client_id,
                             request.user.id, token.get("scope", ""))
