"""Errors raised by the service-to-service HTTP client.

None of them carries a client secret or a bearer token: messages end up in logs
and in problem responses of the calling service.
"""
from __future__ import annotations

from typing import Any

from urllib3.exceptions import NewConnectionError


class TokenFetchError(Exception):
    """The token endpoint could not be reached or refused to issue a token.

    ``error`` is the RFC 6749 §5.2 code (``invalid_client``, ``invalid_scope``...) when
    the endpoint sent one; ``status`` is the HTTP status when there was an answer.
    """

    def __init__(self, message: str, *, error: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.status = status


class ServiceUnavailable(Exception):
    """A downstream service could not be reached: refused, timed out or reset, after retries."""

    def __init__(self, base_url: str, cause: str) -> None:
        super().__init__(f"service at {base_url} unavailable: {cause}")
        self.base_url = base_url
        self.cause = cause


class ServiceError(Exception):
    """A downstream service answered with an error status.

    ``problem`` is the RFC 9457 problem document when the body was
    ``application/problem+json``, otherwise a minimal one built from the status.
    """

    def __init__(self, status: int, problem: dict[str, Any], *, url: str | None = None) -> None:
        title = problem.get("title") or "HTTP error"
        detail = f": {problem['detail']}" if problem.get("detail") else ""
        where = f" from {url}" if url else ""
        super().__init__(f"{status} {title}{where}{detail}")
        self.status = status
        self.problem = problem
        self.url = url


def transport_cause(exc: Exception) -> str:
    """A one-line description of a urllib3 transport failure, for error messages."""
    reason = getattr(exc, "reason", None) or exc  # MaxRetryError wraps the last failure
    if isinstance(reason, NewConnectionError) and reason.__cause__ is not None:
        reason = reason.__cause__  # its own text starts with an unhelpful object repr
    return f"{type(reason).__name__}: {reason}"
