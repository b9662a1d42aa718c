"""Claim checks for RFC 9068 access tokens, after the signature is verified."""
from __future__ import annotations

from typing import Any, Iterable

from .errors import InvalidToken

REQUIRED_STRINGS = ("sub", "client_id", "jti")


def _is_number(value: Any) -> bool:
    # bool is an int subclass; `"exp": true` must not pass as a timestamp.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_claims(claims: dict[str, Any], *, issuer: str, audiences: Iterable[str],
                 now: float, leeway: float) -> None:
    """Raise ``InvalidToken`` unless the claims fit issuer, audience and time.

    Reasons are short and never repeat claim values: they reach the client.
    """
    if claims.get("iss") != issuer:
        raise InvalidToken("invalid issuer")
    aud = claims.get("aud")
    aud_values = [aud] if isinstance(aud, str) else aud
    if not isinstance(aud_values, list) or not any(
            isinstance(a, str) and a in audiences for a in aud_values):
        raise InvalidToken("invalid audience")
    exp = claims.get("exp")
    if not _is_number(exp):
        raise InvalidToken("missing or invalid exp")
    if now >= exp + leeway:
        raise InvalidToken("expired")
    for name, reason in (("nbf", "not yet valid"), ("iat", "issued in the future")):
        value = claims.get(name)
        if value is None:
            continue
        if not _is_number(value):
            raise InvalidToken(f"invalid {name}")
        if value > now + leeway:
            raise InvalidToken(reason)
    for name in REQUIRED_STRINGS:
        value = claims.get(name)
        if not isinstance(value, str) or not value:
            raise InvalidToken(f"missing {name}")
