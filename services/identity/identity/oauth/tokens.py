"""RFC 9068 access tokens signed with the current signing key, plus opaque refresh tokens."""
from __future__ import annotations

import time

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from chassis.auth.claims import check_claims
from chassis.auth.errors import InvalidToken
from chassis.runtime_settings import current
from identity import domain, signing_keys
from identity.oauth.context import session
from identity.settings import IdentityRuntimeSettings
from identity.vendors import membership as vendor_membership


class AccessTokenGenerator:
    """authlib token generator: ``generate(grant_type, client, user, scope, ...)`` -> token response."""

    def __init__(self, issuer: str, audiences: list[str]) -> None:
        self.issuer = issuer
        self.audiences = audiences

    def __call__(self, grant_type, client, user=None, scope=None, expires_in=None, include_refresh_token=True):
        lifetime = current(session(), IdentityRuntimeSettings).access_token_lifetime_seconds
        scope = client.get_allowed_scope(scope)  # never more than the client may have
        holder = user or client  # client_credentials tokens carry the client's own roles
        claims = domain.access_claims(
            issuer=self.issuer, audiences=self.audiences, subject=user.id if user else client.client_id,
            client_id=client.client_id, scope=scope, **vendor_membership.token_claims(session(), holder),
            now=int(time.time()), lifetime=lifetime)
        token = {"token_type": "Bearer", "access_token": sign(claims), "expires_in": lifetime, "scope": scope}
        if include_refresh_token:
            token["refresh_token"] = domain.new_secret()
        return token


def sign(claims: dict) -> str:
    key = signing_keys.current_key(session())
    header = {"typ": "at+jwt", "alg": key.alg, "kid": key.kid}
    return jwt.encode(header, claims, key.jwk(), algorithms=[key.alg])


def verified_claims(token: str, issuer: str, audiences: list[str]) -> dict | None:
    """The claims of an access token identity signed and that is still valid, or None."""
    keys = KeySet([key.jwk() for key in signing_keys.published_keys(session())])
    try:
        decoded = jwt.decode(token, keys, algorithms=[signing_keys.ALG])
        if decoded.header.get("typ") != "at+jwt":
            return None
        check_claims(decoded.claims, issuer=issuer, audiences=audiences, now=time.time(), leeway=0)
    except (JoseError, InvalidToken, ValueError):
        return None
    return decoded.claims
