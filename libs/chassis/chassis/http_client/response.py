"""The answer of a downstream service, read fully so the connection returns to the pool."""
from __future__ import annotations

import json as json_codec
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Mapping

from chassis.http_client.errors import ServiceError

_PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Response:
    """Status, headers (case-insensitive mapping) and raw body of one HTTP answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str = ""

    @property
    def ok(self) -> bool:
        """True for 2xx. Redirects are not followed, so a 3xx is not what the caller asked for."""
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body decoded as JSON; None for an empty body (204, 202 without content)."""
        return json_codec.loads(self.body) if self.body else None

    def raise_for_status(self) -> None:
        """Raise :class:`ServiceError` with the parsed problem document unless :attr:`ok`."""
        if not self.ok:
            raise ServiceError(self.status, self._problem(), url=self.url.split("?", 1)[0] or None)

    def _problem(self) -> dict[str, Any]:
        media_type = self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type == _PROBLEM_JSON:
            try:
                problem = self.json()
            except ValueError:
                problem = None
            if isinstance(problem, dict):
                return problem
        # RFC 9457 §4.2: without a problem document the status alone is the problem type.
        return {"status": self.status, "title": _reason_phrase(self.status)}


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"
