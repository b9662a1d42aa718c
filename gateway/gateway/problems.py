"""problem+json answers written straight to WSGI, without a Flask request.

The gateway refuses most bad requests before any Flask machinery runs; these
bodies match what chassis' Flask handlers produce (same ``type`` URIs).
"""
from __future__ import annotations

import json
from typing import Callable, Iterable

from werkzeug.http import HTTP_STATUS_CODES

from chassis import context
from chassis.errors import PROBLEM_CONTENT_TYPE, problem_type


class EdgeProblem(Exception):
    """A refusal decided at the edge: status, stable slug, detail and extra headers."""

    def __init__(self, status: int, slug: str, detail: str, headers: Iterable[tuple[str, str]] = (),
                 **extensions: object) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.detail = detail
        self.headers = list(headers)
        self.extensions = extensions


def status_line(status: int) -> str:
    return f"{status} {HTTP_STATUS_CODES.get(status, 'Unknown')}"


def send_problem(problem: EdgeProblem, environ: dict, start_response: Callable) -> list[bytes]:
    body = {"type": problem_type(problem.slug), "title": HTTP_STATUS_CODES.get(problem.status, "Error"),
            "status": problem.status, "detail": problem.detail, "instance": environ.get("PATH_INFO", "")}
    request_id = context.request_id()
    if request_id:
        body["request_id"] = request_id
    body.update(problem.extensions)
    payload = json.dumps(body).encode()
    headers = [("Content-Type", PROBLEM_CONTENT_TYPE), ("Content-Length", str(len(payload))),
               ("Cache-Control", "no-store"), *problem.headers]
    start_response(status_line(problem.status), headers)
    return [payload]
