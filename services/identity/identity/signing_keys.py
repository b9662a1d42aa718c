"""Signing keys: the current one signs, retired ones stay published until their tokens expire."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from joserfc.jwk import ECKey, KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from identity.models import SigningKey
from identity.models.base import now, utc

ALG = "ES256"
# The longest access-token lifetime the settings allow, plus the verifiers' leeway.
PUBLISH_AFTER_RETIREMENT = timedelta(seconds=900 + 60)


def current_key(session: Session) -> SigningKey:
    """The key that signs now, created on first use (never at import time)."""
    key = session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))
                          .order_by(SigningKey.created_at.desc()).limit(1)).first()
    return key or _new_key(session)


def rotate(session: Session) -> SigningKey:
    """Retire every signing key and create a new one; retired keys stay published for a while."""
    retired_at = now()
    for key in session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))):
        key.retired_at = retired_at
        key.published_until = retired_at + PUBLISH_AFTER_RETIREMENT
    return _new_key(session)


def published_keys(session: Session, at: datetime | None = None) -> list[SigningKey]:
    """Keys whose tokens may still be in use, newest first."""
    at = at or now()
    keys = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc())).all()
    return [key for key in keys if key.retired_at is None or utc(key.published_until) > at]


def public_jwks(keys: list[SigningKey]) -> dict:
    return KeySet([key.jwk() for key in keys]).as_dict(private=False)


def _new_key(session: Session) -> SigningKey:
    kid = f"es256-{uuid.uuid4().hex[:16]}"
    jwk = ECKey.generate_key("P-256", parameters={"kid": kid, "alg": ALG, "use": "sig"})
    key = SigningKey(kid=kid, alg=ALG, private_key=jwk.as_pem(private=True).decode(), created_at=now())
    session.add(key)
    session.flush()
    return key
