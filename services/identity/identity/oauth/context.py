"""The unit of work an OAuth2 request runs in (authlib's callbacks take no session argument)."""
from __future__ import annotations

from typing import Callable, TypeVar

from flask import current_app, g
from sqlalchemy.orm import Session

from chassis.app import runtime

T = TypeVar("T")


def session() -> Session:
    return g.identity_uow.session


def server():
    return current_app.extensions["identity.authorization_server"]


def in_unit_of_work(action: Callable[[], T]) -> T:
    """Run an authlib endpoint in one transaction, committed even when it answers an error.

    Errors only write deliberate changes (a reused refresh token revokes its family).
    """
    with runtime().uow() as uow:
        g.identity_uow = uow
        try:
            result = action()
            uow.commit()
            return result
        finally:
            g.pop("identity_uow", None)
