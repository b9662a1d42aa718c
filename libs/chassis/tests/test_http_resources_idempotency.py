"""``Idempotency-Key`` on POSTs that create money (chassis.idempotency, contract in DESIGN.md).

A test resource, ``POST /api/v1/payments/test-charges``, is registered on the
real payments app: ``@require_auth`` outermost, ``@idempotent()`` under it.
Its view is a :class:`ChargeDesk` that counts its runs and can fail or pause
on demand, so each test states what the client saw and how often the view ran.
"""
from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from flask import current_app, request
from sqlalchemy import select, update

from chassis.auth.flask import require_auth
from chassis.blueprint import Blueprint
from chassis.events.envelope import utcnow
from chassis.errors import Problem
from chassis.idempotency import idempotent
from chassis.tables import idempotency_keys
from chassis.testing.apps import empty_chassis_tables, migrated_app
from payments.app import definition

CHARGES = "/api/v1/payments/test-charges"
# The same resource with the decorators the other way round (idempotent outermost).
CHARGES_KEYED_BEFORE_AUTH = "/api/v1/payments/test-charges-keyed-before-auth"
WAIT_SECONDS = 10


class ChargeDesk:
    """The test view: creates a charge with a new id, or fails or pauses when told to."""

    def __init__(self) -> None:
        self.runs = 0
        self.next_failure: str | None = None  # "raise", "500" or "declined", for the next run only
        self.entered = threading.Event()
        self.release: threading.Event | None = None  # when set, a run waits for it

    def charge(self, amount_minor: int):
        self.entered.set()
        if self.release is not None and not self.release.wait(WAIT_SECONDS):
            raise RuntimeError("the test never released the paused request")
        self.runs += 1
        failure, self.next_failure = self.next_failure, None
        if failure == "raise":
            raise RuntimeError("card network unreachable")
        if failure == "500":
            return {"message": "card network unreachable"}, 500
        if failure == "declined":
            return {"message": "card declined"}, 402
        if failure == "refused":
            raise Problem(409, "order-not-payable", "the order is not awaiting payment")
        charge_id = str(uuid.uuid4())
        return {"id": charge_id, "amount_minor": amount_minor}, 201, {"Location": f"{CHARGES}/{charge_id}"}


def charges_blueprint() -> Blueprint:
    blueprint = Blueprint("test_charges", __name__, url_prefix="/api/v1/payments")

    @blueprint.route("/test-charges", methods=["POST"])
    @require_auth(roles=["customer"])
    @idempotent()
    def create_charge():
        return current_app.extensions["test.charge_desk"].charge(request.get_json()["amount_minor"])

    @blueprint.route("/test-charges-keyed-before-auth", methods=["POST"])
    @idempotent()
    @require_auth(roles=["customer"])
    def create_charge_keyed_before_auth():
        return current_app.extensions["test.charge_desk"].charge(request.get_json()["amount_minor"])

    return blueprint


@pytest.fixture(scope="module")
def app(tmp_path_factory, jwks_url):
    """One migrated payments app per module, with the test resource registered before its first request."""
    with migrated_app(definition(), tmp_path_factory.mktemp("payments"), jwks_url) as app:
        app.extensions["chassis.api"].register_blueprint(charges_blueprint())
        yield app


@pytest.fixture(autouse=True)
def desk(app):
    """A fresh desk per test, and no idempotency keys left from the previous one."""
    app.extensions["test.charge_desk"] = desk = ChargeDesk()
    yield desk
    if desk.release is not None:
        desk.release.set()
    empty_chassis_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def alice(bearer):
    return bearer(subject="cust-alice", roles=["customer"])


@pytest.fixture
def bob(bearer):
    return bearer(subject="cust-bob", roles=["customer"])


def charge(client, caller, key: str | None, amount_minor: int = 500, path: str = CHARGES):
    headers = {**caller, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(path, json={"amount_minor": amount_minor}, headers=headers)


def seen(response) -> dict:
    """What a client sees of a charge answer."""
    return {"status": response.status_code, "body": response.json, "location": response.headers.get("Location"),
            "content_type": response.headers.get("Content-Type"),
            "replayed": response.headers.get("Idempotent-Replayed")}


def stored_keys(app) -> list[dict]:
    with app.extensions["chassis.runtime"].database.engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(idempotency_keys)).mappings()]


