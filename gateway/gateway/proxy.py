"""Forward one request to its upstream and stream the answer back.

Bodies stream both ways in blocks; an answer whose body arrived with its
headers is returned whole, so its connection goes back to the pool at once.
Idempotent requests without a body are retried on connection failures only
(refused, or a kept-alive connection the upstream had closed): a read
timeout is answered 504 rather than doubled.
"""
from __future__ import annotations

import time
from typing import Callable, Iterator
from urllib.parse import quote

from gateway.forwarding import HOP_BY_HOP
from gateway.problems import EdgeProblem
from gateway.screening import too_large
from gateway.upstream_http import (ConnectFailed, ConnectionBroken, Response, ResponseTimeout, read_response,
                                   send_request)
from gateway.upstreams import Upstream

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
BLOCK_SIZE = 64 * 1024
# Set by the gateway on the way out; an upstream's copy would be a duplicate.
_DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {"x-request-id", "server", "date"}
_SAFE_PATH_CHARACTERS = "/:@!$&'()*+,;=-._~"


class UpstreamFailure(EdgeProblem):
    """An upstream problem; ``kind`` labels the metric."""

    def __init__(self, status: int, slug: str, detail: str, kind: str, headers=()) -> None:
        super().__init__(status, slug, detail, headers)
        self.kind = kind


class _BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _client_body(stream, length: int | None, limit: int) -> Iterator[bytes]:
    """The client's body in blocks, stopping at ``length``; over ``limit`` raises (413)."""
    received = 0
    while length is None or received < length:
        block = stream.read(BLOCK_SIZE if length is None else min(BLOCK_SIZE, length - received))
        if not block:
            return
        received += len(block)
        if received > limit:
            raise _BodyTooLarge(limit)
        yield block


def forward(environ: dict, upstream: Upstream, headers: dict[str, str], *,
            body_length: int | None, body_limit: int, observe_latency: Callable[[float], None]):
    """Send the request; return ``(status_line, response_headers, body_iterable)``."""
    method = environ["REQUEST_METHOD"]
    body, chunked = _request_body(environ, headers, body_length, body_limit)
    head = _request_head(method, _target(environ), upstream.host_header, headers)
    response = _exchange(method, head, body, chunked, upstream, observe_latency)
    status = f"{response.status} {response.reason}".rstrip()
    if response.body_complete:
        data = response.read_all()
        return status, _response_headers(response), [data] if data else []
    return status, _response_headers(response), response


def _target(environ: dict) -> str:
    # Forward the path exactly as the client encoded it (it was screened decoded).
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    # Some WSGI servers (werkzeug's test client) leave the query string out of REQUEST_URI.
    query_left_out = "?" not in raw and environ.get("QUERY_STRING")
    if raw.startswith("/") and raw.isprintable() and " " not in raw and not query_left_out:
        return raw
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe=_SAFE_PATH_CHARACTERS)
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _request_body(environ: dict, headers: dict[str, str], length: int | None, limit: int):
    if length:
        headers["Content-Length"] = str(length)
        return _client_body(environ["wsgi.input"], length, limit), False
    if environ.get("HTTP_TRANSFER_ENCODING"):
        headers["Transfer-Encoding"] = "chunked"
        return _client_body(environ["wsgi.input"], None, limit), True
    if length == 0:
        headers["Content-Length"] = "0"
    return None, False


def _request_head(method: str, target: str, host: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


def _exchange(method: str, head: bytes, body, chunked: bool, upstream: Upstream,
              observe_latency: Callable[[float], None]) -> Response:
    if upstream.is_open():
        raise UpstreamFailure(503, "upstream-unavailable", f"{upstream.name} is unavailable; try again shortly",
                              "circuit-open", [("Retry-After", str(upstream.retry_after()))])
    retries_left = upstream.policy.retries if method in IDEMPOTENT_METHODS and body is None else 0
    while True:
        try:
            connection, reused = upstream.acquire()
        except ConnectFailed as failure:
            upstream.record_connect_failure()
            if retries_left > 0 and not failure.timed_out:
                retries_left -= 1
                continue
            raise _connect_failure(upstream, failure) from None
        started = time.perf_counter()
        try:
            send_request(connection, head, body, chunked)
            response = read_response(connection, method == "HEAD", upstream.release)
        except _BodyTooLarge as error:
            connection.close()
            raise too_large(error.limit) from None
        except ResponseTimeout:
            connection.close()
            raise UpstreamFailure(504, "upstream-timeout", f"{upstream.name} did not answer in time",
                                  "read-timeout") from None
        except ConnectionBroken:
            connection.close()
            if retries_left > 0:
                retries_left -= 1
                continue
            raise UpstreamFailure(502, "bad-upstream-response",
                                  f"{upstream.name} closed the connection or answered badly", "protocol") from None
        observe_latency(time.perf_counter() - started)
        upstream.record_success()
        return response


def _connect_failure(upstream: Upstream, failure: ConnectFailed) -> UpstreamFailure:
    if failure.timed_out:
        return UpstreamFailure(504, "upstream-timeout", f"{upstream.name} did not accept the connection in time",
                               "connect-timeout")
    return UpstreamFailure(502, "upstream-unavailable", f"{upstream.name} refused the connection", "refused")


def _response_headers(response: Response) -> list[tuple[str, str]]:
    headers = response.headers
    listed = next((value for name, value in headers if name.lower() == "connection"), "")
    dropped = _DROPPED_RESPONSE_HEADERS | {token.strip().lower() for token in listed.split(",") if token.strip()} \
        if listed else _DROPPED_RESPONSE_HEADERS
    return [(name, value) for name, value in headers if name.lower() not in dropped]
