"""A service's own configuration resource: typed, validated, audited, announced.

Each service declares a pydantic model with defaults; operators change values
at ``/api/v1/<service>/settings``. Stored values override defaults; every
change is audited and published as ``settings.changed``.
"""
from __future__ import annotations

import hashlib
import json
import time
from typing import Any, TypeVar

from flask import request
from flask.views import MethodView
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chassis import context
from chassis.actors import event_actor
from chassis.audit import audit_reason
from chassis.blueprint import Blueprint
from chassis.db import serialize
from chassis.errors import Problem
from chassis.events.envelope import utcnow
from chassis.permissions import operator_read, operator_write
from chassis.tables import service_settings

ModelT = TypeVar("ModelT", bound=BaseModel)
# How stale settings a hot path (an event handler, a payment) may read: another process's change
# reaches it at most this many seconds late.
RECENT_ENOUGH = 5.0


def current(session: Session, model: type[ModelT], *, max_age: float = 0.0) -> ModelT:
    """Effective settings: stored values over the model's defaults.

    With ``max_age`` (seconds), a value this process read that recently is reused: hot paths (an
    event handler, a payment) then skip a query, and another process's change reaches them at most
    that late. A change made by this process is seen at once.
    """
    if max_age <= 0:
        return _read(session, model)
    key = (str(session.get_bind().url), model)
    cached = _recent.get(key)
    if cached is not None and time.monotonic() - cached[0] < max_age:
        return cached[1]
    values = _read(session, model)
    _recent[key] = (time.monotonic(), values)
    return values


# (database URL, model) -> (when read, values): settings read recently by this process.
_recent: dict[tuple[str, type], tuple[float, BaseModel]] = {}


def _read(session: Session, model: type[ModelT]) -> ModelT:
    stored = {key: value for key, value in session.execute(select(service_settings.c.key, service_settings.c.value))
              if key in model.model_fields}
    return model(**stored)


def change(uow, model: type[ModelT], changes: dict[str, Any], reason: str | None) -> ModelT:
    """Validate and store ``changes``, audit them and publish ``settings.changed``."""
    _serialize_changes(uow.session)
    before = current(uow.session, model)
    try:
        # Strict JSON validation: lax mode took true for 1 and "off" for False.
        after = model.model_validate_json(json.dumps({**before.model_dump(mode="json"), **changes}), strict=True)
    except ValidationError as error:
        raise Problem(422, "validation-failed", "invalid settings",
                      errors={".".join(map(str, e["loc"])): [e["msg"]] for e in error.errors()}) from None
    diff = _diff(before.model_dump(mode="json"), after.model_dump(mode="json"))
    if diff:
        _recent.clear()
        _store(uow.session, {key: values["after"] for key, values in diff.items()})
        uow.audit("settings.changed", "settings", uow.service, reason=reason,
                  before={k: v["before"] for k, v in diff.items()}, after={k: v["after"] for k, v in diff.items()})
        uow.publish("settings.changed", {"service": uow.service, "changed": diff, "actor": event_actor()})
    return after


def _serialize_changes(session: Session) -> None:
    """One settings change at a time, so two PATCHes holding the same ETag cannot both pass If-Match."""
    serialize(session, "chassis.settings")


def _diff(before: dict, after: dict) -> dict[str, dict[str, Any]]:
    return {key: {"before": before[key], "after": after[key]} for key in after if before.get(key) != after[key]}


def _store(session: Session, values: dict[str, Any]) -> None:
    actor = getattr(context.principal(), "subject", None) or "system"
    for key, value in values.items():
        row = {"value": value, "updated_at": utcnow(), "updated_by": actor}
        updated = session.execute(service_settings.update().where(service_settings.c.key == key).values(**row))
        if updated.rowcount == 0:
            session.execute(service_settings.insert().values(key=key, **row))


def etag_of(values: BaseModel) -> str:
    digest = hashlib.sha256(json.dumps(values.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'


def settings_blueprint(definition) -> Blueprint:
    model = definition.runtime_settings
    blueprint = Blueprint(f"{definition.name}_settings", __name__, url_prefix=f"/api/v1/{definition.name}/settings",
                          description="This service's configuration (operators only; changes are audited).")
    schema_doc = {"content": {"application/json": {"schema": model.model_json_schema()}}}

    @blueprint.route("")
    class Settings(MethodView):
        @operator_read()
        @blueprint.doc(security=[{"bearerAuth": []}], responses={"200": {"description": "Effective settings",
                                                                          **schema_doc}})
        def get(self):
            """Read the effective settings (ETag for conditional updates)."""
            from chassis.app import runtime
            with runtime().database.reads() as session:
                values = current(session, model)
            return values.model_dump(mode="json"), 200, {"ETag": etag_of(values)}

        @operator_write()
        @blueprint.doc(security=[{"bearerAuth": []}], requestBody={"required": True, **schema_doc},
                       responses={"200": {"description": "Settings after the change", **schema_doc}})
        def patch(self):
            """Change some settings. Send `If-Match` with the ETag to refuse lost updates, `X-Audit-Reason` to say why."""
            changes = request.get_json(silent=True)
            if not isinstance(changes, dict) or not changes:
                raise Problem(400, "bad-request", "the body must be a JSON object of settings to change")
            unknown = sorted(set(changes) - set(model.model_fields))
            if unknown:
                raise Problem(422, "validation-failed", "unknown settings",
                              errors={key: ["unknown setting"] for key in unknown})
            return _patch(model, changes, definition.name)

    return blueprint


def _patch(model, changes: dict, service: str):
    from chassis.app import runtime
    with runtime().uow() as uow:
        _serialize_changes(uow.session)  # before reading what If-Match compares with
        # werkzeug parses If-Match (lists, "*", weak tags); a plain string compare refused valid ones.
        if request.if_match and not request.if_match.contains(etag_of(current(uow.session, model)).strip('"')):
            raise Problem(412, "precondition-failed", "settings changed since you read them; reload and retry")
        after = change(uow, model, changes, reason=audit_reason(request.headers))
        uow.commit()
    return after.model_dump(mode="json"), 200, {"ETag": etag_of(after)}
