"""RFC 9457 problem details for every error a service returns.

Each error has a stable ``type`` URI (``urn:marketplace:problem:<slug>``) so
clients branch on it rather than on prose. Unexpected exceptions become a bare
500 carrying only the request id: the stack trace goes to the log, never to
the client.
"""
from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import Flask, Response, json, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from chassis import context

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:marketplace:problem:"
log = logging.getLogger("chassis.errors")

_SLUG_BY_STATUS = {
    400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
    405: "method-not-allowed", 406: "not-acceptable", 409: "conflict", 412: "precondition-failed",
    413: "payload-too-large", 415: "unsupported-media-type", 422: "validation-failed",
    428: "precondition-required", 429: "too-many-requests", 500: "internal-error",
    502: "bad-gateway", 503: "service-unavailable", 504: "gateway-timeout",
}


class Problem(HTTPException):
    """An HTTP error with a problem type slug and optional extension members."""

    def __init__(self, status: int, slug: str, detail: str, *, title: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(description=detail)
        self.code = status
        self.problem_type = slug
        self.title = title
        self.extensions = extensions
        self.extra_headers = headers or {}


class ProblemSchema(ma.Schema):
    """Documentation shape of a problem+json body (RFC 9457)."""

    type = ma.fields.String(metadata={"description": "Stable URI identifying the kind of problem"})
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    instance = ma.fields.String()
    request_id = ma.fields.String()
    errors = ma.fields.Dict(metadata={"description": "Field-level validation messages"})

    class Meta:
        # RFC 9457 extension members (a conflict's `conflict`, for instance) may follow.
        unknown = ma.INCLUDE


def problem_type(slug: str) -> str:
    return TYPE_PREFIX + slug


def problem_response(status: int, slug: str, title: str, detail: str | None = None,
                     headers: dict[str, str] | None = None, **extensions: Any) -> Response:
    """Build a problem+json response; usable outside Flask's error handling too (e.g. gateway)."""
    body: dict[str, Any] = {"type": problem_type(slug), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request:
        body["instance"] = request.path
    if context.request_id():
        body["request_id"] = context.request_id()
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_exception_response(error: HTTPException) -> Response:
    """Translate any werkzeug/flask-smorest HTTP exception into problem+json."""
    status = error.code or 500
    if status >= 500 and not isinstance(error, Problem):
        return problem_response(500 if status == 500 else status, _SLUG_BY_STATUS.get(status, "server-error"),
                                error.name)
    slug = getattr(error, "problem_type", None) or _SLUG_BY_STATUS.get(status, "http-error")
    title = getattr(error, "title", None) or error.name
    extensions = dict(getattr(error, "extensions", {}) or {})
    data = getattr(error, "data", None) or {}
    headers = _carried_headers(error, data)
    if "messages" in data or "errors" in data:
        extensions["errors"] = _flatten_locations(data.get("errors") or data.get("messages"))
    detail = data.get("message") or error.description
    if status == 422 and "errors" in extensions and detail == error.description:
        detail = "The request did not validate; see 'errors'."
    elif status == 400 and "errors" in extensions and detail == error.description:
        detail = "The request could not be read; see 'errors'."
    return problem_response(status, slug, title, detail, headers, **extensions)


def _carried_headers(error: HTTPException, data: dict) -> dict[str, str]:
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(getattr(error, "extra_headers", {}) or {})
    headers.update(data.get("headers") or {})
    return headers


def _flatten_locations(messages: Any) -> dict:
    """webargs nests messages by location ({"json": {...}}); one location is the common case.

    ``errors`` is always an object: a message about a whole location (a body that is not JSON:
    ``{"json": ["Invalid JSON body."]}``) stays under that location's name.
    """
    if isinstance(messages, dict) and len(messages) == 1:
        (location, inner), = messages.items()
        if location in {"json", "query", "form", "headers", "files", "view_args", "path"} and isinstance(inner, dict):
            return inner
    return messages if isinstance(messages, dict) else {"_schema": messages}


def unexpected_exception_response(error: Exception) -> Response:
    log.exception("unhandled exception", extra={"path": request.path if request else None})
    return http_exception_response(InternalServerError())


def database_error_response(error: DBAPIError) -> Response:
    """A database that cannot answer now (unreachable, connection dropped, a transient failure) is a 503
    the client may retry, as the event consumer requeues on the same errors; any other is a 500."""
    if not (error.connection_invalidated or isinstance(error, OperationalError)):
        return unexpected_exception_response(error)
    log.warning("database unavailable", extra={"path": request.path if request else None,
                                               "error": repr(error)[:300]})
    return problem_response(503, "service-unavailable", "Service Unavailable",
                            "The database is unavailable; retry shortly.", {"Retry-After": "1"})


def install_error_handlers(app: Flask) -> None:
    """Make every error of ``app`` a problem+json response."""
    app.register_error_handler(HTTPException, http_exception_response)
    app.register_error_handler(DBAPIError, database_error_response)
    app.register_error_handler(Exception, unexpected_exception_response)
