"""Idempotency keys for POSTs that create money or orders (contract in DESIGN.md).

Per (caller, key): the first request's fingerprint and response are stored;
the same key with the same request replays that response, with another
request answers 422, while the first is still running answers 409. Keys live
``idempotency_retention_hours`` (24 h by default). The key is reserved in its
own short transaction before the handler runs, so concurrent retries see it.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import timedelta
from typing import Any, Callable

from flask import Response, make_response, request
from sqlalchemy import delete, select, update
from werkzeug.exceptions import HTTPException

from chassis.errors import Problem, http_exception_response
from chassis.events.envelope import utcnow
from chassis.tables import idempotency_keys

HEADER = "Idempotency-Key"
IN_FLIGHT_LOCK = timedelta(seconds=60)
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")
MAX_KEY_LENGTH = 200


def fingerprint() -> str:
    """What makes two requests 'the same': method, path, query and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def idempotent(*, required: bool = True) -> Callable:
    """Decorate a view to honour ``Idempotency-Key``.

    Put it *under* the auth decorator, so auth runs first::

        @require_auth(roles=["customer"])
        @idempotent()
        def post(...): ...

    Then a refused caller never reserves a key, and a replay is only ever
    served to a caller who passes the view's checks today. (Keys are owned by
    the token's client and subject either way: the other order no longer
    mixes callers up, but it reserves keys before auth has said no.)
    With ``required=False`` a request without the header simply runs.
    """
    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            key = request.headers.get(HEADER)
            if not key:
                if required:
                    raise Problem(400, "idempotency-key-missing", f"the {HEADER} header is required for this request")
                return make_response(view(*args, **kwargs))
            if len(key) > MAX_KEY_LENGTH:
                raise Problem(400, "idempotency-key-invalid", f"{HEADER} is longer than {MAX_KEY_LENGTH} characters")
            return _run_once(_caller(), key, lambda: make_response(view(*args, **kwargs)))
        return wrapper
    return decorate


def _caller() -> str:
    """Who owns the key. Authenticates the token itself (cached per request) rather than trusting
    that auth already ran: keyed before auth, every caller looked 'anonymous' and got each other's replays."""
    from chassis.auth.flask import authenticate_request
    if request.headers.get("Authorization"):
        who = authenticate_request()
        return f"{who.client_id}:{who.subject}"
    return f"anonymous:{request.remote_addr}"


def _engine():
    from chassis.app import runtime
    return runtime().database.engine


def _run_once(caller: str, key: str, produce: Callable[[], Response]) -> Response:
    print_ = fingerprint()
    stored = _reserve(caller, key, print_)
    if stored is not None:
        return stored
    try:
        response = produce()
    except HTTPException as refusal:
        if (refusal.code or 500) >= 500:
            _forget(caller, key)
            raise
        response = http_exception_response(refusal)  # a refusal is an answer: replay it like a returned one
    except Exception:
        _forget(caller, key)
        raise
    if response.status_code >= 500:
        _forget(caller, key)  # a server failure is not an answer worth replaying
    else:
        _complete(caller, key, response)
    return response


def _reserve(caller: str, key: str, print_: str) -> Response | None:
    """Take the key, or return what the earlier request answered (or raise 409/422).

    One ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` in its own short transaction: a
    concurrent request with the same key waits on the unique index and then gets nothing back.
    """
    now = utcnow()
    with _engine().begin() as connection:
        taken = connection.execute(_insert_key(connection.dialect.name), dict(
            caller=caller, key=key, fingerprint=print_, state="in_flight", created_at=now,
            locked_until=now + IN_FLIGHT_LOCK, expires_at=now + _retention())).first()
        if taken is not None:
            return None
        row = connection.execute(select(idempotency_keys).where(idempotency_keys.c.caller == caller,
                                                                idempotency_keys.c.key == key)).mappings().first()
    if row is None:  # forgotten between the two statements: try again
        return _reserve(caller, key, print_)
    if _aware(row["expires_at"]) < now:  # past retention: the key is free again
        _forget(caller, key)
        return _reserve(caller, key, print_)
    return _answer_for_existing(row, print_, caller, key)


@functools.cache
def _insert_key(dialect: str):
    from sqlalchemy.dialects import postgresql, sqlite
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (dialect_insert(idempotency_keys).on_conflict_do_nothing(index_elements=["caller", "key"])
            .returning(idempotency_keys.c.id))


def _answer_for_existing(row, print_: str, caller: str, key: str) -> Response | None:
    if row["fingerprint"] != print_:
        raise Problem(422, "idempotency-key-reused", f"this {HEADER} was used for a different request")
    if row["state"] == "completed":
        response = Response(row["response_body"], status=row["response_status"])
        for name, value in (row["response_headers"] or {}).items():
            response.headers[name] = value
        response.headers["Idempotent-Replayed"] = "true"
        return response
    if row["locked_until"] and _aware(row["locked_until"]) > utcnow():
        raise Problem(409, "idempotency-key-in-flight", "a request with this key is still being processed; retry later",
                      headers={"Retry-After": "1"})
    _forget(caller, key)  # the first attempt died mid-way: let this one run
    return _reserve(caller, key, print_)


def _aware(moment):
    from datetime import timezone
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _complete(caller: str, key: str, response: Response) -> None:
    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    with _engine().begin() as connection:
        connection.execute(update(idempotency_keys).where(idempotency_keys.c.caller == caller,
                                                          idempotency_keys.c.key == key)
                           .values(state="completed", response_status=response.status_code, response_headers=headers,
                                   response_body=response.get_data(as_text=True), locked_until=None))


def _forget(caller: str, key: str) -> None:
    with _engine().begin() as connection:
        connection.execute(delete(idempotency_keys).where(idempotency_keys.c.caller == caller,
                                                          idempotency_keys.c.key == key))


def _retention() -> timedelta:
    from chassis.app import runtime
    return timedelta(hours=runtime().settings.idempotency_retention_hours)


def purge_expired(sessions) -> int:
    """Delete keys past their retention (run by the worker's sweeper)."""
    with sessions() as session, session.begin():
        return session.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at < utcnow())).rowcount
