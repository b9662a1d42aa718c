"""Paging SQLAlchemy selects with flask-smorest (its built-in Page slices lists)."""
from __future__ import annotations

from flask import g
from flask_smorest import Page
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def request_session() -> Session:
    """A read session living until the end of the request (pagination reads after the view returns)."""
    session = g.get("chassis_read_session")
    if session is None:
        from chassis.app import runtime
        session = g.chassis_read_session = runtime().database.reads()
    return session


def close_request_session(_exc=None) -> None:
    session = g.pop("chassis_read_session", None)
    if session is not None:
        session.close()


class SelectPage(Page):
    """``@blp.paginate(SelectPage)`` over a view returning a ``select()``."""

    @property
    def items(self):
        query = self.collection.offset(self.page_params.first_item).limit(self.page_params.page_size)
        return request_session().execute(query).mappings().all()

    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return request_session().execute(counted).scalar_one()
