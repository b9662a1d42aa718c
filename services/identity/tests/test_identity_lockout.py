"""Brute force: at most 10 failed logins per account per 15 minutes, a per-IP limit, every attempt audited."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from chassis.tables import audit_log
from identity.models import LoginAttempt
from identity.testing import PASSWORD, change_runtime_settings

WRONG = "not the password"


def fail(world, times: int, email: str = "ada@example.com") -> None:
    for _ in range(times):
        assert world.log_in(email=email, password=WRONG).status_code == 401


def audited(world, action: str) -> list[dict]:
    with world.uow() as uow:
        rows = uow.session.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id))
        return [dict(row._mapping) for row in rows]


def test_the_eleventh_failed_login_is_refused_with_retry_after_and_audited(world):
    world.user()
    fail(world, 10)
    response = world.log_in(password=WRONG)
    assert response.status_code == 429 and "Too many failed attempts" in response.text
    assert 0 < int(response.headers["Retry-After"]) <= 900
    locked, = audited(world, "login.locked")
    assert (locked["after"]["email"], locked["after"]["ip"]) == ("ada@example.com", "127.0.0.1")


def test_the_right_password_is_refused_too_during_the_lockout(world):
    world.user()
    fail(world, 10)
    assert world.log_in().status_code == 429


def test_the_lock_ends_when_the_failures_leave_the_window(world):
    world.user()
    fail(world, 10)
    with world.uow() as uow:
        uow.session.execute(update(LoginAttempt).values(occurred_at=LoginAttempt.occurred_at - timedelta(minutes=15)))
        uow.commit()
    assert world.log_in().status_code == 302


def test_a_successful_login_starts_the_count_again(world):
    world.user()
    fail(world, 9)
    assert world.log_in().status_code == 302
    fail(world, 9)
    assert world.log_in().status_code == 302


def test_every_attempt_is_audited_with_email_and_ip_but_never_the_password(world):
    user_id = world.user()
    fail(world, 1)
    world.log_in(email="nobody@example.com", password=WRONG)
    world.log_in()
    failed_known, failed_unknown = audited(world, "login.failed")
    succeeded, = audited(world, "login.succeeded")
    assert (failed_known["target_id"], failed_known["after"]) == (
        user_id, {"email": "ada@example.com", "ip": "127.0.0.1", "step": "password"})
    assert (failed_unknown["actor"], failed_unknown["target_id"]) == ("anonymous", "nobody@example.com")
    assert (succeeded["actor"], succeeded["after"]["method"]) == (user_id, "password")
    assert WRONG not in str(audited(world, "login.failed")) and PASSWORD not in str(succeeded)


def test_failed_logins_are_limited_per_ip_address_across_accounts(world):
    change_runtime_settings(world, login_max_failures_per_ip=10)
    world.user()
    for n in range(10):
        fail(world, 1, email=f"guess{n}@example.com")
    assert world.log_in().status_code == 429  # this address is blocked, whatever the account
    elsewhere = world.http.post("/login", data={"email": "ada@example.com", "password": PASSWORD,
                                                "csrf_token": _csrf(world)}, environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert elsewhere.status_code == 302


def _csrf(world) -> str:
    from identity.testing import csrf_from
    return csrf_from(world.http.get("/login").text)


def test_parallel_guesses_cannot_outrun_the_limit(world):
    import threading
    from identity.accounts import login
    world.user()
    outcomes: list[str] = []
    start = threading.Barrier(16)

    def guess() -> None:
        start.wait()
        outcomes.append(login.check_password(world.uow(), "ada@example.com", WRONG, "203.0.113.9").outcome)

    threads = [threading.Thread(target=guess) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["failed"] * 10 + ["locked"] * 6
