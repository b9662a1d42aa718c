"""The login use case: lockout and per-IP limits, password, second factor, and an audit of every attempt."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from chassis.db import serialize
from chassis.runtime_settings import current
from identity import domain, passwords
from identity.accounts import throttle, two_factor
from identity.models import LoginAttempt, User, UserSecurity
from identity.models.base import now
from identity.settings import IdentityRuntimeSettings

SUCCEEDED, FAILED, LOCKED, CHECKING = "succeeded", "failed", "locked", "checking"
SECOND_FACTOR, ENROL = "second_factor", "enrol"  # the password was right; one more step first


@dataclass(frozen=True)
class LoginResult:
    outcome: str
    user_id: str | None = None
    retry_after: int | None = None


def check_password(uow, email: str, password: str, ip: str) -> LoginResult:
    """First step. A locked account is refused before its password is even checked.

    The attempt is recorded (as ``checking``, which counts as a failure) and
    committed before argon2 runs, outside any transaction: the slow hash then
    holds no database lock, and a burst of parallel guesses still counts
    against the limit before any of them is checked.
    """
    email = domain.normalise_email(email)
    claim = _claim_attempt(uow, email, ip)
    if isinstance(claim, LoginResult):
        return claim
    right = passwords.verify_password(claim.password_hash, password) and claim.active
    new_hash = passwords.hash_password(password) if right and passwords.needs_rehash(claim.password_hash) else None
    return _settle_password(uow, claim, right, new_hash, ip)


@dataclass(frozen=True)
class _Claim:
    attempt_id: int
    email: str
    user_id: str | None
    password_hash: str | None
    active: bool


def _claim_attempt(uow, email: str, ip: str) -> _Claim | LoginResult:
    with uow:
        serialize(uow.session, f"login:account:{email}")  # count-then-claim, one at a time per account
        serialize(uow.session, f"login:ip:{ip}")  # ... and per address (always after the account: no deadlock)
        settings = current(uow.session, IdentityRuntimeSettings)
        user = uow.session.scalars(select(User).where(User.email == email)).first()
        refused = _refuse_if_locked(uow, email, user and user.id, ip, settings)
        if refused:
            return refused
        attempt = throttle.record_attempt(uow.session, email, user and user.id, ip, CHECKING)
        uow.session.flush()
        claim = _Claim(attempt.id, email, user and user.id, user and user.password_hash,
                       bool(user and user.is_active))
        uow.commit()
        return claim


def _settle_password(uow, claim: _Claim, right: bool, new_hash: str | None, ip: str) -> LoginResult:
    with uow:
        attempt = uow.session.get(LoginAttempt, claim.attempt_id)
        if not right:
            attempt.outcome = FAILED
            return _failed(uow, claim.email, claim.user_id, ip, "password", recorded=True)
        user = uow.session.get(User, claim.user_id)
        if new_hash:
            user.password_hash = new_hash
        settings = current(uow.session, IdentityRuntimeSettings)
        security = uow.session.get(UserSecurity, user.id)
        if security is not None and security.has_two_factor:
            attempt.outcome = SECOND_FACTOR
        elif set(user.roles) & set(settings.two_factor_required_roles):
            attempt.outcome = ENROL
        else:
            attempt.outcome = SUCCEEDED
            return _succeeded(uow, user, ip, "password", recorded=True)
        uow.commit()
        return LoginResult(attempt.outcome, user.id)


def check_second_factor(uow, user_id: str, code: str, ip: str) -> LoginResult:
    """Second step, after a right password: a TOTP code (each works once) or a recovery code."""
    with uow:
        user = uow.session.get(User, user_id)
        settings = current(uow.session, IdentityRuntimeSettings)
        refused = _refuse_if_locked(uow, user.email, user.id, ip, settings)
        if refused:
            return refused
        security = uow.session.get(UserSecurity, user_id)
        method = security and security.has_two_factor and two_factor.verify(uow.session, security, code)
        if not method or not user.is_active:
            return _failed(uow, user.email, user.id, ip, "second_factor")
        return _succeeded(uow, user, ip, method)


def complete_enrolled_login(uow, user_id: str, ip: str) -> LoginResult:
    """A user sent to enrol before logging in has just turned 2FA on (with a code): the login completes."""
    with uow:
        return _succeeded(uow, uow.session.get(User, user_id), ip, "enrolment")


def _refuse_if_locked(uow, email, user_id, ip, settings) -> LoginResult | None:
    wait = throttle.login_retry_after(uow.session, email, ip, settings, now())
    if wait is None:
        return None
    throttle.record_attempt(uow.session, email, user_id, ip, LOCKED)
    _audit(uow, "login.locked", email, user_id, ip, retry_after=wait)
    uow.commit()
    return LoginResult(LOCKED, user_id, wait)


def _failed(uow, email, user_id, ip, step: str, recorded: bool = False) -> LoginResult:
    if not recorded:
        throttle.record_attempt(uow.session, email, user_id, ip, FAILED)
    _audit(uow, "login.failed", email, user_id, ip, step=step)
    uow.commit()
    return LoginResult(FAILED, user_id)


def _succeeded(uow, user: User, ip: str, method: str, recorded: bool = False) -> LoginResult:
    if not recorded:
        throttle.record_attempt(uow.session, user.email, user.id, ip, SUCCEEDED)
    _audit(uow, "login.succeeded", user.email, user.id, ip, method=method)
    uow.commit()
    return LoginResult(SUCCEEDED, user.id)


def _audit(uow, action: str, email: str, user_id: str | None, ip: str, **details) -> None:
    """Who tried, from where and how it ended; never the password or the code."""
    uow.audit(action, "user", user_id or email, after={"email": email, "ip": ip, **details},
              actor=user_id or "anonymous")
