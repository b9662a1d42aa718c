"""Console settings (``CONSOLE_*``, then ``MARKETPLACE_*``).

The console's OAuth2 client is ``CONSOLE_CLIENT_ID`` / ``CONSOLE_CLIENT_SECRET`` (chassis' own
client fields), written by ``identity service-clients``.
"""
from __future__ import annotations

from pydantic import Field, field_validator

from chassis.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    service_name = "console"

    # Server-side calls (APIs, token, revocation) go through the gateway, like any other client.
    gateway_url: str = "http://127.0.0.1:8000"
    # Where browsers reach the gateway (the authorization page and the redirect URI live there).
    # Empty: the origin of each request, as the gateway forwards it (localhost or 127.0.0.1 alike).
    public_url: str = ""
    session_cookie_name: str = "console_session"
    # Secure cookie even on plain HTTP requests (behind a TLS-terminating proxy).
    session_cookie_secure: bool = False
    session_idle_minutes: int = Field(default=120, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    # Refresh the access token when it has less than this left, so a page's calls never race its expiry.
    refresh_margin_seconds: int = Field(default=30, ge=0)
    default_locale: str = "en"
    # The time zone every time is shown and typed in (an IANA name); set it to analytics'
    # reporting_timezone so lists and dashboards agree on what "a day" is.
    timezone: str = "UTC"
    # Fernet keys, comma-separated: the first encrypts the session tokens, every one decrypts (rotation).
    # Empty in development: a random one is kept in $MARKETPLACE_VAR_DIR/console-token.key.
    token_keys: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)") from None
        return value

    @field_validator("token_keys")
    @classmethod
    def _fernet_keys(cls, value: str) -> str:
        from console.token_cipher import check_key
        for key in split_keys(value):
            check_key(key)
        return value

    @property
    def token_key_list(self) -> list[str]:
        return split_keys(self.token_keys)

    def gateway(self, path: str) -> str:
        return f"{self.gateway_url.rstrip('/')}{path}"


def split_keys(value: str) -> list[str]:
    return [key.strip() for key in value.split(",") if key.strip()]
