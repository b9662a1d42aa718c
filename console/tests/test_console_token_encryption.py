"""The users' tokens at rest: encrypted in the sessions table, keys rotated, an unreadable session signed out."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from chassis.settings import ConfigurationError, load_settings
from console.models import console_sessions
from console.sessions import SignedInUser, Tokens, hash_id
from console.settings import ConsoleSettings
from console.testing import OPERATOR, sign_in
from console.token_cipher import TokenCipher, cipher_for

START = datetime(2026, 11, 29, 9, 0, tzinfo=timezone.utc)
USER = SignedInUser("user-1", "ops@example.com", ("operator",), None)
TOKENS = Tokens("access-token-text", "refresh-token-text", START + timedelta(minutes=10))
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def store(console_app):
    store = replace(console_app.extensions["console.sessions"], cipher=TokenCipher.from_keys([OLD_KEY]))
    store.clock = lambda: START
    return store


def _with_keys(store, *keys: str):
    return replace(store, cipher=TokenCipher.from_keys(list(keys)))


def _stored_row(console_app, session_id: str) -> dict:
    with console_app.extensions["chassis.runtime"].database.engine.connect() as connection:
        return dict(connection.execute(select(console_sessions).where(
            console_sessions.c.id_hash == hash_id(session_id))).one()._mapping)


def test_the_table_never_holds_the_token_text(store, console_app):
    session = store.sign_in(store.create(), USER, TOKENS)

    row = _stored_row(console_app, session.id)
    assert "token-text" not in repr(row)
    assert (store.load(session.id).tokens.access_token, store.load(session.id).tokens.refresh_token) == (
        "access-token-text", "refresh-token-text")


def test_refreshed_tokens_are_stored_encrypted_too(store, console_app):
    session = store.sign_in(store.create(), USER, TOKENS)

    with store.sessions() as db:
        store.store_tokens(db, session.id, replace(TOKENS, access_token="fresh-access-text"))
        db.commit()

    assert "fresh-access-text" not in repr(_stored_row(console_app, session.id))
    assert store.load(session.id).tokens.access_token == "fresh-access-text"


def test_the_pkce_verifier_of_a_login_in_flight_is_stored_encrypted(store, console_app):
    login = {"state": "state-value", "verifier": "verifier-text-" + "v" * 50, "next": "/console/"}
    session = replace(store.create(), login=login)
    store.save(session)

    stored = _stored_row(console_app, session.id)["login"]
    assert "verifier-text" not in repr(stored) and stored["state"] == "state-value"
    assert store.load(session.id).login == login
    assert _with_keys(store, NEW_KEY).load(session.id) is None  # a verifier no key reads: the login starts again


def test_a_key_moved_behind_a_new_one_still_reads_its_sessions(store):
    session = store.sign_in(store.create(), USER, TOKENS)

    rotated = _with_keys(store, NEW_KEY, OLD_KEY)

    assert rotated.load(session.id).tokens == TOKENS


def test_after_rotation_new_sessions_are_encrypted_with_the_new_key(store):
    rotated = _with_keys(store, NEW_KEY, OLD_KEY)
    session = rotated.sign_in(rotated.create(), USER, TOKENS)

    assert _with_keys(store, NEW_KEY).load(session.id).tokens == TOKENS


def test_a_session_whose_key_was_removed_is_signed_out_and_deleted(store):
    session = store.sign_in(store.create(), USER, TOKENS)
    new_key_only = _with_keys(store, NEW_KEY)

    assert new_key_only.load(session.id) is None
    assert store.load(session.id) is None  # gone, not merely hidden


def test_a_session_stored_before_encryption_is_signed_out(store, console_app):
    session = store.sign_in(store.create(), USER, TOKENS)
    with store.sessions() as db:
        db.execute(update(console_sessions).where(console_sessions.c.id_hash == hash_id(session.id))
                   .values(access_token="plain-access", refresh_token="plain-refresh"))
        db.commit()

    assert store.load(session.id) is None


def test_a_refresh_finds_no_tokens_it_cannot_read(store):
    session = store.sign_in(store.create(), USER, TOKENS)

    with store.sessions() as db:
        assert _with_keys(store, NEW_KEY).locked_tokens(db, session.id) is None


def test_a_browser_whose_session_key_was_removed_is_sent_to_sign_in(browser, stub, console_app):
    sign_in(browser, stub, OPERATOR)
    sessions = console_app.extensions["console.sessions"]
    console_app.extensions["console.sessions"] = replace(sessions, cipher=TokenCipher.from_keys([NEW_KEY]))

    answer = browser.get("/console/dashboard")

    assert (answer.status_code, answer.headers["Location"]) == (302, "/console/login?next=%2Fconsole%2Fdashboard")
    assert stub.calls == []  # no API call with a token it could not read


def test_a_token_key_that_is_not_a_fernet_key_stops_the_start_naming_the_variable(monkeypatch):
    monkeypatch.setenv("CONSOLE_TOKEN_KEYS", f"{NEW_KEY},not-a-key")

    with pytest.raises(ConfigurationError, match="CONSOLE_TOKEN_KEYS.*not a Fernet key"):
        load_settings(ConsoleSettings)


def test_every_key_of_the_list_decrypts_and_the_first_encrypts(monkeypatch):
    monkeypatch.setenv("CONSOLE_TOKEN_KEYS", f" {NEW_KEY} , {OLD_KEY}")
    cipher = cipher_for(load_settings(ConsoleSettings))

    sealed = cipher.encrypt("token")

    assert Fernet(NEW_KEY).decrypt(sealed.encode()) == b"token"
    assert cipher.decrypt(TokenCipher.from_keys([OLD_KEY]).encrypt("old")) == "old"


def test_without_keys_development_gets_one_random_key_kept_for_every_process(monkeypatch, tmp_path):
    monkeypatch.setenv("MARKETPLACE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("CONSOLE_TOKEN_KEYS", raising=False)
    settings = load_settings(ConsoleSettings)

    sealed = cipher_for(settings).encrypt("token")

    assert cipher_for(settings).decrypt(sealed) == "token"
    assert (tmp_path / "console-token.key").stat().st_mode & 0o777 == 0o600


def test_without_keys_and_nowhere_to_keep_one_the_start_names_the_variable(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("MARKETPLACE_VAR_DIR", str(blocked / "var"))  # under a file: cannot be created
    monkeypatch.delenv("CONSOLE_TOKEN_KEYS", raising=False)

    with pytest.raises(ConfigurationError, match="set CONSOLE_TOKEN_KEYS"):
        cipher_for(load_settings(ConsoleSettings))
