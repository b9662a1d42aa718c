"""JSON logs on stdout, one object per line, with request and correlation ids.

A hand-written formatter keeps the hot path to one ``json.dumps``; keys that
look secret are masked whatever logs them.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from chassis import context

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
_SECRET_MARKERS = ("password", "secret", "token", "authorization", "cookie", "otp", "totp")
MASK = "***"


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(marker in lowered for marker in _SECRET_MARKERS)


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
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
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
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = MASK if is_secret_key(key) else _masked(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO", as_json: bool = True) -> None:
    """Route the root logger to stdout; idempotent so app factories can call it freely."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_chassis", False)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stdout)
        handler._chassis = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter(service) if as_json else logging.Formatter(
        f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s"))
    root.setLevel(level)
    # Our access log replaces werkzeug's and gunicorn's; keep noisy libraries quiet.
    for noisy in ("werkzeug", "kombu", "amqp", "urllib3"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
