"""Account security: email and reset tokens, login attempts, request throttles, TOTP, recovery codes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chassis.tables import BigId
from identity.models.base import Base


class UserSecurity(Base):
    """One row per user that verified an email or enrolled a second factor (created on demand)."""

    __tablename__ = "user_security"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Base32 TOTP secret; readable because verifying needs it (encrypt at rest in production).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The last time-step accepted: a code is good once, and never an older one.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    @property
    def has_two_factor(self) -> bool:
        return self.totp_confirmed_at is not None


class AccountToken(Base):
    """A single-use, expiring token mailed to a user (email verification, password reset, invitation)."""

    __tablename__ = "account_tokens"
    __table_args__ = (Index("ix_account_tokens_user_purpose", "user_id", "purpose"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecoveryCode(Base):
    """One of a user's ten single-use 2FA recovery codes, stored as a SHA-256 hash."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Every login attempt (password or second factor): the lockout and per-IP limits count these."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_email_time", "email", "occurred_at"),
                      Index("ix_login_attempts_ip_time", "ip", "occurred_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320))
    user_id: Mapped[str | None] = mapped_column(String(36))
    ip: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(20))  # checking, failed, locked, second_factor, enrol, succeeded
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ThrottleHit(Base):
    """One request counted against a per-IP limit (sign-up, password reset); old rows are pruned."""

    __tablename__ = "throttle_hits"
    __table_args__ = (Index("ix_throttle_hits_bucket_key_time", "bucket", "key", "occurred_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
