"""Server-side sessions: what a browser's session cookie stands for, kept in the console's database.

The cookie carries a random id only; tokens, the CSRF token and the login in flight stay here, the
tokens and the PKCE verifier encrypted (``console.token_cipher``): a session whose secrets no key reads is signed out.
A session ends after ``idle`` without a request or ``absolute`` after it began, whichever is first.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from chassis.auth.principal import VENDOR_MANAGER, VENDOR_OWNER
from console.models import console_sessions
from console.token_cipher import TokenCipher, UnreadableToken

# Writing the last-seen time on every request would make each page a write; once a minute is enough.
TOUCH_EVERY = timedelta(minutes=1)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


# The vendor staff roles that issue goodwill refunds (orders refuses the others with 403 anyway).
REFUNDING_VENDOR_ROLES = (VENDOR_OWNER, VENDOR_MANAGER)


@dataclass(frozen=True)
class SignedInUser:
    sub: str
    email: str
    roles: tuple[str, ...]
    vendor_id: str | None
    # owner, manager or staff in the vendor, from userinfo at sign-in; None for anyone else, and for a
    # session stored before the console kept it (such a user signs in again to refund).
    vendor_role: str | None = None

    @property
    def is_operator(self) -> bool:
        return "operator" in self.roles

    @property
    def is_vendor(self) -> bool:
        return "vendor" in self.roles and self.vendor_id is not None

    @property
    def may_issue_refunds(self) -> bool:
        """Goodwill refunds: the vendor's owners and managers, and admin operators."""
        return self.may_change_platform or (self.is_vendor and self.vendor_role in REFUNDING_VENDOR_ROLES)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def may_change_platform(self) -> bool:
        """An admin operator: every service takes operator changes from these only (chassis' operator_write)."""
        return self.is_operator and self.is_admin

    @property
    def is_read_only_operator(self) -> bool:
        """An operator without admin (support): reads every operator page, changes nothing."""
        return self.is_operator and not self.is_admin


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    access_expires_at: datetime

    def expires_within(self, seconds: float, now: datetime) -> bool:
        return self.access_expires_at - now <= timedelta(seconds=seconds)


@dataclass(frozen=True)
class ConsoleSession:
    id: str
    csrf_token: str
    created_at: datetime
    seen_at: datetime
    login: dict | None = None
    user: SignedInUser | None = None
    tokens: Tokens | None = None
    locale: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.tokens is not None


def new_session(now: datetime) -> ConsoleSession:
    return ConsoleSession(id=secrets.token_urlsafe(32), csrf_token=secrets.token_urlsafe(32), created_at=now,
                          seen_at=now)


@dataclass
class SessionLifetime:
    idle: timedelta
    absolute: timedelta

    def expired(self, session: ConsoleSession, now: datetime) -> bool:
        return now - session.seen_at > self.idle or now - session.created_at > self.absolute


