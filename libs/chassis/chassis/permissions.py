"""Who may do what, in the vocabulary every service shares.

Roles (DESIGN.md): ``operator``, ``vendor``, ``customer``, ``service``.
Operators are further ``admin`` (may write) or ``support`` (read-only).
"""
from __future__ import annotations

from chassis.auth.flask import require_auth

OPERATOR = "operator"
ADMIN = "admin"


def operator_read():
    """Decorator: any operator (admin or support)."""
    return require_auth(roles=(OPERATOR,))


def operator_write():
    """Decorator: operators allowed to change things (admin)."""
    return require_auth(roles=(OPERATOR, ADMIN), any_role=False)
