"""Use cases of self-service accounts: sign-up, email verification, password reset and change, invitations."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from chassis.runtime_settings import current
from identity import domain, passwords
from identity.accounts import policy, throttle, tokens
from identity.accounts.errors import EmailTaken, PasswordRejected, TokenInvalid
from identity.models import RefreshToken, User, UserSecurity
from identity.models.base import now
from identity.settings import IdentityRuntimeSettings


@dataclass(frozen=True)
class Mail:
    """What a mailer would send: the link carries a single-use token."""

    user_id: str
    email: str
    token: str
    expires_at: datetime
    url: str = ""

    def as_event_link(self) -> dict:
        """The ``{token, expires_at, url}`` object the contract events carry."""
        return {"token": self.token, "expires_at": self.expires_at.isoformat(), "url": self.url}


def sign_up(uow, email: str, password: str, ip: str, link_base: str) -> Mail:
    """A new customer account; ``user.registered`` carries the email verification token and link."""
    throttle.take(uow, "sign-up", ip, _settings(uow).sign_ups_per_ip_per_hour)
    with uow:
        email = domain.normalise_email(email)
        check_new_password(uow, password)
        if uow.session.scalar(select(User.id).where(User.email == email)):
            raise EmailTaken("an account with this email exists")
        user = User(id=str(uuid.uuid4()), email=email, password_hash=passwords.hash_password(password),
                    roles=["customer"], vendor_id=None, status="active", created_at=now())
        uow.session.add(user)
        uow.session.flush()
        token, expires_at = tokens.issue(uow.session, user.id, tokens.VERIFY_EMAIL, policy.VERIFICATION_LIFETIME)
        mail = Mail(user.id, email, token, expires_at, tokens.link(link_base, "verify-email", token))
        uow.publish("user.registered", {
            "user_id": user.id, "email": email, "roles": ["customer"], "registered_at": user.created_at.isoformat(),
            "verification": mail.as_event_link()}, subject=user.id)
        uow.audit("user.registered", "user", user.id, after={"email": email, "roles": ["customer"]}, actor=user.id)
        try:
            uow.commit()
        except IntegrityError:  # the same email signed up concurrently
            raise EmailTaken("an account with this email exists") from None
        return mail


def verify_email(uow, token: str) -> str:
    """Mark the email of the token's user verified; the token works once."""
    with uow:
        user_id = tokens.consume(uow.session, token, tokens.VERIFY_EMAIL)
        security_of(uow.session, user_id).email_verified_at = now()
        uow.audit("user.email_verified", "user", user_id, actor=user_id)
        uow.commit()
        return user_id


def request_password_reset(uow, email: str, ip: str, link_base: str) -> Mail | None:
    """A reset token for an active account with this email, published with ``user.password_reset_requested``;
    None (nothing published, and the same answer) otherwise."""
    throttle.take(uow, "password-reset", ip, _settings(uow).password_resets_per_ip_per_hour)
    with uow:
        user = uow.session.scalars(select(User).where(User.email == domain.normalise_email(email))).first()
        if user is None or not user.is_active:
            return None
        token, expires_at = tokens.issue(uow.session, user.id, tokens.PASSWORD_RESET, policy.RESET_LIFETIME)
        mail = Mail(user.id, user.email, token, expires_at, tokens.link(link_base, "reset-password", token))
        uow.publish("user.password_reset_requested", {"user_id": user.id, "email": user.email,
                                                      "reset": mail.as_event_link()}, subject=user.id)
        uow.audit("password_reset.requested", "user", user.id, after={"ip": ip}, actor="anonymous")
        uow.commit()
        return mail


def confirm_password_reset(uow, token: str, new_password: str) -> str:
    """Set a new password with a reset token. It logs nobody in: the next login still asks for 2FA."""
    with uow:
        check_new_password(uow, new_password)
        user_id = tokens.consume(uow.session, token, tokens.PASSWORD_RESET)
        _set_password(uow.session, user_id, new_password)
        security_of(uow.session, user_id).email_verified_at = now()  # the mailbox answered
        uow.audit("password_reset.completed", "user", user_id, actor=user_id)
        uow.commit()
        return user_id


def issue_invitation(uow, user: User, vendor_id: str, role: str, link_base: str) -> Mail:
    """Inside the caller's unit of work: an invitation token for an ``invited`` account, published
    with ``user.invited`` (the link sets the account's password)."""
    token, expires_at = tokens.issue(uow.session, user.id, tokens.INVITATION, policy.INVITATION_LIFETIME)
    mail = Mail(user.id, user.email, token, expires_at, tokens.link(link_base, "accept-invitation", token))
    uow.publish("user.invited", {"user_id": user.id, "email": user.email, "vendor_id": vendor_id, "role": role,
                                 "invitation": mail.as_event_link()}, subject=user.id)
    return mail


def accept_invitation(uow, token: str, password: str) -> str:
    """An invited person sets their password with the invitation token (works once); the account becomes
    active. Like a reset, it logs nobody in."""
    with uow:
        check_new_password(uow, password)
        user_id = tokens.consume(uow.session, token, tokens.INVITATION)
        user = uow.session.get(User, user_id, with_for_update=True)
        if user is None or user.status != "invited":  # disabled meanwhile, or active already
            raise TokenInvalid("this link is invalid, was used already or has expired")
        user.status = "active"
        _set_password(uow.session, user_id, password)
        security_of(uow.session, user_id).email_verified_at = now()  # the mailbox answered
        uow.audit("user.invitation_accepted", "user", user_id, before={"status": "invited"},
                  after={"status": "active"}, actor=user_id)
        uow.commit()
        return user_id


def change_password(uow, user_id: str, current_password: str, new_password: str) -> None:
    """A logged-in user changes their password; the current one is required."""
    with uow:
        user = uow.session.get(User, user_id)
        if not passwords.verify_password(user.password_hash, current_password):
            raise PasswordRejected("the current password is wrong")
        check_new_password(uow, new_password)
        _set_password(uow.session, user_id, new_password)
        uow.audit("user.password_changed", "user", user_id, actor=user_id)
        uow.commit()


def check_new_password(uow, password: str) -> None:
    problem = policy.password_problem(password, _settings(uow).password_min_length)
    if problem:
        raise PasswordRejected(problem)


def security_of(session, user_id: str) -> UserSecurity:
    """The user's security row, created on first need."""
    row = session.get(UserSecurity, user_id)
    if row is None:
        row = UserSecurity(user_id=user_id)
        session.add(row)
    return row


def _set_password(session, user_id: str, password: str) -> None:
    """New password; every refresh token of the user stops working (sessions elsewhere end)."""
    session.get(User, user_id).password_hash = passwords.hash_password(password)
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now()))


def _settings(uow) -> IdentityRuntimeSettings:
    with uow:
        return current(uow.session, IdentityRuntimeSettings)
