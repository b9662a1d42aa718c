"""Rules of account security (no Flask, no SQLAlchemy): passwords, lockout windows, TOTP, recovery codes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta
from functools import cache

import pyotp

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
VERIFICATION_LIFETIME = timedelta(hours=48)
RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)
RECOVERY_CODE_COUNT = 10
TOTP_ISSUER = "Marketplace"


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, ranked by zxcvbn 4.5 (MIT; Burnett's 10M password corpus)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, minimum: int = MIN_PASSWORD_LENGTH) -> str | None:
    """Why a new password is refused, or None: length and the common list only, no composition rules."""
    if len(password) < max(minimum, MIN_PASSWORD_LENGTH):
        return f"the password needs at least {max(minimum, MIN_PASSWORD_LENGTH)} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    if password.lower() in common_passwords():
        return "this password is one of the most common ones; choose another"
    return None


def retry_after(failures: list[datetime], limit: int, window: timedelta, now: datetime) -> int | None:
    """Seconds until another attempt is allowed when ``limit`` failures fall in the window, else None.

    The lock slides with the failures: it ends ``window`` after the oldest counted one, so nobody
    (a stranger guessing either) can make it permanent.
    """
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return None
    return max(1, math.ceil((recent[-limit] + window - now).total_seconds()))


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def accepted_totp_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time-step ``code`` belongs to (one step of clock drift either way), or None.

    A step at or before ``last_step`` is refused: each code works once, and never an older one.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 80 random bits each, as ``xxxx-xxxx-xxxx-xxxx`` (base32)."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()
        codes.append("-".join(raw[i:i + 4] for i in range(0, 16, 4)).lower())
    return codes


def hash_recovery_code(code: str) -> str:
    """SHA-256 of the normalised code: 80 random bits leave no dictionary to try."""
    return hashlib.sha256(code.replace("-", "").replace(" ", "").strip().upper().encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(code.replace("-", "").replace(" ", "").strip()) == 16


def new_token() -> str:
    return secrets.token_urlsafe(32)
