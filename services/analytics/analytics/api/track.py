"""``POST /api/v1/track``: the storefront's batches of page views, product views, adds to cart and checkouts.

Public (no token), limited per client IP (runtime setting ``track_rate_limit_per_minute``, counted in
memory: ``analytics.track_throttle``), a body of at most 64 KB measured before it is parsed, at most
100 events a batch, all validated before any is stored (one bad event refuses the whole batch, 422
naming each bad event by index and field). Obvious bots are answered 202 and dropped. The body is
read as JSON whatever its Content-Type (``navigator.sendBeacon`` sends text/plain). Nothing about the
client (IP, User-Agent) is stored or logged here.
"""
from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from flask import current_app, json, request
from marshmallow import validate

from chassis.app import runtime
from chassis.blueprint import Blueprint
from chassis.errors import Problem
from chassis.modeling import now
from chassis.runtime_settings import RECENT_ENOUGH, current
from analytics.models.traffic import TRACKED_KINDS
from analytics.settings import AnalyticsRuntimeSettings
from analytics.track_rules import (MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, clamped, is_bot, kept_path, referrer_host,
                                   time_problem)
from analytics.track_throttle import FixedWindows, Throttled
from analytics.tracking import Hit, track

WINDOWS_KEY = "analytics.track_windows"
_OPAQUE_ID = validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="8 to 64 letters, digits, '-' or '_'")
_PRODUCT_ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="1 to 64 letters, digits, '-' or '_'")
_PRINTABLE = validate.Regexp(r"^[^\x00-\x1f\x7f]*$", error="control characters are not allowed")
_UTM_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def _recent_enough(occurred_at) -> None:
    problem = time_problem(occurred_at, now())
    if problem:
        raise ma.ValidationError(problem)


def _utm() -> ma.fields.String:
    return ma.fields.String(allow_none=True, validate=[validate.Length(max=100), _PRINTABLE])


class TrackEventSchema(ma.Schema):
    """One front-office event."""

    type = ma.fields.String(required=True, validate=validate.OneOf(TRACKED_KINDS))
    visitor_id = ma.fields.String(required=True, validate=_OPAQUE_ID, metadata={
        "description": "Anonymous, opaque id the storefront keeps for a browser (never an e-mail or user id)"})
    session_id = ma.fields.String(required=True, validate=_OPAQUE_ID)
    occurred_at = ma.fields.AwareDateTime(required=True, validate=_recent_enough, metadata={
        "description": "Client time with offset: at most 24 h old, at most 5 min ahead (then clamped to arrival)"})
    path = ma.fields.String(allow_none=True, validate=[
        validate.Length(max=512),
        validate.Regexp(r"^/[^\x00-\x1f\x7f]*$", error="a path starting with '/', no control characters")],
        metadata={"description": "Required for page_view; query string and fragment are dropped"})
    product_id = ma.fields.String(allow_none=True, validate=_PRODUCT_ID,
                                  metadata={"description": "Required for product_view and add_to_cart"})
    referrer = ma.fields.String(allow_none=True, validate=[validate.Length(max=2048), _PRINTABLE],
                                metadata={"description": "Only its host is kept"})
    utm_source, utm_medium, utm_campaign, utm_term, utm_content = (_utm() for _ in _UTM_TAGS)

    @ma.validates_schema
    def _required_by_type(self, data, **kwargs) -> None:
        if data.get("type") == "page_view" and not data.get("path"):
            raise ma.ValidationError("required for page_view", "path")
        if data.get("type") in ("product_view", "add_to_cart") and not data.get("product_id"):
            raise ma.ValidationError(f"required for {data['type']}", "product_id")


class TrackBatchSchema(ma.Schema):
    events = ma.fields.List(ma.fields.Nested(TrackEventSchema), required=True,
                            validate=validate.Length(min=1, max=MAX_EVENTS_PER_BATCH))


class TrackResultSchema(ma.Schema):
    accepted = ma.fields.Integer(metadata={"description": "Events taken (a resent event is taken and counted once)"})
    dropped = ma.fields.Integer(metadata={"description": "Events ignored (the sender is a bot)"})


_batch_schema = TrackBatchSchema()


def blueprint() -> Blueprint:
    bp = Blueprint("analytics_track", __name__, url_prefix="/api/v1/track",
                   description="Front-office traffic from the storefront (public, rate-limited, no personal data).")
    bp.record_once(lambda state: state.app.extensions.setdefault(WINDOWS_KEY, FixedWindows()))

    @bp.route("", methods=["POST"])
    @Blueprint.documented(bp.arguments(TrackBatchSchema), bp.response(202, TrackResultSchema),
                          bp.alt_response(413, description="Body over 64 KB"),
                          bp.alt_response(429, description="Too many requests from this IP (see Retry-After)"))
    def track_events():
        """Record a batch of 1 to 100 storefront events (no token). All or nothing: one invalid event refuses the
        batch with 422 naming it by index and field; bots (by User-Agent) are answered 202 and dropped."""
        _throttle()
        batch = _validated(_json_body())
        if is_bot(request.user_agent.string):
            return {"accepted": 0, "dropped": len(batch)}, 202
        moment = now()
        track(runtime().uow(), [_hit(event, moment) for event in batch])
        return {"accepted": len(batch), "dropped": 0}, 202

    return bp


def _throttle() -> None:
    with runtime().database.reads() as session:
        limit = current(session, AnalyticsRuntimeSettings, max_age=RECENT_ENOUGH).track_rate_limit_per_minute
    try:
        current_app.extensions[WINDOWS_KEY].take(request.remote_addr or "unknown", limit)
    except Throttled as refusal:
        raise Problem(429, "rate-limited", str(refusal), headers={"Retry-After": str(refusal.retry_after)},
                      limit=refusal.limit) from None


def _json_body():
    """The parsed body; its size is checked on the bytes first (Content-Length, then what was read)."""
    too_large = Problem(413, "payload-too-large", f"a tracking batch is at most {MAX_BODY_BYTES} bytes")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise too_large
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    try:
        return json.loads(body)
    except ValueError:
        raise Problem(400, "bad-request", "the body must be JSON: {\"events\": [...]}") from None


def _validated(body) -> list[dict]:
    if isinstance(body, dict) and isinstance(body.get("events"), list) and len(body["events"]) > MAX_EVENTS_PER_BATCH:
        raise Problem(422, "validation-failed", f"at most {MAX_EVENTS_PER_BATCH} events a batch",
                      errors={"events": [f"at most {MAX_EVENTS_PER_BATCH} events, got {len(body['events'])}"]})
    try:
        return _batch_schema.load(body)["events"]
    except ma.ValidationError as error:
        raise Problem(422, "validation-failed", "the batch did not validate (nothing was stored); see 'errors'",
                      errors=error.messages) from None


def _hit(event: dict, moment) -> Hit:
    path = event.get("path")
    return Hit(kind=event["type"], visitor_id=event["visitor_id"], session_id=event["session_id"],
               occurred_at=clamped(event["occurred_at"].astimezone(timezone.utc), moment),
               path=kept_path(path) if path else None, product_id=event.get("product_id"),
               referrer_host=referrer_host(event.get("referrer")),
               **{tag: event.get(tag) or None for tag in _UTM_TAGS})
