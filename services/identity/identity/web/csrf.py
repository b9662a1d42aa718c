"""CSRF tokens for identity's forms, tied to the login session."""
from __future__ import annotations

import hmac
import secrets

from flask import request, session

from chassis.errors import Problem


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Refuse a form post whose token is missing or is not this session's."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Problem(400, "csrf-failed", "the form expired or did not come from this site; reload it and retry")
