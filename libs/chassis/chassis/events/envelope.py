"""CloudEvents 1.0 envelope (structured JSON mode) plus ``correlationid``."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from typing import Any

from chassis import context

SPEC_VERSION = "1.0"
REQUIRED_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "data")


class MalformedEvent(ValueError):
    """A message that is not a CloudEvents envelope we can read."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def source_of(service: str) -> str:
    return f"/marketplace/{service}"


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: str
    data: dict[str, Any]
    subject: str | None = None
    correlationid: str | None = None
    specversion: str = SPEC_VERSION
    datacontenttype: str = "application/json"
    extensions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def new(cls, service: str, event_type: str, data: dict[str, Any], *, subject: str | None = None,
            correlation_id: str | None = None) -> "CloudEvent":
        """A new event from ``service``, correlated with the current request or event."""
        return cls(id=context.new_id(), source=source_of(service), type=event_type,
                   time=utcnow().isoformat(timespec="microseconds"), data=data, subject=subject,
                   correlationid=correlation_id or context.correlation_id() or context.request_id())

    def to_dict(self) -> dict[str, Any]:
        """The envelope as JSON-ready data; ``data`` is the event's own dict, not a copy.

        Built by hand: ``dataclasses.asdict`` deep-copies ``data``, which cost more
        than the rest of publishing an event.
        """
        body = {name: getattr(self, name) for name in _ATTRIBUTES if getattr(self, name) is not None}
        body.update(self.extensions)
        return body

    @classmethod
    def from_dict(cls, body: Any) -> "CloudEvent":
        """Parse an envelope, raising :class:`MalformedEvent` naming what is wrong."""
        if not isinstance(body, dict):
            raise MalformedEvent("envelope is not a JSON object")
        missing = [name for name in REQUIRED_ATTRIBUTES if name not in body]
        if missing:
            raise MalformedEvent(f"envelope lacks {', '.join(missing)}")
        if body["specversion"] != SPEC_VERSION:
            raise MalformedEvent(f"unsupported specversion {body['specversion']!r}")
        if not isinstance(body["data"], dict):
            raise MalformedEvent("data is not a JSON object")
        known = {"id", "source", "type", "time", "data", "subject", "correlationid", "specversion", "datacontenttype"}
        for name in ("id", "source", "type", "time"):
            if not isinstance(body[name], str) or not body[name]:
                raise MalformedEvent(f"{name} must be a non-empty string")
        return cls(**{k: body[k] for k in known if k in body},
                   extensions={k: v for k, v in body.items() if k not in known})

    @property
    def occurred_at(self) -> datetime:
        return datetime.fromisoformat(self.time)


_ATTRIBUTES = tuple(f.name for f in fields(CloudEvent) if f.name != "extensions")
