"""HTTP errors for auth failures, carrying RFC 6750 ``WWW-Authenticate``.

They are werkzeug exceptions so Flask answers correctly on its own; the
problem+json handler reads ``problem_type``, ``description`` and
``get_headers()``.
"""
from __future__ import annotations

from typing import Any

from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, ServiceUnavailable, Unauthorized

REALM = "marketplace"


class BearerChallenge(WWWAuthenticate):
    """A Bearer challenge that always quotes its parameters.

    RFC 6750 section 3 writes every parameter as a quoted-string; werkzeug
    leaves tokens like ``invalid_token`` bare, which strict clients reject.
    """

    def __init__(self, **params: str) -> None:
        super().__init__("Bearer", {"realm": REALM, **params})

    def to_header(self) -> str:
        parts = []
        for name, value in self.parameters.items():
            # Descriptions are ours, but keep the header unbreakable anyway.
            safe = str(value).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{name}="{safe}"')
        return "Bearer " + ", ".join(parts)

    def __str__(self) -> str:
        return self.to_header()


class AuthUnauthorized(Unauthorized):
    """401: no usable token. ``problem_type`` names the case for problem+json."""

    problem_type = "invalid-token"

    def __init__(self, description: str, **challenge: str) -> None:
        super().__init__(description=description, www_authenticate=BearerChallenge(**challenge))


class MissingToken(AuthUnauthorized):
    """No bearer token at all: RFC 6750 3.1 says send no error code."""

    problem_type = "missing-token"

    def __init__(self, description: str = "a bearer access token is required") -> None:
        super().__init__(description)


class InvalidTokenError(AuthUnauthorized):
    """The token was refused (expired, bad signature, wrong audience, ...)."""

    problem_type = "invalid-token"

    def __init__(self, description: str) -> None:
        super().__init__(description, error="invalid_token", error_description=description)


class AuthForbidden(Forbidden):
    """403: a valid token without the rights this operation needs."""

    problem_type = "insufficient-scope"

    def __init__(self, description: str, **challenge: str) -> None:
        super().__init__(description=description)
        self.www_authenticate = BearerChallenge(
            error="insufficient_scope", error_description=description, **challenge)

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        """Werkzeug's headers plus the Bearer challenge."""
        headers = super().get_headers(*args, **kwargs)
        headers.append(("WWW-Authenticate", self.www_authenticate.to_header()))
        return headers


class InsufficientScope(AuthForbidden):
    """The token lacks a scope; ``scope`` lists what is needed (RFC 6750 3.1)."""

    problem_type = "insufficient-scope"

    def __init__(self, scopes: list[str] | tuple[str, ...]) -> None:
        needed = " ".join(scopes)
        super().__init__(f"requires scope {needed}", scope=needed)


class InsufficientRole(AuthForbidden):
    """The caller lacks a role (operator, vendor, customer, service)."""

    problem_type = "insufficient-role"


class NotVendorScoped(AuthForbidden):
    """A vendor-only operation called with a token that names no vendor."""

    problem_type = "not-vendor-scoped"

    def __init__(self) -> None:
        super().__init__("requires a vendor-scoped token (vendor_id claim); "
                         "this caller acts for no vendor")


class AuthUnavailable(ServiceUnavailable):
    """503: tokens cannot be checked because the issuer's keys are unreachable."""

    problem_type = "auth-unavailable"

    def __init__(self, description: str = "token verification keys are unavailable") -> None:
        super().__init__(description=description, retry_after=5)
