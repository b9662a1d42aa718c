"""JSON logs on stdout, one object per line, with request and correlation ids.

A hand-written formatter keeps the hot path to one ``json.dumps``; keys that
look secret are masked whatever logs them.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import sys
import threading
import time
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

from chassis import context

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_SECRET_MARKERS = ("password", "secret", "token", "authorization", "cookie", "otp", "totp")
MASK = "***"
_ENCODER = json.JSONEncoder(default=str)


@functools.lru_cache(maxsize=1024)
def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


@functools.lru_cache(maxsize=16)
def _level_name(level: int) -> str:
    return logging.getLevelName(level).lower()


@functools.lru_cache(maxsize=4)
def _second(epoch_second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch_second))


def _masked(value: Any) -> Any:
    """``value`` with secret-looking keys masked at any depth (e.g. a logged form or payload)."""
    if isinstance(value, dict):
        return {key: MASK if is_secret_key(str(key)) else _masked(inner) for key, inner in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(inner) for inner in value]
    return value


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON line; extra fields are kept, secret-looking ones masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": f"{_second(int(record.created))}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id, correlation_id = context.request_id(), context.correlation_id()
        if request_id:
            entry["request_id"] = request_id
        if correlation_id:
            entry["correlation_id"] = correlation_id
        attributes = record.__dict__
        for key in attributes.keys() - _RESERVED:
            if not key.startswith("_"):
                entry[key] = MASK if is_secret_key(key) else _masked(attributes[key])
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(entry)


_json_handler: logging.Handler | None = None  # the chassis stdout handler when it writes JSON


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    """Route the root logger to stdout; idempotent so app factories can call it freely."""
    global _json_handler
    _skip_unused_record_fields()
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_chassis", False)), None)
    if handler is None:
        handler = logging.StreamHandler(_stdout_stream())
        handler._chassis = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter(service) if as_json else logging.Formatter(
        f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    _json_handler = handler if as_json else None
    root.setLevel(level)
    # Our access log replaces werkzeug's and gunicorn's; keep noisy libraries quiet.
    for noisy in ("werkzeug", "kombu", "amqp", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def _stdout_stream():
    """stdout with a block buffer of its own.

    Containers usually set PYTHONUNBUFFERED, which makes every write to
    ``sys.stdout`` a system call; access lines are batched instead (see
    :class:`_PeriodicFlusher`) and ordinary records still flush at once.
    """
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a captured or replaced stdout
        return sys.stdout
    return open(descriptor, "w", buffering=64 * 1024, encoding="utf-8", closefd=False)


def _skip_unused_record_fields() -> None:
    """Don't compute what our JSON never shows (caller frame, thread and process names).

    These are the switches the logging HOWTO's "Optimization" section names;
    finding the caller's frame alone is several microseconds per record.
    """
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.logAsyncioTasks = False


def log_access(logger: logging.Logger, level: int, method: str, path: str, route: str, status: int,
               duration_ms: float) -> None:
    """Write one access-log line (the caller checked ``logger.isEnabledFor(level)``).

    This runs on every request, so in JSON mode the line (fixed shape, every
    string escaped by the C JSON encoder) goes straight to the chassis handler
    and is flushed by :class:`_PeriodicFlusher`; the generic logging path and a
    write per line doubled what the chassis adds to a small request (bench/).
    In plain-text mode it is an ordinary log record.
    """
    message = f"{method} {path} {status}"
    handler = _json_handler
    if handler is None or logger.disabled or level < handler.level:
        logger.log(level, message, extra={"method": method, "path": path, "route": route, "status": status,
                                          "duration_ms": duration_ms})
        return
    now = time.time()
    request_id, correlation_id = context.request_id(), context.correlation_id()
    ids = (f', "request_id": {_quote(request_id)}' if request_id else "") + (
        f', "correlation_id": {_quote(correlation_id)}' if correlation_id else "")
    line = (f'{{"ts": "{_second(int(now))}.{int(now % 1 * 1000):03d}Z", "level": "{_level_name(level)}", '
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
