"""Paging SQLAlchemy selects with flask-smorest (its built-in Page slices lists), and the ``id`` filter of lists."""
from __future__ import annotations

import marshmallow as ma
from flask import g
from flask_smorest import Page
from sqlalchemy import Connection, func, select
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
    """``@blp.paginate(SelectPage)`` over a view returning a ``select()`` of columns (not ORM entities).

    Run on the session's connection: the ORM's execution path adds nothing to a
    select of columns but its cost, which on a list endpoint is a good part of the request.
    """

    @property
    def items(self):
        if self.page_params.first_item >= self.page_params.item_count:
            # Past the last page (counted first, in __init__): nothing to read, and an OFFSET past
            # the database's integers would be a 500.
            return []
        query = self.collection.offset(self.page_params.first_item).limit(self.page_params.page_size)
        return request_connection().execute(query).mappings().all()

    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return request_connection().execute(counted).scalar_one()


# flask-smorest's largest page: every id asked for fits in one page of the answer.
MAX_IDS = 100


def ids_filter() -> ma.fields.List:
    """A list's repeatable ``id`` query parameter (``?id=a&id=b``): only those rows, at most ``MAX_IDS`` ids (422 past).

    Lets a page of ids be named in one call rather than one call per id; ids the caller may not
    read, or that do not exist, are simply absent from the answer.
    """
    return ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)),
                          validate=ma.validate.Length(min=1, max=MAX_IDS),
                          metadata={"description": f"Only these ids (repeat the parameter, at most {MAX_IDS}); "
                                                   "ids not found or not visible are left out"})


def request_connection() -> Connection:
    """The request's read session's connection, for Core statements."""
    return request_session().connection()
