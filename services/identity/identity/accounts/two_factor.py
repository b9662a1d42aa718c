"""Use cases of TOTP two-factor authentication: enrol, confirm (recovery codes), disable, verify."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update

from identity.accounts import policy
from identity.accounts.errors import CodeRejected, TwoFactorState
from identity.accounts.signup import security_of
from identity.models import RecoveryCode, User, UserSecurity
from identity.models.base import now


@dataclass(frozen=True)
class Enrolment:
    secret: str
    provisioning_uri: str


def start_enrolment(uow, user_id: str, reuse_pending: bool = False) -> Enrolment:
    """A new TOTP secret waiting for its first code (or the one still waiting); refused while 2FA is on."""
    with uow:
        security = security_of(uow.session, user_id)
        if security.has_two_factor:
            raise TwoFactorState("two-factor authentication is already on; disable it first")
        if not (reuse_pending and security.totp_secret):
            security.totp_secret = policy.new_totp_secret()
            security.totp_last_step = None
        enrolment = Enrolment(security.totp_secret,
                              policy.provisioning_uri(security.totp_secret, uow.session.get(User, user_id).email))
        uow.commit()
        return enrolment


def confirm_enrolment(uow, user_id: str, code: str) -> list[str]:
    """Turn 2FA on with a first code from the app; the ten recovery codes are returned this once."""
    with uow:
        security = uow.session.get(UserSecurity, user_id)
        if security is None or not security.totp_secret or security.has_two_factor:
            raise TwoFactorState("start the enrolment first")
        step = policy.accepted_totp_step(security.totp_secret, code, security.totp_last_step, now())
        if step is None:
            raise CodeRejected("the code does not match; check the clock of your device")
        security.totp_last_step, security.totp_confirmed_at = step, now()
        codes = policy.new_recovery_codes()
        uow.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        uow.session.add_all(RecoveryCode(code_hash=policy.hash_recovery_code(c), user_id=user_id) for c in codes)
        uow.audit("two_factor.enabled", "user", user_id, actor=user_id)
        uow.commit()
        return codes


def disable(uow, user_id: str, code: str) -> None:
    """Turn 2FA off; needs a current TOTP code (or a recovery code)."""
    with uow:
        security = uow.session.get(UserSecurity, user_id)
        if security is None or not security.has_two_factor:
            raise TwoFactorState("two-factor authentication is not on")
        if verify(uow.session, security, code) is None:
            raise CodeRejected("the code does not match")
        security.totp_secret = security.totp_confirmed_at = security.totp_last_step = None
        uow.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
        uow.audit("two_factor.disabled", "user", user_id, actor=user_id)
        uow.commit()


def verify(session, security: UserSecurity, code: str) -> str | None:
    """``"totp"`` or ``"recovery_code"`` when ``code`` is good (and now spent), else None."""
    step = policy.accepted_totp_step(security.totp_secret, code, security.totp_last_step, now())
    if step is not None:
        security.totp_last_step = step
        return "totp"
    if policy.looks_like_recovery_code(code):
        spent = session.execute(update(RecoveryCode).where(
            RecoveryCode.user_id == security.user_id, RecoveryCode.code_hash == policy.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None)).values(used_at=now()))
        if spent.rowcount == 1:
            return "recovery_code"
    return None
