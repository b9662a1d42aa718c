"""The BFF's tokens: refreshed transparently and once per session, revoked at sign-out, never guessed."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from console.sessions import utcnow
from console.testing import OPERATOR, csrf_of, sign_in
from console.user_tokens import SessionEnded, UserTokens

SUMMARY = "/api/v1/products/moderation"


def _later(app, seconds: int) -> None:
    """Move the console's clock: its access tokens look that much older."""
    app.extensions["console.sessions"].clock = lambda: utcnow() + timedelta(seconds=seconds)


def _session(app, browser):
    cookie = browser.get_cookie("console_session", path="/console").value
    return app.extensions["console.sessions"].load(cookie)


def test_an_expiring_access_token_is_refreshed_before_the_call(console_app, operator_browser, stub):
    stub.answer("GET", SUMMARY, [])
    first = operator_browser.get("/console/moderation")
    _later(console_app, 580)  # tokens of 600 s have 20 s left, under the 30 s margin

    second = operator_browser.get("/console/moderation")

    tokens = [call.token for call in stub.calls_to(SUMMARY)]
    assert (first.status_code, second.status_code, stub.refreshes) == (200, 200, 1)
    assert tokens[0] != tokens[1] and tokens[1] in stub.access_tokens


def test_an_access_token_refused_by_the_api_is_refreshed_and_the_call_retried(operator_browser, stub):
    stub.answer("GET", SUMMARY, [])
    stub.expire_access_tokens()  # revoked early: the console only learns it from the 401

    answer = operator_browser.get("/console/moderation")

    assert (answer.status_code, stub.refreshes, len(stub.calls_to(SUMMARY))) == (200, 1, 2)


def test_two_requests_of_one_session_refresh_once(console_app, operator_browser, stub):
    # Both start from the same expiring tokens, as two htmx requests of one page would.
    _later(console_app, 600)
    session = _session(console_app, operator_browser)
    identity = console_app.extensions["console.identity"]
    store = console_app.extensions["console.sessions"]
    first = UserTokens(store, identity, session, margin_seconds=30)
    second = UserTokens(store, identity, session, margin_seconds=30)

    with console_app.app_context():
        first_token = first.access_token()
        _later(console_app, 0)  # the second request runs just after the refresh
        second_token = second.refresh(session.tokens)

    assert (stub.refreshes, second_token.access_token, stub.revoked_families) == (1, first_token, set())


def test_a_refused_refresh_ends_the_session_and_asks_to_sign_in_again(console_app, operator_browser, stub):
    stub.revoked_families.update(row["family"] for row in stub.refresh_tokens.values())  # e.g. password reset
    stub.expire_access_tokens()

    answer = operator_browser.get("/console/moderation")

    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/login?next=%2Fconsole%2Fmoderation")
    assert operator_browser.get_cookie("console_session", path="/console") is None
    assert console_app.extensions["console.sessions"].delete_expired() == 0  # nothing left behind


def test_an_htmx_request_is_sent_to_sign_in_with_a_full_page_redirect(console_app, operator_browser, stub):
    stub.revoked_families.update(row["family"] for row in stub.refresh_tokens.values())
    stub.expire_access_tokens()

    answer = operator_browser.get("/console/moderation", headers={"HX-Request": "true"})

    assert (answer.status_code, answer.headers["HX-Redirect"]) == (204, "/console/login?next=%2Fconsole%2Fmoderation")


def test_a_session_without_tokens_has_no_access_token(console_app, operator_browser):
    session = replace(_session(console_app, operator_browser), tokens=None)
    tokens = UserTokens(console_app.extensions["console.sessions"], console_app.extensions["console.identity"],
                        session, margin_seconds=30)

    try:
        tokens.access_token()
    except SessionEnded:
        return
    raise AssertionError("a session without tokens gave an access token")


def test_sign_out_revokes_the_refresh_token_and_forgets_the_session(console_app, operator_browser, stub):
    refresh_token = _session(console_app, operator_browser).tokens.refresh_token
    old_cookie = operator_browser.get_cookie("console_session", path="/console").value

    answer = operator_browser.post("/console/logout", data={"csrf_token": csrf_of(operator_browser)})

    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/signed-out")
    assert stub.revoked == [refresh_token]
    assert console_app.extensions["console.sessions"].load(old_cookie) is None
    operator_browser.set_cookie("console_session", old_cookie, path="/console")
    assert operator_browser.get("/console/moderation").status_code == 302  # the old cookie opens nothing


def test_sign_out_still_ends_the_session_when_identity_is_unreachable(console_app, operator_browser, stub):
    csrf = csrf_of(operator_browser)
    console_app.extensions["console.identity"].revocation_endpoint = "http://127.0.0.1:9/oauth/revoke"

    answer = operator_browser.post("/console/logout", data={"csrf_token": csrf})

    assert answer.status_code == 302
    assert operator_browser.get("/console/moderation").status_code == 302


def test_a_form_without_the_csrf_token_is_refused_before_any_api_call(operator_browser, stub):
    answer = operator_browser.post("/console/vendors/ven-1/approve", data={"reason": "ok"})

    assert answer.status_code == 403
    assert "The form had expired" in answer.get_data(as_text=True)
    assert stub.calls == []


def test_a_csrf_token_of_another_session_is_refused(console_app, operator_browser, stub):
    other = console_app.test_client()
    sign_in(other, stub, OPERATOR)

    answer = operator_browser.post("/console/vendors/ven-1/approve",
                                   data={"reason": "ok", "csrf_token": csrf_of(other)})

    assert (answer.status_code, stub.calls) == (403, [])


def test_sign_out_needs_the_csrf_token(console_app, operator_browser, stub):
    answer = operator_browser.post("/console/logout")

    assert (answer.status_code, stub.revoked) == (403, [])
