"""Per-request / per-event context carried in contextvars.

Request and correlation ids flow from HTTP headers (``X-Request-ID``,
``X-Correlation-ID``) and from event attributes (``correlationid``) into logs,
outgoing HTTP calls and published events. Contextvars keep threads and
greenlets apart without touching Flask's ``g`` from non-Flask code.
"""
from __future__ import annotations

import contextvars
import os
import re
from contextlib import contextmanager
from typing import Any, Iterator

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_principal: contextvars.ContextVar[Any] = contextvars.ContextVar("principal", default=None)

_VALID_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_id() -> str:
    """A fresh random UUID4 in its canonical text form.

    Built from the random hex directly: ``str(uuid.uuid4())`` costs three
    times as much, and every request and event asks for one.
    """
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


def valid_id(candidate: str | None) -> str | None:
    """Return ``candidate`` if it is a safe id to echo and log, else None."""
    # fullmatch: "$" would also accept a trailing newline, which must never reach a header or a log line.
    if candidate and _VALID_ID.fullmatch(candidate):
        return candidate
    return None


def request_id() -> str | None:
    return _request_id.get()


def correlation_id() -> str | None:
    return _correlation_id.get()


def principal() -> Any:
    """The authenticated caller of the current request or event, if any."""
    return _principal.get()


def set_principal(value: Any) -> contextvars.Token:
    return _principal.set(value)


@contextmanager
def bound(*, request_id: str | None = None, correlation_id: str | None = None,
          principal: Any = None) -> Iterator[None]:
    """Bind ids (and optionally a principal) for the duration of a block."""
    tokens = [
        (_request_id, _request_id.set(request_id)),
        (_correlation_id, _correlation_id.set(correlation_id or request_id)),
        (_principal, _principal.set(principal)),
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind_request(request_id: str, correlation_id: str | None) -> list[tuple[contextvars.ContextVar, contextvars.Token]]:
    """Bind ids at the start of a request; returns tokens for :func:`unbind`."""
    return [
        (_request_id, _request_id.set(request_id)),
        (_correlation_id, _correlation_id.set(correlation_id or request_id)),
        (_principal, _principal.set(None)),
    ]


def unbind(tokens: list[tuple[contextvars.ContextVar, contextvars.Token]]) -> None:
    for var, token in reversed(tokens):
        var.reset(token)
