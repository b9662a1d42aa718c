"""The signed-in user's access token, refreshed transparently before it expires.

Identity rotates refresh tokens and treats a second use of one as theft (the whole family is
revoked), so two requests of one browser must never refresh with the same token: the refresh runs
under a lock on the session's row, and whoever gets the lock second finds fresh tokens there.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from console.oauth_client import IdentityClient, SignInFailed
from console.sessions import ConsoleSession, SessionStore, Tokens


class SessionEnded(Exception):
    """The session has no usable tokens any more: the user must sign in again."""


@dataclass
class UserTokens:
    store: SessionStore
    identity: IdentityClient
    session: ConsoleSession
    margin_seconds: float

    def access_token(self) -> str:
        """A token valid for at least the margin, refreshed first when needed."""
        tokens = self._current()
        if tokens.expires_within(self.margin_seconds, self.store.clock()):
            tokens = self.refresh(tokens)
        return tokens.access_token

    def refresh(self, seen: Tokens | None = None) -> Tokens:
        """Refresh once for the whole session; ``seen``: the tokens the caller found wanting."""
        seen = seen or self._current()
        with self.store.sessions() as db:
            current = self.store.locked_tokens(db, self.session.id)
            if current is None or current.refresh_token is None:
                raise SessionEnded()
            if current.access_token != seen.access_token and not current.expires_within(
                    self.margin_seconds, self.store.clock()):
                fresh = current  # another request refreshed while this one waited for the lock
            else:
                fresh = self._from_identity(current)
                self.store.store_tokens(db, self.session.id, fresh)
                db.commit()
        self.session = replace(self.session, tokens=fresh)
        return fresh

    def _from_identity(self, current: Tokens) -> Tokens:
        try:
            fresh = self.identity.refresh(current.refresh_token)
        except SignInFailed:
            raise SessionEnded() from None
        # A server that does not rotate answers without a refresh token: the old one stays good.
        return fresh if fresh.refresh_token else replace(fresh, refresh_token=current.refresh_token)

    def _current(self) -> Tokens:
        if self.session.tokens is None:
            raise SessionEnded()
        return self.session.tokens
