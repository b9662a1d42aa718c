"""Error pages: every failure under /console is an HTML page with a way back, never a stack trace.

Other paths (probes, /metrics) keep chassis' problem+json.
"""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from chassis.errors import http_exception_response, unexpected_exception_response
from chassis.http_client import ServiceError, ServiceUnavailable
from console.api import ApiError
from console.oauth_client import IdentityUnavailable
from console.user_tokens import SessionEnded

PAGE_PREFIX = "/console"


def install(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(ServiceError, _api_error)
    app.register_error_handler(SessionEnded, _session_ended)
    app.register_error_handler(ServiceUnavailable, _unavailable)
    app.register_error_handler(IdentityUnavailable, _unavailable)
    app.register_error_handler(Exception, _unexpected)


def _page(status: int, **context):
    return render_template("error.html", status=status, **context), status


def _http_error(error: HTTPException):
    if not request.path.startswith(PAGE_PREFIX):
        return http_exception_response(error)
    return _page(error.code or 500, csrf=error.description == "csrf", read_only=error.description == "read-only")


def _api_error(error):
    # An API's 403/404 is the page's own; anything else means the console could not do its job.
    status = error.status if error.status in (403, 404) else 502
    return _page(status)


def _session_ended(error: SessionEnded):
    from console import web
    web.end_session()  # the blueprint's after_request clears the cookie
    return web.sign_in_redirect()


def _unavailable(error: Exception):
    current_app.logger.warning("upstream unavailable: %s", error)
    return _page(503)


def _unexpected(error: Exception):
    if not request.path.startswith(PAGE_PREFIX):
        return unexpected_exception_response(error)
    current_app.logger.exception("unexpected error")
    return _page(500)
