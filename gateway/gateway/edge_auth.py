"""Token checks at the edge: reject early what the service would reject anyway.

Verification is local (chassis ``TokenVerifier``: JWKS cached, verified
tokens cached), so the edge check costs a dictionary lookup for a client
reusing its token. Services still verify every token themselves.
"""
from __future__ import annotations

from chassis.auth import flask as chassis_auth
from chassis.auth.errors import InvalidToken, KeySetUnavailable
from chassis.auth.http_errors import BearerChallenge
from chassis.auth.principal import Principal
from chassis.auth.verifier import TokenVerifier

from gateway.problems import EdgeProblem
from gateway.routing import RouteClass


def authenticate(environ: dict, route_class: RouteClass, verifier: TokenVerifier) -> Principal | None:
    """The caller's principal, None for an anonymous call the class allows; raise 401/403/503."""
    if route_class.pass_authorization:
        return None
    public = route_class.is_public(environ["REQUEST_METHOD"])
    header = environ.get("HTTP_AUTHORIZATION", "")
    if not header.lstrip().lower().startswith("bearer "):
        if public:
            return None  # anonymous, or credentials of another scheme the service reads itself
        raise EdgeProblem(401, "missing-token", "a bearer access token is required",
                          [("WWW-Authenticate", BearerChallenge().to_header())])
    principal = _verify(header, verifier)
    if not public:
        _check_rights(principal, route_class)
    return principal


def _verify(header: str, verifier: TokenVerifier) -> Principal:
    try:
        token = chassis_auth.bearer_token(header)
        return verifier.verify(token)
    except InvalidToken as error:
        description = error.description
    except chassis_auth.InvalidTokenError as error:  # malformed header
        description = error.description
    except KeySetUnavailable:
        raise EdgeProblem(503, "auth-unavailable", "token verification keys are unavailable",
                          [("Retry-After", "5")]) from None
    challenge = BearerChallenge(error="invalid_token", error_description=description)
    raise EdgeProblem(401, "invalid-token", description, [("WWW-Authenticate", challenge.to_header())])


def _check_rights(principal: Principal, route_class: RouteClass) -> None:
    missing = [scope for scope in route_class.scopes if scope not in principal.scopes]
    if missing:
        needed = " ".join(missing)
        raise _forbidden("insufficient-scope", f"requires scope {needed}", scope=needed)
    if route_class.roles and not any(role in principal.roles for role in route_class.roles):
        raise _forbidden("insufficient-role", f"requires role {' or '.join(route_class.roles)}")


def _forbidden(slug: str, description: str, **challenge: str) -> EdgeProblem:
    header = BearerChallenge(error="insufficient_scope", error_description=description, **challenge).to_header()
    return EdgeProblem(403, slug, description, [("WWW-Authenticate", header)])
