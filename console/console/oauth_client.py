"""The console as a confidential OAuth2 client of identity: authorization code + PKCE, refresh, revocation.

Every call to identity goes through the gateway (``/oauth/*``), with the client's secret in
HTTP Basic. authlib builds and parses the requests.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from console.sessions import Tokens


class SignInFailed(Exception):
    """Identity refused the code or the refresh token (expired, revoked, reused)."""


class IdentityUnavailable(Exception):
    """Identity could not be reached or gave no usable answer; trying again later may work."""


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    code_verifier: str
    redirect_uri: str


@dataclass
class IdentityClient:
    client_id: str
    client_secret: str
    token_endpoint: str
    revocation_endpoint: str
    timeout: float = 10.0

    def authorization_request(self, public_url: str) -> AuthorizationRequest:
        """Where to send the browser (identity behind the gateway at ``public_url``), with a fresh
        state and PKCE verifier to keep server-side."""
        verifier = secrets.token_urlsafe(64)
        redirect_uri = f"{public_url.rstrip('/')}/console/callback"
        url, state = self._session(redirect_uri).create_authorization_url(
            f"{public_url.rstrip('/')}/oauth/authorize", state=secrets.token_urlsafe(32), code_verifier=verifier)
        return AuthorizationRequest(url, state, verifier, redirect_uri)

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
        return self._tokens(lambda client: client.fetch_token(
            self.token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier,
            redirect_uri=redirect_uri, timeout=self.timeout))

    def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token (identity rotates it: the old one is spent)."""
        return self._tokens(lambda client: client.refresh_token(
            self.token_endpoint, refresh_token=refresh_token, timeout=self.timeout))

    def revoke(self, refresh_token: str) -> None:
        """Revoke the refresh token (and its family); failures are the caller's to tolerate."""
        response = self._session().revoke_token(self.revocation_endpoint, token=refresh_token,
                                                token_type_hint="refresh_token", timeout=self.timeout)
        response.raise_for_status()

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        return OAuth2Session(self.client_id, self.client_secret, redirect_uri=redirect_uri,
                             code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")

    def _tokens(self, call) -> Tokens:
        try:
            with self._session() as client:
                token = call(client)
        except OAuthError as error:
            raise SignInFailed(str(error)) from None
        except (requests.RequestException, ValueError) as error:
            raise IdentityUnavailable(str(error)) from None
        expires_at = datetime.fromtimestamp(int(token["expires_at"]), timezone.utc)
        return Tokens(token["access_token"], token.get("refresh_token"), expires_at)