# --- the key is required -------------------------------------------------------------------------

def test_a_post_without_a_key_is_400_and_does_not_run(client, alice, desk):
    response = charge(client, alice, key=None)

    assert (response.status_code, response.json["type"], desk.runs) == (
        400, "urn:marketplace:problem:idempotency-key-missing", 0)


def test_a_key_longer_than_200_characters_is_400(client, alice, desk):
    response = charge(client, alice, key="k" * 201)

    assert (response.status_code, response.json["type"], desk.runs) == (
        400, "urn:marketplace:problem:idempotency-key-invalid", 0)


def test_a_caller_refused_by_auth_leaves_no_key(app, client, bearer, desk):
    response = charge(client, bearer(subject="vendor-staff-1", roles=["vendor"], vendor_id="v-1"), key="k-1")

    assert (response.status_code, desk.runs, stored_keys(app)) == (403, 0, [])


# --- first request and retries -------------------------------------------------------------------

def test_the_first_request_runs_and_is_not_marked_replayed(client, alice, desk):
    response = charge(client, alice, key="k-1")

    assert (response.status_code, response.json["amount_minor"], response.headers.get("Idempotent-Replayed"),
            desk.runs) == (201, 500, None, 1)


def test_a_retry_with_the_same_key_and_body_replays_the_first_response(client, alice):
    first = charge(client, alice, key="k-1")

    retry = charge(client, alice, key="k-1")

    assert seen(retry) == {**seen(first), "replayed": "true"}


def test_a_replay_does_not_run_the_view_again(client, alice, desk):
    charge(client, alice, key="k-1")

    charge(client, alice, key="k-1")
    charge(client, alice, key="k-1")

    assert desk.runs == 1


def test_the_same_key_with_another_body_is_422_and_does_not_run(client, alice, desk):
    charge(client, alice, key="k-1", amount_minor=500)

    response = charge(client, alice, key="k-1", amount_minor=700)

    assert (response.status_code, response.json["type"], desk.runs) == (
        422, "urn:marketplace:problem:idempotency-key-reused", 1)


def test_a_client_error_answer_is_replayed_too(client, alice, desk):
    desk.next_failure = "declined"
    first = charge(client, alice, key="k-1")

    retry = charge(client, alice, key="k-1")

    assert (seen(retry), desk.runs) == ({**seen(first), "replayed": "true"}, 1)
    assert first.status_code == 402


def test_a_refusal_raised_by_the_view_is_replayed_like_a_returned_one(client, alice, desk):
    desk.next_failure = "refused"
    first = charge(client, alice, key="k-1")

    retry = charge(client, alice, key="k-1")

    assert (seen(retry), desk.runs) == ({**seen(first), "replayed": "true"}, 1)
    assert first.status_code == 409


def test_different_callers_with_the_same_key_are_independent(client, alice, bob, desk):
    for_alice = charge(client, alice, key="k-1")

    for_bob = charge(client, bob, key="k-1")

    assert (for_alice.status_code, for_bob.status_code, for_bob.headers.get("Idempotent-Replayed"), desk.runs) == (
        201, 201, None, 2)
    assert for_alice.json["id"] != for_bob.json["id"]


def test_different_keys_of_one_caller_are_different_requests(client, alice, desk):
    first = charge(client, alice, key="k-1")

    second = charge(client, alice, key="k-2")

    assert (second.status_code, desk.runs, first.json["id"] != second.json["id"]) == (201, 2, True)


# --- failures are not remembered -----------------------------------------------------------------

@pytest.mark.parametrize("failure", ["raise", "500"], ids=["view-raises", "view-answers-500"])
def test_a_server_failure_leaves_no_key_so_a_retry_runs_again(app, client, alice, desk, failure):
    desk.next_failure = failure
    failed = charge(client, alice, key="k-1")
    assert (failed.status_code, stored_keys(app)) == (500, [])

    retry = charge(client, alice, key="k-1")

    assert (retry.status_code, retry.headers.get("Idempotent-Replayed"), desk.runs) == (201, None, 2)


