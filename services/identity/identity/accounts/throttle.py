"""Counting attempts in the database, so every gunicorn worker and process shares the limits."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from identity.accounts import policy
from identity.accounts.errors import Throttled
from identity.models import LoginAttempt, ThrottleHit
from identity.models.base import now, utc

HOUR = timedelta(hours=1)
# A password still being checked counts: parallel guesses cannot outrun the limit.
COUNTED_AS_FAILURES = ("failed", "checking")


def take(uow, bucket: str, key: str, limit: int, window: timedelta = HOUR) -> None:
    """Count one request of ``key`` (an IP) in ``bucket``, in its own transaction; Throttled past ``limit``.

    Committed apart from the use case, so refused or failing requests count too.
    """
    with uow:
        moment = now()
        session = uow.session
        session.execute(delete(ThrottleHit).where(ThrottleHit.bucket == bucket, ThrottleHit.key == key,
                                                  ThrottleHit.occurred_at <= moment - window))
        times = [utc(at) for at in session.scalars(select(ThrottleHit.occurred_at).where(
            ThrottleHit.bucket == bucket, ThrottleHit.key == key))]
        wait = policy.retry_after(times, limit, window, moment)
        if wait is None:
            session.add(ThrottleHit(bucket=bucket, key=key, occurred_at=moment))
        uow.commit()
    if wait is not None:
        raise Throttled(wait)


def login_retry_after(session, email: str, ip: str, settings, moment: datetime) -> int | None:
    """Seconds this account (or this IP) must wait before trying to log in again, or None."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    since = moment - window
    last_success = session.scalar(select(func.max(LoginAttempt.occurred_at)).where(
        LoginAttempt.email == email, LoginAttempt.outcome == "succeeded", LoginAttempt.occurred_at > since))
    account = _failures(session, LoginAttempt.email == email, max(utc(last_success) or since, since))
    by_ip = _failures(session, LoginAttempt.ip == ip, since)
    waits = [policy.retry_after(account, settings.login_max_failures, window, moment),
             policy.retry_after(by_ip, settings.login_max_failures_per_ip, window, moment)]
    return max((wait for wait in waits if wait is not None), default=None)


def _failures(session, who, since: datetime) -> list[datetime]:
    return [utc(at) for at in session.scalars(select(LoginAttempt.occurred_at).where(
        who, LoginAttempt.outcome.in_(COUNTED_AS_FAILURES), LoginAttempt.occurred_at > since))]


def record_attempt(session, email: str, user_id: str | None, ip: str, outcome: str) -> LoginAttempt:
    attempt = LoginAttempt(email=email, user_id=user_id, ip=ip, outcome=outcome, occurred_at=now())
    session.add(attempt)
    return attempt
