"""Pure rules of account security: the sliding lockout window, TOTP steps, recovery codes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyotp

from identity.accounts import policy

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
WINDOW = timedelta(minutes=15)


def test_no_wait_below_the_limit():
    assert policy.retry_after([NOW - timedelta(minutes=1)] * 9, 10, WINDOW, NOW) is None


def test_the_wait_ends_a_window_after_the_oldest_counted_failure():
    failures = [NOW - timedelta(minutes=5)] * 10
    assert policy.retry_after(failures, 10, WINDOW, NOW) == 600


def test_failures_older_than_the_window_do_not_count():
    failures = [NOW - timedelta(minutes=16)] * 10 + [NOW] * 9
    assert policy.retry_after(failures, 10, WINDOW, NOW) is None


def test_a_totp_code_is_accepted_once_and_never_an_older_step_after_it():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(NOW)
    assert policy.accepted_totp_step(secret, totp.at(NOW), None, NOW) == step
    assert policy.accepted_totp_step(secret, totp.at(NOW), step, NOW) is None
    assert policy.accepted_totp_step(secret, totp.at(NOW - timedelta(seconds=30)), step, NOW) is None
    assert policy.accepted_totp_step(secret, totp.at(NOW + timedelta(seconds=30)), step, NOW) == step + 1


def test_codes_beyond_one_step_of_drift_are_refused():
    secret = pyotp.random_base32()
    assert policy.accepted_totp_step(secret, pyotp.TOTP(secret).at(NOW - timedelta(seconds=90)), None, NOW) is None


def test_recovery_codes_are_ten_distinct_and_hash_the_same_however_typed():
    codes = policy.new_recovery_codes()
    assert len(set(codes)) == 10 and all(policy.looks_like_recovery_code(code) for code in codes)
    assert policy.hash_recovery_code(codes[0]) == policy.hash_recovery_code(codes[0].upper().replace("-", " "))
