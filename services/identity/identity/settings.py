"""Identity settings: process settings (environment, ``IDENTITY_*``) and runtime settings (API)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chassis.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    """Read from ``IDENTITY_*`` then ``MARKETPLACE_*`` environment variables."""

    service_name = "identity"

    #: Signs the login session cookie. Empty in development: a random one is kept in
    #: ``$MARKETPLACE_VAR_DIR/identity-session.key`` so every gunicorn worker shares it.
    session_secret: str = ""
    #: Always mark the session cookie Secure (it is Secure anyway on HTTPS requests).
    session_cookie_secure: bool = False
    #: Development: write the mails identity would send (verification, reset links) to the log.
    log_mail: bool = False
    #: Where the links in those mails point (the storefront's pages in production).
    public_url: str = "http://localhost:8000"


class IdentityRuntimeSettings(BaseModel):
    """Operator-tunable settings (``/api/v1/identity/settings``)."""

    model_config = ConfigDict(extra="forbid")

    access_token_lifetime_seconds: int = Field(600, ge=300, le=900, description="Lifetime of access tokens")
    refresh_token_lifetime_days: int = Field(30, ge=1, le=365)
    password_min_length: int = Field(8, ge=8, le=128)
    two_factor_required_roles: list[str] = Field(default_factory=lambda: ["operator"])
    vendor_auto_approval: bool = False
    login_max_failures: int = Field(10, ge=3, le=100, description="Failed logins per account per window")
    login_failure_window_seconds: int = Field(900, ge=60, le=86400)
    login_max_failures_per_ip: int = Field(100, ge=10, le=10000, description="Failed logins per IP per window")
    sign_ups_per_ip_per_hour: int = Field(20, ge=1, le=10000)
    password_resets_per_ip_per_hour: int = Field(20, ge=1, le=10000)
