"""POST /api/v1/track: public, all or nothing, size and batch limits, bots dropped, no IP stored, rate-limited."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select, text

from analytics.api.track import WINDOWS_KEY
from analytics.models.traffic import TrackedEvent, TrafficDay, TrafficSession, VisitorDay
from analytics.settings import AnalyticsRuntimeSettings

TRACK = "/api/v1/track"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
CLIENT_IP = "203.0.113.77"


def event(kind="page_view", *, visitor="visitor-0001", session="session-0001", at=None, **fields) -> dict:
    at = at or datetime.now(timezone.utc) - timedelta(minutes=1)
    body = {"type": kind, "visitor_id": visitor, "session_id": session, "occurred_at": at.isoformat(), "path": "/"}
    if kind in ("product_view", "add_to_cart"):
        body["product_id"] = "prod-1"
    return {**body, **fields}


def send(client, events, *, user_agent=BROWSER, ip=CLIENT_IP, **kwargs):
    body = kwargs.pop("data", None) or json.dumps({"events": events})
    headers = kwargs.pop("headers", None) or {"User-Agent": user_agent}
    return client.post(TRACK, data=body, content_type="application/json", headers=headers,
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def stored_events(uow) -> int:
    with uow:
        return uow.session.scalar(select(func.count()).select_from(TrackedEvent))


def test_a_batch_is_taken_without_a_token(client, uow):
    response = send(client, [event(), event("product_view"), event("add_to_cart"), event("checkout_started")])

    assert response.status_code == 202
    assert response.get_json() == {"accepted": 4, "dropped": 0}
    assert stored_events(uow) == 4


def test_a_bad_batch_is_refused_naming_each_bad_event_and_nothing_is_stored(client, uow):
    old = datetime.now(timezone.utc) - timedelta(days=2)
    response = send(client, [event(), event("product_view", product_id=None), event(visitor="x"),
                             event(at=old), event("teleport"), event(path="no-slash")])

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]["events"]
    assert errors == {"1": {"product_id": ["required for product_view"]},
                      "2": {"visitor_id": ["8 to 64 letters, digits, '-' or '_'"]},
                      "3": {"occurred_at": ["more than 24 hours in the past"]},
                      "4": {"type": ["Must be one of: page_view, product_view, add_to_cart, checkout_started."]},
                      "5": {"path": ["a path starting with '/', no control characters"]}}
    assert stored_events(uow) == 0


def test_an_event_far_in_the_future_is_refused_and_one_slightly_ahead_is_clamped(client, uow):
    refused = send(client, [event(at=datetime.now(timezone.utc) + timedelta(minutes=30))])
    accepted = send(client, [event(at=datetime.now(timezone.utc) + timedelta(minutes=2))])

    assert refused.status_code == 422 and list(refused.get_json()["errors"]["events"]["0"]) == ["occurred_at"]
    assert accepted.status_code == 202
    with uow:
        stored = uow.session.scalar(select(TrackedEvent.occurred_at))
    assert stored.replace(tzinfo=timezone.utc) <= datetime.now(timezone.utc)


def test_a_body_over_64_kb_is_refused_before_it_is_parsed(client, uow):
    response = send(client, [], data=b"{" + b" " * (64 * 1024) + b"}")

    assert response.status_code == 413
    assert response.get_json()["type"] == "urn:marketplace:problem:payload-too-large"
    assert stored_events(uow) == 0


def test_more_than_100_events_are_refused(client, uow):
    response = send(client, [event(session=f"session-{n:04d}") for n in range(101)])

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"events": ["at most 100 events, got 101"]}
    assert stored_events(uow) == 0


def test_100_events_are_taken(client, uow):
    assert send(client, [event(path=f"/p/{n}") for n in range(100)]).get_json() == {"accepted": 100, "dropped": 0}


@pytest.mark.parametrize("user_agent", ["Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.5.0",
                                        "python-requests/2.32", "Mozilla/5.0 HeadlessChrome/120.0", "Wget/1.21", ""])
def test_obvious_bots_are_answered_and_dropped(client, uow, user_agent):
    response = send(client, [event(), event("product_view")], user_agent=user_agent)

    assert response.status_code == 202
    assert response.get_json() == {"accepted": 0, "dropped": 2}
    assert stored_events(uow) == 0


def test_no_ip_address_nor_user_agent_is_stored_in_any_column(client, uow):
    send(client, [event(referrer="https://search.example/q?email=me@example.com", utm_source="news"),
                  event("product_view", path="/p/1?token=secret#top")])

    with uow:
        connection = uow.session.connection()
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                cells = " ".join(str(cell) for cell in row)
                assert CLIENT_IP not in cells and "Mozilla" not in cells and "Chrome" not in cells, table
                assert "secret" not in cells and "me@example.com" not in cells, table
        session = connection.execute(select(TrafficSession.referrer_host, TrafficSession.utm_source)).one()
        assert tuple(session) == ("search.example", "news")
        assert set(connection.scalars(select(TrackedEvent.path))) == {"/", "/p/1"}


def test_the_rate_limit_refuses_with_retry_after_then_resets_the_next_minute(client, app, uow):
    with uow:
        from chassis.runtime_settings import change
        change(uow, AnalyticsRuntimeSettings, {"track_rate_limit_per_minute": 2}, reason="test")
        uow.commit()
    clock = [600.0 * 1000 + 10]  # 10 s into a minute
    app.extensions[WINDOWS_KEY].clock = lambda: clock[0]

    statuses = [send(client, [event()]).status_code for _ in range(3)]
    refused = send(client, [event()])
    other_ip = send(client, [event()], ip="198.51.100.1")
    clock[0] += 50  # the next minute
    again = send(client, [event()])

    assert statuses == [202, 202, 429]
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "50"
    assert refused.get_json()["type"] == "urn:marketplace:problem:rate-limited"
    assert other_ip.status_code == 202
    assert again.status_code == 202


def test_sessions_visitors_and_page_views_count_duplicates_across_batches_once(client, uow):
    at = (datetime.now(timezone.utc) - timedelta(hours=12)).replace(minute=0, second=0, microsecond=0)
    first = [event(at=at, path="/"), event(at=at + timedelta(seconds=5), path="/a")]
    send(client, first)
    send(client, first)  # the storefront resent the batch
    send(client, [event(at=at + timedelta(seconds=9), path="/b"),  # same visit, later
                  event(at=at + timedelta(seconds=9), session="session-0002", path="/"),  # same visitor, new visit
                  event(at=at, visitor="visitor-0002", session="session-0003")])  # another visitor

    with uow:
        days = {row.day: (row.visits, row.page_views, row.unique_visitors) for row in uow.session.scalars(select(TrafficDay))}
        sessions = {row.session_id: row.page_views for row in uow.session.scalars(select(TrafficSession))}
        visitor_days = uow.session.scalar(select(func.count()).select_from(VisitorDay))
    assert days == {at.date(): (3, 5, 2)}
    assert visitor_days == 2
    assert sessions == {"session-0001": 3, "session-0002": 1, "session-0003": 1}
    assert stored_events(uow) == 5


def test_behind_the_gateway_each_forwarded_client_is_limited_apart(client, app, uow):
    with uow:
        from chassis.runtime_settings import change
        change(uow, AnalyticsRuntimeSettings, {"track_rate_limit_per_minute": 1}, reason="test")
        uow.commit()
    app.extensions[WINDOWS_KEY].clock = lambda: 600.0 * 1000 + 10  # one minute throughout, whatever the real time

    def from_gateway(client_ip: str) -> int:
        return send(client, [event()], ip="127.0.0.1", headers={"User-Agent": BROWSER,
                                                               "X-Forwarded-For": client_ip}).status_code
    assert [from_gateway("203.0.113.1"), from_gateway("203.0.113.2"), from_gateway("203.0.113.1")] == [202, 202, 429]


def test_concurrent_batches_of_one_visit_count_it_once(app, uow):
    from concurrent.futures import ThreadPoolExecutor
    at = (datetime.now(timezone.utc) - timedelta(hours=12)).replace(minute=0, second=0, microsecond=0)

    def batch(n: int) -> int:
        return send(app.test_client(), [event(at=at + timedelta(seconds=n), path=f"/{n}"),
                                        event("product_view", at=at + timedelta(seconds=n, milliseconds=1))]).status_code
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(batch, range(12)))

    with uow:
        day = uow.session.get(TrafficDay, at.date())
        counts = (day.visits, day.page_views, day.unique_visitors, day.product_views, day.sessions_with_product_view)
    assert statuses == [202] * 12
    assert counts == (1, 12, 1, 12, 1)


def test_a_body_that_is_not_json_is_a_bad_request(client, uow):
    response = send(client, [], data=b"events=1")

    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_unknown_fields_and_a_page_view_without_path_are_refused(client, uow):
    response = send(client, [event(email="me@example.com"), event(path=None)])

    assert response.status_code == 422
    assert response.get_json()["errors"]["events"] == {"0": {"email": ["Unknown field."]},
                                                       "1": {"path": ["required for page_view"]}}
    assert stored_events(uow) == 0


def test_a_beacon_sent_as_text_plain_is_taken(client, uow):
    response = client.post(TRACK, data=json.dumps({"events": [event()]}), content_type="text/plain;charset=UTF-8",
                           headers={"User-Agent": BROWSER})

    assert response.status_code == 202 and stored_events(uow) == 1


def test_the_endpoint_logs_neither_the_client_address_nor_the_body(client, caplog):
    import logging
    caplog.set_level(logging.DEBUG)

    send(client, [event(visitor="visitor-secret-42")])
    send(client, [event(visitor="x")])  # refused: its problem is not logged with the body either

    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "POST /api/v1/track 202" in logged
    assert CLIENT_IP not in logged and "visitor-secret-42" not in logged and "Mozilla" not in logged
