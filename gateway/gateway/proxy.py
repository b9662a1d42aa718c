"""Forward one request to its upstream and stream the answer back.

Bodies stream both ways in blocks; a small response with a known length is
read in one go so its pooled connection goes back to the pool at once.
Idempotent requests without a body are retried on connection failures only:
a read timeout is answered 504 rather than doubled.
"""
from __future__ import annotations

import time
from typing import Callable, Iterator

from urllib3.exceptions import (ConnectTimeoutError, HTTPError, NewConnectionError, ProtocolError,
                                ReadTimeoutError)
from urllib3.response import BaseHTTPResponse

from gateway.forwarding import HOP_BY_HOP
from gateway.problems import EdgeProblem
from gateway.screening import too_large
from gateway.upstreams import Upstream

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
BLOCK_SIZE = 64 * 1024
# Set by the gateway on the way out; an upstream's copy would be a duplicate.
_DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {"x-request-id", "server", "date"}


class _LimitedInput:
    """File-like view of the client body that stops at ``limit`` bytes (413 beyond)."""

    def __init__(self, stream, length: int | None, limit: int) -> None:
        self.stream = stream
        self.remaining = length
        self.limit = limit
        self.read_so_far = 0

    def read(self, size: int = BLOCK_SIZE) -> bytes:
        if self.remaining is not None:
            size = min(size, self.remaining)
            if size <= 0:
                return b""
        data = self.stream.read(size)
        self.read_so_far += len(data)
        if self.remaining is not None:
            self.remaining -= len(data)
        if self.read_so_far > self.limit:
            raise _BodyTooLarge(self.limit)
        return data

    def chunks(self) -> Iterator[bytes]:
        while True:
            block = self.read(BLOCK_SIZE)
            if not block:
                return
            yield block


class _BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class UpstreamFailure(EdgeProblem):
    """An upstream problem; ``kind`` labels the metric."""

    def __init__(self, status: int, slug: str, detail: str, kind: str, headers=()) -> None:
        super().__init__(status, slug, detail, headers)
        self.kind = kind


def forward(environ: dict, upstream: Upstream, headers: dict[str, str], *,
            body_length: int | None, body_limit: int, observe_latency: Callable[[float], None]):
    """Send the request; return ``(status_line, response_headers, body_iterable)``."""
    method = environ["REQUEST_METHOD"]
    body, chunked = _request_body(environ, headers, body_length, body_limit)
    response = _send(method, _target(environ), upstream, headers, body, chunked, observe_latency)
    return f"{response.status} {response.reason or ''}".rstrip(), _response_headers(response), _body(method, response)


def _target(environ: dict) -> str:
    # Forward the path exactly as the client encoded it (it was screened decoded).
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw and raw.startswith("/"):
        return raw
    from urllib.parse import quote
    path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def _request_body(environ: dict, headers: dict[str, str], length: int | None, limit: int):
    if length:
        headers["Content-Length"] = str(length)
        return _LimitedInput(environ["wsgi.input"], length, limit), False
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return _LimitedInput(environ["wsgi.input"], None, limit).chunks(), True
    if length == 0:
        headers["Content-Length"] = "0"
    return None, False


def _send(method: str, target: str, upstream: Upstream, headers: dict[str, str], body, chunked: bool,
          observe_latency: Callable[[float], None]) -> BaseHTTPResponse:
    if upstream.is_open():
        raise UpstreamFailure(503, "upstream-unavailable", f"{upstream.name} is unavailable; try again shortly",
                              "circuit-open", [("Retry-After", str(upstream.retry_after()))])
    retries_left = upstream.policy.retries if method in IDEMPOTENT_METHODS and body is None else 0
    while True:
        started = time.perf_counter()
        try:
            response = upstream.pool.urlopen(
                method, target, body=body, headers=headers, chunked=chunked, retries=False, redirect=False,
                assert_same_host=False, preload_content=False, decode_content=False, release_conn=False)
        except _BodyTooLarge as error:
            raise too_large(error.limit) from None
        except (NewConnectionError, ProtocolError) as error:
            if isinstance(error, NewConnectionError):
                upstream.record_connect_failure()
            if retries_left > 0:
                retries_left -= 1
                continue
            raise _failure(upstream, error) from None
        except HTTPError as error:
            raise _failure(upstream, error) from None
        observe_latency(time.perf_counter() - started)
        upstream.record_success()
        return response


def _failure(upstream: Upstream, error: Exception) -> UpstreamFailure:
    name = upstream.name
    if isinstance(error, NewConnectionError):
        return UpstreamFailure(502, "upstream-unavailable", f"{name} refused the connection", "refused")
    if isinstance(error, ConnectTimeoutError):
        return UpstreamFailure(504, "upstream-timeout", f"{name} did not accept the connection in time",
                               "connect-timeout")
    if isinstance(error, ReadTimeoutError):
        return UpstreamFailure(504, "upstream-timeout", f"{name} did not answer in time", "read-timeout")
    return UpstreamFailure(502, "bad-upstream-response", f"{name} closed the connection or answered badly",
                           "protocol")


def _response_headers(response: BaseHTTPResponse) -> list[tuple[str, str]]:
    connection_listed = {t.strip().lower() for t in response.headers.get("Connection", "").split(",")}
    return [(name, value) for name, value in response.headers.items()
            if name.lower() not in _DROPPED_RESPONSE_HEADERS and name.lower() not in connection_listed]


def _body(method: str, response: BaseHTTPResponse):
    length = response.headers.get("Content-Length")
    if method == "HEAD" or response.status in (204, 304) or (length is not None and length.isdigit()
                                                              and int(length) <= BLOCK_SIZE):
        try:
            data = response.read()
        finally:
            response.release_conn()
        return [data] if data else []
    return StreamedBody(response)


class StreamedBody:
    """Iterate an upstream body block by block; hand the connection back (or drop it) on close."""

    def __init__(self, response: BaseHTTPResponse) -> None:
        self.response = response
        self.finished = False

    def __iter__(self) -> Iterator[bytes]:
        for block in self.response.stream(BLOCK_SIZE, decode_content=False):
            yield block
        self.finished = True

    def close(self) -> None:
        if self.finished:
            self.response.release_conn()
        else:
            # The client went away mid-body: the connection holds unread bytes, so it cannot be reused.
            self.response.close()
            self.response.release_conn()
