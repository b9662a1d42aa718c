"""The login form, logout and the session cookie."""
from __future__ import annotations

from argon2 import PasswordHasher
from sqlalchemy import select

from identity.models import User
from identity.testing import PASSWORD, csrf_from

GENERIC = "Wrong email or password."


def test_login_form_has_email_password_and_csrf_fields(world):
    page = world.http.get("/login").text
    assert 'name="email"' in page and 'name="password"' in page and csrf_from(page)
    assert "<script" not in page and "http" not in page.split("<body>")[1]


def test_wrong_password_shows_the_generic_error(world):
    world.user()
    response = world.log_in(password="not the password")
    assert response.status_code == 401 and GENERIC in response.text


def test_unknown_email_shows_the_same_generic_error(world):
    response = world.log_in(email="nobody@example.com")
    assert response.status_code == 401 and GENERIC in response.text


def test_login_is_case_insensitive_on_email_and_redirects_to_a_local_next(world):
    world.user()
    csrf = csrf_from(world.http.get("/login").text)
    response = world.http.post("/login", data={"email": "ADA@Example.com", "password": PASSWORD,
                                               "csrf_token": csrf, "next": "/oauth/authorize?x=1"})
    assert (response.status_code, response.headers["Location"]) == (302, "/oauth/authorize?x=1")


def test_login_never_redirects_off_site(world):
    world.user()
    csrf = csrf_from(world.http.get("/login").text)
    response = world.http.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                               "csrf_token": csrf, "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_login_without_csrf_token_is_refused(world):
    world.user()
    response = world.http.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert response.json["type"] == "urn:marketplace:problem:csrf-failed"


def test_session_cookie_is_httponly_and_samesite_lax_and_secure_over_https(world):
    world.user()
    cookie = world.log_in().headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    https = world.http.get("/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in https


def test_logout_forgets_the_user(signed_in):
    csrf = csrf_from(signed_in.http.get("/logout").text)
    assert signed_in.http.post("/logout", data={"csrf_token": csrf}).status_code == 200
    assert signed_in.authorize(signed_in.client()).headers["Location"].startswith("/login")


def test_login_rehashes_a_password_hashed_with_old_parameters(world):
    user_id = world.user()
    with world.uow() as uow:
        uow.session.get(User, user_id).password_hash = PasswordHasher(time_cost=1).hash(PASSWORD)
        uow.commit()
    assert world.log_in().status_code == 302
    with world.uow() as uow:
        stored = uow.session.scalar(select(User.password_hash).where(User.id == user_id))
    assert stored.startswith("$argon2id$") and not PasswordHasher().check_needs_rehash(stored)
