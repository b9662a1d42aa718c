"""Access-token authentication shared by every service and the gateway.

Core (no Flask): ``TokenVerifier``, ``Principal``, ``JWKSCache``,
``StaticKeySource`` and the errors. Flask views use ``chassis.auth.flask``
(``require_auth``, ``current_principal``, ``caller_vendor_id``).
"""
from .errors import AuthError, InvalidToken, KeySetUnavailable, UnknownKey
from .jwks import JWKSCache, StaticKeySource
from .principal import CUSTOMER, OPERATOR, ROLES, SERVICE, VENDOR, Principal
from .verifier import TokenVerifier

__all__ = [
    "AuthError", "InvalidToken", "KeySetUnavailable", "UnknownKey",
    "JWKSCache", "StaticKeySource", "Principal", "TokenVerifier",
    "OPERATOR", "VENDOR", "CUSTOMER", "SERVICE", "ROLES",
]