@dataclass
class SessionStore:
    """Sessions in the ``console_sessions`` table, through SQLAlchemy session factories.

    ``reads`` serves the lookup every page makes (SQLite readers take no write lock); ``sessions``
    the writes. ``cipher`` encrypts the tokens on their way in and decrypts them on their way out.
    """

    sessions: Callable[[], Session]
    reads: Callable[[], Session]
    lifetime: SessionLifetime
    cipher: TokenCipher
    clock: Callable[[], datetime] = field(default=utcnow)

    def load(self, session_id: str) -> ConsoleSession | None:
        """The live session of this cookie value, or None (an expired one is deleted)."""
        now = self.clock()
        with self.reads() as db:
            row = db.execute(select(console_sessions).where(console_sessions.c.id_hash == hash_id(session_id))).first()
        if row is None:
            return None
        try:
            found = self._from_row(session_id, row._mapping)
        except UnreadableToken:
            found = None  # its key was removed, or it predates encryption: signed out, as if expired
        if found is None or self.lifetime.expired(found, now):
            self.delete(session_id)
            return None
        if now - found.seen_at >= TOUCH_EVERY:
            found = replace(found, seen_at=now)
            with self.sessions() as db:
                db.execute(update(console_sessions).where(console_sessions.c.id_hash == hash_id(session_id))
                           .values(seen_at=now))
                db.commit()
        return found

    def create(self) -> ConsoleSession:
        session = new_session(self.clock())
        with self.sessions() as db:
            db.execute(insert(console_sessions).values(id_hash=hash_id(session.id), **self._columns(session)))
            db.commit()
        return session

    def save(self, session: ConsoleSession) -> None:
        with self.sessions() as db:
            db.execute(update(console_sessions).where(console_sessions.c.id_hash == hash_id(session.id))
                       .values(**self._columns(session)))
            db.commit()

    def delete(self, session_id: str) -> None:
        with self.sessions() as db:
            db.execute(delete(console_sessions).where(console_sessions.c.id_hash == hash_id(session_id)))
            db.commit()

    def sign_in(self, old: ConsoleSession, user: SignedInUser, tokens: Tokens) -> ConsoleSession:
        """A new id and CSRF token for the signed-in session (no fixation); the old one is gone."""
        fresh = replace(new_session(self.clock()), user=user, tokens=tokens, locale=old.locale)
        with self.sessions() as db:
            db.execute(delete(console_sessions).where(console_sessions.c.id_hash == hash_id(old.id)))
            db.execute(insert(console_sessions).values(id_hash=hash_id(fresh.id), **self._columns(fresh)))
            db.commit()
        return fresh

    def locked_tokens(self, db: Session, session_id: str) -> Tokens | None:
        """The session's tokens read under a row lock (inside ``db``'s transaction), for a refresh.

        None when there are none, or none this store can read (the session must sign in again).
        """
        row = db.execute(select(console_sessions).where(console_sessions.c.id_hash == hash_id(session_id))
                         .with_for_update()).first()
        try:
            return self._tokens(row._mapping) if row is not None else None
        except UnreadableToken:
            return None

    def store_tokens(self, db: Session, session_id: str, tokens: Tokens) -> None:
        db.execute(update(console_sessions).where(console_sessions.c.id_hash == hash_id(session_id))
                   .values(**self._token_columns(tokens)))

    def delete_expired(self) -> int:
        """Remove sessions past their idle or absolute lifetime; how many went."""
        now = self.clock()
        with self.sessions() as db:
            gone = db.execute(delete(console_sessions).where(
                (console_sessions.c.seen_at < now - self.lifetime.idle)
                | (console_sessions.c.created_at < now - self.lifetime.absolute))).rowcount
            db.commit()
            return gone


    def _columns(self, session: ConsoleSession) -> dict:
        user = session.user
        return {"csrf_token": session.csrf_token, "created_at": session.created_at, "seen_at": session.seen_at,
                "login": self._sealed_login(session.login),
                "user": None if user is None else {"sub": user.sub, "email": user.email, "roles": list(user.roles),
                                                   "vendor_id": user.vendor_id, "vendor_role": user.vendor_role},
                **self._token_columns(session.tokens), "locale": session.locale}

    def _sealed_login(self, login: dict | None) -> dict | None:
        # The PKCE verifier is a secret too: with the state it would redeem a stolen authorization code.
        if login is None or "verifier" not in login:
            return login
        return {**login, "verifier": self.cipher.encrypt(login["verifier"])}

    def _opened_login(self, stored: dict | None) -> dict | None:
        if stored is None or "verifier" not in stored:
            return stored
        return {**stored, "verifier": self.cipher.decrypt(stored["verifier"])}

    def _token_columns(self, tokens: Tokens | None) -> dict:
        if tokens is None:
            return {"access_token": None, "refresh_token": None, "access_expires_at": None}
        return {"access_token": self.cipher.encrypt(tokens.access_token),
                "refresh_token": self.cipher.encrypt(tokens.refresh_token),
                "access_expires_at": tokens.access_expires_at}

    def _tokens(self, row) -> Tokens | None:
        if row["access_token"] is None:
            return None
        return Tokens(self.cipher.decrypt(row["access_token"]), self.cipher.decrypt(row["refresh_token"]),
                      _aware(row["access_expires_at"]))

    def _from_row(self, session_id: str, row) -> ConsoleSession:
        user = row["user"]
        return ConsoleSession(
            id=session_id, csrf_token=row["csrf_token"], created_at=_aware(row["created_at"]),
            seen_at=_aware(row["seen_at"]), login=self._opened_login(row["login"]),
            user=None if user is None else SignedInUser(user["sub"], user["email"], tuple(user["roles"]),
                                                        user.get("vendor_id"), user.get("vendor_role")),
            tokens=self._tokens(row), locale=row["locale"])


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; every time stored here is UTC.
    return moment.replace(tzinfo=timezone.utc) if moment is not None and moment.tzinfo is None else moment
