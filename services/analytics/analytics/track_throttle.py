"""Requests per client IP per minute on the tracking endpoint: fixed windows held in process memory.

Memory, not the database, so that no IP address is ever written anywhere; the price is that each web
worker counts alone (the gateway's per-IP limit in front is shared). Windows end on the minute of
``clock`` (injectable: tests move time by hand); ended windows are swept as new ones open.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

WINDOW_SECONDS = 60


class Throttled(Exception):
    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"more than {limit} tracking requests a minute; retry in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after


class FixedWindows:
    """``take(key, limit)`` counts a request; raises :class:`Throttled` past ``limit`` in the current minute."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, key: str, limit: int) -> None:
        moment = self.clock()
        window = int(moment // WINDOW_SECONDS)
        with self._lock:
            if window != self._window:  # a new minute: every count starts again (and memory is freed)
                self._window, self._counts = window, {}
            count = self._counts[key] = self._counts.get(key, 0) + 1
        if count > limit:
            raise Throttled(limit, max(1, math.ceil((window + 1) * WINDOW_SECONDS - moment)))
