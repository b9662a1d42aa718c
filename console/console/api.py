"""The marketplace APIs as the signed-in user: every call goes through the gateway with their token.

So every permission is the API's own: the console shows what an API refused, it never decides.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from urllib3 import encode_multipart_formdata

from chassis.http_client import ServiceClient, ServiceError

from console.user_tokens import SessionEnded, UserTokens


class ApiError(Exception):
    """An API answered with an error status; ``problem`` is its RFC 9457 document."""

    def __init__(self, status: int, problem: dict) -> None:
        super().__init__(f"{status} {problem.get('title', '')}")
        self.status = status
        self.problem = problem

    @property
    def message(self) -> str:
        return self.problem.get("detail") or self.problem.get("title") or str(self.status)


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    total_pages: int


@dataclass
class MarketplaceApi:
    client: ServiceClient
    tokens: UserTokens

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=_present(params)).json()

    def get_page(self, path: str, page: int = 1, page_size: int = 20, **params: Any) -> Page:
        response = self._call("GET", path, params=_present({**params, "page": page, "page_size": page_size}))
        pagination = json.loads(response.headers.get("X-Pagination") or "{}")
        items = response.json() or []
        return Page(items, pagination.get("total", len(items)), pagination.get("page", page),
                    pagination.get("total_pages", 1))

    def post(self, path: str, body: dict | None = None, headers: dict[str, str] | None = None) -> Any:
        return self._call("POST", path, extra_headers=headers, json=body if body is not None else {}).json()

    def get_versioned(self, path: str) -> tuple[Any, str]:
        """The resource and its ETag, for a conditional update."""
        response = self._call("GET", path)
        return response.json(), response.headers.get("ETag", "")

    def patch(self, path: str, body: dict, headers: dict[str, str] | None = None) -> Any:
        return self._call("PATCH", path, json=body, extra_headers=headers).json()

    def put(self, path: str, body: dict) -> Any:
        return self._call("PUT", path, json=body).json()

    def delete(self, path: str, body: dict | None = None, headers: dict[str, str] | None = None) -> None:
        """``body``: the few deletions that need proof (a 2FA code); ``headers``: an ``X-Audit-Reason``."""
        self._call("DELETE", path, json=body, extra_headers=headers)

    def upload(self, path: str, field: str, filename: str, content: bytes, content_type: str, **params: Any) -> Any:
        """POST one file as ``multipart/form-data`` (media, CSV imports), the way a browser form would."""
        body, multipart_type = encode_multipart_formdata({field: (filename, content, content_type)})
        return self._call("POST", path, params=_present(params), content=body,
                          extra_headers={"Content-Type": multipart_type}).json()

    def get_raw(self, path: str, **params: Any) -> tuple[bytes, str]:
        """A non-JSON answer (a CSV report) as bytes, with its Content-Type."""
        response = self._call("GET", path, params=_present(params), extra_headers={"Accept": "*/*"})
        return response.body, response.headers.get("Content-Type", "application/octet-stream")

    def _call(self, method: str, path: str, extra_headers: dict[str, str] | None = None, **options: Any):
        headers = {**(extra_headers or {}), **self._bearer(self.tokens.access_token())}
        response = self.client.request(method, path, headers=headers, **options)
        if response.status == 401:
            # Refused before anything ran (revoked or rotated early): one retry with fresh tokens is safe.
            headers = {**(extra_headers or {}), **self._bearer(self.tokens.refresh().access_token)}
            response = self.client.request(method, path, headers=headers, **options)
            if response.status == 401:
                raise SessionEnded()
        try:
            response.raise_for_status()
        except ServiceError as error:
            raise ApiError(error.status, error.problem) from None
        return response

    @staticmethod
    def _bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def _present(params: dict) -> dict:
    return {name: value for name, value in params.items() if value not in (None, "")}


def audit_reason_header(text: str) -> dict[str, str]:
    """``X-Audit-Reason`` for ``text``: one line, as UTF-8 bytes (the services read it so); none when empty."""
    line = " ".join(text.split())
    return {"X-Audit-Reason": line.encode("utf-8").decode("latin-1")} if line else {}
