"""What identity adds to the chassis app: the session cookie and the authorization server."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from chassis.settings import development_secret, var_dir


class SessionCookies(SecureCookieSessionInterface):
    """Secure when the request came over HTTPS (or always, with IDENTITY_SESSION_COOKIE_SECURE)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def configure(state) -> None:
    """Blueprint ``record_once`` hook: runs once when the chassis registers identity's blueprints."""
    from identity.oauth.server import build_server
    app = state.app
    settings = app.extensions["chassis.runtime"].settings
    app.secret_key = settings.session_secret or development_secret(var_dir() / "identity-session.key")
    app.config.update(SESSION_COOKIE_NAME="identity_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=settings.session_cookie_secure,
                      PERMANENT_SESSION_LIFETIME=timedelta(hours=8))
    app.session_interface = SessionCookies()
    app.extensions["identity.authorization_server"] = build_server(app)
