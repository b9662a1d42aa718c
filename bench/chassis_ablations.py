"""Patches that switch off one chassis concern at a time, for the in-process profile.

The time a request saves under a patch is what that concern costs. Nothing
here edits chassis files: each entry is a ``mock.patch`` entered around one
timing. Names starting with two spaces are parts of the entry above them.
"""
from __future__ import annotations

import contextlib
import logging
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
    from chassis.observability import RequestObserver

    # Plain stubs, not Mocks: a Mock records every call, and that garbage would slow what follows.
    no_series = _FixedSeries()
    return {
        "access log, all of it": mock.patch.object(logging.getLogger("chassis.access"), "disabled", True),
        "  line building and write": mock.patch("chassis.observability.log_access", lambda *args: None),
        "metrics, all of it (multiprocess)": _patches(
            mock.patch.object(RequestObserver, "_counter", lambda self, *labels: no_series),
            mock.patch.object(RequestObserver, "_histogram", lambda self, *labels: no_series)),
        "auth (header parse, verified-token cache hit)":
            mock.patch("chassis.auth.flask.authenticate_request", lambda verifier=None: principal),
        "request id (uuid4)": mock.patch("chassis.context.new_id", lambda: FIXED_ID),
    }


class _patches:
    """Several patches entered and left together; reusable, as the profile enters each patch many times."""

    def __init__(self, *patches) -> None:
        self.patches = patches

    def __enter__(self) -> None:
        for patch in self.patches:
            patch.__enter__()

    def __exit__(self, *exc_info) -> None:
        for patch in reversed(self.patches):
            patch.__exit__(*exc_info)
