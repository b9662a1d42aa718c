"""The access log: one JSON line per request, on the cheapest path that keeps it correct.

It runs on every request, so in JSON mode the line (fixed shape, every string
escaped by the C JSON encoder) goes straight to the chassis stdout handler
and is flushed in batches; the generic logging path and a write per line
doubled what the chassis adds to a small request (see bench/). In plain-text
mode it is an ordinary log record.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from json.encoder import encode_basestring_ascii as _quote

from chassis import context
from chassis.logs import json_handler, level_text, second_text


def log_access(logger: logging.Logger, level: int, method: str, path: str, route: str, status: int,
               duration_ms: float) -> None:
    """Write one access-log line (the caller checked ``logger.isEnabledFor(level)``)."""
    message = f"{method} {path} {status}"
    handler = json_handler()
    if handler is None or logger.disabled or level < handler.level:
        logger.log(level, message, extra={"method": method, "path": path, "route": route, "status": status,
                                          "duration_ms": duration_ms})
        return
    now = time.time()
    request_id, correlation_id = context.request_id(), context.correlation_id()
    ids = (f', "request_id": {_quote(request_id)}' if request_id else "") + (
        f', "correlation_id": {_quote(correlation_id)}' if correlation_id else "")
    line = (f'{{"ts": "{second_text(int(now))}.{int(now % 1 * 1000):03d}Z", "level": "{level_text(level)}", '
            f'"service": {_quote(handler.formatter.service)}, "logger": {_quote(logger.name)}, '  # type: ignore[union-attr]
            f'"message": {_quote(message)}{ids}, "method": {_quote(method)}, "path": {_quote(path)}, '
            f'"route": {_quote(route)}, "status": {int(status)}, "duration_ms": {float(duration_ms)}}}\n')
    with handler.lock:  # type: ignore[union-attr]
        handler.stream.write(line)  # type: ignore[attr-defined]
    _flusher.ensure_running(handler)


class _PeriodicFlusher:
    """Flushes buffered access lines twice a second (and the next ordinary record flushes at once).

    Like a web server's buffered access log: one write per batch instead of
    one per request; a process killed outright may lose its last half second.
    """

    INTERVAL_SECONDS = 0.5

    def __init__(self) -> None:
        self._pid: int | None = None

    def ensure_running(self, handler: logging.Handler) -> None:
        if self._pid == os.getpid():
            return
        self._pid = os.getpid()  # a forked child needs its own thread
        threading.Thread(target=self._run, args=(handler,), name="access-log-flusher", daemon=True).start()

    def _run(self, handler: logging.Handler) -> None:
        while True:
            time.sleep(self.INTERVAL_SECONDS)
            try:
                handler.flush()
            except (OSError, ValueError):  # stdout closed under us (process ending): nothing left to do
                return


_flusher = _PeriodicFlusher()
