"""Flask integration: read the bearer token, check it, enforce scopes and roles.

The verifier lives at ``app.extensions["chassis.verifier"]`` (see
``install_verifier``). The Principal is kept in the WSGI environ of the
request (not ``flask.g``, which lives as long as an app context and can span
requests) and mirrored into ``chassis.context`` for logs, audit and events.
"""
from __future__ import annotations

import functools
import re
from typing import Any, Callable, Iterable, TypeVar

from flask import current_app, has_request_context, request

from chassis import context

from .errors import InvalidToken, KeySetUnavailable
from .http_errors import (
    AuthUnavailable, InsufficientRole, InsufficientScope, InvalidTokenError,
    MissingToken, NotVendorScoped,
)
from .principal import Principal
from .verifier import TokenVerifier

EXTENSION_KEY = "chassis.verifier"
_ENVIRON_KEY = "chassis.principal"
# RFC 6750 b64token; a JWT only ever uses a subset of it.
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")

F = TypeVar("F", bound=Callable[..., Any])


def install_verifier(app: Any, verifier: TokenVerifier) -> None:
    """Make ``verifier`` the one this app's views authenticate with."""
    app.extensions[EXTENSION_KEY] = verifier


def bearer_token(header: str) -> str:
    """The token of a ``Bearer`` Authorization header; 401 errors for any other shape."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise MissingToken()
    parts = rest.split()
    if len(parts) != 1 or not _B64TOKEN.fullmatch(parts[0]):
        raise InvalidTokenError("malformed Authorization header")
    return parts[0]


def authenticate_request(verifier: TokenVerifier | None = None) -> Principal:
    """Verify the request's bearer token and bind its Principal.

    Raises 401 (``MissingToken``/``InvalidTokenError``) or 503 when the
    issuer's keys cannot be fetched. Idempotent within one request.
    """
    environ = request.environ  # one proxy lookup: this runs on every protected request
    cached = environ.get(_ENVIRON_KEY)
    if cached is not None:
        return cached
    verifier = verifier or _app_verifier()
    token = bearer_token(environ.get("HTTP_AUTHORIZATION", ""))
    try:
        principal = verifier.verify(token)
    except InvalidToken as exc:
        raise InvalidTokenError(exc.description) from None
    except KeySetUnavailable:
        raise AuthUnavailable() from None
    environ[_ENVIRON_KEY] = principal
    context.set_principal(principal)
    return principal


def _app_verifier() -> TokenVerifier:
    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError(f"no token verifier: set app.extensions[{EXTENSION_KEY!r}] "
                           "(chassis.auth.flask.install_verifier)") from None


def current_principal() -> Principal:
    """The caller of this request, authenticating it if not done yet (401 if none).

    Outside a request (an event consumer) it returns the principal bound in
    ``chassis.context``. Inside one, only the request itself is trusted: a
    context variable can outlive a request on a reused worker thread.
    """
    if has_request_context():
        return authenticate_request()
    principal = context.principal()
    if not isinstance(principal, Principal):
        raise MissingToken()
    return principal


def caller_vendor_id() -> str:
    """The vendor the caller acts for; 403 if the token is not vendor-scoped.

    Tenancy filters use this and only this: never a vendor_id from the body.
    """
    vendor_id = current_principal().vendor_id
    if not vendor_id:
        raise NotVendorScoped()
    return vendor_id


def check_access(principal: Principal, *, scopes: Iterable[str] = (),
                 roles: Iterable[str] = (), any_role: bool = True) -> None:
    """Raise 403 unless ``principal`` has every scope and the roles asked for."""
    missing = [s for s in scopes if s not in principal.scopes]
    if missing:
        raise InsufficientScope(missing)
    roles = list(roles)
    held = [r for r in roles if r in principal.roles]
    if roles and not (held if any_role else len(held) == len(roles)):
        joiner = " or " if any_role else " and "
        raise InsufficientRole(f"requires role {joiner.join(roles)}")


def require_auth(*, scopes: Iterable[str] = (), roles: Iterable[str] = (),
                 any_role: bool = True) -> Callable[[F], F]:
    """Decorate a view (or MethodView method): 401 without a valid token, 403
    without every scope in ``scopes`` and any (or, with ``any_role=False``,
    all) of ``roles``."""
    if isinstance(scopes, str) or isinstance(roles, str):
        raise TypeError("pass scopes and roles as lists, not strings")
    scopes, roles = tuple(scopes), tuple(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_access(authenticate_request(), scopes=scopes, roles=roles, any_role=any_role)
            return view(*args, **kwargs)
        return wrapper  # type: ignore[return-value]
    return decorate
