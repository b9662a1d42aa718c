"""Patches that switch off one chassis concern at a time, for the in-process profile.

The time a request saves under a patch is what that concern costs. Nothing
here edits chassis files: each entry is a ``mock.patch`` entered around one
timing. Names starting with two spaces are parts of the entry above them.
"""
from __future__ import annotations

import contextlib
import logging
from types import SimpleNamespace
from unittest import mock

FIXED_ID = "00000000-0000-4000-8000-000000000000"


class _FixedSeries:
    """Answers ``labels()`` with one child chosen in advance (or a no-op)."""

    def __init__(self, child=None) -> None:
        self.child = child or self

    def labels(self, *values: str):
        return self.child

    def inc(self, amount: float = 1) -> None:
        pass

    def observe(self, value: float) -> None:
        pass


def ablations(principal, route: str) -> dict[str, contextlib.AbstractContextManager]:
    """Name of each concern -> the patch that removes it. ``principal`` is the token's caller."""
    from chassis.logs import JsonFormatter
    from chassis.metrics import metrics

    real = metrics()
    # Plain stubs, not Mocks: a Mock records every call, and that garbage would slow what follows.
    no_metrics = SimpleNamespace(http_requests=_FixedSeries(), http_latency=_FixedSeries())
    children_known = SimpleNamespace(
        http_requests=_FixedSeries(real.http_requests.labels("GET", route, "200")),
        http_latency=_FixedSeries(real.http_latency.labels("GET", route)))
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_chassis", False))
    return {
        "access log, all of it": mock.patch.object(logging.getLogger("chassis.access"), "disabled", True),
        "  JsonFormatter.format": mock.patch.object(JsonFormatter, "format", lambda self, record: "{}"),
        "  is_secret_key on every field": mock.patch("chassis.logs.is_secret_key", lambda key: False),
        "  caller lookup (logging._srcfile)": mock.patch.object(logging, "_srcfile", None),
        "  flush (a write syscall) per line": mock.patch.object(handler, "flush", lambda: None),
        "metrics, all of it (multiprocess)": mock.patch("chassis.app.metrics", lambda: no_metrics),
        "  labels() lookups (x2)": mock.patch("chassis.app.metrics", lambda: children_known),
        "auth (header parse, verified-token cache hit)":
            mock.patch("chassis.auth.flask.authenticate_request", lambda verifier=None: principal),
        "request id (uuid4)": mock.patch("chassis.context.new_id", lambda: FIXED_ID),
    }
