"""A vendor's own API clients (registration itself is ``identity.handlers.register_client``)."""
from __future__ import annotations

from identity import domain
from identity.handlers import RegisteredClient, register_client
from identity.models import OAuthClient
from identity.vendors.domain import Conflict, NotFound
from identity.vendors.handlers import existing_vendor


def create_vendor_client(uow, vendor_id: str, name: str) -> RegisteredClient:
    """A client_credentials client acting for the vendor: tokens carry role ``vendor`` and its id."""
    with uow:
        existing_vendor(uow.session, vendor_id)
        client = register_client(uow, name, "client_credentials", roles=["vendor"], vendor_id=vendor_id)
        uow.commit()
        return client


def rotate_client_secret(uow, client_id: str, vendor_id: str | None = None,
                         reason: str | None = None) -> RegisteredClient:
    """A new secret, shown once; the old one stops working at once (a client of ``vendor_id`` when given)."""
    with uow:
        client = _client(uow.session, client_id, vendor_id)
        if client.is_public or client.revoked_at is not None:
            raise Conflict("only an active confidential client has a secret to rotate")
        secret = domain.new_secret()
        client.secret_hash = domain.hash_secret(secret)
        uow.audit("client.secret_rotated", "client", client_id, reason=reason)
        uow.commit()
        return RegisteredClient(client_id, secret)


def revoke_client(uow, client_id: str, vendor_id: str | None = None) -> None:
    """Revoke a client (of ``vendor_id`` when given) with identity's own ``revoke_client``."""
    from identity import handlers
    with uow:
        client = _client(uow.session, client_id, vendor_id)
        if client.revoked_at is not None:
            raise Conflict("the client is already revoked")
        handlers.revoke_client(uow, client_id)
        uow.commit()


def _client(session, client_id: str, vendor_id: str | None) -> OAuthClient:
    client = session.get(OAuthClient, client_id)
    if client is None or (vendor_id is not None and client.vendor_id != vendor_id):
        raise NotFound("no such client")
    return client