# --- retention -----------------------------------------------------------------------------------

def test_a_key_is_kept_24_hours(app, client, alice):
    charge(client, alice, key="k-1")

    [key] = stored_keys(app)
    assert (key["caller"], key["key"], key["state"], key["expires_at"] - key["created_at"]) == (
        "test-client:cust-alice", "k-1", "completed", timedelta(hours=24))


def test_an_expired_key_runs_the_request_again(app, client, alice, desk):
    first = charge(client, alice, key="k-1")
    with app.extensions["chassis.runtime"].database.engine.begin() as connection:
        connection.execute(update(idempotency_keys).values(expires_at=utcnow() - timedelta(seconds=1)))

    again = charge(client, alice, key="k-1")

    assert (again.status_code, again.headers.get("Idempotent-Replayed"), desk.runs) == (201, None, 2)
    assert again.json["id"] != first.json["id"]


def test_a_request_whose_first_attempt_died_in_flight_runs_once_its_lock_expired(app, client, alice, desk):
    # What a worker killed mid-request leaves behind: the key reserved, no answer, the lock run out.
    charge(client, alice, key="k-1")
    with app.extensions["chassis.runtime"].database.engine.begin() as connection:
        connection.execute(update(idempotency_keys).values(
            state="in_flight", response_status=None, response_body=None, response_headers=None,
            locked_until=utcnow() - timedelta(seconds=1)))

    retry = charge(client, alice, key="k-1")

    assert (retry.status_code, retry.headers.get("Idempotent-Replayed"), desk.runs) == (201, None, 2)


# --- concurrent retries --------------------------------------------------------------------------

class PausedRequest:
    """A first request started in a thread and held inside the view until ``finish()``."""

    def __init__(self, app, desk: ChargeDesk, caller: dict, key: str) -> None:
        self._desk = desk
        self._desk.release = threading.Event()
        self.response = None
        self._thread = threading.Thread(target=self._run, args=(app, caller, key), daemon=True)
        self._thread.start()
        if not desk.entered.wait(WAIT_SECONDS):
            raise RuntimeError("the first request never reached the view")

    def _run(self, app, caller: dict, key: str) -> None:
        self.response = charge(app.test_client(), caller, key=key)

    def finish(self):
        self._desk.release.set()
        self._thread.join(WAIT_SECONDS)
        return self.response


def test_a_retry_while_the_first_request_runs_is_409_with_retry_after(app, client, alice, desk):
    first = PausedRequest(app, desk, alice, key="k-1")

    retry = charge(client, alice, key="k-1")
    first.finish()

    assert (retry.status_code, retry.json["type"], retry.headers["Retry-After"], desk.runs) == (
        409, "urn:marketplace:problem:idempotency-key-in-flight", "1", 1)


def test_the_first_request_completes_after_a_concurrent_retry_and_is_replayed_after(app, client, alice, desk):
    first = PausedRequest(app, desk, alice, key="k-1")
    charge(client, alice, key="k-1")

    completed = first.finish()
    third = charge(client, alice, key="k-1")

    assert completed.status_code == 201
    assert (seen(third), desk.runs) == ({**seen(completed), "replayed": "true"}, 1)


# --- decorator order -----------------------------------------------------------------------------

def test_keyed_before_auth_still_keeps_callers_apart(client, alice, bob, desk):
    for_alice = charge(client, alice, key="k-1", path=CHARGES_KEYED_BEFORE_AUTH)

    for_bob = charge(client, bob, key="k-1", path=CHARGES_KEYED_BEFORE_AUTH)

    assert (for_bob.status_code, for_bob.headers.get("Idempotent-Replayed"), desk.runs) == (201, None, 2)
    assert for_alice.json["id"] != for_bob.json["id"]


def test_keyed_before_auth_never_replays_to_a_caller_without_a_token(client, alice, desk):
    charge(client, alice, key="k-1", path=CHARGES_KEYED_BEFORE_AUTH)

    anonymous = charge(client, {}, key="k-1", path=CHARGES_KEYED_BEFORE_AUTH)

    assert (anonymous.status_code, anonymous.json["type"], desk.runs) == (
        401, "urn:marketplace:problem:missing-token", 1)
