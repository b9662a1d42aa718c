"""The server-side session store: ids kept hashed, idle and absolute expiry, a new id at sign-in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from console.models import console_sessions
from console.sessions import SignedInUser, Tokens, hash_id

START = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
USER = SignedInUser("user-1", "ops@example.com", ("operator",), None)
TOKENS = Tokens("access", "refresh", START + timedelta(minutes=10))


@pytest.fixture
def store(console_app):
    store = console_app.extensions["console.sessions"]
    store.clock = lambda: START
    return store


def _at(store, moment: datetime) -> None:
    store.clock = lambda: moment


def test_the_table_holds_a_hash_of_the_session_id_never_the_id(store, console_app):
    session = store.create()

    with console_app.extensions["chassis.runtime"].database.engine.connect() as connection:
        stored = connection.scalars(select(console_sessions.c.id_hash)).all()
    assert session.id not in stored and len(stored) == 1


def test_a_session_reads_back_as_it_was_saved(store):
    session = store.sign_in(store.create(), USER, TOKENS)

    assert store.load(session.id) == session


def test_a_vendor_staff_members_role_reads_back(store):
    owner = SignedInUser("user-2", "owner@vendor-a.example", ("vendor",), "ven-a", "owner")

    session = store.sign_in(store.create(), owner, TOKENS)

    assert store.load(session.id).user.vendor_role == "owner"


def test_a_session_stored_before_the_staff_role_was_kept_still_loads_without_one(store, console_app):
    session = store.sign_in(store.create(), SignedInUser("user-2", "owner@vendor-a.example", ("vendor",), "ven-a"),
                            TOKENS)
    with console_app.extensions["chassis.runtime"].database.engine.begin() as connection:
        connection.execute(update(console_sessions).where(console_sessions.c.id_hash == hash_id(session.id)).values(
            user={"sub": "user-2", "email": "owner@vendor-a.example", "roles": ["vendor"], "vendor_id": "ven-a"}))

    user = store.load(session.id).user

    assert (user.vendor_id, user.vendor_role, user.may_issue_refunds) == ("ven-a", None, False)


def test_signing_in_replaces_the_anonymous_session(store):
    anonymous = store.create()

    signed_in = store.sign_in(anonymous, USER, TOKENS)

    assert (store.load(anonymous.id), signed_in.id != anonymous.id,
            signed_in.csrf_token != anonymous.csrf_token) == (None, True, True)


def test_a_session_idle_too_long_is_gone(store):
    session = store.sign_in(store.create(), USER, TOKENS)
    _at(store, START + timedelta(minutes=121))

    assert store.load(session.id) is None


def test_activity_keeps_a_session_alive_until_its_absolute_end(store):
    session = store.sign_in(store.create(), USER, TOKENS)
    for hour in range(1, 12):
        _at(store, START + timedelta(hours=hour))
        assert store.load(session.id) is not None
    _at(store, START + timedelta(hours=12, minutes=1))

    assert store.load(session.id) is None


def test_delete_expired_removes_only_dead_sessions(store):
    store.create()
    _at(store, START + timedelta(minutes=100))
    alive = store.create()
    _at(store, START + timedelta(minutes=130))

    assert (store.delete_expired(), store.load(alive.id) is not None) == (1, True)
