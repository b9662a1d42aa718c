"""Persistence of codes and refresh tokens for the grants (only hashes are stored)."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from chassis.runtime_settings import current
from identity import domain
from identity.models import AuthorizationCode, OAuthClient, RefreshToken, User
from identity.models.base import now
from identity.settings import IdentityRuntimeSettings


def active_client(session: Session, client_id: str) -> OAuthClient | None:
    client = session.get(OAuthClient, client_id) if client_id else None
    return client if client is not None and client.revoked_at is None else None


def active_user(session: Session, user_id: str | None) -> User | None:
    user = session.get(User, user_id) if user_id else None
    return user if user is not None and user.is_active else None


def save_code(session: Session, code: str, client_id: str, user_id: str, payload) -> None:
    session.add(AuthorizationCode(
        code_hash=domain.hash_secret(code), client_id=client_id, user_id=user_id,
        redirect_uri=payload.redirect_uri or "", scope=payload.scope or "",
        code_challenge=payload.data["code_challenge"], code_challenge_method=payload.data["code_challenge_method"],
        family_id=str(uuid.uuid4()), expires_at=now() + timedelta(seconds=domain.AUTHORIZATION_CODE_SECONDS)))


def redeem_code(session: Session, code: str, client_id: str) -> AuthorizationCode | None:
    """The unused, unexpired code; a second use revokes every token issued from it."""
    row = session.get(AuthorizationCode, domain.hash_secret(code))
    if row is None or row.client_id != client_id or row.is_expired():
        return None
    if row.used_at is not None:
        revoke_family(session, row.family_id)
        return None
    return row


def find_refresh_token(session: Session, token: str) -> RefreshToken | None:
    return session.get(RefreshToken, domain.hash_secret(token))


def use_refresh_token(session: Session, token: str) -> RefreshToken | None:
    """The usable refresh token; presenting a rotated one revokes its whole family (reuse detection)."""
    row = find_refresh_token(session, token)
    if row is not None and row.rotated_at is not None:
        revoke_family(session, row.family_id)
        return None
    return row if row is not None and row.is_usable() else None


def save_refresh_token(session: Session, token: str, family_id: str, client_id: str, user_id: str,
                       scope: str) -> None:
    days = current(session, IdentityRuntimeSettings).refresh_token_lifetime_days
    issued = now()
    session.add(RefreshToken(token_hash=domain.hash_secret(token), family_id=family_id, client_id=client_id,
                             user_id=user_id, scope=scope or "", issued_at=issued,
                             expires_at=issued + timedelta(days=days)))


def revoke_family(session: Session, family_id: str) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,
                                               RefreshToken.revoked_at.is_(None)).values(revoked_at=now()))
