"""The authenticated caller, as read from a verified access token."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

OPERATOR = "operator"
VENDOR = "vendor"
CUSTOMER = "customer"
SERVICE = "service"
ROLES = frozenset({OPERATOR, VENDOR, CUSTOMER, SERVICE})

# A vendor staff member's role in their vendor (identity's ``vendor_role`` claim). API clients of a
# vendor have none: they are integrations, taken for plain staff.
VENDOR_OWNER = "owner"
VENDOR_MANAGER = "manager"
VENDOR_STAFF = "staff"


@dataclass(frozen=True)
class Principal:
    """Who is calling and what the token lets them do.

    Built only by the verifier from signature-checked claims; everything else
    (vendor_id above all) must come from here, never from a request body.
    """

    subject: str
    client_id: str
    scopes: frozenset[str]
    roles: frozenset[str]
    vendor_id: str | None
    token_id: str
    expires_at: int
    claims: Mapping[str, Any] = field(repr=False)
    # Owner, manager or staff for a person working for ``vendor_id``; None for an API client, another
    # kind of caller, or a token issued before identity put the claim in.
    vendor_role: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> "Principal":
        """Build a principal from claims already checked by the verifier.

        ``scope`` is the RFC 9068 space-separated string; ``roles`` a list.
        Raises ``ValueError`` when a claim has the wrong shape.
        """
        scope = claims.get("scope") or ""
        roles = claims.get("roles") or []
        vendor_id = claims.get("vendor_id")
        vendor_role = claims.get("vendor_role")
        if not isinstance(scope, str):
            raise ValueError("scope must be a string")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ValueError("roles must be a list of strings")
        if vendor_id is not None and (not isinstance(vendor_id, str) or not vendor_id):
            raise ValueError("vendor_id must be a non-empty string")
        if vendor_role is not None and (not isinstance(vendor_role, str) or not vendor_role):
            raise ValueError("vendor_role must be a non-empty string")
        return cls(
            subject=claims["sub"],
            client_id=claims["client_id"],
            scopes=frozenset(scope.split()),
            roles=frozenset(roles),
            vendor_id=vendor_id,
            vendor_role=vendor_role,
            token_id=claims["jti"],
            expires_at=int(claims["exp"]),
            # A read-only view: principals are cached and shared across requests.
            claims=MappingProxyType(dict(claims)),
        )

    def has_scope(self, scope: str) -> bool:
        """True when the token was granted ``scope``."""
        return scope in self.scopes

    def has_role(self, role: str) -> bool:
        """True when the caller holds ``role``."""
        return role in self.roles

    @property
    def is_operator(self) -> bool:
        """Marketplace staff."""
        return OPERATOR in self.roles

    @property
    def is_service(self) -> bool:
        """Another service calling with its own client_credentials token."""
        return SERVICE in self.roles

    @property
    def is_vendor(self) -> bool:
        """Vendor staff or a vendor's integration (tenancy applies)."""
        return VENDOR in self.roles
