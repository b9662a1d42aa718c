"""Exceptions raised while checking access tokens.

They carry no Flask types, so workers and the gateway can use the verifier
without a request context; ``chassis.auth.flask`` turns them into 401/403/503.
"""
from __future__ import annotations


class AuthError(Exception):
    """Base class of every error raised by ``chassis.auth``."""


class InvalidToken(AuthError):
    """The token was refused; ``description`` is a short, token-free reason.

    The reason ends up in ``WWW-Authenticate`` and in logs, so it must never
    echo the token or any claim value the caller could use to probe us.
    """

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class UnknownKey(AuthError):
    """No verification key is published under this ``kid``."""

    def __init__(self, kid: str) -> None:
        # The kid comes from an untrusted header: cap what we repeat of it.
        super().__init__(f"no key for kid {kid[:64]!r}")
        self.kid = kid


class KeySetUnavailable(AuthError):
    """The JWKS could not be fetched and no keys were ever cached.

    This is an outage of the issuer, not a bad token: callers should answer
    503, not 401, so clients don't throw away good tokens.
    """
