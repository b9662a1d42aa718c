"""Single-use, expiring tokens mailed to users; only their SHA-256 hashes are stored."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update

from identity import domain
from identity.accounts import policy
from identity.accounts.errors import TokenInvalid
from identity.models import AccountToken
from identity.models.base import now, utc

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"
INVITATION = "invitation"


def issue(session, user_id: str, purpose: str, lifetime: timedelta) -> tuple[str, datetime]:
    """A new token for ``purpose``; earlier unused ones of the same purpose stop working."""
    moment = now()
    session.execute(update(AccountToken).where(AccountToken.user_id == user_id, AccountToken.purpose == purpose,
                                               AccountToken.used_at.is_(None)).values(used_at=moment))
    token = policy.new_token()
    session.add(AccountToken(token_hash=domain.hash_secret(token), purpose=purpose, user_id=user_id,
                             created_at=moment, expires_at=moment + lifetime))
    return token, moment + lifetime


def consume(session, token: str, purpose: str) -> str:
    """The user the token was issued to, marking it used; TokenInvalid if unknown, used or expired."""
    token_hash = domain.hash_secret(token or "")
    row = session.get(AccountToken, token_hash)
    moment = now()
    if row is None or row.purpose != purpose or row.used_at is not None or utc(row.expires_at) <= moment:
        raise TokenInvalid("this link is invalid, was used already or has expired")
    used = session.execute(update(AccountToken).where(AccountToken.token_hash == token_hash,
                                                      AccountToken.used_at.is_(None)).values(used_at=moment))
    if used.rowcount != 1:  # a concurrent request consumed it first
        raise TokenInvalid("this link is invalid, was used already or has expired")
    return row.user_id


def link(link_base: str, page: str, token: str) -> str:
    """The storefront page a mail links to, carrying the token."""
    return f"{link_base.rstrip('/')}/{page}?token={token}"
