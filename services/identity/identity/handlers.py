"""Identity use cases; the CLI, the login pages and the OAuth2 grants call these."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from chassis.runtime_settings import current
from identity import domain, passwords, signing_keys
from identity.models import OAuthClient, RefreshToken, User
from identity.models.base import now
from identity.settings import IdentityRuntimeSettings


@dataclass(frozen=True)
class RegisteredClient:
    client_id: str
    client_secret: str | None  # shown once, only its hash is stored


def create_user(uow, email: str, password: str, roles: list[str], vendor_id: str | None = None) -> str:
    """Register a user with an argon2id password hash; refuses a taken email or a weak password."""
    from identity.accounts.policy import password_problem
    with uow:
        email = domain.normalise_email(email)
        problem = password_problem(password, current(uow.session, IdentityRuntimeSettings).password_min_length)
        if problem:
            raise domain.RuleViolation(problem)
        if uow.session.scalar(select(User.id).where(User.email == email)):
            raise domain.RuleViolation("a user with this email exists")
        user = User(id=str(uuid.uuid4()), email=email, password_hash=passwords.hash_password(password),
                    roles=domain.check_roles(roles), vendor_id=vendor_id, status="active", created_at=now())
        uow.session.add(user)
        uow.audit("user.created", "user", user.id, after={"email": email, "roles": user.roles}, actor="cli")
        uow.commit()
        return user.id


def create_operator(uow, email: str, password: str, support: bool = False) -> str:
    """An operator with the admin role, or the support role with ``support``."""
    return create_user(uow, email, password, ["operator", "support" if support else "admin"])


def create_client(uow, name: str, grant_type: str, **options) -> RegisteredClient:
    """Register an OAuth2 client from the CLI; the secret is returned once and stored hashed."""
    with uow:
        client = register_client(uow, name, grant_type, actor="cli", **options)
        uow.commit()
        return client


def register_client(uow, name: str, grant_type: str, *, redirect_uris=(), roles=(), scopes=(),
                    vendor_id: str | None = None, public: bool = False, first_party: bool = False,
                    actor: str | None = None) -> RegisteredClient:
    """Add a client inside the caller's unit of work, audited as ``actor`` (default: the caller)."""
    grant_types = domain.check_grant_type(grant_type, list(redirect_uris), public)
    secret = None if public else domain.new_secret()
    client = OAuthClient(client_id=uuid.uuid4().hex, secret_hash=secret and domain.hash_secret(secret), name=name,
                         first_party=first_party, grant_types=grant_types, redirect_uris=list(redirect_uris),
                         scopes=list(scopes), roles=domain.check_roles(roles), vendor_id=vendor_id,
                         created_at=now())
    uow.session.add(client)
    uow.audit("client.created", "client", client.client_id, actor=actor,
              after={"name": name, "roles": client.roles, "vendor_id": vendor_id, "grant_types": grant_types})
    return RegisteredClient(client.client_id, secret)


def rotate_keys(uow) -> str:
    """A new key signs from now on; the old ones stay in the JWKS until their tokens expired."""
    with uow:
        key = signing_keys.rotate(uow.session)
        uow.audit("signing_key.rotated", "signing_key", key.kid, actor="cli")
        uow.commit()
        return key.kid


def disable_user(uow, user_id: str) -> None:
    """A disabled user gets no new tokens and its refresh tokens stop working at once."""
    with uow:
        uow.session.get(User, user_id).status = "disabled"
        _revoke_refresh_tokens(uow.session, RefreshToken.user_id == user_id)
        uow.audit("user.disabled", "user", user_id, before={"status": "active"}, after={"status": "disabled"})
        uow.commit()


def revoke_client(uow, client_id: str) -> None:
    """A revoked client cannot authenticate any more; its refresh tokens die with it."""
    with uow:
        uow.session.get(OAuthClient, client_id).revoked_at = now()
        _revoke_refresh_tokens(uow.session, RefreshToken.client_id == client_id)
        uow.audit("client.revoked", "client", client_id)
        uow.commit()


def _revoke_refresh_tokens(session, condition) -> None:
    session.execute(update(RefreshToken).where(condition, RefreshToken.revoked_at.is_(None)).values(revoked_at=now()))
