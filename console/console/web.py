"""Per-request plumbing: the session behind the cookie, CSRF checks, who may see a page.

The browser holds one cookie: a random session id, HttpOnly, SameSite=Lax, path /console.
"""
from __future__ import annotations

import hmac
from dataclasses import replace
from datetime import date, datetime
from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, redirect, request, url_for

from console.api import MarketplaceApi
from console.sessions import ConsoleSession, SessionStore
from console.settings import ConsoleSettings
from console.user_tokens import UserTokens

PAGE_SIZE = 20  # rows of every list page

COOKIE_PATH = "/console"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def settings() -> ConsoleSettings:
    return current_app.extensions["chassis.runtime"].settings


def store() -> SessionStore:
    return current_app.extensions["console.sessions"]


def load_session() -> None:
    """before_request: find the cookie's session (or none)."""
    cookie = request.cookies.get(settings().session_cookie_name)
    g.console_session = store().load(cookie) if cookie else None
    if cookie and g.console_session is None:
        g.cookie_action = ("clear", None)  # expired or unknown: stop sending it


def current_session() -> ConsoleSession | None:
    return g.get("console_session")


def session_or_new() -> ConsoleSession:
    """The current session, or a new anonymous one (for a login in flight or a CSRF token)."""
    if current_session() is None:
        use_session(store().create())
    return g.console_session


def use_session(session: ConsoleSession) -> None:
    """Make ``session`` the request's own and send its id back in the cookie."""
    g.console_session = session
    g.cookie_action = ("set", session.id)


def end_session() -> None:
    session = current_session()
    if session is not None:
        store().delete(session.id)
    g.console_session = None
    g.cookie_action = ("clear", None)


def write_cookie(response: Response) -> Response:
    """after_request: set or clear the session cookie as the request decided."""
    action, value = g.get("cookie_action", (None, None))
    name = settings().session_cookie_name
    if action == "set":
        response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Lax",
                            secure=settings().session_cookie_secure or request.is_secure)
    elif action == "clear":
        response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="Lax")
    return response


def check_csrf() -> None:
    """before_request: unsafe methods carry the session's CSRF token (form field or htmx header)."""
    if request.method not in UNSAFE_METHODS:
        return
    session = current_session()
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if session is None or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        abort(403, description="csrf")


def csrf_token() -> str:
    return session_or_new().csrf_token


def save_locale(locale: str) -> None:
    session = replace(session_or_new(), locale=locale)
    store().save(session)
    g.console_session = session


def api() -> MarketplaceApi:
    """The APIs as the signed-in user (one per request; its token refreshes itself)."""
    if "console_api" not in g:
        tokens = UserTokens(store(), current_app.extensions["console.identity"], current_session(),
                            settings().refresh_margin_seconds)
        g.console_api = MarketplaceApi(current_app.extensions["console.gateway"], tokens)
    return g.console_api


def sign_in_redirect() -> Response:
    target = url_for("console.login") + "?" + urlencode({"next": request.full_path.rstrip("?")})
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": target})  # htmx: a full-page navigation
    return redirect(target)


def signed_in(*roles: str):
    """A page for signed-in users holding one of ``roles`` (any role when none given); 403 otherwise."""
    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            session = current_session()
            if session is None or not session.signed_in:
                return sign_in_redirect()
            if roles and not set(roles) & set(session.user.roles):
                abort(403)
            return view(*args, **kwargs)
        return guarded
    return decorate


def refuse_read_only_operators(view):
    """A change an operator makes only as an admin: a support operator gets the 403 page before any API call.

    Everyone else passes (``signed_in`` around it decides who may come at all), so a view vendors share
    with operators keeps working for vendors.
    """
    @wraps(view)
    def guarded(*args, **kwargs):
        session = current_session()
        if session is not None and session.signed_in and session.user.is_read_only_operator:
            abort(403, description="read-only")  # the 403 page says why
        return view(*args, **kwargs)
    return guarded


def signed_in_to_change(*roles: str):
    """``signed_in(*roles)`` for a view that changes something: read-only operators get the 403 page."""
    def decorate(view):
        return signed_in(*roles)(refuse_read_only_operators(view))
    return decorate


def today() -> date:
    """Today in the console's time zone (CONSOLE_TIMEZONE), where the reader's days are counted."""
    return datetime.now(ZoneInfo(settings().timezone)).date()


def listed(path: str, **filters):
    """A page of the API's list at ``path`` (the page number from the query string, PAGE_SIZE rows)."""
    return api().get_page(path, page=_page_number(), page_size=PAGE_SIZE, **filters)


def _page_number() -> int:
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


def safe_next(target: str | None) -> str:
    """Only paths of the console itself: never an open redirect."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("console.home")
