"""A pooled HTTP client for calling other marketplace services."""
from __future__ import annotations

import json as json_codec
from typing import Any, Mapping, TypedDict, Unpack
from urllib.parse import urlencode

import urllib3
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import HTTPError
from urllib3.util import Retry

from chassis import context
from chassis.http_client.errors import ServiceUnavailable, transport_cause
from chassis.http_client.response import Response
from chassis.http_client.tokens import ClientCredentialsTokens

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRIED_STATUSES = frozenset({502, 503, 504})


class CallOptions(TypedDict, total=False):
    json: Any
    params: Mapping[str, Any]
    headers: Mapping[str, str]
    idempotency_key: str
    timeout: float
    content: bytes


def retry_policy(method: str, retries: int, backoff_factor: float, idempotency_key: str | None) -> Retry:
    """The urllib3 retry policy for one call: what may be repeated without doing harm twice."""
    if method in IDEMPOTENT_METHODS:
        # Read failures are not retried: the server got the request and may still be
        # working on it, and each attempt would add a full read timeout to our latency.
        return Retry(total=retries, connect=retries, read=0, status=retries, other=0,
                     backoff_factor=backoff_factor, status_forcelist=RETRIED_STATUSES,
                     allowed_methods=IDEMPOTENT_METHODS, raise_on_status=False,
                     respect_retry_after_header=False)  # a Retry-After could park a worker for minutes
    if idempotency_key:
        # The server deduplicates on Idempotency-Key, so a request that might have
        # reached it can be repeated; still only on connection failures, never on a 5xx
        # answer, whose outcome the caller must see.
        return Retry(total=retries, connect=retries, read=0, status=0, other=0,
                     backoff_factor=backoff_factor, raise_on_status=False)
    return Retry(total=0, raise_on_status=False)  # a repeated POST could create or charge twice


class ServiceClient:
    """Calls one downstream service over a keep-alive connection pool shared by threads.

    Sends a bearer token from ``tokens``, the current request and correlation ids, and
    ``Accept: application/json``. Transport failures raise :class:`ServiceUnavailable`;
    HTTP error statuses are returned, and :meth:`Response.raise_for_status` turns them
    into :class:`ServiceError`.
    """

    def __init__(self, base_url: str, *, tokens: ClientCredentialsTokens | None = None,
                 connect_timeout: float = 2.0, read_timeout: float = 10.0, retries: int = 2,
                 backoff_factor: float = 0.2, pool_maxsize: int = 10,
                 user_agent: str = "marketplace-service") -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._retries = retries
        self._backoff_factor = backoff_factor
        self._user_agent = user_agent
        self._pool = urllib3.PoolManager(maxsize=pool_maxsize)

    def get(self, path: str, **options: Unpack[CallOptions]) -> Response:
        """GET ``path``; retried on connection failures and 502/503/504."""
        return self.request("GET", path, **options)

    def put(self, path: str, **options: Unpack[CallOptions]) -> Response:
        """PUT ``path``; retried like GET because PUT is idempotent."""
        return self.request("PUT", path, **options)

    def delete(self, path: str, **options: Unpack[CallOptions]) -> Response:
        """DELETE ``path``; retried like GET because DELETE is idempotent."""
        return self.request("DELETE", path, **options)

    def post(self, path: str, **options: Unpack[CallOptions]) -> Response:
        """POST ``path``; never retried, except on connection failures with an ``idempotency_key``."""
        return self.request("POST", path, **options)

    def patch(self, path: str, **options: Unpack[CallOptions]) -> Response:
        """PATCH ``path``; retried only like POST."""
        return self.request("PATCH", path, **options)

    def request(self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None, idempotency_key: str | None = None,
                timeout: float | None = None, content: bytes | None = None) -> Response:
        """Send one call (with the retries its method allows) and read the whole answer.

        ``content`` is a raw body (a multipart upload...) sent instead of ``json``; its
        Content-Type comes in ``headers``. ``timeout`` overrides the read timeout for this call.
        A 401 answer is retried once with a fresh token: the server refused before running
        anything, so even a POST is safe.
        """
        method = method.upper()
        url = self._url(path, params)
        body = content if content is not None else None if json is None else json_codec.dumps(json).encode()
        outgoing = self._headers(headers, idempotency_key, has_body=json is not None)
        retry = retry_policy(method, self._retries, self._backoff_factor, idempotency_key)
        deadline = urllib3.Timeout(connect=self._connect_timeout, read=self._read_timeout if timeout is None else timeout)
        response, token = self._send(method, url, body, outgoing, retry, deadline)
        if response.status == 401 and token is not None:
            self._tokens.invalidate(rejected=token)  # revoked or rotated before its expiry
            response, _ = self._send(method, url, body, outgoing, retry, deadline)
        return response

    def close(self) -> None:
        """Close pooled connections; call at shutdown."""
        self._pool.clear()

    def _send(self, method: str, url: str, body: bytes | None, headers: HTTPHeaderDict,
              retry: Retry, timeout: urllib3.Timeout) -> tuple[Response, str | None]:
        token = self._tokens.token() if self._tokens is not None else None
        if token is not None:
            headers = headers.copy()
            headers["Authorization"] = f"Bearer {token}"
        try:
            answer = self._pool.request(method, url, body=body, headers=headers, retries=retry,
                                        timeout=timeout, redirect=False)
        except HTTPError as exc:
            raise ServiceUnavailable(self.base_url, transport_cause(exc)) from exc
        return Response(answer.status, answer.headers, answer.data, url), token

    def _url(self, path: str, params: Mapping[str, Any] | None) -> str:
        url = f"{self.base_url}/{path.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        return url

    def _headers(self, extra: Mapping[str, str] | None, idempotency_key: str | None,
                 *, has_body: bool) -> HTTPHeaderDict:
        request_id = context.request_id() or context.new_id()
        headers = HTTPHeaderDict({
            "User-Agent": self._user_agent,
            "Accept": "application/json",
            "X-Request-ID": request_id,
            # Like context.bound(): without its own correlation id a call starts a new chain.
            "X-Correlation-ID": context.correlation_id() or request_id,
        })
        if has_body:
            headers["Content-Type"] = "application/json"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(extra or {})
        return headers
