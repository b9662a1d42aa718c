"""Operators managing accounts: disable/enable, roles, sessions (each audited with a reason)."""
from __future__ import annotations

from sqlalchemy import update

from chassis.actors import event_actor
from identity import domain, handlers
from identity.models import RefreshToken, User
from identity.models.base import now
from identity.vendors.domain import Conflict, NotFound, check_reason


def disable_user(uow, user_id: str, reason: str | None) -> None:
    """identity's ``disable_user`` (tokens stop at once) plus the reason and ``user.disabled``."""
    with uow:
        reason = check_reason(reason)
        if _user(uow.session, user_id).status == "disabled":
            raise Conflict("the user is already disabled")
        handlers.disable_user(uow, user_id)
        uow.audit("user.disabled", "user", user_id, reason=reason)
        uow.publish("user.disabled", {"user_id": user_id, "reason": reason, "actor": event_actor()}, subject=user_id)
        uow.commit()


def enable_user(uow, user_id: str, reason: str | None) -> None:
    with uow:
        reason = check_reason(reason)
        user = _user(uow.session, user_id)
        if user.status != "disabled":
            raise Conflict(f"only a disabled user can be enabled (this one is {user.status})")
        user.status = "active"
        uow.audit("user.enabled", "user", user_id, before={"status": "disabled"}, after={"status": "active"},
                  reason=reason)
        uow.publish("user.enabled", {"user_id": user_id, "reason": reason, "actor": event_actor()}, subject=user_id)
        uow.commit()


def set_roles(uow, user_id: str, roles: list[str], reason: str | None) -> list[str]:
    """Replace the user's roles; they show in tokens issued from now on."""
    with uow:
        reason = check_reason(reason)
        user = _user(uow.session, user_id)
        before, user.roles = list(user.roles), domain.check_roles(roles)
        uow.audit("user.roles_changed", "user", user_id, before={"roles": before}, after={"roles": user.roles},
                  reason=reason)
        uow.commit()
        return user.roles


def revoke_sessions(uow, user_id: str, reason: str | None) -> int:
    """Revoke every refresh token of the user (access tokens expire within minutes)."""
    with uow:
        reason = check_reason(reason)
        _user(uow.session, user_id)
        revoked = uow.session.execute(update(RefreshToken).where(
            RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)).values(revoked_at=now())).rowcount
        uow.audit("user.sessions_revoked", "user", user_id, after={"refresh_tokens_revoked": revoked}, reason=reason)
        uow.commit()
        return revoked


def _user(session, user_id: str) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    return user
