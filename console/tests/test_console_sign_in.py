"""Signing in: authorization code + PKCE S256 at identity, state checked, a new session id once signed in."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from console.testing import OPERATOR, PUBLIC_URL, sign_in


def test_login_sends_the_browser_to_identity_with_pkce_s256_and_a_state(browser, stub):
    answer = browser.get("/console/login")

    location = urlsplit(answer.headers["Location"])
    query = {name: values[0] for name, values in parse_qs(location.query).items()}
    assert (answer.status_code, f"{location.scheme}://{location.netloc}{location.path}") == (
        302, f"{PUBLIC_URL}/oauth/authorize")
    assert {key: query[key] for key in ("response_type", "client_id", "redirect_uri", "code_challenge_method")} == {
        "response_type": "code", "client_id": stub.client_id, "redirect_uri": f"{PUBLIC_URL}/console/callback",
        "code_challenge_method": "S256"}
    assert len(query["state"]) >= 32 and len(query["code_challenge"]) == 43


def test_the_session_cookie_is_httponly_samesite_and_scoped_to_the_console(browser):
    cookie = browser.get("/console/login").headers["Set-Cookie"]

    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie


def test_a_completed_sign_in_lands_on_the_next_page_with_a_new_session_id(browser, stub):
    browser.get("/console/login")
    before = browser.get_cookie("console_session", path="/console").value

    answer = sign_in(browser, stub, OPERATOR, next_path="/console/vendors?status=approved")

    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/vendors?status=approved")
    assert browser.get_cookie("console_session", path="/console").value != before


def test_a_callback_with_another_state_signs_nobody_in(browser, stub):
    started = browser.get("/console/login")
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    code = stub.authorize(query["code_challenge"][0], OPERATOR)

    answer = browser.get("/console/callback", query_string={"code": code, "state": "forged"})

    assert answer.status_code == 400
    assert browser.get("/console/dashboard").status_code == 302  # still sent to sign in
    assert stub.codes  # the code was never exchanged


def test_a_code_bound_to_another_verifier_is_refused(browser, stub):
    started = browser.get("/console/login")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    code = stub.authorize("a-challenge-from-another-login", OPERATOR)

    answer = browser.get("/console/callback", query_string={"code": code, "state": state})

    assert answer.status_code == 400
    assert "did not complete" in answer.get_data(as_text=True)


def test_identity_refusing_access_shows_a_page_not_a_crash(browser):
    started = browser.get("/console/login")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]

    answer = browser.get("/console/callback", query_string={"error": "access_denied", "state": state})

    assert answer.status_code == 400
    assert "Access was denied." in answer.get_data(as_text=True)


def test_next_never_leaves_the_console(browser, stub):
    answer = sign_in(browser, stub, OPERATOR, next_path="//evil.example/console")

    assert answer.headers["Location"] == "/console/"


def test_tokens_never_reach_the_browser(browser, stub):
    answer = sign_in(browser, stub, OPERATOR)
    page = browser.get("/console/signed-out").get_data(as_text=True)

    issued = list(stub.access_tokens) + list(stub.refresh_tokens)
    cookies = answer.headers.getlist("Set-Cookie")
    assert not [token for token in issued if token in page or any(token in cookie for cookie in cookies)]


def test_without_a_public_url_the_browsers_own_origin_is_used(console_app, browser):
    console_app.extensions["chassis.runtime"].settings.public_url = ""

    answer = browser.get("/console/login", headers={"Host": "127.0.0.1:8000"})

    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert answer.headers["Location"].startswith("http://127.0.0.1:8000/oauth/authorize?")
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/console/callback"]
