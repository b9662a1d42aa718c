"""Identity rules: scopes, secrets, token claims, roles, PKCE (no Flask, no SQLAlchemy)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from typing import Any, Iterable, Mapping

PLATFORM_ROLES = frozenset({"operator", "vendor", "customer", "service"})
OPERATOR_ROLES = frozenset({"admin", "support"})
GRANT_TYPES = frozenset({"authorization_code", "client_credentials"})
AUTHORIZATION_CODE_SECONDS = 60


class RuleViolation(ValueError):
    """A command that breaks one of identity's rules."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def new_secret() -> str:
    """A client secret or token: 256 bits from the OS, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    """SHA-256 is enough for high-entropy secrets (no dictionary to try); passwords use argon2id."""
    return hashlib.sha256(value.encode()).hexdigest()


def secret_matches(value: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(value), stored_hash)


def allowed_scope(requested: str | None, allowed: Iterable[str]) -> str:
    """The requested scopes the client may have (all of its scopes when none were asked for)."""
    allowed = list(allowed)
    if not requested:
        return " ".join(allowed)
    return " ".join(scope for scope in requested.split() if scope in allowed)


def check_roles(roles: Iterable[str]) -> list[str]:
    """Platform roles, plus admin/support for operators only."""
    roles = sorted(set(roles))
    unknown = set(roles) - PLATFORM_ROLES - OPERATOR_ROLES
    if unknown:
        raise RuleViolation(f"unknown roles: {', '.join(sorted(unknown))}")
    if OPERATOR_ROLES & set(roles) and "operator" not in roles:
        raise RuleViolation("admin and support are operator roles")
    return roles


def check_grant_type(grant_type: str, redirect_uris: list[str], public: bool) -> list[str]:
    """The grant types stored for a new client (authorization_code clients also refresh)."""
    if grant_type not in GRANT_TYPES:
        raise RuleViolation(f"unsupported grant type {grant_type}")
    if grant_type == "client_credentials":
        if public:
            raise RuleViolation("client_credentials needs a confidential client")
        return ["client_credentials"]
    if not redirect_uris:
        raise RuleViolation("authorization_code clients need at least one redirect URI")
    return ["authorization_code", "refresh_token"]


def pkce_problem(arguments: Mapping[str, str]) -> str | None:
    """Why an authorization request's PKCE parameters are refused, or None (S256 only)."""
    if not arguments.get("code_challenge"):
        return "code_challenge is required (PKCE with S256)"
    if arguments.get("code_challenge_method") != "S256":
        return "code_challenge_method must be S256"
    return None


def access_claims(*, issuer: str, audiences: list[str], subject: str, client_id: str, scope: str,
                  roles: list[str], vendor_id: str | None, now: int, lifetime: int,
                  vendor_role: str | None = None) -> dict[str, Any]:
    """The claims of an RFC 9068 access token; ``vendor_id`` and ``vendor_role`` (owner, manager, staff)
    only when set."""
    claims: dict[str, Any] = {
        "iss": issuer, "sub": subject, "aud": audiences, "client_id": client_id, "scope": scope,
        "roles": list(roles), "iat": now, "nbf": now, "exp": now + lifetime, "jti": uuid.uuid4().hex,
    }
    if vendor_id:
        claims["vendor_id"] = vendor_id
    if vendor_role:
        claims["vendor_role"] = vendor_role
    return claims


def is_safe_next(url: str | None) -> bool:
    """Only same-site paths after login: never an open redirect."""
    return bool(url) and url.startswith("/") and not url.startswith("//") and "\\" not in url
