"""Audit log API: operators query who did what (the writes go through ``UnitOfWork.audit``)."""
from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import select

from chassis.blueprint import Blueprint
from chassis.pagination import SelectPage, close_request_session
from chassis.permissions import operator_read
from chassis.tables import audit_log


class UtcDateTime(ma.fields.DateTime):
    """SQLite gives stored UTC times back without their zone; say UTC, as PostgreSQL does."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class AuditEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    occurred_at = UtcDateTime()
    actor = ma.fields.String()
    actor_roles = ma.fields.String()
    action = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    request_id = ma.fields.String(allow_none=True)


class AuditQuerySchema(ma.Schema):
    action = ma.fields.String()
    actor = ma.fields.String()
    target_type = ma.fields.String()
    target_id = ma.fields.String()
    since = ma.fields.AwareDateTime(default_timezone=None)
    until = ma.fields.AwareDateTime(default_timezone=None)


def audit_reason(headers) -> str | None:
    """Why a change was made, from ``X-Audit-Reason``: UTF-8 text, which HTTP carries as raw bytes.

    The WSGI server hands header bytes over as Latin-1 characters; read them back as UTF-8 so "€"
    or "é" arrive whole, and keep the Latin-1 reading for a client that sent Latin-1 bytes.
    """
    value = headers.get("X-Audit-Reason")
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def audit_query(filters: dict):
    """Newest first, narrowed by the given filters."""
    query = select(audit_log).order_by(audit_log.c.id.desc())
    for name in ("action", "actor", "target_type", "target_id"):
        if name in filters:
            query = query.where(audit_log.c[name] == filters[name])
    # SQLite stores times as UTC text without an offset, so bounds must be in UTC too.
    if "since" in filters:
        query = query.where(audit_log.c.occurred_at >= filters["since"].astimezone(timezone.utc))
    if "until" in filters:
        query = query.where(audit_log.c.occurred_at < filters["until"].astimezone(timezone.utc))
    return query


def audit_blueprint(definition) -> Blueprint:
    blueprint = Blueprint(f"{definition.name}_audit", __name__, url_prefix=f"/api/v1/{definition.name}/audit",
                          description="Who changed what in this service (operators only).")
    blueprint.teardown_request(close_request_session)

    @blueprint.route("")
    class AuditLog(MethodView):
        @operator_read()
        @blueprint.arguments(AuditQuerySchema, location="query")
        @blueprint.response(200, AuditEntrySchema(many=True))
        @blueprint.paginate(SelectPage)
        @blueprint.doc(security=[{"bearerAuth": []}])
        def get(self, filters):
            """List audit entries, newest first."""
            return audit_query(filters)

    return blueprint
