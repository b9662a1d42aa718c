"""JSON logs on stdout, one object per line, with request and correlation ids.

A hand-written formatter keeps the hot path to one ``json.dumps``; keys that
look secret are masked whatever logs them.
"""
from __future__ import annotations

import functools
import json
import logging
import sys
import time
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
def level_text(level: int) -> str:
    return logging.getLevelName(level).lower()


@functools.lru_cache(maxsize=4)
def second_text(epoch_second: int) -> str:
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
            "ts": f"{second_text(int(record.created))}.{int(record.msecs):03d}Z",
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


def json_handler() -> logging.Handler | None:
    """The chassis stdout handler when logs are JSON (used by the access log's direct path)."""
    return _json_handler


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
    ``chassis.access_log``) and ordinary records still flush at once.
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
