"""Who acted, in the shape every event's ``actor`` field takes (see contracts)."""
from __future__ import annotations

from typing import Any

from chassis import context


def event_actor() -> dict[str, Any]:
    """The caller of the current request or event as ``{kind: user|client|system, id, roles}``."""
    from chassis.auth.principal import ROLES, Principal
    who = context.principal()
    if not isinstance(who, Principal):
        return {"kind": "system", "id": None}
    roles = sorted(ROLES & who.roles)  # the contract knows only platform roles, not admin/support
    if who.is_service:
        return {"kind": "client", "id": who.client_id, "roles": roles}
    return {"kind": "user", "id": who.subject, "roles": roles}
