"""RFC 8414 metadata (also served as openid-configuration) and the JWKS."""
from __future__ import annotations

from flask import current_app

from chassis.blueprint import Blueprint
from identity import signing_keys
from identity.oauth.context import in_unit_of_work, session

blueprint = Blueprint("identity_discovery", __name__, description="Authorization server discovery.")
METADATA = {"type": "object", "required": ["issuer", "token_endpoint", "jwks_uri"],
            "properties": {"issuer": {"type": "string"}, "token_endpoint": {"type": "string"},
                           "jwks_uri": {"type": "string"}}}
JWKS = {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {"type": "object"}}}}


@blueprint.route("/.well-known/oauth-authorization-server")
@Blueprint.documented(blueprint.response(200, METADATA))
def authorization_server_metadata():
    """RFC 8414 authorization server metadata."""
    return metadata()


@blueprint.route("/.well-known/openid-configuration")
@Blueprint.documented(blueprint.response(200, METADATA))
def openid_configuration():
    """The same metadata at the OpenID Connect discovery address (no ID tokens are issued)."""
    return metadata()


@blueprint.route("/.well-known/jwks.json")
@Blueprint.documented(blueprint.response(200, JWKS))
def jwks():
    """Public keys of the current and recently retired signing keys."""
    return in_unit_of_work(lambda: _jwks_response())


def _jwks_response():
    signing_keys.current_key(session())  # so verifiers know the first key before its first token
    return signing_keys.public_jwks(signing_keys.published_keys(session())), 200, {"Cache-Control": "max-age=300"}


def metadata() -> dict:
    issuer = current_app.extensions["chassis.runtime"].settings.jwt_issuer.rstrip("/")
    secret_methods = ["client_secret_basic", "client_secret_post"]
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": secret_methods + ["none"],
        "revocation_endpoint_auth_methods_supported": secret_methods + ["none"],
        "introspection_endpoint_auth_methods_supported": secret_methods,
        "token_endpoint_auth_signing_alg_values_supported": [signing_keys.ALG],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [signing_keys.ALG],
    }
