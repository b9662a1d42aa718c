"""Access tokens for calling other services, from the OAuth2 client_credentials grant."""
from __future__ import annotations

import base64
import json
import threading
import time
from urllib.parse import quote_plus, urlencode

import urllib3
from urllib3.exceptions import HTTPError
from urllib3.util import Retry

from chassis.http_client.errors import TokenFetchError, transport_cause

# RFC 6749 makes expires_in optional; assume a short life so a token the provider
# considers expired is not reused for long.
_ASSUMED_LIFETIME_SECONDS = 60.0


class ClientCredentialsTokens:
    """Fetches, caches and refreshes this service's access token (RFC 6749 §4.4).

    Thread-safe: the lock is held across the fetch, so many threads needing a token at
    once cause one request to the identity provider, and the others reuse its answer.
    """

    def __init__(self, token_url: str, client_id: str, client_secret: str, *,
                 scope: str | None = None, audience: str | None = None,
                 http: urllib3.PoolManager | None = None,
                 refresh_margin_seconds: float = 30, timeout: float = 5.0) -> None:
        self.token_url = token_url
        self.client_id = client_id
        # The secret lives only inside this header value: nothing else can leak it.
        self._authorization = _basic_authorization(client_id, client_secret)
        form = {"grant_type": "client_credentials", "scope": scope, "audience": audience}
        self._form = urlencode({key: value for key, value in form.items() if value})
        self._http = http or urllib3.PoolManager(maxsize=1)
        self._margin = refresh_margin_seconds
        self._timeout = urllib3.Timeout(total=timeout)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def __repr__(self) -> str:
        return f"ClientCredentialsTokens({self.token_url!r}, client_id={self.client_id!r})"

    def token(self) -> str:
        """A valid access token, fetched only when none is cached or it nears expiry."""
        with self._lock:
            if self._token is None or time.monotonic() >= self._refresh_at:
                requested_at = time.monotonic()
                token, lifetime = self._fetch()
                self._token, self._refresh_at = token, requested_at + self._usable(lifetime)
            return self._token

    def invalidate(self, rejected: str | None = None) -> None:
        """Forget the cached token so the next :meth:`token` call fetches a new one.

        Pass the token a server rejected: if another thread has already replaced it,
        the fresh one is kept rather than fetched again.
        """
        with self._lock:
            if rejected is None or rejected == self._token:
                self._token = None

    def _usable(self, lifetime: float) -> float:
        # A margin as long as the lifetime would mean one token request per call;
        # short-lived tokens are renewed at half-life instead.
        return lifetime - min(self._margin, lifetime / 2)

    def _fetch(self) -> tuple[str, float]:
        headers = {"Authorization": self._authorization, "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded"}
        try:
            # Asking twice for a token is harmless, so connection failures are retried.
            answer = self._http.request("POST", self.token_url, body=self._form, headers=headers,
                                        timeout=self._timeout, redirect=False,
                                        retries=Retry(total=2, read=0, status=0, other=0, backoff_factor=0.1))
        except HTTPError as exc:
            raise TokenFetchError(f"token endpoint {self.token_url} unreachable: {transport_cause(exc)}") from exc
        payload = _json_object(answer.data)
        token = payload.get("access_token")
        if answer.status != 200 or not isinstance(token, str) or not token:
            raise _refusal(self.token_url, answer.status, payload)
        return token, _lifetime(payload.get("expires_in"))


def _basic_authorization(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: both parts are form-urlencoded before the Basic encoding.
    credentials = f"{quote_plus(client_id)}:{quote_plus(client_secret)}"
    return "Basic " + base64.b64encode(credentials.encode()).decode("ascii")


def _json_object(raw: bytes) -> dict:
    try:
        payload = json.loads(raw)
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _lifetime(expires_in: object) -> float:
    try:
        return max(float(expires_in), 0.0)  # some providers send it as a string
    except (TypeError, ValueError):
        return _ASSUMED_LIFETIME_SECONDS


def _refusal(token_url: str, status: int, payload: dict) -> TokenFetchError:
    error = payload.get("error") if isinstance(payload.get("error"), str) else None
    description = payload.get("error_description")
    message = f"token endpoint {token_url} answered {status}: {error or 'no access_token'}"
    if isinstance(description, str) and description:
        message += f" ({description})"
    return TokenFetchError(message, error=error, status=status)
