"""Each service's audit log (``/api/v1/<service>/audit``), for operators: who changed what, and why.

Filters go to the API as they are; times are typed in the console's time zone (CONSOLE_TIMEZONE),
the one every time is shown in.
"""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_babel import gettext as _

from console import web
from console.views.settings import SERVICES

TEXT_FILTERS = ("action", "actor", "target_type", "target_id")
TIME_FILTERS = ("since", "until")


class BadTime(ValueError):
    pass


def register(bp) -> None:
    bp.route("/audit")(web.signed_in("operator")(audit_log))


def audit_log():
    service = request.args.get("service") if request.args.get("service") in SERVICES else SERVICES[0]
    filters = {name: request.args.get(name, "").strip() for name in TEXT_FILTERS + TIME_FILTERS}
    try:
        times = {name: api_time(filters[name]) for name in TIME_FILTERS}
    except BadTime as error:
        return render_template("audit.html", service=service, services=SERVICES, filters=filters, page=None,
                               problem=_("%(field)s is not a date and time.", field=str(error))), 422
    page = web.listed(f"/api/v1/{service}/audit", **{name: filters[name] for name in TEXT_FILTERS}, **times)
    kept = {name: value for name, value in filters.items() if value}  # for the pager's links
    return render_template("audit.html", service=service, services=SERVICES, filters=filters, page=page,
                           problem=None, changes=changes, kept=kept)


def api_time(typed: str) -> str | None:
    """A ``datetime-local`` value (``2026-11-28T10:00``) as the aware ISO 8601 time the API needs."""
    if not typed:
        return None
    try:
        moment = datetime.fromisoformat(typed)
    except ValueError:
        raise BadTime(typed) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(web.settings().timezone))).isoformat()


def changes(before, after) -> list[tuple[str, str, str, bool]]:
    """``(field, before, after, changed)`` rows of an entry's before/after documents, field by field."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return [("", shown(before), shown(after), before != after)] if before is not None or after is not None else []
    before, after = before if isinstance(before, dict) else {}, after if isinstance(after, dict) else {}
    fields = list(before) + [name for name in after if name not in before]
    return [(name, shown(before.get(name)), shown(after.get(name)), before.get(name) != after.get(name))
            for name in fields]


def shown(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
